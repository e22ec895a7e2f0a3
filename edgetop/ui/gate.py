"""Read-only gating for bindings: mix into any App, Screen or Widget that has mutating keys.

Textual asks ``check_action`` before showing a binding in the footer and before running
it; returning False hides it and makes the key do nothing (layer 1 of three, docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import Any

from edgetop.actions.intents import MUTATING_ACTIONS


class MutationGate:
    """Hide and disable mutating actions when the app is read-only."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Return False for a mutating action in read-only mode, True otherwise."""
        app: Any = getattr(self, "app", self)
        return not (action in MUTATING_ACTIONS and getattr(app, "read_only", True))
