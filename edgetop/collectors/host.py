"""Host identity and load: hostname, kernel, uptime, load averages."""

from __future__ import annotations

from typing import Any

import msgspec

from edgetop.errors import ParseError, SourceUnavailable
from edgetop.model.spec import CollectorSpec, Context, Metric
from edgetop.sources.fs import ProcFS


class HostInfo(msgspec.Struct, frozen=True):
    """What the header shows about the machine."""

    hostname: str | None
    kernel: str | None
    uptime_seconds: float | None
    load1: float | None
    load5: float | None
    load15: float | None
    runnable: int | None
    threads: int | None
    cpus: int


def parse_loadavg(text: str) -> tuple[float, float, float, int, int]:
    """Parse ``/proc/loadavg``: ``0.20 0.18 0.12 1/80 11206``.

    Returns:
        load1, load5, load15, runnable scheduling entities, total entities.

    Raises:
        ParseError: the text does not have that shape.

    """
    parts = text.split()
    if len(parts) < 4 or "/" not in parts[3]:
        raise ParseError(f"loadavg: unexpected {text!r}")
    try:
        running, total = parts[3].split("/", 1)
        return float(parts[0]), float(parts[1]), float(parts[2]), int(running), int(total)
    except ValueError as err:
        raise ParseError(f"loadavg: unexpected {text!r}") from err


def parse_uptime(text: str) -> float:
    """Parse ``/proc/uptime`` (seconds since boot, idle seconds)."""
    try:
        return float(text.split(maxsplit=1)[0])
    except (IndexError, ValueError) as err:
        raise ParseError(f"uptime: unexpected {text!r}") from err


def count_cpus(fs: ProcFS) -> int:
    """Count ``cpuN`` lines in ``/proc/stat`` (online CPUs)."""
    text = fs.read_optional("stat") or ""
    return sum(1 for line in text.splitlines() if line.startswith("cpu") and line[3:4].isdigit())


def collect_host(fs: ProcFS) -> HostInfo:
    """Read host identity and load; unavailable only when /proc itself is unreadable."""
    try:
        load = parse_loadavg(fs.read_text("loadavg"))
    except ParseError as err:
        raise SourceUnavailable(str(err)) from err
    uptime_text = fs.read_optional("uptime")
    uptime = None
    if uptime_text is not None:
        try:
            uptime = parse_uptime(uptime_text)
        except ParseError:
            uptime = None
    return HostInfo(
        hostname=fs.read_str("sys/kernel/hostname"),
        kernel=fs.read_str("sys/kernel/osrelease"),
        uptime_seconds=uptime,
        load1=load[0],
        load5=load[1],
        load15=load[2],
        runnable=load[3],
        threads=load[4],
        cpus=count_cpus(fs),
    )


def host_json(view: HostInfo) -> dict[str, Any]:
    """The ``host`` section of the snapshot."""
    return {
        "hostname": view.hostname,
        "kernel": view.kernel,
        "uptime_seconds": view.uptime_seconds,
        "load1": view.load1,
        "load5": view.load5,
        "load15": view.load15,
        "cpus": view.cpus,
    }


def host_metrics(view: HostInfo) -> list[Metric]:
    """node_exporter's load averages; uptime as edgetop's (node_exporter has only the boot time)."""
    out: list[Metric] = []
    for name, value in (("load1", view.load1), ("load5", view.load5), ("load15", view.load15)):
        if value is not None:
            out.append(Metric(name, value, help=f"{name[4:]}m load average.", namespace="node"))
    if view.uptime_seconds is not None:
        out.append(Metric("uptime_seconds", view.uptime_seconds, help="seconds since boot"))
    return out


def specs(ctx: Context) -> list[CollectorSpec]:
    """The host collector."""
    return [
        CollectorSpec(
            name="host",
            lane="local",
            json_key="host",
            pane="overview",
            build=lambda c: lambda: collect_host(c.procfs),
            to_json=host_json,
            metrics=host_metrics,
            history=lambda v: {"load1": v.load1},
        )
    ]
