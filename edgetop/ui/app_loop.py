"""Where a coroutine runs: in the app's own message loop, or elsewhere (a worker, a widget).

A module of its own because both the action glue and the screens it opens need to ask,
and the glue imports those screens: living in either made an import cycle.
"""

from __future__ import annotations

from typing import Any

from textual._context import active_message_pump
from textual.worker import NoActiveWorker, get_current_worker


def on_app_loop(app: Any) -> bool:
    """Tell whether we run in the app's own message loop, outside any worker.

    Textual dispatches every key binding from that loop (``App.run_action`` awaits the
    action there), so awaiting a dialog's answer in it would stop the keys the dialog
    needs: the dialog would never close.
    """
    try:
        get_current_worker()
        return False
    except NoActiveWorker:
        pass
    try:
        return active_message_pump.get() is app
    except LookupError:
        return False
