"""Per-process I/O (/proc/PID/io) and the guest name of a QEMU process: parsers, then the collector on a tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors.processes import collect_processes, derive_processes, parse_io, qemu_domain
from edgetop.sources.fs import ProcFS

IO = """rchar: 323934931
wchar: 323929600
syscr: 632687
syscw: 632675
read_bytes: 4096
write_bytes: 323932160
cancelled_write_bytes: 0
"""


@pytest.mark.parametrize(("text", "expected"), [
    (IO, (4096, 323932160)),
    (None, (None, None)),  # unreadable (another user's process)
    ("", (None, None)),
    ("rchar: 1\nwchar: 2\n", (None, None)),  # no storage-layer fields: unknown, not 0
    ("read_bytes: x\nwrite_bytes: -1\n", (None, None)),
    ("read_bytes: 7\n", (7, None)),
    ("read_bytes 7\nwrite_bytes:8", (None, 8)),
])
def test_parse_io(text: str | None, expected: tuple[int | None, int | None]) -> None:
    assert parse_io(text) == expected


@given(st.text())
def test_parse_io_never_raises(text: str) -> None:
    read, write = parse_io(text)
    assert read is None or read >= 0
    assert write is None or write >= 0


@pytest.mark.parametrize(("argv", "expected"), [
    (["/usr/bin/qemu-system-x86_64", "-name", "guest=web01,debug-threads=on", "-S"], "web01"),
    (["/usr/bin/qemu-system-x86_64", "-name", "guest=a,,b,debug-threads=on"], "a,b"),  # libvirt doubles commas
    (["qemu-kvm", "-name", "plain"], "plain"),
    (["qemu-kvm", "-name", "debug-threads=on"], None),
    (["qemu-kvm", "-name"], None),
    (["/usr/bin/qemu-system-aarch64", "-machine", "virt"], None),
    (["/bin/bash", "-name", "guest=x"], None),  # not a QEMU: its arguments mean nothing here
    ([], None),
])
def test_qemu_domain(argv: list[str], expected: str | None) -> None:
    assert qemu_domain(argv) == expected


@given(st.lists(st.text(), max_size=6))
def test_qemu_domain_never_raises(argv: list[str]) -> None:
    name = qemu_domain(["qemu-system-x86_64", *argv])
    assert name is None or isinstance(name, str)


STAT = "{pid} ({comm}) S 1 {pid} {pid} 0 -1 4194560 100 0 0 0 {utime} 5 0 0 20 0 1 0 {start} 1000 100 " \
       "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"


def write_proc(root: Path, pid: int, cmdline: list[str], utime: int, io: str | None) -> None:
    d = root / str(pid)
    d.mkdir(parents=True, exist_ok=True)
    (d / "stat").write_text(STAT.format(pid=pid, comm=Path(cmdline[0]).name[:15], utime=utime, start=pid * 3))
    (d / "status").write_text("Name:\tx\nUid:\t0\t0\t0\t0\nThreads:\t1\nVmRSS:\t 100 kB\nCpus_allowed_list:\t0\n")
    (d / "cmdline").write_text("\0".join(cmdline) + "\0")
    if io is not None:
        (d / "io").write_text(io)


def test_collector_reads_io_rates_and_the_guest(tmp_path: Path) -> None:
    qemu = ["/usr/bin/qemu-system-x86_64", "-name", "guest=plc\x1bgw,debug-threads=on", "-S"]
    write_proc(tmp_path, 10, qemu, 100, IO)
    write_proc(tmp_path, 11, ["/usr/sbin/sshd", "-D"], 5, None)  # io unreadable
    (tmp_path / "meminfo").write_text("MemTotal: 1000 kB\n")
    first = collect_processes(ProcFS(tmp_path))
    (tmp_path / "10" / "io").write_text(IO.replace("read_bytes: 4096", "read_bytes: 12288")
                                        .replace("write_bytes: 323932160", "write_bytes: 323936256"))
    second = collect_processes(ProcFS(tmp_path))
    view = derive_processes(first, second, 2.0)
    rows = {r.pid: r for r in view.processes}
    assert rows[10].io_read_bytes_per_second == 4096.0 and rows[10].io_write_bytes_per_second == 2048.0
    assert rows[10].domain == "plc?gw"  # control characters replaced, as in every name from outside
    assert rows[11].io_read_bytes_per_second is None and rows[11].domain is None
    assert rows[10].start_ticks == 30
    first_view = derive_processes(None, first, 0.0)
    assert all(r.io_read_bytes_per_second is None for r in first_view.processes)  # one sample: no rate yet
