"""Typed joins across collectors (engine.joins) over a store filled by hand.

The domains and topology samples go through the real specs (their derive makes the real
views), so a join is tested against the types the collectors produce, not stand-ins.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from edgetop.collectors import cpu, libvirt_domains, topology
from edgetop.collectors.libvirt_domains import DomainsRaw
from edgetop.collectors.libvirt_stats import DomainStats, NicStats, VcpuStats
from edgetop.collectors.proc_stat import parse_proc_stat
from edgetop.collectors.topology import CpuInfo, CpuTopology
from edgetop.config_schema import Config
from edgetop.engine import joins
from edgetop.engine.store import Store
from edgetop.model.reading import Reading, Status
from edgetop.model.spec import CollectorSpec, Context
from edgetop.sources.fs import ProcFS, SysFS

CTX = Context(config=Config(), procfs=ProcFS("/nonexistent"), sysfs=SysFS("/nonexistent"))
DOMAINS = next(s for s in libvirt_domains.specs(CTX) if s.name == "domains")
(TOPOLOGY,) = topology.specs(CTX)


def feed(store: Store, spec: CollectorSpec, value: Any, status: Status = Status.OK, reason: str | None = None,
         monotonic: float = 100.0) -> None:
    store.update(spec, Reading(spec.name, status, value if status is Status.OK else None, reason, 0.001,
                               time.time(), monotonic))


def machine(online: range, offline: tuple[int, ...] = ()) -> CpuTopology:
    """A one-package machine without SMT or NUMA."""
    cpus = tuple(CpuInfo(cpu=n, online=n in online, isolated=False, package=0 if n in online else None,
                         core=n if n in online else None, siblings=frozenset({n}), node=None)
                 for n in sorted({*online, *offline}))
    return CpuTopology(cpus, frozenset(online), frozenset())


def guests() -> DomainsRaw:
    """Two guests: ``web`` has one vCPU pinned to CPUs 2-3 and one free; ``db`` one vCPU free."""
    web = DomainStats(name="web", uuid="u-web", state="running", reason="booted", id=1, vcpus=2,
                      vcpu_list=(VcpuStats(id=0, cpu=3, affinity=(2, 3)),
                                 VcpuStats(id=1, cpu=1, affinity=(0, 1, 2, 3))),
                      nics=(NicStats(name="vnet0"), NicStats(name="vnet1")))
    db = DomainStats(name="db", uuid="u-db", state="running", reason="booted", id=2, vcpus=1,
                     vcpu_list=(VcpuStats(id=0, cpu=1, affinity=None),), nics=(NicStats(name="tap-db"),))
    off = DomainStats(name="off", uuid="u-off", state="shutoff", reason="shutdown")
    return DomainsRaw((db, off, web), None, 0.0)


def test_empty_store_gives_empty_answers() -> None:
    store = Store(Config())
    assert joins.topology(store) is None
    assert joins.tap_owners(store) == {}
    assert joins.vcpu_placement(store) == {}
    assert joins.host_steal_ratio(store) is None


def test_tap_owners_from_the_domains_view() -> None:
    store = Store(Config())
    feed(store, DOMAINS, guests())
    assert joins.tap_owners(store) == {"vnet0": "web", "vnet1": "web", "tap-db": "db"}


def test_vcpu_placement_marks_pinned_vcpus_on_each_of_their_cpus() -> None:
    store = Store(Config())
    feed(store, TOPOLOGY, machine(range(4)))
    feed(store, DOMAINS, guests())
    # Pinned to 2-3 of the four online CPUs: on both, "pinned"; pinned to all four (or
    # unknown affinity): where it last ran.
    assert joins.vcpu_placement(store) == {2: ["web/v0 pinned"], 3: ["web/v0 pinned"], 1: ["db/v0", "web/v1"]}


def test_vcpu_placement_pinned_means_fewer_cpus_than_are_online() -> None:
    store = Store(Config())
    feed(store, TOPOLOGY, machine(range(2, 4), offline=(0, 1)))  # only 2-3 online: 2-3 is no restriction
    feed(store, DOMAINS, guests())
    assert joins.vcpu_placement(store) == {3: ["web/v0"], 1: ["db/v0", "web/v1"]}


def test_vcpu_placement_without_topology_counts_where_each_vcpu_ran() -> None:
    store = Store(Config())
    feed(store, DOMAINS, guests())
    assert joins.vcpu_placement(store) == {3: ["web/v0"], 1: ["db/v0", "web/v1"]}


def test_joins_use_the_last_good_view_while_a_source_is_down() -> None:
    store = Store(Config())
    feed(store, TOPOLOGY, machine(range(4)))
    feed(store, DOMAINS, guests())
    feed(store, DOMAINS, None, Status.UNAVAILABLE, "libvirtd is not running", monotonic=101.0)
    feed(store, TOPOLOGY, None, Status.FAILED, "boom", monotonic=101.0)
    assert joins.tap_owners(store)["tap-db"] == "db"
    topo = joins.topology(store)
    assert topo is not None and topo.online == frozenset(range(4))
    assert joins.vcpu_placement(store)[2] == ["web/v0 pinned"]


def test_a_view_of_another_type_is_no_answer() -> None:
    """A collector of the same name with another view (a test stand-in, a future rename) joins nothing."""
    store = Store(Config())
    for name in ("domains", "topology", "cpu"):
        spec = CollectorSpec(name=name, lane="local", json_key=name, pane="p", build=lambda c: lambda: None)
        feed(store, spec, {"tap_owners": {"vnet0": "web"}, "online": [0]})
    assert joins.tap_owners(store) == {}
    assert joins.topology(store) is None
    assert joins.vcpu_placement(store) == {}
    assert joins.host_steal_ratio(store) is None


def test_host_steal_ratio_from_a_fresh_cpu_view_only() -> None:
    store = Store(Config())
    (spec,) = cpu.specs(CTX)
    # One second of 100 ticks: 60 user, 30 idle, 10 steal.
    before = parse_proc_stat("cpu  1000 0 0 8000 0 0 0 100\ncpu0 1000 0 0 8000 0 0 0 100\n")
    after = parse_proc_stat("cpu  1060 0 0 8030 0 0 0 110\ncpu0 1060 0 0 8030 0 0 0 110\n")
    feed(store, spec, cpu.CpuRaw(before, (), None), monotonic=100.0)
    feed(store, spec, cpu.CpuRaw(after, (), None), monotonic=101.0)
    assert joins.host_steal_ratio(store) == pytest.approx(0.1)
    feed(store, spec, None, Status.FAILED, "no /proc/stat", monotonic=102.0)
    assert joins.host_steal_ratio(store) is None  # a stale steal is not shown as now
