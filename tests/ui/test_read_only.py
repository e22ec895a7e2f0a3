"""Read-only and kiosk: no key, palette command or button ever reaches an action backend.

For every pane and every screen reachable from it, press every key bound anywhere in
the focus chain (including bindings the gate hides), click every button, run every
command-palette command; then call the mutating actions directly (the "any other way"
path). The runner is the production one with a *recording* backend swapped in for the
deny backend, so the test fails if layers 1 (hidden bindings) and 2 (runner policy)
ever let anything through. libvirt.open (a read-write connection) must never be called.
"""

from __future__ import annotations

import asyncio
import unicodedata
from pathlib import Path
from typing import Any

import libvirt
import pytest
from textual import events
from textual.command import CommandPalette
from textual.screen import Screen
from textual.widgets import Button

from edgetop.actions.audit import AuditLog
from edgetop.actions.backends.base import ActionResult
from edgetop.actions.intents import MUTATING_ACTIONS, Intent, PinProcess, PinVcpu, RestartService
from edgetop.actions.runner import Runner
from edgetop.collectors.registry import all_specs
from edgetop.config_schema import Config
from edgetop.demo import demo_context
from edgetop.engine.lanes import Engine
from edgetop.engine.store import Store
from edgetop.errors import ActionDenied
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.app import EdgetopApp
from edgetop.ui.keyhelp import KEY_TEXT
from edgetop.ui.screens.confirm import ConfirmScreen
from edgetop.ui.screens.cpu_picker import CpuPickerScreen
from edgetop.ui.screens.help import HelpScreen

QUIT_ACTIONS = {"quit", "app.quit"}
PAUSE = 0.005  # seconds after each key: Pilot first waits for every message queue to drain
MUTATING_WORDS = ("Restart", "Affinity", "Pin vCPU", "Pin")


class Recording:
    """A backend that records every intent that reaches it (none may)."""

    def __init__(self) -> None:
        self.calls: list[Intent] = []

    def describe(self, intent: Intent) -> str:
        self.calls.append(intent)
        return "recording"

    def execute(self, intent: Intent) -> ActionResult:
        self.calls.append(intent)
        return ActionResult(intent, "done")


class SpyRunner(Runner):
    """The production runner, recording every run() call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.runs: list[Intent] = []

    def run(self, intent: Intent) -> ActionResult:
        self.runs.append(intent)
        return super().run(intent)


def action_name(action: str) -> str:
    return action.split("(", 1)[0].rsplit(".", 1)[-1]


class Explorer:
    """Walks every pane, screen, key, button and palette command of a running app."""

    def __init__(self, app: EdgetopApp, pilot: Any, kiosk: bool) -> None:
        self.app = app
        self.pilot = pilot
        self.kiosk = kiosk
        self.screens_seen: set[str] = set()
        self.exercised: set[type[Screen[Any]]] = set()
        self.app_keys_done = False
        self.keys_pressed = 0

    def assert_nothing_mutating_shown(self) -> None:
        shown = [b.binding for b in self.app.screen.active_bindings.values()]
        leaked = [b.action for b in shown if action_name(b.action) in MUTATING_ACTIONS]
        assert leaked == [], f"mutating bindings shown on {type(self.app.screen).__name__}: {leaked}"
        if self.kiosk:
            assert not any(action_name(b.action) in QUIT_ACTIONS for b in shown), "quit shown in kiosk mode"
        screen = self.app.screen
        if isinstance(screen, HelpScreen):
            descriptions = {d for _, d, _ in screen.bindings}
            # The help says keys in plain words (ui/keyhelp.py): neither the footer words nor those.
            action_texts = {KEY_TEXT[i] for i in ("services.restart_service", "processes.pin_process",
                                                  "domain_detail.pin_vcpu")}
            assert not descriptions & (set(MUTATING_WORDS) | action_texts), descriptions
        assert not isinstance(screen, ConfirmScreen | CpuPickerScreen), "an action dialog opened"

    def keys_here(self, with_app: bool = True) -> list[str]:
        """Every key bound on the app, the screen and the focus chain, gated ones included."""
        nodes: list[Any] = [self.app, self.app.screen] if with_app else [self.app.screen]
        focused = self.app.screen.focused
        while focused is not None and focused is not self.app.screen:
            nodes.append(focused)
            focused = focused.parent  # type: ignore[assignment]
        pane = self.app.active_pane()
        if pane is not None and self.app.screen is self.app.screen_stack[0]:
            nodes.append(pane)
        keys: set[str] = set()
        for node in nodes:
            for key, bindings in node._bindings.key_to_bindings.items():
                quits = any(action_name(b.action) in QUIT_ACTIONS for b in bindings)
                palette = any(action_name(b.action) == "command_palette" for b in bindings)
                if (quits or palette) and not self.kiosk:
                    continue  # read-only may quit and open the palette; the palette is run below
                keys.add(key)
        return sorted(keys)

    async def settle(self) -> None:
        await self.pilot.pause(PAUSE)
        assert self.app.is_running, "the app exited"
        self.screens_seen.add(type(self.app.screen).__name__)
        if self.kiosk:
            assert not isinstance(self.app.screen, CommandPalette), "command palette opened in kiosk mode"

    async def back_to(self, screen: Screen[Any]) -> None:
        while self.app.screen is not screen and len(self.app.screen_stack) > 1:
            self.app.pop_screen()
            await self.pilot.pause(PAUSE)

    async def exercise_screen(self, depth: int) -> None:
        """On a pushed screen: check, press its keys, click its buttons, recurse into what they open."""
        screen = self.app.screen
        self.assert_nothing_mutating_shown()
        if depth > 2 or type(screen) in self.exercised:
            return  # each kind of screen is exercised fully once
        self.exercised.add(type(screen))
        for key in self.keys_here():
            if self.app.screen is not screen:
                break
            await self.press(key)
            if self.app.screen is not screen and screen in self.app.screen_stack:
                await self.exercise_screen(depth + 1)
                await self.back_to(screen)
        for button in list(screen.query(Button)):
            if self.app.screen is not screen:
                break
            button.press()
            await self.settle()
            self.assert_nothing_mutating_shown()

    async def press(self, key: str) -> None:
        """Send one key as the driver would, without Pilot's wait-for-CPU-idle (slow on a busy box)."""
        try:
            char: str | None = key if len(key) == 1 else unicodedata.lookup(key.upper().replace("_", " "))
        except KeyError:
            char = None
        event = events.Key(key, char)
        event.set_sender(self.app)
        assert self.app._driver is not None
        self.app._driver.send_message(event)
        self.keys_pressed += 1
        await self.settle()
        self.assert_nothing_mutating_shown()

    async def reset_to(self, pane_id: str) -> None:
        """Back on the base screen, ``pane_id`` shown, its table focused (cheap when already so)."""
        base = self.app.screen_stack[0]
        pane = self.app.active_pane()
        if self.app.screen is base and pane is not None and pane_id == pane.PANE_ID:
            tables = pane.query("DataTable, FastTable")
            if not tables or self.app.focused is tables.first():
                return
        await self.back_to(base)
        await self.app.show_pane(pane_id)
        pane = self.app.active_pane()
        assert pane is not None and pane_id == pane.PANE_ID, f"pane {pane_id} did not load"
        tables = pane.query("DataTable, FastTable")
        if tables:
            tables.first().focus()  # even in kiosk, to reach the pane's own bindings
        await self.pilot.pause(PAUSE)

    async def exercise_panes(self) -> None:
        base = self.app.screen_stack[0]
        for entry in self.app.pane_entries:
            await self.reset_to(entry.pane_id)
            self.assert_nothing_mutating_shown()
            pane = self.app.active_pane()
            assert pane is not None
            # The app's own keys once (they do the same on every pane), the pane's on every pane.
            for key in self.keys_here(with_app=not self.app_keys_done):
                await self.reset_to(entry.pane_id)
                await self.press(key)
                if self.app.screen is not base:
                    await self.exercise_screen(1)
            for button in list(pane.query(Button)):
                await self.reset_to(entry.pane_id)
                button.press()
                await self.settle()
                if self.app.screen is not base:
                    await self.exercise_screen(1)
            self.app_keys_done = True

    async def exercise_palette(self) -> None:
        base = self.app.screen_stack[0]
        commands = list(self.app.get_system_commands(base))
        assert commands, "no palette commands at all"
        for command in commands:
            title = command.title.lower()
            assert not any(w.lower() in title for w in MUTATING_WORDS), f"mutating palette command {command.title}"
            if title.startswith("quit"):
                assert not self.kiosk, "quit in the kiosk palette"
                continue
            await self.back_to(base)
            result = command.callback()
            if asyncio.iscoroutine(result):
                await result
            await self.settle()
            if self.app.screen is not base:
                await self.exercise_screen(1)


@pytest.fixture
async def demo_store() -> tuple[Context, list[Any], Store]:
    """Every collector, once, over the bundled demo data (and this host's /proc)."""
    ctx = demo_context(Config(), ProcFS(), SysFS())
    specs = all_specs(ctx)
    store = Store(ctx.config)
    engine = Engine(ctx, specs, store)
    try:
        await engine.collect_round()
    finally:
        engine.close()
    return ctx, specs, store


@pytest.mark.parametrize("mode", ["read_only", "kiosk"])
async def test_no_key_palette_command_or_button_reaches_a_backend(
    mode: str, demo_store: tuple[Context, list[Any], Store], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a palette "screenshot" command writes into the cwd
    rw_opens: list[str] = []
    monkeypatch.setattr(libvirt, "open", lambda uri=None: rw_opens.append(str(uri)))
    ctx, specs, store = demo_store
    recorder = Recording()
    runner = SpyRunner(ctx.config, read_only=True, audit=AuditLog(tmp_path / "audit.log", syslog_path=None))
    runner.backend = recorder  # pretend layer 3 is broken: layers 1 and 2 alone must hold
    kiosk = mode == "kiosk"
    app = EdgetopApp(ctx, specs, read_only=not kiosk, kiosk=kiosk, start_engine=False, store=store, runner=runner)
    assert app.read_only
    async with app.run_test(size=(120, 40)) as pilot:
        explorer = Explorer(app, pilot, kiosk)
        await pilot.pause()
        await explorer.exercise_panes()
        if kiosk:
            # No palette in kiosk mode: ctrl+p (pressed above with every app key) opened nothing.
            assert app.ENABLE_COMMAND_PALETTE is False
            assert not any(c.title.lower().startswith("quit") for c in app.get_system_commands(app.screen))
        else:
            await explorer.exercise_palette()
        assert "DomainDetailScreen" in explorer.screens_seen  # the vCPU pinning screen was visited
        assert explorer.keys_pressed > 100
        # "Any other way": call the mutating actions and the app's entry point directly.
        await explorer.reset_to("services")
        services_pane = app.active_pane()
        services_pane.action_restart_service()  # type: ignore[union-attr]
        for intent in (RestartService("snmpd"), PinProcess(1, frozenset({0})), PinVcpu("web-01", 0, frozenset({0}))):
            await app.request_action(intent)
        await pilot.pause(0.3)
        assert any("read-only" in n.message for n in app._notifications)
        assert not isinstance(app.screen, ConfirmScreen | CpuPickerScreen)
    for intent in (RestartService("snmpd"), PinProcess(1, frozenset({0}))):
        with pytest.raises(ActionDenied, match="read-only"):
            runner.run(intent)
    assert recorder.calls == []
    assert runner.runs == [RestartService("snmpd"), PinProcess(1, frozenset({0}))]  # only the two direct calls
    assert rw_opens == []
    assert not (tmp_path / "audit.log").exists()
