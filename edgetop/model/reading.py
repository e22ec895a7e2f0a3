"""What one run of a collector produced: ok, unavailable or failed, with its duration."""

from __future__ import annotations

import enum
from typing import Any

import msgspec


class Status(enum.StrEnum):
    """Outcome of one collection."""

    OK = "ok"
    UNAVAILABLE = "unavailable"
    FAILED = "failed"


class Reading(msgspec.Struct, frozen=True):
    """One collection result.

    Attributes:
        collector: the collector's registry name.
        status: ok, unavailable (source absent) or failed (unexpected error).
        value: the collector's dataclass when ok, else None.
        reason: why it is unavailable or failed, in words; None when ok.
        duration_seconds: how long the collection took.
        timestamp: wall-clock time (epoch seconds) at the end of collection.
        monotonic: monotonic clock at the end of collection (for rates).

    """

    collector: str
    status: Status
    value: Any
    reason: str | None
    duration_seconds: float
    timestamp: float
    monotonic: float

    @property
    def ok(self) -> bool:
        """True when the collection succeeded."""
        return self.status is Status.OK
