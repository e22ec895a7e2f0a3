"""Processes from ``/proc/<pid>``: state, CPU, RSS, threads, CPU affinity, I/O, command.

Read through ProcFS rather than psutil so that a fixture tree can stand in, and
because ``Cpus_allowed_list`` in status gives the affinity without a syscall per pid.
Processes that vanish between listing and reading are skipped. With hidepid, other
users' processes are simply not listed: the kernel gives no count of what it hides.

Per-process I/O is ``read_bytes``/``write_bytes`` of ``/proc/<pid>/io`` (the bytes this
process made the block layer read or write; Documentation/filesystems/proc.rst, "IO
statistics"), not ``rchar``/``wchar``, which count page-cache hits too. The file needs
ptrace read access (another user's process needs CAP_SYS_PTRACE): unreadable is None,
shown as unknown, never 0. A QEMU process carries its libvirt domain's name in
``-name guest=NAME,...``: kept as ``domain`` so the pane can say which guest it is.
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

from edgetop.collectors.meminfo import parse_meminfo
from edgetop.collectors.proc_pid import PF_KTHREAD, parse_pid_stat, parse_pid_status
from edgetop.collectors.proc_stat import USER_HZ
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.model.derive import delta, rate
from edgetop.model.spec import CollectorSpec, Context, Metric
from edgetop.sources.fs import ProcFS

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

# Command lines and names come from any user: control characters (newlines, ESC) would
# break the table or drive the terminal, so they are replaced before anything shows them.
# C1 controls (U+0080-U+009F) too: U+009B is an 8-bit CSI that some terminals obey.
_CONTROL = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)], "?")


def printable(text: str) -> str:
    """Replace control characters with ``?``."""
    return text.translate(_CONTROL)


@dataclass(frozen=True, slots=True)
class ProcessRaw:
    """One process as read from /proc."""

    pid: int
    ppid: int
    uid: int | None
    state: str
    comm: str
    cmdline: str
    kernel_thread: bool
    cpu_seconds_total: float
    rss_bytes: int
    threads: int
    affinity: frozenset[int] | None
    start_ticks: int
    processor: int | None
    io_read_bytes: int | None = None
    io_write_bytes: int | None = None
    domain: str | None = None


@dataclass(frozen=True, slots=True)
class ProcessesRaw:
    """All processes of one sample."""

    processes: tuple[ProcessRaw, ...]
    memory_total_bytes: int | None


@dataclass(frozen=True, slots=True)
class ProcessRow:
    """A process as the pane shows it."""

    pid: int
    ppid: int
    user: str
    state: str
    cpu_ratio: float | None
    """CPU time per wall second: 1.0 is one CPU fully busy (top's 100%)."""
    rss_bytes: int
    memory_ratio: float | None
    threads: int
    affinity: frozenset[int] | None
    command: str
    kernel_thread: bool
    processor: int | None
    cpu_seconds_total: float
    start_ticks: int = 0
    """``/proc/<pid>/stat`` field 22: with the pid, names this process and no later one."""
    io_read_bytes_per_second: float | None = None
    """Block-layer reads per second; None when ``/proc/<pid>/io`` is unreadable or on the first sample."""
    io_write_bytes_per_second: float | None = None
    domain: str | None = None
    """The libvirt domain this QEMU process runs (``-name guest=NAME``), else None."""


@dataclass(frozen=True, slots=True)
class ProcessesView:
    """Every process, unsorted; the pane sorts and filters."""

    processes: tuple[ProcessRow, ...]
    count: int
    kernel_threads: int


@lru_cache(maxsize=512)
def user_name(uid: int | None) -> str:
    """Resolve a uid to a login name, or the number when it has none."""
    if uid is None:
        return "?"
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def parse_io(text: str | None) -> tuple[int | None, int | None]:
    """(read_bytes, write_bytes) of ``/proc/<pid>/io`` text; (None, None) when absent or malformed."""
    if not text:
        return None, None
    fields: dict[str, int] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        value = value.strip()
        if sep and value.isascii() and value.isdigit():
            fields[name.strip()] = int(value)
    return fields.get("read_bytes"), fields.get("write_bytes")


def qemu_domain(argv: list[str]) -> str | None:
    """The guest name QEMU was started with: ``-name guest=NAME,opt=...`` (libvirt) or ``-name NAME``.

    QEMU's option syntax doubles a comma inside a value (``a,,b`` is ``a,b``), which is
    how libvirt passes a domain name holding a comma. None unless argv[0] is a QEMU.
    """
    if not argv or "qemu" not in argv[0].rsplit("/", 1)[-1]:
        return None
    for flag, value in pairwise(argv):
        if flag not in ("-name", "--name"):
            continue
        parts = value.replace(",,", "\0").split(",")
        for part in parts:
            key, sep, rest = part.partition("=")
            if sep and key == "guest":
                return rest.replace("\0", ",") or None
        first = parts[0]
        return first.replace("\0", ",") if first and "=" not in first else None
    return None


def read_process(fs: ProcFS, pid: str) -> ProcessRaw | None:
    """Read one process; None when it vanished or is malformed."""
    try:
        stat = parse_pid_stat(fs.read_text(f"{pid}/stat", one_record=True))
    except (SourceUnavailable, ParseError):
        return None
    status = parse_pid_status(fs.read_optional(f"{pid}/status", one_record=True) or "")
    kthread = bool(stat.flags & PF_KTHREAD)
    cmdline = ""
    domain = None
    io: tuple[int | None, int | None] = (None, None)
    if not kthread:
        raw = fs.read_optional(f"{pid}/cmdline", one_record=True) or ""
        cmdline = printable(raw.replace("\0", " ").strip())
        name = qemu_domain(raw.split("\0"))
        domain = printable(name) if name else None
        io = parse_io(fs.read_optional(f"{pid}/io", one_record=True))
    return ProcessRaw(
        pid=stat.pid,
        ppid=stat.ppid,
        uid=status.uid,
        state=stat.state,
        comm=printable(stat.comm),
        cmdline=cmdline,
        kernel_thread=kthread,
        cpu_seconds_total=(stat.utime_ticks + stat.stime_ticks) / USER_HZ,
        # VmRSS as ps and top show it; stat's rss lags (see PidStatus.rss_bytes).
        rss_bytes=status.rss_bytes if status.rss_bytes is not None else stat.rss_pages * PAGE_SIZE,
        threads=stat.num_threads,
        affinity=status.cpus_allowed,
        start_ticks=stat.starttime_ticks,
        processor=stat.processor,
        io_read_bytes=io[0],
        io_write_bytes=io[1],
        domain=domain,
    )


def collect_processes(fs: ProcFS) -> ProcessesRaw:
    """Read every process under the procfs root."""
    pids = [p for p in fs.listdir() if p.isdigit()]
    if not pids:
        raise SourceUnavailable(f"no processes visible under {fs.root}")
    procs = tuple(p for p in (read_process(fs, pid) for pid in pids) if p is not None)
    total = None
    try:
        # a malformed meminfo must cost the memory share column, not the whole process list
        total = parse_meminfo(fs.read_optional("meminfo") or "")["MemTotal"]
    except ParseError:
        total = None
    return ProcessesRaw(procs, total)


def derive_processes(prev: ProcessesRaw | None, cur: ProcessesRaw, elapsed: float) -> ProcessesView:
    """CPU share per process over the interval; a reused pid (new start time) starts over."""
    before = {(p.pid, p.start_ticks): p for p in prev.processes} if prev else {}
    rows = []
    for p in cur.processes:
        old = before.get((p.pid, p.start_ticks))
        d = delta(old.cpu_seconds_total if old else None, p.cpu_seconds_total)
        # Most processes have no I/O rate to compute (first sample, or io unreadable):
        # test that before calling rate(), which was a quarter of deriving 10,000 rows.
        io_read = io_write = None
        if old is not None and elapsed > 0:
            if old.io_read_bytes is not None and p.io_read_bytes is not None:
                io_read = rate(old.io_read_bytes, p.io_read_bytes, elapsed)
            if old.io_write_bytes is not None and p.io_write_bytes is not None:
                io_write = rate(old.io_write_bytes, p.io_write_bytes, elapsed)
        rows.append(ProcessRow(
            pid=p.pid,
            ppid=p.ppid,
            user=user_name(p.uid),
            state=p.state,
            cpu_ratio=d / elapsed if d is not None and elapsed > 0 else None,
            rss_bytes=p.rss_bytes,
            memory_ratio=p.rss_bytes / cur.memory_total_bytes if cur.memory_total_bytes else None,
            threads=p.threads,
            affinity=p.affinity,
            command=p.cmdline or f"[{p.comm}]",
            kernel_thread=p.kernel_thread,
            processor=p.processor,
            cpu_seconds_total=p.cpu_seconds_total,
            start_ticks=p.start_ticks,
            io_read_bytes_per_second=io_read,
            io_write_bytes_per_second=io_write,
            domain=p.domain,
        ))
    kthreads = sum(1 for r in rows if r.kernel_thread)
    return ProcessesView(tuple(rows), len(rows), kthreads)


def processes_json(view: ProcessesView) -> list[dict[str, Any]]:
    """The ``processes`` section: user processes, busiest first (kernel threads left out)."""
    rows = sorted((r for r in view.processes if not r.kernel_thread), key=lambda r: -(r.cpu_ratio or 0.0))
    return [
        {
            "pid": r.pid, "ppid": r.ppid, "user": r.user, "state": r.state, "cpu_ratio": r.cpu_ratio,
            "cpu_seconds_total": round(r.cpu_seconds_total, 2), "rss_bytes": r.rss_bytes, "threads": r.threads,
            "affinity": sorted(r.affinity) if r.affinity is not None else None, "command": r.command,
            "start_ticks": r.start_ticks, "read_bytes_per_second": r.io_read_bytes_per_second,
            "write_bytes_per_second": r.io_write_bytes_per_second, "domain": r.domain,
        }
        for r in rows
    ]


def specs(ctx: Context) -> list[CollectorSpec]:
    """The processes collector."""
    return [
        CollectorSpec(
            name="processes",
            lane="local",
            json_key="processes",
            pane="processes",
            # It feeds no alert and no other pane: reading every /proc/PID each tick while the
            # overview is shown was ~20% of the TUI's CPU on the demo (issue 17).
            on_demand=True,
            build=lambda c: lambda: collect_processes(c.procfs),
            derive=derive_processes,
            to_json=processes_json,
            empty_json=list,
            metrics=lambda v: [Metric("processes", v.count - v.kernel_threads, help="user processes")],
        )
    ]
