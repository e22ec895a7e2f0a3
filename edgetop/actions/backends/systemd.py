"""Restart a unit through systemd: ``systemctl --no-ask-password restart -- UNIT``.

``--`` ends options, so a unit name can never be read as one (the policy also refuses
names starting with ``-``); ``--no-ask-password`` keeps polkit from prompting on the
terminal edgetop is drawing on. ``systemctl restart`` waits for the job to finish; if
it outlives the timeout it is killed (the job itself may still be running, and the
error says so). Afterwards ``systemctl show`` reads the state until it settles
(``settle.py``: bounded, on an injected clock) and, unless the unit ended up active,
``journalctl`` gives its last lines: the result says what the unit really did.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable

from edgetop.actions.backends.base import ActionResult
from edgetop.actions.backends.settle import SETTLE_SECONDS, Settled, last_journal_lines, wait_settled
from edgetop.actions.intents import RestartService
from edgetop.collectors.services import ServiceState, collect_systemd, read_boot_time
from edgetop.errors import ActionFailed
from edgetop.sources.fs import ProcFS
from edgetop.sources.process import HOST_COMMANDS, CommandError, CommandRunner, CommandTimeout, ToolMissing


def restart_argv(unit: str) -> list[str]:
    """Return the exact argv of a restart."""
    return ["systemctl", "--no-ask-password", "restart", "--", unit]


def last_line(text: str, returncode: int) -> str:
    """Return the last non-empty line of a tool's stderr, or its exit status."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else f"exit status {returncode}"


class SystemdBackend:
    """Restarts units with systemctl and reads back their state."""

    def __init__(self, timeout: float, procfs: ProcFS | None = None, runner: CommandRunner = HOST_COMMANDS, *,
                 settle: float = SETTLE_SECONDS, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        """Restart with ``timeout`` seconds per command, then wait up to ``settle`` seconds on ``clock``."""
        self.timeout = timeout
        self.procfs = procfs or ProcFS()
        self.runner = runner
        self.settle = settle
        self.clock = clock
        self.sleep = sleep

    def describe(self, intent: RestartService) -> str:
        """Return the command line that will run."""
        return shlex.join(restart_argv(intent.unit))

    def restart(self, intent: RestartService) -> ActionResult:
        """Restart and read back.

        Raises:
            ActionFailed: systemctl is missing, failed (with its message) or timed out.

        """
        try:
            done = self.runner(restart_argv(intent.unit), self.timeout)
        except CommandTimeout as err:
            raise ActionFailed(f"{err}; the restart job may still be running (see systemctl status)") from err
        except ToolMissing as err:
            raise ActionFailed("systemctl is not installed") from err
        except CommandError as err:
            raise ActionFailed(str(err)) from err
        if done.returncode != 0:
            why = last_line(done.stderr, done.returncode)
            raise ActionFailed(f"systemctl restart failed ({done.returncode}): {why}")
        boot = read_boot_time(self.procfs)

        def read() -> ServiceState:
            (state,) = collect_systemd([intent.unit], boot, self.runner)
            return state

        return self._report(intent, wait_settled(read, settle=self.settle, clock=self.clock, sleep=self.sleep))

    def _report(self, intent: RestartService, end: Settled) -> ActionResult:
        """Say what the unit really did: active, still failed, still starting, or unknown."""
        state = end.state
        if state is None:
            return ActionResult(intent, f"restarted {intent.unit}; state not read back: {end.error}",
                                outcome="unsettled")
        pid = "none" if state.main_pid is None else str(state.main_pid)
        where = f"{state.active_state}/{state.sub_state}"
        readback = (("active_state", str(state.active_state)), ("sub_state", str(state.sub_state)), ("main_pid", pid))
        if end.settled and state.active_state == "active":
            return ActionResult(intent, f"restarted {intent.unit}: {where}, main PID {pid}", readback)
        if not end.settled:
            summary = f"restarted {intent.unit}, but it is still {where} after {end.waited:.0f} s"
            outcome = "unsettled"
        elif state.active_state == "failed":
            summary = f"restarted {intent.unit}, but it is {where} (main PID {pid})"
            outcome = "failure"
        else:  # inactive: a one-shot unit ends so, a daemon has stopped; the journal tells which
            summary = f"restarted {intent.unit}; it is now {where}, not running"
            outcome = "inactive"
        lines, why_none = last_journal_lines(state.unit or intent.unit, self.runner)
        return ActionResult(intent, summary, readback, outcome=outcome, lines=lines or (why_none or "",))
