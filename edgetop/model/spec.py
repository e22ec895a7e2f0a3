"""The collector contract: what a collector gets (Context) and what it declares (CollectorSpec).

A collector module exports ``specs(ctx) -> list[CollectorSpec]``. A spec says which lane
runs it, how to build its collect callable (which may hold a source such as a libvirt
connection, never data), how two raw samples become a view, and how that view becomes
JSON, alerts, metrics and sparkline series. The engine runs specs; it never needs to
know a collector by name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from edgetop.config_schema import Config, SnmpTarget
from edgetop.errors import SourceUnavailable
from edgetop.model.alerts import Alert
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.sources.process import HOST_COMMANDS, CommandRunner
from edgetop.sources.snmp_poll import SnmpPoller
from edgetop.sources.statfs import FsUsage, statvfs_usage


class SnmpPollerFactory(Protocol):
    """Opens the poller of one SNMP target: a real session, or a recording that stands in for it."""

    def __call__(self, target: SnmpTarget) -> SnmpPoller:
        """Return the poller for ``target`` (opened lazily, on the first poll)."""
        ...


SNMP_INSTALL_HINT = "pysnmp is not installed: pip install pysnmp"


def _snmp_session(target: SnmpTarget) -> SnmpPoller:
    """Open a real session; without pysnmp the target is unavailable and says why.

    Raises:
        SourceUnavailable: pysnmp cannot be imported.

    """
    try:
        from edgetop.sources.snmp_session import SnmpSession  # pysnmp loads only when SNMP is used
    except ImportError as err:
        missing = isinstance(err, ModuleNotFoundError) and (err.name or "").split(".")[0] == "pysnmp"
        raise SourceUnavailable(SNMP_INSTALL_HINT if missing else f"pysnmp cannot be imported: {err}") from err
    return SnmpSession(target)


@dataclass(frozen=True)
class Context:
    """What a collector may use to build itself: the configuration and the sources of this host.

    Every source a collector reads is here, so that a recording can stand in for any of
    them (``--demo``, fixture trees, tests) without the collector knowing.

    Attributes:
        config: the effective configuration.
        procfs: the rooted /proc (CPU, memory, processes, boot time).
        sysfs: the rooted /sys (CPU topology and frequency).
        devices_procfs: where device state under /proc is read (``net/bonding``); None: ``procfs``.
        devices_sysfs: where devices are read (hwmon, thermal zones, NICs, bonds); None: ``sysfs``.
        host_root: the root under which ``/run`` and ``/etc`` facts are looked up (which
            service manager runs, as ``sd_booted(3)`` does).
        run: runs every command a collector needs (chronyc, ntpq, systemctl …).
        snmp_poller: opens the poller of one SNMP target.
        adapters: by collector name, a wrapper around the collect callable that ``build``
            returns (the demo makes the libvirt test driver's frozen counters move).
        stand_in: None when every source is this host; else what stands in for it, in
            words (``demo mode (--demo)``): no action may then reach the real host.
        statvfs: how full the filesystem at a path is (``statvfs(3)``); the demo's
            recordings stand in for it.

    """

    config: Config
    procfs: ProcFS
    sysfs: SysFS
    devices_procfs: ProcFS | None = None
    devices_sysfs: SysFS | None = None
    host_root: Path = Path("/")
    run: CommandRunner = HOST_COMMANDS
    snmp_poller: SnmpPollerFactory = _snmp_session
    adapters: Mapping[str, Callable[[Collect], Collect]] = field(default_factory=dict)
    stand_in: str | None = None
    statvfs: Callable[[Path], FsUsage] = statvfs_usage

    def device_roots(self) -> tuple[ProcFS, SysFS]:
        """The roots where devices (sensors, NICs, bonds) are read."""
        return self.devices_procfs or self.procfs, self.devices_sysfs or self.sysfs


def exposed_name(namespace: str, name: str) -> str:
    """A metric's name as exported: namespace, underscore, name (or the name alone without a namespace)."""
    return f"{namespace}_{name}" if namespace else name


class Metric(NamedTuple):
    """One Prometheus sample. ``name`` without its namespace prefix; units in the name.

    ``namespace`` says whose name it is: ``edgetop`` (``edgetop_<name>``), ``node``
    (node_exporter's ``node_<name>``, with its labels and semantics: left out by
    ``serve --no-node-metrics``), ``libvirt`` (the libvirt exporter's ``libvirt_<name>``),
    or ``""`` for a name taken whole from another exporter (snmp_exporter's ``ifHCInOctets``).

    A NamedTuple, not a frozen dataclass: a scrape of 100 domains builds ~5,700 of them, and
    the dataclass's ``__init__`` (``object.__setattr__`` per field) cost ~15 ms of CPU of it.
    (Not msgspec: the model must import with the standard library alone.)
    """

    name: str
    value: float
    labels: tuple[tuple[str, str], ...] = ()
    kind: str = "gauge"  # gauge or counter
    help: str = ""
    namespace: str = "edgetop"

    @property
    def full_name(self) -> str:
        """The exposed name: namespace, underscore, name (or the name alone without a namespace)."""
        return exposed_name(self.namespace, self.name)


Labels = tuple[tuple[str, str], ...]


class Family(NamedTuple):
    """The samples of one name, grouped: a column of label sets and one of values, one name, type and help.

    What a collector with thousands of samples hands out (the libvirt domains, the SNMP
    interfaces): a ``Metric`` per sample repeats the name, type and help and costs an
    object of six fields each, ~1 µs a sample to build and again to group by name at the
    scrape, and every such object is one more for the garbage collector to visit. A
    family is two lists; ``values[i]`` is the sample of the series ``labels[i]``. Exported
    exactly as its ``metrics()`` one by one would be, in the same place among the others.
    """

    name: str
    labels: Sequence[Labels]
    values: Sequence[float]  # as long as ``labels``
    kind: str = "gauge"  # gauge or counter
    help: str = ""
    namespace: str = "edgetop"

    @property
    def full_name(self) -> str:
        """The exposed name: namespace, underscore, name (or the name alone without a namespace)."""
        return exposed_name(self.namespace, self.name)

    def metrics(self) -> list[Metric]:
        """The samples one by one."""
        name, kind, text, namespace = self.name, self.kind, self.help, self.namespace
        return [Metric(name, value, labels, kind, text, namespace)
                for labels, value in zip(self.labels, self.values, strict=True)]


def known(labels: Sequence[Labels], values: Iterable[float | None]) -> tuple[Sequence[Labels], list[float]]:
    """A family's two columns from a value or None per series: the series whose value is known, and those as floats.

    ``labels`` itself when every value is known (families of the same series then share it).
    """
    got = list(values)
    if None in got:
        present = [value is not None for value in got]
        return list(compress(labels, present)), [float(value) for value in compress(got, present)]  # type: ignore[arg-type]
    return labels, list(map(float, got))  # type: ignore[arg-type]  # no None


def flat(exposed: Iterable[Metric | Family]) -> list[Metric]:
    """Every sample of ``exposed`` as a ``Metric``, in order (families opened where they stand)."""
    out: list[Metric] = []
    for item in exposed:
        if isinstance(item, Family):
            out.extend(item.metrics())
        else:
            out.append(item)
    return out


# Name prefixes of the exporters whose families edgetop reproduces under their own names
# (one word each: ``as_named`` splits at the first underscore).
BORROWED_PREFIXES = ("node_", "libvirt_", "smartctl_")


def as_named(metrics: list[Metric]) -> list[Metric]:
    """``metrics`` with the ones already named after another exporter (``node_…``) exported as is."""
    named: list[Metric] = []
    for metric in metrics:
        name = metric.name
        if metric.namespace == "edgetop" and name.startswith(BORROWED_PREFIXES):
            # The namespace says whose name it is (``--no-node-metrics`` drops ``node``); every
            # borrowed prefix is one word, so it ends at the first underscore.
            namespace, name = name.split("_", 1)
            metric = Metric(name, metric.value, metric.labels, metric.kind, metric.help, namespace)  # noqa: PLW2901
        named.append(metric)
    return named


class Collect(Protocol):
    """A zero-argument collect callable; sync ones run in a thread, async ones on the loop."""

    def __call__(self) -> Any | Awaitable[Any]:
        """Collect once and return the raw dataclass (or raise SourceUnavailable).

        A collect callable may also offer ``subscribe(callback)``: the engine then calls
        it again as soon as ``callback`` fires (from any thread), not only every interval.
        """


def _keep(prev: Any, cur: Any, elapsed: float) -> Any:
    return cur


def _no_alerts(view: Any, config: Config) -> list[Alert]:
    return []


def _no_metrics(view: Any) -> list[Metric | Family]:
    return []


def _no_history(view: Any) -> dict[str, float | None]:
    return {}


@dataclass(frozen=True, kw_only=True)
class CollectorSpec:
    """How the engine runs one collector and uses what it returns.

    Attributes:
        name: unique name (``cpu``, ``snmp:core-switch``); shown in the sources view.
        lane: the lane that runs it (``local``, ``libvirt``, ``snmp``, ``ntp``, ``services``).
        json_key: the snapshot's top-level key; specs sharing a key are merged (lists
            concatenated, mappings updated). None keeps the view inside edgetop: no
            snapshot section or ``sources`` entry, no Prometheus samples (not even
            ``collector_up``); for facts other views join on, such as the CPU topology.
        pane: the id of the UI pane that shows it; that pane repaints when a sample arrives.
        build: makes the collect callable from the context (opens sources lazily).
        interval: seconds between runs; None uses ``config.interval``.
        timeout: how long one run may take before it counts as "no answer"; None uses
            ``max(5, 2 * interval)``.
        derive: ``(previous raw or None, current raw, elapsed seconds) -> view``.
        to_json: view -> the JSON section (edgetop/snapshot.schema.json).
        empty_json: the JSON section when there is no view (``[]`` or ``{}``).
        alerts: view, config -> alerts.
        metrics: view -> Prometheus samples, one by one (``Metric``) or grouped by name (``Family``).
        history: view -> named series to keep in history rings (for sparklines).
        close: releases what ``build`` opened, given the collect callable.
        good: view -> whether it is one to keep as the last good view (None: every view
            is). A view may say its source is down (an SNMP target that did not answer):
            the snapshot reports that view, and the pane keeps the last good one greyed.
        optional: one of several alternative sources (the NTP tools: chrony, ntpd,
            timesyncd, SNTP, PTP): while it is unavailable this node does not use it,
            and the header and the sources view say "not used" instead of counting a
            problem (the verdict's own alert says when no time source works at all).
        on_demand: collected only while its pane is on screen in the TUI (the engine is
            told which panes are shown, ``Engine.show``); headless runs (``snapshot``,
            ``serve``, ``check``) always collect it. For a collector that feeds nothing
            but its own pane and costs real CPU (every ``/proc/PID`` each tick).

    """

    name: str
    lane: str
    json_key: str | None
    pane: str
    build: Callable[[Context], Collect]
    interval: float | None = None
    timeout: float | None = None
    derive: Callable[[Any, Any, float], Any] = _keep
    to_json: Callable[[Any], Any] = lambda view: view
    empty_json: Callable[[], Any] = field(default=dict)
    alerts: Callable[[Any, Config], list[Alert]] = _no_alerts
    metrics: Callable[[Any], Sequence[Metric | Family]] = _no_metrics
    history: Callable[[Any], dict[str, float | None]] = _no_history
    close: Callable[[Collect], None] | None = None
    good: Callable[[Any], bool] | None = None
    optional: bool = False
    on_demand: bool = False
