"""What edgetop itself costs the node: its CPU, resident memory, threads and CPUs.

The monitor promises non-intrusive observation (the metrics guide in the seeds: the
monitor on a housekeeping core, nothing stolen from the guests); showing its own cost
beside everything else lets the technician check the promise instead of trusting it.

Read from ``/proc/self`` of the context's procfs: ``stat`` fields 14-15 (utime, stime in
clock ticks, proc(5)) and ``status`` (``VmRSS``, ``Threads``, ``Cpus_allowed_list``).
``VmRSS`` rather than ``stat``'s rss: the latter lags on current kernels (see proc_pid).
"""

from __future__ import annotations

import os
from typing import Any

import msgspec

from edgetop.collectors.proc_pid import parse_pid_stat, parse_pid_status
from edgetop.model.cpulist import format_cpu_list
from edgetop.model.spec import CollectorSpec, Context, Metric
from edgetop.sources.fs import ProcFS

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class SelfRaw(msgspec.Struct, frozen=True):
    """One look at this process.

    Attributes:
        cpu_seconds_total: user plus system time of every thread, since the process began.
        rss_bytes: ``VmRSS``; None when the kernel did not say.
        threads: how many threads the process has.
        cpus: the CPUs it may run on (``Cpus_allowed_list``); None when unknown.

    """

    cpu_seconds_total: float
    rss_bytes: int | None
    threads: int
    cpus: frozenset[int] | None


class SelfView(msgspec.Struct, frozen=True):
    """edgetop's cost now: ``cpu_ratio`` is the share of one CPU over the last interval."""

    raw: SelfRaw
    cpu_ratio: float | None


def collect_self(fs: ProcFS) -> SelfRaw:
    """Read ``self/stat`` and ``self/status``."""
    stat = parse_pid_stat(fs.read_text("self/stat"))
    status = parse_pid_status(fs.read_text("self/status"))
    return SelfRaw(
        cpu_seconds_total=(stat.utime_ticks + stat.stime_ticks) / CLOCK_TICKS,
        rss_bytes=status.rss_bytes,
        threads=status.threads if status.threads is not None else stat.num_threads,
        cpus=status.cpus_allowed,
    )


def derive_self(prev: SelfRaw | None, cur: SelfRaw, elapsed: float) -> SelfView:
    """The CPU share from two looks; None on the first or when time did not advance."""
    if prev is None or elapsed <= 0:
        return SelfView(cur, None)
    return SelfView(cur, max(0.0, cur.cpu_seconds_total - prev.cpu_seconds_total) / elapsed)


def self_json(view: SelfView) -> dict[str, Any]:
    """The ``self`` section of the snapshot (edgetop/snapshot.schema.json)."""
    raw = view.raw
    return {
        "cpu_ratio": view.cpu_ratio,
        "cpu_seconds_total": raw.cpu_seconds_total,
        "rss_bytes": raw.rss_bytes,
        "threads": raw.threads,
        "cpus": format_cpu_list(raw.cpus) if raw.cpus is not None else None,
    }


def self_metrics(view: SelfView) -> list[Metric]:
    """``edgetop_self_*``: what the monitor costs, beside what it monitors."""
    raw = view.raw
    out = [
        Metric("self_cpu_seconds_total", raw.cpu_seconds_total, kind="counter",
               help="CPU time (user and system) edgetop has used since it started"),
        Metric("self_threads", raw.threads, help="threads edgetop holds"),
    ]
    if raw.rss_bytes is not None:
        out.append(Metric("self_resident_memory_bytes", raw.rss_bytes, help="edgetop's resident memory (VmRSS)"))
    if raw.cpus is not None:
        out.append(Metric("self_allowed_cpus", len(raw.cpus), help="how many CPUs edgetop may run on"))
    return out


def specs(ctx: Context) -> list[CollectorSpec]:
    """The self-cost collector."""
    return [
        CollectorSpec(
            name="self",
            lane="local",
            json_key="self",
            pane="overview",
            build=lambda c: lambda: collect_self(c.procfs),
            derive=derive_self,
            to_json=self_json,
            metrics=self_metrics,
            history=lambda v: {"cpu_ratio": v.cpu_ratio},
        )
    ]
