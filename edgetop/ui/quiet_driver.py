"""Textual's Linux driver, without the input thread's ten wake-ups a second while no key comes.

Textual's input thread waits for the terminal with ``select(0.1)`` in a loop, to notice that
the app is stopping and to time out a lone ESC (``constants.ESCAPE_DELAY``, 0.1 s: an ESC
alone is the Escape key, one followed by more bytes a sequence). Idle, that is ten wake-ups a
second, each taking the interpreter lock: 0.1 s of CPU a minute, measured on a bare Textual
app here, a seventh of what edgetop's whole overview costs (issue 17: CPU).

This driver's thread waits without a time-out while nothing is pending: stopping wakes it
through a pipe (the exit event writes to it when set), and for a short while after input it
polls as Textual does, so that an ESC the parser holds still becomes the Escape key in time.
Everything else (terminal modes, output, resize, suspend) is Textual's ``LinuxDriver``.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
import time
from codecs import getincrementaldecoder
from typing import TYPE_CHECKING, Any

from textual import constants
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

if TYPE_CHECKING:
    from textual.app import App
    from textual.driver import Driver

# Textual's own poll period, kept while input may leave the parser holding an ESC.
POLL_SECONDS = 0.1


def settle_seconds() -> float:
    """How long after input the thread keeps polling: past any ESC time-out (``ESCDELAY``)."""
    return max(1.0, 2 * constants.ESCAPE_DELAY + POLL_SECONDS)


class WakingEvent(threading.Event):
    """A ``threading.Event`` that also writes a byte to a pipe when set (a selector wakes on it)."""

    def __init__(self, wake_fd: int) -> None:
        """Write to ``wake_fd`` (non-blocking) whenever the event is set."""
        super().__init__()
        self._wake_fd = wake_fd

    def set(self) -> None:
        """Set the event and wake whoever waits on the pipe."""
        super().set()
        if self._wake_fd < 0:
            return
        with contextlib.suppress(BlockingIOError):  # full: a wake-up is already waiting
            os.write(self._wake_fd, b"x")

    def detach(self) -> None:
        """Write to no pipe any more (it is about to be closed, and its number may be reused)."""
        self._wake_fd = -1


class QuietLinuxDriver(LinuxDriver):
    """``LinuxDriver`` whose input thread sleeps until input comes or the app stops."""

    def __init__(self, app: App[Any], *, debug: bool = False, mouse: bool = True,
                 size: tuple[int, int] | None = None) -> None:
        """Textual's driver, plus the pipe that wakes the input thread."""
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        self._wake_read, self._wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.exit_event = WakingEvent(self._wake_write)

    def run_input_thread(self) -> None:
        """Read the terminal and hand Textual its events; block while nothing is pending."""
        selector = selectors.SelectSelector()  # as Textual: a tty, and nothing else to watch
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(self._wake_read, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        settle = settle_seconds()
        last_input = float("-inf")

        def handle(ready: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            nonlocal last_input
            for key, _mask in ready:
                if key.fd == self._wake_read:
                    self._drain_wake()
                    continue
                data = decode(os.read(self.fileno, 4096), final=final)
                if not data:  # stdin closed or piped and finished
                    break
                last_input = time.monotonic()
                for event in parser.feed(data):
                    self.process_message(event)
            for event in parser.tick():  # a held ESC whose time is up becomes the Escape key
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                pending = time.monotonic() - last_input < settle
                handle(selector.select(POLL_SECONDS if pending else None))
            handle(selector.select(POLL_SECONDS), final=True)
        finally:
            selector.close()

    def _drain_wake(self) -> None:
        with contextlib.suppress(BlockingIOError):  # empty: drained
            while os.read(self._wake_read, 64):
                pass

    def close(self) -> None:
        """Textual's clean-up, then the wake pipe."""
        super().close()
        if isinstance(self.exit_event, WakingEvent):
            self.exit_event.detach()
        fds, self._wake_read, self._wake_write = (self._wake_read, self._wake_write), -1, -1
        for fd in fds:
            if fd >= 0:  # not closed already: a number closed twice may be another file's by then
                os.close(fd)


def quiet_where_possible(driver: type[Driver]) -> type[Driver]:
    """The driver an app should use instead of ``driver``: this one where Textual would pick ``LinuxDriver``.

    Textual picks its driver by platform and environment (``App.get_driver_class``); only
    its own Linux driver is replaced, so a driver named in ``TEXTUAL_DRIVER`` stays.
    """
    return QuietLinuxDriver if driver is LinuxDriver else driver
