"""tools/capture_fixture.py: a capture is scrubbed and readable by the collectors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from edgetop.collectors import cpu, host, memory, processes
from edgetop.sources.fs import ProcFS, SysFS
from tests.helpers import FIXTURES, REPO

SOURCE = FIXTURES / "hosts" / "server-8c" / "sample1"


def test_capture_scrubs_and_round_trips(tmp_path: Path) -> None:
    # Make the source look identifying: a real-looking name, command line and user.
    src = tmp_path / "src"
    subprocess.run(["cp", "-r", str(SOURCE), str(src)], check=True, timeout=30)
    (src / "proc/sys/kernel/hostname").write_text("cell-site-4711.customer.example\n")
    stat = src / "proc/812/stat"
    stat.write_text(stat.read_text().replace("(proc2)", "(qemu-kvm (cust) x)"))
    status = src / "proc/812/status"
    status.write_text(status.read_text().replace("Name:\tproc2", "Name:\tqemu-kvm").replace("65534", "1234"))
    (src / "proc/812/cmdline").write_bytes(b"/usr/bin/qemu\0-name\0guest=customer-secret-vm\0")
    dest = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, str(REPO / "tools/capture_fixture.py"), str(dest), "--procfs", str(src / "proc"),
         "--sysfs", str(src / "sys"), "--pids", "1,2,812,99999", "--hostname", "fixture-x"],
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    everything = b"".join(p.read_bytes() for p in dest.rglob("*") if p.is_file())
    for secret in (b"cell-site", b"customer", b"qemu"):
        assert secret not in everything, secret
    uid_lines = [ln for ln in (dest / "proc/812/status").read_text().splitlines() if ln.startswith(("Uid:", "Gid:"))]
    assert uid_lines == ["Uid:\t65534\t65534\t65534\t65534", "Gid:\t65534\t65534\t65534\t65534"]
    assert (dest / "proc/sys/kernel/hostname").read_text() == "fixture-x\n"
    assert (dest / "proc/812/cmdline").read_bytes() == b"/usr/bin/proc2\0--flag\0value\0"
    assert (dest / "proc/2/cmdline").read_bytes() == b""  # kernel thread stays one
    assert not (dest / "proc/99999").exists()  # a pid that is gone is skipped
    procfs, sysfs = ProcFS(dest / "proc"), SysFS(dest / "sys")
    assert host.collect_host(procfs).hostname == "fixture-x"
    raw = cpu.collect_cpu(procfs, sysfs)
    assert len(raw.stat.cores) == 8 and raw.sysfs[3].core_throttle_count_total == 9
    assert [h.total for h in memory.collect_memory(procfs, sysfs).hugepages] == [512, 8]
    rows = {p.pid: p for p in processes.collect_processes(procfs).processes}
    assert rows[812].comm == "proc2" and rows[812].uid == 65534 and rows[812].affinity == frozenset({2, 3, 4, 5})
    assert rows[2].kernel_thread
    again = subprocess.run([sys.executable, str(REPO / "tools/capture_fixture.py"), str(dest)],
                           capture_output=True, text=True, timeout=60, check=False)
    assert again.returncode == 1 and "exists" in again.stderr
