"""Host CPU: per-core user/system/iowait/irq/steal/idle, frequency, throttling, pressure.

Steal is the headline number on a virtualized node: time this (virtual) host was
runnable but its hypervisor ran something else (proc(5), "steal").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edgetop.collectors.cpu_sysfs import CpuSysfs, read_cpu_sysfs
from edgetop.collectors.pressure import Pressure, read_pressure
from edgetop.collectors.proc_stat import CpuCounters, ProcStat, parse_proc_stat
from edgetop.config_schema import Config
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.model.alerts import Alert, level_above
from edgetop.model.derive import delta, share
from edgetop.model.spec import CollectorSpec, Context, Metric
from edgetop.sources.fs import ProcFS, SysFS

_STATES = ("user", "nice", "system", "iowait", "irq", "softirq", "steal", "guest", "guest_nice", "idle")


@dataclass(frozen=True, slots=True)
class CpuRaw:
    """One raw CPU sample: counters, per-CPU sysfs facts, pressure."""

    stat: ProcStat
    sysfs: tuple[CpuSysfs, ...]
    pressure: Pressure | None


@dataclass(frozen=True, slots=True)
class CpuRatios:
    """Share of time per state over the last interval (0..1), for one CPU or the total."""

    name: str
    user_ratio: float | None
    nice_ratio: float | None
    system_ratio: float | None
    iowait_ratio: float | None
    irq_ratio: float | None
    softirq_ratio: float | None
    steal_ratio: float | None
    guest_ratio: float | None
    idle_ratio: float | None
    frequency_hertz: float | None = None
    core_throttle_count_total: int | None = None
    package_throttle_count_total: int | None = None

    @property
    def irq_softirq_ratio(self) -> float | None:
        """Hard and soft interrupt time together (the pane's "irq+si")."""
        return _plus(self.irq_ratio, self.softirq_ratio)

    @property
    def busy_ratio(self) -> float | None:
        """Everything but idle and iowait."""
        if self.idle_ratio is None or self.iowait_ratio is None:
            return None
        return max(0.0, 1.0 - self.idle_ratio - self.iowait_ratio)


@dataclass(frozen=True, slots=True)
class CpuView:
    """What the CPU pane, JSON and metrics show."""

    total: CpuRatios
    cores: tuple[CpuRatios, ...]
    pressure: Pressure | None
    since_boot: bool
    raw: CpuRaw


def collect_cpu(procfs: ProcFS, sysfs: SysFS) -> CpuRaw:
    """Read /proc/stat, per-CPU sysfs facts and CPU pressure."""
    try:
        stat = parse_proc_stat(procfs.read_text("stat"))
    except ParseError as err:
        raise SourceUnavailable(str(err)) from err
    return CpuRaw(stat, tuple(read_cpu_sysfs(sysfs, c.name) for c in stat.cores), read_pressure(procfs, "cpu"))


def ratios(prev: CpuCounters | None, cur: CpuCounters, extra: CpuSysfs | None = None) -> CpuRatios:
    """Ratios over the interval since ``prev`` (or since boot when prev is None).

    A counter that went backwards (CPU hot-unplug and re-plug resets it) makes every
    ratio of that CPU unknown rather than negative.
    """
    deltas: dict[str, float | None] = {}
    for state in _STATES:
        c = getattr(cur, f"{state}_seconds_total")
        deltas[state] = c if prev is None else delta(getattr(prev, f"{state}_seconds_total"), c)
    if any(d is None for d in deltas.values()):
        values: dict[str, float | None] = dict.fromkeys(_STATES)
    else:
        whole = sum(d for d in deltas.values() if d is not None)
        values = {s: share(d, whole) for s, d in deltas.items()}
    return CpuRatios(
        name=cur.name,
        user_ratio=values["user"],
        nice_ratio=values["nice"],
        system_ratio=values["system"],
        iowait_ratio=values["iowait"],
        irq_ratio=values["irq"],
        softirq_ratio=values["softirq"],
        steal_ratio=values["steal"],
        guest_ratio=_plus(values["guest"], values["guest_nice"]),
        idle_ratio=values["idle"],
        frequency_hertz=extra.frequency_hertz if extra else None,
        core_throttle_count_total=extra.core_throttle_count_total if extra else None,
        package_throttle_count_total=extra.package_throttle_count_total if extra else None,
    )


def _plus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


def derive_cpu(prev: CpuRaw | None, cur: CpuRaw, elapsed: float) -> CpuView:
    """Ratios over the last interval; on the first sample, averages since boot."""
    prev_cores = {c.name: c for c in prev.stat.cores} if prev else {}
    extras = {s.name: s for s in cur.sysfs}
    # A CPU that came online during the interval has no previous sample: comparing it with
    # itself gives unknown ratios, where "since boot" would present an old average as now.
    cores = tuple(ratios(prev_cores.get(c.name, c) if prev else None, c, extras.get(c.name)) for c in cur.stat.cores)
    total = ratios(prev.stat.total if prev else None, cur.stat.total)
    return CpuView(total, cores, cur.pressure, prev is None, cur)


def cpu_alerts(view: CpuView, config: Config) -> list[Alert]:
    """Steal, iowait and CPU pressure over their thresholds."""
    t = config.thresholds
    out: list[Alert] = []
    sev = level_above(view.total.steal_ratio, t.cpu_steal_ratio)
    if sev and view.total.steal_ratio is not None:
        out.append(Alert(sev, "cpu", "steal", f"CPU steal {view.total.steal_ratio:.1%}: the hypervisor is "
                         "running other work on this node's CPUs"))
    sev = level_above(view.total.iowait_ratio, t.cpu_iowait_ratio)
    if sev and view.total.iowait_ratio is not None:
        out.append(Alert(sev, "cpu", "iowait", f"CPU iowait {view.total.iowait_ratio:.1%}: storage is slow"))
    if view.pressure is not None:
        sev = level_above(view.pressure.some.avg10, t.cpu_pressure_some_avg10)
        if sev:
            out.append(Alert(sev, "cpu", "pressure", f"CPU pressure {view.pressure.some.avg10:.0f}% of the last "
                             "10 s had runnable tasks waiting"))
    return out


def _ratios_json(r: CpuRatios) -> dict[str, Any]:
    return {
        "name": r.name,
        "user_ratio": r.user_ratio,
        "nice_ratio": r.nice_ratio,
        "system_ratio": r.system_ratio,
        "iowait_ratio": r.iowait_ratio,
        "irq_ratio": r.irq_ratio,
        "softirq_ratio": r.softirq_ratio,
        "steal_ratio": r.steal_ratio,
        "guest_ratio": r.guest_ratio,
        "idle_ratio": r.idle_ratio,
    }


def _counters_json(c: CpuCounters) -> dict[str, float]:
    return {f"{s}_seconds_total": round(getattr(c, f"{s}_seconds_total"), 2) for s in _STATES}


def pressure_json(p: Pressure | None) -> dict[str, Any] | None:
    """PSI as JSON (avg in percent, totals in seconds)."""
    if p is None:
        return None
    out: dict[str, Any] = {
        "some_avg10": p.some.avg10, "some_avg60": p.some.avg60, "some_avg300": p.some.avg300,
        "some_stall_seconds_total": p.some.stall_seconds_total,
    }
    if p.full is not None:
        out |= {"full_avg10": p.full.avg10, "full_avg60": p.full.avg60, "full_avg300": p.full.avg300,
                "full_stall_seconds_total": p.full.stall_seconds_total}
    return out


def cpu_json(view: CpuView) -> dict[str, Any]:
    """The ``cpu`` section of the snapshot (edgetop/snapshot.schema.json)."""
    cores = []
    for r, c in zip(view.cores, view.raw.stat.cores, strict=True):
        entry = _ratios_json(r) | _counters_json(c)
        entry["frequency_hertz"] = r.frequency_hertz
        entry["throttle_count_total"] = r.core_throttle_count_total
        entry["package_throttle_count_total"] = r.package_throttle_count_total
        cores.append(entry)
    return {
        "total": _ratios_json(view.total) | _counters_json(view.raw.stat.total),
        "cores": cores,
        "pressure": pressure_json(view.pressure),
        "procs_running": view.raw.stat.procs_running,
        "procs_blocked": view.raw.stat.procs_blocked,
        "ratios_since_boot": view.since_boot,
    }


def cpu_metrics(view: CpuView) -> list[Metric]:
    """node_exporter's CPU and pressure families; edgetop's ratios and throttles.

    ``node_cpu_seconds_total`` counts as node_exporter does (its cpu collector reads
    /proc/stat as is): ``user`` and ``nice`` include guest time, which the kernel also
    reports on its own (Documentation/filesystems/proc.rst) and node_exporter exports as
    ``node_cpu_guest_seconds_total``. edgetop's own views take guest out of user.
    """
    out: list[Metric] = []
    for c in view.raw.stat.cores:
        cpu = c.name.removeprefix("cpu")  # node_exporter's label is the number
        for mode, value in (("user", c.user_seconds_total + c.guest_seconds_total),
                            ("nice", c.nice_seconds_total + c.guest_nice_seconds_total),
                            ("system", c.system_seconds_total), ("idle", c.idle_seconds_total),
                            ("iowait", c.iowait_seconds_total), ("irq", c.irq_seconds_total),
                            ("softirq", c.softirq_seconds_total), ("steal", c.steal_seconds_total)):
            out.append(Metric("cpu_seconds_total", value, (("cpu", cpu), ("mode", mode)), "counter",
                              "Seconds the CPUs spent in each mode.", namespace="node"))
        for mode, value in (("user", c.guest_seconds_total), ("nice", c.guest_nice_seconds_total)):
            out.append(Metric("cpu_guest_seconds_total", value, (("cpu", cpu), ("mode", mode)), "counter",
                              "Seconds the CPUs spent in guests (VMs) for each mode.", namespace="node"))
    if view.total.steal_ratio is not None:
        out.append(Metric("cpu_steal_ratio", view.total.steal_ratio, help="share of time stolen by the hypervisor"))
    for r in view.cores:
        if r.core_throttle_count_total is not None:
            out.append(Metric("cpu_core_throttles_total", r.core_throttle_count_total, (("cpu", r.name),), "counter",
                              "thermal throttle events of the core"))
    if view.pressure is not None:
        out.append(Metric("pressure_cpu_waiting_seconds_total", view.pressure.some.stall_seconds_total, (),
                          "counter", "Total time in seconds that processes have waited for CPU time",
                          namespace="node"))
    return out


def cpu_history(view: CpuView) -> dict[str, float | None]:
    """Series for sparklines: total steal, busy, and per-core busy."""
    out: dict[str, float | None] = {"steal": view.total.steal_ratio, "busy": view.total.busy_ratio,
                                    "iowait": view.total.iowait_ratio}
    for r in view.cores:
        out[f"{r.name}.busy"] = r.busy_ratio
        out[f"{r.name}.steal"] = r.steal_ratio
    return out


def specs(ctx: Context) -> list[CollectorSpec]:
    """The CPU collector."""
    return [
        CollectorSpec(
            name="cpu",
            lane="local",
            json_key="cpu",
            pane="cpu",
            build=lambda c: lambda: collect_cpu(c.procfs, c.sysfs),
            derive=derive_cpu,
            to_json=cpu_json,
            alerts=cpu_alerts,
            metrics=cpu_metrics,
            history=cpu_history,
        )
    ]
