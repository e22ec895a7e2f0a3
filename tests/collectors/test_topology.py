"""CPU topology over a fixture sysfs tree and the real one; cpu-list parsing."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors.topology import read_topology
from edgetop.errors import ParseError
from edgetop.model.cpulist import format_cpu_list, parse_cpu_list
from edgetop.sources.fs import SysFS


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
