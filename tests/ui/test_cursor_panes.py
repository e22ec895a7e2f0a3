"""The cursor rule in the panes whose rows arrive or re-sort over time (issue 13).

A technician who opens a pane and presses Down lands on the second row: until a key (or a
click, or a search jump) puts the cursor on a row, it stays on the first row however the
rows arrive or re-sort; once moved, it stays on its row. The widgets' own tests are in
tests/ui/test_cursor_rule.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from edgetop.model.alerts import Alert, Severity
from edgetop.model.reading import Status
from edgetop.ui.panes.events import EventsPane
from edgetop.ui.panes.network import NetworkPane
from edgetop.ui.panes.processes import ProcessesPane
from edgetop.ui.panes.time import TimePane
from edgetop.ui.widgets.synced_table import SyncedTable
from tests.ui.harness import PaneHarness, cell
from tests.ui.test_domains_pane import App as DomainsApp
from tests.ui.test_domains_pane import domains_spec, shuffled
from tests.ui.test_network_pane import demo as network_demo
from tests.ui.test_processes_tools import Feeder, order
from tests.ui.test_time_pane import chrony_report, kernel_report, sntp_report, specs

LOAD_UP = {p: (p - 10) * 0.05 for p in range(10, 20)}  # 19 busiest
LOAD_DOWN = {p: (20 - p) * 0.05 for p in range(10, 20)}  # 10 busiest


def loaded(app: PaneHarness) -> tuple[Feeder, ProcessesPane]:
    """Pids 10..19 idle, then 19 busiest (two ticks: CPU % needs two), the table focused."""
    feed, pane = Feeder(app), app.pane
    assert isinstance(pane, ProcessesPane)
    feed.tick({p: 0.0 for p in range(10, 20)})
    feed.tick(LOAD_UP)
    pane.table.focus()
    return feed, pane


async def test_processes_an_unmoved_cursor_stays_on_the_busiest_as_the_load_shifts() -> None:
    app = PaneHarness(ProcessesPane)
    async with app.run_test(size=(120, 30)) as pilot:
        feed, pane = loaded(app)
        for load in (LOAD_DOWN, LOAD_UP, LOAD_DOWN):
            feed.tick(load)
            await pilot.pause()
            # Before: the cursor followed pid 19, the busiest of the first sorted tick, to
            # the bottom (row 9) when the load reversed, before any key.
            assert (pane.table.cursor_row, pane.table.cursor_key) == (0, str(order(pane)[0]))
        await pilot.press("down")
        chosen = pane.table.cursor_key
        assert chosen == str(order(pane)[1])
        feed.tick(LOAD_UP)  # moved once: the cursor stays on its pid
        await pilot.pause()
        assert pane.table.cursor_key == chosen and pane.table.cursor_row == 8


async def test_processes_a_sort_chosen_shows_the_top_row_on_later_ticks_too() -> None:
    app = PaneHarness(ProcessesPane)
    async with app.run_test(size=(120, 30)) as pilot:
        feed, pane = loaded(app)
        await pilot.press("down", "down", "P")  # by CPU, chosen: from the top
        assert pane.table.cursor_row == 0
        feed.tick(LOAD_DOWN)
        await pilot.pause()
        # Before: the top row when the sort was chosen (19), followed to the bottom.
        assert (pane.table.cursor_row, pane.table.cursor_key) == (0, "10")


async def test_processes_follow_from_an_unmoved_cursor_keeps_following() -> None:
    """F on the row the cursor never left: the next re-sort must not put another row under it (ending follow)."""
    app = PaneHarness(ProcessesPane)
    async with app.run_test(size=(120, 30)) as pilot:
        feed, pane = loaded(app)
        await pilot.press("F")
        assert pane.follow_target is not None and pane.follow_target[0] == 19
        feed.tick(LOAD_DOWN)
        await pilot.pause()
        assert pane.follow_target is not None and pane.follow_target[0] == 19
        assert (pane.table.cursor_row, pane.table.cursor_key) == (9, "19")


async def test_events_an_unmoved_cursor_stays_on_the_newest_a_moved_one_on_its_event() -> None:
    now = 1_800_000_000.0
    app = PaneHarness(EventsPane)
    assert isinstance(app.pane, EventsPane)
    app.pane.now = lambda: now
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.pane.table
        table.focus()

        def alert(subject: str, at: float) -> None:
            app.store.timeline.alert_changed(Alert(Severity.WARNING, "sensors", subject, "hot"), True, at)
            app.pane.refresh_view()

        for n in range(4):  # newer and newer: each lands on top
            alert(f"fan{n}", now - 40 + n)
            await pilot.pause()
            # Before: the cursor followed fan0, the first event, down the list.
            assert table.cursor_row == 0 and cell(table, table.cursor_key or "", "subject") == f"fan{n}"
        await pilot.press("down")  # fan2, being read
        alert("fan4", now - 10)
        await pilot.pause()
        assert cell(table, table.cursor_key or "", "subject") == "fan2" and table.cursor_row == 2
        assert "fan2" in str(app.pane.query_one("#events-detail").render())
        await pilot.press("home")  # back to the newest: it rides the top again
        alert("fan5", now - 5)
        await pilot.pause()
        assert table.cursor_row == 0 and cell(table, table.cursor_key or "", "subject") == "fan5"


async def test_time_sources_found_one_by_one_leave_the_cursor_on_the_first_row() -> None:
    app = PaneHarness(TimePane)
    s = specs()
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.pane.table
        table.focus()
        # SNTP answers first; the daemons' clock rows and their servers go above its row.
        app.feed(s["ntp:sntp"], sntp_report(-0.0021))
        app.feed(s["ntp:ptp"], status=Status.UNAVAILABLE, reason="ptp4l not running")
        app.feed(s["ntp:kernel"], kernel_report(True))
        app.feed(s["ntp:chrony"], chrony_report())
        await pilot.pause()
        keys = table.row_keys_in_order()
        assert keys.index("chrony") < keys.index("sntp/[b]ntp[/b].example")
        # Before: on the SNTP row, which the later sources had pushed down.
        assert (table.cursor_row, table.cursor_key) == (0, keys[0])
        await pilot.press("down")
        assert table.cursor_key == keys[1]


async def test_network_busiest_first_shows_the_busiest_until_the_cursor_is_moved(tmp_path: Path) -> None:
    spec, reading = network_demo(tmp_path)

    def received(**extra: int) -> object:
        """The demo reading with ``extra`` bytes more received on the interfaces named (counters are totals)."""
        return dataclasses.replace(reading, interfaces=tuple(
            dataclasses.replace(i, rx_bytes_total=(i.rx_bytes_total or 0) + extra.get(i.name.replace("-", "_"), 0))
            for i in reading.interfaces))

    app = PaneHarness(NetworkPane)
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(spec, reading, monotonic=100.0)
        app.feed(spec, received(tap_vr_lan=1 << 20), monotonic=101.0)
        table = app.pane.query_one("#net-table-narrow", SyncedTable)
        table.focus()
        await pilot.press("down", "down", "b")  # busiest first, chosen: from the top
        # Before: the cursor stayed on eno2, the row it was on by name, wherever it sorted.
        assert (table.cursor_row, table.cursor_key) == (0, "tap-vr-lan")
        app.feed(spec, received(tap_vr_lan=1 << 20, br0=4 << 20), monotonic=102.0)  # br0 busiest now
        await pilot.pause()
        assert table.row_keys_in_order()[0] == "br0"
        assert (table.cursor_row, table.cursor_key) == (0, "br0")


async def test_domains_sorted_by_cpu_an_unmoved_cursor_stays_on_the_top_row() -> None:
    app = DomainsApp()
    async with app.run_test(size=(80, 25)) as pilot:
        spec = domains_spec()
        app.feed(spec, shuffled(1, 40), monotonic=1.0)
        app.feed(spec, shuffled(2, 40), monotonic=2.0)
        table = app.pane.table
        table.focus()
        await pilot.press("P")
        moved = 0
        for tick in range(3, 8):
            top = table.row_keys[0]
            app.feed(spec, shuffled(tick, 40), monotonic=float(tick))
            await pilot.pause()
            moved += table.row_keys.index(top) != 0
            # Before: the cursor followed the top domain at the time of P down the list.
            assert table.cursor_row == 0, tick
        assert moved  # the top row did change under the cursor
