"""A fleet node's faults by name, its state, and the order of the table: pure functions of a :class:`FleetNode`."""

from __future__ import annotations

from edgetop.fleet.model import FleetNode, NodeState

# Beyond these the row names the fault even when the node raised no alert of its own.
FS_FULL_RATIO = 0.90
NTP_OFFSET_SECONDS = 0.1


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
