"""The host, cpu, memory and processes collectors over committed fixture trees.

- ``vm-steal``: captured from a 2-vCPU KVM guest (non-zero steal), two samples about 1 s apart.
- ``server-8c``: a hand-written bare-metal host (cpufreq, throttling, 2M+1G huge pages, KSM).
- ``malformed/*``: truncated, non-numeric, vanished, hostile and hidepid-like trees.
- permission denied for real: a subprocess running as uid 65534 over a mode-000 file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edgetop.collectors import cpu, host, memory, processes
from edgetop.collectors.registry import all_specs
from edgetop.config_schema import Config
from edgetop.errors import SourceUnavailable
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from tests.helpers import FIXTURES, REPO, reading

HOSTS = FIXTURES / "hosts"


def roots(name: str, sample: int = 1) -> tuple[ProcFS, SysFS]:
    base = HOSTS / name / f"sample{sample}" if (HOSTS / name / "sample1").is_dir() else HOSTS / name
    return ProcFS(base / "proc"), SysFS(base / "sys")


def two(name: str, collect: Any, derive: Any, *, sysfs: bool = True) -> Any:
    p1, s1 = roots(name, 1)
    p2, s2 = roots(name, 2)
    a = collect(p1, s1) if sysfs else collect(p1)
    b = collect(p2, s2) if sysfs else collect(p2)
    return derive(a, b, 1.0)


# ---- host -------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("server-8c", {"hostname": "server-8c-host", "kernel": "6.1.0-18-amd64", "uptime_seconds": 1234567.89,
                   "load1": 3.52, "load5": 2.91, "load15": 2.40, "cpus": 8}),
    ("vm-steal", {"hostname": "vm-steal-host", "kernel": "6.18.44-fc-v782", "uptime_seconds": 894.73,
                  "load1": 2.86, "load5": 0.88, "load15": 0.35, "cpus": 2}),
])
def test_host(name: str, expected: dict[str, Any]) -> None:
    procfs, _ = roots(name)
    info = host.collect_host(procfs)
    assert host.host_json(info) == expected
    assert {m.full_name: m.value for m in host.host_metrics(info)} == {
        "node_load1": expected["load1"], "node_load5": expected["load5"], "node_load15": expected["load15"],
        "edgetop_uptime_seconds": expected["uptime_seconds"]}


# ---- cpu --------------------------------------------------------------------------------

def test_cpu_server_8c_exact() -> None:
    view = two("server-8c", cpu.collect_cpu, cpu.derive_cpu)
    data = cpu.cpu_json(view)
    total = data["total"]
    # 800 ticks over 8 cores: user 410 (guest excluded), system 150, idle 140, iowait 35, irq 5, softirq 40, guest 20
    assert total["user_ratio"] == pytest.approx(410 / 800)
    assert total["system_ratio"] == pytest.approx(150 / 800)
    assert total["idle_ratio"] == pytest.approx(140 / 800)
    assert total["iowait_ratio"] == pytest.approx(35 / 800)
    assert total["irq_ratio"] == pytest.approx(5 / 800)
    assert total["softirq_ratio"] == pytest.approx(40 / 800)
    assert total["guest_ratio"] == pytest.approx(20 / 800)
    assert total["steal_ratio"] == 0.0 and total["nice_ratio"] == 0.0
    assert total["user_seconds_total"] == 8284.1 and total["guest_seconds_total"] == 50.2
    cores = data["cores"]
    assert [c["name"] for c in cores] == [f"cpu{i}" for i in range(8)]
    assert [c["frequency_hertz"] for c in cores] == [(2100000 + i * 100000) * 1000.0 for i in range(8)]
    assert [c["throttle_count_total"] for c in cores] == [3 * i for i in range(8)]
    assert {c["package_throttle_count_total"] for c in cores} == {17}
    c0, c3, c7 = cores[0], cores[3], cores[7]
    assert (c0["user_ratio"], c0["system_ratio"], c0["idle_ratio"], c0["iowait_ratio"], c0["softirq_ratio"]) == (
        pytest.approx(0.6), pytest.approx(0.2), pytest.approx(0.1), pytest.approx(0.05), pytest.approx(0.05))
    assert c3["idle_ratio"] == pytest.approx(0.7) and c3["irq_ratio"] == pytest.approx(0.05)
    assert c7["user_ratio"] == pytest.approx(0.4) and c7["guest_ratio"] == pytest.approx(0.2)
    assert data["procs_running"] == 3 and data["procs_blocked"] == 1 and data["ratios_since_boot"] is False
    assert data["pressure"] == {"some_avg10": 1.5, "some_avg60": 2.25, "some_avg300": 3.0,
                                "some_stall_seconds_total": 123.456789, "full_avg10": 0.0, "full_avg60": 0.0,
                                "full_avg300": 0.0, "full_stall_seconds_total": 0.0}
    assert view.total.busy_ratio == pytest.approx(1 - 140 / 800 - 35 / 800)
    assert cpu.cpu_alerts(view, Config()) == []
    metrics = cpu.cpu_metrics(view)
    seconds = [m for m in metrics if m.full_name == "node_cpu_seconds_total"]
    # node_exporter's eight modes (guest inside user and nice) and its guest family
    assert len(seconds) == 8 * 8 and all(m.kind == "counter" for m in seconds)
    guest = [m for m in metrics if m.full_name == "node_cpu_guest_seconds_total"]
    assert len(guest) == 8 * 2
    c0 = view.raw.stat.cores[0]
    user0 = next(m.value for m in seconds if m.labels == (("cpu", "0"), ("mode", "user")))
    assert user0 == pytest.approx(c0.user_seconds_total + c0.guest_seconds_total)
    assert [m.value for m in metrics if m.name == "cpu_core_throttles_total"] == [3 * i for i in range(8)]


def test_cpu_vm_steal_captured() -> None:
    view = two("vm-steal", cpu.collect_cpu, cpu.derive_cpu)
    data = cpu.cpu_json(view)
    cpu1 = data["cores"][1]
    # captured: cpu1 went 8272 0 5218 75374 274 0 92 44 -> 8304 0 5324 75374 274 0 92 45 (139 ticks, steal 1)
    assert cpu1["steal_ratio"] == pytest.approx(1 / 139)
    assert cpu1["user_ratio"] == pytest.approx(32 / 139) and cpu1["system_ratio"] == pytest.approx(106 / 139)
    assert cpu1["steal_seconds_total"] == 0.45 and data["total"]["steal_seconds_total"] == 0.85
    assert cpu1["frequency_hertz"] is None and cpu1["throttle_count_total"] is None  # a VM has neither
    assert data["pressure"]["some_avg10"] == 89.15  # the newer sample's PSI
    first = cpu.derive_cpu(None, cpu.collect_cpu(*roots("vm-steal")), 0.0)
    # since boot: cpu  13638 0 9400 154791 421 0 149 85 0 0
    assert first.since_boot and first.total.steal_ratio == pytest.approx(85 / 178484)
    alerts = cpu.cpu_alerts(view, Config())
    assert [(a.severity, a.subject) for a in alerts] == [("critical", "pressure")]


# ---- memory -----------------------------------------------------------------------------

def test_memory_server_8c_exact() -> None:
    view = two("server-8c", memory.collect_memory, memory.derive_memory)
    data = memory.memory_json(view)
    kib = 1024
    assert data["total_bytes"] == 65843212 * kib
    assert data["available_bytes"] == 41234567 * kib
    assert data["used_bytes"] == (65843212 - 41234567) * kib
    assert data["cached_bytes"] == (18765432 + 1111111) * kib  # Cached + SReclaimable, as free(1)
    assert data["dirty_bytes"] == 4321 * kib and data["writeback_bytes"] == 12 * kib
    assert data["swap_used_bytes"] == (8388604 - 8000000) * kib
    assert data["swap_in_pages_per_second"] == 50.0 and data["swap_out_pages_per_second"] == 20.0
    assert view.major_faults_per_second == 200.0
    assert data["hugepages"] == [
        {"page_size_bytes": 2 << 20, "total": 512, "free": 128, "reserved": 64, "surplus": 0},
        {"page_size_bytes": 1 << 30, "total": 8, "free": 2, "reserved": 0, "surplus": 0},
    ]
    assert data["ksm"] == {"running": True, "pages_shared": 12000, "pages_sharing": 48000, "pages_unshared": 3000,
                           "full_scans_total": 43}
    assert data["pressure"]["some_avg10"] == 0.25 and data["pressure"]["full_stall_seconds_total"] == 2.345678
    assert memory.memory_alerts(view, Config()) == []
    names = {(m.name, m.labels) for m in memory.memory_metrics(view)}
    assert ("memory_hugepages_pages", (("size_bytes", str(1 << 30)),)) in names
    assert ("memory_MemTotal_bytes", ()) in names and ("memory_HugePages_Total", ()) in names
    assert not [m for m in memory.memory_metrics(view) if m.kind == "gauge" and m.name.endswith("_total")]


def test_memory_vm_steal_captured() -> None:
    view = two("vm-steal", memory.collect_memory, memory.derive_memory)
    assert view.total_bytes == 24683656 * 1024
    assert view.swap_total_bytes == 0 and view.swap_in_pages_per_second == 0.0
    assert [h.total for h in view.hugepages] == [0, 0]
    assert view.ksm is not None and view.ksm.running is False
    assert memory.derive_memory(None, memory.collect_memory(*roots("vm-steal")), 0.0).swap_in_pages_per_second is None


# ---- processes --------------------------------------------------------------------------

def test_processes_server_8c_exact() -> None:
    view = two("server-8c", processes.collect_processes, processes.derive_processes, sysfs=False)
    rows = {r.pid: r for r in view.processes}
    assert set(rows) == {1, 2, 812, 1500, 2000} and view.count == 5 and view.kernel_threads == 1
    qemu = rows[812]
    assert qemu.cpu_ratio == pytest.approx(2.0) and qemu.threads == 9 and qemu.user == "nobody"
    assert qemu.affinity == frozenset({2, 3, 4, 5}) and qemu.command == "/usr/bin/proc2 -name guest=vm1"
    assert qemu.rss_bytes == 2097152 * os.sysconf("SC_PAGE_SIZE") and qemu.processor == 4
    assert rows[1500].cpu_ratio == pytest.approx(0.5) and rows[1500].affinity == frozenset({0, 1, 2, 3, 6})
    assert rows[1500].state == "R"
    assert rows[2000].cpu_ratio is None  # pid reused: new start time, no rate
    assert rows[2].kernel_thread and rows[2].command == "[kworker/1]" and rows[2].user == "root"
    data = processes.processes_json(view)
    assert [d["pid"] for d in data][:2] == [812, 1500] and 2 not in [d["pid"] for d in data]
    assert data[0]["affinity"] == [2, 3, 4, 5] and data[0]["cpu_seconds_total"] == 1202.0


def test_processes_vm_steal_captured() -> None:
    view = two("vm-steal", processes.collect_processes, processes.derive_processes, sysfs=False)
    rows = {r.pid: r for r in view.processes}
    busy = rows[12278]  # a busy loop pinned to CPU 0 as uid 65534 during the capture
    assert busy.user == "nobody" and busy.affinity == frozenset({0}) and busy.state == "R"
    assert busy.cpu_ratio == pytest.approx(0.46)
    assert {r.pid for r in view.processes if r.kernel_thread} == {2, 14}


# ---- empty roots and malformed trees ------------------------------------------------------

@pytest.mark.parametrize(("collect", "needs_sysfs"), [
    (host.collect_host, False), (cpu.collect_cpu, True), (memory.collect_memory, True),
    (processes.collect_processes, False),
])
def test_empty_root_is_unavailable(tmp_path: Path, collect: Any, needs_sysfs: bool) -> None:
    args = (ProcFS(tmp_path), SysFS(tmp_path)) if needs_sysfs else (ProcFS(tmp_path),)
    with pytest.raises(SourceUnavailable) as info:
        collect(*args)
    assert str(tmp_path) in str(info.value)


def _mal(variant: str) -> tuple[ProcFS, SysFS]:
    base = HOSTS / "malformed" / variant
    return ProcFS(base / "proc"), SysFS(base / "sys")


def test_truncated_stat_and_loadavg_are_unavailable_with_reason() -> None:
    procfs, sysfs = _mal("truncated-stat")
    with pytest.raises(SourceUnavailable, match="total line has 3 fields, expected at least 4"):
        cpu.collect_cpu(procfs, sysfs)
    with pytest.raises(SourceUnavailable, match="loadavg: unexpected"):
        host.collect_host(procfs)
    raw = memory.collect_memory(procfs, sysfs)  # the rest keeps working
    assert raw.meminfo["MemTotal"] == 65843212 * 1024 and raw.hugepages == () and raw.ksm is None


def test_nonnumeric_meminfo() -> None:
    procfs, sysfs = _mal("nonnumeric-meminfo")
    with pytest.raises(SourceUnavailable, match=r"^meminfo: MemTotal is not a number: 'lots'$"):
        memory.collect_memory(procfs, sysfs)
    info = host.collect_host(procfs)
    assert info.uptime_seconds is None and info.hostname is None and info.load1 == 0.5
    procs = processes.collect_processes(procfs)  # a bad meminfo costs the memory share only
    assert [p.pid for p in procs.processes] == [77] and procs.memory_total_bytes is None
    assert processes.derive_processes(None, procs, 0.0).processes[0].memory_ratio is None


def test_hostile_and_vanishing_processes() -> None:
    procfs, _ = _mal("pids")
    raw = processes.collect_processes(procfs)
    by_pid = {p.pid: p for p in raw.processes}
    assert set(by_pid) == {200, 300, 500}  # 100 lost its stat, 400's stat is truncated
    assert by_pid[200].comm == "(a) b)" and by_pid[200].state == "S" and by_pid[200].ppid == 1
    evil = by_pid[300]
    assert evil.comm == "evil?[2Jname" and evil.cmdline == "/usr/bin/evil line1?line2 ?[31mred"
    assert evil.affinity is None  # "garbage" Cpus_allowed_list
    view = processes.derive_processes(None, raw, 0.0)
    commands = {r.pid: r.command for r in view.processes}
    assert commands[200] == "[(a) b)]"
    assert all(ch.isprintable() for c in commands.values() for ch in c)
    assert processes.printable("a\x9b31mb\x7f") == "a?31mb?"  # C1 CSI and DEL too


def test_hidepid_like_root_lists_only_what_is_visible() -> None:
    procfs, _ = _mal("hidepid")
    raw = processes.collect_processes(procfs)
    assert [p.pid for p in raw.processes] == [4242] and raw.memory_total_bytes is None
    view = processes.derive_processes(None, raw, 0.0)
    assert view.count == 1 and view.processes[0].user == "nobody" and view.processes[0].cpu_ratio is None


def test_garbage_sysfs_and_pressure_become_unknown() -> None:
    procfs, sysfs = _mal("garbage-sysfs")
    raw = cpu.collect_cpu(procfs, sysfs)
    assert raw.pressure is None
    assert raw.sysfs[0].frequency_hertz is None and raw.sysfs[0].core_throttle_count_total is None
    mem = memory.collect_memory(procfs, sysfs)
    assert mem.hugepages == (memory.HugePages(2 << 20, None, None, None, None),)  # hugepagesXkB ignored
    assert mem.ksm is None and mem.pressure is None
    assert mem.swap_in_pages_total is None and mem.major_faults_total is None


# ---- the registry over a fixture root -------------------------------------------------------

async def test_engine_over_fixture_roots_reports_each_collector() -> None:
    from edgetop.engine.lanes import Engine

    procfs, sysfs = _mal("nonnumeric-meminfo")
    ctx = Context(config=Config(), procfs=procfs, sysfs=sysfs)
    specs = [s for s in all_specs(ctx) if s.lane == "local" and s.name in {"host", "cpu", "memory", "processes"}]
    engine = Engine(ctx, specs)
    try:
        samples = {s.spec.name: s for s in await engine.collect_round()}
    finally:
        engine.close()
    assert {n: str(s.reading.status) for n, s in samples.items()} == {
        "host": "ok", "cpu": "ok", "memory": "unavailable", "processes": "ok"}
    assert samples["memory"].reading.reason == "meminfo: MemTotal is not a number: 'lots'"


# ---- permission denied, for real ------------------------------------------------------------

NOBODY = 65534


def _python_for_nobody() -> str:
    """An interpreter uid 65534 can execute (pyenv/venv under /root is not reachable)."""
    for candidate in (sys.executable, "/usr/bin/python3", shutil.which("python3") or ""):
        if not candidate:
            continue
        try:
            probe = subprocess.run([candidate, "-c", "pass"], preexec_fn=_drop if os.geteuid() == 0 else None,
                                   capture_output=True, timeout=30, cwd="/", check=False)
        except OSError:  # EACCES on exec: the interpreter lives where nobody cannot go
            continue
        if probe.returncode == 0:
            return candidate
    pytest.fail("no Python interpreter that uid 65534 can run (install python3 from Debian)")


def _drop() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


@pytest.fixture(scope="module")
def world_tree() -> Iterator[Path]:
    """server-8c sample1 plus a copy of the edgetop package, in a directory uid 65534 can enter."""
    base = Path(tempfile.mkdtemp(prefix="edgetop-eacces-"))
    try:
        base.chmod(0o755)
        shutil.copytree(HOSTS / "server-8c" / "sample1", base / "host")
        shutil.copytree(REPO / "edgetop", base / "edgetop", ignore=shutil.ignore_patterns("__pycache__", "demo"))
        for d in [base, *base.rglob("*")]:
            d.chmod(0o755 if d.is_dir() else 0o644)
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.collectors import cpu, memory, processes
from edgetop.errors import SourceUnavailable
p, s = ProcFS(sys.argv[1] + "/host/proc"), SysFS(sys.argv[1] + "/host/sys")
out = {}
for name, call in (("memory", lambda: memory.collect_memory(p, s)), ("cpu", lambda: cpu.collect_cpu(p, s)),
                   ("processes", lambda: [x.pid for x in processes.collect_processes(p).processes])):
    try:
        value = call()
        out[name] = ["ok", value if isinstance(value, list) else None]
    except SourceUnavailable as err:
        out[name] = ["unavailable", str(err)]
    except Exception as err:
        out[name] = ["failed", repr(err)]
print(json.dumps(out))
"""


def test_permission_denied_for_real(world_tree: Path) -> None:
    proc = world_tree / "host" / "proc"
    for rel in ("meminfo", "812/stat"):
        (proc / rel).chmod(0o000)
    (proc / "stat").chmod(0o600)  # owned by root: unreadable by nobody
    python = _python_for_nobody()
    result = subprocess.run([python, "-c", CHILD, str(world_tree)], capture_output=True, text=True, timeout=60,
                            preexec_fn=_drop if os.geteuid() == 0 else None, cwd="/", check=False)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["memory"] == ["unavailable", f"permission denied reading {proc}/meminfo"]
    assert out["cpu"] == ["unavailable", f"permission denied reading {proc}/stat"]
    assert out["processes"] == ["ok", [1, 1500, 2, 2000]]  # 812's stat is unreadable: skipped, not fatal


def test_memtotal_zero_is_unknown_not_a_failure(tmp_path: Path) -> None:
    from edgetop.engine.store import Store

    (tmp_path / "meminfo").write_text("MemTotal: 0 kB\nMemAvailable: 0 kB\n")
    ctx = Context(config=Config(), procfs=ProcFS(tmp_path), sysfs=SysFS(tmp_path))
    (spec,) = memory.specs(ctx)
    raw = spec.build(ctx)()
    sample = Store(Config()).update(spec, reading("memory", raw, monotonic=1.0, timestamp=0.0, duration=0.0))
    assert sample.reading.ok, sample.reading.reason
    assert sample.view.available_ratio is None


HIDEPID_CHILD = """
import json, os, subprocess, sys
tree, mnt = sys.argv[1], sys.argv[2]
# Inside a private mount namespace: a fresh procfs instance with hidepid=2 (proc(5)),
# invisible to the rest of the machine and gone when this process exits.
subprocess.run(["mount", "-t", "proc", "-o", "hidepid=2", "proc", mnt], check=True, timeout=30)
os.setgroups([]); os.setgid(65534); os.setuid(65534)
sys.path.insert(0, tree)
from edgetop.collectors import processes
from edgetop.errors import SourceUnavailable
from edgetop.sources.fs import ProcFS
fs = ProcFS(mnt)
raw = processes.collect_processes(fs)
view = processes.derive_processes(None, raw, 0.0)
try:
    fs.read_text("1/stat")
    hidden = "readable"
except SourceUnavailable as err:
    hidden = str(err)
print(json.dumps({"me": os.getpid(), "pids": [p.pid for p in raw.processes],
                  "users": sorted({r.user for r in view.processes}), "pid1": hidden}))
"""


def test_real_hidepid_mount_shows_only_own_processes(world_tree: Path, tmp_path: Path) -> None:
    """procfs mounted with hidepid=2 in a private mount namespace, read as uid 65534."""
    if os.geteuid() != 0:
        pytest.skip("mounting a private procfs needs root (CI runs as root)")
    unshare = shutil.which("unshare")
    assert unshare, "unshare (util-linux) is required"
    mnt = Path(tempfile.mkdtemp(prefix="edgetop-hidepid-"))
    try:
        mnt.chmod(0o755)
        result = subprocess.run([unshare, "--mount", "--propagation", "private", "--", _python_for_nobody(), "-c",
                                 HIDEPID_CHILD, str(world_tree), str(mnt)],
                                capture_output=True, text=True, timeout=60, check=False)
    finally:
        mnt.rmdir()
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["me"] in out["pids"] and 1 not in out["pids"]
    assert out["users"] == ["nobody"]
    assert out["pid1"] == f"{mnt}/1/stat does not exist"


def test_processes_vanishing_while_listed_on_the_real_proc() -> None:
    """Children exit between listdir and read: they are skipped, never an error."""
    stop = time.monotonic() + 1.0
    children: list[subprocess.Popen[bytes]] = []
    rounds = 0
    try:
        while time.monotonic() < stop:
            children = [c for c in children if c.poll() is None]
            children += [subprocess.Popen(["true"]) for _ in range(8)]
            raw = processes.collect_processes(ProcFS("/proc"))
            assert any(p.pid == os.getpid() for p in raw.processes)
            rounds += 1
    finally:
        for c in children:
            c.wait(timeout=10)
    assert rounds >= 3
