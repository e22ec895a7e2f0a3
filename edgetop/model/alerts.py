"""Alerts: thresholds from the config applied to derived views, and what each alert is about.

Every alert falls in one :class:`Impact` category. The categories are defined here, once,
and ordered by how much of the node a fault takes with it: a fan that stopped, a machine
check or a link that went down hurts every guest; storage next (a degraded array, a failing
disk, a full or read-only filesystem or pool: where guests die, paused on an I/O error); a
paused or crashed guest is one service gone; a failed host service or a clock off is next,
and soft pressure (steal, a squeezed balloon, PSI) degrades without stopping anything. The
Alerts pane, the overview and the kiosk sort by it.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass

from edgetop.config_schema import Level, Thresholds


class Severity(enum.StrEnum):
    """How bad an alert is."""

    WARNING = "warning"
    CRITICAL = "critical"


class Impact(enum.IntEnum):
    """What an alert is about, most harmful first (the value is the sort rank)."""

    HARDWARE = 0
    LINKS = 1
    STORAGE = 2
    GUESTS = 3
    SERVICES = 4
    TIME = 5
    PRESSURE = 6

    @property
    def label(self) -> str:
        """A short lower-case word for tables and the JSON."""
        return _IMPACT_LABELS[self]


_IMPACT_LABELS = {Impact.HARDWARE: "hardware", Impact.LINKS: "links", Impact.STORAGE: "storage",
                  Impact.GUESTS: "guests", Impact.SERVICES: "services", Impact.TIME: "time",
                  Impact.PRESSURE: "pressure"}

# The category of an alert whose collector did not name one, by its source (``snmp:ups-a``
# and ``ntp:chrony`` by the part before the colon). SNMP targets are the switch, UPS and PDU
# beside the node: hardware; so are the kernel's own reports (machine checks, EDAC, I/O and
# filesystem errors, /dev/kmsg). libvirtd's log errors are its service failing. A guest's
# disk error stops that guest. Domain alerts are pressure (steal, balloon) unless the
# collector says the guest is paused or crashed.
IMPACT_OF_SOURCE: dict[str, Impact] = {
    "sensors": Impact.HARDWARE, "snmp": Impact.HARDWARE, "kernel": Impact.HARDWARE, "network": Impact.LINKS,
    "raid": Impact.STORAGE, "smart": Impact.STORAGE, "disks": Impact.STORAGE, "filesystems": Impact.STORAGE,
    "storage_pools": Impact.STORAGE, "domain_disks": Impact.GUESTS, "libvirtd.log": Impact.SERVICES,
    "services": Impact.SERVICES, "ntp": Impact.TIME, "cpu": Impact.PRESSURE, "memory": Impact.PRESSURE,
    "domains": Impact.PRESSURE,
}

_NUMBERS = re.compile(r"[-+]?\d[\d.,]*")


@dataclass(frozen=True, slots=True)
class Alert:
    """One active alert.

    Attributes:
        severity: warning or critical.
        source: the collector that raised it (``cpu``, ``network``…).
        subject: what it is about (``cpu3``, ``bond0/eth1``, a domain name), literal text.
        message: one sentence a technician can act on.
        kind: what is measured or wrong (``steal``, ``paused``), so that one subject's
            alerts keep their identity while their numbers change; "" derives it from the
            message with its numbers left out.
        impact: the category; None takes the collector's (``IMPACT_OF_SOURCE``).

    """

    severity: Severity
    source: str
    subject: str
    message: str
    kind: str = ""
    impact: Impact | None = None

    @property
    def category(self) -> Impact:
        """The impact category (the collector's when the alert names none)."""
        if self.impact is not None:
            return self.impact
        return IMPACT_OF_SOURCE.get(self.source.split(":", 1)[0], Impact.PRESSURE)

    @property
    def key(self) -> tuple[str, str, str]:
        """The identity of this alert across ticks: the same fault with new numbers is the same alert."""
        return (self.source, self.subject, self.kind or _NUMBERS.sub("#", self.message))

    def to_json(self) -> dict[str, str]:
        """Return one entry of the snapshot's ``alerts`` (edgetop/snapshot.schema.json)."""
        return {"severity": str(self.severity), "source": self.source, "subject": self.subject, "message": self.message}


def clear_thresholds(thresholds: Thresholds, margin: float) -> Thresholds:
    """The levels at which a raised alert clears: each level moved by ``margin`` (a share of it).

    A value must fall ``margin`` below a level where higher is worse (rise above it, for
    ``*_below`` levels) before the alert that level raised ends, so a value that hovers at
    a threshold raises once instead of every other tick (a Schmitt trigger). Evaluating a
    collector's own ``alerts`` at these levels tells whether a raised alert still holds.
    """
    changes: dict[str, Level] = {}
    for f in dataclasses.fields(thresholds):
        level = getattr(thresholds, f.name)
        if not isinstance(level, Level):
            continue
        factor = 1 + margin if f.name.endswith("_below") else 1 - margin
        changes[f.name] = Level(None if level.warn is None else level.warn * factor,
                                None if level.crit is None else level.crit * factor)
    return dataclasses.replace(thresholds, **changes)  # type: ignore[arg-type]


def level_above(value: float | None, level: Level) -> Severity | None:
    """Severity of ``value`` against a level where higher is worse; None when fine or unknown."""
    if value is None:
        return None
    if level.crit is not None and value >= level.crit:
        return Severity.CRITICAL
    if level.warn is not None and value >= level.warn:
        return Severity.WARNING
    return None


def level_below(value: float | None, level: Level) -> Severity | None:
    """Severity of ``value`` against a level where lower is worse; None when fine or unknown."""
    if value is None:
        return None
    if level.crit is not None and value <= level.crit:
        return Severity.CRITICAL
    if level.warn is not None and value <= level.warn:
        return Severity.WARNING
    return None
