"""Which process an action on a pid would reach, and whether it may reach it at all.

A row on screen names a process by pid, but pids are reused: the process shown may have
exited and its pid gone to another. Every process action therefore carries the start
time the row showed (``/proc/PID/stat`` field 22, clock ticks since boot; proc(5)) and
is refused when the pid now belongs to a process that started at another time.

Never a target, whatever the privileges: pid 1 (init: SIGKILL to it is ignored, SIGTERM
may halt the node), kernel threads (``PF_KTHREAD``, or children of kthreadd, pid 2: they
have no user-space to signal and their priority is the kernel's business), and edgetop
itself (a KILL from a mis-aimed cursor would close the screen the technician is using).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from edgetop.collectors.proc_pid import PF_KTHREAD, parse_pid_stat
from edgetop.errors import ActionDenied, ParseError
from edgetop.model.cpulist import ascii_digits
from edgetop.sources.fs import ProcFS

KTHREADD_PID = 2  # the parent of every kernel thread (kernel/kthread.c)
NICE_MIN, NICE_MAX = -20, 19  # setpriority(2): the range of a nice value
SIGNALS = ("TERM", "KILL")  # what edgetop sends: a polite stop, then the one that cannot be caught


def parse_status_uids(status_text: str) -> tuple[int, int]:
    """Return (real uid, effective uid) from /proc/<pid>/status text.

    Raises:
        ParseError: no Uid line or a malformed one.

    """
    for line in status_text.splitlines():
        if line.startswith("Uid:"):
            parts = line.split()[1:]
            if len(parts) < 2 or not all(ascii_digits(p) for p in parts[:2]):
                raise ParseError(f"bad Uid line: {line!r}")
            return int(parts[0]), int(parts[1])
    raise ParseError("no Uid line in status")


@dataclass(frozen=True, slots=True)
class ProcessFacts:
    """A process as /proc tells it now."""

    pid: int
    ppid: int
    comm: str
    state: str
    start_ticks: int
    nice: int
    kernel_thread: bool
    ruid: int
    euid: int


def read_facts(procfs: ProcFS, pid: int) -> ProcessFacts:
    """Read ``pid``'s stat and status.

    Raises:
        ActionDenied: the process has exited, or its files cannot be parsed.

    """
    stat_text = procfs.read_optional(f"{pid}/stat")
    status_text = procfs.read_optional(f"{pid}/status")
    if stat_text is None or status_text is None:
        raise ActionDenied(f"process {pid} has exited: nothing to do")
    try:
        stat = parse_pid_stat(stat_text)
        ruid, euid = parse_status_uids(status_text)
    except ParseError as err:
        raise ActionDenied(f"process {pid}: cannot read its state ({err})") from err
    kthread = bool(stat.flags & PF_KTHREAD) or KTHREADD_PID in (stat.ppid, pid)
    return ProcessFacts(pid, stat.ppid, stat.comm, stat.state, stat.starttime_ticks, stat.nice, kthread,
                        ruid, euid)


def check_target(procfs: ProcFS, pid: int, start_ticks: int, *, own_pid: int | None = None) -> ProcessFacts:
    """Refuse pid 1, edgetop's own pid, kernel threads, exited or reused pids; else the facts.

    Raises:
        ActionDenied: the reason, in words.

    """
    if pid <= 0:
        raise ActionDenied(f"{pid} is not a process id")
    if pid == 1:
        raise ActionDenied("pid 1 is init: edgetop never signals or renices it")
    if pid == (os.getpid() if own_pid is None else own_pid):
        raise ActionDenied(f"pid {pid} is edgetop itself: use q to quit")
    facts = read_facts(procfs, pid)
    if facts.start_ticks != start_ticks:
        raise ActionDenied(
            f"pid {pid} is now another process ({facts.comm!r}, started at tick {facts.start_ticks}, "
            f"not {start_ticks}): the one shown has exited; nothing was done"
        )
    if facts.kernel_thread:
        raise ActionDenied(f"pid {pid} ({facts.comm!r}) is a kernel thread: edgetop leaves it to the kernel")
    if facts.state == "Z":
        raise ActionDenied(f"pid {pid} ({facts.comm!r}) has exited (a zombie waiting for its parent)")
    return facts
