"""A collector that signals changes is collected at once, from whatever thread signals.

Time is a ``FakeClock`` that the test advances: the 30 s interval and the wake gap are
checked by where the runner's timers stand, not by waiting for them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from edgetop.config_schema import Config
from edgetop.engine.lanes import MIN_WAKE_GAP, Engine
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from tests.fake_clock import GUARD_SECONDS, FakeClock
from tests.helpers import fake_spec


class Signalling:
    """Counts its calls; ``fire`` invokes subscribers from a foreign thread like libvirt's."""

    def __init__(self) -> None:
        self.calls = 0
        self.listeners: list[Callable[[], None]] = []

    def __call__(self) -> int:
        self.calls += 1
        return self.calls

    def subscribe(self, callback: Callable[[], None]) -> None:
        self.listeners.append(callback)

    def fire(self) -> None:
        thread = threading.Thread(target=lambda: [cb() for cb in self.listeners])
        thread.start()
        thread.join()


async def test_event_wakes_the_runner_long_before_its_interval() -> None:
    source = Signalling()
    spec = fake_spec("evt", source, lane="events", interval=30.0, timeout=3.0)
    ctx = Context(config=Config(), procfs=ProcFS(), sysfs=SysFS())
    clock = FakeClock()
    engine = Engine(ctx, [spec], clock=clock)
    seen: asyncio.Queue[float] = asyncio.Queue()
    task = asyncio.create_task(engine.run_forever(lambda sample: seen.put_nowait(clock.monotonic())))
    try:
        first = await asyncio.wait_for(seen.get(), GUARD_SECONDS)
        assert source.calls == 1 and source.listeners  # subscribed after its first collection
        # still rate-limited: even an event that comes at once waits for the gap to pass
        assert await clock.armed() == pytest.approx(first + MIN_WAKE_GAP)
        source.fire()
        clock.advance(MIN_WAKE_GAP)
        second = await asyncio.wait_for(seen.get(), GUARD_SECONDS)
        assert source.calls == 2
        assert second - first < 5, "an event must not wait for the 30 s interval"
        assert second - first >= MIN_WAKE_GAP  # still rate-limited
        # no event: after the gap the runner waits for one, or for the rest of its interval
        await clock.armed(at=second + MIN_WAKE_GAP)
        clock.advance(MIN_WAKE_GAP)
        # The regular collections keep to the 30 s grid of the monotonic clock (1020 = 34 x 30
        # on this clock, which starts at 1000), not 30 s after the event's.
        await clock.armed(at=1020.0)
        assert source.calls == 2  # no event, no extra collection
        clock.advance(1020.0 - clock.monotonic())
        third = await asyncio.wait_for(seen.get(), GUARD_SECONDS)
        assert third == pytest.approx(1020.0) and source.calls == 3  # the interval still holds
    finally:
        task.cancel()
        engine.close()


async def test_spec_timeout_overrides_the_default() -> None:
    release, entered = threading.Event(), threading.Event()

    def hang() -> bool:
        entered.set()
        return release.wait(30)

    spec = fake_spec("slow", hang, lane="slow", interval=10.0, timeout=0.3)
    ctx = Context(config=Config(), procfs=ProcFS(), sysfs=SysFS())
    clock = FakeClock()
    engine = Engine(ctx, [spec], clock=clock)
    try:
        round_ = asyncio.create_task(engine.collect_round())
        # once the call is made (its build, bounded by a timeout too, is over), its timeout runs:
        assert await asyncio.to_thread(entered.wait, GUARD_SECONDS)
        # the spec's 0.3 s, not the default max(5, 2 * interval) = 20 s
        assert await clock.armed() == pytest.approx(clock.now + 0.3)
        clock.advance(0.3)
        (sample,) = await asyncio.wait_for(round_, GUARD_SECONDS)
        assert sample.reading.reason == "no answer within 0.3 s"
    finally:
        release.set()
        engine.close()


async def test_a_slow_derive_moves_off_the_event_loop() -> None:
    """Cheap derives stay on the loop; one that took longer than the limit runs in the lane thread."""
    import threading as th

    from edgetop.engine.lanes import SLOW_DERIVE_SECONDS

    threads: list[str] = []
    clock = FakeClock()

    def derive(prev: object, cur: object, elapsed: float) -> object:
        threads.append(th.current_thread().name)
        if len(threads) == 2:
            clock.advance(SLOW_DERIVE_SECONDS * 4)  # this derive "takes" 20 ms (it runs on the loop)
        return cur

    spec = fake_spec("d", lambda: 1, lane="derive", interval=1.0, derive=derive)
    ctx = Context(config=Config(), procfs=ProcFS(), sysfs=SysFS())
    engine = Engine(ctx, [spec], clock=clock)
    try:
        for _ in range(3):
            await engine.collect_round()
    finally:
        engine.close()
    main = th.main_thread().name
    assert threads[0] == main and threads[1] == main  # fast, then the slow one, both on the loop
    assert threads[2].startswith("lane-worker-")  # after a slow one: a worker thread
