"""A clock that a test moves by hand, for the engine's lanes (``edgetop.engine.clock.Clock``).

Nothing on it passes by itself: a sleep or a timeout ends only when the test calls
``advance``. ``armed`` lets the test wait, without a pause, until the code under test is
blocked on one of its timers, so that "nothing happens before the deadline" is a fact
and not a guess about how long a pause is enough.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")

# A failing test must end, not hang: how long (real seconds) ``armed`` waits for a timer.
GUARD_SECONDS = 5.0

# Deadlines are sums of floats: two that differ by less than this are the same instant.
_SAME_INSTANT = 1e-6


class FakeClock:
    """A ``Clock`` whose time moves only when ``advance`` is called (on the event loop)."""

    def __init__(self, start: float = 1000.0, epoch: float = 1_700_000_000.0) -> None:
        self.now = start
        self._epoch = epoch - start
        self._timers: list[tuple[float, asyncio.Future[None]]] = []
        self._watchers: list[asyncio.Future[None]] = []

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now + self._epoch

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)  # like asyncio.sleep(0): let others run, no time passes
            return
        await self._timer(seconds)

    async def wait_for(self, aw: Awaitable[T], timeout: float) -> T:
        """``asyncio.wait_for`` with the timeout measured on this clock."""
        task = asyncio.ensure_future(aw)
        timer = self._timer(timeout)
        try:
            await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            task.cancel()
            timer.cancel()
            raise
        if task.done():
            timer.cancel()
            return task.result()
        task.cancel()
        try:
            return await task  # as asyncio.wait_for: a task that swallowed the cancel still answers
        except asyncio.CancelledError as err:
            raise TimeoutError from err

    def advance(self, seconds: float) -> None:
        """Move time forward and end every sleep and timeout that is due by then.

        Call it from the event loop's thread (a test coroutine, or code the loop runs).
        """
        asyncio.get_running_loop()  # raises in any other thread: timers are loop futures
        self.now += seconds
        for entry in [t for t in self._timers if t[0] <= self.now + _SAME_INSTANT]:
            self._timers.remove(entry)
            if not entry[1].done():
                entry[1].set_result(None)

    @property
    def pending(self) -> list[float]:
        """Deadlines of the sleeps and timeouts waiting now, earliest first."""
        return sorted(deadline for deadline, future in self._timers if not future.done())

    async def armed(self, at: float | None = None) -> float:
        """Wait until a sleep or timeout is pending (ending at ``at``, if given); its deadline.

        Raises TimeoutError after ``GUARD_SECONDS`` real seconds, so that code that never
        reaches the expected wait fails the test instead of hanging it.
        """
        async def first() -> float:
            while True:
                for deadline in self.pending:
                    if at is None or abs(deadline - at) < _SAME_INSTANT:
                        return deadline
                watcher = asyncio.get_running_loop().create_future()
                self._watchers.append(watcher)
                await watcher

        return await asyncio.wait_for(first(), GUARD_SECONDS)

    def _timer(self, seconds: float) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        if seconds <= 0:
            future.set_result(None)
            return future
        entry = (self.now + seconds, future)
        self._timers.append(entry)

        def forget(_: object) -> None:  # ended or cancelled (the awaited call won the race)
            if entry in self._timers:
                self._timers.remove(entry)

        future.add_done_callback(forget)
        watchers, self._watchers = self._watchers, []
        for watcher in watchers:
            if not watcher.done():
                watcher.set_result(None)
        return future
