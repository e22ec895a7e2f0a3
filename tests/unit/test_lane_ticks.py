"""Collectors keep to one grid of ticks on the monotonic clock, whenever each started.

Time is a ``FakeClock`` the test advances (it starts at 1000.0): where each runner's next
timer stands is read from the clock, not guessed by waiting.
"""

from __future__ import annotations

import asyncio

import pytest

from edgetop.config_schema import Config
from edgetop.engine.lanes import MIN_WAKE_GAP, Engine, until_next_tick
from edgetop.engine.store import Sample
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from tests.fake_clock import GUARD_SECONDS, FakeClock
from tests.helpers import fake_spec


@pytest.mark.parametrize(("now", "interval", "left"), [
    (1000.0, 1.0, 1.0),      # on a tick: the next one, a whole interval away
    (1000.3, 1.0, 0.7),
    (1000.9, 1.0, 1.1),      # 0.1 s before a tick is under the wake gap: the one after
    (1003.0, 5.0, 2.0),      # a 5 s collector runs on every fifth tick of a 1 s one
    (7.05, 0.1, 0.25),       # an interval shorter than the gap: the first tick past it
])
def test_until_next_tick(now: float, interval: float, left: float) -> None:
    assert until_next_tick(now, interval) == pytest.approx(left)
    assert until_next_tick(now, interval) >= MIN_WAKE_GAP


async def test_collectors_started_apart_collect_on_the_same_ticks() -> None:
    clock = FakeClock()
    ctx = Context(config=Config(), procfs=ProcFS(), sysfs=SysFS())
    engine = Engine(ctx, [fake_spec("early", interval=1.0)], clock=clock)
    seen: asyncio.Queue[tuple[str, float]] = asyncio.Queue()

    def record(sample: Sample) -> None:
        seen.put_nowait((sample.spec.name, clock.monotonic()))

    tasks = [asyncio.create_task(engine.run_forever(record))]
    try:
        assert await asyncio.wait_for(seen.get(), GUARD_SECONDS) == ("early", 1000.0)  # at once
        await clock.armed(at=1001.0)
        clock.advance(0.4)
        late = engine.add([fake_spec("late", interval=1.0)])[0]
        tasks.append(asyncio.create_task(late.run_forever(record)))
        assert await asyncio.wait_for(seen.get(), GUARD_SECONDS) == ("late", 1000.4)  # at once too
        await clock.armed(at=1001.0)  # then on the early one's tick, not 1 s after its start
        assert clock.pending == pytest.approx([1001.0, 1001.0])
        clock.advance(0.6)
        got = {await asyncio.wait_for(seen.get(), GUARD_SECONDS) for _ in range(2)}
        assert got == {("early", 1001.0), ("late", 1001.0)}
    finally:
        for task in tasks:
            task.cancel()
        engine.close()
