"""Actions: pinning every thread of a process, and reading service state.

Peers run in the same process on the same child: ``taskset -a -p -c`` (util-linux, the
usual way to pin all threads) against edgetop's AffinityBackend (sched_setaffinity per
task, then read back); ``systemctl show`` cannot run here (no systemd), so the services
collector is timed against a stub ``systemctl`` that answers instantly: the number is
edgetop's own overhead (spawn + parse), the real systemctl adds its D-Bus round trip.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from edgetop.actions.backends.affinity import AffinityBackend
from edgetop.actions.intents import PinProcess
from edgetop.collectors.services import collect_systemd

THREADS = 64
ROUNDS = 30
CHILD = f"""
import sys, threading
ev = threading.Event()
for _ in range({THREADS - 1}):
    threading.Thread(target=ev.wait, daemon=True).start()
print("ready", flush=True)
sys.stdin.readline()
"""
STUB = """#!/bin/sh
for u in "$@"; do case "$u" in --*|show) ;; *) printf 'Id=%s.service\\nLoadState=loaded\\nActiveState=active
SubState=running\\nActiveEnterTimestampMonotonic=1000000\\nMainPID=42\\nNRestarts=0\\nMemoryCurrent=1024\\n\\n' "$u";;
esac; done
"""


def _median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.2f} ms"


def bench_pin() -> dict[str, str]:
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        cpus = sorted(os.sched_getaffinity(0))
        sets = [frozenset({cpus[i % len(cpus)]}) for i in range(ROUNDS)]
        backend = AffinityBackend()
        ours, theirs = [], []
        for cpu_set in sets:
            t0 = time.perf_counter()
            backend.pin(PinProcess(child.pid, cpu_set))
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            subprocess.run(["taskset", "-a", "-p", "-c", ",".join(map(str, cpu_set)), str(child.pid)],
                           check=True, stdout=subprocess.DEVNULL, timeout=30)
            theirs.append(time.perf_counter() - t0)
        return {"benchmark": f"pin all {THREADS} threads of a process (+read-back)",
                "edgetop": _median_ms(ours), "peer": f"taskset -a -p: {_median_ms(theirs)}",
                "note": f"median of {ROUNDS}; edgetop reads every mask back, taskset forks a process"}
    finally:
        child.kill()
        child.wait(timeout=10)


def bench_services() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        stub = Path(tmp) / "systemctl"
        stub.write_text(STUB)
        stub.chmod(0o755)
        old_path = os.environ["PATH"]
        os.environ["PATH"] = f"{tmp}{os.pathsep}{old_path}"
        try:
            units = ["libvirtd", "virtlogd", "chronyd", "snmpd", "sshd", "node_exporter"]
            times = []
            for _ in range(ROUNDS):
                t0 = time.perf_counter()
                states = collect_systemd(units, 1.0)
                times.append(time.perf_counter() - t0)
            assert len(states) == len(units)
        finally:
            os.environ["PATH"] = old_path
    return {"benchmark": "services collector, 6 units (stub systemctl)", "edgetop": _median_ms(times),
            "peer": "n/a (no systemd here)", "note": "one `systemctl show` for all units; spawn + parse only"}


def run() -> list[dict[str, str]]:
    """The actions benchmark rows."""
    return [bench_pin(), bench_services()]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row.values()))
