"""What polling one SNMP target returns, and the poller contract, without importing pysnmp.

:class:`~edgetop.sources.snmp_session.SnmpSession` is the real poller; a recording can
stand in for it (``--demo``) through ``Context.snmp_poller``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

RawValue = int | str | None


@dataclass(frozen=True, slots=True)
class PollData:
    """What one poll returned.

    Attributes:
        scalars: GET results by requested OID (None: the agent has no such object).
        columns: GETBULK results by column OID, then row index suffix.
        latency_seconds: round trip of the GET.

    """

    scalars: dict[str, RawValue]
    columns: dict[str, dict[str, RawValue]]
    latency_seconds: float


class SnmpPoller(Protocol):
    """Polls one target; raises :class:`~edgetop.sources.snmp_failures.SnmpFailure` when it cannot."""

    async def poll(self, scalar_oids: Iterable[str], column_oids: Iterable[str]) -> PollData:
        """GET ``scalar_oids`` and walk ``column_oids`` once."""
        ...

    def close(self) -> None:
        """Release what the poller holds."""
        ...
