"""The UI side of an action: pre-check, confirm, run in a thread, tell the result.

    runner.refusal → (refused: notify why, no dialog) → ConfirmScreen with the exact
    command → runner.run in a thread (it audits and re-checks) → notify the result

The UI builds intents and calls :func:`request_action`; nothing here touches the node.
Safe to await from a message handler (dialog answers come through futures), and one
action at a time per app.
"""

from __future__ import annotations

import asyncio
from typing import Any

from edgetop.actions.backends.base import ActionResult
from edgetop.actions.intents import Intent, PinProcess, PinVcpu, ReniceProcess, RestartService, SignalProcess
from edgetop.engine.store import Store
from edgetop.errors import ActionDenied, ActionFailed, EdgetopError
from edgetop.model.cpulist import format_cpu_list
from edgetop.ui.app_loop import on_app_loop
from edgetop.ui.screens.confirm import ConfirmScreen

_BUSY_ATTR = "_edgetop_action_busy"


def title_of(intent: Intent) -> str:
    """Return a one-line title for the confirm dialog."""
    if isinstance(intent, RestartService):
        return f"Restart service {intent.unit}?"
    if isinstance(intent, PinProcess):
        return f"Pin process {intent.pid} to CPUs {format_cpu_list(intent.cpus)}?"
    if isinstance(intent, PinVcpu):
        return f"Pin {intent.domain} vCPU {intent.vcpu} to host CPUs {format_cpu_list(intent.cpus)}?"
    if isinstance(intent, SignalProcess):
        return f"Send SIG{intent.signal} to process {intent.pid}?"
    if isinstance(intent, ReniceProcess):
        return f"Set the nice value of process {intent.pid} to {intent.nice}?"
    return "Run this action?"  # pragma: no cover


def app_runner(app: Any) -> Any:
    """The app's runner, built from its config the first time (``app.runner`` stays None until then)."""
    if getattr(app, "runner", None) is None:
        from edgetop.actions.runner import build_runner

        app.runner = build_runner(app.ctx.config, read_only=bool(getattr(app, "read_only", True)),
                                  stand_in=app.ctx.stand_in)
    return app.runner


def early_refusal(app: Any, intent: Intent) -> str | None:
    """Why ``intent`` cannot run, checked before any picker or prompt (its CPUs are not chosen yet).

    None also when the app has no runner and no context to build one from (a test harness).
    """
    if getattr(app, "runner", None) is None and getattr(app, "ctx", None) is None:
        return None
    return app_runner(app).refusal(intent, with_cpus=False)  # type: ignore[no-any-return]


async def request_action(app: Any, runner: Any, intent: Intent, *, title: str | None = None) -> ActionResult | None:
    """Check, confirm, run and report one intent; every outcome ends in a notification.

    Awaited from an action method (the app's loop) it moves itself into a worker and
    returns at once; anywhere else it returns when the action is over, with its result
    (None when refused, cancelled or failed). ``title`` replaces the dialog's title.
    """
    if on_app_loop(app):
        app.run_worker(request_action(app, runner, intent, title=title), group="actions", exit_on_error=False)
        return None
    if getattr(app, _BUSY_ATTR, False):
        app.notify("another action is still running", severity="warning")
        return None
    reason = runner.refusal(intent)
    if reason is not None:
        app.notify(reason, title="Not allowed", severity="error", markup=False, timeout=8)
        return None
    try:
        command = runner.describe(intent)
    except EdgetopError as err:
        app.notify(str(err), title="Not allowed", severity="error", markup=False, timeout=8)
        return None
    screen = ConfirmScreen(title or title_of(intent), command,
                           "The attempt and its result are written to the audit log.")
    await app.push_screen(screen)
    if not await screen.answer:
        app.notify("cancelled", severity="information", timeout=3)
        return None
    setattr(app, _BUSY_ATTR, True)
    if isinstance(intent, RestartService):
        # The settle wait after a restart can take seconds: say what is going on meanwhile.
        app.notify(f"restarting {intent.unit}, then waiting for it to settle", markup=False, timeout=4)
    try:
        result: ActionResult = await asyncio.to_thread(runner.run, intent)
    except ActionDenied as err:
        app.notify(str(err), title="Refused", severity="error", markup=False, timeout=10)
    except ActionFailed as err:
        app.notify(str(err), title="Failed", severity="error", markup=False, timeout=15)
    except Exception as err:  # never let an action take the UI down
        app.notify(f"{type(err).__name__}: {err}", title="Failed", severity="error", markup=False, timeout=15)
    else:
        notify_result(app, result)
        return result
    finally:
        setattr(app, _BUSY_ATTR, False)
    return None


# What a result that did not reach its goal is called on screen (ActionResult.outcome).
_NOT_OK_TITLES = {"failure": "Still failed", "inactive": "Not running", "unsettled": "Not settled"}
NOTIFY_LINES = 8  # journal lines under the summary: the toast must stay on an 80x25 screen
NOTIFY_LINE_WIDTH = 100


def notify_result(app: Any, result: ActionResult) -> None:
    """Tell what really happened: green only when the target ended where it was meant to.

    A restart that left the unit failed is an error with the unit's last journal lines,
    not "Done" (issue 14). Outside text is passed with ``markup=False`` and capped.
    """
    if result.ok:
        app.notify(result.summary, title="Done", severity="information", markup=False, timeout=10)
        return
    lines = [ln if len(ln) <= NOTIFY_LINE_WIDTH else ln[: NOTIFY_LINE_WIDTH - 3] + "..."
             for ln in result.lines[-NOTIFY_LINES:]]
    severity = "error" if result.outcome == "failure" else "warning"
    app.notify("\n".join([result.summary, *lines]), title=_NOT_OK_TITLES.get(result.outcome, "Not done"),
               severity=severity, markup=False, timeout=30)


async def request_pin_process(app: Any, runner: Any, pid: int, title: str, current: frozenset[int], *,
                              store: Store | None) -> None:
    """Handle the ``a`` key on a process: privilege and target checks first, then the picker, then the action.

    Run it in a worker (see :func:`start_pin_process`): the picker's answer is awaited.
    """
    from edgetop.ui.screens.cpu_picker import pick_cpus

    reason = runner.refusal(PinProcess(pid, current), with_cpus=False)
    if reason is not None:
        app.notify(reason, title="Not allowed", severity="error", markup=False, timeout=8)
        return
    cpus = await pick_cpus(app, title, current, store)
    if cpus is not None:
        await request_action(app, runner, PinProcess(pid, cpus))


def start_pin_process(app: Any, pid: int, title: str, current: frozenset[int], store: Store | None) -> None:
    """Start :func:`request_pin_process` in a worker; call it from a plain (sync) action method."""
    app.run_worker(request_pin_process(app, app_runner(app), pid, title, current, store=store),
                   group="actions", exit_on_error=False)
