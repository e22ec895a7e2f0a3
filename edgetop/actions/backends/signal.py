"""Send SIGTERM or SIGKILL to one process through a pidfd, then wait (bounded) to see it go.

``pidfd_open(2)`` pins the process: once the fd is open, ``pidfd_send_signal(2)`` reaches
that process or fails with ESRCH, never a later process that got its pid. The start time
is checked *after* opening the fd, so the process held is the one the row showed. The fd
becomes readable when the process exits (pidfd_open(2), "poll"), which is how the wait
ends early; a process that ignores SIGTERM is reported as still running, and the UI asks
a second time before SIGKILL.
"""

from __future__ import annotations

import errno
import os
import select
import signal
import time

from edgetop.actions.backends.base import ActionResult
from edgetop.actions.intents import SignalProcess
from edgetop.actions.process_target import read_facts
from edgetop.errors import ActionDenied, ActionFailed
from edgetop.sources.fs import ProcFS

WAIT_SECONDS = 2.0
"""How long to watch for the exit after the signal: a clean shutdown on SIGTERM usually takes less."""

ALIVE = "running"
"""The ``state`` name of :class:`ActionResult` that says whether the process is still there."""


class SignalBackend:
    """Signals one process named by pid and start time."""

    def __init__(self, procfs: ProcFS | None = None, wait: float = WAIT_SECONDS) -> None:
        """Read facts from ``procfs`` (the real /proc in production); wait up to ``wait`` s for the exit."""
        self.procfs = procfs or ProcFS()
        self.wait = wait

    def describe(self, intent: SignalProcess) -> str:
        """Return the exact calls that will be made."""
        comm = read_facts(self.procfs, intent.pid).comm
        return (f"pidfd_open({intent.pid}) ({comm!r}, started at tick {intent.start_ticks}), "
                f"pidfd_send_signal(SIG{intent.signal}), then wait up to {self.wait:g} s for it to exit")

    def send(self, intent: SignalProcess) -> ActionResult:
        """Open a pidfd, check the start time, signal, watch for the exit.

        Raises:
            ActionDenied: the pid now names another process (nothing sent).
            ActionFailed: the process had exited, or the kernel refused (with its errno text).

        """
        pid, name = intent.pid, f"SIG{intent.signal}"
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError as err:
            raise ActionFailed(f"process {pid} has exited: nothing sent") from err
        try:
            facts = read_facts(self.procfs, pid)
            if facts.start_ticks != intent.start_ticks:
                raise ActionDenied(f"pid {pid} is now another process ({facts.comm!r}): {name} not sent")
            try:
                signal.pidfd_send_signal(fd, getattr(signal, name))
            except ProcessLookupError as err:
                raise ActionFailed(f"process {pid} exited before {name} reached it") from err
            except OSError as err:
                why = "permission denied (another user's process needs CAP_KILL)" if err.errno == errno.EPERM \
                    else (err.strerror or str(err))
                raise ActionFailed(f"pidfd_send_signal(pid {pid}, {name}): {why}") from err
            started = time.monotonic()
            gone = self._wait_exit(fd)
            took = time.monotonic() - started
        finally:
            os.close(fd)
        if gone:
            return ActionResult(intent, f"pid {pid} ({facts.comm}) exited {took:.2f} s after {name}",
                                ((ALIVE, "no"),))
        return ActionResult(intent, f"pid {pid} ({facts.comm}) is still running {self.wait:g} s after {name}",
                            ((ALIVE, "yes"),))

    def _wait_exit(self, fd: int) -> bool:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(int(self.wait * 1000)))
