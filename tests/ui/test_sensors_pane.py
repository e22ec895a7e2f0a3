"""Pilot tests of the Sensors pane over the demo tree and hand-made readings."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from edgetop.collectors import sensors as sensors_mod
from edgetop.collectors.sensors import Sensor, SensorsReading
from edgetop.model.reading import Status
from edgetop.model.spec import CollectorSpec
from edgetop.ui.panes.sensors import SensorsPane, threshold_bar
from edgetop.ui.widgets.synced_table import SyncedTable
from tests.ui.harness import PaneHarness, cell, demo_collect


def demo_reading(tmp_path: Path) -> tuple[CollectorSpec, SensorsReading]:
    return demo_collect(sensors_mod, tmp_path, SensorsReading)


@pytest.mark.parametrize("size", [(80, 25), (120, 40)])
async def test_rows_limits_and_notes(tmp_path: Path, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "linux")
    spec, reading = demo_reading(tmp_path)
    app = PaneHarness(SensorsPane)
    async with app.run_test(size=size) as pilot:
        app.feed(spec, reading)
        await pilot.pause()
        table = app.pane.query_one("#sensors-table", SyncedTable)
        assert table.row_keys_in_order() == [s.id for s in reading.sensors]
        core1 = next(s.id for s in reading.sensors if s.label == "Core 1")
        assert cell(table, core1, "now") == "86.0°C"
        assert (cell(table, core1, "high"), cell(table, core1, "crit")) == ("84", "100")
        assert "throttled 17x" in cell(table, core1, "note")
        fan2 = next(s.id for s in reading.sensors if s.label == "fan2")
        assert "ALARM" in cell(table, fan2, "note")
        bar = cell(table, core1, "bar")
        assert set(bar) <= set("#.|") and "|" in bar  # console-safe glyphs under TERM=linux
        # A cell is drawn in one style: the most serious remark's, the bar's severity.
        assert str(table.get_cell(fan2, "note").style) == "bold red"
        assert str(table.get_cell(core1, "note").style) == "yellow"  # throttled
        assert str(table.get_cell(core1, "bar").style) == "yellow"  # 86 °C: above high (84), below critical
        status = str(app.pane.query_one("#sensors-status").render())
        assert "hottest Core 1 86" in status


async def test_updates_in_place_and_sorts_on_request(tmp_path: Path) -> None:
    spec, reading = demo_reading(tmp_path)
    app = PaneHarness(SensorsPane)
    async with app.run_test(size=(120, 40)) as pilot:
        app.feed(spec, reading)
        await pilot.pause()
        table = app.pane.query_one("#sensors-table", SyncedTable)
        core0 = next(s.id for s in reading.sensors if s.label == "Core 0")
        hotter = tuple(msgspec.structs.replace(s, celsius=99.0) if s.id == core0 else s
                       for s in reading.sensors if s.label != "Sensor 1")
        app.feed(spec, SensorsReading(hotter))
        await pilot.pause()
        assert cell(table, core0, "now") == "99.0°C"
        assert len(table.row_keys_in_order()) == len(reading.sensors) - 1
        assert table.row_keys_in_order()[0] != core0  # chip order until asked
        await pilot.press("t")
        await pilot.pause()
        assert table.row_keys_in_order()[0] == core0
        assert isinstance(app.pane, SensorsPane) and app.pane.hottest_first


async def test_unavailable_banner_and_literal_names(tmp_path: Path) -> None:
    spec, _ = demo_reading(tmp_path)
    app = PaneHarness(SensorsPane)
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(spec, status=Status.UNAVAILABLE, reason="no temperature sensors: [b]none[/b]")
        await pilot.pause()
        status = app.pane.query_one("#sensors-status").render()
        assert "no temperature sensors: [b]none[/b]" in str(status)
        odd = Sensor(id="hwmon0/temp1", chip="[red]chip", device=None, label="[bold]x[/bold]", kind="temp",
                     source="hwmon", celsius=None, status="slow", reason="no answer within 0.5 s")
        app.feed(spec, SensorsReading((odd,)))
        await pilot.pause()
        table = app.pane.query_one("#sensors-table", SyncedTable)
        assert cell(table, "hwmon0/temp1", "sensor") == "[bold]x[/bold]"
        assert cell(table, "hwmon0/temp1", "chip") == "[red]chip"
        assert cell(table, "hwmon0/temp1", "now") == "n/a"
        assert "slow: no answer" in cell(table, "hwmon0/temp1", "note")


def test_threshold_bar_marks() -> None:
    s = Sensor(id="x", chip="c", device=None, label="l", kind="temp", source="hwmon", celsius=50.0,
               high_celsius=80.0, critical_celsius=100.0)
    # 0..100 °C over 10 cells: 50 °C fills 5, high (80) marks cell 7, critical (100) the last.
    assert threshold_bar(s, 10, ascii_only=True).plain == "#####..|.|"
    assert threshold_bar(s, 10, ascii_only=False).plain == "█████░░|░|"
    unknown = msgspec.structs.replace(s, celsius=None)
    assert threshold_bar(unknown, 10, ascii_only=True).plain == " " * 10


@pytest.mark.parametrize(("size", "ascii_only"), [((120, 40), False), ((80, 25), True)])
def test_snapshot(snap_compare, size: tuple[int, int], ascii_only: bool,  # type: ignore[no-untyped-def]
                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SVG of the demo sensors after three samples (deterministic: the demo tree never changes)."""
    if ascii_only:
        monkeypatch.setenv("EDGETOP_ASCII", "1")
    spec, reading = demo_reading(tmp_path)
    app = PaneHarness(SensorsPane)

    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()  # laid out first: the pane picks bar widths from its size
        for step, celsius in enumerate((84.0, 85.5, 86.0)):  # Core 1 warming up: a rising trend
            warm = tuple(msgspec.structs.replace(s, celsius=celsius) if s.label == "Core 1" else s
                         for s in reading.sensors)
            app.feed(spec, SensorsReading(warm), monotonic=1000.0 + step)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=before)
