"""Gating for bindings: mix into any App, Screen or Widget that has mutating keys.

Textual asks ``check_action`` before showing a binding in the footer and before running
it; returning False hides it and makes the key do nothing (layer 1 of three,
docs/ARCHITECTURE.md). A session refuses every action when it is read-only, and also
when what it shows is not this host (``--demo``, fixture roots): the footer then shows
only keys that work, and :func:`refuse_gated_key` says why when a hidden one is pressed.
"""

from __future__ import annotations

from typing import Any

from edgetop.actions.intents import MUTATING_ACTIONS
from edgetop.actions.session import READ_ONLY_REASON


def refused_reason(app: Any) -> str | None:
    """Why no action can run in ``app``'s session, or None.

    The app sets ``actions_refused`` from ``actions.session.session_refusal``; an app or a
    test harness without it falls back to its ``read_only`` flag (read-only when unknown).
    """
    reason = getattr(app, "actions_refused", None)
    if reason:
        return str(reason)
    return READ_ONLY_REASON if getattr(app, "read_only", True) else None


def _action_name(action: str) -> str:
    return action.split("(", 1)[0].rsplit(".", 1)[-1]


def refuse_gated_key(app: Any, key: str) -> bool:
    """If ``key`` is bound to a mutating action the session refuses, say why at once; tell whether it was.

    Called with key presses no binding took (they bubbled up to the app): a hidden
    binding does nothing in Textual, and "nothing" is not an answer (issue 14).
    """
    reason = refused_reason(app)
    if reason is None:
        return False
    for _node, bindings in app.screen._modal_binding_chain:  # the chain Textual itself checks for a key
        if any(_action_name(b.action) in MUTATING_ACTIONS for b in bindings.key_to_bindings.get(key, ())):
            app.notify(reason, title="Not allowed", severity="error", markup=False, timeout=8)
            return True
    return False


class MutationGate:
    """Hide and disable mutating actions when the session refuses them."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Return False for a mutating action in a session that refuses actions, True otherwise."""
        app: Any = getattr(self, "app", self)
        return not (action in MUTATING_ACTIONS and refused_reason(app) is not None)
