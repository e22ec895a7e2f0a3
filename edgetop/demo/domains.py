"""Demo-only variation of the libvirt test driver's frozen counters (``--demo`` only).

libvirt's test driver reports CPU time as the wall clock (every guest looks 100 % busy),
no balloon statistics and no vCPU delay, and its counters never move. For the demo to
look like a real edge node, :class:`DemoVariation` replaces those values with smooth,
plausible functions of the time since the demo started, per domain profile (a router
VNF busy on its pinned vCPUs, a squeezed database, a CI runner suffering steal …).

The demo context wraps the ``domains`` collector with :class:`MovingDomains` (through
``Context.adapters``); the collector never knows, and a real hypervisor's numbers are
never touched. See ``edgetop/demo/libvirt/README.md``.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from msgspec.structs import replace

from edgetop.collectors.libvirt_domains import DomainsRaw
from edgetop.collectors.libvirt_stats import Balloon, DiskStats, DomainStats, NicStats, VcpuStats
from edgetop.model.spec import Collect


@dataclass(frozen=True, slots=True)
class Profile:
    """How a demo guest behaves: mean shares of one vCPU, balloon squeeze, I/O rates."""

    cpu: float = 0.15
    steal: float = 0.01
    squeeze: float = 0.0
    usable: float = 0.45
    disk_bps: float = 200e3
    net_bps: float = 50e3
    paused_reason: str | None = None
    disk_errors: tuple[tuple[str, str], ...] = ()


PROFILES: dict[str, Profile] = {
    "vrouter-vnf": Profile(cpu=0.65, steal=0.004, usable=0.6, disk_bps=5e3, net_bps=40e6),
    "video-analytics": Profile(cpu=0.8, steal=0.02, squeeze=0.25, usable=0.3, disk_bps=8e6, net_bps=12e6),
    "db-postgres": Profile(cpu=0.35, steal=0.03, squeeze=0.45, usable=0.07, disk_bps=15e6, net_bps=2e6),
    "ci-runner": Profile(cpu=0.9, steal=0.12, squeeze=0.3, usable=0.2, disk_bps=4e6, net_bps=1e6),
    "firewall-vnf": Profile(cpu=0.4, steal=0.002, net_bps=30e6),
    # The test driver pauses with reason "unknown"; on a real node the commonest pause is
    # libvirt's own on a full disk (VIR_DOMAIN_PAUSED_IOERROR with VIR_DOMAIN_DISK_ERROR_NO_SPACE).
    "scada-hmi": Profile(paused_reason="I/O error", disk_errors=(("vda", "no space"),)),
}


def _integral(mean: float, t: float, phase: float, period: float = 23.0, swing: float = 0.35,
              shift: float = 0.0) -> float:
    """∫₀ᵗ mean·(1 + swing·sin(2π(s + shift)/period + phase)) ds: a counter whose rate wobbles, never negative.

    ``shift`` moves the wave, not the counter (which is 0 at ``t`` = 0 whatever it is).
    """
    w = 2 * math.pi / period
    shift %= period
    return mean * (t - swing / w * (math.cos(w * (t + shift) + phase) - math.cos(w * shift + phase)))


class DemoVariation:
    """Turns frozen test-driver values into moving ones."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        """Start the demo's clock now."""
        self._clock = clock
        self._wall = wall
        self._start = clock()
        self._base = 3600.0  # the guests have been up an hour when the demo starts
        # The waves (rates, steal, balloon) follow the wall clock, so that every demo process
        # shows the same guest in the same phase at the same moment: two demo nodes side by
        # side (the fleet tests) differ only in what their recordings differ in, not in whose
        # guest's steal happens to be at its peak (steal alerts come and go every ~11 s).
        self._shift = wall() - self._base

    def _wave(self, mean: float, t: float, phase: float, period: float = 23.0, swing: float = 0.35) -> float:
        """:func:`_integral` with the wave set by the wall clock (see ``_shift``)."""
        return _integral(mean, t, phase, period, swing, self._shift)

    def apply(self, d: DomainStats) -> DomainStats:
        """Return ``d`` with demo values; shut-off guests are left as they are."""
        if not d.active:
            return d
        prof = PROFILES.get(d.name, Profile())
        phase = (zlib.crc32(d.uuid.encode()) % 628) / 100
        if d.state == "paused" and prof.paused_reason is not None:
            d = replace(d, reason=prof.paused_reason, disk_errors=prof.disk_errors)
        # A paused guest's counters stand still at the moment it was paused (the start).
        t = self._base + (0.0 if d.state == "paused" else self._clock() - self._start)
        vcpus = []
        for v in d.vcpu_list or tuple(VcpuStats(id=i) for i in range(d.vcpus or 1)):
            ph = phase + v.id * 0.9
            # The test driver reports odd host CPUs; move each vCPU within its affinity.
            cpus = v.affinity or (0,)
            vcpus.append(replace(
                v,
                cpu=cpus[(int(t) // 7 + v.id) % len(cpus)],
                time_seconds_total=self._wave(prof.cpu, t, ph),
                wait_seconds_total=self._wave(max(0.0, 1 - prof.cpu - prof.steal), t, ph + 1.5, swing=0.2),
                delay_seconds_total=self._wave(prof.steal, t, ph + 3.0, period=11.0, swing=0.8),
                delay_source="libvirt",
            ))
        cpu_total = sum(v.time_seconds_total or 0.0 for v in vcpus) * 1.04  # + emulator threads
        return replace(
            d, cpu_time_seconds_total=cpu_total, vcpu_list=tuple(vcpus),
            balloon=self._balloon(d.balloon, prof, t, phase),
            nics=tuple(self._nic(n, prof, t, phase + i) for i, n in enumerate(d.nics)),
            disks=tuple(self._disk(x, prof, t, phase + i) for i, x in enumerate(d.disks)),
        )

    def _balloon(self, b: Balloon, prof: Profile, t: float, phase: float) -> Balloon:
        maximum = b.maximum_bytes or b.current_bytes
        if maximum is None:
            return b
        squeeze = max(0.0, prof.squeeze * (1 + 0.15 * math.sin((t + self._shift) / 40 + phase)))
        actual = min(b.current_bytes or maximum, int(maximum * (1 - squeeze))) // 4096 * 4096
        available = int(actual * 0.97)
        wobble = 1 + 0.25 * math.sin((t + self._shift) / 17 + phase)
        usable = int(available * min(0.95, max(0.01, prof.usable * wobble)))
        return Balloon(
            current_bytes=b.current_bytes if b.current_bytes is not None else actual,
            maximum_bytes=maximum, actual_bytes=actual, available_bytes=available,
            unused_bytes=int(usable * 0.55), usable_bytes=usable, rss_bytes=int(actual * 0.92),
            disk_caches_bytes=int(usable * 0.4),
            swap_in_bytes_total=int(self._wave(20e3 if prof.usable < 0.1 else 0.0, t, phase)),
            swap_out_bytes_total=int(self._wave(60e3 if prof.usable < 0.1 else 0.0, t, phase)),
            major_faults_total=int(self._wave(3.0, t, phase)), minor_faults_total=int(self._wave(900.0, t, phase)),
            last_update_timestamp=float(int(self._wall()) - int(t) % 5),  # the guest polls every 5 s
        )

    def _nic(self, n: NicStats, prof: Profile, t: float, phase: float) -> NicStats:
        rx = int(self._wave(prof.net_bps, t, phase))
        tx = int(self._wave(prof.net_bps * 0.7, t, phase + 1))
        return replace(n, rx_bytes_total=rx, tx_bytes_total=tx, rx_packets_total=rx // 900,
                       tx_packets_total=tx // 900, rx_errors_total=0, tx_errors_total=0, rx_drops_total=0,
                       tx_drops_total=0)

    def _disk(self, x: DiskStats, prof: Profile, t: float, phase: float) -> DiskStats:
        rd = int(self._wave(prof.disk_bps * 0.6, t, phase))
        wr = int(self._wave(prof.disk_bps * 0.4, t, phase + 2))
        return replace(x, read_bytes_total=rd, write_bytes_total=wr, read_requests_total=rd // 16384,
                       write_requests_total=wr // 16384)


class MovingDomains:
    """The ``domains`` collect callable with :class:`DemoVariation` applied to what it returns.

    It stands where the collector's own callable stood, so it forwards what the engine and
    the spec use besides calling it: ``subscribe`` (lifecycle events) and ``conn`` (closed
    by the spec's ``close``).
    """

    def __init__(self, collect: Collect, variation: DemoVariation | None = None) -> None:
        """Wrap ``collect``; a new variation starts the demo's clock now."""
        self._collect = collect
        self._variation = variation or DemoVariation()

    def __call__(self) -> DomainsRaw:
        """Collect from the test driver, then move its frozen counters."""
        raw = cast(DomainsRaw, self._collect())  # a sync collect: the libvirt lane runs it in a thread
        return replace(raw, domains=tuple(self._variation.apply(d) for d in raw.domains))

    def __getattr__(self, name: str) -> Any:
        """Forward ``subscribe``, ``conn`` and the rest to the wrapped collector."""
        return getattr(self._collect, name)
