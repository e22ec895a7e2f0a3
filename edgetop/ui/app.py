"""The edgetop Textual application: header, pane switcher, key bar, lanes as workers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Static

from edgetop.actions.intents import Intent
from edgetop.collectors.registry import CollectorSpec, Context
from edgetop.engine.lanes import Engine
from edgetop.engine.store import Sample, Store
from edgetop.ui.fmt import console_mode
from edgetop.ui.gate import MutationGate
from edgetop.ui.messages import SampleArrived
from edgetop.ui.pane_list import pane_classes
from edgetop.ui.panes.base import Pane
from edgetop.ui.widgets.header import HeaderBar
from edgetop.ui.widgets.keybar import KeyBar
from edgetop.ui.widgets.tabstrip import TabStrip

log = logging.getLogger(__name__)

MIN_WIDTH, MIN_HEIGHT = 80, 24


class EdgetopApp(MutationGate, App[None]):
    """The TUI. Panes render the store; lanes run as Textual workers and post samples."""

    CSS_PATH = "app.tcss"
    TITLE = "edgetop"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="help", key_display="?"),
        Binding("q", "quit", "Quit", id="quit"),
        Binding("space", "freeze", "Freeze", id="freeze", key_display="spc"),
        Binding("tab", "next_pane", "Next", id="next_pane", priority=True, show=False),
        Binding("shift+tab", "previous_pane", "Prev", id="previous_pane", priority=True, show=False),
        Binding("s", "sources", "Sources", id="sources"),
        *[Binding(str(k), f"show_pane_number('{k}')", f"Pane {k}", id=f"pane_{k}", show=False) for k in range(10)],
    ]

    def __init__(
        self,
        ctx: Context,
        specs: list[CollectorSpec],
        *,
        read_only: bool = False,
        kiosk: bool = False,
        theme: str | None = None,
        start_engine: bool = True,
        store: Store | None = None,
        runner: Any = None,
    ) -> None:
        """Create the app.

        Args:
            ctx: the collectors' context (config, roots, demo).
            specs: the collectors to run.
            read_only: hide and refuse every mutating action.
            kiosk: read-only, no quit keys, no command palette, panes cycle.
            theme: a registered theme name.
            start_engine: False in tests that feed the store by hand.
            store: an existing store (tests); a new one otherwise.
            runner: the action runner; None builds the default one lazily.
        """
        self.kiosk = kiosk
        self.read_only = read_only or kiosk
        if kiosk:
            self.ENABLE_COMMAND_PALETTE = False
        super().__init__()
        self.ctx = ctx
        self.specs = specs
        self.store = store or Store(ctx.config)
        self.engine = Engine(ctx, specs, self.store) if start_engine else None
        self.runner = runner
        self.frozen = False
        self._theme_name = theme
        self.panes: list[Pane] = []
        self.pane_keys: dict[str, str] = {}
        for cls, key in pane_classes():
            self.panes.append(cls(self.store))
            self.pane_keys[key] = cls.PANE_ID
        if ctx.config.keymap:
            self.set_keymap(ctx.config.keymap)
        self.theme_problems = self._register_themes()

    def _register_themes(self) -> list[str]:
        from textual.theme import Theme

        from edgetop.theming import load_themes

        specs, problems = load_themes()
        for spec in specs:
            try:
                self.register_theme(Theme(name=spec.name, dark=spec.dark, variables=spec.variables, **spec.colors))
            except Exception as err:  # a bad colour in a user theme is reported, not fatal
                problems.append(f"theme {spec.name}: {err}")
        return problems

    # ----------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        """Header, tab strip, the panes, the key bar, and the too-small notice."""
        self.header = HeaderBar(self.store, self.read_only, self.kiosk)
        yield self.header
        self.tabstrip = TabStrip([(p.PANE_ID, k, p.TITLE) for k, p in zip(self.pane_keys, self.panes, strict=True)])
        yield self.tabstrip
        with ContentSwitcher(initial=self.panes[0].PANE_ID if self.panes else None, id="panes"):
            yield from self.panes
        yield Container(Static(id="too-small-text"), id="too-small")
        yield KeyBar(id="keybar")

    def on_mount(self) -> None:
        """Apply the theme, start the lanes, render the first pane."""
        if self._theme_name:
            if self._theme_name in self.available_themes:
                self.theme = self._theme_name
            else:
                self.notify(f"unknown theme {self._theme_name!r}; available: {', '.join(sorted(self.available_themes))}",
                            severity="warning", timeout=8)
        for problem in self.theme_problems:
            self.notify(problem, severity="warning", timeout=8)
        if self.engine is not None:
            for runner in self.engine.runners:
                self.run_worker(runner.run_forever(self._on_sample), name=runner.spec.name,
                                group=f"lane-{runner.spec.lane}", exit_on_error=False)
        if self.kiosk:
            self.set_interval(self.ctx.config.kiosk_options.cycle_seconds, self._kiosk_cycle)
        self._check_size()
        self.call_after_refresh(self._refresh_active)

    def on_unmount(self) -> None:
        """Close sources; hung lane threads are abandoned, not waited for."""
        if self.engine is not None:
            self.engine.close()

    def on_resize(self, event: events.Resize) -> None:
        """Show the enlarge notice below 80x24 and hide it again after a resize."""
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, w: int | None = None, h: int | None = None) -> None:
        if w is None or h is None:
            w, h = self.size
        small = w < MIN_WIDTH or h < MIN_HEIGHT
        self.screen.set_class(small, "-too-small")
        if small:
            self.query_one("#too-small-text", Static).update(
                Text(f"Enlarge the terminal to at least {MIN_WIDTH}x{MIN_HEIGHT} (now {w}x{h}).", style="bold")
            )

    # ----------------------------------------------------------------- samples
    def _on_sample(self, sample: Sample) -> None:
        self.post_message(SampleArrived(sample))

    def on_sample_arrived(self, message: SampleArrived) -> None:
        """Re-render the visible pane if it shows this collector (hidden panes do not render)."""
        if self.frozen:
            return
        name = message.sample.spec.name
        active = self.active_pane()
        if active is not None and (active.wants(name) or active.PANE_ID == "overview"):
            self._safe_refresh(active)

    def _safe_refresh(self, pane: Pane) -> None:
        try:
            with self.batch_update():
                pane.refresh_view()
        except Exception:
            # A rendering bug must not take the node's monitor down: log it and say so.
            log.exception("rendering pane %s failed", pane.PANE_ID)
            self.notify(f"{pane.TITLE}: display error (details in the log)", severity="error", timeout=5)

    def _refresh_active(self) -> None:
        pane = self.active_pane()
        if pane is not None:
            self._safe_refresh(pane)
        self.header.redraw()

    # ----------------------------------------------------------------- panes
    def active_pane(self) -> Pane | None:
        """The pane on screen."""
        switcher = self.query_one("#panes", ContentSwitcher)
        for pane in self.panes:
            if pane.PANE_ID == switcher.current:
                return pane
        return None

    def show_pane(self, pane_id: str) -> None:
        """Switch to ``pane_id`` and render it from the latest samples."""
        switcher = self.query_one("#panes", ContentSwitcher)
        if switcher.current == pane_id:
            return
        switcher.current = pane_id
        self.tabstrip.set_active(pane_id)
        pane = self.active_pane()
        if pane is not None:
            self._safe_refresh(pane)
            focusable = pane.query("DataTable")
            if focusable and not self.kiosk:
                focusable.first().focus()
        self.refresh_bindings()

    def _step_pane(self, step: int) -> None:
        ids = [p.PANE_ID for p in self.panes]
        active = self.active_pane()
        index = ids.index(active.PANE_ID) if active else 0
        self.show_pane(ids[(index + step) % len(ids)])

    def action_next_pane(self) -> None:
        """Show the next pane."""
        self._step_pane(1)

    def action_previous_pane(self) -> None:
        """Show the previous pane."""
        self._step_pane(-1)

    def action_show_pane_number(self, key: str) -> None:
        """Show the pane bound to number ``key``."""
        if key in self.pane_keys:
            self.show_pane(self.pane_keys[key])

    def _kiosk_cycle(self) -> None:
        """Kiosk: show the overview (alerts) while any alert is active, else cycle panes."""
        if self.store.alerts():
            self.show_pane("overview")
        else:
            self._step_pane(1)

    # ----------------------------------------------------------------- actions
    def action_freeze(self) -> None:
        """Freeze or thaw the display; collection goes on."""
        self.frozen = not self.frozen
        self.header.frozen = self.frozen
        self.header.redraw()
        if not self.frozen:
            self._refresh_active()

    def action_help(self) -> None:
        """Show every binding that applies now."""
        from edgetop.ui.screens.help import HelpScreen, bindings_of

        self.push_screen(HelpScreen(bindings_of(self.screen)))

    def action_sources(self) -> None:
        """Show the state of every collector."""
        from edgetop.ui.screens.sources import SourcesScreen

        self.push_screen(SourcesScreen(self.store))

    async def request_action(self, intent: Intent) -> None:
        """Run a mutating action through the one runner (policy, confirm, audit, backend)."""
        try:
            from edgetop.ui.action_glue import request_action
        except ImportError:
            self.notify("actions are not available in this build", severity="error")
            return
        if self.runner is None:
            from edgetop.actions.runner import build_runner  # type: ignore[attr-defined]

            self.runner = build_runner(self.ctx.config, read_only=self.read_only)
        await request_action(self, self.runner, intent)

    def get_key_display(self, binding: Binding) -> str:
        """Key names the Linux console font can draw (it has arrows but no return symbol)."""
        display = super().get_key_display(binding)
        if console_mode():
            display = display.replace("⏎", "enter").replace("⇥", "tab")
        return display

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide mutating actions in read-only mode, quit in kiosk mode."""
        if self.kiosk and action in ("quit", "command_palette"):
            return False
        return super().check_action(action, parameters)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Palette commands: Textual's, minus quit in kiosk mode, plus pane switching."""
        for command in super().get_system_commands(screen):
            if self.kiosk and command.title.lower().startswith("quit"):
                continue
            yield command
        for key, pane_id in self.pane_keys.items():
            pane = next(p for p in self.panes if p.PANE_ID == pane_id)
            yield SystemCommand(f"Show {pane.TITLE}", f"Switch to the {pane.TITLE} pane (key {key})",
                                lambda pid=pane_id: self.show_pane(pid))

    def _fatal_error(self) -> None:
        """Log an unexpected error instead of painting a traceback on the node's screen."""
        error = getattr(self, "_exception", None)
        if error is not None:
            log.error("unexpected error", exc_info=error)
        from edgetop.logsetup import log_path

        self._exit_renderables.append(Text(f"edgetop stopped on an unexpected error; details in {log_path()}"))
        self._close_messages_no_wait()
