"""One SNMP target in full: agent identity, status and error, latency sparkline, every value.

Refreshed every second from the store (the pane behind it is hidden and does not render).
``escape`` goes back. Strings from the agent (sysDescr, port and sensor names) are literal.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from edgetop.collectors.snmp import SnmpReading
from edgetop.engine.store import Store
from edgetop.ui.fmt import NA, age, duration, literal
from edgetop.ui.render.snmp import VALUE_COLUMNS, latency_cell, target_view, value_rows
from edgetop.ui.styles import SNMP_STATUS_STYLE
from edgetop.ui.widgets.glyphs import spark_top, sparkline
from edgetop.ui.widgets.keybar import KeyBar
from edgetop.ui.widgets.synced_table import SyncedTable

SPARK_WIDTH = 30


def detail_text(view: SnmpReading, store: Store, collector: str, greyed: bool) -> Text:
    """Render the target's identity, status and latency history as literal text."""
    out = Text()
    out.append(literal(view.name, "bold"))
    out.append(f"  {view.host}:{view.port}  profiles {', '.join(view.profiles) or NA}\n", style="dim")
    out.append("status ")
    # A down status is current even when the values below are the last answer's.
    out.append(view.status, style="dim" if greyed and view.status == "up" else SNMP_STATUS_STYLE.get(view.status, ""))
    out.append("   latency ")
    out.append(latency_cell(view, store.config))
    out.append(f"   last answer {age(view.last_up_timestamp)} ago\n")
    if view.error:
        out.append("error ")
        out.append(literal(view.error, "bold red"))
        out.append(f"  ({view.error_kind})\n", style="dim")
    if view.system is not None:
        out.append("agent ")
        out.append(literal(view.system.name or NA, "bold"))
        out.append(f"  up {duration(view.system.uptime_seconds)}\n")
        out.append(literal(view.system.descr or "", "dim"))
        out.append("\n")
    history = [None if v is None else v * 1000 for v in store.history(f"{collector}.latency_seconds")]
    known = [v for v in history if v is not None]
    # Scaled to the latency warning level: a steady 12 ms must not draw a full bar (issue 14).
    warn = store.config.thresholds.snmp_latency_seconds.warn
    top = spark_top(known, None if warn is None else warn * 1000)
    out.append("latency ms " + (f"0-{top:.0f} " if top else ""))
    out.append(sparkline(history, SPARK_WIDTH, top=top))
    if known:
        out.append(f"  min {min(known):.0f} max {max(known):.0f}")
    return out


class SnmpDetailScreen(Screen[None]):
    """The detail view of one SNMP target."""

    HELP_PLACE = "snmp_detail"  # which glossary entries ? shows first

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="snmp_detail.close"),
    ]
    DEFAULT_CSS = """
    SnmpDetailScreen #snmp-detail-text { height: auto; padding: 0 1; }
    SnmpDetailScreen #snmp-detail-values { height: 1fr; }
    """

    def __init__(self, store: Store, collector: str) -> None:
        """Show target ``collector`` (``snmp:<name>``) from ``store``."""
        super().__init__()
        self.store = store
        self.collector = collector

    def compose(self) -> ComposeResult:
        """Text block over the values table."""
        yield Static(id="snmp-detail-text")
        yield SyncedTable(VALUE_COLUMNS, id="snmp-detail-values", zebra_stripes=True)
        yield KeyBar()  # key hints: a detail screen has keys of its own (issue 14)

    def on_mount(self) -> None:
        """Render now and every second."""
        self.refresh_view()
        self.set_interval(1.0, self.refresh_view)

    def refresh_view(self) -> None:
        """Re-render from the latest sample of the target."""
        sample = self.store.get(self.collector)
        text = self.query_one("#snmp-detail-text", Static)
        table = self.query_one("#snmp-detail-values", SyncedTable)
        view, greyed = target_view(sample) if sample is not None else (None, False)
        rows: dict[str, Any] = {}
        if view is None:
            reason = sample.reading.reason if sample is not None else "waiting for the first poll"
            text.update(literal(f"{self.collector}: {reason}", "bold red"))
        else:
            text.update(detail_text(view, self.store, self.collector, greyed))
            rows = value_rows(view, self.store.config, greyed)
        with self.app.batch_update():
            rank = {key: n for n, key in enumerate(rows)}  # the down reason and the values' age first
            table.sync(rows, sort_key=rank.__getitem__)

    def action_close(self) -> None:
        """Go back to the pane."""
        self.app.pop_screen()
