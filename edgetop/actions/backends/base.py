"""What every backend offers the runner: a description of the exact call, and the call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from edgetop.actions.intents import Intent


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The outcome of an action that ran.

    Attributes:
        intent: what was asked.
        summary: one line for the notification (new PID and state, affinity read back).
        state: what was read back afterwards, as (name, value) pairs in display order.
        outcome: what the audit line says: ``success``, or ``failure`` when the call worked
            but its target did not (a restart that left the unit failed), ``inactive`` (it
            ended stopped) or ``unsettled`` (still starting when the wait ended).
        lines: evidence to show under the summary (the unit's last journal lines).

    """

    intent: Intent
    summary: str
    state: tuple[tuple[str, str], ...] = ()
    outcome: str = "success"
    lines: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Tell whether the target ended where the action meant it to."""
        return self.outcome == "success"


class Backend(Protocol):
    """Executes validated intents. Implementations: host, deny (read-only), recording (tests)."""

    def describe(self, intent: Intent) -> str:
        """Return the exact command line or API call that :meth:`execute` will make."""

    def execute(self, intent: Intent) -> ActionResult:
        """Do it; raise ActionFailed (or ActionDenied) with the error text when it did not work."""
