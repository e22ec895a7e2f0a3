"""The cursor rule of every table (issue 13, "the screen tells the truth"), on the widgets themselves.

Until the user puts the cursor on a row it stays on the first row as rows arrive, go or
re-sort; once placed it follows its row; when its row goes it lands on the neighbour that
took its place, never back at the top. The panes that rely on it: tests/ui/test_cursor_panes.py.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from edgetop.ui.widgets.fast_table import FastTable
from edgetop.ui.widgets.synced_table import SyncedTable


class Synced(App[None]):
    def compose(self) -> ComposeResult:
        yield SyncedTable([("name", "NAME")], id="t")


class Fast(App[None]):
    """One FastTable of rows k0..k7."""

    def compose(self) -> ComposeResult:
        table = FastTable(id="t")
        table.add_column("Name", key="name")
        for i in range(8):
            table.add_row(Text(f"row {i}"), key=f"k{i}")
        yield table


def rows(*keys: str) -> dict[str, tuple[str]]:
    return {key: (key,) for key in keys}


async def test_an_unmoved_cursor_stays_on_the_first_row_as_rows_arrive_above_it() -> None:
    """Rows arriving in any order (first polls, sources found one by one) never push the cursor down."""
    app = Synced()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(SyncedTable)
        table.focus()
        arrived: list[str] = []
        for key in ("e", "d", "c", "b"):  # each lands above every row before it
            arrived.append(key)
            table.sync(rows(*arrived), sort_key=str)
            await pilot.pause()
            # Before: the cursor followed "e", the first to arrive, to the last row.
            assert (table.cursor_row, table.cursor_key) == (0, min(arrived)), arrived
        await pilot.press("down")
        assert (table.cursor_row, table.cursor_key) == (1, "c")  # Down: the second row, as shown
        table.sync(rows(*arrived, "a"), sort_key=str)  # once moved, the cursor follows its row
        await pilot.pause()
        assert (table.cursor_row, table.cursor_key) == (2, "c")


async def test_a_row_that_goes_leaves_the_cursor_on_its_neighbour_not_at_the_top() -> None:
    app = Synced()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(SyncedTable)
        table.focus()
        table.sync(rows("a", "b", "c", "d"), sort_key=str)
        await pilot.press("down")
        table.sync(rows("a", "c", "d"), sort_key=str)  # its row went: the row below took its place
        await pilot.pause()
        assert (table.cursor_row, table.cursor_key) == (1, "c")
        await pilot.press("end")
        # The last row goes as a new one arrives, in one tick: the neighbour above it, not
        # the newcomer (added at the index it left) nor the top.
        table.sync(rows("0", "a", "c"), sort_key=str)
        await pilot.pause()
        assert (table.cursor_row, table.cursor_key) == (2, "c")
        table.sync(rows("0", "a"), sort_key=str)  # a placed cursor on the last row, gone: the row above
        await pilot.pause()
        assert (table.cursor_row, table.cursor_key) == (1, "a")


async def test_everything_gone_then_back_starts_again_from_the_first_row() -> None:
    app = Synced()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(SyncedTable)
        table.focus()
        table.sync(rows("a", "b", "c"), sort_key=str)
        await pilot.press("down")
        table.sync({})  # a filter that matches nothing: no row left to follow
        table.sync(rows("c", "b", "a"), sort_key=str)
        table.sync(rows("0", "a", "b", "c"), sort_key=str)
        await pilot.pause()
        assert (table.cursor_row, table.cursor_key) == (0, "0")


async def test_an_unmoved_cursor_stays_on_the_first_row_shown_as_a_filter_changes() -> None:
    app = Fast()
    async with app.run_test(size=(40, 14)):
        table = app.query_one(FastTable)
        table.show(["k7", "k6", "k5", "k4", "k3", "k2", "k1", "k0"])
        assert table.cursor_row == 0  # before: 7, on k0 where it had been
        table.show(["k5", "k2"])
        assert table.cursor_row == 0 and not table.cursor_placed


async def test_a_filter_that_hides_the_cursor_row_leaves_it_on_a_shown_neighbour() -> None:
    app = Fast()
    async with app.run_test(size=(40, 14)) as pilot:
        table = app.query_one(FastTable)
        table.focus()
        await pilot.press("down", "down", "down")  # k3
        table.show(["k0", "k1", "k5", "k6"])  # k3 and k4 hidden: the first shown below it
        # Before: the same index (3), k6, two rows from where the cursor was.
        assert table.row_keys[table.cursor_row] == "k5"
        table.show(["k0", "k1", "k6"])  # k5 hidden: k6, below it
        assert table.row_keys[table.cursor_row] == "k6"
        table.show(["k0", "k1"])  # nothing below it shown: the nearest above
        assert table.row_keys[table.cursor_row] == "k1"
        table.show([f"k{i}" for i in range(8)])  # the filter cleared: it stays on k1
        await pilot.pause()
        assert (table.cursor_row, table.row_keys[table.cursor_row]) == (1, "k1")


async def test_a_sort_chosen_unplaces_the_cursor_and_a_click_places_it() -> None:
    app = Fast()
    async with app.run_test(size=(40, 14)) as pilot:
        table = app.query_one(FastTable)
        await pilot.press("tab")  # focus the table: keys go to it
        await pilot.press("down", "down")
        table.cursor_to_top()  # as a pane does when the user chose a sort
        table.reorder([f"k{i}" for i in reversed(range(8))])
        assert (table.cursor_row, table.row_keys[0]) == (0, "k7")  # the new first row, not k0 at the end
        await pilot.click(FastTable, offset=(2, 3))  # line 3: the header, then rows 0, 1, 2
        assert table.cursor_placed and table.row_keys[table.cursor_row] == "k5"
        table.reorder([f"k{i}" for i in range(8)])
        assert table.row_keys[table.cursor_row] == "k5"
