"""What storage adds to a tick: 20 filesystems, 8 disks (with partitions), 2 md arrays.

A fixture procfs holds a mountinfo with 20 real filesystems among 25 pseudo mounts (what a
node with containers and cgroups shows), a diskstats with 8 whole disks, their 24 partitions,
loops and two md arrays, and an mdstat; statvfs is the real system call on 20 directories of
a temporary host root. One tick is what the engine does per collector: collect, then
``Store.update`` (derive, alerts, history), for the filesystems, disks and raid specs. SMART
is not in a tick (once a minute per device); its cost per run is measured apart, through a
stub ``smartctl`` that replays a real recording (a process per device, as on a node).
The peer is psutil's ``disk_partitions(all=False)`` + ``disk_usage`` per partition +
``disk_io_counters(perdisk=True)`` on this host: the same kind of work, on the real /proc.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

FILESYSTEMS = 20
DISKS = 8
ROUNDS = 300


def make_tree(root: Path) -> tuple[Path, Path, Path]:
    """A procfs, a sysfs and a host root for the storage collectors; returns them."""
    proc, sys_root, host = root / "proc", root / "sys", root / "host"
    (proc / "self").mkdir(parents=True)
    lines = ["1 0 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw,errors=remount-ro"]
    for i in range(25):  # pseudo and memory-backed mounts, left out
        kind = ("proc", "sysfs", "tmpfs", "cgroup2", "overlay")[i % 5]
        lines.append(f"{i + 10} 1 0:{i + 30} / /run/pseudo{i} rw shared:{i + 2} - {kind} {kind} rw")
    for i in range(1, FILESYSTEMS):
        disk = chr(ord("a") + i % DISKS)
        lines.append(f"{i + 100} 1 8:{i * 16 + 1} / /srv/fs{i} rw,noatime shared:{i + 50} - xfs /dev/sd{disk}{i} rw")
        (host / f"srv/fs{i}").mkdir(parents=True)
    (proc / "self/mountinfo").write_text("\n".join(lines) + "\n")
    stats = []
    for d in range(DISKS):
        name = f"sd{chr(ord('a') + d)}"
        stats.append(f"   8 {d * 16} {name} 12345 10 987654 1234 23456 20 1876543 5678 1 4567 6912 0 0 0 0 10 20")
        for p in range(1, 4):
            stats.append(f"   8 {d * 16 + p} {name}{p} 1234 1 98765 123 2345 2 187654 567 0 456 691 0 0 0 0 0 0")
        (sys_root / "block" / name).mkdir(parents=True)
    stats += [f"   7 {i} loop{i} 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0" for i in range(8)]
    stats += [f"   9 {i} md{i} 1000 0 8000 0 2000 0 16000 0 0 0 0 0 0 0 0 0 0" for i in range(2)]
    (proc / "diskstats").write_text("\n".join(stats) + "\n")
    (proc / "mdstat").write_text(
        "Personalities : [raid1]\nmd0 : active raid1 sdb1[1] sda1[0]\n      1046528 blocks super 1.2 [2/2] [UU]\n\n"
        "md1 : active raid1 sdd1[1](F) sdc1[0]\n      976630464 blocks super 1.2 [2/1] [U_]\n"
        "      [=>...................]  recovery =  8.5% (83456/976630464) finish=120.3min speed=133452K/sec\n\n"
        "unused devices: <none>\n")
    return proc, sys_root, host


def per_tick_ms(fn: object, rounds: int = ROUNDS, clock: Callable[[], float] = time.perf_counter) -> float:
    """Median milliseconds of ``fn()`` over ``rounds`` runs, by ``clock`` (wall, or this thread's CPU time).

    The machine is shared: under load the wall time counts other processes' turns too, so
    the CPU time of this thread is reported beside it.
    """
    times = []
    for _ in range(rounds):
        t0 = clock()
        fn()  # type: ignore[operator]
        times.append((clock() - t0) * 1000)
    return statistics.median(times)


def bench_tick() -> list[dict[str, str]]:
    from edgetop.collectors import diskstats, filesystems, mdstat
    from edgetop.config_schema import Config
    from edgetop.engine.store import Store
    from edgetop.model.reading import Reading, Status
    from edgetop.model.spec import Context
    from edgetop.sources.fs import ProcFS, SysFS

    with tempfile.TemporaryDirectory() as tmp:
        proc, sys_root, host = make_tree(Path(tmp))
        ctx = Context(config=Config(), procfs=ProcFS(proc), sysfs=SysFS(sys_root), host_root=host)
        specs = [filesystems.spec(ctx), diskstats.spec(ctx), mdstat.spec(ctx)]
        collects = [(s, s.build(ctx)) for s in specs]
        store = Store(ctx.config)
        clock = [1000.0]

        def tick() -> None:
            clock[0] += 1.0
            for spec, collect in collects:
                t0 = time.perf_counter()
                value = collect()
                store.update(spec, Reading(spec.name, Status.OK, value, None, time.perf_counter() - t0,
                                           time.time(), clock[0]))

        tick()
        fs_view = store.get("filesystems")
        assert fs_view is not None and len(fs_view.view.filesystems) == FILESYSTEMS, "fixture: 20 filesystems"
        disks_view = store.get("disks")
        assert disks_view is not None and len(disks_view.view.disks) == DISKS + 2, "8 disks + 2 md arrays"
        ms = per_tick_ms(tick)
        cpu_ms = per_tick_ms(tick, clock=time.thread_time)
        each = {s.name: per_tick_ms(c, 100) for s, c in collects}

    import psutil

    def peer() -> None:
        for part in psutil.disk_partitions(all=False):
            with contextlib.suppress(OSError):
                psutil.disk_usage(part.mountpoint)
        psutil.disk_io_counters(perdisk=True)

    peer_ms = per_tick_ms(peer, 100)
    parts = ", ".join(f"{k} {v:.2f}" for k, v in each.items())
    return [{
        "benchmark": f"storage tick ({FILESYSTEMS} fs, {DISKS} disks, 2 md)",
        "edgetop": f"{ms:.2f} ms wall, {cpu_ms:.2f} ms CPU",
        "peer": f"psutil {peer_ms:.2f} ms (this host's mounts/disks)",
        "note": f"budget 5 ms; collect only: {parts} ms; median of {ROUNDS}",
    }]


def bench_smart() -> list[dict[str, str]]:
    """One SMART run over 8 devices through a stub smartctl replaying a real NVMe recording."""
    from edgetop.collectors.smart import collect_smart
    from edgetop.config_schema import Config
    from edgetop.model.spec import Context
    from edgetop.sources.fs import ProcFS, SysFS

    recording = ROOT / "tests" / "fixtures" / "smartctl" / "SAMSUNG_MZVL21T0HCLR-00B00_23.json"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "bin").mkdir()
        stub = root / "bin" / "smartctl"
        stub.write_text(f"#!/bin/sh\ncat {recording}\n")
        stub.chmod(0o755)
        for d in range(DISKS):
            (root / "sys/block" / f"sd{chr(ord('a') + d)}").mkdir(parents=True)
        old_path = os.environ["PATH"]
        os.environ["PATH"] = f"{root / 'bin'}{os.pathsep}{old_path}"
        try:
            ctx = Context(config=Config(), procfs=ProcFS(root), sysfs=SysFS(root / "sys"))
            assert len(collect_smart(ctx).devices) == DISKS
            ms = per_tick_ms(lambda: collect_smart(ctx), 10)
        finally:
            os.environ["PATH"] = old_path
    return [{
        "benchmark": f"SMART run ({DISKS} devices, stub smartctl)", "edgetop": f"{ms:.1f} ms",
        "peer": "", "note": f"once a minute, in its own lane thread: {ms / 60:.2f} ms per second on average",
    }]


def run() -> list[dict[str, str]]:
    """Every row of this benchmark."""
    return bench_tick() + bench_smart()


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row[k] for k in ("benchmark", "edgetop", "peer", "note")))
