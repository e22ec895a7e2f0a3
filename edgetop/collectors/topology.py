"""CPU topology from sysfs: packages, cores, SMT siblings, NUMA nodes, online and isolated CPUs.

A pure function over a rooted :class:`~edgetop.sources.fs.SysFS`, and the ``topology``
collector built on it: the CPU picker reads that collector's view from the store (never
sysfs on the UI loop), the action policy calls :func:`read_topology` itself because
actions validate against live facts. The topology changes only when a CPU is hot-plugged
or isolated, so the collector runs at most once every :data:`INTERVAL` seconds, and stays out
of the snapshot and the metrics (``json_key=None``: the JSON contract is unchanged).

Sources (Documentation/ABI/stable/sysfs-devices-system-cpu and
Documentation/admin-guide/cputopology.rst):

- ``devices/system/cpu/online`` and ``…/isolated`` hold cpu lists (``0-3,8``);
  ``isolated`` lists the CPUs taken out of the scheduler with ``isolcpus=``.
- ``devices/system/cpu/cpuN/topology/{physical_package_id,core_id,thread_siblings_list}``;
  an offline CPU has no ``topology`` directory.
- ``devices/system/node/nodeM/cpulist`` gives each NUMA node's CPUs (absent without NUMA).
"""

from __future__ import annotations

import re

import msgspec

from edgetop.errors import ParseError, SourceUnavailable
from edgetop.model.cpulist import parse_cpu_list
from edgetop.model.spec import Collect, CollectorSpec, Context
from edgetop.sources.fs import SysFS

NAME = "topology"
# Seconds between reads, at least: hot-plug and isolation changes are rare, and the action
# policy checks what is online again, live, before it pins anything.
INTERVAL = 30.0

_CPU_DIR = re.compile(r"cpu(\d+)")
_NODE_DIR = re.compile(r"node(\d+)")


class CpuInfo(msgspec.Struct, frozen=True):
    """One logical CPU.

    Attributes:
        cpu: logical CPU number.
        online: whether the CPU is online.
        isolated: whether the CPU is in ``isolcpus=``.
        package: physical package (socket) id, None when unknown (offline CPU).
        core: core id within the package, None when unknown.
        siblings: SMT siblings including this CPU (one thread: just itself).
        node: NUMA node, None without NUMA information.

    """

    cpu: int
    online: bool
    isolated: bool
    package: int | None
    core: int | None
    siblings: frozenset[int]
    node: int | None


class CpuTopology(msgspec.Struct, frozen=True):
    """The machine's logical CPUs."""

    cpus: tuple[CpuInfo, ...]
    online: frozenset[int]
    isolated: frozenset[int]

    @property
    def nodes(self) -> tuple[int, ...]:
        """NUMA nodes that have CPUs, sorted."""
        return tuple(sorted({c.node for c in self.cpus if c.node is not None}))

    @property
    def packages(self) -> tuple[int, ...]:
        """Packages that have CPUs, sorted."""
        return tuple(sorted({c.package for c in self.cpus if c.package is not None}))


def optional_cpu_list(sysfs: SysFS, rel: str) -> frozenset[int] | None:
    """The CPU list in sysfs file ``rel`` (``0-3,8``); None when the file is absent or malformed."""
    text = sysfs.read_optional(rel)
    if text is None:
        return None
    try:
        return parse_cpu_list(text)
    except ParseError:
        return None


def read_topology(sysfs: SysFS) -> CpuTopology:
    """Read the CPU topology under ``sysfs``; missing pieces are None, never guessed.

    Without ``cpu/online`` (a very old kernel or an empty fixture) every ``cpuN``
    directory with a ``topology`` subdirectory counts as online.
    """
    base = "devices/system/cpu"
    numbers = sorted(int(m.group(1)) for d in sysfs.listdir(base) if (m := _CPU_DIR.fullmatch(d)))
    online = optional_cpu_list(sysfs, f"{base}/online")
    if online is None:
        online = frozenset(n for n in numbers if sysfs.exists(f"{base}/cpu{n}/topology"))
    isolated = optional_cpu_list(sysfs, f"{base}/isolated") or frozenset()
    node_of: dict[int, int] = {}
    for d in sysfs.listdir("devices/system/node"):
        m = _NODE_DIR.fullmatch(d)
        if m:
            for cpu in optional_cpu_list(sysfs, f"devices/system/node/{d}/cpulist") or ():
                node_of[cpu] = int(m.group(1))
    cpus = []
    for n in sorted(set(numbers) | online):
        topo = f"{base}/cpu{n}/topology"
        siblings = optional_cpu_list(sysfs, f"{topo}/thread_siblings_list") or frozenset({n})
        cpus.append(CpuInfo(
            cpu=n,
            online=n in online,
            isolated=n in isolated,
            package=sysfs.read_int(f"{topo}/physical_package_id"),
            core=sysfs.read_int(f"{topo}/core_id"),
            siblings=siblings,
            node=node_of.get(n),
        ))
    return CpuTopology(tuple(cpus), online, isolated)


class TopologyCollector:
    """Reads the topology; a tree without any CPU is unavailable, not an empty machine."""

    def __init__(self, sysfs: SysFS) -> None:
        """Read under ``sysfs``."""
        self.sysfs = sysfs

    def __call__(self) -> CpuTopology:
        """Return the topology, or raise SourceUnavailable when sysfs lists no CPU."""
        topology = read_topology(self.sysfs)
        if not topology.cpus:
            raise SourceUnavailable(f"no CPUs under {self.sysfs.root / 'devices/system/cpu'}")
        return topology


def _build(ctx: Context) -> Collect:
    return TopologyCollector(ctx.sysfs)


def specs(ctx: Context) -> list[CollectorSpec]:
    """Build the ``topology`` collector: local lane, slow, no JSON, alerts or metrics."""
    # No pane renders it: the CPU picker (a screen) shows it; ``cpu`` is the nearest pane.
    return [CollectorSpec(name=NAME, lane="local", json_key=None, pane="cpu", build=_build,
                          interval=max(INTERVAL, ctx.config.interval))]
