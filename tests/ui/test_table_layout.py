"""A table's row count changing lays the screen out again only when the table's box depends on it.

Textual lays out the whole screen when a widget's virtual size changes; processes coming and
going changed it every second, and that layout was half of the main thread's time in the
Processes pane (issue 17). A table with a fixed box (``height: 1fr``) keeps its scrollbar and
scroll offset right without one; a ``height: auto`` table still grows with its rows.
"""

from __future__ import annotations

from textual.app import App, ComposeResult

from edgetop.ui.widgets.synced_table import SyncedTable


class Tables(App[None]):
    CSS = "#auto { height: auto; }"

    def compose(self) -> ComposeResult:
        yield SyncedTable([("name", "NAME")], id="auto")
        yield SyncedTable([("name", "NAME")], id="fixed")


def rows(n: int) -> dict[str, tuple[str]]:
    return {f"r{i:03}": (f"r{i:03}",) for i in range(n)}


async def test_a_fixed_table_changes_its_row_count_without_a_screen_layout() -> None:
    app = Tables()
    async with app.run_test(size=(40, 24)) as pilot:
        fixed = app.query_one("#fixed", SyncedTable)
        fixed.sync(rows(40), sort_key=str)  # more rows than fit: the scrollbar appears (one layout)
        fixed.focus()
        await pilot.press("end")  # the view at the bottom (moving the scrollbar is a layout of its own)
        layouts = 0
        screen_layout = app.screen._refresh_layout

        def counted(size: object = None, scroll: bool = False) -> None:
            nonlocal layouts
            layouts += not scroll  # a scroll only reflows what came into view (cheap)
            screen_layout(size, scroll)  # type: ignore[arg-type]

        app.screen._refresh_layout = counted  # type: ignore[method-assign]
        for n in (41, 39, 45, 30):  # processes come and go
            fixed.sync(rows(n), sort_key=str)
            await pilot.pause()
            assert fixed.virtual_size.height == n + 1  # the header line and every row
            assert fixed.vertical_scrollbar.window_virtual_size == n + 1
            assert fixed.scroll_y <= fixed.max_scroll_y  # fewer rows: the view is kept in bounds
        assert layouts == 0
        await pilot.press("end")  # the last row can be reached and is shown
        assert fixed.cursor_key == "r029" and fixed.scroll_y == fixed.max_scroll_y > 0


async def test_an_auto_height_table_grows_with_its_rows() -> None:
    app = Tables()
    async with app.run_test(size=(40, 24)) as pilot:
        auto = app.query_one("#auto", SyncedTable)
        for n in (2, 5, 3):
            auto.sync(rows(n), sort_key=str)
            await pilot.pause()
            assert auto.region.height == n + 1


async def test_a_tick_repaints_only_the_lines_that_changed() -> None:
    """One row's value changes, the rest re-sort to the same places: one line is painted, not the view."""
    app = Tables()
    async with app.run_test(size=(40, 24)) as pilot:
        fixed = app.query_one("#fixed", SyncedTable)
        data = rows(30)
        fixed.sync(data, sort_key=str)
        await pilot.pause()
        before = fixed.lines_painted
        fixed.sync(data | {"r005": ("R005",)}, sort_key=str)
        await pilot.pause()
        assert fixed.lines_painted - before == 1
        assert "R005" in "".join(s.text for s in fixed.render_line(6))  # header, r000..r004, r005
        before = fixed.lines_painted
        fixed.sync(data | {"r005": ("R005",)}, sort_key=lambda k: -int(k[1:]))  # reversed: every line
        await pilot.pause()
        assert fixed.lines_painted - before == fixed.scrollable_content_region.height - 1  # all but the header
