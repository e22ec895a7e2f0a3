"""Typed joins across collectors: one collector's facts as another's pane needs them.

The network pane names the domain a tap belongs to, the CPU picker marks the CPUs the
guests' vCPUs run on, the domains pane shows the host's own steal. They ask here instead
of reaching into another collector's view with ``getattr`` or reading it back through
its JSON: the views are typed, so mypy checks every join, and a change to a view breaks
here, in one place, instead of silently emptying a column.

Each join reads the latest samples of a :class:`~edgetop.engine.store.Store` and answers
with plain values; a collector that has not answered yet gives an empty answer, never an
exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from edgetop.collectors.cpu import CpuView
from edgetop.collectors.libvirt_view import DomainsView
from edgetop.collectors.topology import NAME as TOPOLOGY
from edgetop.collectors.topology import CpuTopology
from edgetop.engine.store import Store

DOMAINS = "domains"
CPU = "cpu"

_View = TypeVar("_View")


def _last_view(store: Store, name: str, kind: type[_View]) -> _View | None:
    """The last good view of collector ``name`` when it is a ``kind``, else None.

    The last good one, not only a fresh one: while libvirt is down, a tap still belongs
    to the guest it belonged to a moment ago, and the topology rarely changes at all.
    """
    sample = store.get(name)
    view = sample.last_view if sample is not None else None
    return view if isinstance(view, kind) else None


def topology(store: Store) -> CpuTopology | None:
    """The CPU topology from the ``topology`` collector, or None before its first good run."""
    return _last_view(store, TOPOLOGY, CpuTopology)


def tap_owners(store: Store) -> Mapping[str, str]:
    """Host interface name (a guest's tap or target device) -> its domain's name."""
    view = _last_view(store, DOMAINS, DomainsView)
    return view.tap_owners if view is not None else {}


def vcpu_placement(store: Store) -> Mapping[int, list[str]]:
    """Host CPU -> labels (``name/vN``) of the guests' vCPUs on it.

    A vCPU pinned to fewer CPUs than are online counts on each of them, labelled
    ``pinned``; an unpinned one counts where it last ran. "Online" comes from the
    topology collector: before its first sample no vCPU counts as pinned. Without a
    domains view, no CPU has any.
    """
    view = _last_view(store, DOMAINS, DomainsView)
    if view is None:
        return {}
    topo = topology(store)
    online = topo.online if topo is not None else frozenset[int]()
    out: dict[int, list[str]] = {}
    for dom in view.domains:
        for vcpu in dom.vcpus:
            label = f"{dom.stats.name}/v{vcpu.stats.id}"
            affinity = vcpu.stats.affinity
            if affinity and set(affinity) < online:
                cpus: tuple[int, ...] = affinity
                label += " pinned"
            else:
                cpus = () if vcpu.stats.cpu is None else (vcpu.stats.cpu,)
            for cpu in cpus:
                out.setdefault(cpu, []).append(label)
    return out


def host_steal_ratio(store: Store) -> float | None:
    """Return the node's own CPU steal (it may itself be a guest), from a fresh ``cpu`` view only."""
    sample = store.get(CPU)
    view = sample.view if sample is not None else None  # a stale steal is not shown as now
    return view.total.steal_ratio if isinstance(view, CpuView) else None
