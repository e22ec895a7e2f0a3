"""Host checks: governor, frequency floor, huge pages, isolated CPUs, overcommit, swap."""

from __future__ import annotations

from pathlib import Path

import pytest
from msgspec.structs import replace

from edgetop.collectors.checks import host
from edgetop.collectors.checks.guest_setup import GuestSetup
from edgetop.collectors.checks.host import CpuFreq, HostFacts, Placement
from edgetop.collectors.checks.libvirt_facts import GuestFacts, LibvirtFacts, gather_libvirt
from edgetop.model.checks import CheckStatus
from edgetop.sources.fs import ProcFS, SysFS
from tests.collectors.checks_trees import LIBVIRT_URI, build

PASS, WARN, FAIL, UNKNOWN = CheckStatus.PASS, CheckStatus.WARN, CheckStatus.FAIL, CheckStatus.UNKNOWN
GIB = 1024**3
MEM = {"MemTotal": 8 * GIB, "SwapTotal": 0, "SwapFree": 0, "HugePages_Total": 0, "HugePages_Free": 0,
       "HugePages_Rsvd": 0, "Hugepagesize": 2048 * 1024}
BASE = HostFacts(cpu_dir="/sys/devices/system/cpu", cpufreq=(), cpus=4, meminfo_path="/proc/meminfo", meminfo=MEM,
                 isolated=frozenset(), nohz_full=None)
NO_GUESTS = LibvirtFacts("qemu:///system", host_cpus=4, host_memory_bytes=8 * GIB)
DOWN = LibvirtFacts("qemu:///system", error="cannot reach libvirtd")


def freq(governor: str | None, floor: int | None = 800_000, top: int | None = 3_000_000, cpus: int = 4) -> tuple[
        CpuFreq, ...]:
    return tuple(CpuFreq(i, governor, floor, top) for i in range(cpus))


def guest(name: str, active: bool = True, **setup: object) -> GuestFacts:
    return GuestFacts(name, active, True, GuestSetup(**setup))  # type: ignore[arg-type]


@pytest.mark.parametrize(("cpufreq", "status", "evidence"), [
    (freq("performance"), PASS, "performance on cpu 0-3 (/sys/devices/system/cpu/cpu*/cpufreq)"),
    ((*freq("powersave", cpus=2), CpuFreq(2, "performance", 1, 2), CpuFreq(3, None, 1, 2)), WARN,
     "powersave on cpu 0-1; performance on cpu 2; unreadable on cpu 3"),
    ((), UNKNOWN, "no cpufreq under /sys/devices/system/cpu/cpu*/"),
])
def test_cpu_governor(cpufreq: tuple[CpuFreq, ...], status: CheckStatus, evidence: str) -> None:
    check = host.check_cpu_governor(replace(BASE, cpufreq=cpufreq))
    assert check.status is status and check.evidence.startswith(evidence)


@pytest.mark.parametrize(("cpufreq", "status", "evidence"), [
    (freq("performance", 400_000), PASS, "every CPU runs the performance governor"),
    (freq("schedutil", 1_600_000), PASS, "scaling_min_freq 1600 of 3000 MHz on cpu 0-3"),
    (freq("powersave", 400_000, cpus=2) + freq("performance", cpus=0), WARN, "scaling_min_freq 400 of 3000 MHz on "
                                                                             "cpu 0-1"),
    (freq("ondemand", None), UNKNOWN, "scaling_min_freq or cpuinfo_max_freq unreadable"),
    ((), UNKNOWN, "no cpufreq"),
])
def test_cpu_min_freq(cpufreq: tuple[CpuFreq, ...], status: CheckStatus, evidence: str) -> None:
    check = host.check_cpu_min_freq(replace(BASE, cpufreq=cpufreq))
    assert check.status is status and check.evidence.startswith(evidence)


def pages(total: int, free: int, rsvd: int = 0) -> dict[str, int]:
    return MEM | {"HugePages_Total": total, "HugePages_Free": free, "HugePages_Rsvd": rsvd}


@pytest.mark.parametrize(("meminfo", "lv", "status", "words"), [
    (pages(0, 0), NO_GUESTS, PASS, "no guest asks for them"),
    (pages(512, 0), replace(NO_GUESTS, guests=(guest("a", hugepages=True, memory_bytes=GIB),)), PASS, "backing a"),
    (pages(512, 512, rsvd=512), replace(NO_GUESTS, guests=(guest("a", hugepages=True, memory_bytes=GIB),)), PASS,
     "HugePages_Rsvd 512"),  # a started guest that has not touched its memory yet
    (pages(0, 0), DOWN, PASS, "guests unknown"),
    (pages(512, 512), NO_GUESTS, WARN, "1.0 GiB reserved and unused"),
    (pages(512, 512), DOWN, WARN, "reserved and unused"),
    (pages(512, 256), replace(NO_GUESTS, guests=(guest("b", False, hugepages=True, memory_bytes=2 * GIB),)), WARN,
     "shut-off guests b need 2.0 GiB"),
    (pages(0, 0), replace(NO_GUESTS, guests=(guest("c", False, hugepages=True, memory_bytes=GIB),)), FAIL,
     "guests backed by huge pages: c"),
    (None, NO_GUESTS, UNKNOWN, "no HugePages_Total in /proc/meminfo"),
])
def test_hugepages(meminfo: dict[str, int] | None, lv: LibvirtFacts, status: CheckStatus, words: str) -> None:
    check = host.check_hugepages(replace(BASE, meminfo=meminfo), lv)
    assert check.status is status and words in check.evidence


PINNED = replace(NO_GUESTS, guests=(guest("router", pins=((0, (2,)), (1, (3,)))),
                                    guest("idle", False, pins=((0, (0,)),))))
ME = (Placement("pid 7 (serve)", frozenset({0, 1})),)


@pytest.mark.parametrize(("isolated", "nohz", "lv", "edgetop", "status", "words"), [
    (frozenset(), frozenset(), PINNED, ME, PASS, "isolated none, nohz_full none"),
    (frozenset({2, 3}), None, PINNED, ME, PASS, "every pinned vCPU inside; pid 7 (serve) on 0-1"),
    (frozenset(), frozenset({2, 3}), PINNED, ME, PASS, "nohz_full 2-3"),
    (frozenset({2, 3}), frozenset({2, 3}), DOWN, (), PASS, "guests unknown; edgetop's CPUs unknown"),
    (frozenset({3}), None, PINNED, ME, WARN, "vCPU 0 of router on 2"),
    (frozenset({1, 2, 3}), None, PINNED, ME, WARN, "pid 7 (serve) may run on isolated CPUs 1"),
    (None, None, PINNED, ME, UNKNOWN, "no isolated or nohz_full file"),
])
def test_isolated_cpus(isolated: frozenset[int] | None, nohz: frozenset[int] | None, lv: LibvirtFacts,
                       edgetop: tuple[Placement, ...], status: CheckStatus, words: str) -> None:
    check = host.check_isolated_cpus(replace(BASE, isolated=isolated, nohz_full=nohz), lv, edgetop)
    assert check.status is status and words in check.evidence


@pytest.mark.parametrize(("lv", "status", "evidence"), [
    (replace(NO_GUESTS, guests=(guest("a", vcpus=2), guest("b", vcpus=2), guest("off", False, vcpus=8))), PASS,
     "4 vCPUs in active guests on 4 host CPUs (libvirt node info): 1.00 per CPU"),
    (replace(NO_GUESTS, guests=(guest("a", vcpus=6),)), WARN, "6 vCPUs in active guests on 4 host CPUs"),
    (replace(NO_GUESTS, host_cpus=None, guests=(guest("a", vcpus=2),)), PASS, "2 vCPUs in active guests on 4 host "
                                                                               "CPUs (/proc/stat)"),
    (DOWN, UNKNOWN, "guests unknown: no answer from qemu:///system (see libvirt.connection)"),
])
def test_vcpu_overcommit(lv: LibvirtFacts, status: CheckStatus, evidence: str) -> None:
    check = host.check_vcpu_overcommit(BASE, lv)
    assert check.status is status and check.evidence.startswith(evidence)


@pytest.mark.parametrize(("lv", "status", "evidence"), [
    (replace(NO_GUESTS, guests=(guest("a", memory_bytes=4 * GIB), guest("off", False, memory_bytes=64 * GIB))),
     PASS, "active guests may use 4.0 GiB of the host's 8.0 GiB (libvirt node info): 50%"),
    (replace(NO_GUESTS, guests=(guest("a", memory_bytes=7 * GIB + GIB // 2),)), WARN,
     "active guests may use 7.5 GiB of the host's 8.0 GiB (libvirt node info): 94%"),
    (replace(NO_GUESTS, host_memory_bytes=None), UNKNOWN, "host memory unknown"),
    (DOWN, UNKNOWN, "guests unknown"),
])
def test_memory_overcommit(lv: LibvirtFacts, status: CheckStatus, evidence: str) -> None:
    check = host.check_memory_overcommit(lv)
    assert check.status is status and check.evidence.startswith(evidence)


@pytest.mark.parametrize(("meminfo", "status", "evidence"), [
    (MEM, PASS, "SwapTotal 0 kB, SwapFree 0 kB (/proc/meminfo): no swap configured"),
    (MEM | {"SwapTotal": GIB, "SwapFree": GIB}, PASS, "SwapTotal 1048576 kB, SwapFree 1048576 kB (/proc/meminfo): "
                                                      "none used"),
    (MEM | {"SwapTotal": GIB, "SwapFree": GIB - 100 * 1024**2}, WARN, "SwapTotal 1048576 kB, SwapFree 946176 kB "
                                                                      "(/proc/meminfo): 100 MiB swapped out"),
    ({"MemTotal": GIB}, UNKNOWN, "no SwapTotal in /proc/meminfo"),
])
def test_swap(meminfo: dict[str, int], status: CheckStatus, evidence: str) -> None:
    check = host.check_swap(replace(BASE, meminfo=meminfo))
    assert check.status is status and check.evidence == evidence


def test_good_tree_with_the_test_driver(tmp_path: Path) -> None:
    tree = build("good", tmp_path)
    facts = host.gather_host(tree.procfs, tree.sysfs)
    assert facts.cpus == 4 and [c.governor for c in facts.cpufreq] == ["performance"] * 4
    assert (facts.isolated, facts.nohz_full) == (frozenset({2, 3}), frozenset({2, 3}))
    assert facts.meminfo is not None and facts.meminfo["HugePages_Free"] == 512
    lv = gather_libvirt(LIBVIRT_URI)
    checks = {c.id: c for c in host.run_checks(facts, lv, (Placement("pid 1 (tui)", frozenset({0, 1})),))}
    assert {k: c.status for k, c in checks.items()} == {
        "host.cpu_governor": PASS, "host.cpu_min_freq": PASS, "host.hugepages": PASS,
        # legacy pbx pins its vCPU 0 to CPU 1, outside the isolated 2-3
        "host.isolated_cpus": WARN,
        # edge router 2 + legacy pbx 4 vCPUs on 4 CPUs; 1 + 2 GiB of 3 GiB
        "host.vcpu_overcommit": WARN, "host.memory_overcommit": WARN, "host.swap": PASS}
    assert checks["host.isolated_cpus"].evidence.endswith("; vCPU 0 of legacy pbx on 1")


def test_bad_tree(tmp_path: Path) -> None:
    tree = build("bad", tmp_path)
    facts = host.gather_host(tree.procfs, tree.sysfs)
    assert facts.nohz_full == frozenset()  # an empty file: nothing, not unknown
    checks = {c.id: c.status for c in host.run_checks(facts, NO_GUESTS, (Placement("pid 1 (tui)",
                                                                                    frozenset({0, 1, 2, 3})),))}
    assert checks == {"host.cpu_governor": WARN, "host.cpu_min_freq": WARN, "host.hugepages": WARN,
                      "host.isolated_cpus": WARN, "host.vcpu_overcommit": PASS, "host.memory_overcommit": PASS,
                      "host.swap": WARN}


def test_empty_roots(tmp_path: Path) -> None:
    facts = host.gather_host(ProcFS(tmp_path), SysFS(tmp_path))
    assert (facts.cpufreq, facts.cpus, facts.meminfo, facts.isolated, facts.nohz_full) == ((), 0, None, None, None)
    assert {c.status for c in host.run_checks(facts, DOWN, ())} == {UNKNOWN}
