"""The TUI reads every /proc/PID only while the Processes pane is on screen (issue 17)."""

from __future__ import annotations

from edgetop.model.spec import CollectorSpec, Context
from edgetop.ui.app import EdgetopApp
from edgetop.ui.screens.sources import SourcesScreen
from edgetop.ui.widgets.synced_table import SyncedTable
from tests.helpers import wait_for


async def test_processes_are_collected_only_while_their_pane_is_shown(
    live_ctx: Context, foundation_specs: list[CollectorSpec]
) -> None:
    app = EdgetopApp(live_ctx, foundation_specs)
    async with app.run_test(size=(120, 40)) as pilot:
        store = app.store
        await wait_for(lambda: store.get("cpu") is not None and store.get("memory") is not None)
        cpu = store.get("cpu")
        await wait_for(lambda: store.get("cpu") is not cpu)  # a second tick on the overview
        assert store.get("processes") is None
        await pilot.press("4")
        await wait_for(lambda: store.get("processes") is not None)
        first = store.get("processes")
        assert first is not None and first.view is not None and first.view.count > 0
        await pilot.press("1")  # hidden again: its runner waits
        runner = next(r for r in app.engine.runners if r.spec.name == "processes") if app.engine else None
        assert runner is not None and not runner.wanted.is_set()
        store.forget("processes")  # as after a long pause: the sources view still names it
        await pilot.press("s")
        await wait_for(lambda: isinstance(app.screen, SourcesScreen))
        table = app.screen.query_one("#sources-table", SyncedTable)
        await wait_for(lambda: "processes" in table.row_keys_in_order())
        assert [c.plain for c in table.get_row("processes")][2] == "idle"
        await pilot.press("escape")
        await pilot.press("4")
        assert runner.wanted.is_set()
        await wait_for(lambda: store.get("processes") is not None)
