"""Restart a service through OpenRC (``rc-service NAME restart``) or sysvinit (``service NAME restart``).

Neither tool takes a ``--`` separator reliably (Debian's ``service`` is a shell script
that would read it as the service name), so the policy's refusal of names starting
with ``-`` is what keeps a name from being read as an option.
"""

from __future__ import annotations

import shlex

from edgetop.actions.backends.base import ActionResult
from edgetop.actions.backends.systemd import last_line
from edgetop.actions.intents import RestartService
from edgetop.collectors.services import collect_rc
from edgetop.errors import ActionDenied, ActionFailed
from edgetop.sources.process import HOST_COMMANDS, CommandError, CommandRunner, CommandTimeout, ToolMissing
from edgetop.sources.services import OPENRC


class RcBackend:
    """Restarts init scripts under OpenRC or sysvinit."""

    def __init__(self, manager: str, timeout: float, runner: CommandRunner = HOST_COMMANDS) -> None:
        """Restart through ``manager``: ``openrc`` or ``sysvinit``."""
        self.manager = manager
        self.timeout = timeout
        self.runner = runner

    def argv(self, intent: RestartService) -> list[str]:
        """Return the exact argv of a restart.

        Raises:
            ActionDenied: the name is a systemd unit type other than a service.

        """
        if "." in intent.unit and not intent.unit.endswith(".service"):
            raise ActionDenied(f"{intent.unit!r} is not a service: {self.manager} only has init scripts")
        script = intent.unit.removesuffix(".service")
        tool = "rc-service" if self.manager == OPENRC else "service"
        return [tool, script, "restart"]

    def describe(self, intent: RestartService) -> str:
        """Return the command line that will run."""
        return shlex.join(self.argv(intent))

    def restart(self, intent: RestartService) -> ActionResult:
        """Restart and read the status back.

        Raises:
            ActionFailed: the tool is missing, failed or timed out.

        """
        argv = self.argv(intent)
        try:
            done = self.runner(argv, self.timeout)
        except CommandTimeout as err:
            raise ActionFailed(str(err)) from err
        except ToolMissing as err:
            raise ActionFailed(f"{argv[0]} is not installed") from err
        except CommandError as err:
            raise ActionFailed(str(err)) from err
        if done.returncode != 0:
            why = last_line(done.stderr, done.returncode)
            raise ActionFailed(f"{argv[0]} restart failed ({done.returncode}): {why}")
        (state,) = collect_rc(self.manager, [intent.unit], self.runner)
        # The script's exit status says the restart ran; its status says whether the service
        # runs now (LSB §20.2). Only a service that runs is a success (issue 14); an unknown
        # status (a script without ``status``) stays what the restart said.
        outcome = {"failed": "failure", "inactive": "inactive"}.get(state.active_state or "", "success")
        shown = state.active_state or "state unknown"
        summary = f"restarted {argv[1]}: {shown}" if outcome == "success" else \
            f"restarted {argv[1]}, but it is {shown} ({argv[0]} {argv[1]} status)"
        return ActionResult(
            intent, summary,
            (("active_state", str(state.active_state)), ("sub_state", str(state.sub_state))), outcome=outcome,
        )
