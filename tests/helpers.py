"""Helpers that tests of every layer share: paths, readings and specs as the engine makes them, waits.

UI-only helpers (a pane harness, cell text) live in ``tests/ui/harness.py``; a clock that
tests move by hand in ``tests/fake_clock.py``. Nothing here imports Textual.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edgetop.model.reading import Reading, Status
from edgetop.model.spec import CollectorSpec
from tests.fake_clock import GUARD_SECONDS

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"


def reading(name: str, value: Any = None, status: Status = Status.OK, reason: str | None = None,
            monotonic: float | None = None, *, timestamp: float | None = None, duration: float = 0.001) -> Reading:
    """Build a reading as the engine would (no value unless it is ok); now, unless told when."""
    return Reading(name, status, value if status is Status.OK else None, reason, duration,
                   time.time() if timestamp is None else timestamp,
                   time.monotonic() if monotonic is None else monotonic)


def fake_spec(name: str = "c", collect: Any = int, **fields: Any) -> CollectorSpec:
    """A collector spec whose ``build`` returns ``collect``; lane ``local``, pane ``p``, unless given in ``fields``."""
    base: dict[str, Any] = {"name": name, "lane": "local", "json_key": name, "pane": "p", "build": lambda ctx: collect}
    return CollectorSpec(**(base | fields))


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port on 127.0.0.1 that nothing is bound to right now (UDP unless ``kind`` says TCP)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    """Poll until ``predicate()`` is true; fail after ``timeout`` s (generous: a loaded 2-core machine is slow).

    For what the code under test does on its own time (Textual's timers and workers); where
    a test can wait on the event itself (a future, a queue, ``FakeClock.armed``), it should.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def wait_until(what: str, fn: Callable[[], object], timeout: float = 30.0, every: float = 0.2) -> object:
    """Call ``fn`` until it returns something truthy; raise TimeoutError naming ``what``.

    For a daemon starting in another process: an exception from ``fn`` (it still refuses)
    counts as "not yet" and is shown in the error if it never comes up.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = fn()
        except Exception as err:  # a daemon still starting may refuse: keep polling
            last = err
        if last and not isinstance(last, Exception):
            return last
        time.sleep(every)
    raise TimeoutError(f"timed out waiting for {what}; last: {last!r}")


def process_ended(pid: int, timeout: float = 5.0) -> bool:
    """Wait until ``pid`` is gone or a zombie; False (after killing it) if it still runs after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    return False


def stop_process(proc: subprocess.Popen[Any]) -> None:
    """Stop a process the test started: SIGTERM, then SIGKILL after 10 s; by its PID only."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


async def call_returned(runner: Any) -> None:
    """Wait until the call of ``runner`` (a ``SpecRunner``) that outlived its timeout has returned in its thread.

    Its future completes from the worker thread; waiting on it is the one exact moment
    after which the next ``collect_once`` sees it done (no retry loop, no pause).
    """
    hung = runner._pending
    assert hung is not None, "no call was left running"
    await asyncio.wait({asyncio.wrap_future(hung)}, timeout=GUARD_SECONDS)
    assert hung.done(), "the released call did not return"
