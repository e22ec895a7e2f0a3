"""The edgetop Textual application: header, pane switcher, key bar, lanes as workers."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.driver import Driver
from textual.filter import LineFilter
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Static

from edgetop.actions.intents import Intent
from edgetop.actions.session import session_refusal
from edgetop.collectors.registry import CORE_MODULES, all_specs
from edgetop.config_schema import canonical_keymap, chord_keys
from edgetop.engine.lanes import Engine, SpecRunner
from edgetop.engine.store import Sample, Store
from edgetop.model.spec import CollectorSpec, Context
from edgetop.ui.fmt import console_mode
from edgetop.ui.gate import MutationGate, refuse_gated_key
from edgetop.ui.pane_list import PANES, PaneEntry
from edgetop.ui.panes.base import Pane
from edgetop.ui.quiet_driver import quiet_where_possible
from edgetop.ui.safe_output import DropControlCharacters
from edgetop.ui.widgets.header import HeaderBar
from edgetop.ui.widgets.keybar import KeyBar
from edgetop.ui.widgets.tabstrip import TabStrip

if TYPE_CHECKING:
    from edgetop.ui.widgets.kiosk_banner import KioskBanner

log = logging.getLogger(__name__)

MIN_WIDTH, MIN_HEIGHT = 80, 24
# Kiosk: after a key press the panes stop cycling for this long (seconds since the last key),
# so that whoever walked up can read the pane they chose.
KIOSK_PAUSE_SECONDS = 120.0
GC_YOUNG_THRESHOLD = 20_000
# How long the other collectors wait for the core ones' first samples before loading anyway.
CORE_FIRST_WAIT = 2.0
# How long the first frame waits for the core collectors' first samples (Engine.head_start).
HEAD_START_WAIT = 0.05


_DROP_CONTROLS = DropControlCharacters()  # one instance: Strip caches filtered lines per filter
_CONSOLE_GLYPHS: list[LineFilter] = []  # built on the console only (the font table costs ~2 ms to import)


class EdgetopApp(MutationGate, App[None]):
    """The TUI. Panes render the store; lanes run as Textual workers and post samples."""

    CSS_PATH = "app.tcss"
    TITLE = "edgetop"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help", key_display="?"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("space", "freeze", "Freeze", id="app.freeze", key_display="spc"),
        Binding("tab", "next_pane", "Next", id="app.next_pane", priority=True, show=False),
        Binding("shift+tab", "previous_pane", "Prev", id="app.previous_pane", priority=True, show=False),
        Binding("s", "sources", "Sources", id="app.sources"),
        # Not in the key bar (it would change at every size); ? lists it, README documents it.
        Binding("g", "goto", "Go to pane", id="app.goto", show=False),
        Binding("exclamation_mark", "show_pane('alerts')", "Alerts", id="app.alerts", key_display="!"),
        *[Binding(str(k), f"show_pane_number('{k}')", f"Pane {k}", id=f"app.pane_{k}", show=False) for k in range(10)],
    ]

    def __init__(
        self,
        ctx: Context,
        specs: list[CollectorSpec] | None = None,
        *,
        read_only: bool = False,
        kiosk: bool = False,
        theme: str | None = None,
        start_engine: bool = True,
        store: Store | None = None,
        runner: Any = None,
        panes: Sequence[PaneEntry] = PANES,
    ) -> None:
        """Create the app.

        Args:
            ctx: the collectors' context (config, roots, demo).
            specs: the collectors to run; None starts the core collectors at once and
                imports the others in a thread after the first frame.
            read_only: hide and refuse every mutating action.
            kiosk: read-only, no quit keys, no command palette, panes cycle.
            theme: a registered theme name.
            start_engine: False in tests that feed the store by hand.
            store: an existing store (tests); a new one otherwise.
            runner: the action runner; None builds the default one lazily.
            panes: the panes, in order (tests add more).

        """
        self.kiosk = kiosk
        self.read_only = read_only or kiosk
        # Why no action can run here (read-only, the demo's recordings, fixture roots):
        # mutating keys are then hidden and say this when pressed.
        self.actions_refused = session_refusal(ctx.config, read_only=self.read_only, stand_in=ctx.stand_in)
        super().__init__()
        if kiosk:
            # Kiosk: no palette at all (an instance attribute, read when the app binds keys).
            setattr(self, "ENABLE_COMMAND_PALETTE", False)  # noqa: B010
        self.ctx = ctx
        self.store = store or Store(ctx.config)
        self._load_rest = specs is None
        if specs is None:
            specs = all_specs(ctx, CORE_MODULES)
        self.specs = specs
        self.engine = Engine(ctx, specs, self.store) if start_engine else None
        if self.engine is not None:
            # The first collections run while Textual starts (~30 ms here), so that the
            # first frame already shows their numbers instead of an empty overview that is
            # painted again a moment later (issue 17: first frame).
            self.engine.show([panes[0].pane_id] if panes else [])
            self.engine.head_start()
        self.runner = runner
        self.frozen = False
        self._dirty = False
        self._early_paints = 3
        # The core collectors that have yet to give their first sample (the rest load after).
        self._core_pending: set[str] = set()
        self._core_sampled = asyncio.Event()
        self._early_paint_pending = False
        self._theme_name = theme
        self.pane_entries = tuple(panes)
        self.pane_keys = {e.key: e.pane_id for e in self.pane_entries if e.key}
        self.mounted_panes: dict[str, Pane] = {}
        self.kiosk_paused_until = 0.0  # loop time; cycling pauses after a key press (kiosk)
        if ctx.config.keymap:
            # Old ids still work: a config built in code has not been through the loader.
            self.set_keymap(canonical_keymap(ctx.config.keymap))
        chord = ctx.config.kiosk_options.exit_chord
        if kiosk and chord:
            # The only way out of a kiosk is a chord the site chose (none: never).
            # Bound as every key name a terminal may deliver for it (ctrl+alt+x arrives as
            # ctrl+x from most terminals, as alt+ctrl+x with the kitty protocol).
            try:
                keys = ",".join(chord_keys(chord))
            except ValueError:
                keys = chord  # a Config built in code, not through the loader that refuses it
            self.bind(keys, "kiosk_exit", description="Leave kiosk", show=False)
        self.theme_problems = self._register_themes()
        self._apply_theme_before_start(theme)

    def _register_themes(self) -> list[str]:
        from textual.theme import Theme

        from edgetop.theming import load_themes

        specs, problems = load_themes()
        for spec in specs:
            try:
                self.register_theme(Theme(spec.name, dark=spec.dark, variables=spec.variables,
                                          **spec.colors))  # type: ignore[arg-type]
            except Exception as err:  # a bad colour in a user theme is reported, not fatal
                problems.append(f"theme {spec.name}: {err}")
        return problems

    def _apply_theme_before_start(self, name: str | None) -> None:
        """Start with theme ``name`` without the re-styling a theme change costs once running.

        Setting ``App.theme`` queues ``refresh_css``: every stylesheet parsed again and every
        widget re-styled, ~6 ms before the first frame (issue 17: first frame). Before the app
        runs nothing is parsed or styled yet, so what the theme changes is only the
        stylesheet's variables and the app's theme classes. A light theme also needs the
        light ANSI palette (a private step of Textual's theme watcher): it takes the watcher.
        ``tests/ui/test_theme_start.py`` holds both ways to the same result for every theme.
        """
        if not name or name not in self.available_themes:
            return  # on_mount says the name is unknown
        theme = self.get_theme(name)
        if theme is None or not theme.dark or not self.current_theme.dark:
            self.theme = name
            return
        self.set_reactive(App.theme, name)
        self.stylesheet.set_variables(self.get_css_variables())
        self.update_classes({c: False for c in self.classes if c.startswith("-theme-")} | {f"-theme-{name}": True},
                            update=False)

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this platform; on Linux, one whose input thread sleeps while idle (``quiet_driver``)."""
        return quiet_where_possible(super().get_driver_class())

    # ----------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        """Header, tab strip, the panes, the key bar, and the too-small notice."""
        self.header = HeaderBar(self.store, self.read_only, self.kiosk)
        yield self.header
        self.kiosk_banner: KioskBanner | None = None
        if self.kiosk:
            from edgetop.ui.widgets.kiosk_banner import KioskBanner

            self.kiosk_banner = KioskBanner(self.store)
            yield self.kiosk_banner
        self.tabstrip = TabStrip([(e.pane_id, e.key, e.title) for e in self.pane_entries])
        yield self.tabstrip
        first = self.pane_entries[0]
        overview = first.load()(self.store)
        self.mounted_panes[first.pane_id] = overview
        # Kept as an attribute: App.query_one searches the *active* screen, which is a
        # modal while help or a dialog is open, and samples keep arriving meanwhile.
        self.switcher = ContentSwitcher(initial=first.pane_id, id="panes")
        with self.switcher:
            yield overview
        self.too_small_text = Static(id="too-small-text")
        yield Container(self.too_small_text, id="too-small")
        yield KeyBar(id="keybar")

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, the control-character guard (``safe_output``), then the console font's map.

        The last one only on the Linux console: characters its font cannot draw (``console_font``).
        """
        filters = [*super().get_line_filters(), _DROP_CONTROLS]
        if console_mode():
            if not _CONSOLE_GLYPHS:
                from edgetop.ui.console_font import ConsoleGlyphs

                _CONSOLE_GLYPHS.append(ConsoleGlyphs())  # one instance: Strip caches lines per filter
            filters.extend(_CONSOLE_GLYPHS)
        return filters

    def on_mount(self) -> None:
        """Say if the theme is unknown, start the lanes, render the first pane."""
        if self._theme_name and self._theme_name not in self.available_themes:
            names = ", ".join(sorted(self.available_themes))
            self.notify(f"unknown theme {self._theme_name!r}; available: {names}", severity="warning", timeout=8)
        for problem in self.theme_problems:
            self.notify(problem, severity="warning", timeout=8)
        if self.engine is not None:
            # Only the pane on screen asks for its on-demand collectors (processes).
            self.engine.show([self.switcher.current or self.pane_entries[0].pane_id])
            if self._load_rest:
                self._core_pending = {r.spec.name for r in self.engine.runners if r.wanted.is_set()}
            # The head starts that are done go into the store before the first frame is painted.
            for sample in self.engine.take_head_starts(wait=HEAD_START_WAIT):
                self._on_sample(sample, paint_early=False)
            if self._dirty:
                self._tick()  # now, in the first frame, not at an early tick after it
            self._start_runners(self.engine.runners)
            if self._load_rest:
                # After the first frame is painted: importing them in the worker thread
                # (~0.1 s) took the interpreter lock in turns with the painting (~5 ms later).
                self.call_after_refresh(self._start_loading_the_rest)
        # Repaint at most once a second: faster gains nothing a person can read.
        self.set_interval(max(self.ctx.config.interval, 1.0), self._tick)
        if self.kiosk:
            self.set_interval(self.ctx.config.kiosk_options.cycle_seconds, self._kiosk_cycle)
        self._check_size()
        self.call_after_refresh(self._refresh_active)

    def on_unmount(self) -> None:
        """Close sources; hung lane threads are abandoned, not waited for."""
        if self.engine is not None:
            self.engine.close()

    def on_key(self, event: events.Key) -> None:
        """A key no binding took: if it is a hidden action key, say why it is refused."""
        if refuse_gated_key(self, event.key):
            event.stop()

    def on_resize(self, event: events.Resize) -> None:
        """Show the enlarge notice below 80x24 and hide it again after a resize."""
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, w: int | None = None, h: int | None = None) -> None:
        if w is None or h is None:
            w, h = self.size
        small = w < MIN_WIDTH or h < MIN_HEIGHT
        self.switcher.screen.set_class(small, "-too-small")
        if small:
            self.too_small_text.update(
                Text(f"Enlarge the terminal to at least {MIN_WIDTH}x{MIN_HEIGHT} (now {w}x{h}).", style="bold")
            )

    def _start_runners(self, runners: list[SpecRunner]) -> None:
        for runner in runners:
            self.run_worker(runner.run_forever(self._on_sample), name=runner.spec.name,
                            group=f"lane-{runner.spec.lane}", exit_on_error=False)

    def _start_loading_the_rest(self) -> None:
        self.run_worker(self._load_remaining_specs(), name="load-collectors", exit_on_error=False)

    async def _load_remaining_specs(self) -> None:
        """Import the non-core collectors off the event loop, once the core ones have sampled; then start them."""
        # Queued on the one worker before the core collectors' first collections, the import
        # (~0.1 s of a dozen modules) held the first CPU and memory lines back as long (issue
        # 17: first frame). A core collector that hangs delays the rest by CORE_FIRST_WAIT at most.
        if self._core_pending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._core_sampled.wait(), CORE_FIRST_WAIT)
        try:
            # On the engine's worker pool: asyncio's default executor would keep one more
            # thread idle for the app's whole life after this one call (issue 17: threads).
            pool = self.engine.pool if self.engine is not None else None
            specs = await asyncio.get_running_loop().run_in_executor(pool, all_specs, self.ctx, None, CORE_MODULES)
        except Exception:
            log.exception("loading collectors failed")
            self.notify("some collectors could not be loaded (details in the log)", severity="error")
            return
        if self.engine is not None:
            self.specs = [*self.specs, *specs]
            self._start_runners(self.engine.add(specs))
        # Everything imported and built so far lives as long as the app: move it out of
        # the garbage collector's way, so a full collection (40-130 ms measured with 1,000
        # domains) no longer lands on a key press. A collector's tick allocates thousands
        # of short-lived objects (views of 1,000 domains); a larger young generation runs
        # the collector a few times a tick instead of dozens (worst key 143-204 ms -> ~110-130 ms).
        gc.freeze()
        gc.set_threshold(GC_YOUNG_THRESHOLD, 50, 50)

    # ----------------------------------------------------------------- samples
    def _on_sample(self, sample: Sample, *, paint_early: bool = True) -> None:
        """Mark the visible pane dirty if it shows this collector (hidden panes do not render).

        The runner that made ``sample`` calls this on the event loop. It used to post a
        Textual message per sample, a dozen a second, each waking the app's message queue
        for a dispatch that only set this flag (issue 17: CPU). Rendering waits for the next
        tick: ten collectors finishing within one second cost one repaint, not ten. Right
        after start-up the first samples are painted at once instead (``paint_early``; not
        for the head starts, which ``on_mount`` paints itself before the first frame).
        """
        if self._core_pending:
            self._core_pending.discard(sample.spec.name)
            if not self._core_pending:
                self._core_sampled.set()
        if self._exit or not self._running:  # shutting down: panes are being taken apart
            return
        active = self.active_pane()
        if active is not None and active.wants(sample):
            self._dirty = True
            # Right after start-up, paint the first samples at once instead of at the
            # next tick: a technician should see numbers within a second of typing edgetop.
            if paint_early and self._early_paints and not self._early_paint_pending:
                self._early_paints -= 1
                self._early_paint_pending = True
                self.call_later(self._early_tick)

    def _early_tick(self) -> None:
        self._early_paint_pending = False
        self._tick()

    def _tick(self) -> None:
        """Once per interval: the header (clock, alerts) and the visible pane if it changed."""
        if self.frozen:
            return
        if self._dirty:
            self._dirty = False
            pane = self.active_pane()
            if pane is not None:
                self._safe_refresh(pane)
        self.header.redraw()
        self._redraw_kiosk_banner()

    def _redraw_kiosk_banner(self) -> None:
        if self.kiosk_banner is None:
            return
        left = self.kiosk_paused_until - self._loop_time()
        self.kiosk_banner.paused_note = (
            f" PAUSED: a key was pressed; the panes cycle again in {left:.0f} s " if left > 0 else "")
        self.kiosk_banner.redraw()

    def _loop_time(self) -> float:
        return asyncio.get_running_loop().time()

    async def on_event(self, event: events.Event) -> None:
        """Kiosk: any key press pauses the cycling of panes (and the banner says so)."""
        if self.kiosk and isinstance(event, events.Key):
            self.kiosk_paused_until = self._loop_time() + KIOSK_PAUSE_SECONDS
            self._redraw_kiosk_banner()
        await super().on_event(event)

    def _safe_refresh(self, pane: Pane) -> None:
        if self._exit or not self._running:  # shutting down: panes are being taken apart
            return
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
        switcher = self.switcher
        return self.mounted_panes.get(switcher.current or "")

    async def show_pane(self, pane_id: str) -> None:
        """Switch to ``pane_id`` (importing and mounting it the first time) and render it."""
        switcher = self.switcher
        if switcher.current == pane_id:
            return
        if pane_id not in self.mounted_panes:
            entry = next(e for e in self.pane_entries if e.pane_id == pane_id)
            try:
                pane = entry.load()(self.store)
            except Exception:
                log.exception("pane %s could not be loaded", pane_id)
                self.notify(f"{entry.title}: pane not available (details in the log)", severity="error")
                return
            self.mounted_panes[pane_id] = pane
            await switcher.mount(pane)
        switcher.current = pane_id
        if self.engine is not None:
            self.engine.show([pane_id])
        self.tabstrip.set_active(pane_id)
        shown = self.active_pane()
        if shown is not None:
            self._safe_refresh(shown)
            focusable = shown.query("DataTable, FastTable")
            if focusable and not self.kiosk:
                focusable.first().focus()
        self.refresh_bindings()

    def _show_pane_soon(self, pane_id: str) -> None:
        self.run_worker(self.show_pane(pane_id), exclusive=False)

    async def _step_pane(self, step: int) -> None:
        ids = [e.pane_id for e in self.pane_entries]
        current = self.switcher.current
        index = ids.index(current) if current in ids else 0
        await self.show_pane(ids[(index + step) % len(ids)])

    async def action_next_pane(self) -> None:
        """Show the next pane."""
        await self._step_pane(1)

    async def action_previous_pane(self) -> None:
        """Show the previous pane."""
        await self._step_pane(-1)

    async def action_show_pane_number(self, key: str) -> None:
        """Show the pane bound to number ``key``."""
        if key in self.pane_keys:
            await self.show_pane(self.pane_keys[key])

    async def action_show_pane(self, pane_id: str) -> None:
        """Show the pane ``pane_id`` (``!``: the Alerts pane)."""
        await self.show_pane(pane_id)

    async def _kiosk_cycle(self) -> None:
        """Kiosk: show the next pane, unless a key was pressed lately.

        Standing alerts do not stop the cycle: the banner above every pane carries the
        status word and the worst alerts.
        """
        if self._loop_time() < self.kiosk_paused_until:
            return
        await self._step_pane(1)

    # ----------------------------------------------------------------- actions
    def action_freeze(self) -> None:
        """Freeze or thaw the display; collection goes on."""
        self.frozen = not self.frozen
        self.header.frozen = self.frozen
        self.header.redraw()
        if not self.frozen:
            self._refresh_active()

    def action_help(self) -> None:
        """Show the keys of this screen in plain words and the glossary."""
        from edgetop.ui.screens.help import help_screen

        self.push_screen(help_screen(self))

    def action_goto(self) -> None:
        """List every pane (number keys reach only ten): type to filter, enter to go."""
        from edgetop.ui.screens.goto import GotoScreen

        def go(pane_id: str | None) -> None:
            if pane_id is not None:
                self._show_pane_soon(pane_id)

        entries = [(e.pane_id, e.key, e.title) for e in self.pane_entries]
        self.push_screen(GotoScreen(entries, self.switcher.current), go)

    def action_sources(self) -> None:
        """Show the state of every collector."""
        from edgetop.ui.screens.sources import SourcesScreen

        self.push_screen(SourcesScreen(self.store))

    async def request_action(self, intent: Intent) -> None:
        """Run a mutating action through the one runner (policy, confirm, audit, backend)."""
        from edgetop.ui.action_glue import app_runner, request_action

        # The runner is read-only with --read-only/--kiosk and also with --demo or fixture
        # roots: a pid or unit shown from demo data must never reach a real one.
        await request_action(self, app_runner(self), intent)

    def action_refusal(self, intent: Intent) -> str | None:
        """Why ``intent`` cannot run, checked before any picker or prompt (screens ask this)."""
        from edgetop.ui.action_glue import early_refusal

        return early_refusal(self, intent)

    def get_key_display(self, binding: Binding) -> str:
        """Key names the Linux console font can draw (it has arrows but no return symbol)."""
        display = super().get_key_display(binding)
        if console_mode():
            display = display.replace("⏎", "enter").replace("⇥", "tab")
        return display

    def action_kiosk_exit(self) -> None:
        """Leave the kiosk (bound only to the configured exit chord)."""
        self.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide mutating actions in read-only mode, quit in kiosk mode."""
        if self.kiosk and action in ("quit", "command_palette", "acknowledge"):
            return False
        return super().check_action(action, parameters)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Palette commands: Textual's, minus quit in kiosk mode, plus pane switching."""
        for command in super().get_system_commands(screen):
            if self.kiosk and command.title.lower().startswith("quit"):
                continue
            yield command
        for entry in self.pane_entries:
            how = f"key {entry.key}" if entry.key else "g, then its name"
            yield SystemCommand(f"Show {entry.title}", f"Switch to the {entry.title} pane ({how})",
                                partial(self._show_pane_soon, entry.pane_id))

    def _fatal_error(self) -> None:
        """Log an unexpected error instead of painting a traceback on the node's screen."""
        error = getattr(self, "_exception", None)
        if error is not None:
            log.error("unexpected error", exc_info=error)
        from edgetop.logsetup import log_path

        self._exit_renderables.append(Text(f"edgetop stopped on an unexpected error; details in {log_path()}"))
        self._close_messages_no_wait()
