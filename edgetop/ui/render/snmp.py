"""SNMP rows and cells, shared by the SNMP pane and a target's detail screen.

A module of its own (not in the pane) because the pane opens the detail screen and the
screen draws the same value rows: either importing the other made an import cycle.
Every string from an agent is literal text, never markup.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text

from edgetop.collectors.snmp import SnmpReading
from edgetop.collectors.snmp_profiles import Interface
from edgetop.config_schema import Config, SnmpTarget
from edgetop.engine.store import Sample
from edgetop.model.alerts import level_above
from edgetop.ui.fmt import NA, NAME_CAP, TEXT_CAP, age, bit_rate, duration, literal, num, pct
from edgetop.ui.styles import SNMP_STATUS_STYLE, level_style

VALUE_COLUMNS = (("kind", "Kind"), ("name", "Name"), ("value", "Value"), ("state", "State"))


def target_view(sample: Sample) -> tuple[SnmpReading | None, bool]:
    """Return the reading to show and whether its values are the last answered ones (greyed).

    A target that answered: its reading. One that is down or refusing: its status, reason
    and last answer time with the values of its last answer (the store keeps those as the
    last good view), as libvirt and chrony keep theirs. A collection that failed outright:
    the last answer's reading as it was.
    """
    view, last = sample.view, sample.last_view
    if view is None:
        return last, last is not None
    if view.status == "up" or last is None or last is view:
        return view, False
    kept = replace(last, status=view.status, error=view.error, error_kind=view.error_kind, latency_seconds=None,
                   last_up_timestamp=view.last_up_timestamp or last.last_up_timestamp)
    return kept, True


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
    return Text(shown, style=level_style(sev), no_wrap=True)


def _address(host: str, port: int) -> str:
    """A target's address as shown: the port only when it is not SNMP's 161."""
    return host if port == 161 else f"{host}:{port}"


def target_cells(sample: Sample, config: Config) -> tuple[Text, ...]:
    """Return the cells of one target row."""
    view, greyed = target_view(sample)
    name = sample.spec.name.removeprefix("snmp:")
    if view is None:
        reason = sample.reading.reason or "waiting for the first poll"
        return (literal(name, cap=NAME_CAP), Text(NA), Text(str(sample.reading.status), style="bold red"), Text(NA),
                Text(NA), Text(NA), literal(reason, "bold red", cap=TEXT_CAP))
    dim = "dim" if greyed else ""
    # The status and reason are current unless the collection itself failed: never greyed then.
    current = sample.view is not None
    uptime = view.system.uptime_seconds if view.system is not None else None
    last_ok = view.last_up_timestamp
    host = _address(view.host, view.port)
    info = literal(summary(view), dim, cap=TEXT_CAP) if view.status == "up" \
        else literal(view.error or "", "bold red" if current else "dim", cap=TEXT_CAP)
    status_style = SNMP_STATUS_STYLE.get(view.status, "") if current and view.status != "up" else dim
    return (
        literal(name, dim or "bold", cap=NAME_CAP), literal(host, dim, cap=NAME_CAP),
        Text(view.status, style=status_style or SNMP_STATUS_STYLE.get(view.status, "")),
        latency_cell(view, config) if not greyed else Text(NA, style="dim"),
        Text(duration(uptime), style=dim), Text(age(last_ok), style=dim), info,
    )


def waiting_cells(target: SnmpTarget) -> tuple[Text, ...]:
    """The row of a configured target that has not been polled yet (its lane is starting)."""
    host = _address(target.host, target.port)
    return (literal(target.name, "bold", cap=NAME_CAP), literal(host, cap=NAME_CAP), Text("waiting", style="dim"),
            Text(NA, style="dim"), Text(NA, style="dim"), Text(NA, style="dim"),
            Text("waiting for the first poll", style="dim"))


def value_rows(view: SnmpReading, config: Config, greyed: bool = False) -> dict[str, tuple[Text, ...]]:
    """Return the rows of the values table for one target, keyed ``kind:name``.

    ``greyed``: the values are those of the target's last answer; they are dimmed, under
    the ``down: reason`` row and a row saying how old they are.
    """
    rows: dict[str, tuple[Text, ...]] = {}
    if view.status != "up":  # the whole reason, which the targets table may have to cut short
        rows["status:error"] = (Text(view.status, style=SNMP_STATUS_STYLE.get(view.status, "")),
                                Text(view.error_kind or ""), literal(view.error or "", "bold red"),
                                Text(view.status, style=SNMP_STATUS_STYLE.get(view.status, "")))
    if greyed:
        rows["status:kept"] = (Text("kept", style="dim"), Text(""),
                               Text(f"last answer {age(view.last_up_timestamp)} ago: the values below are from then",
                                    style="dim"), Text(""))
    values = _value_rows(view, config)
    if greyed:
        values = {key: tuple(Text(t.plain, style="dim", no_wrap=True) for t in cells) for key, cells in values.items()}
    return rows | values


def _value_rows(view: SnmpReading, config: Config) -> dict[str, tuple[Text, ...]]:
    rows: dict[str, tuple[Text, ...]] = {}
    for n, note in enumerate(view.notes):
        rows[f"note:{n}"] = (Text("note"), Text(""), literal(note, "yellow", cap=TEXT_CAP), Text(""))
    for v in view.values:
        sev = v.severity()
        style = level_style(sev)
        shown = NA if v.value is None else (f"{v.value:g}" if isinstance(v.value, float) else v.value)
        unit = f" {v.unit}" if v.unit and v.value is not None else ""
        rows[f"oid:{v.name}"] = (Text("OID"), literal(v.name, cap=NAME_CAP), literal(f"{shown}{unit}", style,
                                 cap=TEXT_CAP), literal(v.oid, "dim", cap=NAME_CAP))
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
        rows[f"sensor:{s.index}"] = (Text("sensor"), literal(s.name, cap=NAME_CAP),
                                     literal(f"{num(s.value)} {s.unit}".strip(), cap=TEXT_CAP),
                                     Text(s.status or NA, style=style))
    for i in view.interfaces:
        down_but_wanted = i.admin_status == "up" and i.oper_status != "up"
        state = f"{i.oper_status or NA}/{i.admin_status or NA}"
        rows[f"if:{i.index}"] = (Text("port"), literal(i.name, cap=NAME_CAP), port_value(i),
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
             f"↓{bit_rate(i.in_bytes_per_second, i.speed_mbps, '/s'):>12} "
             f"↑{bit_rate(i.out_bytes_per_second, i.speed_mbps, '/s'):>12}")
    errors = (i.in_errors_total or 0) + (i.out_errors_total or 0)
    if errors:
        shown += f" err {i.in_errors_total or 0}/{i.out_errors_total or 0}"
    return Text(shown, style="bold yellow" if errors else "", no_wrap=True)
