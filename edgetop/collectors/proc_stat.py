"""``/proc/stat``: CPU time counters, total and per core (proc(5)).

The counters are in USER_HZ ticks; we convert to seconds. ``user`` and ``nice`` include
``guest`` and ``guest_nice`` (kernel/sched/cputime.c accounts guest time to both), so
guest time is subtracted from them to avoid counting it twice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from edgetop.errors import ParseError

try:
    USER_HZ = os.sysconf("SC_CLK_TCK")
except (ValueError, OSError):  # pragma: no cover - every Linux has it
    USER_HZ = 100

_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice")


@dataclass(frozen=True, slots=True)
class CpuCounters:
    """Seconds spent in each state since boot, for one CPU or all of them.

    ``user_seconds_total``/``nice_seconds_total`` exclude guest time, which has its own
    fields. Fields an old kernel does not print (steal, guest) count as 0: the time was
    accounted elsewhere (user/system) before those fields existed.
    """

    name: str
    user_seconds_total: float
    nice_seconds_total: float
    system_seconds_total: float
    idle_seconds_total: float
    iowait_seconds_total: float
    irq_seconds_total: float
    softirq_seconds_total: float
    steal_seconds_total: float
    guest_seconds_total: float
    guest_nice_seconds_total: float

    @property
    def total_seconds(self) -> float:
        """All accounted time: every state once (guest was taken out of user/nice above)."""
        return (
            self.user_seconds_total
            + self.nice_seconds_total
            + self.system_seconds_total
            + self.idle_seconds_total
            + self.iowait_seconds_total
            + self.irq_seconds_total
            + self.softirq_seconds_total
            + self.steal_seconds_total
            + self.guest_seconds_total
            + self.guest_nice_seconds_total
        )


@dataclass(frozen=True, slots=True)
class ProcStat:
    """The parts of ``/proc/stat`` edgetop uses."""

    total: CpuCounters
    cores: tuple[CpuCounters, ...]
    context_switches_total: int | None
    procs_running: int | None
    procs_blocked: int | None


def _counters(name: str, values: list[str], hz: int) -> CpuCounters:
    try:
        ticks = [int(v) for v in values[: len(_FIELDS)]]
    except ValueError as err:
        raise ParseError(f"/proc/stat: non-numeric {name} line") from err
    if len(ticks) < 4:
        raise ParseError(f"/proc/stat: {name} line has {len(ticks)} fields, expected at least 4")
    ticks += [0] * (len(_FIELDS) - len(ticks))
    s = dict(zip(_FIELDS, (t / hz for t in ticks), strict=True))
    return CpuCounters(
        name=name,
        user_seconds_total=max(0.0, s["user"] - s["guest"]),
        nice_seconds_total=max(0.0, s["nice"] - s["guest_nice"]),
        system_seconds_total=s["system"],
        idle_seconds_total=s["idle"],
        iowait_seconds_total=s["iowait"],
        irq_seconds_total=s["irq"],
        softirq_seconds_total=s["softirq"],
        steal_seconds_total=s["steal"],
        guest_seconds_total=s["guest"],
        guest_nice_seconds_total=s["guest_nice"],
    )


def parse_proc_stat(text: str, hz: int = USER_HZ) -> ProcStat:
    """Parse ``/proc/stat``.

    Raises:
        ParseError: no aggregate ``cpu`` line, or a malformed CPU line.

    """
    total: CpuCounters | None = None
    cores: list[CpuCounters] = []
    ctxt = running = blocked = None
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        key = parts[0]
        if key == "cpu":
            total = _counters("total", parts[1:], hz)
        elif key.startswith("cpu") and key[3:].isdigit():
            cores.append(_counters(key, parts[1:], hz))
        # isdecimal, not isdigit: "²" is a digit to isdigit() but int() refuses it.
        elif key in ("ctxt", "procs_running", "procs_blocked") and len(parts) > 1 and parts[1].isdecimal():
            value = int(parts[1])
            if key == "ctxt":
                ctxt = value
            elif key == "procs_running":
                running = value
            else:
                blocked = value
    if total is None:
        raise ParseError("/proc/stat: no aggregate 'cpu' line")
    return ProcStat(total, tuple(cores), ctxt, running, blocked)
