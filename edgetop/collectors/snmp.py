"""SNMP targets next to the node (switch, UPS, PDU): one collector per configured target.

Each target is its own spec (``snmp:<name>``) in the ``snmp`` lane with an ``async``
collect callable, so it runs on the event loop with its own interval and timeout: a dead
target only ever waits for itself. A target that does not answer is still a successful
collection whose status is ``down`` (the JSON, the metrics and the alerts must say so);
only a bug gives a failed reading.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from operator import attrgetter
from typing import Any

from edgetop.collectors.snmp_profiles import (
    IF_STATUS,
    PROFILES,
    Interface,
    RawValue,
    Sensor,
    SystemInfo,
    UpsStatus,
    parse_interfaces,
    parse_sensors,
    parse_system,
    parse_ups,
    profile_oids,
    with_rates,
)
from edgetop.config_schema import Config, Level, SnmpTarget
from edgetop.errors import ParseError, drop_frames
from edgetop.model.alerts import Alert, Severity, level_above, level_below
from edgetop.model.spec import CollectorSpec, Context, Family, Labels, Metric, flat, known
from edgetop.sources.snmp_poll import SnmpPoller


@dataclass(frozen=True, slots=True)
class SnmpValue:
    """One configured OID: ``value`` is a number (times its scale), text, or None.

    Its warn/crit levels travel with it, as a sensor's limits do (the snapshot's sensors[]).
    """

    name: str
    oid: str
    value: float | str | None
    unit: str | None
    warn: float | None = None
    crit: float | None = None

    def severity(self) -> Severity | None:
        """Return the value's severity against its levels; crit below warn means lower is worse."""
        if not isinstance(self.value, float):
            return None
        lower_is_worse = self.warn is not None and self.crit is not None and self.crit < self.warn
        return (level_below if lower_is_worse else level_above)(self.value, Level(self.warn, self.crit))


@dataclass(frozen=True, slots=True)
class SnmpReading:
    """One poll of one target: raw counters from collect, octet rates added by derive.

    Attributes:
        status: ``up`` (answered), ``down`` (no answer) or ``error`` (answered, refused).
        error: why it is not up, in words; never holds a secret.
        error_kind: a short code (timeout, auth, priv, user, access, level, dns…).
        last_up_timestamp: wall time of the last poll that answered (None: never yet).
        notes: what an answering agent did not have (a profile with no data at all).

    """

    name: str
    host: str
    port: int
    status: str
    error: str | None
    error_kind: str | None
    latency_seconds: float | None
    profiles: tuple[str, ...]
    system: SystemInfo | None = None
    interfaces: tuple[Interface, ...] = ()
    ups: UpsStatus | None = None
    sensors: tuple[Sensor, ...] = ()
    values: tuple[SnmpValue, ...] = ()
    last_up_timestamp: float | None = None
    notes: tuple[str, ...] = ()


def parse_value(raw: RawValue, scale: float) -> float | str | None:
    """Return a configured OID's value: numbers (or numeric strings) scaled, other text as is."""
    if raw is None:
        return None
    if isinstance(raw, int):
        return raw * scale
    try:
        return float(raw) * scale
    except ValueError:
        return raw


def build_reading(target: SnmpTarget, scalars: Mapping[str, RawValue], columns: Mapping[str, Mapping[str, RawValue]],
                  latency_seconds: float | None) -> SnmpReading:
    """Turn a poll's GET and GETBULK results (by OID) into a reading.

    Raises:
        ParseError: when the agent's answer does not fit the profiles.

    """
    scalar_names, column_names = profile_oids(target.profiles)
    by_name = {n: scalars.get(oid) for n, oid in scalar_names.items()}
    table = {n: dict(columns.get(oid, {})) for n, oid in column_names.items()}
    values = tuple(SnmpValue(o.name, o.oid, parse_value(scalars.get(o.oid), o.scale), o.unit, o.warn, o.crit)
                   for o in target.oids)
    notes = tuple(
        f"no {p} data: the agent does not implement it, or it is outside user {target.user or '(v2c)'}'s view"
        for p in target.profiles if not _profile_answered(p, scalars, columns)
    )
    return SnmpReading(
        name=target.name, host=target.host, port=target.port, status="up", error=None, error_kind=None,
        latency_seconds=latency_seconds, profiles=target.profiles,
        system=parse_system(by_name) if "system" in target.profiles else None,
        interfaces=parse_interfaces(table) if "if-mib" in target.profiles else (),
        ups=parse_ups(by_name, table) if "ups-mib" in target.profiles else None,
        sensors=parse_sensors(table) if "entity-sensor" in target.profiles else (),
        values=values, notes=notes,
    )


def _profile_answered(
    name: str, scalars: Mapping[str, RawValue], columns: Mapping[str, Mapping[str, RawValue]]
) -> bool:
    """Tell whether the agent returned anything at all for profile ``name``."""
    profile = PROFILES[name]
    return (any(scalars.get(oid) is not None for oid in profile.scalars.values())
            or any(columns.get(oid) for oid in profile.columns.values()))


def failed_reading(target: SnmpTarget, status: str, kind: str, message: str,
                   last_up_timestamp: float | None = None) -> SnmpReading:
    """Return a reading for a target that did not answer (``down``) or refused (``error``)."""
    return SnmpReading(target.name, target.host, target.port, status, message, kind, None, target.profiles,
                       last_up_timestamp=last_up_timestamp)


def _scrub(text: str, target: SnmpTarget) -> str:
    """Remove every secret of ``target`` from ``text`` (exception text from a library)."""
    for secret in (target.auth_key, target.priv_key, target.community):
        if secret is not None and secret.reveal():
            text = text.replace(secret.reveal(), "<redacted>")
    return text


class SnmpCollector:
    """Polls one target through an :class:`SnmpSession`; keeps no data between polls."""

    def __init__(self, target: SnmpTarget, session: SnmpPoller) -> None:
        """Prepare the OID lists; the session opens on the first poll, on the loop."""
        self.target = target
        scalars, columns = profile_oids(target.profiles)
        self.scalar_oids = list(dict.fromkeys([*scalars.values(), *(o.oid for o in target.oids)]))
        self.column_oids = list(dict.fromkeys(columns.values()))
        self.session = session
        # Like the session, a fact about the source rather than data: when it last answered,
        # which a down reading must still show (the store's last-ok time counts down polls).
        self.last_up: float | None = None
        # The engine gives a collection max(5 s, 2 x interval) (engine/lanes.py) and then
        # reports it unavailable, without a view, so without the "target down" alert; a poll
        # that runs long (timeout x tries, then the probe) is cut just before and named here.
        self.budget = max(5.0, 2 * target.interval) - 0.25

    async def collect(self) -> SnmpReading:
        """Poll once; a failure becomes a reading that says what went wrong."""
        from edgetop.sources.snmp_failures import SnmpFailure  # pysnmp loads only when SNMP is used

        try:
            data = await asyncio.wait_for(self.session.poll(self.scalar_oids, self.column_oids), self.budget)
        # A failure is kept as text only: drop_frames breaks the cycle through wait_for's frame.
        except TimeoutError as err:
            drop_frames(err)
            return failed_reading(self.target, "down", "timeout", f"no complete answer within {self.budget:g} s"
                                  " (lower timeout or retries, or raise interval)", self.last_up)
        except SnmpFailure as failure:
            drop_frames(failure)
            return failed_reading(self.target, "error" if failure.reachable else "down", failure.kind,
                                  _scrub(failure.message, self.target), self.last_up)
        except Exception as err:  # a library error: keep its type, never a secret in its text
            drop_frames(err)
            return failed_reading(self.target, "error", "error",
                                  _scrub(f"unexpected {type(err).__name__}: {err}", self.target)[:300], self.last_up)
        self.last_up = time.time()
        try:
            reading = build_reading(self.target, data.scalars, data.columns, data.latency_seconds)
        except ParseError as err:
            return failed_reading(self.target, "error", "parse", f"unexpected answer: {err}", self.last_up)
        return replace(reading, last_up_timestamp=self.last_up)

    def close(self) -> None:
        """Release the session."""
        self.session.close()


def derive(prev: SnmpReading | None, cur: SnmpReading, elapsed: float) -> SnmpReading:
    """Octet counters to rates, matched by ifIndex; unknown after a reset or a down poll."""
    if prev is None or prev.status != "up" or cur.status != "up" or not cur.interfaces:
        return cur
    return replace(cur, interfaces=with_rates(prev.interfaces, cur.interfaces, elapsed))


def to_json(view: SnmpReading) -> list[dict[str, Any]]:
    """Return the snapshot's ``snmp[]`` object for one target, as a one-element list."""
    return [{
        "name": view.name, "host": view.host, "port": view.port, "status": view.status, "error": view.error,
        "error_kind": view.error_kind, "latency_seconds": view.latency_seconds, "profiles": list(view.profiles),
        "last_up_timestamp": view.last_up_timestamp, "notes": list(view.notes),
        "system": None if view.system is None else {
            "descr": view.system.descr, "name": view.system.name, "uptime_seconds": view.system.uptime_seconds},
        "values": [{"name": v.name, "oid": v.oid, "value": v.value, "unit": v.unit, "warn": v.warn, "crit": v.crit}
                   for v in view.values],
        "interfaces": [_plain(i) for i in view.interfaces],
        "ups": None if view.ups is None else _plain(view.ups),
        "sensors": [_plain(s) for s in view.sensors],
    }]


def _plain(obj: Any) -> dict[str, Any]:
    return {name: (list(v) if isinstance(v, tuple) else v)
            for name in obj.__slots__ for v in [getattr(obj, name)]}


def alerts(view: SnmpReading, config: Config) -> list[Alert]:
    """Target down or refusing, slow answers, configured OID levels, UPS battery state."""
    src, subject = f"snmp:{view.name}", view.name
    if view.status == "down":
        return [Alert(Severity.CRITICAL, src, subject, f"SNMP target down: {view.error}")]
    if view.status != "up":
        return [Alert(Severity.CRITICAL, src, subject, f"SNMP target not polled: {view.error}")]
    out = []
    sev = level_above(view.latency_seconds, config.thresholds.snmp_latency_seconds)
    if sev is not None:
        out.append(Alert(sev, src, subject, f"SNMP answers slowly: {view.latency_seconds:.2f} s"))
    for value in view.values:
        sev = value.severity()
        if sev is not None:
            unit = f" {value.unit}" if value.unit else ""
            out.append(Alert(sev, src, f"{subject}/{value.name}", f"{value.name} is {value.value:g}{unit}"))
    ups = view.ups
    if ups is not None:
        if ups.battery_status in ("low", "depleted"):
            sev = Severity.CRITICAL if ups.battery_status == "depleted" else Severity.WARNING
            out.append(Alert(sev, src, f"{subject}/battery", f"UPS battery {ups.battery_status}"))
        if ups.output_source == "battery":
            left = ups.runtime_remaining_seconds
            mins = f", {left // 60} min left" if left is not None else ""
            out.append(Alert(Severity.WARNING, src, f"{subject}/output", f"UPS on battery{mins}"))
    for sensor in view.sensors:
        if sensor.status == "nonoperational":
            out.append(Alert(Severity.WARNING, src, f"{subject}/{sensor.name}", "sensor nonoperational"))
    return out


def families(view: SnmpReading) -> list[Family]:
    """``snmp_up``, ``snmp_poll_error`` while not up, ``snmp_latency_seconds`` and numbers as ``snmp_value``.

    ``collector_up`` stays 1 for a target that is down (the poll ran and said so), and
    ``snmp_up`` is 0 both for a device that is down and for one edgetop cannot ask (wrong
    key, unknown user, a name that does not resolve): ``snmp_poll_error``'s ``kind`` tells
    them apart (``timeout``: no answer at all). Then the interfaces' if_mib families.
    """
    target = (("target", view.name),)
    out = [Family("snmp_up", [target], [1.0 if view.status == "up" else 0.0], help="1 when the SNMP target answers")]
    if view.status != "up":
        out.append(Family("snmp_poll_error", [(*target, ("kind", view.error_kind or "error"))], [1.0],
                          help="1 while the target's last poll failed; kind=timeout: no answer (down or filtered), "
                          "other kinds (auth, priv, user, access, dns...): edgetop could not ask"))
    if view.latency_seconds is not None:
        out.append(Family("snmp_latency_seconds", [target], [view.latency_seconds], help="SNMP GET round trip"))
    # not the interfaces' rates: the raw if_mib counters below, for rate() over any window
    values = [(name, value) for name, value in numeric_values(view, interfaces=False) if not name.startswith("if/")]
    if values:
        out.append(Family("snmp_value", [(*target, ("name", name)) for name, _ in values], [v for _, v in values],
                          help="a numeric value polled by SNMP"))
    return out + if_mib_families(view.name, view.interfaces)


def metrics(view: SnmpReading) -> list[Metric]:
    """``families`` sample by sample (tests and tools; the exporter takes the families)."""
    return flat(families(view))


_IF_STATUS_CODES = {name: code for code, name in IF_STATUS.items()}
# snmp_exporter's if_mib module: object names as family names, SMI types as Prometheus
# types (Counter32/Counter64 → counter, Gauge32/Integer → gauge), the raw value (RFC 2863).
_IF_MIB = (
    ("ifHCInOctets", "in_bytes_total", "counter", "The total number of octets received on the interface, including "
     "framing characters - 1.3.6.1.2.1.31.1.1.1.6"),
    ("ifHCOutOctets", "out_bytes_total", "counter", "The total number of octets transmitted out of the interface, "
     "including framing characters - 1.3.6.1.2.1.31.1.1.1.10"),
    ("ifInErrors", "in_errors_total", "counter", "For packet-oriented interfaces, the number of inbound packets that "
     "contained errors - 1.3.6.1.2.1.2.2.1.14"),
    ("ifOutErrors", "out_errors_total", "counter", "For packet-oriented interfaces, the number of outbound packets "
     "that could not be transmitted because of errors - 1.3.6.1.2.1.2.2.1.20"),
    ("ifInDiscards", "in_discards_total", "counter", "The number of inbound packets which were chosen to be "
     "discarded even though no errors had been detected - 1.3.6.1.2.1.2.2.1.13"),
    ("ifOutDiscards", "out_discards_total", "counter", "The number of outbound packets which were chosen to be "
     "discarded even though no errors had been detected - 1.3.6.1.2.1.2.2.1.19"),
    ("ifMtu", "mtu", "gauge", "The size of the largest packet which can be sent/received on the interface, "
     "specified in octets - 1.3.6.1.2.1.2.2.1.4"),
    ("ifHighSpeed", "speed_mbps", "gauge", "An estimate of the interface's current bandwidth in units of "
     "1,000,000 bits per second - 1.3.6.1.2.1.31.1.1.1.15"),
)
_IF_COLUMNS = (  # every if_mib family: name, type, help
    *((name, kind, text) for name, _, kind, text in _IF_MIB),
    ("ifAdminStatus", "gauge", "The desired state of the interface - 1.3.6.1.2.1.2.2.1.7"),
    ("ifOperStatus", "gauge", "The current operational state of the interface - 1.3.6.1.2.1.2.2.1.8"),
)


def if_mib_families(target: str, interfaces: tuple[Interface, ...]) -> list[Family]:
    """The SNMP interfaces under snmp_exporter's if_mib names, with their labels plus ``target``.

    snmp_exporter answers for one target per scrape (Prometheus relabels ``instance``);
    edgetop serves every target at once, so ``target`` says which device it is. An
    unknown value is no sample; the families come in the order of their first samples,
    interface by interface (a first port without a speed does not move ``ifHighSpeed`` first).
    """
    if not interfaces:
        return []
    labels = [_interface_labels(target, i.index, i.name, i.descr or "") for i in interfaces]
    columns = [*(map(attrgetter(attr), interfaces) for _, attr, _, _ in _IF_MIB),
               [_IF_STATUS_CODES.get(i.admin_status or "") for i in interfaces],
               [_IF_STATUS_CODES.get(i.oper_status or "") for i in interfaces]]
    made = []
    for (name, kind, text), values in zip(_IF_COLUMNS, columns, strict=True):
        series, numbers = known(labels, values)
        if series:
            made.append(Family(name, series, numbers, kind, text, ""))
    if any(family.labels[0] is not labels[0] for family in made):  # a family the first port has no value of
        where = {lab: n for n, lab in enumerate(labels)}
        made.sort(key=lambda family: where[family.labels[0]])  # stable: columns in order per interface
    return made


# A port's label set, one object while it lasts: the renderer compares a family's labels with
# the last scrape's, and identical objects compare at once (``TextRenderer``).
@lru_cache(maxsize=16384)
def _interface_labels(target: str, index: str, name: str, descr: str) -> Labels:
    return (("target", target), ("ifIndex", index), ("ifName", name), ("ifDescr", descr))


def numeric_values(view: SnmpReading, *, interfaces: bool = True) -> list[tuple[str, float]]:
    """Every known number of a reading, named ``value``, ``ups.field``, ``sensor/x``, ``if/eth0.field``.

    ``interfaces`` False leaves out the interfaces' rates (``if/…``).
    """
    out: list[tuple[str, float]] = [(v.name, v.value) for v in view.values if isinstance(v.value, float)]
    if view.system is not None and view.system.uptime_seconds is not None:
        out.append(("sys_uptime_seconds", view.system.uptime_seconds))
    if view.ups is not None:
        for field in ("on_battery_seconds", "runtime_remaining_seconds", "charge_ratio", "battery_volts",
                      "battery_celsius"):
            number = getattr(view.ups, field)
            if number is not None:
                out.append((f"ups.{field}", float(number)))
    out.extend((f"sensor/{s.name}", s.value) for s in view.sensors if s.value is not None)
    for iface in view.interfaces if interfaces else ():
        for field in ("in_bytes_per_second", "out_bytes_per_second"):
            number = getattr(iface, field)
            if number is not None:
                out.append((f"if/{iface.name}.{field}", number))
    return out


def history(view: SnmpReading) -> dict[str, float | None]:
    """Latency, for the pane's sparkline."""
    return {"latency_seconds": view.latency_seconds}


def _close(collect: Any) -> None:
    owner = getattr(collect, "__self__", None)
    if owner is not None:
        owner.close()


def _spec(target: SnmpTarget, make: Any) -> CollectorSpec:
    return CollectorSpec(
        name=f"snmp:{target.name}", lane="snmp", json_key="snmp", pane="snmp", build=make,
        interval=target.interval, derive=derive, to_json=to_json, empty_json=list, alerts=alerts,
        metrics=families, history=history, close=_close, good=answered,
    )


def answered(view: SnmpReading) -> bool:
    """Whether the target answered: only then are its values the last good ones."""
    return view.status == "up"


def specs(ctx: Context) -> list[CollectorSpec]:
    """One spec per configured target, each polled through ``ctx.snmp_poller``."""
    return [_spec(t, lambda c, t=t: SnmpCollector(t, c.snmp_poller(t)).collect) for t in ctx.config.snmp.targets]
