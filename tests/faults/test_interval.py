"""One check for the refresh interval, whether it comes from --interval or from the file.

Before, ``--interval inf`` was accepted (``snapshot`` then waited forever and the TUI's
clock froze) and ``--interval 0`` was accepted by ``snapshot`` only, while the file
refused both.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.faults.run import QUIET, edgetop

# (flag spelling, YAML spelling, why it is refused)
BAD = [
    ("0", "0", "must be greater than 0"),
    ("-1", "-1", "must be greater than 0"),
    ("inf", ".inf", "must be a finite number"),
    ("nan", ".nan", "must be a finite number"),
    ("3601", "3601", "must be at most 3600 seconds"),
]


@pytest.mark.parametrize(("flag", "yaml", "reason"), BAD, ids=[b[0] for b in BAD])
@pytest.mark.parametrize("command", [["snapshot"], ["serve"], []], ids=["snapshot", "serve", "tui"])
def test_flag_and_file_refuse_the_same_intervals_at_once(tmp_path: Path, command: list[str], flag: str, yaml: str,
                                                          reason: str) -> None:
    (tmp_path / "c.yaml").write_text(QUIET)
    t0 = time.monotonic()
    by_flag = edgetop(tmp_path, *command, "--config", "c.yaml", "--interval", flag, timeout=30)
    (tmp_path / "bad.yaml").write_text(QUIET + f"interval: {yaml}\n")
    by_file = edgetop(tmp_path, *command, "--config", "bad.yaml", timeout=30)
    assert time.monotonic() - t0 < 10, "a refused interval must not start anything"
    assert (by_flag.returncode, by_flag.stdout, by_flag.stderr) == (2, "", f"edgetop: --interval: {reason}\n")
    assert (by_file.returncode, by_file.stdout, by_file.stderr) == (2, "", f"edgetop: bad.yaml:4: interval: {reason}\n")


def test_the_largest_interval_is_accepted_by_both(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(QUIET + "interval: 3600\n")
    assert edgetop(tmp_path, "check-config", "c.yaml", timeout=30).returncode == 0
    result = edgetop(tmp_path, "check-config", "c.yaml", "--interval", "3600", timeout=30)
    assert result.returncode == 0 and "interval: 3600.0" in result.stdout
