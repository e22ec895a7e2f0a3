"""The domains view: rates from two ticks, balloon pressure, JSON (edgetop/snapshot.schema.json), alerts.

Its Prometheus families are ``libvirt_metrics``'s.

Steal of a guest is its vCPUs' *delay* (time runnable on a host run queue but not
running; libvirt's ``vcpu.N.delay``, which the guest's kernel reports as steal), as a
share of wall time. A domain's steal ratio is the mean over its vCPUs. CPU ratio is
CPU time over wall time normalised to the domain's vCPUs; the host ratio normalises to
the host's CPUs instead.

Balloon pressure: ``squeeze_ratio`` = 1 - actual / maximum (how far the balloon has
taken memory away), ``usable_ratio`` = usable / available (what the guest could still
use without swapping, of what it sees), ``unused_ratio`` = unused / available.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec

from edgetop.collectors.libvirt_stats import Balloon, DomainStats, VcpuStats
from edgetop.config_schema import Config
from edgetop.model.alerts import Alert, Impact, Severity, level_above, level_below
from edgetop.model.derive import rate, share, time_share
from edgetop.sources.libvirt_conn import Hypervisor


class VcpuView(msgspec.Struct, frozen=True, gc=False):
    """One vCPU with its rates (0..1 of wall time)."""

    stats: VcpuStats
    time_ratio: float | None = None
    wait_ratio: float | None = None
    steal_ratio: float | None = None


class DeviceRates(msgspec.Struct, frozen=True, gc=False):
    """Byte rates of one disk (read/write) or NIC (rx/tx)."""

    name: str
    in_bytes_per_second: float | None
    out_bytes_per_second: float | None


class DomainView(msgspec.Struct, frozen=True, gc=False):
    """One domain as the pane and exporters show it."""

    stats: DomainStats
    cpu_ratio: float | None = None
    host_cpu_ratio: float | None = None
    steal_ratio: float | None = None
    delay_source: str | None = None
    vcpus: tuple[VcpuView, ...] = ()
    squeeze_ratio: float | None = None
    usable_ratio: float | None = None
    unused_ratio: float | None = None
    disks: tuple[DeviceRates, ...] = ()
    nics: tuple[DeviceRates, ...] = ()

    @property
    def disk_read_bytes_per_second(self) -> float | None:
        """Sum over disks; None when no disk rate is known."""
        return _sum(d.in_bytes_per_second for d in self.disks)

    @property
    def disk_write_bytes_per_second(self) -> float | None:
        """Sum over disks; None when no disk rate is known."""
        return _sum(d.out_bytes_per_second for d in self.disks)

    @property
    def net_rx_bytes_per_second(self) -> float | None:
        """Sum over NICs; None when no NIC rate is known."""
        return _sum(n.in_bytes_per_second for n in self.nics)

    @property
    def net_tx_bytes_per_second(self) -> float | None:
        """Sum over NICs; None when no NIC rate is known."""
        return _sum(n.out_bytes_per_second for n in self.nics)


class DomainsView(msgspec.Struct, frozen=True, gc=False):
    """All domains; ``tap_owners`` maps a host tap/target device to its domain's name."""

    domains: tuple[DomainView, ...]
    hypervisor: Hypervisor | None
    tap_owners: dict[str, str] = msgspec.field(default_factory=dict)
    fallback_calls: int = 0
    bulk_seconds: float = 0.0
    vanished: tuple[str, ...] = ()


def _sum(values: Any) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def balloon_pressure(b: Balloon) -> tuple[float | None, float | None, float | None]:
    """Return (squeeze, usable, unused) ratios of a balloon; None where unknown."""
    squeeze = None
    if b.actual_bytes is not None and b.maximum_bytes:
        squeeze = min(1.0, max(0.0, 1.0 - b.actual_bytes / b.maximum_bytes))
    return squeeze, share(b.usable_bytes, b.available_bytes), share(b.unused_bytes, b.available_bytes)


_DISK_BYTES = ("read_bytes_total", "write_bytes_total")
_NIC_BYTES = ("rx_bytes_total", "tx_bytes_total")


def _dev_rates(prev: tuple[Any, ...], cur: tuple[Any, ...], fields: tuple[str, str],
               elapsed: float) -> tuple[DeviceRates, ...]:
    """Byte rates of disks or NICs, matched by name (by position first: devices rarely move)."""
    fin, fout = fields
    out = []
    by_name: dict[str, Any] | None = None
    for i, dev in enumerate(cur):
        before = prev[i] if i < len(prev) and prev[i].name == dev.name else None
        if before is None and prev:
            if by_name is None:
                by_name = {p.name: p for p in prev}
            before = by_name.get(dev.name)
        if before is None:
            out.append(DeviceRates(dev.name, None, None))
        else:
            out.append(DeviceRates(dev.name, rate(getattr(before, fin), getattr(dev, fin), elapsed),
                                   rate(getattr(before, fout), getattr(dev, fout), elapsed)))
    return tuple(out)


def derive_domain(prev: DomainStats | None, cur: DomainStats, elapsed: float, host_cpus: int | None) -> DomainView:
    """Rates of one domain between two ticks (``prev`` None or restarted: rates unknown)."""
    if prev is not None and prev.id != cur.id:
        prev = None  # restarted: its counters started again
    cpu_rate = rate(prev.cpu_time_seconds_total if prev else None, cur.cpu_time_seconds_total, elapsed)
    nvcpu = cur.vcpus or len(cur.vcpu_list) or None
    pv = {v.id: v for v in prev.vcpu_list} if prev else {}
    vcpus = []
    for v in cur.vcpu_list:
        p = pv.get(v.id)
        if p is None:
            vcpus.append(VcpuView(v))
            continue
        vcpus.append(VcpuView(
            v,
            time_share(p.time_seconds_total, v.time_seconds_total, elapsed),
            time_share(p.wait_seconds_total, v.wait_seconds_total, elapsed),
            # Delay from two different sources (libvirt, schedstat) is not one counter.
            time_share(p.delay_seconds_total, v.delay_seconds_total, elapsed)
            if p.delay_source == v.delay_source else None,
        ))
    squeeze, usable, unused = balloon_pressure(cur.balloon)
    sources = {v.delay_source for v in cur.vcpu_list if v.delay_source}
    return DomainView(
        stats=cur,
        cpu_ratio=share(cpu_rate, float(nvcpu)) if cpu_rate is not None and nvcpu else None,
        host_cpu_ratio=share(cpu_rate, float(host_cpus)) if cpu_rate is not None and host_cpus else None,
        steal_ratio=_mean([v.steal_ratio for v in vcpus]),
        delay_source=",".join(sorted(sources)) or None,
        vcpus=tuple(vcpus),
        squeeze_ratio=squeeze, usable_ratio=usable, unused_ratio=unused,
        disks=_dev_rates(prev.disks if prev else (), cur.disks, _DISK_BYTES, elapsed),
        nics=_dev_rates(prev.nics if prev else (), cur.nics, _NIC_BYTES, elapsed),
    )


def derive(prev: Any, cur: Any, elapsed: float) -> DomainsView:
    """Derive the ``domains`` view: match domains by UUID across two ticks."""
    before = {d.uuid: d for d in prev.domains} if prev is not None else {}
    host_cpus = cur.hypervisor.host_cpus if cur.hypervisor is not None else None
    doms = tuple(derive_domain(before.get(d.uuid), d, elapsed, host_cpus) for d in cur.domains)
    owners = {n.name: d.name for d in cur.domains for n in d.nics}
    return DomainsView(doms, cur.hypervisor, owners, cur.fallback_calls, cur.bulk_seconds, cur.vanished)


def _balloon_json(d: DomainView) -> dict[str, Any]:
    b = d.stats.balloon
    age = None if b.last_update_timestamp is None else max(0.0, time.time() - b.last_update_timestamp)
    return {
        "current_bytes": b.current_bytes, "maximum_bytes": b.maximum_bytes, "actual_bytes": b.actual_bytes,
        "available_bytes": b.available_bytes, "unused_bytes": b.unused_bytes, "usable_bytes": b.usable_bytes,
        "rss_bytes": b.rss_bytes, "disk_caches_bytes": b.disk_caches_bytes,
        "swap_in_bytes_total": b.swap_in_bytes_total, "swap_out_bytes_total": b.swap_out_bytes_total,
        "major_faults_total": b.major_faults_total, "minor_faults_total": b.minor_faults_total,
        "last_update_timestamp": b.last_update_timestamp, "last_update_age_seconds": age,
        "squeeze_ratio": d.squeeze_ratio, "usable_ratio": d.usable_ratio, "unused_ratio": d.unused_ratio,
    }


def domain_json(d: DomainView) -> dict[str, Any]:
    """One ``domains[]`` entry of the snapshot."""
    s = d.stats
    return {
        "name": s.name, "uuid": s.uuid, "id": s.id, "state": s.state, "state_reason": s.reason,
        "vcpus": s.vcpus, "vcpus_max": s.vcpus_max, "qemu_pid": s.qemu_pid,
        "cpu_time_seconds_total": s.cpu_time_seconds_total, "cpu_ratio": d.cpu_ratio,
        "host_cpu_ratio": d.host_cpu_ratio, "steal_ratio": d.steal_ratio, "delay_source": d.delay_source,
        "balloon": _balloon_json(d),
        "vcpu_list": [{
            "id": v.stats.id, "cpu": v.stats.cpu,
            "affinity": list(v.stats.affinity) if v.stats.affinity is not None else None,
            "time_seconds_total": v.stats.time_seconds_total, "wait_seconds_total": v.stats.wait_seconds_total,
            "delay_seconds_total": v.stats.delay_seconds_total, "delay_source": v.stats.delay_source,
            "steal_ratio": v.steal_ratio, "wait_ratio": v.wait_ratio, "tid": v.stats.tid,
        } for v in d.vcpus],
        "disks": [{"name": x.name, "path": p.path, "read_bytes_total": p.read_bytes_total,
                   "write_bytes_total": p.write_bytes_total, "read_bytes_per_second": x.in_bytes_per_second,
                   "write_bytes_per_second": x.out_bytes_per_second} for x, p in zip(d.disks, s.disks, strict=True)],
        "interfaces": [{"name": x.name, "rx_bytes_total": n.rx_bytes_total, "tx_bytes_total": n.tx_bytes_total,
                        "rx_bytes_per_second": x.in_bytes_per_second, "tx_bytes_per_second": x.out_bytes_per_second}
                       for x, n in zip(d.nics, s.nics, strict=True)],
        "sources": dict(s.sources),
        "error": s.error,
        "autostart": s.autostart,
        "disk_errors": [{"disk": dev, "error": err} for dev, err in s.disk_errors],
    }


def to_json(v: DomainsView) -> list[dict[str, Any]]:
    """Return the ``domains`` section."""
    return [domain_json(d) for d in v.domains]


def hypervisor_json(h: Hypervisor) -> dict[str, Any]:
    """Return the ``hypervisor`` spec's part of the ``host`` section."""
    return {"hypervisor": {"name": h.name, "version": h.version, "uri": h.uri, "library_version": h.library_version}}


# virDomainPausedReason (libvirt-domain.h) → how bad a pause is. A guest paused by libvirt
# itself because it cannot go on (an I/O error: a full or failed disk; its watchdog fired;
# it crashed; a post-copy migration failed; an API error) is critical. Paused by a person
# or for an unknown reason: a warning. Pauses that are a step of a job libvirt is running
# (migration, save, dump, snapshot, starting up, shutting down, post-copy) end by themselves
# and raise nothing.
PAUSED_CRITICAL = frozenset({"I/O error", "watchdog", "crashed", "postcopy failed", "API error"})
PAUSED_WARNING = frozenset({"unknown", "user", "from snapshot"})


def guest_alerts(d: DomainView) -> list[Alert]:
    """A guest that is down and should not be: paused (with libvirt's reason), crashed, autostart but off."""
    s = d.stats
    state, reason = s.state, s.reason
    if state == "crashed" or (state == "shutoff" and reason == "crashed") or (state == "paused" and
                                                                              reason == "crashed"):
        return [Alert(Severity.CRITICAL, "domains", s.name, f"domain crashed ({state}, {reason})", kind="crashed",
                      impact=Impact.GUESTS)]
    if state == "paused" and reason in PAUSED_CRITICAL:
        detail = ""
        if reason == "I/O error":
            full = [dev for dev, err in s.disk_errors if err == "no space"]
            detail = (f": disk {', '.join(full)} is full (ENOSPC)" if full else
                      f": {', '.join(f'{dev} {err}' for dev, err in s.disk_errors)}" if s.disk_errors else
                      ": a disk failed or is full")
        return [Alert(Severity.CRITICAL, "domains", s.name, f"domain paused by libvirt ({reason}){detail}",
                      kind="paused", impact=Impact.GUESTS)]
    if state == "paused" and reason in PAUSED_WARNING:
        return [Alert(Severity.WARNING, "domains", s.name, f"domain paused ({reason}): its guest is frozen",
                      kind="paused", impact=Impact.GUESTS)]
    if state == "shutoff" and s.autostart:
        return [Alert(Severity.CRITICAL, "domains", s.name,
                      f"domain shut off ({reason}) though marked autostart", kind="off", impact=Impact.GUESTS)]
    return []


def alerts(v: DomainsView, config: Config) -> list[Alert]:
    """Guests down that should run (paused, crashed, autostart but off), steal, usable balloon memory, squeeze."""
    t = config.thresholds
    out: list[Alert] = []
    for d in v.domains:
        name = d.stats.name
        if d.stats.state != "running":
            out.extend(guest_alerts(d))
        sev = level_above(d.steal_ratio, t.domain_steal_ratio)
        if sev is not None and d.steal_ratio is not None:
            out.append(Alert(sev, "domains", name,
                             f"vCPU steal {d.steal_ratio:.0%}: runnable but not running on the host", kind="steal"))
        sev = level_below(d.usable_ratio, t.balloon_usable_ratio_below)
        if sev is not None and d.usable_ratio is not None:
            out.append(Alert(sev, "domains", name, f"guest usable memory {d.usable_ratio:.0%} of what it sees",
                             kind="usable"))
        sev = level_above(d.squeeze_ratio, t.balloon_squeeze_ratio)
        if sev is not None and d.squeeze_ratio is not None:
            out.append(Alert(sev, "domains", name, f"balloon squeezed {d.squeeze_ratio:.0%} below maximum",
                             kind="squeeze"))
    return out


_BALLOON_METRICS = ("current", "maximum", "actual", "available", "unused", "usable", "rss", "disk_caches")


def history(v: DomainsView) -> dict[str, float | None]:
    """Series for sparklines: ``<uuid>.cpu``, ``<uuid>.steal``, ``<uuid>.vcpu<N>.{wait,delay}``."""
    out: dict[str, float | None] = {}
    for d in v.domains:
        if not d.stats.active:
            continue
        u = d.stats.uuid
        out[f"{u}.cpu"] = d.cpu_ratio
        out[f"{u}.steal"] = d.steal_ratio
        for vc in d.vcpus:
            out[f"{u}.vcpu{vc.stats.id}.wait"] = vc.wait_ratio
            out[f"{u}.vcpu{vc.stats.id}.delay"] = vc.steal_ratio
    return out
