"""The Processes pane's ``k`` (signal) and ``R`` (renice) flows, over the one runner.

    k: refusal? (said at once) → confirm SIGTERM → run → still running after the wait?
       → a second confirm for SIGKILL → run
    R: refusal? (said at once) → ask the value (-20..19) → confirm → run

Each step goes through :func:`edgetop.ui.action_glue.request_action` (policy again,
confirm, audit, backend, the real outcome notified). SIGKILL is never the first thing
offered: a process gets the chance to shut down cleanly, and the technician sees that it
did not before choosing to kill it.
"""

from __future__ import annotations

from typing import Any

from edgetop.actions.backends.signal import ALIVE
from edgetop.actions.intents import ReniceProcess, SignalProcess
from edgetop.actions.process_target import NICE_MAX, NICE_MIN
from edgetop.ui.action_glue import app_runner, request_action


def _refused(app: Any, reason: str | None) -> bool:
    if reason is None:
        return False
    app.notify(reason, title="Not allowed", severity="error", markup=False, timeout=8)
    return True


async def signal_flow(app: Any, runner: Any, pid: int, start_ticks: int, label: str) -> None:
    """SIGTERM after a confirm; SIGKILL only after a second confirm, when the process outlived SIGTERM."""
    term = SignalProcess(pid, start_ticks, "TERM")
    if _refused(app, runner.refusal(term)):
        return
    result = await request_action(app, runner, term, title=f"Send SIGTERM to {pid} {label}?")
    if result is None or dict(result.state).get(ALIVE) != "yes":
        return
    kill = SignalProcess(pid, start_ticks, "KILL")
    await request_action(app, runner, kill,
                         title=f"{pid} {label} is still running after SIGTERM. Send SIGKILL (cannot be caught)?")


async def renice_flow(app: Any, runner: Any, pid: int, start_ticks: int, label: str) -> None:
    """Ask the nice value, then confirm and run."""
    from edgetop.ui.screens.ask_number import AskNumberScreen

    probe = ReniceProcess(pid, start_ticks, 0)
    if _refused(app, runner.refusal(probe, with_cpus=False)):
        return
    current = _current_nice(runner, pid)
    screen = AskNumberScreen(f"Nice value for {pid} {label}",
                             f"{NICE_MIN} (most CPU) to {NICE_MAX} (least); now {current}. Lowering it needs root "
                             "or CAP_SYS_NICE. Enter to go on, Esc to cancel.", current, NICE_MIN, NICE_MAX)
    await app.push_screen(screen)
    value = await screen.answer
    if value is None:
        app.notify("cancelled", severity="information", timeout=3)
        return
    await request_action(app, runner, ReniceProcess(pid, start_ticks, value))


def _current_nice(runner: Any, pid: int) -> int:
    from edgetop.actions.process_target import read_facts

    try:
        return read_facts(runner.procfs, pid).nice
    except Exception:  # exited meanwhile: the runner says so at the next step
        return 0


def start_signal(app: Any, pid: int, start_ticks: int, label: str) -> None:
    """Run :func:`signal_flow` in a worker (its dialogs are awaited); call from a plain action method."""
    app.run_worker(signal_flow(app, app_runner(app), pid, start_ticks, label), group="actions", exit_on_error=False)


def start_renice(app: Any, pid: int, start_ticks: int, label: str) -> None:
    """Run :func:`renice_flow` in a worker."""
    app.run_worker(renice_flow(app, app_runner(app), pid, start_ticks, label), group="actions", exit_on_error=False)
