"""Events pane: the last hour of what changed, newest first, filtered by kind with ``k``.

Three sources, merged: kernel records (``events:kernel``, from ``/dev/kmsg``), libvirtd's
log errors (``events:libvirtd``) and the engine's timeline (domain lifecycle, service
states, clock steps, alerts raised and cleared: ``Store.timeline``). A source that cannot
be read says so on the status line (``events:kernel unavailable: … dmesg_restrict …``)
while the others keep showing. Times are the node's local time (the terminal runs on the
node); the highlighted event's whole line is shown below the table.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from edgetop.engine.store import Sample, Store
from edgetop.model.events import KINDS, WINDOW_SECONDS, Event
from edgetop.ui.fmt import TEXT_CAP, literal
from edgetop.ui.panes.base import status_text
from edgetop.ui.panes.table import TablePane
from edgetop.ui.widgets.synced_table import SyncedTable

SOURCES = ("events:kernel", "events:libvirtd")  # the collectors whose views hold events
MAX_ROWS = 200  # the newest shown (k reaches older ones of a kind); the status line says how many there are
SUBJECT_CAP = 20  # a device, a function name: the message needs the room at 80 columns
_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": ""}


class EventsPane(TablePane):
    """The merged timeline of the last hour, newest first."""

    PANE_ID = "events"
    TITLE = "Events"
    COLUMNS = (("time", "TIME"), ("kind", "KIND"), ("subject", "SUBJECT"), ("message", "MESSAGE"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "next_kind", "Kind", id="events.next_kind"),
        Binding("K", "previous_kind", "Kind<", id="events.previous_kind", show=False),
        Binding("escape", "all_kinds", "All kinds", id="events.all_kinds", show=False),
    ]

    def __init__(self, store: Store) -> None:
        """Create the pane; every kind is shown until ``k`` picks one."""
        super().__init__(store)
        self.kind: str | None = None
        self._timeline_version = -1
        self.now = time.time  # the clock "the last hour" is counted back from (tests set it)
        self._cells: dict[str, tuple[Any, ...]] = {}  # row key → cells: an event never changes
        self._signature: tuple[Any, ...] | None = None

    def compose(self) -> ComposeResult:
        """The status line, the table and the highlighted event's whole line."""
        yield from super().compose()
        yield Static(id="events-detail", classes="detail")

    def wants(self, sample: Sample) -> bool:
        """Event collectors' samples, and any sample after which the timeline has something new."""
        return super().wants(sample) or self.store.timeline.version != self._timeline_version

    # ------------------------------------------------------------ rows
    def events(self) -> list[Event]:
        """Every event of the last hour from every source, newest first (all kinds)."""
        now = self.now()
        horizon = now - WINDOW_SECONDS
        merged: list[Event] = []
        for name in SOURCES:
            sample = self.store.get(name)
            view = sample.last_view if sample is not None else None
            if view is not None:
                merged.extend(e for e in view.events if e.time >= horizon)
        self._timeline_version = self.store.timeline.version
        merged.extend(self.store.timeline.events(now))
        merged.sort(key=lambda e: e.time, reverse=True)
        return merged

    def items(self, view: Any) -> Mapping[str, Event]:
        """The newest :data:`MAX_ROWS` events of the chosen kind, by a key stable across repaints."""
        out: dict[str, Event] = {}
        for event in view:
            if self.kind is not None and event.kind != self.kind:
                continue
            key = f"{event.source}|{event.time:.6f}|{event.kind}|{event.subject}|{hash(event.message)}"
            n = 1
            while key in out:  # two identical lines in the same microsecond: both shown
                key, n = f"{key}#{n}", n + 1
            out[key] = event
            if len(out) >= MAX_ROWS:
                break
        return out

    def cells(self, item: Event, stale: bool) -> tuple[Any, ...]:
        """Local time, kind (coloured by severity), subject and message, as literal text."""
        style = "dim" if stale else _SEVERITY_STYLE.get(item.severity, "")
        return (time.strftime("%H:%M:%S", time.localtime(item.time)), Text(item.kind, style=style),
                literal(item.subject, cap=SUBJECT_CAP), literal(item.message, cap=TEXT_CAP))

    def _state(self) -> tuple[Any, ...]:
        """What the screen depends on: each source's status and newest event, the timeline, the filter.

        A collector's view is a new tuple every tick even when nothing was logged; comparing
        this instead saves rebuilding 200 rows every 2 s (about 30 ms on the UI loop). The
        half-minute term lets events age out of the hour even on a quiet node.
        """
        parts: list[Any] = [self.store.timeline.version, self.kind, int(self.now() // 30)]
        for name in SOURCES:
            sample = self.store.get(name)
            view = sample.last_view if sample is not None else None
            events = view.events if view is not None else ()
            parts.append((sample.reading.status, sample.reading.reason, sample.view is None) if sample else None)
            parts.append((len(events), id(events[-1]) if events else None))
        return tuple(parts)

    def refresh_view(self) -> None:
        """Merge the sources, then show the rows newest first and the banners of sources that are down."""
        state = self._state()
        if state == self._signature:
            return
        self._signature = state
        events = self.events()
        items = self.items(events)
        self.shown = dict(items)
        # The summary first: a long reason (a path, a hint) is cut at the edge, whole under `s`.
        line = self.summary(events, items)
        line.no_wrap = True
        for name in SOURCES:
            banner = status_text(self.store.get(name), name)
            if banner is not None:
                line.append("  ")
                line.append_text(banner)
        self.status.update(line)
        order = {key: n for n, key in enumerate(items)}
        with self.app.batch_update():
            cells = {key: self._cells.get(key) or self.cells(e, False) for key, e in items.items()}
            self._cells = cells  # only the rows shown are kept
            self.table.sync(cells, sort_key=order.__getitem__)
        self._show_detail(self.table.cursor_key)

    def summary(self, view: Any, items: Mapping[str, Any]) -> Text:
        """How many events in the last hour, of which kind, and the filter."""
        total = len(view)
        shown = sum(1 for e in view if self.kind is None or e.kind == self.kind)
        out = Text(f"{total} event{'s' if total != 1 else ''} in the last hour")
        if self.kind is not None:
            out.append(f", {shown} {self.kind}", style="bold")
        if len(items) < shown:
            out.append(f", newest {len(items)} shown", style="dim")
        out.append(f"  (k: kind, now {self.kind or 'all'})", style="dim")
        return out

    # ------------------------------------------------------------ the filter
    def action_next_kind(self) -> None:
        """Show only the next kind (all → hardware → … → alert → all)."""
        self._step_kind(1)

    def action_previous_kind(self) -> None:
        """Show only the previous kind."""
        self._step_kind(-1)

    def action_all_kinds(self) -> None:
        """Show every kind again."""
        self.kind = None
        self.refresh_view()

    def _step_kind(self, step: int) -> None:
        cycle: list[str | None] = [None, *KINDS]
        self.kind = cycle[(cycle.index(self.kind) + step) % len(cycle)]
        self.refresh_view()

    # ------------------------------------------------------------ the detail line
    @on(SyncedTable.RowHighlighted, "#events-table")
    def _highlighted(self, event: SyncedTable.RowHighlighted) -> None:
        self._show_detail(event.row_key)

    def _show_detail(self, key: str | None) -> None:
        item = self.shown.get(key) if key is not None else None
        detail = self.query_one("#events-detail", Static)
        if item is None:
            detail.update("")
            return
        stamp = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(item.time))
        out = Text.assemble((stamp, "bold"), "  ", (item.kind, _SEVERITY_STYLE.get(item.severity, "")),
                            f" ({item.severity}) from ", item.source, ": ")
        out.append_text(literal(item.subject))
        out.append("\n")
        out.append_text(literal(item.message))
        detail.update(out)
