"""The SNMP pane: one row per target, and the values of the highlighted target below.

Targets: status, latency (coloured against ``thresholds.snmp_latency_seconds``), the
agent's uptime, age of the last good poll, a one-line summary of its profiles, and the
error in words. Below, the highlighted target's ports (oper/admin status, MTU, rates),
UPS battery and output, sensors and configured OIDs, coloured by warn/crit. ``enter``
opens the target in detail. Every string from an agent is literal text, never markup.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from edgetop.config_schema import Config
from edgetop.engine.store import Sample
from edgetop.ui.panes.base import Pane
from edgetop.ui.render.snmp import VALUE_COLUMNS, target_cells, target_view, value_rows, waiting_cells
from edgetop.ui.widgets.fast_table import FastTable
from edgetop.ui.widgets.static_text import set_text
from edgetop.ui.widgets.synced_table import SyncedTable

# "Info" is the profiles' summary when a target answers and the error when it does not, so
# that at 80 columns the reason for a down target is on screen.
TARGET_COLUMNS = (("target", "Target"), ("host", "Host"), ("status", "Status"), ("latency", "Latency"),
                  ("uptime", "Uptime"), ("last_ok", "Last OK"), ("info", "Info"))
TARGET_RIGHT = frozenset({"latency", "uptime", "last_ok"})  # numbers and durations line up on the right

NO_TARGETS_HELP = """No SNMP targets are configured. Add one to the config file, e.g.:

snmp:
  targets:
    - name: tor-switch
      host: 192.0.2.10
      user: monitor
      auth_protocol: SHA-256
      auth_key_file: /etc/edgetop/snmp-auth.key
      priv_protocol: AES-128
      priv_key_file: /etc/edgetop/snmp-priv.key
      profiles: [system, if-mib]

then check it with `edgetop check-config` (keys are shown redacted).
"""


class SnmpPane(Pane):
    """SNMP targets (switch, UPS, PDU) and their values."""

    PANE_ID: ClassVar[str] = "snmp"
    TITLE: ClassVar[str] = "SNMP"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_target", "Detail", id="snmp.open"),
    ]
    DEFAULT_CSS = """
    SnmpPane #snmp-banner { height: auto; }
    SnmpPane #snmp-targets { height: auto; max-height: 45%; }
    SnmpPane #snmp-values { height: 1fr; }
    """

    # Targets report one by one at their own times; re-rendering the tables for each of
    # 20 targets a second cost as much CPU as polling them, and key presses waited behind it.
    MIN_RENDER_SECONDS: ClassVar[float] = 0.25

    def __init__(self, store: Any) -> None:
        """Create the pane over ``store``."""
        super().__init__(store)
        self.selected: str | None = None
        self._rendered_at = 0.0
        self._render_due = False

    def compose(self) -> ComposeResult:
        """Banner, targets table, values of the highlighted target."""
        yield Static(id="snmp-banner")
        yield SyncedTable(TARGET_COLUMNS, right=TARGET_RIGHT, id="snmp-targets", zebra_stripes=False)
        yield SyncedTable(VALUE_COLUMNS, id="snmp-values", zebra_stripes=True)

    def on_mount(self) -> None:
        """Render whatever the store already holds, once mounted (is_mounted is not yet True here)."""
        self.call_after_refresh(self.refresh_view)

    @property
    def targets(self) -> SyncedTable:
        """The targets table (row key: collector name)."""
        return self.query_one("#snmp-targets", SyncedTable)

    @property
    def values(self) -> SyncedTable:
        """The values table of the highlighted target."""
        return self.query_one("#snmp-values", SyncedTable)

    def banner(self, samples: list[Sample]) -> Text:
        """Return the one-line summary, or how to add a target when there is none."""
        if not samples:
            if not self.store.config.snmp.targets:
                return Text(NO_TARGETS_HELP)
            return Text("SNMP: waiting for the first poll", style="dim")
        views = [target_view(s)[0] for s in samples]
        up = sum(1 for v in views if v is not None and v.status == "up")
        style = "" if up == len(samples) else "bold yellow"
        return Text(f"{len(samples)} SNMP targets, {up} answering", style=style, no_wrap=True)

    def refresh_view(self) -> None:
        """Update both tables by row key, in one batch, at most every MIN_RENDER_SECONDS."""
        if not self.is_mounted:
            return
        wait = self._rendered_at + self.MIN_RENDER_SECONDS - time.monotonic()
        if wait > 0:
            if not self._render_due:
                self._render_due = True
                self.set_timer(wait, self._render_later)
            return
        self._render_tables()

    def _render_later(self) -> None:
        self._render_due = False
        if self.is_mounted:
            self._render_tables()

    def _render_tables(self) -> None:
        self._rendered_at = time.monotonic()
        samples = self.samples()
        config = self.store.config
        set_text(self.query_one("#snmp-banner", Static), self.banner(samples))
        # Targets stay in the order of the config file, whatever order their first polls finish
        # in, and every configured one has its row from the start ("waiting" until it is first
        # polled): the list does not reshuffle under the technician as polls come in. (Rows
        # landing above an untouched cursor no longer move it, in any table: KeyedRows.)
        order = {f"snmp:{t.name}": i for i, t in enumerate(config.snmp.targets)}
        rows = {f"snmp:{t.name}": waiting_cells(t) for t in config.snmp.targets}
        rows.update((s.spec.name, target_cells(s, config)) for s in samples)
        names = sorted(rows, key=lambda name: (order.get(name, len(order)), name))
        rank = {name: i for i, name in enumerate(names)}
        with self.app.batch_update():
            self.targets.display = self.values.display = bool(rows)
            self.targets.sync(rows, sort_key=rank.__getitem__)
            if self.selected not in names:
                self.selected = names[0] if names else None
            self._sync_values(config)

    def _sync_values(self, config: Config) -> None:
        sample = self.store.get(self.selected) if self.selected else None
        view, greyed = target_view(sample) if sample is not None else (None, False)
        rows = value_rows(view, config, greyed) if view is not None else {}
        # In value_rows' order: the down reason and the age of the kept values come first.
        rank = {key: n for n, key in enumerate(rows)}
        self.values.sync(rows, sort_key=rank.__getitem__)

    @on(SyncedTable.RowHighlighted, "#snmp-targets")
    def _highlighted(self, event: SyncedTable.RowHighlighted) -> None:
        if event.row_key != self.selected:
            self.selected = event.row_key
            with self.app.batch_update():
                self._sync_values(self.store.config)

    @on(FastTable.RowSelected, "#snmp-targets")
    def _selected(self, event: FastTable.RowSelected) -> None:
        self.selected = event.row_key
        self.action_open_target()

    def action_open_target(self) -> None:
        """Open the highlighted target in the detail screen."""
        from edgetop.ui.screens.snmp_detail import SnmpDetailScreen

        if self.selected is not None:
            self.app.push_screen(SnmpDetailScreen(self.store, self.selected))
