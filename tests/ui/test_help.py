"""The help lists edgetop's own keys before the cursor keys of tables and inputs."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical

from edgetop.ui.screens.help import bindings_of
from edgetop.ui.widgets.synced_table import SyncedTable


class Owner(Vertical):
    """Stands in for a pane: a key of its own around a focused table."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "restart", "Restart")]

    def compose(self) -> ComposeResult:
        yield SyncedTable([("a", "A")], id="t")


class HelpApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Owner()


async def test_table_subclass_keys_come_after_the_panes_own() -> None:
    app = HelpApp()
    async with app.run_test(size=(40, 10)) as pilot:
        app.query_one(SyncedTable).focus()
        await pilot.pause()
        rows = bindings_of(app.screen)
        where = [w for _, _, w in rows]
        assert ("r", "Restart", "Owner") in rows and ("↑", "Up", "SyncedTable") in rows
        # Every SyncedTable key after every other one: matched by class, not by a list of names.
        first_table = where.index("SyncedTable")
        assert set(where[first_table:]) == {"SyncedTable"} and where.index("Owner") < first_table
