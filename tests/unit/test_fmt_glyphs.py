"""Formatting helpers and text glyphs (ASCII on the Linux console)."""

from __future__ import annotations

import pytest
from rich.text import Text

from edgetop.ui import fmt
from edgetop.ui.widgets.glyphs import bar, sparkline


@pytest.mark.parametrize(("ratio", "digits", "out"), [(None, 1, "n/a"), (0.0, 1, "0.0%"), (0.1234, 1, "12.3%"),
                                                     (1.0, 0, "100%"), (0.05, 2, "5.00%")])
def test_pct(ratio: float | None, digits: int, out: str) -> None:
    assert fmt.pct(ratio, digits) == out


@pytest.mark.parametrize(("value", "out"), [
    (None, "n/a"), (0, "0B"), (1023, "1023B"), (1024, "1.0KiB"), (1536, "1.5KiB"), (5 * 1024**3, "5.0GiB"),
    (2 * 1024**6, "2048.0PiB"), (-2048, "-2.0KiB"),
])
def test_size(value: float | None, out: str) -> None:
    assert fmt.size(value) == out


@pytest.mark.parametrize(("seconds", "out"), [
    (None, "n/a"), (0, "0s"), (59.9, "59s"), (65, "1m05s"), (3600 * 5 + 12 * 60, "5h12m"),
    (86400 * 3 + 4 * 3600, "3d04h"),
])
def test_duration(seconds: float | None, out: str) -> None:
    assert fmt.duration(seconds) == out


@pytest.mark.parametrize(("seconds", "out"), [
    (None, "n/a"), (float("nan"), "n/a"), (0, "<1m"), (59.9, "<1m"), (60, "1m"), (65, "1m"), (119, "1m"),
    (3599, "59m"), (3600 * 5 + 12 * 60 + 7, "5h12m"), (86400 * 3 + 4 * 3600, "3d04h"),
])
def test_coarse_duration_changes_once_a_minute(seconds: float | None, out: str) -> None:
    # A list of standing alerts is not rewritten every second (issue 17: terminal bytes).
    assert fmt.coarse_duration(seconds) == out


def test_age_num_rate() -> None:
    assert fmt.age(None) == "n/a" and fmt.age(100.0, now=165.0) == "1m05s" and fmt.age(200.0, now=100.0) == "0s"
    assert fmt.num(None) == "n/a" and fmt.num(2.345, 2, " GHz") == "2.35 GHz"
    assert fmt.rate_bytes(None) == "n/a" and fmt.rate_bytes(2048) == "2.0KiB/s"


@pytest.mark.parametrize(("cpus", "out"), [
    (None, "n/a"), ([], "-"), ([3], "3"), ({0, 1, 2, 3, 8}, "0-3,8"), ((5, 1, 2, 3, 10, 11), "1-3,5,10-11"),
    (frozenset(range(64)), "0-63"), ([0, 0, 1], "0-1"),
])
def test_cpu_list(cpus: object, out: str) -> None:
    assert fmt.cpu_list(cpus) == out  # type: ignore[arg-type]


def test_cpu_list_round_trips_the_kernel_parser() -> None:
    from edgetop.model.cpulist import parse_cpu_list

    for text in ("0-3,8", "1", "0,2,4-7,9-10"):
        assert fmt.cpu_list(parse_cpu_list(text)) == text


def test_literal_never_interprets_markup() -> None:
    name = "[bold red]vm[/] \x1b[31m"
    text = fmt.literal(name)
    assert isinstance(text, Text) and text.plain == name and text.spans == []
    assert fmt.literal(None).plain == ""


def test_console_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDGETOP_ASCII", raising=False)
    monkeypatch.setenv("TERM", "linux")
    assert fmt.console_mode()
    monkeypatch.setenv("TERM", "xterm-256color")
    assert not fmt.console_mode()
    monkeypatch.setenv("EDGETOP_ASCII", "1")
    assert fmt.console_mode()


@pytest.mark.parametrize("ascii_only", [True, False])
def test_sparkline_shape(ascii_only: bool) -> None:
    line = sparkline([0.0, 0.5, 1.0, None, 0.01], width=8, top=1.0, ascii_only=ascii_only)
    assert len(line) == 8 and line[:3] == "   "
    ramp = " .:-=+*#%@" if ascii_only else " ▁▂▃▄▅▆▇█"
    assert line[3] == ramp[0] and line[5] == ramp[-1] and line[6] == " "  # None is a gap
    assert line[7] == ramp[1]  # tiny but non-zero is still visible
    if ascii_only:
        assert line.isascii()


def test_sparkline_edges() -> None:
    assert sparkline([], 4, ascii_only=True) == "    "
    assert sparkline([1.0, 2.0], 0, ascii_only=True) == ""
    assert sparkline([5.0] * 10, 3, ascii_only=True) == "@@@"  # only the last width values
    assert sparkline([0.0, 0.0], 2, ascii_only=True) == "  "  # all zero: flat, no division by zero
    assert sparkline([-1.0, 2.0], 2, top=1.0, ascii_only=True) == " @"  # clamped


def test_sparkline_follows_console_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "linux")
    assert sparkline([1.0], 1) == "@"
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("EDGETOP_ASCII", raising=False)
    assert sparkline([1.0], 1) == "█"


def test_bar() -> None:
    text = bar([(0.5, "red"), (0.25, "blue"), (None, "x"), (-1.0, "y")], 8, ascii_only=True)
    assert text.plain == "######.."
    styles = [(s.start, s.end, str(s.style)) for s in text.spans]
    assert styles == [(0, 4, "red"), (4, 6, "blue"), (6, 8, "dim")]
    assert bar([(0.9, "a"), (0.9, "b")], 10, ascii_only=True).plain == "##########"  # never overflows
    assert bar([], 3, ascii_only=False).plain == "░░░"
    assert len(bar([(1 / 3, "a")] * 3, 10, ascii_only=True).plain) == 10


def test_non_finite_values_never_raise() -> None:
    nan, inf = float("nan"), float("inf")
    assert fmt.duration(nan) == "n/a" and fmt.duration(inf) == "n/a" and fmt.age(nan) == "n/a"
    assert fmt.size(nan) == "n/a" and fmt.size(-inf) == "n/a"
    assert bar([(nan, "a"), (inf, "b"), (0.5, "c")], 4, ascii_only=True).plain == "##.."
    assert len(sparkline([nan, inf, 1.0], 3, ascii_only=True)) == 3
