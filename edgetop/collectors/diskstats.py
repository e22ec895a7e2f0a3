r"""Per-disk I/O from ``/proc/diskstats`` (Documentation/admin-guide/iostats.rst).

Each line is ``major minor name`` and then counters: reads completed, merged, sectors read,
ms reading, writes completed, merged, sectors written, ms writing, I/Os in flight, ms doing
I/O, weighted ms (4.18+ adds four discard fields, 5.5+ two flush fields). Sectors are
always 512 bytes here, whatever the device's block size (iostats.rst, "sectors").

Whole disks only: partitions, loop, ram and zram devices are left out with node_exporter's
default ``--collector.diskstats.device-exclude``
(``^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$``); md arrays and device-mapper
volumes stay (an array's I/O is what its guests see).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec

from edgetop.errors import ParseError
from edgetop.model.derive import delta, rate
from edgetop.model.spec import CollectorSpec, Context, Metric, as_named

SECTOR_BYTES = 512
_EXCLUDED = re.compile(r"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]+|nvme\d+n\d+p|mmcblk\d+p)\d+$")
MAX_DISKS = 4096


class DiskCounters(msgspec.Struct, frozen=True):
    """One disk's counters as the kernel keeps them (counters only grow, wrap at 2^32 on 32-bit).

    Attributes:
        name: the kernel's name (``sda``, ``nvme0n1``, ``md0``, ``dm-0``).
        reads_total, writes_total: I/Os completed.
        read_sectors_total, write_sectors_total: 512-byte sectors moved.
        read_ms_total, write_ms_total: ms spent by all reads / writes (summed over requests).
        in_flight: I/Os issued and not yet completed, now.
        io_ms_total: ms during which at least one I/O was in flight (utilisation).
        weighted_io_ms_total: ms × requests in flight (average queue length).

    """

    name: str
    reads_total: int
    writes_total: int
    read_sectors_total: int
    write_sectors_total: int
    read_ms_total: int
    write_ms_total: int
    in_flight: int
    io_ms_total: int
    weighted_io_ms_total: int


def parse_diskstats(text: str) -> list[DiskCounters]:
    """Every device line of ``/proc/diskstats``.

    Raises:
        ParseError: a line with fewer than the 14 fields of every kernel since 2.6, or a
            field that is not a number.

    """
    out = []
    for line in text.splitlines():
        f = line.split()
        if not f:
            continue
        if len(f) < 14:
            raise ParseError(f"diskstats line has {len(f)} fields, expected 14 or more: {line[:80]!r}")
        try:
            n = [int(x) for x in f[3:14]]
        except ValueError:
            raise ParseError(f"diskstats line has a field that is not a number: {line[:80]!r}") from None
        if min(n) < 0:
            raise ParseError(f"diskstats line has a negative counter: {line[:80]!r}")
        out.append(DiskCounters(f[2], n[0], n[4], n[2], n[6], n[3], n[7], n[8], n[9], n[10]))
        if len(out) > MAX_DISKS:
            raise ParseError(f"more than {MAX_DISKS} block devices, refused")
    return out


def whole_disk(name: str) -> bool:
    """Not a partition, loop, ram or floppy device (node_exporter's default exclude)."""
    return not _EXCLUDED.match(name)


class DisksReading(msgspec.Struct, frozen=True):
    """The whole disks' counters, and the names device-mapper gives its ``dm-N`` devices."""

    disks: tuple[DiskCounters, ...]
    labels: tuple[tuple[str, str], ...] = ()


class DiskRates(msgspec.Struct, frozen=True):
    """One disk's counters and, from the second reading on, its rates.

    Attributes:
        counters: the raw counters.
        label: device-mapper's name of a ``dm-N`` device (``vg0-images``: LVM's VG-LV), else None.
        read_bytes_per_second, write_bytes_per_second: throughput.
        reads_per_second, writes_per_second: IOPS.
        read_latency_seconds, write_latency_seconds: average time per completed I/O
            over the interval (``Δms / Δios``; None when no I/O completed).
        utilisation_ratio: share of the interval with I/O in flight (``%util`` of iostat).

    """

    counters: DiskCounters
    label: str | None = None
    read_bytes_per_second: float | None = None
    write_bytes_per_second: float | None = None
    reads_per_second: float | None = None
    writes_per_second: float | None = None
    read_latency_seconds: float | None = None
    write_latency_seconds: float | None = None
    utilisation_ratio: float | None = None


class DisksView(msgspec.Struct, frozen=True):
    """Every whole disk with its rates."""

    disks: tuple[DiskRates, ...]


def collect_disks(ctx: Context) -> DisksReading:
    """Read ``/proc/diskstats`` through the device procfs, dm names through the device sysfs.

    ``/sys/block/dm-N/dm/name`` is the mapping's name (Documentation/admin-guide/
    device-mapper, "dm-N/dm/name"): for LVM the volume group and volume, which say more
    than ``dm-3`` on a node whose guests live on logical volumes.
    """
    procfs, sysfs = ctx.device_roots()
    disks = tuple(d for d in parse_diskstats(procfs.read_text("diskstats")) if whole_disk(d.name))
    labels = []
    for d in disks:
        if d.name.startswith("dm-"):
            name = sysfs.read_str(f"block/{d.name}/dm/name")
            if name:
                labels.append((d.name, name[:64]))
    return DisksReading(disks, tuple(labels))


def _latency(ms: float | None, ios: int | None) -> float | None:
    return None if ms is None or not ios else ms / ios / 1000.0


def derive(prev: DisksReading | None, cur: DisksReading, elapsed: float) -> DisksView:
    """Rates over the interval; a disk new since the last reading has counters only."""
    before = {d.name: d for d in prev.disks} if prev is not None else {}
    labels = dict(cur.labels)
    out = []
    for d in cur.disks:
        p = before.get(d.name)
        if p is None or elapsed <= 0:
            out.append(DiskRates(d, labels.get(d.name)))
            continue
        reads, writes = delta(p.reads_total, d.reads_total), delta(p.writes_total, d.writes_total)
        busy = delta(p.io_ms_total, d.io_ms_total)
        out.append(DiskRates(
            d, labels.get(d.name),
            read_bytes_per_second=rate(p.read_sectors_total * SECTOR_BYTES, d.read_sectors_total * SECTOR_BYTES,
                                       elapsed),
            write_bytes_per_second=rate(p.write_sectors_total * SECTOR_BYTES, d.write_sectors_total * SECTOR_BYTES,
                                        elapsed),
            reads_per_second=rate(p.reads_total, d.reads_total, elapsed),
            writes_per_second=rate(p.writes_total, d.writes_total, elapsed),
            read_latency_seconds=_latency(delta(p.read_ms_total, d.read_ms_total), int(reads or 0)),
            write_latency_seconds=_latency(delta(p.write_ms_total, d.write_ms_total), int(writes or 0)),
            utilisation_ratio=None if busy is None else min(1.0, busy / 1000.0 / elapsed),
        ))
    return DisksView(tuple(out))


def to_json(view: DisksView) -> list[dict[str, Any]]:
    """The ``disks`` JSON section: counters and rates per disk."""
    out = []
    for r in view.disks:
        c = r.counters
        out.append({
            "name": c.name, "label": r.label, "reads_total": c.reads_total, "writes_total": c.writes_total,
            "read_bytes_total": c.read_sectors_total * SECTOR_BYTES,
            "written_bytes_total": c.write_sectors_total * SECTOR_BYTES, "in_flight": c.in_flight,
            "read_bytes_per_second": r.read_bytes_per_second, "write_bytes_per_second": r.write_bytes_per_second,
            "reads_per_second": r.reads_per_second, "writes_per_second": r.writes_per_second,
            "read_latency_seconds": r.read_latency_seconds, "write_latency_seconds": r.write_latency_seconds,
            "utilisation_ratio": r.utilisation_ratio,
        })
    return out


def metrics(view: DisksView) -> list[Metric]:
    """Prometheus samples; node_exporter's, libvirt's and smartctl_exporter's families under their names."""
    return as_named(_metrics(view))


def _metrics(view: DisksView) -> list[Metric]:
    """node_exporter's diskstats metrics (counters), label ``device``."""
    out = []
    for r in view.disks:
        c = r.counters
        labels = (("device", c.name),)
        for name, value, text in (
            ("node_disk_reads_completed_total", c.reads_total, "The total number of reads completed successfully."),
            ("node_disk_writes_completed_total", c.writes_total,
             "The total number of writes completed successfully."),
            ("node_disk_read_bytes_total", c.read_sectors_total * SECTOR_BYTES,
             "The total number of bytes read successfully."),
            ("node_disk_written_bytes_total", c.write_sectors_total * SECTOR_BYTES,
             "The total number of bytes written successfully."),
            ("node_disk_read_time_seconds_total", c.read_ms_total / 1000.0,
             "The total number of seconds spent by all reads."),
            ("node_disk_write_time_seconds_total", c.write_ms_total / 1000.0,
             "This is the total number of seconds spent by all writes."),
            ("node_disk_io_time_seconds_total", c.io_ms_total / 1000.0, "Total seconds spent doing I/Os."),
            ("node_disk_io_time_weighted_seconds_total", c.weighted_io_ms_total / 1000.0,
             "The weighted # of seconds spent doing I/Os."),
        ):
            out.append(Metric(name, float(value), labels, "counter", text))
        out.append(Metric("node_disk_io_now", float(c.in_flight), labels,
                          help="The number of I/Os currently in progress."))
    return out


def history(view: DisksView) -> dict[str, float | None]:
    """Utilisation per disk (its sparkline)."""
    return {f"{r.counters.name}.util": r.utilisation_ratio for r in view.disks}


def _build(ctx: Context) -> Callable[[], DisksReading]:
    def collect() -> DisksReading:
        return collect_disks(ctx)
    return collect


def spec(ctx: Context) -> CollectorSpec:
    """The ``disks`` collector (storage lane, every tick)."""
    return CollectorSpec(
        name="disks", lane="storage", json_key="disks", pane="storage", build=_build,
        derive=derive, to_json=to_json, empty_json=list, metrics=metrics, history=history,
    )
