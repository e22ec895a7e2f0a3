"""SyncedTable applies only differences (a change of colour alone included) and keeps one cursor."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from edgetop.ui.widgets.synced_table import SyncedTable
from tests.ui.harness import line_text


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SyncedTable([("a", "A"), ("n", "N")], right=frozenset({"n"}), id="t")


async def test_sync_adds_updates_removes_sorts_and_rebuilds_only_changed_rows() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(SyncedTable)
        table.sync({"x": (Text("ok", style="green"), 1), "y": ("[b]no[/b]", 22)}, sort_key=lambda k: k)
        await pilot.pause()
        assert table.row_keys_in_order() == ["x", "y"]
        assert line_text(table, 0).startswith(" A" + " " * 11 + "N ")  # numbers right-justified under their label
        assert line_text(table, 1).startswith(" ok" + " " * 10 + "1 ")
        assert line_text(table, 2).startswith(" [b]no[/b]  22 ")  # markup-like text stays literal
        built = table.render_count
        table.sync({"x": (Text("ok", style="red"), 1), "y": ("[b]no[/b]", 22)}, sort_key=lambda k: k)
        await pilot.pause()
        assert table.get_row("x")[0].style == "red"  # a change of colour alone is applied
        assert table.render_count - built == 1  # only x was built again
        built = table.render_count
        table.sync({"x": (Text("ok", style="red"), 1), "y": ("[b]no[/b]", 22)}, sort_key=lambda k: k)
        await pilot.pause()
        assert table.render_count == built  # nothing changed, nothing built
        table.sync({"y": ("[b]no[/b]", 22), "z": ("new", 0)}, sort_key=lambda k: "0" if k == "z" else k)
        await pilot.pause()
        assert table.row_keys_in_order() == ["z", "y"] and table.row_count == 2
        table.sort_reverse = True
        table.sync({"y": ("[b]no[/b]", 22), "z": ("new", 0)}, sort_key=lambda k: "0" if k == "z" else k)
        assert table.row_keys_in_order() == ["y", "z"]


async def test_cursor_key_follows_the_cursor_and_is_none_when_empty() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(SyncedTable)
        assert table.cursor_key is None
        table.sync({f"k{i}": (f"r{i}", i) for i in range(5)})
        table.focus()
        await pilot.press("down", "down")
        assert table.cursor_key == "k2"
        table.sync({"k0": ("r0", 0)})  # rows under the cursor went away: it moves onto what is left
        await pilot.pause()
        assert table.cursor_key == "k0"
        table.sync({})
        assert table.cursor_key is None


class Watched(App[None]):
    """One SyncedTable; every RowHighlighted it posts is recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.highlighted: list[tuple[str, int]] = []

    def compose(self) -> ComposeResult:
        yield SyncedTable([("a", "A")], id="t")

    def on_synced_table_row_highlighted(self, event: SyncedTable.RowHighlighted) -> None:
        self.highlighted.append((event.row_key, event.cursor_row))


async def test_row_highlighted_when_another_row_comes_under_the_cursor() -> None:
    app = Watched()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(SyncedTable)
        table.sync({})
        await pilot.pause()
        assert app.highlighted == []  # an empty table highlights nothing
        rows = {k: (k,) for k in ("a", "b", "c")}
        table.sync(rows, sort_key=lambda k: k)
        await pilot.pause()
        assert app.highlighted == [("a", 0)]  # the first row, as soon as there is one
        table.sync(rows, sort_key=lambda k: k)
        table.move_cursor(0)
        await pilot.pause()
        assert app.highlighted == [("a", 0)]  # the same row again: nothing new to tell
        table.focus()
        await pilot.press("down")
        assert app.highlighted[-1] == ("b", 1)
        table.sort_reverse = True
        table.sync(rows, sort_key=lambda k: k)  # c b a: b stays at index 1, nothing to tell
        await pilot.pause()
        assert app.highlighted[-1] == ("b", 1) and len(app.highlighted) == 2
        table.sync({"a": ("a",), "c": ("c",)}, sort_key=lambda k: k)  # b went: a is now under the cursor
        await pilot.pause()
        assert app.highlighted[-1] == ("a", 1)


async def test_resorted_table_draws_exactly_like_a_fresh_one_with_one_cursor_row() -> None:
    """Rows keep their cached strips across a re-sort; a strip cached with the cursor must not move with it."""
    rows = {f"r{i}": (f"{i:02d}", Text(f"v{i}", style="red" if i % 2 else "")) for i in range(30)}

    class Two(App[None]):
        def compose(self) -> ComposeResult:
            yield SyncedTable([("a", "A"), ("b", "B")], id="one")
            yield SyncedTable([("a", "A"), ("b", "B")], id="two")

    def moved(k: str) -> tuple[bool, int]:
        return k in ("r0", "r1"), int(k[1:])

    app = Two()
    async with app.run_test(size=(40, 60)) as pilot:
        one, two = app.query_one("#one", SyncedTable), app.query_one("#two", SyncedTable)
        one.styles.height = two.styles.height = 20
        # Focus tints the header and the cursor: keep both tables unfocused throughout, so
        # the comparison sees only what re-sorting did.
        one.can_focus = two.can_focus = False
        app.set_focus(None)
        one.sync(rows, sort_key=lambda k: int(k[1:]))
        one.move_cursor(3)
        await pilot.pause()
        for y in range(18):
            one.render_line(y)  # every visible row built and cached, r3 with the cursor
        # Re-sort only (no cell changes), so r3 stays in view at another position.
        one.sync(rows, sort_key=moved)
        two.sync(rows, sort_key=moved)
        two.move_cursor(1)
        await pilot.pause()
        # The cursor stayed on r3, now second (r0 and r1 moved to the end).
        assert one.row_keys_in_order() == two.row_keys_in_order() and one.cursor_key == two.cursor_key == "r3"
        for y in range(18):
            assert one.render_line(y).text == two.render_line(y).text, y
            assert [s.style for s in one.render_line(y)] == [s.style for s in two.render_line(y)], y


async def test_columns_narrow_after_the_terminal_does() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(SyncedTable)
        table.sync({"x": ("#" * 30, 1)})
        await pilot.pause()
        table.sync({"x": ("#" * 10, 1)})  # a value got shorter: no jitter, the column keeps its width
        await pilot.pause()
        assert table.columns[0].width == 30
        await pilot.resize_terminal(40, 10)
        table.sync({"x": ("#" * 10, 1)})  # unchanged cells, yet the resize asks for a refit
        await pilot.pause()
        assert table.columns[0].width == 10
        assert line_text(table, 1).startswith(" " + "#" * 10 + "  1 ")
