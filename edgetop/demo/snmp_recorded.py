"""Recorded SNMP polls standing in for the switch, UPS and PDU beside the demo node.

``demo/snmp/targets.json`` holds one recorded poll per target (its scalars and columns, or
the failure it ended in). :class:`RecordedPoller` is the demo context's SNMP poller: the
real collector asks it as it would ask a session, and octet counters and the agent's
uptime advance with the clock so that rates move.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from edgetop.config_schema import SnmpOid, SnmpTarget
from edgetop.sources.snmp_poll import PollData, RawValue

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
_TIMETICKS_WRAP = 8640000  # a day in hundredths of a second: keeps the demo's uptime bounded


def load_targets(demo_dir: Path) -> list[tuple[SnmpTarget, dict[str, Any]]]:
    """Targets and their recorded polls from ``demo_dir/snmp/targets.json``."""
    raw = json.loads((demo_dir / "snmp" / "targets.json").read_text(encoding="utf-8"))
    out = []
    for item in raw:
        oids = tuple(SnmpOid(**o) for o in item.get("oids", ()))
        target = SnmpTarget(name=item["name"], host=item["host"], user="demo", profiles=tuple(item["profiles"]),
                            oids=oids, interval=float(item.get("interval", 2.0)))
        out.append((target, item))
    return out


class RecordedPoller:
    """Answers one target's polls from its recording."""

    def __init__(self, record: dict[str, Any], wall: Callable[[], float] = time.time) -> None:
        """Hold the recording; ``wall`` advances its counters."""
        self._record = record
        self._wall = wall

    async def poll(self, scalar_oids: Iterable[str], column_oids: Iterable[str]) -> PollData:
        """Return the recorded poll, counters advanced by the clock, or raise the recorded failure."""
        from edgetop.sources.snmp_failures import SnmpFailure  # pysnmp loads only when SNMP is used

        d = self._record
        status = d.get("status", "up")
        if status != "up":
            raise SnmpFailure(d.get("error_kind", "timeout"), d.get("error", ""), reachable=status != "down")
        now = self._wall()
        columns: dict[str, dict[str, RawValue]] = {oid: dict(rows) for oid, rows in d.get("columns", {}).items()}
        for oid, per_row in d.get("rates", {}).items():  # column OID -> row -> units per second
            rows = columns.get(oid, {})
            for idx, per_second in per_row.items():
                value = rows.get(idx)
                if isinstance(value, int):
                    rows[idx] = int(value + per_second * now) % (1 << 63)
        scalars: dict[str, RawValue] = dict(d.get("scalars", {}))
        uptime = scalars.get(SYS_UPTIME)
        if isinstance(uptime, int):
            scalars[SYS_UPTIME] = uptime + int(now * 100) % _TIMETICKS_WRAP
        return PollData(scalars, columns, float(d.get("latency_seconds") or 0.0))

    def close(self) -> None:
        """Nothing to release."""
