"""The fleet's records: one row per node, and the round that produced them.

Frozen, plain values with units in their names; None is "unknown" (the query failed, the
node does not export that family), never zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class NodeState(Enum):
    """How bad a node is, worst first (the order of the fleet table)."""

    DOWN = "down"  # not reporting: Prometheus cannot scrape it, or its series went stale
    CRITICAL = "critical"
    WARNING = "warning"
    OK = "ok"

    @property
    def rank(self) -> int:
        """0 for the worst."""
        return _RANK[self]


_RANK = {NodeState.DOWN: 0, NodeState.CRITICAL: 1, NodeState.WARNING: 2, NodeState.OK: 3}


@dataclass(frozen=True)
class DomainSteal:
    """The guest that waits longest for a host CPU."""

    domain: str
    ratio: float


@dataclass(frozen=True)
class SensorReading:
    """The sensor nearest to (or furthest over) its limit; ``limit_kind`` is ``high`` or ``critical``."""

    name: str
    celsius: float
    limit_celsius: float | None
    limit_kind: str | None
    critical_celsius: float | None

    @property
    def over_limit(self) -> bool:
        """At or above its limit."""
        return self.limit_celsius is not None and self.celsius >= self.limit_celsius

    @property
    def over_critical(self) -> bool:
        """At or above its critical limit."""
        return self.critical_celsius is not None and self.celsius >= self.critical_celsius


@dataclass(frozen=True)
class Filesystem:
    """The fullest filesystem: its mount point and the share used."""

    mountpoint: str
    used_ratio: float


@dataclass(frozen=True)
class PromAlert:
    """An alert of Prometheus's own rules (``ALERTS``) about this node."""

    name: str
    severity: str | None
    state: str
    subject: str


@dataclass(frozen=True)
class FleetNode:
    """One edge node as the central Prometheus sees it."""

    name: str
    site: str | None
    state: NodeState
    up: bool | None
    reporting: bool
    last_scrape_unix: float | None
    not_reporting_since_unix: float | None
    version: str | None
    alerts_critical: int | None
    alerts_warning: int | None
    domain_steal: DomainSteal | None
    host_steal_ratio: float | None
    hottest_sensor: SensorReading | None
    bond_slaves_down: tuple[tuple[str, str], ...]
    network_problems: dict[str, int]
    ntp_offset_seconds: float | None
    ntp_synchronised: bool | None
    snmp_targets_down: tuple[str, ...]
    fullest_filesystem: Filesystem | None
    prometheus_alerts: tuple[PromAlert, ...]
    problems: tuple[str, ...] = field(default=())

    @property
    def mtu_mismatches(self) -> int:
        """Interfaces whose MTU differs from their bond's or bridge's (edgetop's verdict on the node)."""
        return self.network_problems.get("mtu_mismatch", 0)

    @property
    def ssh_host(self) -> str:
        """The host part of the instance (``edge-7:9117`` → ``edge-7``), for ``ssh``."""
        return ssh_host(self.name)

    @property
    def command(self) -> str:
        """How to reach the node's own view."""
        return f"ssh {self.ssh_host} edgetop"


def ssh_host(instance: str) -> str:
    """``edge-7:9117`` → ``edge-7``; ``[2001:db8::7]:9117`` → ``2001:db8::7``; a bare name unchanged."""
    if instance.startswith("["):
        return instance[1:].partition("]")[0]
    if instance.count(":") == 1:
        host, _, port = instance.partition(":")
        if port.isdigit():
            return host
    return instance


@dataclass(frozen=True)
class FleetView:
    """One round's answer: the nodes worst first, or why there is none."""

    nodes: tuple[FleetNode, ...]
    at_unix: float
    round_seconds: float
    available: bool = True
    reason: str | None = None
    failed_queries: dict[str, str] = field(default_factory=dict)
