"""CPU topology over a fixture sysfs tree and the real one; cpu-list parsing; the topology collector."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors import topology
from edgetop.collectors.registry import MODULES, all_specs
from edgetop.collectors.topology import CpuTopology, read_topology
from edgetop.config_schema import Config
from edgetop.engine.store import Store
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.export.prometheus import render_metrics, store_metrics
from edgetop.export.snapshot import SECTIONS, build_snapshot
from edgetop.model.cpulist import format_cpu_list, parse_cpu_list
from edgetop.model.reading import Reading, Status
from edgetop.model.spec import CollectorSpec, Context, Metric
from edgetop.sources.fs import ProcFS, SysFS


@pytest.mark.parametrize(("text", "cpus"), [("", set()), ("\n", set()), ("0", {0}), ("0-3", {0, 1, 2, 3}),
                                            ("0-1,4,6-7\n", {0, 1, 4, 6, 7})])
def test_parse_cpu_list(text: str, cpus: set[int]) -> None:
    assert parse_cpu_list(text) == cpus


@pytest.mark.parametrize("text", ["a", "1-", "-1", "3-1", "0,,1", "0-99999999", "1 2", "¹", "0-٣"])
def test_parse_cpu_list_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_cpu_list(text)


@given(st.frozensets(st.integers(0, 300)))
def test_format_parse_roundtrip(cpus: frozenset[int]) -> None:
    text = format_cpu_list(cpus)
    assert parse_cpu_list("" if text == "-" else text) == cpus


@given(st.text(max_size=60))
def test_parse_cpu_list_raises_only_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_cpu_list(text)


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


def test_two_sockets_smt_numa_isolated_offline(tmp_path: Path) -> None:
    base = "devices/system/cpu"
    for cpu in range(8):
        (tmp_path / base / f"cpu{cpu}").mkdir(parents=True)
        if cpu == 7:
            continue  # offline: no topology directory
        package, core = divmod(cpu // 2, 2)
        write(tmp_path, f"{base}/cpu{cpu}/topology/physical_package_id", str(package))
        write(tmp_path, f"{base}/cpu{cpu}/topology/core_id", str(core))
        first = cpu - cpu % 2
        write(tmp_path, f"{base}/cpu{cpu}/topology/thread_siblings_list", f"{first}-{first + 1}")
    write(tmp_path, f"{base}/online", "0-6")
    write(tmp_path, f"{base}/isolated", "2-3")
    write(tmp_path, "devices/system/node/node0/cpulist", "0-3")
    write(tmp_path, "devices/system/node/node1/cpulist", "4-7")
    topo = read_topology(SysFS(tmp_path))
    assert topo.online == set(range(7)) and topo.isolated == {2, 3}
    assert topo.nodes == (0, 1) and topo.packages == (0, 1)
    cpu5 = topo.cpus[5]
    assert (cpu5.package, cpu5.core, cpu5.siblings, cpu5.node, cpu5.isolated) == (1, 0, {4, 5}, 1, False)
    assert topo.cpus[2].isolated
    cpu7 = topo.cpus[7]
    assert (cpu7.online, cpu7.package, cpu7.core, cpu7.siblings) == (False, None, None, {7})


def test_empty_tree() -> None:
    topo = read_topology(SysFS("/nonexistent"))
    assert topo.cpus == () and topo.online == frozenset()


def test_this_machine() -> None:
    topo = read_topology(SysFS())
    assert topo.online >= os.sched_getaffinity(0)
    assert all(c.package is not None for c in topo.cpus if c.online)


# ---- the topology collector -------------------------------------------------------------

def _ctx(sysfs: SysFS, interval: float = 1.0) -> Context:
    return Context(config=Config(interval=interval), procfs=ProcFS("/nonexistent"), sysfs=sysfs)


def test_spec_is_a_slow_local_collector_kept_out_of_the_exports() -> None:
    (spec,) = topology.specs(_ctx(SysFS()))
    assert (spec.name, spec.lane, spec.json_key) == ("topology", "local", None)
    assert spec.interval == topology.INTERVAL == 30.0
    (slow,) = topology.specs(_ctx(SysFS(), interval=90.0))
    assert slow.interval == 90.0  # never more often than everything else
    assert "edgetop.collectors.topology" in MODULES
    assert "topology" in {s.name for s in all_specs(_ctx(SysFS()))}


def test_collect_reads_the_tree(tmp_path: Path) -> None:
    write(tmp_path, "devices/system/cpu/online", "0-1")
    for cpu in range(2):
        write(tmp_path, f"devices/system/cpu/cpu{cpu}/topology/core_id", str(cpu))
    (spec,) = topology.specs(_ctx(SysFS(tmp_path)))
    topo = spec.build(_ctx(SysFS(tmp_path)))()
    assert isinstance(topo, CpuTopology) and topo == read_topology(SysFS(tmp_path))
    assert topo.online == {0, 1}


def test_collect_without_any_cpu_is_unavailable_with_the_path() -> None:
    (spec,) = topology.specs(_ctx(SysFS("/nonexistent")))
    with pytest.raises(SourceUnavailable, match="no CPUs under /nonexistent/devices/system/cpu"):
        spec.build(_ctx(SysFS("/nonexistent")))()


def _stores() -> tuple[Store, list[CollectorSpec]]:
    """A store with the real topology sample next to an exported collector's."""
    ctx = _ctx(SysFS())
    (topo_spec,) = topology.specs(ctx)
    exported = CollectorSpec(name="cpu", lane="local", json_key="cpu", pane="cpu", build=lambda c: lambda: None,
                             to_json=lambda v: {"v": v}, metrics=lambda v: [Metric("cpu_thing", float(v))])
    store = Store(ctx.config)
    for spec, value in ((topo_spec, read_topology(SysFS())), (exported, 1)):
        store.update(spec, Reading(spec.name, Status.OK, value, None, 0.001, time.time(), 1.0))
    return store, [topo_spec, exported]


def test_topology_is_not_in_the_json_snapshot() -> None:
    store, specs = _stores()
    data = build_snapshot(store, specs)
    assert data["cpu"] == {"v": 1}
    assert set(data["sources"]) == {"cpu"}
    assert set(data) == {"schema_version", "timestamp", *SECTIONS, "events", "alerts", "sources"}
    assert build_snapshot(store, specs[1:]) | {"timestamp": 0} == data | {"timestamp": 0}


def test_topology_is_not_in_the_metrics() -> None:
    store, _ = _stores()
    text = render_metrics(store_metrics(store))
    assert 'collector_up{collector="cpu"} 1' in text and "edgetop_cpu_thing 1" in text
    assert "topology" not in text
