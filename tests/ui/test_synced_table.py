"""SyncedTable applies only differences (a change of colour alone included) and keeps one cursor."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from edgetop.ui.widgets.synced_table import SyncedTable


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SyncedTable([("a", "A"), ("n", "N")], right=frozenset({"n"}), id="t")


def shown(table: SyncedTable, y: int) -> str:
    return "".join(seg.text for seg in table.render_line(y))


async def test_sync_adds_updates_removes_sorts_and_rebuilds_only_changed_rows() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(SyncedTable)
        table.sync({"x": (Text("ok", style="green"), 1), "y": ("[b]no[/b]", 22)}, sort_key=lambda k: k)
        await pilot.pause()
        assert table.row_keys_in_order() == ["x", "y"]
        assert shown(table, 0).startswith(" A" + " " * 11 + "N ")  # numbers right-justified under their label
        assert shown(table, 1).startswith(" ok" + " " * 10 + "1 ")
        assert shown(table, 2).startswith(" [b]no[/b]  22 ")  # markup-like text stays literal
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
