"""Alerts: thresholds from the config applied to derived views."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from edgetop.config_schema import Level


class Severity(enum.StrEnum):
    """How bad an alert is."""

    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Alert:
    """One active alert.

    Attributes:
        severity: warning or critical.
        source: the collector that raised it (``cpu``, ``network``…).
        subject: what it is about (``cpu3``, ``bond0/eth1``, a domain name), literal text.
        message: one sentence a technician can act on.

    """

    severity: Severity
    source: str
    subject: str
    message: str

    def to_json(self) -> dict[str, str]:
        """Return one entry of the snapshot's ``alerts`` (edgetop/snapshot.schema.json)."""
        return {"severity": str(self.severity), "source": self.source, "subject": self.subject, "message": self.message}


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
