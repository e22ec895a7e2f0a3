"""KeyedTable applies only differences, including a change of colour alone."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from edgetop.ui.widgets.keyed_table import KeyedTable


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield KeyedTable([("a", "A"), ("b", "B")], id="t")


async def test_sync_adds_updates_removes_and_sorts() -> None:
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(KeyedTable)
        table.sync({"x": ("1", Text("ok", style="green")), "y": ("2", Text("ok"))}, sort_key=lambda k: k)
        await pilot.pause()
        assert table.row_keys_in_order() == ["x", "y"]
        updates: list[tuple[object, object]] = []
        original = table.update_cell
        table.update_cell = lambda r, c, v, **kw: (updates.append((r, c)), original(r, c, v, **kw))  # type: ignore[method-assign]
        table.sync({"x": ("1", Text("ok", style="red")), "y": ("2", Text("ok"))}, sort_key=lambda k: k)
        assert updates == [("x", "b")]  # only the recoloured cell
        assert table.get_row("x")[1].style == "red"
        table.sync({"y": ("2", Text("ok")), "z": ("0", "new")}, sort_key=lambda k: "0" if k == "z" else k)
        await pilot.pause()
        assert table.row_keys_in_order() == ["z", "y"]
        table.sort_reverse = True
        table.sync({"y": ("2", Text("ok")), "z": ("0", "new")}, sort_key=lambda k: "0" if k == "z" else k)
        assert table.row_keys_in_order() == ["y", "z"]
