"""Pilot tests of FastTable: cell text as shown, truncation, cursor, render cache, selection."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult

from edgetop.ui.widgets.fast_table import FastTable
from tests.ui.harness import line_text


class TableApp(App[None]):
    """One FastTable with three columns (one of them fixed narrow) and ``n`` rows."""

    def __init__(self, n: int = 5) -> None:
        super().__init__()
        self.n = n
        self.selected: list[tuple[str, int]] = []
        self.headers: list[str] = []

    def compose(self) -> ComposeResult:
        table = FastTable(id="t")
        table.add_column("Name", key="name")
        table.add_column("Note", key="note", width=6)
        table.add_column("N", key="n", right=True)
        for i in range(self.n):
            table.add_row(Text(f"row {i}", style="green"), Text("ab" if i else "abcdefghij"), Text(str(i * 10)),
                          key=f"k{i}")
        yield table

    def on_fast_table_row_selected(self, event: FastTable.RowSelected) -> None:
        self.selected.append((event.row_key, event.cursor_row))

    def on_fast_table_header_selected(self, event: FastTable.HeaderSelected) -> None:
        self.headers.append(event.column_key)


def cursor_lines(table: FastTable) -> list[int]:
    cursor = table.get_component_rich_style("fast-table--cursor")
    return [y for y in range(1, table.row_count + 1)
            if any(seg.style is not None and seg.style.bgcolor == cursor.bgcolor for seg in table.render_line(y))]


async def test_rows_show_their_cells_and_truncate_with_ellipsis() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        table = app.query_one(FastTable)
        assert line_text(table, 0).rstrip() == " Name   Note     N"
        assert line_text(table, 1).rstrip() == " row 0  abcde…   0"  # fixed 6 wide: cut with an ellipsis
        assert line_text(table, 2).rstrip() == " row 1  ab      10"  # numbers right-justified
        name = next(seg for seg in table.render_line(3) if seg.text == "row 2")
        assert name.style is not None and name.style.color is not None and name.style.color.name == "green"
        table.update_cells([("k1", "name", Text("[b]a much longer name[/b]"))])
        assert line_text(table, 2).startswith(" [b]a much longer name[/b] ")  # literal, and the column grew
        table.remove_row("k1")
        assert line_text(table, 2).startswith(" row 2  ab ")  # and shrank back once it went


async def test_cursor_on_exactly_one_row_after_resort_and_only_changed_rows_rerender() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(FastTable)
        table.focus()
        await pilot.pause()
        assert cursor_lines(table) == [1]
        before = table.render_count
        await pilot.press("down", "down")
        assert cursor_lines(table) == [3] and table.get_row_at(table.cursor_row)[0].plain == "row 2"
        await pilot.pause()
        moved = table.render_count - before
        assert moved <= 4  # only rows that gained or lost the cursor: 0, 1, 2
        before = table.render_count
        assert table.reorder([f"k{i}" for i in reversed(range(5))])
        await pilot.pause()
        assert cursor_lines(table) == [3]  # the cursor stays on its line; one row has it
        assert line_text(table, 1).startswith(" row 4 ")
        assert table.render_count - before == 0  # row 2 keeps the cursor at index 2: nothing rebuilt
        assert not table.reorder(table.row_keys)  # same order: nothing to do
        table.reorder([f"k{i}" for i in range(5)])
        await pilot.pause()
        before = table.render_count
        table.reorder(["k1", "k0", "k2", "k3", "k4"])
        await pilot.pause()
        assert table.render_count == before  # cursor still on k2: swapped rows reuse their strips
        table.update_cells([("k3", "n", Text("99"))])
        await pilot.pause()
        assert table.render_count - before == 1  # one changed row, one render
        assert cursor_lines(table) == [3]


async def test_enter_and_click_select_rows_and_headers() -> None:
    app = TableApp(n=50)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(FastTable)
        table.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.selected == [("k1", 1)]
        await pilot.press("end")
        assert table.cursor_row == 49 and table.scroll_y > 40
        assert line_text(table, table.scrollable_content_region.height - 1).startswith(" row 49 ")
        await pilot.press("home", "pagedown")
        assert table.cursor_row == table.scrollable_content_region.height - 1
        await pilot.press("pageup")
        assert table.cursor_row == 0
        await pilot.click(FastTable, offset=(3, 3))
        await pilot.pause()
        assert app.selected[-1] == ("k2", 2) and table.cursor_row == 2
        await pilot.click(FastTable, offset=(10, 0))
        await pilot.pause()
        assert app.headers == ["note"]


async def test_cursor_key_repaints_two_lines_unless_the_view_scrolls() -> None:
    app = TableApp(n=50)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(FastTable)
        table.focus()
        await pilot.pause()
        calls: list[tuple[object, ...]] = []
        real = table.refresh

        def spy(*regions: object, **kwargs: object) -> object:
            calls.append(regions)
            return real(*regions, **kwargs)  # type: ignore[arg-type]

        table.refresh = spy  # type: ignore[method-assign]
        table.action_cursor_down()  # row 0 -> 1, no scroll: lines 1 and 2 (line 0 is the header)
        assert [tuple((r.y, r.height) for r in c) for c in calls] == [((1, 1),), ((2, 1),)]
        calls.clear()
        table.action_cursor_down()
        table.action_cursor_down()
        table.action_cursor_up()
        assert all(len(c) == 1 and c[0].height == 1 for c in calls) and len(calls) == 6
        calls.clear()
        table.action_cursor_end()  # scrolls: the whole view is repainted
        assert () in calls
        await pilot.pause()
        table.scroll_to(y=10, animate=False, immediate=True)
        await pilot.pause()
        calls.clear()
        table.move_cursor(12)  # on screen at scroll 10: its line is relative to the view
        assert ((3, 1),) in [tuple((r.y, r.height) for r in c) for c in calls] and () not in calls
        table.refresh = real  # type: ignore[method-assign]
        await pilot.pause()
        assert cursor_lines(table) == [3]
        assert line_text(table, 3).startswith(" row 12 ")


async def test_rows_and_empty_lines_wear_the_tables_own_colours() -> None:
    """Textual paints nothing under a line-API widget's strips: rows carry the table's background."""
    app = TableApp(n=3)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(FastTable)
        await pilot.pause()
        own = table.rich_style.bgcolor
        even = table.get_component_rich_style("fast-table--even-row").bgcolor
        assert own is not None and even is not None and own != even
        # Line 1 is row 0 with the cursor; row 1 (line 2) is odd, row 2 (line 3) even; line 6 is empty.
        assert {seg.style.bgcolor for seg in table.render_line(2) if seg.style} == {own}
        assert {seg.style.bgcolor for seg in table.render_line(3) if seg.style} == {even}
        name = next(seg for seg in table.render_line(3) if seg.text == "row 2")
        assert name.style is not None and name.style.color is not None and name.style.color.name == "green"
        assert {seg.style.bgcolor for seg in table.render_line(6) if seg.style} == {own}


async def test_bulk_additions_update_the_size_once_at_the_end() -> None:
    app = TableApp(n=3)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(FastTable)
        assert table.virtual_size.height == 4  # header + 3 rows
        sizes: list[int] = []
        with table.bulk():
            for i in range(3, 50):
                table.add_row(Text(f"row {i}"), Text("x"), Text(str(i)), key=f"k{i}")
                sizes.append(table.virtual_size.height)
            table.remove_row("k0")
        assert set(sizes) == {4}  # nothing was laid out row by row
        assert table.virtual_size.height == 50 and table.row_count == 49
        await pilot.pause()
        assert line_text(table, 1).startswith(" row 1 ")


async def test_a_striped_row_is_painted_from_one_strip_until_it_changes_or_moves() -> None:
    """The same Strip object each paint: Textual's crop and line-filter caches live on it."""
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(FastTable)
        await pilot.pause()
        even = table.get_component_rich_style("fast-table--even-row").bgcolor
        striped = table.render_line(3)  # row 2: an even index, not under the cursor
        assert any(seg.style is not None and seg.style.bgcolor == even for seg in striped)
        assert table.render_line(3) is striped
        built = table.render_count
        table.reorder(["k0", "k2", "k1", "k3", "k4"])  # row 2 moves to an odd place: no stripe
        odd = table.render_line(2)
        assert not any(seg.style is not None and seg.style.bgcolor == even for seg in odd)
        assert table.render_count == built  # its cells were not rendered again
        table.update_cells([("k2", "n", Text("7"))])
        assert table.render_line(2) is not odd and line_text(table, 2).rstrip().endswith("7")


async def test_show_hides_rows_without_forgetting_them_and_the_cursor_keeps_its_row() -> None:
    app = TableApp(n=6)
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(FastTable)
        table.focus()
        await pilot.press("down", "down", "down")  # the cursor on k3
        await pilot.pause()
        built = table.render_count
        assert table.show(["k5", "k3", "k1"])
        assert table.row_keys == ["k5", "k3", "k1"] and table.row_count == 3
        assert table.cursor_row == 1 and table.virtual_size.height == 4
        await pilot.pause()
        assert [line_text(table, y).split()[:2] for y in (1, 2, 3)] == [["row", "5"], ["row", "3"], ["row", "1"]]
        assert line_text(table, 4).strip() == ""
        assert not table.show(["k5", "k3", "k1"])  # the same rows: nothing to do
        table.update_cells([("k0", "n", Text("7"))])  # a hidden row's cells still change
        assert table.get_cell("k0", "n").plain == "7"
        assert table.reorder(["k1", "k3", "k5"])  # the rows shown, sorted among themselves
        assert table.cursor_row == 1
        before = table.render_count
        assert table.show([f"k{i}" for i in range(6)])
        await pilot.pause()
        assert line_text(table, 1).startswith(" row 0 ") and table.cursor_row == 3 and table.row_count == 6
        assert table.render_count - before <= 6 and table.render_count - built <= 10
        for wrong in (["k1", "k1"], ["nope"]):
            with pytest.raises(ValueError, match="show needs row keys"):
                table.show(wrong)


async def test_remove_rows_in_one_pass_keeps_the_cursor_on_its_row() -> None:
    app = TableApp(n=8)
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(FastTable)
        table.move_cursor(4)  # k4
        table.show([f"k{i}" for i in range(8) if i != 6])  # k6 hidden
        table.remove_rows(["k0", "k2", "k6", "k7", "unknown"])
        assert table.row_keys == ["k1", "k3", "k4", "k5"]
        assert table.row_keys[table.cursor_row] == "k4"  # two removed above it
        table.remove_rows(["k4"])  # the cursor's own row: it stays at its place, on the next one
        assert table.row_keys == ["k1", "k3", "k5"] and table.row_keys[table.cursor_row] == "k5"
        await pilot.pause()
        assert line_text(table, 3).startswith(" row 5 ") and table.virtual_size.height == 4
        table.remove_row("k1")
        assert table.row_keys == ["k3", "k5"]
