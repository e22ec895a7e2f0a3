"""k and R in the Processes pane, the whole path: key, dialogs, the runner, a real child process, the audit."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

from edgetop.actions.backends.signal import SignalBackend
from edgetop.config_schema import ActionsConfig
from edgetop.model.spec import CollectorSpec, Context
from edgetop.sources.fs import ProcFS
from edgetop.ui.action_glue import app_runner
from edgetop.ui.app import EdgetopApp
from edgetop.ui.panes.processes import ProcessesPane
from edgetop.ui.screens.ask_number import AskNumberScreen, parse_in_range
from edgetop.ui.screens.confirm import ConfirmScreen
from edgetop.ui.widgets.synced_table import SyncedTable
from tests.helpers import wait_for

IGNORES_TERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); " \
               "time.sleep(120)"


async def open_on(app: EdgetopApp, pilot: object, pid: int) -> ProcessesPane:
    await pilot.press("4")  # type: ignore[attr-defined]
    await wait_for(lambda: bool(app.query(ProcessesPane)))
    pane = app.query_one(ProcessesPane)
    table = pane.query_one("#processes-table", SyncedTable)
    await wait_for(lambda: str(pid) in table.row_keys_in_order())
    table.focus()
    table.move_cursor(table.get_row_index(str(pid)))
    await pilot.press("F")  # type: ignore[attr-defined]  # follow it: the cursor stays on it as rows move
    return pane


def screen_text(app: EdgetopApp) -> str:
    return " ".join(str(w.render()) for w in app.screen.query("Static"))


async def test_k_sends_term_then_kill_after_a_second_confirm(live_ctx: Context, foundation_specs: list[CollectorSpec],
                                                            tmp_path: Path) -> None:
    audit = tmp_path / "audit.log"
    ctx = dataclasses.replace(live_ctx, config=dataclasses.replace(live_ctx.config,
                                                                   actions=ActionsConfig(audit_log=str(audit))))
    child = subprocess.Popen([sys.executable, "-c", IGNORES_TERM], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        app = EdgetopApp(ctx, foundation_specs)
        async with app.run_test(size=(120, 40)) as pilot:
            app_runner(app).backend.signal = SignalBackend(ProcFS(), wait=0.3)
            pane = await open_on(app, pilot, child.pid)
            await pilot.press("k")
            await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
            assert f"Send SIGTERM to {child.pid}" in screen_text(app) and "pidfd_send_signal(SIGTERM)" in \
                screen_text(app)
            await pilot.press("y")
            # It ignores SIGTERM: a second dialog, for SIGKILL, and nothing sent without it.
            await wait_for(lambda: isinstance(app.screen, ConfirmScreen) and "SIGKILL" in screen_text(app))
            assert "still running after SIGTERM" in screen_text(app)
            assert child.poll() is None
            await pilot.press("y")
            await wait_for(lambda: child.poll() is not None)
            assert child.returncode == -9
            await pilot.pause()
            assert pane.follow_target is None or pane.follow_target[0] == child.pid
        lines = audit.read_text().splitlines()
        assert [('signal="TERM"' in line, 'signal="KILL"' in line) for line in lines] == \
            [(True, False), (True, False), (False, True), (False, True)]
        assert 'outcome="success"' in lines[1] and "still running" in lines[1]
    finally:
        child.kill()
        child.wait(timeout=10)


async def test_r_asks_a_bounded_value_then_renices(live_ctx: Context, foundation_specs: list[CollectorSpec],
                                                   tmp_path: Path) -> None:
    ctx = dataclasses.replace(live_ctx, config=dataclasses.replace(
        live_ctx.config, actions=ActionsConfig(audit_log=str(tmp_path / "audit.log"))))
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        app = EdgetopApp(ctx, foundation_specs)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_on(app, pilot, child.pid)
            await pilot.press("R")
            await wait_for(lambda: isinstance(app.screen, AskNumberScreen))
            await pilot.press(*"25", "enter")  # out of range: said, the dialog stays
            await pilot.pause()
            assert isinstance(app.screen, AskNumberScreen) and "outside -20..19" in screen_text(app)
            await pilot.press("backspace", "backspace", *"12", "enter")
            await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await wait_for(lambda: os.getpriority(os.PRIO_PROCESS, child.pid) == 12)
    finally:
        child.kill()
        child.wait(timeout=10)


async def test_refusals_are_said_at_once_without_a_dialog(live_ctx: Context,
                                                          foundation_specs: list[CollectorSpec]) -> None:
    app = EdgetopApp(live_ctx, foundation_specs)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_on(app, pilot, os.getpid())
        for key in ("k", "R"):
            await pilot.press(key)
            await wait_for(lambda: any("edgetop itself" in str(n.message) for n in app._notifications))
            assert not isinstance(app.screen, (ConfirmScreen, AskNumberScreen))
            app._notifications.clear()


async def test_read_only_hides_k_and_r(live_ctx: Context, foundation_specs: list[CollectorSpec]) -> None:
    app = EdgetopApp(live_ctx, foundation_specs, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await wait_for(lambda: bool(app.query(ProcessesPane)))
        pane = app.query_one(ProcessesPane)
        assert pane.check_action("signal_process", ()) is False
        assert pane.check_action("renice_process", ()) is False
        assert pane.check_action("toggle_tree", ()) is True


def test_parse_in_range() -> None:
    assert parse_in_range(" -20 ", -20, 19) == -20
    assert parse_in_range("+5", -20, 19) == 5
    assert parse_in_range("20", -20, 19) == "20 is outside -20..19"
    for bad in ("", "-", "1.5", "x", "٣"):  # an Arabic-Indic digit is a digit to str.isdigit, not to us
        assert parse_in_range(bad, -20, 19) == "a whole number from -20 to 19"
