"""Alerts pane: every standing alert, worst first, since when and for how long; the hour's history.

The overview shows as many alerts as fit; this pane shows them all in a table that scrolls,
so every alert is reachable on an 80x25 console. Order (``engine.alert_state.sort_key``):
acknowledged last, critical first, then by impact (hardware, links, storage, guests, services,
time, pressure: ``model.alerts.Impact``), oldest first. ``a`` acknowledges the highlighted
alert for this session (it stays listed, marked ``ack``; worse news clears the mark); ``h``
switches to the last hour's raised/escalated/eased/cleared alerts, newest first.
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

from edgetop.engine.alert_state import AlertEvent, TrackedAlert
from edgetop.engine.store import Sample
from edgetop.model.alerts import Alert, Severity
from edgetop.ui.fmt import NAME_CAP, TEXT_CAP, coarse_duration, duration, literal
from edgetop.ui.panes.table import TablePane
from edgetop.ui.styles import ALERT_STYLE
from edgetop.ui.widgets.synced_table import SyncedTable

# How each history event reads, and its colour.
_EVENT_STYLE = {"raised": "bold red", "escalated": "bold red", "eased": "yellow", "cleared": "green"}


def row_key(key: tuple[str, str, str]) -> str:
    """A table row key for an alert's identity (``Alert.key``)."""
    return "\x1f".join(key)


def clock_time(wall: float) -> str:
    """``HH:MM:SS`` local time (an alert of the last hours; the detail line has the date)."""
    return time.strftime("%H:%M:%S", time.localtime(wall))


def what(alert: Alert, style: str = "") -> Text:
    """``source/subject: message``, literal (subjects are names from outside), capped for the table."""
    out = literal(f"{alert.source}/{alert.subject}", style or "bold", cap=NAME_CAP)
    out.append(": ")
    out.append_text(literal(alert.message, style, cap=TEXT_CAP))
    return out


def sev(alert: Alert, style: str = "") -> Text:
    """``CRIT`` or ``WARN`` in its colour (``style`` overrides: dim when acknowledged or stale)."""
    word = "CRIT" if alert.severity is Severity.CRITICAL else "WARN"
    return Text(word, style=style or ALERT_STYLE[alert.severity])


def state_words(t: TrackedAlert) -> str:
    """What else is true of a standing alert: acknowledged, held after its value came back, stale."""
    words = []
    if t.acked:
        words.append("ack")
    if t.holding:
        words.append("held")
    if t.stale:
        words.append("stale")
    return ",".join(words)


class AlertsPane(TablePane):
    """Standing alerts (or the last hour's changes), one per row; the highlighted one whole below."""

    PANE_ID = "alerts"
    TITLE = "Alerts"
    # The alert itself is the last column, cut at the right edge (the detail line has it whole):
    # at 80 columns it keeps ~40 cells after severity, impact, since-when, duration and state.
    COLUMNS = (("severity", "SEV"), ("impact", "IMPACT"), ("since", "SINCE"), ("for", "FOR"),
               ("state", "STATE"), ("alert", "ALERT"))
    HISTORY_COLUMNS = (("at", "TIME"), ("event", "EVENT"), ("severity", "SEV"), ("impact", "IMPACT"),
                       ("lasted", "LASTED"), ("alert", "ALERT"))
    RIGHT = frozenset({"for", "lasted"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "acknowledge", "Ack", id="alerts.acknowledge"),
        Binding("h", "history", "History", id="alerts.history"),
    ]

    def __init__(self, store: Any) -> None:
        """Create the pane over ``store``, showing the standing alerts."""
        super().__init__(store)
        self.history = False

    def compose(self) -> ComposeResult:
        """The status line, the table, the highlighted alert in full."""
        yield Static(id="alerts-status", classes="banner")
        yield SyncedTable(self.COLUMNS, right=self.RIGHT, id="alerts-table")
        yield SyncedTable(self.HISTORY_COLUMNS, right=self.RIGHT, id="alerts-history")
        yield Static(id="alerts-detail", classes="detail")

    def on_mount(self) -> None:
        """The history table is hidden until ``h``."""
        self.query_one("#alerts-history", SyncedTable).display = False

    @property
    def table(self) -> SyncedTable:
        """The table on screen: standing alerts, or the history."""
        return self.query_one("#alerts-history" if self.history else "#alerts-table", SyncedTable)

    def wants(self, sample: Sample) -> bool:
        """Every sample: any collector may raise or clear an alert."""
        return True

    def refresh_view(self) -> None:
        """Render the standing alerts (or the history), then the highlighted one in full."""
        now = self.store.alert_state.now
        if self.history:
            events = list(reversed(self.store.alert_events()))
            self.shown = {str(n): e for n, e in enumerate(events)}
            rows = {key: self._event_cells(e) for key, e in self.shown.items()}
            order = {key: n for n, key in enumerate(self.shown)}
            line = Text(f"History: {len(events)} changes in the last hour, newest first", style="bold")
            line.append("  (h: standing alerts)", style="dim")
        else:
            tracked = self.store.tracked_alerts()
            self.shown = {row_key(t.key): t for t in tracked}
            rows = {key: self._cells(t, now) for key, t in self.shown.items()}
            order = {key: n for n, key in enumerate(self.shown)}
            line = self._summary(tracked)
        self.status.update(line)
        with self.app.batch_update():
            # The store's order every tick (a row raised later, or just acknowledged, moves).
            self.table.sync(rows, sort_key=order.__getitem__)
        self._show_detail(self.table.cursor_key)

    def _summary(self, tracked: list[TrackedAlert]) -> Text:
        crit = sum(1 for t in tracked if t.alert.severity is Severity.CRITICAL)
        acked = sum(1 for t in tracked if t.acked)
        if not tracked:
            return Text("No standing alert: every threshold is met  (h: the last hour)", style="green")
        out = Text()
        out.append(f"{crit} critical", style="bold red" if crit else "")
        out.append(f", {len(tracked) - crit} warning")
        if acked:
            out.append(f", {acked} acknowledged")
        # The kiosk refuses acknowledgement (a passer-by's key must not mark alerts seen).
        keys = "h: the last hour" if getattr(self.app, "kiosk", False) else "a: acknowledge, h: the last hour"
        out.append(f"  ({keys})", style="dim")
        return out

    def _cells(self, t: TrackedAlert, now: float) -> tuple[Any, ...]:
        a = t.alert
        dim = "dim" if t.acked or t.stale else ""
        return (sev(a, dim), Text(a.category.label, style=dim), Text(clock_time(t.since), style=dim),
                Text(coarse_duration(t.duration(now)), style=dim), Text(state_words(t), style="dim"), what(a, dim))

    def _event_cells(self, e: AlertEvent) -> tuple[Any, ...]:
        a = e.alert
        lasted = duration(e.at - e.since) if e.what == "cleared" else ""
        return (Text(clock_time(e.at)), Text(e.what, style=_EVENT_STYLE.get(e.what, "")), sev(a),
                Text(a.category.label), Text(lasted), what(a))

    def items(self, view: Any) -> Mapping[str, Any]:
        """Unused: this pane reads the store's alerts, not one collector's view."""
        return {}

    def cells(self, item: Any, stale: bool) -> tuple[Any, ...]:
        """Unused (see :meth:`items`)."""
        return ()

    @on(SyncedTable.RowHighlighted)
    def _highlighted(self, event: SyncedTable.RowHighlighted) -> None:
        self._show_detail(event.row_key)

    def _show_detail(self, key: str | None) -> None:
        item = self.shown.get(key) if key is not None else None
        detail = self.query_one("#alerts-detail", Static)
        if item is None:
            detail.update("")
            return
        a: Alert = item.alert
        out = Text()
        out.append(f"{a.severity.upper()} ", style=ALERT_STYLE[a.severity])
        out.append_text(literal(f"{a.source}/{a.subject}: "))
        out.append_text(literal(a.message))
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(item.since))
        out.append(f"\n{a.category.label}; raised {since}", style="dim")
        if isinstance(item, TrackedAlert):
            out.append(f", standing {duration(item.duration(self.store.alert_state.now))}", style="dim")
            if item.acked:
                out.append("; acknowledged in this session", style="dim")
            if item.holding:
                out.append("; its value is back, held until the hold ends (no flapping)", style="dim")
            if item.stale:
                out.append("; its source is down: the last known state", style="dim")
        else:
            out.append(f"; {item.what} {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(item.at))}", style="dim")
        detail.update(out)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No acknowledging in the kiosk (Textual asks the binding's owner, this pane, not the app)."""
        return not (action == "acknowledge" and getattr(self.app, "kiosk", False))

    def action_acknowledge(self) -> None:
        """Acknowledge the highlighted alert for this session, or take the acknowledgement back."""
        if getattr(self.app, "kiosk", False):  # a passer-by's key must not mark alerts seen
            self.app.notify("The kiosk does not acknowledge alerts", severity="warning", timeout=4)
            return
        item = self.shown.get(self.table.cursor_key or "")
        if self.history or not isinstance(item, TrackedAlert):
            self.app.notify("Nothing to acknowledge here: highlight a standing alert", severity="warning", timeout=4)
            return
        if self.store.alert_state.acknowledge(item.key, not item.acked):
            self.app.notify(f"{'Acknowledged' if not item.acked else 'No longer acknowledged'} "
                            f"for this session: {item.alert.source}/{item.alert.subject}", markup=False, timeout=4)
        else:
            self.app.notify("That alert has cleared meanwhile", severity="warning", timeout=4)
        self.refresh_view()

    def action_history(self) -> None:
        """Switch between the standing alerts and the last hour's changes."""
        self.history = not self.history
        self.query_one("#alerts-table", SyncedTable).display = not self.history
        self.query_one("#alerts-history", SyncedTable).display = self.history
        self.refresh_view()
        self.table.focus()
