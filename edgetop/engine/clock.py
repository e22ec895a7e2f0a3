"""The time the lanes run on: read, slept on and waited against through one object.

The engine never calls ``time`` or ``asyncio.sleep`` itself, so that a test can hand it
a clock it moves by hand and check schedules and timeouts without waiting for them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Protocol, TypeVar

T = TypeVar("T")


class Clock(Protocol):
    """What the lanes need from time."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (intervals, durations, rates)."""
        ...

    def wall(self) -> float:
        """Seconds since the epoch (timestamps that are shown or exported)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Return after ``seconds`` on this clock."""
        ...

    async def wait_for(self, aw: Awaitable[T], timeout: float) -> T:
        """Await ``aw``; cancel it and raise TimeoutError after ``timeout`` on this clock."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic``, ``time.time`` and asyncio's own timers."""

    def monotonic(self) -> float:
        """``time.monotonic()`` (the same clock as ``perf_counter`` on Linux)."""
        return time.monotonic()

    def wall(self) -> float:
        """``time.time()``."""
        return time.time()

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(seconds)

    async def wait_for(self, aw: Awaitable[T], timeout: float) -> T:
        """``asyncio.wait_for``."""
        return await asyncio.wait_for(aw, timeout)


SYSTEM_CLOCK: Clock = SystemClock()
