"""The quiet driver's input thread, on a real pseudo-terminal: no wake-ups while idle, keys and ESC as before.

Textual's input thread wakes ten times a second to look for a stop and to time out a held
ESC; ``QuietLinuxDriver`` sleeps until input comes or the app stops (issue 17: CPU). The
thread under test reads a pty's slave end, as it reads a terminal; the test types on the
master end. Only where the thread hands an event to the app is there a stand-in: a list.
"""

from __future__ import annotations

import os
import pty
import queue
import threading
import time
import tty
from collections.abc import Iterator
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.drivers.linux_driver import LinuxDriver

from edgetop.ui.quiet_driver import QuietLinuxDriver

GUARD_SECONDS = 10.0


def _voluntary_switches(native_id: int) -> int:
    """How often a thread of this process has gone to sleep (``/proc/self/task/TID/status``)."""
    with open(f"/proc/self/task/{native_id}/status") as status:
        for line in status:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
    raise AssertionError("no voluntary_ctxt_switches line")


class Recorded:
    """A driver class whose events go to a queue instead of the app (the boundary under test)."""

    @staticmethod
    def make(base: type[LinuxDriver], tty_fd: int) -> Any:
        class Driver(base):  # type: ignore[valid-type, misc]
            received: queue.Queue[events.Event]

            def process_message(self, message: Any) -> None:
                self.received.put(message)

        driver = Driver(App())
        driver.fileno = tty_fd
        driver.received = queue.Queue()
        return driver


@pytest.fixture
def terminal() -> Iterator[tuple[int, int]]:
    """A pseudo-terminal: (master, slave); the thread reads the slave, the test types on the master."""
    master, slave = pty.openpty()
    tty.setraw(slave)  # as the driver's application mode leaves the terminal: bytes as typed
    yield master, slave
    os.close(master)
    os.close(slave)


def _start(driver: Any) -> threading.Thread:
    thread = threading.Thread(target=driver.run_input_thread, name="input-under-test", daemon=True)
    thread.start()
    return thread


def _wakeups_in(thread: threading.Thread, seconds: float) -> int:
    assert thread.native_id is not None
    before = _voluntary_switches(thread.native_id)
    time.sleep(seconds)  # a window of idleness is what is measured: nothing to wait for instead
    return _voluntary_switches(thread.native_id) - before


def _next_key(driver: Any) -> str:
    while True:
        event = driver.received.get(timeout=GUARD_SECONDS)
        if isinstance(event, events.Key):
            return event.key


async def test_idle_it_sleeps_where_textuals_thread_wakes_ten_times_a_second(terminal: tuple[int, int]) -> None:
    _master, slave = terminal
    threads = {}
    drivers = {name: Recorded.make(base, slave) for name, base in (("textual", LinuxDriver),
                                                                    ("quiet", QuietLinuxDriver))}
    try:
        for name, driver in drivers.items():
            threads[name] = _start(driver)
        woke = {name: _wakeups_in(thread, 1.0) for name, thread in threads.items()}
    finally:
        for name, driver in drivers.items():
            driver.exit_event.set()
            threads[name].join(GUARD_SECONDS)
    assert woke["textual"] >= 5, woke  # the baseline this replaces: select(0.1) in a loop
    assert woke["quiet"] <= 2, woke  # its start, at most
    assert not any(t.is_alive() for t in threads.values())


async def test_keys_arrive_and_a_lone_esc_becomes_escape(terminal: tuple[int, int]) -> None:
    master, slave = terminal
    driver = Recorded.make(QuietLinuxDriver, slave)
    thread = _start(driver)  # no input yet: it waits without a time-out from the start
    try:
        # ESC alone after idleness: it wakes the thread, and only the parser's time-out (which
        # the thread now polls for) makes it the Escape key instead of the start of a sequence.
        os.write(master, b"\x1b")
        assert _next_key(driver) == "escape"
        os.write(master, b"a")
        assert _next_key(driver) == "a"
        os.write(master, b"\x1b[A")  # a sequence is one key, not ESC and more
        assert _next_key(driver) == "up"
    finally:
        driver.exit_event.set()
        thread.join(GUARD_SECONDS)
    assert not thread.is_alive()


async def test_stopping_wakes_the_thread_at_once_and_closing_twice_is_harmless(terminal: tuple[int, int]) -> None:
    master, slave = terminal
    driver = Recorded.make(QuietLinuxDriver, slave)
    thread = _start(driver)  # no input: asleep without a time-out, only the stop can wake it
    driver.exit_event.set()
    thread.join(GUARD_SECONDS)
    assert not thread.is_alive()
    # Textual's suspend clears the event and starts the thread again: it must read anew
    # (the wake-up byte of the stop is not taken for a stop again).
    driver.exit_event.clear()
    thread = _start(driver)
    os.write(master, b"b")
    assert _next_key(driver) == "b"
    driver.exit_event.set()
    thread.join(GUARD_SECONDS)
    assert not thread.is_alive()
    wake_read = driver._wake_read
    driver.close()
    driver.close()
    with pytest.raises(OSError):
        os.fstat(wake_read)  # the pipe is closed
    driver.exit_event.set()  # after close: writes to no descriptor that may be another file's now


def test_both_apps_take_it_where_textual_would_take_its_linux_driver() -> None:
    from textual.drivers.headless_driver import HeadlessDriver

    from edgetop.config_schema import Config, FleetConfig
    from edgetop.fleet.connect import fleet_settings
    from edgetop.model.spec import Context
    from edgetop.sources.fs import ProcFS, SysFS
    from edgetop.ui.app import EdgetopApp
    from edgetop.ui.fleet_app import FleetApp
    from edgetop.ui.quiet_driver import quiet_where_possible

    assert quiet_where_possible(LinuxDriver) is QuietLinuxDriver
    assert quiet_where_possible(HeadlessDriver) is HeadlessDriver  # TEXTUAL_DRIVER or another platform: kept
    ctx = Context(config=Config(), procfs=ProcFS(), sysfs=SysFS())
    tui = EdgetopApp(ctx, [], start_engine=False)
    fleet = FleetApp(fleet_settings(FleetConfig(), "http://127.0.0.1:9", None, 5.0, None))
    assert tui.driver_class is QuietLinuxDriver and fleet.driver_class is QuietLinuxDriver
