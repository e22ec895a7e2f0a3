"""The shipped units and the getty drop-in say what the README promises, and pin edgetop (issue 17)."""

from __future__ import annotations

import configparser
import re
import shlex

import pytest

from edgetop.cli import build_parser
from tests.helpers import REPO

CONTRIB = REPO / "contrib"


def load(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, comment_prefixes=("#", ";"), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(CONTRIB / name)
    return parser


def test_kiosk_unit() -> None:
    unit = load("edgetop-kiosk.service")
    argv = shlex.split(unit["Service"]["ExecStart"])
    assert argv[0].endswith("/edgetop") and argv[1:] == ["--kiosk", "--cpus", "0"]
    assert unit["Service"]["TTYPath"] == "/dev/tty1"
    assert unit["Service"]["StandardError"] == "tty"  # Textual draws on stderr
    assert unit["Service"]["DynamicUser"] == "yes"
    assert "getty@tty1.service" in unit["Unit"]["Conflicts"]


def test_getty_dropin() -> None:
    text = (CONTRIB / "getty-tty1-edgetop.conf").read_text()
    exec_lines = [ln for ln in text.splitlines() if ln.startswith("ExecStart=")]
    assert exec_lines[0] == "ExecStart="  # resets the getty's own command first
    argv = shlex.split(exec_lines[1].removeprefix("ExecStart=-"))
    assert argv[0] == "/sbin/agetty" and "--skip-login" in argv
    options = shlex.split(argv[argv.index("--login-options") + 1])
    assert options[:3] == ["-u", "edgetop", "--"] and options[4:] == ["--kiosk", "--cpus", "0"]


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
