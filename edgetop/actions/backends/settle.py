"""After a restart: wait (bounded) for the unit to settle, and read its last journal lines.

``systemctl restart`` returns once the start *job* is done, which for ``Type=simple``
is as soon as the process was forked (systemd.service(5), "Type="): a daemon that dies
on its configuration a moment later was still "active/running" when the command
returned. So the state is read again until it is no longer transitional and has held
for ``hold`` seconds, or until ``settle`` seconds have passed. The clock and the sleep
are injected: tests move time by hand instead of sleeping.

Transitional states are systemd's ``activating``, ``deactivating``, ``reloading``
(org.freedesktop.systemd1(5), ActiveState) and the ``auto-restart`` sub-state (a unit
with ``Restart=`` between two attempts).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from edgetop.collectors.services import ServiceState
from edgetop.errors import EdgetopError
from edgetop.sources.process import CommandError, CommandRunner, ToolMissing

TRANSITIONAL = frozenset({"activating", "deactivating", "reloading"})
SETTLE_SECONDS = 10.0  # a unit still starting after this long is reported as such
HOLD_SECONDS = 1.0  # a settled state must hold this long: catches a daemon that dies at once
POLL_SECONDS = 0.5
JOURNAL_LINES = 20
JOURNAL_TIMEOUT_SECONDS = 5.0
LINE_CAP = 200  # journal lines are outside text: capped here, rendered literally by the UI


@dataclass(frozen=True, slots=True)
class Settled:
    """The state a restart ended in.

    Attributes:
        state: the last state read, None when it could not be read.
        settled: False when it was still transitional at the deadline.
        waited: seconds spent waiting (on the injected clock).
        error: why the state could not be read, if it could not.

    """

    state: ServiceState | None
    settled: bool
    waited: float
    error: str | None = None


def transitional(state: ServiceState) -> bool:
    """Tell whether ``state`` is on its way somewhere (starting, stopping, between restarts)."""
    return state.active_state in TRANSITIONAL or state.sub_state == "auto-restart"


def _key(state: ServiceState) -> tuple[str | None, str | None, int | None]:
    return state.active_state, state.sub_state, state.main_pid


def wait_settled(read: Callable[[], ServiceState], *, settle: float = SETTLE_SECONDS, hold: float = HOLD_SECONDS,
                 poll: float = POLL_SECONDS, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> Settled:
    """Read the state until it is not transitional and unchanged for ``hold`` seconds, at most ``settle``.

    Args:
        read: reads the unit's state once (``systemctl show``); may raise EdgetopError/ValueError.
        settle: the bound on the whole wait.
        hold: how long a non-transitional state must stay the same.
        poll: seconds between reads.
        clock: monotonic seconds (injected in tests).
        sleep: waits on that clock (injected in tests).

    """
    start = clock()
    last: ServiceState | None = None
    since = start
    while True:
        try:
            state = read()
        except (EdgetopError, ValueError) as err:
            return Settled(last, False, clock() - start, str(err))
        now = clock()
        if last is None or _key(state) != _key(last):
            since = now
        last = state
        if not transitional(state) and now - since >= hold:
            return Settled(state, True, now - start)
        if now - start >= settle:
            return Settled(state, not transitional(state), now - start)
        sleep(poll)


def journal_argv(unit: str) -> list[str]:
    """The exact argv that reads a unit's last journal lines."""
    return ["journalctl", "-u", unit, "-n", str(JOURNAL_LINES), "--no-pager", "-o", "short-iso"]


def last_journal_lines(unit: str, runner: CommandRunner) -> tuple[tuple[str, ...], str | None]:
    """Return (the unit's last journal lines, why there are none) through the one command runner.

    No journal is not an error of the restart: the reason is given instead of lines
    (journalctl missing, no entries, journald not running).
    """
    try:
        done = runner(journal_argv(unit), JOURNAL_TIMEOUT_SECONDS)
    except ToolMissing:
        return (), "no journal: journalctl is not installed"
    except CommandError as err:
        return (), f"no journal: {err}"
    lines = [ln.rstrip()[:LINE_CAP] for ln in done.stdout.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("-- ")]  # "-- No entries --", "-- Boot … --"
    if done.returncode != 0 and not lines:
        why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return (), f"no journal: {why[:LINE_CAP]}"
    if not lines:
        return (), "no journal entries for this unit"
    return tuple(lines[-JOURNAL_LINES:]), None
