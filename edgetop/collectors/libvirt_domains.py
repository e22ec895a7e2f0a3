"""libvirt domains: one bulk ``getAllDomainStats`` call per tick, per-group fallbacks.

The bulk call asks for the groups state, cpu-total, balloon, vcpu, interface and block
with ``VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT`` (a domain busy with a monitor job
then reports what it can instead of stalling the whole tick). Where the driver left a
group out for a domain that has a running QEMU (the test driver answers only
``state``), that group alone is fetched per domain: ``info``, ``memoryStats``,
``vcpus``, ``interfaceStats``, ``blockStats``. ``vcpus()`` is also called for every
active domain for the host CPU each vCPU runs on and its affinity, which the bulk
stats do not carry. Delay missing from libvirt is read from QEMU's vCPU threads'
schedstat (:mod:`vcpu_schedstat`) on a local QEMU hypervisor.

The derived view, JSON, alerts and metrics live in :mod:`libvirt_view`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import msgspec
from msgspec.structs import replace

from edgetop.collectors import libvirt_metrics
from edgetop.collectors import libvirt_view as view
from edgetop.collectors.libvirt_stats import (
    ACTIVE_STATES,
    GROUP_BITS,
    DomainStats,
    VcpuStats,
    build_domain,
    bulk_fields,
    parse_block_stats,
    parse_interface_stats,
    parse_memory_stats,
)
from edgetop.collectors.libvirt_xml import DomainXml, cpumap_to_cpus, parse_domain_xml
from edgetop.collectors.vcpu_schedstat import find_qemu_pids, read_vcpu_threads
from edgetop.errors import ParseError
from edgetop.model.spec import CollectorSpec, Context
from edgetop.sources.fs import ProcFS
from edgetop.sources.libvirt_conn import Hypervisor, LibvirtConnection, acquire, is_connection_error, release

ALL_GROUPS = sum(GROUP_BITS.values())
_NOWAIT = 1 << 29  # VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT (libvirt >= 4.5)
_ERR_NO_DOMAIN = 42
# virDomainDiskErrorCode (libvirt-domain.h): what stopped a guest paused on an I/O error.
_DISK_ERRORS = {1: "I/O error", 2: "no space"}
_FLAG_REJECTED = {3, 8, 74}  # NO_SUPPORT, INVALID_ARG, ARGUMENT_UNSUPPORTED


class DomainsRaw(msgspec.Struct, frozen=True, gc=False):
    """One tick of the domains collector.

    Attributes:
        domains: every domain, sorted by name.
        hypervisor: the hypervisor's identity, from the connection.
        bulk_seconds: how long the bulk call took.
        fallback_calls: per-domain calls made for groups the bulk call lacked.
        vanished: domains that disappeared during the tick (skipped).

    """

    domains: tuple[DomainStats, ...]
    hypervisor: Hypervisor | None
    bulk_seconds: float
    fallback_calls: int = 0
    vanished: tuple[str, ...] = ()


def is_local(uri: str) -> bool:
    """Tell whether ``uri`` names this host (no remote host part): /proc then shows its QEMUs."""
    parts = urlsplit(uri)
    return not parts.hostname and "+" not in parts.scheme.replace("+unix", "")


class DomainsCollector:
    """The collect callable of the ``domains`` spec. Holds the connection and an XML cache."""

    def __init__(self, conn: LibvirtConnection, procfs: ProcFS) -> None:
        """Collect over ``conn``; ``procfs`` gives QEMU threads' schedstat where libvirt has no delay."""
        self.conn = conn
        self.procfs = procfs
        self._nowait = True
        # Device names per domain, keyed by (uuid, domain id): a restarted domain gets a
        # new id, so its XML is read again. Source metadata, not data.
        self._xml: dict[str, tuple[int | None, DomainXml]] = {}
        self._events_seen = 0

    def subscribe(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from libvirt's event thread) when a domain starts, stops or pauses.

        For the engine: a lane that subscribes can collect at once instead of waiting
        for the next interval (use ``loop.call_soon_threadsafe`` inside the callback).
        """
        self.conn.listeners.append(callback)

    def __call__(self) -> DomainsRaw:
        """Collect once (runs in the libvirt lane's thread)."""
        raw: DomainsRaw = self.conn.call(self._collect)
        return raw

    def _bulk(self, conn: Any) -> list[tuple[Any, dict[str, Any]]]:
        lv = self.conn.libvirt
        if self._nowait:
            try:
                return list(conn.getAllDomainStats(ALL_GROUPS, _NOWAIT))
            except lv.libvirtError as err:
                if err.get_error_code() not in _FLAG_REJECTED:
                    raise
                self._nowait = False  # an older daemon: ask without the flag from now on
        return list(conn.getAllDomainStats(ALL_GROUPS, 0))

    def _collect(self, conn: Any) -> DomainsRaw:
        lv = self.conn.libvirt
        if self.conn.lifecycle_events != self._events_seen:  # defined, undefined, started …
            self._events_seen = self.conn.lifecycle_events
            self._xml.clear()
        t0 = time.perf_counter()
        records = self._bulk(conn)
        bulk_seconds = time.perf_counter() - t0
        out: list[dict[str, Any]] = []
        vanished: list[str] = []
        calls = 0
        parsed = [(dom, stats, bulk_fields(dom.name(), dom.UUIDString(), stats, dom.ID())) for dom, stats in records]
        # Groups the driver answered for some running domain. If it left one out for
        # another running domain, that domain was busy (NOWAIT skipped its monitor job):
        # asking it per domain would block on the same job, so that group is "skipped"
        # for it this tick. Only groups the driver never answers are fetched per domain.
        answered = {g for _d, _s, f in parsed if f["state"] in ACTIVE_STATES
                    for g, how in f["sources"].items() if how == "bulk"}
        for dom, stats, fields in parsed:
            name = fields["name"]
            if fields["state"] in ACTIVE_STATES:
                src = fields["sources"]
                for group in answered:
                    if src[group] == "none":
                        src[group] = "skipped"
            try:
                calls += self._fill(dom, fields)
                calls += self._why_down(dom, fields)
            except lv.libvirtError as err:
                if is_connection_error(err, conn):
                    raise
                if err.get_error_code() == _ERR_NO_DOMAIN:
                    vanished.append(name)  # destroyed or undefined mid-tick: gone from the table
                    continue
                clean = bulk_fields(name, dom.UUIDString(), stats, dom.ID())
                clean["error"] = str(err)
                out.append(clean)
                continue
            out.append(fields)
        hyp = self.conn.hypervisor
        if hyp is not None and hyp.name == "QEMU" and is_local(self.conn.uri):
            self._schedstat(out)
        seen = {f["uuid"] for _d, _s, f in parsed}
        if not self._xml.keys() <= seen:  # forget domains that are gone (CI guests come and go)
            self._xml = {u: x for u, x in self._xml.items() if u in seen}
        domains = sorted((build_domain(f) for f in out), key=lambda d: (d.name, d.uuid))
        return DomainsRaw(tuple(domains), hyp, bulk_seconds, calls, tuple(vanished))

    def _fill(self, dom: Any, f: dict[str, Any]) -> int:
        """Fetch per domain what the bulk call left out, into ``f``; return the call count.

        Works on the keyword dict rather than the frozen dataclass: with 1,000 domains,
        one ``dataclasses.replace`` per field filled cost more than the libvirt calls.
        """
        src: dict[str, str] = f["sources"]
        active = f["state"] in ACTIVE_STATES
        calls = 0
        if src["balloon"] == "none" or (active and (src["cpu-total"] == "none" or f["vcpus"] is None)):
            info, calls = dom.info(), calls + 1  # [state, maxMem KiB, memory KiB, nrVirtCpu, cpuTime ns]
            if f["vcpus"] is None:
                f["vcpus"] = int(info[3])
            if src["cpu-total"] == "none" and active:
                f["cpu_time_seconds_total"], src["cpu-total"] = info[4] * 1e-9, "fallback"
            if src["balloon"] == "none":
                mem = dom.memoryStats() if active else {}
                calls += int(active)
                f["balloon"], src["balloon"] = parse_memory_stats(mem, info[2], info[1]), "fallback"
        if not active:
            return calls
        calls += self._vcpus(dom, f)
        if src["interface"] == "none" or src["block"] == "none":
            xml = self._domain_xml(dom, f["uuid"], f["id"])
            if src["interface"] == "none":
                f["nics"] = tuple(parse_interface_stats(nic, dom.interfaceStats(nic)) for nic in xml.nics)
                src["interface"], calls = "fallback", calls + len(xml.nics)
            if src["block"] == "none":
                f["disks"] = tuple(parse_block_stats(dev, path, dom.blockStats(dev)) for dev, path in xml.disks)
                src["block"], calls = "fallback", calls + len(xml.disks)
        return calls

    def _why_down(self, dom: Any, f: dict[str, Any]) -> int:
        """Add what only a guest that is down needs: autostart when shut off, disk errors when paused on I/O.

        Both are one call per such domain, and only for those (a handful on a node, where a
        bulk call covers the running ones): ``virDomainGetAutostart`` tells a guest that
        should be running from one left off on purpose; ``virDomainGetDiskErrors`` tells a
        full disk (``VIR_DOMAIN_DISK_ERROR_NO_SPACE``) from another I/O error.
        """
        lv = self.conn.libvirt
        try:
            if f["state"] == "shutoff":
                f["autostart"] = bool(dom.autostart())
                return 1
            if f["state"] == "paused" and f["reason"] == "I/O error":
                errors = dom.diskErrors()
                f["disk_errors"] = tuple(sorted((str(dev), _DISK_ERRORS.get(code, f"error {code}"))
                                                for dev, code in errors.items() if code))
                return 1
        except lv.libvirtError as err:
            if err.get_error_code() == _ERR_NO_DOMAIN:
                raise
            # A driver without the call: the alert says less, the domain's numbers stay.
            return 1
        return 0

    def _vcpus(self, dom: Any, f: dict[str, Any]) -> int:
        """Merge ``vcpus()`` (pCPU, affinity, and the times when the bulk lacked them) into ``f``."""
        infos, maps = dom.vcpus()
        bulk = {v.id: v for v in f["vcpu_list"]}
        merged = []
        for i, (num, state, cpu_ns, pcpu) in enumerate(infos):
            v = bulk.pop(num, None)
            affinity = cpumap_to_cpus(tuple(maps[i])) if i < len(maps) else None
            cpu = pcpu if pcpu >= 0 else None
            if v is None:  # the driver has no vcpu group (test driver): vcpus() is all we know
                # Positional (id, state, cpu, affinity, time): this runs per vCPU per tick.
                merged.append(VcpuStats(num, state, cpu, affinity, cpu_ns * 1e-9))
                continue
            merged.append(VcpuStats(
                id=num, state=v.state if v.state is not None else state, cpu=cpu, affinity=affinity,
                time_seconds_total=v.time_seconds_total if v.time_seconds_total is not None else cpu_ns * 1e-9,
                wait_seconds_total=v.wait_seconds_total, delay_seconds_total=v.delay_seconds_total,
                delay_source=v.delay_source,
            ))
        if bulk:  # vCPUs the bulk stats list but vcpus() does not (offline ones)
            merged.extend(bulk.values())
            merged.sort(key=lambda v: v.id)
        if f["sources"]["vcpu"] == "none":
            f["sources"]["vcpu"] = "fallback"
        f["vcpu_list"] = tuple(merged)
        if f["vcpus"] is None:
            f["vcpus"] = len(merged)
        return 1

    def _domain_xml(self, dom: Any, uuid: str, dom_id: int | None) -> DomainXml:
        cached = self._xml.get(uuid)
        if cached is not None and cached[0] == dom_id:
            return cached[1]
        try:
            parsed = parse_domain_xml(dom.XMLDesc(0))
        except ParseError:
            parsed = DomainXml()
        self._xml[uuid] = (dom_id, parsed)
        return parsed

    def _schedstat(self, domains: list[dict[str, Any]]) -> None:
        """Add QEMU pids, vCPU tids and (where libvirt lacks it) delay from /proc schedstat."""
        if not any(f["state"] in ACTIVE_STATES for f in domains):
            return
        pids = find_qemu_pids(self.procfs)
        for f in domains:
            pid = pids.get(f["uuid"].lower()) if f["state"] in ACTIVE_STATES else None
            if pid is None:
                continue
            threads = read_vcpu_threads(self.procfs, pid)
            vcpus = []
            for v in f["vcpu_list"]:
                t = threads.get(v.id)
                if t is None:
                    vcpus.append(v)
                elif v.delay_seconds_total is None:
                    vcpus.append(replace(v, tid=t.tid, delay_seconds_total=t.wait_ns_total * 1e-9,
                                         delay_source="schedstat"))
                else:
                    vcpus.append(replace(v, tid=t.tid))
            f["qemu_pid"], f["vcpu_list"] = pid, tuple(vcpus)


class HypervisorCollector:
    """The collect callable of the ``hypervisor`` spec: the connection's identity."""

    def __init__(self, conn: LibvirtConnection) -> None:
        """Describe the hypervisor behind ``conn``."""
        self.conn = conn

    def __call__(self) -> Hypervisor:
        """Return the hypervisor (connecting if needed); a liveness check catches a drop."""
        self.conn.call(lambda c: c.getLibVersion())
        hyp = self.conn.fill_version()
        if hyp is None:  # pragma: no cover - set by every successful connect
            raise RuntimeError("connected without a description")
        return hyp


def _build_domains(ctx: Context) -> DomainsCollector:
    return DomainsCollector(acquire(ctx.config.libvirt.uri), ctx.procfs)


def _close(collect: Any) -> None:
    release(collect.conn)


def specs(ctx: Context) -> list[CollectorSpec]:
    """Build the ``domains`` and ``hypervisor`` collectors of the libvirt lane."""
    interval, timeout = ctx.config.libvirt.interval, ctx.config.libvirt.timeout
    return [
        CollectorSpec(
            name="domains", lane="libvirt", json_key="domains", pane="domains", interval=interval, timeout=timeout,
            build=_build_domains, derive=view.derive, to_json=view.to_json, empty_json=list,
            alerts=view.alerts, metrics=libvirt_metrics.families, history=view.history, close=_close,
        ),
        CollectorSpec(
            name="hypervisor", lane="libvirt", json_key="host", pane="domains", interval=interval, timeout=timeout,
            build=lambda c: HypervisorCollector(acquire(c.config.libvirt.uri)),
            to_json=view.hypervisor_json, close=_close,
        ),
    ]
