"""Pure parsers for libvirt's bulk domain statistics and the per-domain fallback results.

``virConnectGetAllDomainStats`` returns, per domain, a flat dict of typed parameters
(``state.state``, ``cpu.time``, ``balloon.rss``, ``vcpu.0.delay`` …; see libvirt's
``virConnectGetAllDomainStats`` documentation for the field list). These functions turn
such a dict, or the results of the per-domain fallback calls, into frozen dataclasses
with unit-suffixed names (domain XML: :mod:`libvirt_xml`). Nothing here talks to libvirt.

Units: libvirt reports CPU times in nanoseconds, memory in KiB; we store seconds and
bytes. A value libvirt did not report stays None (never 0).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from edgetop.errors import ParseError

NS = 1e-9
KIB = 1024

# virDomainState, lower case as the snapshot's ``state`` has them.
STATE_NAMES: dict[int, str] = {
    0: "nostate", 1: "running", 2: "blocked", 3: "paused", 4: "shutdown", 5: "shutoff", 6: "crashed",
    7: "pmsuspended",
}
ACTIVE_STATES = frozenset({"running", "blocked", "paused", "shutdown", "pmsuspended"})

# virDomain*Reason enums, per state (libvirt-domain.h).
REASONS: dict[str, tuple[str, ...]] = {
    "running": ("unknown", "booted", "migrated", "restored", "from snapshot", "unpaused", "migration canceled",
                "save canceled", "wakeup", "crashed", "postcopy", "postcopy failed"),
    "blocked": ("unknown",),
    "paused": ("unknown", "user", "migration", "save", "dump", "I/O error", "watchdog", "from snapshot",
               "shutting down", "snapshot", "crashed", "starting up", "postcopy", "postcopy failed", "API error"),
    "shutdown": ("unknown", "user"),
    "shutoff": ("unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot",
                "daemon"),
    "crashed": ("unknown", "panicked"),
    "pmsuspended": ("unknown",),
}

# The stats groups edgetop asks for, and one key that proves a group was answered for a
# domain. The test driver answers only ``state``; a real driver skips groups for
# inactive domains. (VIR_DOMAIN_STATS_* values from libvirt-domain.h.)
GROUP_BITS: dict[str, int] = {"state": 1, "cpu-total": 2, "balloon": 4, "vcpu": 8, "interface": 16, "block": 32}
GROUP_MARKERS: dict[str, str] = {
    "state": "state.state", "cpu-total": "cpu.time", "balloon": "balloon.current", "vcpu": "vcpu.current",
    "interface": "net.count", "block": "block.count",
}


class VcpuStats(msgspec.Struct, frozen=True, gc=False):
    """One virtual CPU.

    Attributes:
        id: the vCPU number.
        state: libvirt's vCPU state (0 offline, 1 running, 2 blocked), or None.
        cpu: the host CPU it last ran on, or None.
        affinity: the host CPUs it may run on, or None when unknown.
        time_seconds_total: CPU time it used.
        wait_seconds_total: libvirt's ``vcpu.N.wait``: time spent waiting (halted/IO), or None.
        delay_seconds_total: time runnable but not running (the guest's steal), or None.
        delay_source: where the delay came from: ``libvirt`` or ``schedstat``; None when unknown.
        tid: the host thread id, when known.

    """

    id: int
    state: int | None = None
    cpu: int | None = None
    affinity: tuple[int, ...] | None = None
    time_seconds_total: float | None = None
    wait_seconds_total: float | None = None
    delay_seconds_total: float | None = None
    delay_source: str | None = None
    tid: int | None = None


class Balloon(msgspec.Struct, frozen=True, gc=False):
    """The memory balloon as libvirt and the guest driver report it (bytes, counters)."""

    current_bytes: int | None = None
    maximum_bytes: int | None = None
    actual_bytes: int | None = None
    available_bytes: int | None = None
    unused_bytes: int | None = None
    usable_bytes: int | None = None
    rss_bytes: int | None = None
    disk_caches_bytes: int | None = None
    swap_in_bytes_total: int | None = None
    swap_out_bytes_total: int | None = None
    major_faults_total: int | None = None
    minor_faults_total: int | None = None
    last_update_timestamp: float | None = None


class NicStats(msgspec.Struct, frozen=True, gc=False):
    """One guest NIC, named by its host-side target device (``vnet3``, ``tap0001``)."""

    name: str
    rx_bytes_total: int | None = None
    tx_bytes_total: int | None = None
    rx_packets_total: int | None = None
    tx_packets_total: int | None = None
    rx_errors_total: int | None = None
    tx_errors_total: int | None = None
    rx_drops_total: int | None = None
    tx_drops_total: int | None = None


class DiskStats(msgspec.Struct, frozen=True, gc=False):
    """One guest disk, named by its target (``vda``)."""

    name: str
    path: str | None = None
    read_bytes_total: int | None = None
    write_bytes_total: int | None = None
    read_requests_total: int | None = None
    write_requests_total: int | None = None
    capacity_bytes: int | None = None
    allocation_bytes: int | None = None


class DomainStats(msgspec.Struct, frozen=True, gc=False):
    """Everything collected for one domain in one tick (raw counters)."""

    name: str
    uuid: str
    state: str
    reason: str
    id: int | None = None
    vcpus: int | None = None
    vcpus_max: int | None = None
    cpu_time_seconds_total: float | None = None
    cpu_user_seconds_total: float | None = None
    cpu_system_seconds_total: float | None = None
    balloon: Balloon = Balloon()
    vcpu_list: tuple[VcpuStats, ...] = ()
    nics: tuple[NicStats, ...] = ()
    disks: tuple[DiskStats, ...] = ()
    qemu_pid: int | None = None
    sources: tuple[tuple[str, str], ...] = ()
    """How each group was obtained: (group, ``bulk`` | ``fallback`` | ``none``)."""
    error: str | None = None
    """A per-domain problem this tick (a fallback call failed), in words."""
    autostart: bool | None = None
    """Marked to start with the host; read only for shut-off domains (None: not read)."""
    disk_errors: tuple[tuple[str, str], ...] = ()
    """(disk, error) of a domain paused on an I/O error: ``no space`` or ``I/O error``."""

    @property
    def active(self) -> bool:
        """True when the domain has a running QEMU (running, paused …)."""
        return self.state in ACTIVE_STATES


def _num(value: Any) -> float | None:
    # Typed parameters are ints or doubles; anything else (or NaN/inf) is "not reported".
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    v = float(value)
    return v if math.isfinite(v) else None


def _int(value: Any) -> int | None:
    if type(value) is int:  # the common case, first: this runs ~100 times per domain per tick
        return value
    v = _num(value)
    return None if v is None else int(v)


def _ns(value: Any) -> float | None:
    v = _num(value)
    return None if v is None else v * NS


def _kib(value: Any) -> int | None:
    if type(value) is int:
        return value * KIB
    v = _int(value)
    return None if v is None else v * KIB


def state_name(code: Any) -> str:
    """Return libvirt's state name for ``code`` (``nostate`` when unknown)."""
    c = _int(code)
    return STATE_NAMES.get(c if c is not None else 0, "nostate")


def reason_name(state: str, code: Any) -> str:
    """Return the reason text for a state's reason code (``unknown`` when out of range)."""
    c = _int(code)
    names = REASONS.get(state, ("unknown",))
    return names[c] if c is not None and 0 <= c < len(names) else "unknown"


def groups_present(stats: Mapping[str, Any]) -> frozenset[str]:
    """Return the stats groups a bulk record holds (by their marker keys)."""
    return frozenset(g for g, key in GROUP_MARKERS.items() if key in stats)


def parse_balloon(stats: Mapping[str, Any]) -> Balloon:
    """Parse the ``balloon.*`` keys of a bulk record.

    libvirt's ``balloon.current`` is the balloon size QEMU last reported (updated from
    its BALLOON_CHANGE events), so it doubles as ``actual`` when no ``balloon.actual``
    key is present.
    """
    current = _kib(stats.get("balloon.current"))
    actual = _kib(stats.get("balloon.actual"))
    last = _num(stats.get("balloon.last-update"))
    return Balloon(
        current_bytes=current,
        maximum_bytes=_kib(stats.get("balloon.maximum")),
        actual_bytes=actual if actual is not None else current,
        available_bytes=_kib(stats.get("balloon.available")),
        unused_bytes=_kib(stats.get("balloon.unused")),
        usable_bytes=_kib(stats.get("balloon.usable")),
        rss_bytes=_kib(stats.get("balloon.rss")),
        disk_caches_bytes=_kib(stats.get("balloon.disk_caches")),
        swap_in_bytes_total=_kib(stats.get("balloon.swap_in")),
        swap_out_bytes_total=_kib(stats.get("balloon.swap_out")),
        major_faults_total=_int(stats.get("balloon.major_fault")),
        minor_faults_total=_int(stats.get("balloon.minor_fault")),
        last_update_timestamp=last if last else None,  # 0 means "never updated"
    )


@functools.lru_cache(maxsize=4096)
def _bare_balloon(current: int | None, maximum: int | None) -> Balloon:
    # Immutable, so one object per (current, maximum) is shared across domains and ticks:
    # building a 13-field frozen dataclass per domain per tick is a measurable cost at 1,000.
    return Balloon(current_bytes=current, maximum_bytes=maximum, actual_bytes=current)


def parse_memory_stats(mem: Mapping[str, Any], current_kib: Any, maximum_kib: Any) -> Balloon:
    """Build a :class:`Balloon` from ``virDomainMemoryStats`` plus ``info()``'s memory fields."""
    if not mem:  # no guest balloon driver (or the test driver): only libvirt's own numbers
        return _bare_balloon(_kib(current_kib), _kib(maximum_kib))
    current = _kib(current_kib)
    last = _num(mem.get("last_update"))
    actual = _kib(mem.get("actual"))
    return Balloon(
        current_bytes=current,
        maximum_bytes=_kib(maximum_kib),
        actual_bytes=actual if actual is not None else current,
        available_bytes=_kib(mem.get("available")),
        unused_bytes=_kib(mem.get("unused")),
        usable_bytes=_kib(mem.get("usable")),
        rss_bytes=_kib(mem.get("rss")),
        disk_caches_bytes=_kib(mem.get("disk_caches")),
        swap_in_bytes_total=_kib(mem.get("swap_in")),
        swap_out_bytes_total=_kib(mem.get("swap_out")),
        major_faults_total=_int(mem.get("major_fault")),
        minor_faults_total=_int(mem.get("minor_fault")),
        last_update_timestamp=last if last else None,
    )


def parse_vcpus(stats: Mapping[str, Any]) -> tuple[VcpuStats, ...]:
    """Parse ``vcpu.N.{state,time,wait,delay}`` of a bulk record (times in ns)."""
    count = _int(stats.get("vcpu.maximum")) or _int(stats.get("vcpu.current")) or 0
    out = []
    for n in range(min(count, 4096)):
        prefix = f"vcpu.{n}."
        if f"{prefix}state" not in stats and f"{prefix}time" not in stats:
            continue
        delay = _ns(stats.get(f"{prefix}delay"))
        out.append(VcpuStats(
            id=n,
            state=_int(stats.get(f"{prefix}state")),
            time_seconds_total=_ns(stats.get(f"{prefix}time")),
            wait_seconds_total=_ns(stats.get(f"{prefix}wait")),
            delay_seconds_total=delay,
            delay_source="libvirt" if delay is not None else None,
        ))
    return tuple(out)


def parse_nics(stats: Mapping[str, Any]) -> tuple[NicStats, ...]:
    """Parse ``net.N.*`` of a bulk record."""
    out = []
    for n in range(min(_int(stats.get("net.count")) or 0, 4096)):
        p = f"net.{n}."
        name = stats.get(f"{p}name")
        if not isinstance(name, str):
            continue
        out.append(NicStats(
            name=name,
            rx_bytes_total=_int(stats.get(f"{p}rx.bytes")), tx_bytes_total=_int(stats.get(f"{p}tx.bytes")),
            rx_packets_total=_int(stats.get(f"{p}rx.pkts")), tx_packets_total=_int(stats.get(f"{p}tx.pkts")),
            rx_errors_total=_int(stats.get(f"{p}rx.errs")), tx_errors_total=_int(stats.get(f"{p}tx.errs")),
            rx_drops_total=_int(stats.get(f"{p}rx.drop")), tx_drops_total=_int(stats.get(f"{p}tx.drop")),
        ))
    return tuple(out)


def parse_disks(stats: Mapping[str, Any]) -> tuple[DiskStats, ...]:
    """Parse ``block.N.*`` of a bulk record."""
    out = []
    for n in range(min(_int(stats.get("block.count")) or 0, 4096)):
        p = f"block.{n}."
        name = stats.get(f"{p}name")
        if not isinstance(name, str):
            continue
        path = stats.get(f"{p}path")
        out.append(DiskStats(
            name=name, path=path if isinstance(path, str) else None,
            read_bytes_total=_int(stats.get(f"{p}rd.bytes")), write_bytes_total=_int(stats.get(f"{p}wr.bytes")),
            read_requests_total=_int(stats.get(f"{p}rd.reqs")), write_requests_total=_int(stats.get(f"{p}wr.reqs")),
            capacity_bytes=_int(stats.get(f"{p}capacity")), allocation_bytes=_int(stats.get(f"{p}allocation")),
        ))
    return tuple(out)


def parse_interface_stats(name: str, values: Sequence[Any]) -> NicStats:
    """Parse ``virDomainInterfaceStats``: (rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets, …)."""
    if len(values) < 8:
        raise ParseError(f"interfaceStats returned {len(values)} values, expected 8")
    v = [x if type(x) is int else _int(x) for x in values[:8]]
    # Positional, in NicStats field order (rx/tx bytes, packets, errors, drops): runs per NIC per tick.
    return NicStats(name, v[0], v[4], v[1], v[5], v[2], v[6], v[3], v[7])


def parse_block_stats(name: str, path: str | None, values: Sequence[Any]) -> DiskStats:
    """Parse ``virDomainBlockStats``: (rd_req, rd_bytes, wr_req, wr_bytes, errs)."""
    if len(values) < 4:
        raise ParseError(f"blockStats returned {len(values)} values, expected 5")
    # The test driver and some drivers return -1 for "not supported".
    v = [x if type(x) is int and x >= 0 else _nonneg(x) for x in values[:4]]
    return DiskStats(name, path, v[1], v[3], v[0], v[2])


def _nonneg(x: Any) -> int | None:
    v = _int(x)
    return None if v is None or v < 0 else v


_NO_BALLOON = Balloon()


def bulk_fields(name: str, uuid: str, stats: Mapping[str, Any], domain_id: int | None = None) -> dict[str, Any]:
    """Turn one ``getAllDomainStats`` record into :class:`DomainStats` keyword arguments.

    ``sources`` is a dict here (group → ``bulk``/``none``) so that fallbacks can fill
    it in before the frozen dataclass is built once (see :func:`build_domain`).
    """
    state = state_name(stats.get("state.state"))
    base: dict[str, Any] = {
        "name": name,
        "uuid": uuid,
        "state": state,
        "reason": reason_name(state, stats.get("state.reason")),
        "id": domain_id if domain_id is not None and domain_id >= 0 else None,
    }
    if len(stats) <= 2:  # the state group alone (test driver, or a domain with nothing more)
        base.update(_STATE_ONLY)
        base["sources"] = dict(_STATE_ONLY_SOURCES if "state.state" in stats else _NO_SOURCES)
        return base
    present = groups_present(stats)
    base.update({
        "vcpus": _int(stats.get("vcpu.current")),
        "vcpus_max": _int(stats.get("vcpu.maximum")),
        "cpu_time_seconds_total": _ns(stats.get("cpu.time")),
        "cpu_user_seconds_total": _ns(stats.get("cpu.user")),
        "cpu_system_seconds_total": _ns(stats.get("cpu.system")),
        "balloon": parse_balloon(stats) if "balloon" in present else _NO_BALLOON,
        "vcpu_list": parse_vcpus(stats) if "vcpu" in present else (),
        "nics": parse_nics(stats) if "interface" in present else (),
        "disks": parse_disks(stats) if "block" in present else (),
        "sources": {g: "bulk" if g in present else "none" for g in GROUP_MARKERS},
    })
    return base


_STATE_ONLY: dict[str, Any] = {
    "vcpus": None, "vcpus_max": None, "cpu_time_seconds_total": None, "cpu_user_seconds_total": None,
    "cpu_system_seconds_total": None, "balloon": _NO_BALLOON, "vcpu_list": (), "nics": (), "disks": (),
}
_STATE_ONLY_SOURCES = {g: "bulk" if g == "state" else "none" for g in GROUP_MARKERS}
_NO_SOURCES = dict.fromkeys(GROUP_MARKERS, "none")


def build_domain(fields: dict[str, Any]) -> DomainStats:
    """Build the frozen :class:`DomainStats` from :func:`bulk_fields` output; consumes ``fields``."""
    fields["sources"] = tuple(fields["sources"].items())  # the dict is not used after this
    return DomainStats(**fields)


def parse_bulk_record(name: str, uuid: str, stats: Mapping[str, Any], domain_id: int | None = None) -> DomainStats:
    """Turn one ``getAllDomainStats`` record into :class:`DomainStats` (groups it lacks stay empty)."""
    return build_domain(bulk_fields(name, uuid, stats, domain_id))
