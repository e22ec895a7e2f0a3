"""Renice every thread of a process: ``setpriority(PRIO_PROCESS, tid, nice)`` for each task.

On Linux the nice value belongs to a thread, and ``setpriority(PRIO_PROCESS, pid)``
changes only the thread whose id is ``pid`` (setpriority(2), "BUGS"), so every thread
in ``/proc/PID/task`` is set and read back. Lowering the value (more CPU for it) needs
CAP_SYS_NICE or a matching RLIMIT_NICE; the kernel's refusal is reported as it comes.
The start time is read again afterwards: a pid reused in between is said, not hidden.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

from edgetop.actions.backends.affinity import task_ids
from edgetop.actions.backends.base import ActionResult
from edgetop.actions.intents import ReniceProcess
from edgetop.actions.process_target import read_facts
from edgetop.errors import ActionDenied, ActionFailed
from edgetop.sources.fs import ProcFS


def _set(tid: int, nice: int) -> None:
    os.setpriority(os.PRIO_PROCESS, tid, nice)


def _get(tid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, tid)


class ReniceBackend:
    """Sets and reads back the nice value of all threads of a process."""

    def __init__(self, procfs: ProcFS | None = None, setnice: Callable[[int, int], None] = _set,
                 getnice: Callable[[int], int] = _get) -> None:
        """Use ``procfs`` to list threads and check the start time (the real /proc in production)."""
        self.procfs = procfs or ProcFS()
        self.setnice = setnice
        self.getnice = getnice

    def describe(self, intent: ReniceProcess) -> str:
        """Return the exact calls that will be made."""
        facts = read_facts(self.procfs, intent.pid)
        n = len(task_ids(self.procfs, intent.pid))
        return (f"setpriority(PRIO_PROCESS, tid, {intent.nice}) for each of the {n} thread(s) of pid "
                f"{intent.pid} ({facts.comm!r}, nice now {facts.nice}), then getpriority(tid) to read back")

    def renice(self, intent: ReniceProcess) -> ActionResult:
        """Set every thread's nice value and read it back.

        Raises:
            ActionDenied: the pid now names another process (nothing changed).
            ActionFailed: the process exited, or the kernel refused (with the errno and why).

        """
        pid, nice = intent.pid, intent.nice
        before = read_facts(self.procfs, pid)
        if before.start_ticks != intent.start_ticks:
            raise ActionDenied(f"pid {pid} is now another process ({before.comm!r}): not reniced")
        done: list[int] = []
        for tid in task_ids(self.procfs, pid):
            try:
                self.setnice(tid, nice)
            except ProcessLookupError:
                continue  # the thread ended meanwhile
            except OSError as err:
                if err.errno == errno.EACCES:
                    why = (f"the kernel refused (EACCES): lowering the nice value from {before.nice} to {nice} "
                           "needs CAP_SYS_NICE or a higher RLIMIT_NICE")
                elif err.errno == errno.EPERM:
                    why = "the kernel refused (EPERM): the process belongs to another user"
                else:
                    why = err.strerror or str(err)
                partly = f" ({len(done)} thread(s) were already changed)" if done else ""
                raise ActionFailed(f"setpriority(tid {tid}, {nice}): {why}{partly}") from err
            done.append(tid)
        if not done:
            raise ActionFailed(f"process {pid} has exited")
        readback: dict[int, int] = {}
        for tid in done:
            try:
                readback[tid] = self.getnice(tid)
            except ProcessLookupError:
                continue
        after = self.procfs.read_optional(f"{pid}/stat")
        if not readback or after is None or read_facts(self.procfs, pid).start_ticks != intent.start_ticks:
            raise ActionFailed(f"process {pid} exited while being reniced")
        other = {t: v for t, v in readback.items() if v != nice}
        summary = f"pid {pid} ({before.comm}): nice {before.nice} -> {nice} on {len(readback)} thread(s)"
        if other:
            summary += "; read back differently: " + ", ".join(f"tid {t} -> {v}" for t, v in sorted(other.items()))
        return ActionResult(intent, summary, tuple((f"tid {t}", str(v)) for t, v in readback.items()))
