"""Pure functions: the answers of one round's queries → one row per node, worst first.

Input is what :func:`edgetop.fleet.queries.fleet_queries` names, each a list of rows as the
client reads them (:mod:`edgetop.sources.prometheus_rows`): the labels of
:func:`edgetop.fleet.queries.answer_labels` in that order, the instance first, then the
sample value's text. A query that failed is simply absent, and the fields it feeds are
None. Nothing here does I/O, so the tests feed recorded answers (tests/fixtures/fleet/).

Written for 1,000 nodes a round (~26,000 rows, most of them sensors): the rows are sorted
out by node in one pass, and a node is made from its own rows alone. So a node whose rows
are those of the last round is the last round's node (:class:`NodeMemo`): between two
scrapes of a node (Prometheus answers its last samples until the next), a round makes only
the nodes scraped since, ~40 µs each.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from edgetop.fleet.faults import FS_FULL_RATIO, NTP_OFFSET_SECONDS, problems, sort_key, state_of
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

__all__ = ["FS_FULL_RATIO", "NAME_CAP", "NTP_OFFSET_SECONDS", "NodeMemo", "build_nodes", "hottest_sensor",
           "problems", "sort_key", "state_of"]

Answers = Mapping[str, Sequence[Row]]
NAME_CAP = 256  # names from outside: kept whole for the detail, but not unbounded

# A node's rows, answer by answer in this order (None: it has none in that answer).
SLOTS = ("up", "build", "seen", "last_seen", "recently_seen", "alerts", "domain_steal", "host_steal", "temp",
         "temp_high", "temp_crit", "slaves_down", "net_problems", "ntp_offset", "ntp_verdict", "snmp_down",
         "fs_fullest", "prom_alerts")
(_UP, _BUILD, _SEEN, _LAST, _RECENT, _ALERTS, _STEAL, _HOST, _TEMP, _HIGH, _CRIT, _SLAVES, _NETS, _OFFSET, _VERDICT,
 _SNMP, _FS, _PROM) = range(len(SLOTS))
_PRESENCE = slice(_UP, _RECENT + 1)  # the answers that make a node a row of the fleet
Slots = list[list[Row] | None]
_NONE: list[Row] = []


@dataclass
class NodeMemo:
    """The last round's nodes with the rows each was made of, for :func:`build_nodes` to reuse.

    One per view (the app's, the benchmark's); not shared between threads.
    """

    context: tuple[Any, ...] = ()
    nodes: dict[str, tuple[Slots, FleetNode]] = field(default_factory=dict)
    grouped: dict[str, tuple[Sequence[Row], dict[str, list[Row]]]] = field(default_factory=dict)
    """Each answer's rows as the client gave them and sorted out by instance."""
    made: int = 0
    """Nodes made (not reused) by the last round: for tests and benchmarks."""


def _number(text: str | None) -> float | None:
    """The value's text as a finite number; None for NaN, ±Inf, garbage or no value."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _by_instance(rows: Sequence[Row], slot: int) -> dict[str, list[Row]]:
    """The rows of one answer by instance (the first label; ``ALERTS``' from its labels), in the answer's order."""
    out: dict[str, list[Row]] = {}
    for row in rows:
        instance = _label(row[0], "instance") if slot == _PROM else row[0]
        if not instance:  # no instance label: nobody's row
            continue
        key = instance[:NAME_CAP]  # the same string when short enough
        found = out.get(key)
        if found is None:
            out[key] = [row]
        else:
            found.append(row)
    return out


def _by_node(answers: Answers, memo: NodeMemo | None = None) -> dict[str, Slots]:
    """Every node of the fleet (seen by up, build info or the look-back) with its rows, answer by answer.

    An answer the client gave again as it was (the same list: not read again) is sorted out
    as it was last round.
    """
    last = memo.grouped if memo is not None else {}
    grouped: dict[str, tuple[Sequence[Row], dict[str, list[Row]]]] = {}
    for slot, name in enumerate(SLOTS):
        rows = answers.get(name)
        if rows is None:
            continue
        before = last.get(name)
        grouped[name] = before if before is not None and before[0] is rows else (rows, _by_instance(rows, slot))
    if memo is not None:
        memo.grouped = grouped
    by_slot = [grouped[name][1] if name in grouped else {} for name in SLOTS]
    present = set().union(*by_slot[_PRESENCE])
    return {name: [by_answer.get(name) for by_answer in by_slot] for name in present}


def _first(rows: list[Row] | None) -> float | None:
    """The first finite value (a node answers one row, or one per source)."""
    for row in rows or _NONE:
        value = _number(row[-1])
        if value is not None:
            return value
    return None


def _sensor_name(chip: str, label: str, sensor: str) -> str:
    chip, label = chip[:NAME_CAP], (label or sensor)[:NAME_CAP]
    return f"{chip}/{label}" if chip else (label or "?")


def hottest_sensor(temps: Sequence[Row], highs: Sequence[Row], crits: Sequence[Row]) -> SensorReading | None:
    """The sensor nearest to or furthest over its limit (high, else critical); without limits, the hottest.

    The server sends every sensor with only the labels this needs (``max by``): one node's
    rows of ``temp`` (instance, sensor, chip, label, value), ``temp_high`` and ``temp_crit``
    (instance, sensor, value). The join is here because the same join in PromQL (``or``,
    ``unless``, ``topk`` of a difference) cost Prometheus 0.3-0.7 s per query at 1,000
    nodes, against ~0.06 s for each of the three plain ones (each selector is read again
    wherever it appears in an expression).
    """
    # The limits as text, read as numbers only where a sensor is ranked (6 a node, 1,000 nodes).
    high = {r[1]: r[-1] for r in highs}
    crit = {r[1]: r[-1] for r in crits}
    best: tuple[Row, float, float | None, str] | None = None
    best_rank = (0, -math.inf)
    for row in temps:
        celsius = _number(row[4])
        if celsius is None:
            continue
        limit, kind = _number(high.get(row[1])), "high"
        if limit is None:
            limit, kind = _number(crit.get(row[1])), "critical"
        # Sensors with a limit rank by their margin to it; those without only by temperature, below them.
        rank = (1, celsius - limit) if limit is not None else (0, celsius)
        if best is None or rank > best_rank:
            best, best_rank = (row, celsius, limit, kind), rank
    if best is None:
        return None
    row, celsius, limit, kind = best
    return SensorReading(_sensor_name(row[2], row[3], row[1]), celsius, limit, kind if limit is not None else None,
                         _number(crit.get(row[1])))


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


def _largest(rows: Sequence[Row] | None) -> tuple[str, float] | None:
    """The (label, value) of the largest value among (instance, label, value) rows; the first on a tie."""
    best: tuple[str, float] | None = None
    for row in rows or _NONE:  # one row a node (topk by instance) but for ties
        value = _number(row[2])
        if value is not None and (best is None or value > best[1]):
            best = (row[1][:NAME_CAP] or "?", value)
    return best


def _site(instance: str, slots: Slots, site_at: Sequence[tuple[int, int]] | None) -> str | None:
    """The site label of the node's first row in up, build or seen (the look-back's rows carry none)."""
    if site_at is None:  # the instance names the site
        return instance
    for slot, at in site_at:
        rows = slots[slot]
        if rows:
            return str(rows[0][at])[:NAME_CAP] or None
    return None


def _version(slots: Slots) -> str | None:
    """The first version label of the node's build, seen and look-back rows (the label after the instance)."""
    for slot in (_BUILD, _SEEN, _LAST):
        for row in slots[slot] or _NONE:
            if row[1]:
                return str(row[1])[:NAME_CAP]
    return None


def _make(name: str, slots: Slots, now: float, site_label: str, site_at: Sequence[tuple[int, int]] | None,
          answered_build: bool, answered_alerts: bool) -> FleetNode:
    """The node ``name`` from its rows alone (the same rows make the same node, but for ``now`` when silent)."""
    up_value = _first(slots[_UP])
    up = None if up_value is None else up_value == 1
    last_scrape = _first(slots[_BUILD])
    # Reporting: its series are fresh now. A scrape that fails (up 0) or series gone
    # stale (the target was removed, a federating Prometheus lost the edge) are not.
    reporting = last_scrape is not None and up is not False if answered_build else up is True
    since = None
    if not reporting:
        # The short, fine look-back says when a recent outage began to the second; the long
        # one remembers older ones, to within its step.
        since = last_scrape or max((v for v in (_first(slots[_RECENT]), _first(slots[_LAST])) if v is not None),
                                   default=None)
    crit_count, warn_count = None, None
    if reporting:
        crit_count, warn_count = _alerts(slots[_ALERTS] or _NONE)
        if answered_alerts and crit_count is None:
            crit_count, warn_count = 0, 0  # answered, and this node has no non-zero count: none raised
    steal, fs, verdict = _largest(slots[_STEAL]), _largest(slots[_FS]), _first(slots[_VERDICT])
    temps, slaves, nets, snmp, alerts = slots[_TEMP], slots[_SLAVES], slots[_NETS], slots[_SNMP], slots[_PROM]
    node = FleetNode(
        name=name,
        site=_site(name, slots, site_at),
        state=NodeState.OK,
        up=up,
        reporting=reporting,
        last_scrape_unix=last_scrape if reporting else since,
        not_reporting_since_unix=since,
        version=_version(slots),
        alerts_critical=crit_count,
        alerts_warning=warn_count,
        domain_steal=DomainSteal(*steal) if steal else None,
        host_steal_ratio=_first(slots[_HOST]),
        hottest_sensor=hottest_sensor(temps, slots[_HIGH] or _NONE, slots[_CRIT] or _NONE) if temps else None,
        bond_slaves_down=tuple(sorted((r[1][:NAME_CAP] or "?", r[2][:NAME_CAP] or "?") for r in slaves))
        if slaves else (),
        network_problems={r[1][:NAME_CAP]: int(v) for r in nets if r[1] and (v := _number(r[2])) is not None}
        if nets else {},
        ntp_offset_seconds=_first(slots[_OFFSET]),
        ntp_synchronised=None if verdict is None else verdict == 1,
        snmp_targets_down=tuple(sorted(r[1][:NAME_CAP] for r in snmp if r[1])) if snmp else (),
        fullest_filesystem=Filesystem(*fs) if fs else None,
        prometheus_alerts=_prom_alerts(alerts, site_label) if alerts else (),
    )
    faults = problems(node, now)
    # Faults and state are read from the node itself, which nobody else holds yet: set here
    # rather than by a copy (dataclasses.replace, or a second construction of its 21
    # fields, cost 10-40 µs a node: up to 40 ms a round at 1,000 nodes).
    object.__setattr__(node, "problems", faults)
    object.__setattr__(node, "state", state_of(node, faults))
    return node


def build_nodes(answers: Answers, now: float, site_label: str = "site",
                memo: NodeMemo | None = None) -> tuple[FleetNode, ...]:
    """One row per node seen by ``up``, by its build info, or within the look-back window; worst first.

    Args:
        answers: each query's rows, by the names of ``fleet_queries`` (see the module's docstring);
            failed ones absent.
        now: the round's evaluation time (unix seconds).
        site_label: the label that names a node's site.
        memo: the last round's nodes, reused where a node's rows are the same (and updated
            for the next round); None makes every node.

    """
    labels = answer_labels(site_label)
    # Where the site label is in the rows of up, build and seen (None: the instance names the site).
    site_at = None if site_label == "instance" else [(slot, labels[SLOTS[slot]].index(site_label))  # type: ignore[union-attr]
                                                     for slot in (_UP, _BUILD, _SEEN)]
    answered_build, answered_alerts = "build" in answers, "alerts" in answers
    # Besides its rows and ``now``, a node depends on these alone.
    context = (site_label, answered_build, answered_alerts)
    last = memo.nodes if memo is not None and memo.context == context else {}
    kept: dict[str, tuple[Slots, FleetNode]] = {}
    made = 0
    for name, slots in _by_node(answers, memo).items():
        before = last.get(name)
        # A silent node's faults say for how long: made again every round.
        if before is not None and before[0] == slots and before[1].reporting:
            node = before[1]
        else:
            node = _make(name, slots, now, site_label, site_at, answered_build, answered_alerts)
            made += 1
        kept[name] = (slots, node)
    if memo is not None:
        memo.context, memo.nodes, memo.made = context, kept, made
    return tuple(sorted((node for _slots, node in kept.values()), key=sort_key))
