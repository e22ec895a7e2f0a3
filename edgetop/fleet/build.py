"""Pure functions: the answers of one round's queries → one row per node, worst first.

Input is what :func:`edgetop.fleet.queries.fleet_queries` names, each a list of series
as the Prometheus API returns them (``{"metric": {...}, "value": [unix, "text"]}``); a query
that failed is simply absent, and the fields it feeds are None. Nothing here does I/O, so
the tests feed recorded answers (tests/fixtures/fleet/).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from edgetop.fleet.model import (
    DomainSteal,
    Filesystem,
    FleetNode,
    NodeState,
    PromAlert,
    SensorReading,
)

Answers = Mapping[str, list[dict[str, Any]]]

# Beyond these the row names the fault even when the node raised no alert of its own.
FS_FULL_RATIO = 0.90
NTP_OFFSET_SECONDS = 0.1
NAME_CAP = 256  # names from outside: kept whole for the detail, but not unbounded


def _value(series: Mapping[str, Any]) -> float | None:
    try:
        value = float(series["value"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _label(series: Mapping[str, Any], name: str) -> str | None:
    value = series.get("metric", {}).get(name)
    return str(value)[:NAME_CAP] if value is not None else None


def _by_instance(answers: Answers, name: str) -> dict[str, list[dict[str, Any]]]:
    # The hottest loop of a round (every series of every answer: ~30,000 at 1,000 nodes).
    out: dict[str, list[dict[str, Any]]] = {}
    for series in answers.get(name, ()):
        metric = series.get("metric")
        instance = metric.get("instance") if isinstance(metric, dict) else None
        if instance is None:
            continue
        key = instance if len(instance) <= NAME_CAP else instance[:NAME_CAP]
        found = out.get(key)
        if found is None:
            out[key] = [series]
        else:
            found.append(series)
    return out


def _first_value(rows: Iterable[Mapping[str, Any]]) -> float | None:
    return next((v for v in (_value(r) for r in rows) if v is not None), None)


def _sensor_name(series: Mapping[str, Any]) -> str:
    chip, label = _label(series, "chip"), _label(series, "label") or _label(series, "sensor")
    return f"{chip}/{label}" if chip else (label or "?")


def hottest_sensor(temps: list[dict[str, Any]], highs: list[dict[str, Any]],
                   crits: list[dict[str, Any]]) -> SensorReading | None:
    """The sensor nearest to or furthest over its limit (high, else critical); without limits, the hottest.

    The server sends every sensor with only the labels this needs (``max by``); the join is
    here because the same join in PromQL (``or``, ``unless``, ``topk`` of a difference) cost
    Prometheus 0.5-0.7 s per query at 1,000 nodes, against ~0.1 s for the three plain ones.
    Written for speed (6,000 sensors a round): plain dicts, one record made, for the winner.
    """
    high = {h["metric"].get("sensor"): v for h in highs if (v := _value(h)) is not None}
    crit = {c["metric"].get("sensor"): v for c in crits if (v := _value(c)) is not None}
    best: tuple[dict[str, Any], float, float | None, str] | None = None
    best_rank = (0, -math.inf)
    for series in temps:
        celsius = _value(series)
        if celsius is None:
            continue
        key = series["metric"].get("sensor")
        limit, kind = high.get(key), "high"
        if limit is None:
            limit, kind = crit.get(key), "critical"
        # Sensors with a limit rank by their margin to it; those without only by temperature, below them.
        rank = (1, celsius - limit) if limit is not None else (0, celsius)
        if best is None or rank > best_rank:
            best, best_rank = (series, celsius, limit, kind), rank
    if best is None:
        return None
    series, celsius, limit, kind = best
    return SensorReading(_sensor_name(series), celsius, limit, kind if limit is not None else None,
                         crit.get(series["metric"].get("sensor")))


def _alerts(rows: list[dict[str, Any]]) -> tuple[int | None, int | None]:
    counts: dict[str, int] = {}
    for r in rows:
        v, sev = _value(r), _label(r, "severity")
        if v is not None and sev:
            counts[sev] = int(v)
    if not rows:
        return None, None
    return counts.get("critical", 0), counts.get("warning", 0)


def _prom_alerts(rows: list[dict[str, Any]], site_label: str) -> tuple[PromAlert, ...]:
    out = []
    skip = {"__name__", "alertname", "alertstate", "severity", "instance", "job", site_label}
    for r in rows:
        labels = r.get("metric", {})
        subject = ", ".join(f"{k}={str(v)[:64]}" for k, v in sorted(labels.items()) if k not in skip)
        out.append(PromAlert(_label(r, "alertname") or "?", _label(r, "severity"),
                             _label(r, "alertstate") or "firing", subject[:NAME_CAP]))
    return tuple(sorted(out, key=lambda a: (a.state != "firing", a.severity != "critical", a.name, a.subject)))


def problems(node: FleetNode, now: float) -> tuple[str, ...]:
    """The node's faults by name, most serious first: what the row and the detail say is wrong."""
    out: list[str] = []
    if not node.reporting:
        if node.not_reporting_since_unix is not None:
            out.append(f"not reporting for {_ago(now - node.not_reporting_since_unix)}")
        else:
            # Beyond the look-back, or the since-when queries failed: say so rather than guess.
            out.append("not reporting (since when unknown)")
        if node.up is False:
            out.append("Prometheus cannot scrape it (up == 0)")
    out += [f"alert {a.name} ({a.severity or 'no severity'}, {a.state}){': ' + a.subject if a.subject else ''}"
            for a in node.prometheus_alerts if a.state == "firing"]
    sensor = node.hottest_sensor
    if sensor is not None and sensor.over_limit:
        out.append(f"sensor {sensor.name} at {sensor.celsius:.1f} °C, {sensor.limit_kind} limit "
                   f"{sensor.limit_celsius:.1f} °C")
    out += [f"bond {bond}: slave {slave} down" for bond, slave in node.bond_slaves_down]
    out += [f"network: {kind.replace('_', ' ')} ({count})" for kind, count in sorted(node.network_problems.items())
            if kind != "slave_down" or not node.bond_slaves_down]
    if node.ntp_synchronised is False:
        out.append("clock not synchronised")
    if node.ntp_offset_seconds is not None and abs(node.ntp_offset_seconds) > NTP_OFFSET_SECONDS:
        out.append(f"clock offset {node.ntp_offset_seconds * 1000:+.0f} ms")
    out += [f"SNMP target {t} down" for t in node.snmp_targets_down]
    fs = node.fullest_filesystem
    if fs is not None and fs.used_ratio >= FS_FULL_RATIO:
        out.append(f"filesystem {fs.mountpoint} {fs.used_ratio:.0%} full")
    return tuple(out)


def _ago(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    return f"{s // 3600} h {s % 3600 // 60} min"


def state_of(node: FleetNode, faults: tuple[str, ...] | None = None) -> NodeState:
    """Down when not reporting; critical on a critical alert (its own or a rule's) or sensor; warning on a fault.

    Args:
        node: the node.
        faults: its problems, when not yet in ``node.problems``.

    """
    if not node.reporting:
        return NodeState.DOWN
    firing = [a for a in node.prometheus_alerts if a.state == "firing"]
    if (node.alerts_critical or 0) > 0 or any(a.severity == "critical" for a in firing) or (
            node.hottest_sensor is not None and node.hottest_sensor.over_critical):
        return NodeState.CRITICAL
    if (node.alerts_warning or 0) > 0 or (node.problems if faults is None else faults):
        return NodeState.WARNING
    return NodeState.OK


def sort_key(node: FleetNode) -> tuple[int, int, int, int, str]:
    """Worst first: state, critical alerts, faults named here, warnings, then the name.

    The faults named here (a slave down, a sensor over its limit) rank before the warning
    count: they are what the fleet view is for, and a count of warnings moves with
    every balloon and every guest's steal.
    """
    return (node.state.rank, -(node.alerts_critical or 0), -len(node.problems), -(node.alerts_warning or 0),
            node.name)


def build_nodes(answers: Answers, now: float, site_label: str = "site") -> tuple[FleetNode, ...]:
    """One row per node seen by ``up``, by its build info, or within the look-back window; worst first.

    Args:
        answers: each query's result vector, by the names of ``fleet_queries``; failed ones absent.
        now: the round's evaluation time (unix seconds).
        site_label: the label that names a node's site.

    """
    grouped = {name: _by_instance(answers, name) for name in answers}
    none: dict[str, list[dict[str, Any]]] = {}
    empty: list[dict[str, Any]] = []

    def rows(name: str, instance: str) -> list[dict[str, Any]]:
        return grouped.get(name, none).get(instance, empty)

    instances = set().union(*(grouped.get(n, {}).keys() for n in ("up", "build", "seen", "last_seen", "recently_seen")))
    nodes = []
    for inst in instances:
        up_value = _first_value(rows("up", inst))
        up = None if up_value is None else up_value == 1
        build, seen = rows("build", inst), rows("last_seen", inst)
        last_scrape = _first_value(build)
        # The short, fine look-back says when a recent outage began to the second; the long one
        # remembers older ones, to within its step.
        last_seen = max((v for v in (_first_value(rows("recently_seen", inst)), _first_value(seen)) if v is not None),
                        default=None)
        # Reporting: its series are fresh now. A scrape that fails (up 0) or series gone
        # stale (the target was removed, a federating Prometheus lost the edge) are not.
        reporting = last_scrape is not None and up is not False
        if "build" not in answers:  # that query failed: trust up alone
            reporting = up is True
        labelled = next((s for name in ("up", "build", "seen", "last_seen") for s in rows(name, inst)), {})
        version = next((v for v in (_label(s, "version") for s in (*build, *rows("seen", inst), *seen)) if v), None)
        steal = max(((_label(r, "domain") or "?", v) for r in rows("domain_steal", inst)
                     if (v := _value(r)) is not None), key=lambda p: p[1], default=None)
        fs = max(((_label(r, "mountpoint") or "?", v) for r in rows("fs_fullest", inst)
                  if (v := _value(r)) is not None), key=lambda p: p[1], default=None)
        verdict = _first_value(rows("ntp_verdict", inst))
        crit, warn = _alerts(rows("alerts", inst))
        if "alerts" in answers and crit is None and reporting:
            crit, warn = 0, 0  # answered, and this node has no alert series: none raised
        node = FleetNode(
            name=inst[:NAME_CAP],
            site=_label(labelled, site_label),
            state=NodeState.OK,
            up=up,
            reporting=reporting,
            last_scrape_unix=last_scrape if reporting else (last_scrape or last_seen),
            not_reporting_since_unix=None if reporting else (last_scrape or last_seen),
            version=version,
            alerts_critical=crit if reporting else None,
            alerts_warning=warn if reporting else None,
            domain_steal=DomainSteal(*steal) if steal else None,
            host_steal_ratio=_first_value(rows("host_steal", inst)),
            hottest_sensor=hottest_sensor(rows("temp", inst), rows("temp_high", inst), rows("temp_crit", inst)),
            bond_slaves_down=tuple(sorted((_label(r, "bond") or "?", _label(r, "slave") or "?")
                                          for r in rows("slaves_down", inst))),
            network_problems={k: int(v) for r in rows("net_problems", inst)
                              if (k := _label(r, "kind")) and (v := _value(r)) is not None},
            ntp_offset_seconds=_first_value(rows("ntp_offset", inst)),
            ntp_synchronised=None if verdict is None else verdict == 1,
            snmp_targets_down=tuple(sorted(t for r in rows("snmp_down", inst) if (t := _label(r, "target")))),
            fullest_filesystem=Filesystem(*fs) if fs else None,
            prometheus_alerts=_prom_alerts(rows("prom_alerts", inst), site_label),
        )
        # One copy with both (a dataclass copy costs ~40 µs: 1,000 nodes, every round).
        faults = problems(node, now)
        nodes.append(replace(node, problems=faults, state=state_of(node, faults)))
    return tuple(sorted(nodes, key=sort_key))
