"""Host memory: usage, swap activity, HugePages per size, KSM, memory pressure.

Sources: ``/proc/meminfo``, ``/proc/vmstat`` (pswpin/pswpout in pages),
``/sys/kernel/mm/hugepages/hugepages-<size>kB/`` (Documentation/admin-guide/mm/hugetlbpage.rst),
``/sys/kernel/mm/ksm/`` (Documentation/admin-guide/mm/ksm.rst), ``/proc/pressure/memory``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from edgetop.collectors.cpu import pressure_json
from edgetop.collectors.meminfo import parse_meminfo, parse_vmstat
from edgetop.collectors.pressure import Pressure, read_pressure
from edgetop.config_schema import Config
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.model.alerts import Alert, level_above, level_below
from edgetop.model.derive import rate, share
from edgetop.model.spec import CollectorSpec, Context, Metric
from edgetop.sources.fs import ProcFS, SysFS

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True, slots=True)
class HugePages:
    """One huge page size's pool."""

    page_size_bytes: int
    total: int | None
    free: int | None
    reserved: int | None
    surplus: int | None


@dataclass(frozen=True, slots=True)
class Ksm:
    """Kernel same-page merging state; pages_sharing is how many pages are saved."""

    running: bool
    pages_shared: int | None
    pages_sharing: int | None
    pages_unshared: int | None
    full_scans_total: int | None


@dataclass(frozen=True, slots=True)
class MemoryRaw:
    """One raw memory sample."""

    meminfo: dict[str, int]
    swap_in_pages_total: int | None
    swap_out_pages_total: int | None
    major_faults_total: int | None
    hugepages: tuple[HugePages, ...]
    ksm: Ksm | None
    pressure: Pressure | None


@dataclass(frozen=True, slots=True)
class MemoryView:
    """Memory as the pane and JSON show it; bytes, ratios, per-second rates."""

    total_bytes: int
    used_bytes: int | None
    available_bytes: int | None
    free_bytes: int | None
    buffers_bytes: int | None
    cached_bytes: int | None
    dirty_bytes: int | None
    writeback_bytes: int | None
    shmem_bytes: int | None
    swap_total_bytes: int | None
    swap_used_bytes: int | None
    available_ratio: float | None
    swap_in_pages_per_second: float | None
    swap_out_pages_per_second: float | None
    major_faults_per_second: float | None
    hugepages: tuple[HugePages, ...]
    ksm: Ksm | None
    pressure: Pressure | None
    raw: MemoryRaw


def read_hugepages(fs: SysFS) -> tuple[HugePages, ...]:
    """Every huge page pool under ``/sys/kernel/mm/hugepages``."""
    out = []
    for name in fs.listdir("kernel/mm/hugepages"):
        size = name.removeprefix("hugepages-").removesuffix("kB")
        if not size.isdigit():
            continue
        base = f"kernel/mm/hugepages/{name}"
        out.append(HugePages(int(size) * 1024, fs.read_int(f"{base}/nr_hugepages"),
                             fs.read_int(f"{base}/free_hugepages"), fs.read_int(f"{base}/resv_hugepages"),
                             fs.read_int(f"{base}/surplus_hugepages")))
    return tuple(sorted(out, key=lambda h: h.page_size_bytes))


def read_ksm(fs: SysFS) -> Ksm | None:
    """KSM counters, or None when the kernel has no KSM."""
    run = fs.read_int("kernel/mm/ksm/run")
    if run is None:
        return None
    return Ksm(run == 1, fs.read_int("kernel/mm/ksm/pages_shared"), fs.read_int("kernel/mm/ksm/pages_sharing"),
               fs.read_int("kernel/mm/ksm/pages_unshared"), fs.read_int("kernel/mm/ksm/full_scans"))


def collect_memory(procfs: ProcFS, sysfs: SysFS) -> MemoryRaw:
    """Read meminfo, vmstat, huge pages, KSM and memory pressure."""
    try:
        meminfo = parse_meminfo(procfs.read_text("meminfo"))
    except ParseError as err:
        raise SourceUnavailable(str(err)) from err
    vmstat = parse_vmstat(procfs.read_optional("vmstat") or "")
    return MemoryRaw(meminfo, vmstat.get("pswpin"), vmstat.get("pswpout"), vmstat.get("pgmajfault"),
                     read_hugepages(sysfs), read_ksm(sysfs), read_pressure(procfs, "memory"))


def derive_memory(prev: MemoryRaw | None, cur: MemoryRaw, elapsed: float) -> MemoryView:
    """Usage from meminfo; swap and fault rates over the interval (None on the first sample)."""
    m = cur.meminfo
    total = m["MemTotal"]
    available = m.get("MemAvailable")
    swap_total, swap_free = m.get("SwapTotal"), m.get("SwapFree")
    cached = m.get("Cached")
    if cached is not None and "SReclaimable" in m:
        cached += m["SReclaimable"]  # free(1) counts reclaimable slab as cache
    return MemoryView(
        total_bytes=total,
        used_bytes=total - available if available is not None else None,
        available_bytes=available,
        free_bytes=m.get("MemFree"),
        buffers_bytes=m.get("Buffers"),
        cached_bytes=cached,
        dirty_bytes=m.get("Dirty"),
        writeback_bytes=m.get("Writeback"),
        shmem_bytes=m.get("Shmem"),
        swap_total_bytes=swap_total,
        swap_used_bytes=swap_total - swap_free if swap_total is not None and swap_free is not None else None,
        available_ratio=share(available, total),
        swap_in_pages_per_second=rate(prev.swap_in_pages_total, cur.swap_in_pages_total, elapsed) if prev else None,
        swap_out_pages_per_second=rate(prev.swap_out_pages_total, cur.swap_out_pages_total, elapsed) if prev else None,
        major_faults_per_second=rate(prev.major_faults_total, cur.major_faults_total, elapsed) if prev else None,
        hugepages=cur.hugepages,
        ksm=cur.ksm,
        pressure=cur.pressure,
        raw=cur,
    )


def memory_alerts(view: MemoryView, config: Config) -> list[Alert]:
    """Low available memory, swapping and memory pressure."""
    t = config.thresholds
    out: list[Alert] = []
    sev = level_below(view.available_ratio, t.memory_available_ratio_below)
    if sev and view.available_ratio is not None:
        out.append(Alert(sev, "memory", "available", f"only {view.available_ratio:.0%} of memory is available"))
    sev = level_above(view.swap_in_pages_per_second, t.swap_in_pages_per_second)
    if sev:
        out.append(Alert(sev, "memory", "swap", f"swapping in {view.swap_in_pages_per_second:.0f} pages/s"))
    if view.pressure is not None:
        sev = level_above(view.pressure.some.avg10, t.memory_pressure_some_avg10)
        if sev:
            out.append(Alert(sev, "memory", "pressure",
                             f"memory pressure: tasks stalled {view.pressure.some.avg10:.0f}% of the last 10 s"))
    return out


def memory_json(view: MemoryView) -> dict[str, Any]:
    """The ``memory`` section."""
    return {
        "total_bytes": view.total_bytes,
        "used_bytes": view.used_bytes,
        "available_bytes": view.available_bytes,
        "free_bytes": view.free_bytes,
        "buffers_bytes": view.buffers_bytes,
        "cached_bytes": view.cached_bytes,
        "dirty_bytes": view.dirty_bytes,
        "writeback_bytes": view.writeback_bytes,
        "shmem_bytes": view.shmem_bytes,
        "swap_total_bytes": view.swap_total_bytes,
        "swap_used_bytes": view.swap_used_bytes,
        "available_ratio": view.available_ratio,
        "swap_in_pages_per_second": view.swap_in_pages_per_second,
        "swap_out_pages_per_second": view.swap_out_pages_per_second,
        "swap_in_pages_total": view.raw.swap_in_pages_total,
        "swap_out_pages_total": view.raw.swap_out_pages_total,
        "major_faults_total": view.raw.major_faults_total,
        "hugepages": [
            {"page_size_bytes": h.page_size_bytes, "total": h.total, "free": h.free, "reserved": h.reserved,
             "surplus": h.surplus}
            for h in view.hugepages
        ],
        "ksm": None if view.ksm is None else {
            "running": view.ksm.running, "pages_shared": view.ksm.pages_shared,
            "pages_sharing": view.ksm.pages_sharing, "pages_unshared": view.ksm.pages_unshared,
            "full_scans_total": view.ksm.full_scans_total,
        },
        "pressure": pressure_json(view.pressure),
    }


def node_meminfo_name(key: str) -> str:
    """node_exporter's family for a /proc/meminfo key: ``Active(anon)`` → ``memory_Active_anon_bytes``.

    Its meminfo collector keeps the kernel's spelling, turns ``(x)`` into ``_x``, and adds
    ``_bytes`` to every ``kB`` field; the ``HugePages_*`` fields are page counts.
    """
    name = key.replace("(", "_").replace(")", "")
    return f"memory_{name}" if key.startswith("HugePages_") else f"memory_{name}_bytes"


def memory_metrics(view: MemoryView) -> list[Metric]:
    """node_exporter's meminfo and memory pressure families; swap and HugePages per size as edgetop's."""
    out: list[Metric] = []
    for key, value in view.raw.meminfo.items():
        if all(c.isalnum() or c in "_()" for c in key):  # a future key with other characters: left out
            out.append(Metric(node_meminfo_name(key), float(value), help=f"Memory information field {key}.",
                              namespace="node"))
    p = view.raw.pressure
    if p is not None:
        out.append(Metric("pressure_memory_waiting_seconds_total", p.some.stall_seconds_total, kind="counter",
                          help="Total time in seconds that processes have waited for memory", namespace="node"))
        if p.full is not None:
            out.append(Metric("pressure_memory_stalled_seconds_total", p.full.stall_seconds_total, kind="counter",
                              help="Total time in seconds no process could make progress due to memory congestion",
                              namespace="node"))
    for name, swapped in (("swap_in_pages_total", view.raw.swap_in_pages_total),
                          ("swap_out_pages_total", view.raw.swap_out_pages_total)):
        if swapped is not None:
            out.append(Metric(f"memory_{name}", swapped, kind="counter",
                              help=f"pages swapped {name.split('_')[1]} since boot (/proc/vmstat)"))
    for h in view.hugepages:
        # Every page size (node_exporter shows the default size only). Not ``…_total``: a
        # gauge must not carry the counter suffix (promtool check metrics).
        labels = (("size_bytes", str(h.page_size_bytes)),)
        if h.total is not None:
            out.append(Metric("memory_hugepages_pages", h.total, labels, help="huge pages of this size in the pool"))
        if h.free is not None:
            out.append(Metric("memory_hugepages_free_pages", h.free, labels, help="free huge pages of this size"))
    return out


def specs(ctx: Context) -> list[CollectorSpec]:
    """The memory collector."""
    return [
        CollectorSpec(
            name="memory",
            lane="local",
            json_key="memory",
            pane="memory",
            build=lambda c: lambda: collect_memory(c.procfs, c.sysfs),
            derive=derive_memory,
            to_json=memory_json,
            alerts=memory_alerts,
            metrics=memory_metrics,
            history=lambda v: {"used": share(v.used_bytes, v.total_bytes),  # MemTotal 0: unknown, not a failure
                               "swap_in": v.swap_in_pages_per_second},
        )
    ]
