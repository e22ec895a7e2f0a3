"""``edgetop fleet``: every edge node from the central Prometheus, worst first, in edgetop's look.

A small app of its own (it has no collectors, no store, no actions: it changes nothing
anywhere). Each round runs in a worker thread (:func:`edgetop.fleet.round.run_round`), so
keys are answered while Prometheus thinks; a round that fails keeps the last rows on screen,
greyed, under ``unavailable: reason`` and their age.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.filter import LineFilter
from textual.widgets import Input, Static

from edgetop.config_schema import canonical_keymap, chord_keys
from edgetop.fleet.build import NodeMemo
from edgetop.fleet.connect import FleetSettings
from edgetop.fleet.model import FleetView, NodeState
from edgetop.fleet.round import run_round
from edgetop.ui.fleet_detail import FleetDetail
from edgetop.ui.fleet_paint import Prepared, RowPainter
from edgetop.ui.fleet_rows import COLUMNS, STATE_STYLE, STATE_WORD, hidden_columns, matches
from edgetop.ui.fmt import age, clip, console_mode, literal
from edgetop.ui.quiet_driver import quiet_where_possible
from edgetop.ui.safe_output import DropControlCharacters
from edgetop.ui.styles import BANNER_STYLE
from edgetop.ui.widgets.fast_table import FastTable
from edgetop.ui.widgets.keybar import KeyBar

log = logging.getLogger(__name__)

_DROP_CONTROLS = DropControlCharacters()
_CONSOLE_GLYPHS: list[LineFilter] = []
UNAVAILABLE_STYLE = BANNER_STYLE[next(iter(BANNER_STYLE))]


class FleetTable(FastTable):
    """The fleet table: ``enter`` opens the node, and the key bar says so."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Node", id="fleet_table.detail", key_display="enter"),
    ]


class FleetApp(App[None]):
    """The fleet table, a header, the ``/`` filter and the key bar; ``enter`` opens a node."""

    TITLE = "edgetop fleet"
    CSS = """
    #fleet-header { height: 1; background: $panel; }
    #fleet-banner { height: 1; display: none; }
    #fleet-banner.-shown { display: block; }
    #fleet-filter { height: 1; border: none; padding: 0 1; display: none; }
    #fleet-filter.-shown { display: block; }
    #fleet-table { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="fleet.quit"),
        Binding("slash", "filter", "Filter", id="fleet.filter", key_display="/"),
        Binding("r", "refresh_now", "Refresh", id="fleet.refresh"),
    ]

    def __init__(self, settings: FleetSettings, *, kiosk: bool = False, theme: str | None = None,
                 exit_chord: str | None = None, keymap: Mapping[str, str] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        """Create the app; nothing is asked of Prometheus until it is mounted.

        Args:
            settings: the server, client, site label, job and interval.
            kiosk: no quit key, no command palette (a NOC wall).
            theme: a registered theme name.
            exit_chord: the kiosk's way out (``kiosk_options.exit_chord``).
            keymap: the config's ``keymap:`` (binding id → keys), as in the node's view.
            clock: wall time (tests).

        """
        super().__init__()
        self.settings = settings
        self.kiosk = kiosk
        self.clock = clock
        self._theme_name = theme
        if kiosk:
            setattr(self, "ENABLE_COMMAND_PALETTE", False)  # noqa: B010 - read when the app binds keys
            if exit_chord:
                try:
                    keys = ",".join(chord_keys(exit_chord))
                except ValueError:
                    keys = exit_chord
                self.bind(keys, "kiosk_exit", description="Leave kiosk", show=False)
        self.view: FleetView | None = None  # the last round that answered
        self.last_round: FleetView | None = None  # the last round, answered or not
        self.rounds = 0
        self._memo = NodeMemo()  # the last round's nodes, reused where their rows did not change
        self._painter = RowPainter()
        self.filter_text = ""
        # Between "/" and the filter box taking focus (Textual moves focus on a later turn
        # of the loop), keys typed in the same burst belong to the filter, not to the table.
        self._filter_opening = False
        self._typed_ahead: list[tuple[str, str | None]] = []
        self._busy = False
        self._frozen = False  # see _freeze_the_heap
        self._register_themes()
        if keymap:
            self.set_keymap(canonical_keymap(keymap))

    def _register_themes(self) -> None:
        from textual.theme import Theme

        from edgetop.theming import load_themes

        specs, _problems = load_themes()
        for spec in specs:
            try:
                self.register_theme(Theme(spec.name, dark=spec.dark, variables=spec.variables,
                                          **spec.colors))  # type: ignore[arg-type]
            except Exception:  # a bad user theme: the main app reports it; here it is skipped
                log.warning("theme %s skipped", spec.name)

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this platform; on Linux, one whose input thread sleeps while idle (``quiet_driver``)."""
        return quiet_where_possible(super().get_driver_class())

    def compose(self) -> ComposeResult:
        """Header, banner, filter, table, key bar."""
        yield Static(id="fleet-header")
        yield Static(id="fleet-banner")
        yield Input(placeholder="filter by name or site; enter keeps it, escape clears it", id="fleet-filter")
        table = FleetTable(id="fleet-table")
        for key, label, right in COLUMNS:
            table.add_column(label, key, right=right)
        yield table
        yield KeyBar(id="keybar")

    def get_line_filters(self) -> Sequence[LineFilter]:
        """No control character reaches the terminal; on the console, only glyphs its font has."""
        filters = [*super().get_line_filters(), _DROP_CONTROLS]
        if console_mode():
            if not _CONSOLE_GLYPHS:
                from edgetop.ui.console_font import ConsoleGlyphs

                _CONSOLE_GLYPHS.append(ConsoleGlyphs())
            filters.extend(_CONSOLE_GLYPHS)
        return filters

    @property
    def table(self) -> FastTable:
        """The fleet table (queried on the default screen, whatever is on top)."""
        return self.screen_stack[0].query_one("#fleet-table", FastTable)

    def on_mount(self) -> None:
        """Theme, column widths for this size, the first round now and then every interval."""
        if self._theme_name and self._theme_name in self.available_themes:
            self.theme = self._theme_name
        self.table.set_hidden(hidden_columns(self.size.width))
        self.table.focus()
        self._draw_header()
        self.action_refresh_now()
        self.set_interval(self.settings.interval, self.action_refresh_now)

    def on_resize(self, event: events.Resize) -> None:
        """Fewer columns on a narrow terminal."""
        self.table.set_hidden(hidden_columns(event.size.width))

    # ----------------------------------------------------------------- rounds
    def action_refresh_now(self) -> None:
        """Start a round unless one is still running (a slow Prometheus is not asked twice)."""
        if self._busy:
            return
        self._busy = True
        self.run_worker(self._round, thread=True, group="fleet-round", exit_on_error=False)

    def _round(self) -> None:
        prepared: Prepared = {}
        try:
            view = run_round(self.settings.client, self.settings.job, self.settings.site_label, self.clock,
                             self._memo)
            prepared = self._painter.prepare(view)
        except Exception:  # run_round catches its own; this is the last net for the thread
            log.exception("fleet round")
            view = FleetView((), self.clock(), 0.0, available=False, reason="internal error (see the log)")
        with contextlib.suppress(RuntimeError):  # the app ended while the round ran
            self.call_from_thread(self.apply_view, view, prepared)

    def apply_view(self, view: FleetView, prepared: Prepared | None = None) -> None:
        """Show a round: new rows, or the last ones greyed under the reason.

        A failure here is logged (no traceback on the screen) and the next round still starts.

        Args:
            view: the round.
            prepared: cells made in the round's thread (see :meth:`RowPainter.prepare`).

        """
        try:
            self.rounds += 1
            self.last_round = view
            if view.available:
                self.view = view
            self._draw(prepared or {})
            for screen in self.screen_stack[1:]:
                if isinstance(screen, FleetDetail):
                    screen.redraw()
            if view.available and not self._frozen:
                self._freeze_the_heap()
        except Exception:
            log.exception("fleet round: showing it")
        finally:
            self._busy = False  # else no round would start again: the view would stop refreshing

    def _freeze_the_heap(self) -> None:
        """Leave what exists after the first rows are drawn out of the collector's full passes.

        Each round leaves tens of thousands of new objects (rows, nodes, cells), so the
        collector's oldest generation is due every few rounds, and it walked every object
        of the app (Textual's widgets and styles, 1,000 rows): 50-110 ms with the GIL held,
        a key unanswered meanwhile. Frozen (gc.freeze), those are not walked again; what
        later rounds leave still is. Thawed on exit (gc.unfreeze), so a process that runs
        the view among other things (the tests) gets its heap back as it was.
        """
        gc.collect()
        gc.freeze()
        self._frozen = True

    def on_unmount(self) -> None:
        """Thaw what the first round froze (see :meth:`_freeze_the_heap`)."""
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    @property
    def stale(self) -> bool:
        """True when the last round did not answer (the rows shown are older)."""
        return self.last_round is not None and not self.last_round.available

    def visible_nodes(self) -> list[Any]:
        """The nodes the filter lets through, worst first."""
        if self.view is None:
            return []
        return [n for n in self.view.nodes if matches(n, self.filter_text)]

    def _draw(self, prepared: Prepared | None = None) -> None:
        """Bring the table to the last answered round (see :mod:`edgetop.ui.fleet_paint`), then filter it."""
        with self.table.bulk():
            self._painter.paint(self.table, self.view.nodes if self.view is not None else (), self.clock(),
                                self.stale, prepared or {})
            self._show_filtered()

    def _show_filtered(self) -> None:
        """Show the rows the filter lets through, worst first (the others stay in the table, hidden)."""
        self.table.show([n.name for n in self.visible_nodes()])
        self._draw_header()

    def _draw_header(self) -> None:
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append(" edgetop fleet ", style="bold reverse")
        header.append(" ")
        header.append_text(literal(self.settings.url, cap=40))
        if self.kiosk:
            header.append("  KIOSK", style="bold")
        view = self.view
        if view is not None:
            counts = {s: sum(1 for n in view.nodes if n.state is s) for s in NodeState}
            header.append(f"  {len(view.nodes)} nodes: ")
            for state in NodeState:
                header.append(f"{counts[state]} {STATE_WORD[state].lower()} ",
                              style=STATE_STYLE[state] if counts[state] and state is not NodeState.OK else "")
            header.append(f" round {view.round_seconds * 1000:.0f} ms")
        if self.filter_text:
            header.append("  filter: ", style="bold")
            header.append_text(literal(self.filter_text, cap=20))
        self.screen_stack[0].query_one("#fleet-header", Static).update(header)
        banner = self.screen_stack[0].query_one("#fleet-banner", Static)
        last = self.last_round
        if last is not None and not last.available:
            text = Text(f"unavailable: {clip(last.reason or 'no answer', 100)}", style=UNAVAILABLE_STYLE)
            if view is not None:
                text.append(f"  (showing the answer of {age(view.at_unix, self.clock())} ago)", style="dim")
            banner.update(text)
            banner.add_class("-shown")
        elif last is not None and last.failed_queries:
            names = ", ".join(sorted(last.failed_queries))
            banner.update(Text(f"partial: {clip(names, 60)} failed: "
                               f"{clip(next(iter(last.failed_queries.values())), 60)}", style="yellow"))
            banner.add_class("-shown")
        else:
            banner.remove_class("-shown")

    # ----------------------------------------------------------------- keys
    def action_filter(self) -> None:
        """Show the filter line and type into it."""
        box = self.screen_stack[0].query_one("#fleet-filter", Input)
        box.add_class("-shown")
        self._filter_opening = True
        box.focus()

    async def on_event(self, event: events.Event) -> None:
        """Keys typed before the filter box had focus are held, then given to the box.

        Textual moves focus on a later turn of the loop, so in a burst such as "/router⏎"
        (typed fast or pasted) "r" would refresh, "q" quit and enter open a node. Taken here,
        before bindings and before the focused widget.
        """
        if isinstance(event, events.Key) and self._filter_opening and self.screen is self.screen_stack[0]:
            self._typed_ahead.append((event.key, event.character))
            return
        await super().on_event(event)

    async def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The filter box has focus: the keys typed meanwhile go on, in order, as if typed now."""
        box = self.screen_stack[0].query_one("#fleet-filter", Input)
        if self._filter_opening and event.widget is box:
            self._filter_opening = False
            held, self._typed_ahead = self._typed_ahead, []
            for key, character in held:  # bindings included: enter submits the filter
                await super().on_event(events.Key(key, character))

    @on(Input.Changed, "#fleet-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value[:100]
        self._show_filtered()

    @on(Input.Submitted, "#fleet-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        box = event.input
        if not box.value:
            box.remove_class("-shown")
        self.table.focus()

    def on_key(self, event: events.Key) -> None:
        """Escape in the filter clears it."""
        box = self.screen_stack[0].query_one("#fleet-filter", Input)
        if event.key == "escape" and self.screen is self.screen_stack[0] and box.has_focus:
            box.value = ""
            box.remove_class("-shown")
            self.table.focus()
            event.stop()

    @on(FastTable.RowSelected, "#fleet-table")
    def _row_selected(self, event: FastTable.RowSelected) -> None:
        self.push_screen(FleetDetail(event.row_key))

    def action_kiosk_exit(self) -> None:
        """Leave the kiosk (bound only to the configured exit chord)."""
        self.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A kiosk has no quit key and no palette."""
        if self.kiosk and action in ("quit", "command_palette"):
            return False
        return super().check_action(action, parameters)
