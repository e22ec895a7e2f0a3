"""Host checks: CPU governor and frequency floor, huge pages, isolated CPUs, overcommit, swap."""

from __future__ import annotations

import re

import msgspec

from edgetop.collectors.checks.libvirt_facts import GuestFacts, LibvirtFacts
from edgetop.collectors.meminfo import parse_meminfo
from edgetop.collectors.topology import optional_cpu_list
from edgetop.errors import ParseError
from edgetop.model.checks import Check, CheckId
from edgetop.model.cpulist import format_cpu_list
from edgetop.sources.fs import ProcFS, SysFS

CPU_GOVERNOR = CheckId("host.cpu_governor", "CPU frequency governor set to performance")
CPU_MIN_FREQ = CheckId("host.cpu_min_freq", "CPU frequency floor")
HUGEPAGES = CheckId("host.hugepages", "huge pages reserved match the guests that use them")
ISOLATED_CPUS = CheckId("host.isolated_cpus", "isolated CPUs hold the pinned vCPUs, not edgetop")
VCPU_OVERCOMMIT = CheckId("host.vcpu_overcommit", "vCPUs of active guests within the host's CPUs")
MEMORY_OVERCOMMIT = CheckId("host.memory_overcommit", "guests' memory within the host's memory")
SWAP = CheckId("host.swap", "no swap in use")
CHECKS = (CPU_GOVERNOR, CPU_MIN_FREQ, HUGEPAGES, ISOLATED_CPUS, VCPU_OVERCOMMIT, MEMORY_OVERCOMMIT, SWAP)

MIN_FLOOR_RATIO = 0.5  # a floor below half the top speed lets a waking guest start slow
MAX_MEMORY_RATIO = 0.9  # leave the host a tenth: QEMU's own memory, page cache, edgetop
MAX_VCPU_RATIO = 1.0
_CPU_DIR = re.compile(r"cpu\d+$")
GIB = 1024**3
MIB = 1024**2


class CpuFreq(msgspec.Struct, frozen=True):
    """One CPU's cpufreq policy (kHz); None where the file is missing."""

    cpu: int
    governor: str | None
    scaling_min_khz: int | None
    max_khz: int | None


class HostFacts(msgspec.Struct, frozen=True):
    """Facts of the host checks.

    Attributes:
        cpu_dir: the directory read (``/sys/devices/system/cpu``).
        cpufreq: every CPU that has a ``cpufreq`` directory.
        cpus: online CPUs in ``/proc/stat`` (when libvirt does not say).
        meminfo_path: the meminfo read.
        meminfo: its values (bytes or counts); None when unreadable.
        isolated: ``isolated`` (isolcpus); None when the file is missing.
        nohz_full: ``nohz_full``; None when the file is missing.

    """

    cpu_dir: str
    cpufreq: tuple[CpuFreq, ...]
    cpus: int
    meminfo_path: str
    meminfo: dict[str, int] | None
    isolated: frozenset[int] | None
    nohz_full: frozenset[int] | None


class Placement(msgspec.Struct, frozen=True):
    """Where an edgetop process may run (``pid 1234 (serve)``, its allowed CPUs)."""

    who: str
    cpus: frozenset[int]


def gather_host(procfs: ProcFS, sysfs: SysFS) -> HostFacts:
    """Read cpufreq policies, meminfo and the isolated and nohz_full CPU lists."""
    freqs = []
    for name in sysfs.listdir("devices/system/cpu"):
        base = f"devices/system/cpu/{name}/cpufreq"
        if not _CPU_DIR.match(name) or not sysfs.exists(base):
            continue
        freqs.append(CpuFreq(int(name[3:]), sysfs.read_str(f"{base}/scaling_governor"),
                             sysfs.read_int(f"{base}/scaling_min_freq"), sysfs.read_int(f"{base}/cpuinfo_max_freq")))
    text = procfs.read_optional("meminfo")
    try:
        meminfo = parse_meminfo(text) if text is not None else None
    except ParseError:
        meminfo = None
    stat = procfs.read_optional("stat") or ""
    return HostFacts(
        cpu_dir=str(sysfs.path("devices/system/cpu")),
        cpufreq=tuple(sorted(freqs, key=lambda f: f.cpu)),
        cpus=sum(1 for line in stat.splitlines() if line.startswith("cpu") and line[3:4].isdigit()),
        meminfo_path=str(procfs.path("meminfo")),
        meminfo=meminfo,
        isolated=optional_cpu_list(sysfs, "devices/system/cpu/isolated"),
        nohz_full=optional_cpu_list(sysfs, "devices/system/cpu/nohz_full"),
    )


def _by_value(pairs: list[tuple[int, str]]) -> str:
    """Group CPUs by value: ``powersave on cpu 0-1; performance on cpu 2``."""
    groups: dict[str, list[int]] = {}
    for cpu, value in pairs:
        groups.setdefault(value, []).append(cpu)
    return "; ".join(f"{value} on cpu {format_cpu_list(cpus)}" for value, cpus in groups.items())


def _no_cpufreq(check: CheckId, f: HostFacts) -> Check:
    return check.unknown(f"no cpufreq under {f.cpu_dir}/cpu*/: this kernel does not scale the CPU frequency "
                         "(a VM, or the firmware decides)",
                         "On bare metal, set the firmware's power profile to maximum performance.")


def check_cpu_governor(f: HostFacts) -> Check:
    """Every CPU on the ``performance`` governor."""
    if not f.cpufreq:
        return _no_cpufreq(CPU_GOVERNOR, f)
    evidence = _by_value([(c.cpu, c.governor or "unreadable") for c in f.cpufreq]) + f" ({f.cpu_dir}/cpu*/cpufreq)"
    if all(c.governor == "performance" for c in f.cpufreq):
        return CPU_GOVERNOR.passed(evidence)
    return CPU_GOVERNOR.warn(evidence, "Set the performance governor (cpupower frequency-set -g performance, and in "
                                       "the boot configuration): other governors add latency when a guest wakes.")


def check_cpu_min_freq(f: HostFacts) -> Check:
    """CPUs not on ``performance`` may not drop below half their top frequency."""
    if not f.cpufreq:
        return _no_cpufreq(CPU_MIN_FREQ, f)
    scaled = [c for c in f.cpufreq if c.governor != "performance"]
    if not scaled:
        return CPU_MIN_FREQ.passed("every CPU runs the performance governor: it holds the top frequency")
    known = [c for c in scaled if c.scaling_min_khz is not None and c.max_khz]
    if not known:
        return CPU_MIN_FREQ.unknown(f"scaling_min_freq or cpuinfo_max_freq unreadable under {f.cpu_dir}/cpu*/cpufreq")
    low = [c for c in known if (c.scaling_min_khz or 0) < MIN_FLOOR_RATIO * (c.max_khz or 0)]
    shown = _by_value([(c.cpu, f"{(c.scaling_min_khz or 0) // 1000} of {(c.max_khz or 0) // 1000} MHz")
                       for c in (low or known)])
    if low:
        return CPU_MIN_FREQ.warn(f"scaling_min_freq {shown}",
                                 "Raise the floor (cpupower frequency-set -d to at least half the top speed) or use "
                                 "the performance governor, so a waking guest does not start slow.")
    return CPU_MIN_FREQ.passed(f"scaling_min_freq {shown}")


def _names(guests: list[GuestFacts], limit: int = 5) -> str:
    head = ", ".join(g.name for g in guests[:limit])
    return head + (f" and {len(guests) - limit} more" if len(guests) > limit else "")


def check_hugepages(f: HostFacts, lv: LibvirtFacts) -> Check:
    """Reserved huge pages are used, and guests that ask for them can have them."""
    m = f.meminfo
    if m is None or "HugePages_Total" not in m:
        return HUGEPAGES.unknown(f"no HugePages_Total in {f.meminfo_path}")
    total, free, size = m["HugePages_Total"], m.get("HugePages_Free", 0), m.get("Hugepagesize", 2 * MIB)
    rsvd = m.get("HugePages_Rsvd", 0)  # promised to a mapping, not yet touched: not free for a new guest
    available = max(0, free - rsvd)
    evidence = (f"HugePages_Total {total}, HugePages_Free {free}, HugePages_Rsvd {rsvd}, Hugepagesize "
                f"{size // 1024} kB ({f.meminfo_path})")
    wanting = [g for g in lv.guests if g.setup is not None and g.setup.hugepages]
    waiting = [g for g in wanting if not g.active]
    need = sum(g.setup.memory_bytes or 0 for g in waiting if g.setup is not None)
    if wanting and total == 0:
        return HUGEPAGES.fail(f"{evidence}; guests backed by huge pages: {_names(wanting)}",
                              "Reserve huge pages for them (hugepages= on the kernel command line, or "
                              "vm.nr_hugepages): libvirt refuses to start these guests without.")
    if need > available * size:
        return HUGEPAGES.warn(f"{evidence}; shut-off guests {_names(waiting)} need {need / GIB:.1f} GiB",
                              "Reserve more huge pages (vm.nr_hugepages) or these guests will not start.")
    if total and available == total:
        return HUGEPAGES.warn(f"{evidence}: {total * size / GIB:.1f} GiB reserved and unused",
                              "Back the guests with them (<memoryBacking><hugepages/>) or release them "
                              "(vm.nr_hugepages=0): reserved pages are lost to everything else.")
    if lv.error is not None:
        return HUGEPAGES.passed(f"{evidence}; guests unknown (see libvirt.connection)")
    return HUGEPAGES.passed(evidence + (f"; backing {_names(wanting)}" if wanting else "; no guest asks for them"))


def pinned_vcpus(guests: tuple[GuestFacts, ...]) -> list[tuple[str, int, frozenset[int]]]:
    """(guest, vCPU, host CPUs) for every pinned vCPU of an active guest."""
    out: list[tuple[str, int, frozenset[int]]] = []
    for g in guests:
        if g.active and g.setup is not None:
            out.extend((g.name, vcpu, frozenset(cpus)) for vcpu, cpus in g.setup.pins)
    return out


def _cpus(cpus: frozenset[int] | None) -> str:
    return format_cpu_list(cpus) if cpus else "none"


def check_isolated_cpus(f: HostFacts, lv: LibvirtFacts, edgetop: tuple[Placement, ...]) -> Check:
    """With isolcpus/nohz_full set: pinned vCPUs inside the isolated set, edgetop outside it."""
    if f.isolated is None and f.nohz_full is None:
        return ISOLATED_CPUS.unknown(f"no isolated or nohz_full file in {f.cpu_dir}")
    isolated = (f.isolated or frozenset()) | (f.nohz_full or frozenset())
    lists = f"isolated {_cpus(f.isolated)}, nohz_full {_cpus(f.nohz_full)} ({f.cpu_dir})"
    if not isolated:
        return ISOLATED_CPUS.passed(f"{lists}: no CPU is set aside, the scheduler shares every CPU")
    problems = [f"{who} may run on isolated CPUs {format_cpu_list(cpus & isolated)}"
                for who, cpus in ((p.who, p.cpus) for p in edgetop) if cpus & isolated]
    outside = [f"vCPU {vcpu} of {name} on {format_cpu_list(cpus - isolated)}"
               for name, vcpu, cpus in pinned_vcpus(lv.guests) if cpus - isolated]
    problems.extend(outside[:5] + ([f"{len(outside) - 5} more vCPUs"] if len(outside) > 5 else []))
    if problems:
        return ISOLATED_CPUS.warn(f"{lists}; " + "; ".join(problems),
                                  "Pin guests' vCPUs to the isolated CPUs (virsh vcpupin) and edgetop to the "
                                  "others (taskset, or CPUAffinity= in its unit), so housekeeping stays off them.")
    guests = "guests unknown" if lv.error is not None else "every pinned vCPU inside"
    where = "; ".join(f"{p.who} on {format_cpu_list(p.cpus)}" for p in edgetop) or "edgetop's CPUs unknown"
    return ISOLATED_CPUS.passed(f"{lists}; {guests}; {where}")


def _host_cpus(f: HostFacts, lv: LibvirtFacts) -> tuple[int, str]:
    return (lv.host_cpus, "libvirt node info") if lv.host_cpus else (f.cpus, "/proc/stat")


def check_vcpu_overcommit(f: HostFacts, lv: LibvirtFacts) -> Check:
    """Active guests' vCPUs per host CPU: above 1, guests wait for CPU (steal)."""
    if lv.error is not None:
        return VCPU_OVERCOMMIT.unknown(f"guests unknown: no answer from {lv.uri} (see libvirt.connection)")
    cpus, source = _host_cpus(f, lv)
    vcpus = sum(g.setup.vcpus or 0 for g in lv.guests if g.active and g.setup is not None)
    if not cpus:
        return VCPU_OVERCOMMIT.unknown(f"{vcpus} vCPUs in active guests; host CPUs unknown")
    ratio = vcpus / cpus
    evidence = f"{vcpus} vCPUs in active guests on {cpus} host CPUs ({source}): {ratio:.2f} per CPU"
    if ratio > MAX_VCPU_RATIO:
        return VCPU_OVERCOMMIT.warn(evidence, "Guests can wait for a CPU: watch their steal in the domains pane, "
                                              "and give fewer vCPUs or move a guest if it stays high.")
    return VCPU_OVERCOMMIT.passed(evidence)


def check_memory_overcommit(lv: LibvirtFacts) -> Check:
    """Active guests' maximum memory within 90% of the host's memory."""
    if lv.error is not None:
        return MEMORY_OVERCOMMIT.unknown(f"guests unknown: no answer from {lv.uri} (see libvirt.connection)")
    if not lv.host_memory_bytes:
        return MEMORY_OVERCOMMIT.unknown("host memory unknown (libvirt node info)")
    given = sum(g.setup.memory_bytes or 0 for g in lv.guests if g.active and g.setup is not None)
    ratio = given / lv.host_memory_bytes
    evidence = (f"active guests may use {given / GIB:.1f} GiB of the host's {lv.host_memory_bytes / GIB:.1f} GiB "
                f"(libvirt node info): {ratio:.0%}")
    if ratio > MAX_MEMORY_RATIO:
        return MEMORY_OVERCOMMIT.warn(evidence, "If guests use what they were given the host swaps or kills one: "
                                                "lower their <memory>, or move a guest to another node.")
    return MEMORY_OVERCOMMIT.passed(evidence)


def check_swap(f: HostFacts) -> Check:
    """No swap in use: a guest's memory on disk makes it stall."""
    m = f.meminfo
    if m is None or "SwapTotal" not in m:
        return SWAP.unknown(f"no SwapTotal in {f.meminfo_path}")
    total, free = m["SwapTotal"], m.get("SwapFree", 0)
    used = max(0, total - free)
    evidence = f"SwapTotal {total // 1024} kB, SwapFree {free // 1024} kB ({f.meminfo_path})"
    if used:
        return SWAP.warn(f"{evidence}: {used / MIB:.0f} MiB swapped out",
                         "Memory ran short: guests may stall on swapped pages. Lower the guests' memory or add RAM; "
                         "swapoff -a && swapon -a brings the pages back when there is room.")
    return SWAP.passed(evidence + (": no swap configured" if not total else ": none used"))


def run_checks(f: HostFacts, lv: LibvirtFacts, edgetop: tuple[Placement, ...]) -> list[Check]:
    """Every host check, in order."""
    return [check_cpu_governor(f), check_cpu_min_freq(f), check_hugepages(f, lv), check_isolated_cpus(f, lv, edgetop),
            check_vcpu_overcommit(f, lv), check_memory_overcommit(lv), check_swap(f)]
