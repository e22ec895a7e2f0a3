"""Pilot tests of every global and processes-pane key, over this machine's live /proc."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.widgets import ContentSwitcher, Input

from edgetop.model.spec import CollectorSpec, Context
from edgetop.ui.app import EdgetopApp
from edgetop.ui.panes.processes import ProcessesPane
from edgetop.ui.screens.help import HelpScreen
from edgetop.ui.screens.sources import SourcesScreen
from edgetop.ui.widgets.synced_table import SyncedTable
from edgetop.ui.widgets.table_cells import TableCell
from tests.helpers import wait_for


def current(app: EdgetopApp) -> str | None:
    return app.query_one("#panes", ContentSwitcher).current


async def test_pane_switching_keys(live_ctx: Context, foundation_specs: list[CollectorSpec]) -> None:
    app = EdgetopApp(live_ctx, foundation_specs)
    async with app.run_test(size=(120, 40)) as pilot:
        assert current(app) == "overview"
        for keys, expected in (("2", "cpu"), ("tab", "memory"), ("shift+tab", "cpu"), ("4", "processes"),
                               ("1", "overview")):
            await pilot.press(keys)
            await wait_for(lambda expected=expected: current(app) == expected)
        ids = [e.pane_id for e in app.pane_entries]
        await pilot.press("shift+tab")
        await wait_for(lambda: current(app) == ids[-1])  # wraps around


async def test_freeze_help_sources_quit(live_ctx: Context, foundation_specs: list[CollectorSpec]) -> None:
    app = EdgetopApp(live_ctx, foundation_specs)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: app.store.get("cpu") is not None)
        await pilot.press("space")
        assert app.frozen and app.header.frozen
        assert "FROZEN" in app.header.plain
        await pilot.press("space")
        assert not app.frozen
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = {key for key, _d, _w in app.screen.bindings}
        assert {"?", "q", "s"} <= keys
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("s")
        assert isinstance(app.screen, SourcesScreen)
        await wait_for(lambda: app.screen.query_one("#sources-table").row_count >= 4)
        await pilot.press("escape")
        await pilot.press("q")
        await wait_for(lambda: app._exit, timeout=5)


async def test_processes_sort_filter_kernel_threads(live_ctx: Context, foundation_specs: list[CollectorSpec]) -> None:
    app = EdgetopApp(live_ctx, foundation_specs)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await wait_for(lambda: bool(app.query(ProcessesPane)))
        pane = app.query_one(ProcessesPane)
        table = pane.query_one("#processes-table", SyncedTable)
        await wait_for(lambda: table.row_count > 0)
        assert pane.sort_column == "cpu" and pane.sort_reverse
        await pilot.press("N")
        assert pane.sort_column == "pid" and not pane.sort_reverse
        await pilot.pause()
        pids = [int(k) for k in table.row_keys_in_order()]
        assert pids == sorted(pids)
        await pilot.press("I")
        assert pane.sort_reverse
        pids = [int(k) for k in table.row_keys_in_order()]
        assert pids == sorted(pids, reverse=True)
        await pilot.press("greater_than_sign")
        assert pane.sort_column == "user"
        shown_without = table.row_count
        await pilot.press("K")
        assert pane.show_kernel_threads
        await wait_for(lambda: table.row_count > shown_without)
        await pilot.press("K")
        await pilot.press("backslash")
        box = pane.query_one("#processes-filter", Input)
        assert box.display and box.has_focus
        await pilot.press(*"python")
        assert pane.filter_text == "python"
        await wait_for(lambda: 0 < table.row_count < shown_without)
        # The filter matches the whole command line; the cell may show it cut short.
        commands = [pane.shown[k].command for k in table.row_keys_in_order()]
        assert all("python" in c.lower() for c in commands), commands
        await pilot.press("enter")
        assert not box.display and pane.filter_text == "python"
        await pilot.press("escape")
        assert pane.filter_text == ""


async def test_too_small_terminal_says_so_and_recovers(live_ctx: Context,
                                                        foundation_specs: list[CollectorSpec]) -> None:
    app = EdgetopApp(live_ctx, foundation_specs)
    async with app.run_test(size=(70, 20)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("-too-small")
        message = app.query_one("#too-small-text").render()
        assert "at least 80x24" in str(message) and "70x20" in str(message)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.screen.has_class("-too-small")
        assert app.query_one("#panes").display


async def test_read_only_hides_and_refuses_pin(live_ctx: Context, foundation_specs: list[CollectorSpec]) -> None:
    app = EdgetopApp(live_ctx, foundation_specs, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await wait_for(lambda: bool(app.query(ProcessesPane)))
        pane = app.query_one(ProcessesPane)
        await wait_for(lambda: pane.query_one("#processes-table", SyncedTable).row_count > 0)
        assert pane.check_action("pin_process", ()) is False
        shown = {a.binding.action for a in app.screen.active_bindings.values() if a.enabled}
        assert "pin_process" not in shown
        assert "READ-ONLY" in app.header.plain


async def test_kiosk_has_no_quit_and_no_palette(live_ctx: Context, foundation_specs: list[CollectorSpec]) -> None:
    app = EdgetopApp(live_ctx, foundation_specs, kiosk=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("q")
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert not app._exit
        assert app.read_only
        assert app.screen is app.screen_stack[0]  # no palette opened
        assert "KIOSK" in app.header.plain


async def test_names_render_literally(live_ctx: Context, foundation_specs: list[CollectorSpec]) -> None:
    """A command line that looks like markup is shown as typed."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "[b]x[/b]", "[red]y"])
    try:
        app = EdgetopApp(live_ctx, foundation_specs)
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.press("4")
            await wait_for(lambda: bool(app.query(ProcessesPane)))
            table = app.query_one(ProcessesPane).query_one("#processes-table", SyncedTable)
            await wait_for(lambda: str(child.pid) in table.row_keys_in_order())
            table.move_cursor(table.get_row_index(str(child.pid)))  # in view: its cells are formatted
            await pilot.pause()
            cell = table.get_row(str(child.pid))[-1]
            # A TableCell is plain text in one style: nothing in the text can style it.
            assert isinstance(cell, (Text, TableCell))
            assert "[b]x[/b] [red]y" in cell.plain
            assert not isinstance(cell, Text) or not cell.spans  # no style came from the text itself
    finally:
        child.kill()
        child.wait()


@pytest.mark.parametrize("binding_id", ["app.sources", "sources"])  # the id, and the id of earlier versions
async def test_keymap_from_config_remaps_a_binding(live_ctx: Context, foundation_specs: list[CollectorSpec],
                                                   binding_id: str) -> None:
    import dataclasses

    ctx = dataclasses.replace(live_ctx, config=dataclasses.replace(live_ctx.config, keymap={binding_id: "f2"}))
    app = EdgetopApp(ctx, foundation_specs)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert not isinstance(app.screen, SourcesScreen)
        await pilot.press("f2")
        await wait_for(lambda: isinstance(app.screen, SourcesScreen))


async def test_kiosk_leaves_only_with_the_configured_chord(live_ctx: Context,
                                                           foundation_specs: list[CollectorSpec]) -> None:
    import dataclasses

    from edgetop.config_schema import KioskConfig

    cfg = dataclasses.replace(live_ctx.config, kiosk_options=KioskConfig(cycle_seconds=0.5, exit_chord="ctrl+x"))
    app = EdgetopApp(dataclasses.replace(live_ctx, config=cfg), foundation_specs, kiosk=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: current(app) != "overview" or bool(app.store.alerts()))  # panes cycle
        await pilot.press("q", "ctrl+q", "ctrl+c", "escape")
        await pilot.pause()
        assert not app._exit
        await pilot.press("ctrl+x")
        await wait_for(lambda: app._exit, timeout=5)


async def test_a_on_a_process_pins_it_through_picker_and_confirm(live_ctx: Context,
                                                                 foundation_specs: list[CollectorSpec],
                                                                 tmp_path) -> None:
    """The whole path from the processes pane: key, picker, confirm, runner, real affinity."""
    import dataclasses
    import os
    import subprocess
    import sys

    from edgetop.collectors import topology
    from edgetop.config_schema import ActionsConfig
    from edgetop.ui.screens.confirm import ConfirmScreen
    from edgetop.ui.screens.cpu_picker import CpuPickerScreen

    online = sorted(os.sched_getaffinity(0))
    if len(online) < 2:
        raise AssertionError("this test needs two CPUs to leave one out")
    audit = tmp_path / "audit.log"
    cfg = dataclasses.replace(live_ctx.config, actions=ActionsConfig(audit_log=str(audit)))
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        ctx = dataclasses.replace(live_ctx, config=cfg)
        app = EdgetopApp(ctx, [*foundation_specs, *topology.specs(ctx)])
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(lambda: app.store.get("topology") is not None)  # what the picker shows
            await pilot.press("4")
            await wait_for(lambda: bool(app.query(ProcessesPane)))
            pane = app.query_one(ProcessesPane)
            table = pane.query_one("#processes-table", SyncedTable)
            await wait_for(lambda: str(child.pid) in table.row_keys_in_order())
            await pilot.press("backslash", *str(child.pid), "enter")  # filter down to the child
            await wait_for(lambda: table.row_keys_in_order() == [str(child.pid)])
            await pilot.press("a")
            await wait_for(lambda: isinstance(app.screen, CpuPickerScreen))
            await pilot.pause()
            await pilot.press("space")  # untick the first CPU
            await pilot.press("enter")
            await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await wait_for(lambda: os.sched_getaffinity(child.pid) == set(online[1:]))
        lines = audit.read_text().splitlines()
        assert len(lines) == 2 and str(child.pid) in lines[0]
    finally:
        child.kill()
        child.wait()
