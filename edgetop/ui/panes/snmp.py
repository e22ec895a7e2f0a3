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

from edgetop.collectors.snmp import SnmpReading
from edgetop.collectors.snmp_profiles import Interface
from edgetop.config_schema import Config
from edgetop.engine.store import Sample
from edgetop.model.alerts import level_above
from edgetop.ui.fmt import NA, SEVERITY_STYLE, age, duration, literal, num, pct, rate_bytes
from edgetop.ui.panes.base import Pane
from edgetop.ui.widgets.fast_table import FastTable
from edgetop.ui.widgets.synced_table import SyncedTable

STATUS_STYLE = {"up": "green", "down": "bold red", "error": "bold yellow"}
# "Info" is the profiles' summary when a target answers and the error when it does not, so
# that at 80 columns the reason for a down target is on screen.
TARGET_COLUMNS = (("target", "Target"), ("host", "Host"), ("status", "Status"), ("latency", "Latency"),
                  ("uptime", "Uptime"), ("last_ok", "Last OK"), ("info", "Info"))
TARGET_RIGHT = frozenset({"latency", "uptime", "last_ok"})  # numbers and durations line up on the right
VALUE_COLUMNS = (("kind", "Kind"), ("name", "Name"), ("value", "Value"), ("state", "State"))

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


def target_view(sample: Sample) -> tuple[SnmpReading | None, bool]:
    """Return the sample's reading, or the last good one greyed when the collection failed."""
    if sample.view is not None:
        return sample.view, False
    return sample.last_view, sample.last_view is not None


def summary(view: SnmpReading) -> str:
    """Say in a few words what a target's profiles found."""
    parts = []
    if view.interfaces:
        up = sum(1 for i in view.interfaces if i.oper_status == "up")
        parts.append(f"ports {up}/{len(view.interfaces)} up")
    if view.ups is not None:
        parts.append(f"UPS {pct(view.ups.charge_ratio, 0)} {view.ups.battery_status or NA}")
        if view.ups.output_source == "battery":
            parts.append("ON BATTERY")
    if view.sensors:
        parts.append(f"{len(view.sensors)} sensors")
    if view.values:
        parts.append(f"{len(view.values)} OIDs")
    return ", ".join(parts)


def latency_cell(view: SnmpReading, config: Config) -> Text:
    """Return the latency, coloured against the configured thresholds."""
    sev = level_above(view.latency_seconds, config.thresholds.snmp_latency_seconds)
    shown = NA if view.latency_seconds is None else f"{view.latency_seconds * 1000:.0f} ms"
    return Text(shown, style=SEVERITY_STYLE.get(sev, "") if sev else "", no_wrap=True)


def target_cells(sample: Sample, config: Config) -> tuple[Text, ...]:
    """Return the cells of one target row."""
    view, greyed = target_view(sample)
    name = sample.spec.name.removeprefix("snmp:")
    if view is None:
        reason = sample.reading.reason or "waiting for the first poll"
        return (literal(name), Text(NA), Text(str(sample.reading.status), style="bold red"), Text(NA),
                Text(NA), Text(NA), literal(reason, "bold red"))
    dim = "dim" if greyed else ""
    uptime = view.system.uptime_seconds if view.system is not None else None
    last_ok = view.last_up_timestamp
    host = view.host if view.port == 161 else f"{view.host}:{view.port}"
    info = literal(summary(view), dim) if view.status == "up" else literal(view.error or "", dim or "bold red")
    return (
        literal(name, dim or "bold"), literal(host, dim),
        Text(view.status, style=dim or STATUS_STYLE.get(view.status, "")),
        latency_cell(view, config) if not greyed else Text(NA, style="dim"),
        Text(duration(uptime), style=dim), Text(age(last_ok), style=dim), info,
    )


def value_rows(view: SnmpReading, config: Config) -> dict[str, tuple[Text, ...]]:
    """Return the rows of the values table for one target, keyed ``kind:name``."""
    rows: dict[str, tuple[Text, ...]] = {}
    if view.status != "up":  # the whole reason, which the targets table may have to cut short
        rows["status:error"] = (Text("error"), Text(view.error_kind or ""), literal(view.error or "", "bold red"),
                                Text(view.status, style=STATUS_STYLE.get(view.status, "")))
    for n, note in enumerate(view.notes):
        rows[f"note:{n}"] = (Text("note"), Text(""), literal(note, "yellow"), Text(""))
    for v in view.values:
        sev = v.severity()
        style = SEVERITY_STYLE.get(sev, "") if sev else ""
        shown = NA if v.value is None else (f"{v.value:g}" if isinstance(v.value, float) else v.value)
        unit = f" {v.unit}" if v.unit and v.value is not None else ""
        rows[f"oid:{v.name}"] = (Text("OID"), literal(v.name), literal(f"{shown}{unit}", style),
                                 literal(v.oid, "dim"))
    if view.ups is not None:
        u = view.ups
        bat_style = {"low": "bold yellow", "depleted": "bold red"}.get(u.battery_status or "", "")
        rows["ups:battery"] = (Text("UPS"), Text("battery"), Text(f"{pct(u.charge_ratio, 0)}  {num(u.battery_volts)} V"
                               f"  {duration(u.runtime_remaining_seconds)} left"),
                               Text(u.battery_status or NA, style=bat_style))
        out_style = "bold yellow" if u.output_source == "battery" else ""
        loads = " ".join(pct(r, 0) for r in u.output_load_ratios) or NA
        volts = " ".join(num(v, 0) for v in u.output_volts) or NA
        rows["ups:output"] = (Text("UPS"), Text("output"), Text(f"load {loads}  {volts} V"),
                              Text(u.output_source or NA, style=out_style))
    for s in view.sensors:
        style = "" if s.status in ("ok", None) else "bold yellow"
        rows[f"sensor:{s.index}"] = (Text("sensor"), literal(s.name), Text(f"{num(s.value)} {s.unit}".strip()),
                                     Text(s.status or NA, style=style))
    for i in view.interfaces:
        down_but_wanted = i.admin_status == "up" and i.oper_status != "up"
        state = f"{i.oper_status or NA}/{i.admin_status or NA}"
        rows[f"if:{i.index}"] = (Text("port"), literal(i.name), port_value(i),
                                 Text(state, style="yellow" if down_but_wanted else ("green" if i.oper_status == "up"
                                                                                      else "dim")))
    return rows


def speed(mbps: int | None) -> str:
    """Format a link speed compactly: ``100M``, ``1G``, ``25G``."""
    if mbps is None:
        return NA
    return f"{mbps // 1000}G" if mbps >= 1000 and mbps % 1000 == 0 else f"{mbps}M"


def port_value(i: Interface) -> Text:
    """One port's MTU, speed, rates and error counters in fixed widths (cells keep their width).

    A port with errors is bold yellow as a whole: a table cell is drawn in one style.
    """
    # The console font has the arrows (FIELD-NOTES); they save width at 80 columns.
    shown = (f"MTU {NA if i.mtu is None else i.mtu:>5} {speed(i.speed_mbps):>4} "
             f"↓{rate_bytes(i.in_bytes_per_second):>10} ↑{rate_bytes(i.out_bytes_per_second):>10}")
    errors = (i.in_errors_total or 0) + (i.out_errors_total or 0)
    if errors:
        shown += f" err {i.in_errors_total or 0}/{i.out_errors_total or 0}"
    return Text(shown, style="bold yellow" if errors else "", no_wrap=True)


class SnmpPane(Pane):
    """SNMP targets (switch, UPS, PDU) and their values."""

    PANE_ID: ClassVar[str] = "snmp"
    TITLE: ClassVar[str] = "SNMP"
    COLLECTORS: ClassVar[tuple[str, ...]] = ("snmp:",)
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
        self.query_one("#snmp-banner", Static).update(self.banner(samples))
        # Targets stay in the order of the config file, whatever order their first polls finish in.
        order = {f"snmp:{t.name}": i for i, t in enumerate(config.snmp.targets)}
        samples.sort(key=lambda s: (order.get(s.spec.name, len(order)), s.spec.name))
        rank = {s.spec.name: i for i, s in enumerate(samples)}
        with self.app.batch_update():
            self.targets.display = self.values.display = bool(samples)
            self.targets.sync({s.spec.name: target_cells(s, config) for s in samples}, sort_key=rank.__getitem__)
            names = [s.spec.name for s in samples]
            if self.selected not in names:
                self.selected = names[0] if names else None
            self._sync_values(config)

    def _sync_values(self, config: Config) -> None:
        sample = self.store.get(self.selected) if self.selected else None
        view = target_view(sample)[0] if sample is not None else None
        self.values.sync(value_rows(view, config) if view is not None else {})

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
