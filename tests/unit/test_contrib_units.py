"""The units in contrib/ start edgetop with flags it accepts, pinned to a housekeeping core (issue 17)."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from edgetop.cli import build_parser

CONTRIB = Path(__file__).resolve().parents[2] / "contrib"


def edgetop_argvs(unit_text: str) -> list[list[str]]:
    """Every edgetop command line in a unit, commented-out examples included, as argv after the binary."""
    argvs = []
    for line in unit_text.splitlines():
        line = line.lstrip("#")  # noqa: PLW2901 - the commented alternative must work as well
        if not line.startswith("ExecStart=") or "edgetop" not in line:
            continue
        words = shlex.split(line.removeprefix("ExecStart=").lstrip("-"))
        if "--login-options" in words:  # the getty drop-in: runuser's options carry the command
            words = shlex.split(words[words.index("--login-options") + 1])
            words = words[words.index("--") + 1:]
        at = next(i for i, w in enumerate(words) if w.endswith("/bin/edgetop"))
        argvs.append(words[at + 1:])
    return argvs


@pytest.mark.parametrize("name", ["edgetop-kiosk.service", "edgetop-exporter.service", "getty-tty1-edgetop.conf"])
def test_every_unit_pins_edgetop_with_flags_it_accepts(name: str) -> None:
    text = (CONTRIB / name).read_text()
    argvs = edgetop_argvs(text)
    assert argvs, f"no edgetop command line in {name}"
    for argv in argvs:
        args = build_parser().parse_args(argv)  # SystemExit (a failed test) on a flag edgetop lacks
        assert args.cpus == "0", f"{name}: {shlex.join(argv)} does not pin edgetop (--cpus)"
        assert args.read_only or args.kiosk, f"{name}: a unit runs edgetop read-only"
    affinity = re.search(r"^CPUAffinity=(\S+)$", text, re.MULTILINE)
    if affinity:  # systemd's pin and edgetop's own must name the same core
        assert affinity.group(1) == "0"


def test_the_argv_reader_sees_a_missing_pin() -> None:
    # The check above can fail: a unit without --cpus parses to cpus None.
    argv = edgetop_argvs("ExecStart=/opt/edgetop/bin/edgetop --kiosk\n")
    assert argv == [["--kiosk"]] and build_parser().parse_args(argv[0]).cpus is None
