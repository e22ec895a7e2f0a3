"""Pure functions: the answers of one round's queries → one row per node, worst first.

Input is what :func:`edgetop.fleet.queries.fleet_queries` names, each a list of rows as the
client reads them (:mod:`edgetop.sources.prometheus_rows`): the labels of
:func:`edgetop.fleet.queries.answer_labels` in that order, the instance first, then the
sample value's text. A query that failed is simply absent, and the fields it feeds are
None. Nothing here does I/O, so the tests feed recorded answers (tests/fixtures/fleet/).

Written for 1,000 nodes a round (~30,000 rows, most of them sensors): each answer is
grouped by instance once, in one pass, and each node then reads its few values by key.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from edgetop.fleet.model import (
    DomainSteal,
    Filesystem,
    FleetNode,
    NodeState,
    PromAlert,
    SensorReading,
)
from edgetop.fleet.queries import answer_labels
from edgetop.sources.prometheus_rows import Row

Answers = Mapping[str, Sequence[Row]]

# Beyond these the row names the fault even when the node raised no alert of its own.
FS_FULL_RATIO = 0.90
NTP_OFFSET_SECONDS = 0.1
NAME_CAP = 256  # names from outside: kept whole for the detail, but not unbounded
_NONE: list[Row] = []


def _number(text: str | None) -> float | None:
    """The value's text as a finite number; None for NaN, ±Inf, garbage or no value."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _grouped(rows: Iterable[Row]) -> dict[str, list[Row]]:
    """Rows by instance (the first label of every row but ``ALERTS``'), in the answer's order."""
    out: dict[str, list[Row]] = {}
    for row in rows:
        instance = row[0]
        if not instance:  # no instance label: nobody's row
            continue
        key = instance[:NAME_CAP]  # the same string when short enough
        found = out.get(key)
        if found is None:
            out[key] = [row]
        else:
            found.append(row)
    return out


def _first_values(rows: Iterable[Row]) -> dict[str, float]:
    """Each instance's first finite value (a node answers one row, or one per source)."""
    out: dict[str, float] = {}
    for row in rows:
        key = row[0][:NAME_CAP]
        if key and key not in out:
            try:
                value = float(row[-1])
            except (TypeError, ValueError):  # no value, or not a number
                continue
            if math.isfinite(value):
                out[key] = value
    return out


def _limits(rows: Iterable[Row]) -> dict[tuple[str, str], str | None]:
    """(instance, sensor) → the value's text, read as a number only where a sensor is ranked (see :func:`_limit`)."""
    return {(r[0], r[1]): r[-1] for r in rows}


def _limit(limits: Mapping[tuple[str, str], str | None], key: tuple[str, str]) -> float | None:
    text = limits.get(key)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _sensor_name(chip: str, label: str, sensor: str) -> str:
    chip, label = chip[:NAME_CAP], (label or sensor)[:NAME_CAP]
    return f"{chip}/{label}" if chip else (label or "?")


def _hottest_by_instance(temps: Iterable[Row], highs: Iterable[Row], crits: Iterable[Row]) -> dict[str, SensorReading]:
    """Each instance's sensor nearest to or furthest over its limit (see :func:`hottest_sensor`).

    One pass over every sensor of the fleet (6,000 at 1,000 nodes), the limits read as numbers
    only where a sensor is ranked: the hottest loop of a round, written flat.
    """
    high, crit = _limits(highs), _limits(crits)
    best: dict[str, tuple[tuple[int, float], Row, float, float | None, str]] = {}
    for row in temps:  # (instance, sensor, chip, label, value)
        try:
            celsius = float(row[4])
        except (TypeError, ValueError):
            continue
        if not math.isfinite(celsius) or not row[0]:
            continue
        key = (row[0], row[1])
        limit, kind = _limit(high, key), "high"
        if limit is None:
            limit, kind = _limit(crit, key), "critical"
        # Sensors with a limit rank by their margin to it; those without only by temperature, below them.
        rank = (1, celsius - limit) if limit is not None else (0, celsius)
        instance = row[0][:NAME_CAP]
        found = best.get(instance)
        if found is None or rank > found[0]:
            best[instance] = (rank, row, celsius, limit, kind)
    return {instance: SensorReading(_sensor_name(row[2], row[3], row[1]), celsius, limit,
                                    kind if limit is not None else None, _limit(crit, (row[0], row[1])))
            for instance, (_rank, row, celsius, limit, kind) in best.items()}


def hottest_sensor(temps: Sequence[Row], highs: Sequence[Row], crits: Sequence[Row]) -> SensorReading | None:
    """The sensor nearest to or furthest over its limit (high, else critical); without limits, the hottest.

    The server sends every sensor with only the labels this needs (``max by``): the rows of
    ``temp`` (instance, sensor, chip, label, value), ``temp_high`` and ``temp_crit``
    (instance, sensor, value), one node's. The join is here because the same join in PromQL
    (``or``, ``unless``, ``topk`` of a difference) cost Prometheus 0.3-0.7 s per query at
    1,000 nodes, against ~0.06 s for each of the three plain ones (each selector is read
    again wherever it appears in an expression).
    """
    found = _hottest_by_instance(temps, highs, crits)
    return next(iter(found.values()), None)


def _alerts(rows: Sequence[Row]) -> tuple[int | None, int | None]:
    """Critical and warning counts from (instance, severity, value) rows; None without rows."""
    if not rows:
        return None, None
    counts: dict[str, int] = {}
    for row in rows:
        value = _number(row[2])
        if value is not None and row[1]:
            counts[row[1]] = int(value)
    return counts.get("critical", 0), counts.get("warning", 0)


def _prom_alerts(rows: Iterable[Row], site_label: str) -> tuple[PromAlert, ...]:
    out = []
    skip = {"__name__", "alertname", "alertstate", "severity", "instance", "job", site_label}
    for labels, _value in rows:
        subject = ", ".join(f"{k}={str(v)[:64]}" for k, v in sorted(labels.items()) if k not in skip)
        out.append(PromAlert(_label(labels, "alertname") or "?", _label(labels, "severity"),
                             _label(labels, "alertstate") or "firing", subject[:NAME_CAP]))
    return tuple(sorted(out, key=lambda a: (a.state != "firing", a.severity != "critical", a.name, a.subject)))


def _label(labels: Mapping[str, Any], name: str) -> str | None:
    value = labels.get(name)
    return str(value)[:NAME_CAP] if value is not None else None


def _largest(rows: Sequence[Row]) -> tuple[str, float] | None:
    """The (label, value) of the largest value among (instance, label, value) rows; the first on a tie."""
    best: tuple[str, float] | None = None
    for row in rows:  # one row a node (topk by instance) but for ties
        value = _number(row[2])
        if value is not None and (best is None or value > best[1]):
            best = (row[1][:NAME_CAP] or "?", value)
    return best


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
    # Each list guarded by its truth: a healthy node (most of 1,000) builds none of them.
    if node.prometheus_alerts:
        out += [f"alert {a.name} ({a.severity or 'no severity'}, {a.state}){': ' + a.subject if a.subject else ''}"
                for a in node.prometheus_alerts if a.state == "firing"]
    sensor = node.hottest_sensor
    if sensor is not None and sensor.over_limit:
        out.append(f"sensor {sensor.name} at {sensor.celsius:.1f} °C, {sensor.limit_kind} limit "
                   f"{sensor.limit_celsius:.1f} °C")
    if node.bond_slaves_down:
        out += [f"bond {bond}: slave {slave} down" for bond, slave in node.bond_slaves_down]
    if node.network_problems:
        out += [f"network: {kind.replace('_', ' ')} ({count})" for kind, count in sorted(node.network_problems.items())
                if kind != "slave_down" or not node.bond_slaves_down]
    if node.ntp_synchronised is False:
        out.append("clock not synchronised")
    if node.ntp_offset_seconds is not None and abs(node.ntp_offset_seconds) > NTP_OFFSET_SECONDS:
        out.append(f"clock offset {node.ntp_offset_seconds * 1000:+.0f} ms")
    if node.snmp_targets_down:
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
        answers: each query's rows, by the names of ``fleet_queries`` (see the module's docstring);
            failed ones absent.
        now: the round's evaluation time (unix seconds).
        site_label: the label that names a node's site.

    """
    def grouped(name: str) -> dict[str, list[Row]]:
        return _grouped(answers.get(name, _NONE))

    def firsts(name: str) -> dict[str, float]:
        return _first_values(answers.get(name, _NONE))

    up_rows, build_rows, seen_rows, last_rows = grouped("up"), grouped("build"), grouped("seen"), grouped("last_seen")
    up_values, scrapes = firsts("up"), firsts("build")
    last_seen, recently = firsts("last_seen"), firsts("recently_seen")
    host_steal, ntp_offset, ntp_verdict = firsts("host_steal"), firsts("ntp_offset"), firsts("ntp_verdict")
    alerts, steals, fss = grouped("alerts"), grouped("domain_steal"), grouped("fs_fullest")
    slaves, nets, snmp = grouped("slaves_down"), grouped("net_problems"), grouped("snmp_down")
    sensors = _hottest_by_instance(answers.get("temp", _NONE), answers.get("temp_high", _NONE),
                                   answers.get("temp_crit", _NONE))
    prom_alerts: dict[str, list[Row]] = {}
    for row in answers.get("prom_alerts", _NONE):
        if (instance := _label(row[0], "instance")) is not None:
            prom_alerts.setdefault(instance, []).append(row)
    # Where the site label is in the rows of up, build and seen (None: the instance names the site).
    labels = answer_labels(site_label)
    site_at = None if site_label == "instance" else [(rows, labels[name].index(site_label))  # type: ignore[union-attr]
                                                     for name, rows in (("up", up_rows), ("build", build_rows),
                                                                        ("seen", seen_rows))]
    answered_build, answered_alerts = "build" in answers, "alerts" in answers
    instances = set().union(up_rows, build_rows, seen_rows, last_rows, grouped("recently_seen"))
    nodes = []
    for inst in instances:
        up_value = up_values.get(inst)
        up = None if up_value is None else up_value == 1
        last_scrape = scrapes.get(inst)
        # Reporting: its series are fresh now. A scrape that fails (up 0) or series gone
        # stale (the target was removed, a federating Prometheus lost the edge) are not.
        reporting = last_scrape is not None and up is not False if answered_build else up is True
        since = None
        if not reporting:
            # The short, fine look-back says when a recent outage began to the second; the long
            # one remembers older ones, to within its step.
            since = last_scrape or max((v for v in (recently.get(inst), last_seen.get(inst)) if v is not None),
                                       default=None)
        crit_count, warn_count = None, None
        if reporting:
            crit_count, warn_count = _alerts(alerts.get(inst, _NONE))
            if answered_alerts and crit_count is None:
                crit_count, warn_count = 0, 0  # answered, and this node has no non-zero count: none raised
        steal, fs, verdict = _largest(steals.get(inst, _NONE)), _largest(fss.get(inst, _NONE)), ntp_verdict.get(inst)
        node = FleetNode(
            name=inst,
            site=_site(inst, site_at),
            state=NodeState.OK,
            up=up,
            reporting=reporting,
            last_scrape_unix=last_scrape if reporting else since,
            not_reporting_since_unix=since,
            version=_version(build_rows.get(inst), seen_rows.get(inst), last_rows.get(inst)),
            alerts_critical=crit_count,
            alerts_warning=warn_count,
            domain_steal=DomainSteal(*steal) if steal else None,
            host_steal_ratio=host_steal.get(inst),
            hottest_sensor=sensors.get(inst),
            bond_slaves_down=tuple(sorted((r[1][:NAME_CAP] or "?", r[2][:NAME_CAP] or "?") for r in slaves[inst]))
            if inst in slaves else (),
            network_problems={r[1][:NAME_CAP]: int(v) for r in nets[inst] if r[1] and (v := _number(r[2])) is not None}
            if inst in nets else {},
            ntp_offset_seconds=ntp_offset.get(inst),
            ntp_synchronised=None if verdict is None else verdict == 1,
            snmp_targets_down=tuple(sorted(r[1][:NAME_CAP] for r in snmp[inst] if r[1])) if inst in snmp else (),
            fullest_filesystem=Filesystem(*fs) if fs else None,
            prometheus_alerts=_prom_alerts(prom_alerts[inst], site_label) if inst in prom_alerts else (),
        )
        faults = problems(node, now)
        # Faults and state are read from the node itself, which nobody else holds yet: set here
        # rather than by a copy (dataclasses.replace, or a second construction of its 21
        # fields, cost 10-40 µs a node: up to 40 ms a round at 1,000 nodes).
        object.__setattr__(node, "problems", faults)
        object.__setattr__(node, "state", state_of(node, faults))
        nodes.append(node)
    return tuple(sorted(nodes, key=sort_key))


def _site(instance: str, site_at: list[tuple[dict[str, list[Row]], int]] | None) -> str | None:
    """The site label of the node's first row in up, build or seen (the look-back's rows carry none)."""
    if site_at is None:  # the instance names the site
        return instance
    for rows, at in site_at:
        found = rows.get(instance)
        if found:
            return str(found[0][at])[:NAME_CAP] or None
    return None


def _version(*answers: list[Row] | None) -> str | None:
    """The first version label of the node's build, seen and look-back rows (the label after the instance)."""
    for rows in answers:
        for row in rows or ():
            if row[1]:
                return str(row[1])[:NAME_CAP]
    return None
