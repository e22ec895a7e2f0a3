"""Pin every thread of a process: ``sched_setaffinity(tid, cpus)`` for each task in /proc/PID/task.

sched_setaffinity(2) acts on one thread; a process's threads each keep their own mask,
so pinning only the pid would leave the others where they were. Threads created while
we work inherit the mask of their creator (already pinned, or pinned in a later pass);
we re-list the task directory until a pass finds no new thread. The kernel may apply a
narrower mask (a cpuset restricts it), so every thread's mask is read back and reported.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

from edgetop.actions.backends.base import ActionResult
from edgetop.actions.intents import PinProcess
from edgetop.errors import ActionFailed
from edgetop.model.cpulist import format_cpu_list
from edgetop.sources.fs import ProcFS

MAX_PASSES = 5


def task_ids(procfs: ProcFS, pid: int) -> list[int]:
    """List the thread ids of ``pid`` (empty when it has exited)."""
    return sorted(int(t) for t in procfs.listdir(f"{pid}/task") if t.isascii() and t.isdigit())


class AffinityBackend:
    """Sets and reads back CPU affinity of all threads of a process."""

    def __init__(self, procfs: ProcFS | None = None,
                 setaffinity: Callable[[int, frozenset[int]], None] = os.sched_setaffinity,
                 getaffinity: Callable[[int], set[int]] = os.sched_getaffinity) -> None:
        """Use ``procfs`` to list threads (the real /proc in production)."""
        self.procfs = procfs or ProcFS()
        self.setaffinity = setaffinity
        self.getaffinity = getaffinity

    def describe(self, intent: PinProcess) -> str:
        """Return the exact calls that will be made."""
        n = len(task_ids(self.procfs, intent.pid))
        comm = (self.procfs.read_str(f"{intent.pid}/comm") or "?")
        return (f"sched_setaffinity(tid, {{{format_cpu_list(intent.cpus)}}}) for each of the {n} "
                f"thread(s) of pid {intent.pid} ({comm!r}), then sched_getaffinity(tid) to read back")

    def pin(self, intent: PinProcess) -> ActionResult:
        """Pin all threads and read back.

        Raises:
            ActionFailed: the process exited, or the kernel refused (with errno text).

        """
        pid, cpus = intent.pid, intent.cpus
        done: set[int] = set()
        for _ in range(MAX_PASSES):
            fresh = [t for t in task_ids(self.procfs, pid) if t not in done]
            if not fresh:
                break
            for tid in fresh:
                try:
                    self.setaffinity(tid, cpus)
                except ProcessLookupError:
                    pass  # this thread ended meanwhile: nothing to pin
                except OSError as err:
                    reasons = {errno.EINVAL: "the CPUs are outside what its cpuset allows",
                               errno.EPERM: "permission denied (needs CAP_SYS_NICE)"}
                    why = reasons.get(err.errno or 0, err.strerror or str(err))
                    raise ActionFailed(f"sched_setaffinity(tid {tid}, {format_cpu_list(cpus)}): {why}") from err
                done.add(tid)
        if not done:
            raise ActionFailed(f"process {pid} has exited")
        readback: dict[int, frozenset[int]] = {}
        for tid in sorted(done):
            try:
                readback[tid] = frozenset(self.getaffinity(tid))
            except ProcessLookupError:
                continue
        if not readback:
            raise ActionFailed(f"process {pid} exited while being pinned")
        other = {t: m for t, m in readback.items() if m != cpus}
        summary = f"pid {pid}: {len(readback)} thread(s) now on CPUs {format_cpu_list(cpus)}"
        if other:
            summary += "; the kernel applied a different mask to " + ", ".join(
                f"tid {t} -> {format_cpu_list(m)}" for t, m in sorted(other.items()))
        return ActionResult(intent, summary, tuple((f"tid {t}", format_cpu_list(m)) for t, m in readback.items()))
