"""``edgetop fleet --json``: one round of the fleet as one JSON document (``edgetop/fleet.schema.json``).

The same contract discipline as the snapshot: every key is always present, units are in
the names (``_seconds``, ``_ratio`` 0-1, ``_celsius``, ``_unix``), unknown is null (never 0),
and the contract is extended, never renamed (a breaking change raises ``schema_version``).
Nodes come worst first, as on the screen.
"""

from __future__ import annotations

from typing import Any

from edgetop.fleet.model import FleetNode, FleetView

SCHEMA_VERSION = 1


def node_json(node: FleetNode, now: float) -> dict[str, Any]:
    """One node's object."""
    sensor = node.hottest_sensor
    fs = node.fullest_filesystem
    steal = node.domain_steal
    last = node.last_scrape_unix
    return {
        "name": node.name,
        "site": node.site,
        "state": node.state.value,
        "up": node.up,
        "reporting": node.reporting,
        "last_scrape_unix": last,
        "last_scrape_age_seconds": None if last is None else round(max(0.0, now - last), 3),
        "not_reporting_since_unix": node.not_reporting_since_unix,
        "version": node.version,
        "alerts_critical": node.alerts_critical,
        "alerts_warning": node.alerts_warning,
        "worst_domain_steal": None if steal is None else {"domain": steal.domain, "steal_ratio": steal.ratio},
        "host_steal_ratio": node.host_steal_ratio,
        "hottest_sensor": None if sensor is None else {
            "name": sensor.name, "temperature_celsius": sensor.celsius, "limit_celsius": sensor.limit_celsius,
            "limit_kind": sensor.limit_kind, "critical_celsius": sensor.critical_celsius,
            "over_limit": sensor.over_limit,
        },
        "bond_slaves_down": [{"bond": b, "slave": s} for b, s in node.bond_slaves_down],
        "network_problems": dict(sorted(node.network_problems.items())),
        "mtu_mismatches": node.mtu_mismatches if node.reporting else None,
        "ntp_offset_seconds": node.ntp_offset_seconds,
        "ntp_synchronised": node.ntp_synchronised,
        "snmp_targets_down": list(node.snmp_targets_down),
        "fullest_filesystem": None if fs is None else {"mountpoint": fs.mountpoint, "used_ratio": fs.used_ratio},
        "prometheus_alerts": [{"alertname": a.name, "severity": a.severity, "state": a.state, "labels": a.subject}
                              for a in node.prometheus_alerts],
        "problems": list(node.problems),
        "command": node.command,
    }


def fleet_json(view: FleetView, url: str, site_label: str) -> dict[str, Any]:
    """The whole document for one round."""
    return {
        "schema_version": SCHEMA_VERSION,
        "timestamp": view.at_unix,
        "prometheus": {
            "url": url,
            "available": view.available,
            "reason": view.reason,
            "round_seconds": round(view.round_seconds, 4),
            "failed_queries": dict(sorted(view.failed_queries.items())),
        },
        "site_label": site_label,
        "counts": {state: sum(1 for n in view.nodes if n.state.value == state)
                   for state in ("down", "critical", "warning", "ok")},
        "nodes": [node_json(n, view.at_unix) for n in view.nodes],
    }
