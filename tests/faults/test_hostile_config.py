"""Hostile config and secret files: each is refused at once, in one line, with a non-zero exit.

Before, a FIFO as ``auth_key_file`` hung ``check-config`` and start-up with no message,
``/dev/zero`` grew the process by gigabytes, a 50 MB config took 49 s to parse and a
nested-alias ``keymap`` reached 1.1 GB. Each case runs ``python -m edgetop`` as a user
would and must answer well within a few seconds.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.run import edgetop

QUICK = 5.0  # seconds: Python start-up on a loaded machine, then an immediate refusal
# Root reads a chmod 000 file anyway: drop the capabilities that let it (a normal user needs nothing).
NO_DAC = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []


def fifo(path: Path) -> None:
    os.mkfifo(path)


def dev_zero(path: Path) -> None:
    os.symlink("/dev/zero", path)


def fifty_megabytes(path: Path) -> None:
    with path.open("w") as fh:
        fh.write("interval: 1\n")
        line = "# a comment line that only makes the file large, as a runaway generator would\n"
        fh.write(line * (50 * 1024 * 1024 // len(line)))


def alias_bomb(path: Path) -> None:
    lines = ["keymap:", "  ? &a [x, x, x, x, x, x, x, x, x]", "  : a"]
    prev = "a"
    for name in "bcdefgh":  # every key is a list of nine of the previous: 9**8 scalars once expanded
        lines += [f"  ? &{name} [" + ", ".join([f"*{prev}"] * 9) + "]", f"  : {name}"]
        prev = name
    path.write_text("\n".join(lines) + "\n")


HOSTILE_CONFIGS: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (fifo, r"c\.yaml: cannot read: a FIFO, not a regular file"),
    "dev-zero": (lambda p: None, r"/dev/zero: cannot read: a character device, not a regular file"),
    "dev-zero-symlink": (dev_zero, r"c\.yaml: cannot read: a symlink to /dev/zero, a character device, not a "
                                   r"regular file"),
    "50-MB": (fifty_megabytes, r"c\.yaml: cannot read: 50\.0 MiB, more than the 1\.0 MiB allowed"),
    "alias-bomb": (alias_bomb, r"c\.yaml:12: refused: the document passes 100000 nodes .* \(an alias bomb\?\)"),
}
COMMANDS = {"check-config": ["check-config", "c.yaml"], "snapshot": ["snapshot", "--config", "c.yaml"],
            "tui": ["--config", "c.yaml"]}


def refused(tmp_path: Path, args: list[str], pattern: str, prefix: list[str] | None = None) -> None:
    """Run edgetop; it must exit 2 quickly with exactly one line matching ``pattern`` and no traceback."""
    t0 = time.monotonic()
    result = edgetop(tmp_path, *args, timeout=30, prefix=prefix or [])
    elapsed = time.monotonic() - t0
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and re.fullmatch(f"edgetop: {pattern}", lines[0]), result.stderr
    assert elapsed < QUICK, f"took {elapsed:.1f} s"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", HOSTILE_CONFIGS)
def test_hostile_config_file_is_refused_at_once(tmp_path: Path, kind: str, command: str) -> None:
    make, pattern = HOSTILE_CONFIGS[kind]
    make(tmp_path / "c.yaml")
    args = [("/dev/zero" if kind == "dev-zero" and a == "c.yaml" else a) for a in COMMANDS[command]]
    refused(tmp_path, args, pattern)


def test_unreadable_config_file_says_so(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("interval: 2\n")
    config.chmod(0)
    refused(tmp_path, ["check-config", "c.yaml"], r"c\.yaml: cannot read: Permission denied", prefix=NO_DAC)


SNMP = """\
snmp:
  targets:
    - name: core-switch
      host: 192.0.2.1
      version: "3"
      user: monitor
      auth_protocol: SHA
      auth_key_file: {secret}
"""


def big_key(path: Path) -> None:
    path.write_text("k" * 8192 + "\n")


def unreadable_key(path: Path) -> None:
    path.write_text("a-real-passphrase\n")
    path.chmod(0)


HOSTILE_SECRETS: dict[str, tuple[Callable[[Path], None], str, bool]] = {
    "fifo": (fifo, "a FIFO, not a regular file", False),
    "dev-zero": (lambda p: None, "a character device, not a regular file", False),
    "dev-zero-symlink": (dev_zero, "a symlink to /dev/zero, a character device, not a regular file", False),
    "8-KiB": (big_key, r"8\.0 KiB, more than the 4\.0 KiB allowed", False),
    "unreadable": (unreadable_key, "Permission denied", True),
}


@pytest.mark.parametrize("command", ["check-config", "snapshot"])
@pytest.mark.parametrize("kind", HOSTILE_SECRETS)
def test_hostile_secret_file_is_refused_naming_file_line_and_key(tmp_path: Path, kind: str, command: str) -> None:
    make, reason, needs_no_dac = HOSTILE_SECRETS[kind]
    secret = "/dev/zero" if kind == "dev-zero" else str(tmp_path / "key")
    make(Path(secret))
    (tmp_path / "c.yaml").write_text(SNMP.format(secret=secret))
    pattern = rf"c\.yaml:8: snmp\.targets\[0\]\.auth_key_file: cannot read {re.escape(secret)}: {reason}"
    refused(tmp_path, COMMANDS[command], pattern, prefix=NO_DAC if needs_no_dac else None)


def test_a_good_secret_file_still_works(tmp_path: Path) -> None:
    """The checks refuse what is hostile, not what is normal: a 0600 key file, via a symlink too."""
    key = tmp_path / "real-key"
    key.write_text("a-real-passphrase\n")
    key.chmod(0o600)
    (tmp_path / "key").symlink_to(key)
    (tmp_path / "c.yaml").write_text(SNMP.format(secret="key"))
    (tmp_path / "c.yaml").chmod(0o600)
    result = edgetop(tmp_path, "check-config", "c.yaml", timeout=30)
    assert result.returncode == 0, result.stderr
    assert "auth_key: <redacted>" in result.stdout and "a-real-passphrase" not in result.stdout
