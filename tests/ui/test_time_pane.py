"""Pilot tests of the time pane over a store fed as the engine would."""

from __future__ import annotations

import pytest

from edgetop.collectors import ntp
from edgetop.collectors.ntp_chrony import report_from_text
from edgetop.collectors.ntp_kernel import KernelClock, row_from_kernel
from edgetop.collectors.ntp_types import PEER, TimeReport, TimeRow
from edgetop.config_schema import Config
from edgetop.model.reading import Status
from edgetop.model.spec import CollectorSpec, Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.panes.time import TimePane, seconds_text
from tests.helpers import FIXTURES
from tests.ui.harness import PaneHarness, plain

FIX = FIXTURES / "ntp"
MARKUP_SERVER = "[b]ntp[/b].example"


def specs() -> dict[str, CollectorSpec]:
    ctx = Context(Config(), ProcFS("/proc"), SysFS("/sys"))
    return {s.name: s for s in ntp.specs(ctx)}


def chrony_report(name: str = "chrony-3.4/many-sources.csv") -> TimeReport:
    return report_from_text((FIX / name).read_text(), "x")


def kernel_report(synced: bool) -> TimeReport:
    k = KernelClock("TIME_OK" if synced else "TIME_ERROR", (), synced, "normal", 0.0, 1.0, 1e-5, 1e-3, None)
    return TimeReport("kernel", (row_from_kernel(k),))


def sntp_report(offset: float | None, state: str = "answered") -> TimeReport:
    row = TimeRow(kind="sntp", key=f"sntp/{MARKUP_SERVER}", role=PEER, meaning=f"SNTP: this host vs {MARKUP_SERVER}",
                  offset_seconds=offset, stratum=2, reference="10.0.0.1", reachable=offset is not None, state=state)
    return TimeReport("sntp", (row,))


def feed_all(app: PaneHarness, chrony_offset_file: str = "chrony-3.4/many-sources.csv") -> None:
    s = specs()
    app.feed(s["ntp:chrony"], chrony_report(chrony_offset_file))
    app.feed(s["ntp:kernel"], kernel_report(True))
    app.feed(s["ntp:ntpd"], status=Status.UNAVAILABLE, reason="ntpq not installed")
    app.feed(s["ntp:timesyncd"], status=Status.UNAVAILABLE, reason="timedatectl cannot reach systemd")
    app.feed(s["ntp:ptp"], status=Status.UNAVAILABLE, reason="ptp4l not running")
    app.feed(s["ntp:sntp"], sntp_report(-0.0021))


@pytest.mark.parametrize("size", [(80, 25), (120, 40)])
async def test_synchronised_rows_with_meaning(size: tuple[int, int]) -> None:
    app = PaneHarness(TimePane)
    async with app.run_test(size=size) as pilot:
        feed_all(app)
        await pilot.pause()
        verdict = app.pane.verdict_text(app.pane.verdict(app.store.samples())).plain
        assert verdict.startswith("SYNCHRONISED via chrony: 192.168.10.1")
        assert "+ means this clock is ahead" in verdict
        table = app.pane.table
        keys = table.row_keys_in_order()
        assert keys[:2] == ["chrony", "kernel"]  # clock rows first
        assert "absent:ntpd" in keys and f"sntp/{MARKUP_SERVER}" in keys
        assert plain(table.get_cell("chrony", "meaning")) == "chrony: system clock vs reference"
        assert plain(table.get_cell("chrony", "offset")) == "-412µs"
        assert plain(table.get_cell("absent:ntpd", "meaning")) == "ntpd: unavailable: ntpq not installed"
        meaning = table.get_cell(f"sntp/{MARKUP_SERVER}", "meaning")
        assert plain(meaning) == f"SNTP: this host vs {MARKUP_SERVER}"  # literal, not markup
        assert meaning.spans == []  # no markup was interpreted: no bold span from "[b]"
        assert "reach 376" in plain(table.get_cell("chrony/10.20.0.6", "state"))


async def test_no_time_source() -> None:
    app = PaneHarness(TimePane)
    async with app.run_test(size=(80, 25)) as pilot:
        s = specs()
        for kind in ("chrony", "ntpd", "timesyncd", "ptp"):
            app.feed(s[f"ntp:{kind}"], status=Status.UNAVAILABLE, reason=f"{kind} absent")
        app.feed(s["ntp:kernel"], kernel_report(False))
        app.feed(s["ntp:sntp"], sntp_report(None, "unreachable: no answer within 2 s"))
        await pilot.pause()
        verdict = app.pane.verdict(app.store.samples())
        assert verdict.verdict == ntp.NO_SOURCE
        assert app.pane.verdict_text(verdict).plain.startswith("NO TIME SOURCE")
        assert plain(app.pane.table.get_cell(f"sntp/{MARKUP_SERVER}", "state")).startswith("unreachable")
        assert "no source with an offset" in app.pane.spark_text(None).plain


async def test_engine_verdict_wins_and_unsynchronised() -> None:
    app = PaneHarness(TimePane)
    async with app.run_test(size=(80, 25)) as pilot:
        s = specs()
        app.feed(s["ntp:chrony"], chrony_report("chrony-4.3/unsynced.csv"))
        app.feed(s["ntp:kernel"], kernel_report(False))
        await pilot.pause()
        assert app.pane.verdict(app.store.samples()).verdict == ntp.UNSYNCHRONISED
        app.feed(s["ntp:verdict"], ntp.Verdict(ntp.SYNCHRONISED, True, "ptp: gm", 1, ()))
        assert app.pane.verdict(app.store.samples()).by == "ptp: gm"


async def test_updates_in_place_sparkline_and_greyed() -> None:
    app = PaneHarness(TimePane)
    async with app.run_test(size=(120, 40)) as pilot:
        s = specs()
        feed_all(app)
        await pilot.pause()
        count = app.pane.table.row_count
        for offset_file in ("chrony-3.4/leap-insert.csv", "chrony-4.3/client-synced.csv"):
            app.feed(s["ntp:chrony"], chrony_report(offset_file))
        await pilot.pause()
        spark = app.pane.spark_text(app.pane.main_row(app.pane._reports(app.store.samples()))).plain
        assert spark.startswith("|offset| ") and "now +2µs" in spark and "max 250.00ms" in spark
        assert app.store.history("ntp:chrony.offset:chrony")[-3:] == pytest.approx([0.000412315, 0.25, 2.222e-6])
        # client-synced has one server instead of seven: vanished rows are removed, the rest kept.
        assert app.pane.table.row_count == count - 6
        app.feed(s["ntp:chrony"], status=Status.UNAVAILABLE, reason="chronyd at x: 506 Cannot talk to daemon")
        await pilot.pause()
        table = app.pane.table
        want = "chrony: unavailable: chronyd at x: 506 Cannot talk to daemon"
        assert plain(table.get_cell("absent:chrony", "meaning")) == want
        greyed = table.get_cell("chrony", "meaning")
        assert str(greyed.style) == "dim"  # last values, greyed (the base style: a cell is drawn in one style)


async def test_sort_binding_and_console_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDGETOP_ASCII", "1")
    app = PaneHarness(TimePane)
    async with app.run_test(size=(80, 25)) as pilot:
        feed_all(app)
        s = specs()
        app.feed(s["ntp:chrony"], chrony_report("chrony-3.4/leap-insert.csv"))
        app.feed(s["ntp:chrony"], chrony_report())
        await pilot.pause()
        app.pane.table.focus()
        await pilot.press("o")
        await pilot.pause()
        assert app.pane.sort_by_offset
        keys = app.pane.table.row_keys_in_order()
        assert keys[0] == "chrony/203.0.113.9"  # 81 ms, the largest offset
        spark = app.pane.spark_text(app.pane.main_row(app.pane._reports(app.store.samples()))).plain
        assert spark.isascii() and "us" in plain(app.pane.table.get_cell("chrony", "offset"))
        await pilot.press("o")
        await pilot.pause()
        assert app.pane.table.row_keys_in_order()[0] == "chrony/203.0.113.9" or not app.pane.sort_by_offset


@pytest.mark.parametrize(("value", "signed", "text"), [
    (None, True, "n/a"), (0.000412, True, "+412µs"), (-0.00125, True, "-1.25ms"), (2.0031, True, "+2.003s"),
    (3e-8, True, "+30ns"), (0.5, False, "500.00ms"),
])
def test_seconds_text(value: float | None, signed: bool, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDGETOP_ASCII", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert seconds_text(value, signed) == text


async def test_detail_of_highlighted_row() -> None:
    app = PaneHarness(TimePane)
    async with app.run_test(size=(120, 40)) as pilot:
        feed_all(app)
        await pilot.pause()
        app.pane.table.focus()
        app.pane.table.move_cursor(row=app.pane.table.get_row_index("chrony"))
        await pilot.pause()
        assert app.pane.highlighted == "chrony"
        detail = str(app.pane.query_one("#time-detail").render())
        assert "rms offset" in detail and "frequency -11.274 ppm" in detail and "update interval" in detail
        app.pane.table.move_cursor(row=app.pane.table.get_row_index("chrony/10.20.0.6"))
        await pilot.pause()
        detail = str(app.pane.query_one("#time-detail").render())
        assert "poll 64s" in detail and "last rx 40s" in detail and "std dev 2.00ms" in detail
