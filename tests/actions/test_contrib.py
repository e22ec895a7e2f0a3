"""The shipped kiosk unit and getty drop-in say what the README promises."""

from __future__ import annotations

import configparser
import shlex

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
    assert argv[-1] == "--kiosk" and argv[0].endswith("/edgetop")
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
    assert options[:3] == ["-u", "edgetop", "--"] and options[-1] == "--kiosk"
