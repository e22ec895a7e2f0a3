"""Process RSS as ``ps`` and ``top`` show it, for a real process that allocates memory.

Before, RSS came from field 24 of ``/proc/PID/stat``, which on current kernels lags the
exact count (it skips what each CPU has not flushed yet): up to 4% below ``ps``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.faults.run import QUIET, edgetop

# Allocate and touch 64 MiB, say so, then sleep: the resident set stays still while measured.
CHILD = """
import sys, time
block = bytearray(64 * 1024 * 1024)
for i in range(0, len(block), 4096):
    block[i] = 1
print("ready", flush=True)
sys.stdin.read()
"""


def ps_rss_kib(pid: int) -> int:
    out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True, timeout=10,
                         check=True).stdout
    return int(out.strip())


def test_snapshot_rss_equals_ps(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(QUIET)
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        before = ps_rss_kib(child.pid)
        result = edgetop(tmp_path, "snapshot", "--config", "c.yaml", "--interval", "0.1")
        after = ps_rss_kib(child.pid)
    finally:
        child.communicate("", timeout=10)
    assert result.returncode == 0, result.stderr
    assert before == after, "the child's resident set moved while measured: nothing to compare"
    assert before > 64 * 1024
    (row,) = [p for p in json.loads(result.stdout)["processes"] if p["pid"] == child.pid]
    assert row["rss_bytes"] == before * 1024, f"edgetop {row['rss_bytes'] // 1024} KiB, ps {before} KiB"
