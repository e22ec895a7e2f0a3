"""Restart a unit through systemd: ``systemctl --no-ask-password restart -- UNIT``.

``--`` ends options, so a unit name can never be read as one (the policy also refuses
names starting with ``-``); ``--no-ask-password`` keeps polkit from prompting on the
terminal edgetop is drawing on. ``systemctl restart`` waits for the job to finish; if
it outlives the timeout it is killed (the job itself may still be running, and the
error says so). Afterwards ``systemctl show`` reads the new MainPID and state.
"""

from __future__ import annotations

import shlex

from edgetop.actions.backends.base import ActionResult
from edgetop.actions.intents import RestartService
from edgetop.collectors.services import collect_systemd, read_boot_time
from edgetop.errors import ActionFailed, EdgetopError
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

    def __init__(self, timeout: float, procfs: ProcFS | None = None, runner: CommandRunner = HOST_COMMANDS) -> None:
        """Restart with ``timeout`` seconds per command."""
        self.timeout = timeout
        self.procfs = procfs or ProcFS()
        self.runner = runner

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
        try:
            (state,) = collect_systemd([intent.unit], read_boot_time(self.procfs), self.runner)
        except (EdgetopError, ValueError) as err:
            return ActionResult(intent, f"restarted {intent.unit}; state not read back: {err}")
        pid = "none" if state.main_pid is None else str(state.main_pid)
        return ActionResult(
            intent,
            f"restarted {intent.unit}: {state.active_state}/{state.sub_state}, main PID {pid}",
            (("active_state", str(state.active_state)), ("sub_state", str(state.sub_state)), ("main_pid", pid)),
        )
