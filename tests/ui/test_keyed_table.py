"""KeyedTable applies only differences, including a change of colour alone."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from edgetop.ui.widgets.keyed_table import KeyedTable


def body_rows(table: KeyedTable) -> set[str]:
    """Row keys with cached cell renders (the header's row key is None)."""
    keys = table._cell_render_cache.keys()
    return {k[0].value for k in keys if k[0].value is not None}


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
        rendered = body_rows(table)
        assert rendered == {"x", "y"}
        table.sync({"x": ("1", Text("ok", style="red")), "y": ("2", Text("ok"))}, sort_key=lambda k: k)
        # Only the recoloured row's renders are dropped; y's stay cached.
        assert body_rows(table) == {"y"}
        assert table.get_row("x")[1].style == "red"
        await pilot.pause()
        assert "x" in body_rows(table)  # rendered again
        table.sync({"y": ("2", Text("ok")), "z": ("0", "new")}, sort_key=lambda k: "0" if k == "z" else k)
        await pilot.pause()
        assert table.row_keys_in_order() == ["z", "y"]
        table.sort_reverse = True
        table.sync({"y": ("2", Text("ok")), "z": ("0", "new")}, sort_key=lambda k: "0" if k == "z" else k)
        assert table.row_keys_in_order() == ["y", "z"]


async def test_reorder_renders_exactly_like_a_fresh_table_with_one_cursor_row() -> None:
    """Reordering keeps cell renders but must not keep a stale cursor or a stale line."""
    rows = {f"r{i}": (f"{i:02d}", Text(f"v{i}", style="red" if i % 2 else "")) for i in range(30)}

    class Two(App[None]):
        def compose(self) -> ComposeResult:
            yield KeyedTable([("a", "A"), ("b", "B")], id="one", cursor_type="row")
            yield KeyedTable([("a", "A"), ("b", "B")], id="two", cursor_type="row")

    app = Two()
    async with app.run_test(size=(40, 60)) as pilot:
        one, two = app.query_one("#one", KeyedTable), app.query_one("#two", KeyedTable)
        one.styles.height = two.styles.height = 20
        # Focus is part of DataTable's render cache keys and tints the header: keep both
        # tables unfocused throughout, so the comparison sees only what reordering did.
        one.can_focus = two.can_focus = False
        app.set_focus(None)
        one.sync(rows, sort_key=lambda k: int(k[1:]))
        await pilot.pause()
        one.move_cursor(row=3)
        await pilot.pause()
        # Reorder only (no cell changes) so that the cursor's row (r3) stays in view at
        # another position: a row render cached with the cursor must not be reused there.
        def moved(k: str) -> tuple[bool, str]:
            return (k in ("r0", "r1"), int(k[1:]))

        one.sync(rows, sort_key=moved)
        two.sync(rows, sort_key=moved)
        two.move_cursor(row=3)
        await pilot.pause()
        assert one.row_keys_in_order() == two.row_keys_in_order()
        for y in range(18):
            assert one.render_line(y).text == two.render_line(y).text, y
            assert [s.style for s in one.render_line(y)] == [s.style for s in two.render_line(y)], y
