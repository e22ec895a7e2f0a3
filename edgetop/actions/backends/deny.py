"""The read-only backend: refuses everything (the third layer of read-only, docs/ARCHITECTURE.md).

Bindings are hidden (layer 1) and the runner's policy refuses (layer 2); should both be
bypassed by a bug, this backend still changes nothing and opens nothing.
"""

from __future__ import annotations

from edgetop.actions.backends.base import ActionResult
from edgetop.actions.intents import Intent
from edgetop.errors import ActionDenied

REASON = "edgetop is read-only: this backend refuses every action"


class DenyBackend:
    """A backend that raises ActionDenied for every intent."""

    def describe(self, intent: Intent) -> str:
        """Say that nothing will run."""
        return f"nothing: {REASON}"

    def execute(self, intent: Intent) -> ActionResult:
        """Refuse.

        Raises:
            ActionDenied: always.

        """
        raise ActionDenied(REASON)
