"""The head start: the first collection begins before the event loop runs, and is not repeated (issue 17).

A TUI's first frame used to wait for Textual to start before the core collectors even began,
then painted twice: an empty overview, then the numbers. ``Engine.head_start`` submits each
wanted collector's build and first call to the pool at once; the app takes the finished ones
(``take_head_starts``) before its first frame, and a runner's first round uses what the head
start gave instead of collecting again. Time is a ``FakeClock``; calls run on the real pool.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from edgetop.config_schema import Config
from edgetop.engine.lanes import Engine
from edgetop.engine.store import Sample
from edgetop.errors import SourceUnavailable
from edgetop.model.reading import Status
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from tests.fake_clock import GUARD_SECONDS, FakeClock
from tests.helpers import call_returned, fake_spec


@pytest.fixture
def ctx(tmp_path: Any) -> Context:
    return Context(config=Config(interval=1.0), procfs=ProcFS(tmp_path), sysfs=SysFS(tmp_path))


class Counter:
    """A collect callable that counts its calls and notes the clock's time at each."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.at: list[float] = []

    def __call__(self) -> int:
        self.at.append(self.clock.monotonic())
        return len(self.at) - 1


async def test_the_head_start_is_the_first_sample_and_the_first_round_does_not_collect_again(
    ctx: Context, clock: FakeClock
) -> None:
    count = Counter(clock)
    builds: list[int] = []

    def build(c: Context) -> Counter:
        builds.append(1)
        return count

    engine = Engine(ctx, [fake_spec("n", build=build, interval=1.0)], clock=clock)
    reported: asyncio.Queue[Sample] = asyncio.Queue()
    task: asyncio.Task[None] | None = None
    try:
        base = clock.now  # a whole second: ticks fall on base + 1, + 2, ...
        assert base == int(base)
        clock.advance(0.25)  # the head start runs at base + 0.25 s, then the loop takes it later
        engine.head_start()
        clock_at_start = clock.now
        taken = engine.take_head_starts(wait=GUARD_SECONDS)
        assert [s.view for s in taken] == [0] and builds == [1]
        reading = taken[0].reading
        assert reading.ok and reading.monotonic == clock_at_start  # of when it ran, not when taken
        clock.advance(0.5)
        task = asyncio.create_task(engine.run_forever(reported.put_nowait))
        # The first round sleeps to the next tick instead of collecting 0.5 s after the head start.
        assert await clock.armed() == pytest.approx(base + 1.0)
        assert reported.empty() and len(count.at) == 1
        clock.advance(base + 1.0 - clock.now)
        second = await asyncio.wait_for(reported.get(), GUARD_SECONDS)
        assert second.view == 1 and count.at == pytest.approx([base + 0.25, base + 1.0]) and builds == [1]
    finally:
        if task is not None:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        engine.close()


async def test_a_head_start_still_running_is_waited_for_by_the_first_round(
    ctx: Context, clock: FakeClock, release: threading.Event
) -> None:
    entered = threading.Event()
    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        entered.set()
        release.wait(GUARD_SECONDS)
        return "first"

    engine = Engine(ctx, [fake_spec("slow", slow)], clock=clock)
    try:
        engine.head_start()
        assert await asyncio.to_thread(entered.wait, GUARD_SECONDS)
        assert engine.take_head_starts() == []  # not done: nothing to take, nothing lost
        first = asyncio.create_task(engine.runners[0].collect_once())
        await clock.armed()  # it waits for the head start, within the timeout
        release.set()
        sample = await asyncio.wait_for(first, GUARD_SECONDS)
        assert sample.view == "first" and calls == [1]
    finally:
        release.set()
        engine.close()


async def test_a_hung_head_start_times_out_like_a_build_and_its_collector_is_adopted_late(
    ctx: Context, clock: FakeClock, release: threading.Event
) -> None:
    builds: list[int] = []
    calls: list[int] = []

    def collect() -> str:
        calls.append(1)
        return f"call {len(calls)}"

    def build(c: Context) -> Any:
        builds.append(1)
        release.wait(GUARD_SECONDS)  # a connect() that hangs
        return collect

    engine = Engine(ctx, [fake_spec("virt", lane="libvirt", build=build)], clock=clock)
    runner = engine.runners[0]
    runner.timeout = 0.3
    try:
        engine.head_start()
        assert engine.take_head_starts(wait=0.01) == []  # the first frame waits this long, no more
        first_task = asyncio.create_task(runner.collect_once())
        assert await clock.armed() == pytest.approx(clock.now + 0.3)
        clock.advance(0.3)
        first = await asyncio.wait_for(first_task, GUARD_SECONDS)
        assert first.reading.status is Status.UNAVAILABLE and first.reading.reason == "no answer within 0.3 s"
        release.set()
        await call_returned(runner)
        sample = await runner.collect_once()
        # The late build is used (not redone); the call it made back then is stale, a new one is made.
        assert builds == [1] and calls == [1, 1] and sample.view == "call 2"
    finally:
        release.set()
        engine.close()


async def test_a_head_start_that_fails_is_the_first_reading(ctx: Context, clock: FakeClock) -> None:
    def gone() -> Any:
        raise SourceUnavailable("no /proc/pressure")

    def broken_build(c: Context) -> Any:
        raise OSError("socket refused")

    engine = Engine(ctx, [fake_spec("gone", gone), fake_spec("bug", build=broken_build)], clock=clock)
    try:
        engine.head_start()
        samples = {s.spec.name: s for s in engine.take_head_starts(wait=GUARD_SECONDS)}
        assert samples["gone"].reading.status is Status.UNAVAILABLE
        assert samples["gone"].reading.reason == "no /proc/pressure"
        assert samples["bug"].reading.status is Status.FAILED
        assert "socket refused" in (samples["bug"].reading.reason or "")
        # the failed build is tried again at the next round, as without a head start
        again = await engine.runners[1].collect_once()
        assert again.reading.status is Status.FAILED
    finally:
        engine.close()


async def test_only_wanted_synchronous_collectors_get_a_head_start(ctx: Context, clock: FakeClock) -> None:
    async def on_the_loop() -> str:
        return "async"

    specs = [fake_spec("shown", int), fake_spec("hidden", int, on_demand=True, pane="processes"),
             fake_spec("snmp", on_the_loop)]
    engine = Engine(ctx, specs, clock=clock)
    try:
        engine.show(["p"])
        engine.head_start()
        runners = {r.spec.name: r for r in engine.runners}
        assert runners["hidden"]._head_start is None  # its pane is not on screen
        taken = engine.take_head_starts(wait=GUARD_SECONDS)
        # the asynchronous one was built ahead but its call needs the loop: its first round makes it
        assert [s.spec.name for s in taken] == ["shown"]
        assert runners["snmp"]._collect is on_the_loop
        assert (await runners["snmp"].collect_once()).view == "async"
    finally:
        engine.close()


async def test_closing_releases_what_a_head_start_built_but_nobody_took(ctx: Context, clock: FakeClock) -> None:
    closed: list[Any] = []
    engine = Engine(ctx, [fake_spec("c", int, close=closed.append)], clock=clock)
    engine.head_start()
    head_start = engine.runners[0]._head_start
    assert head_start is not None
    await asyncio.wait({asyncio.wrap_future(head_start)}, timeout=GUARD_SECONDS)
    engine.close()
    assert closed == [int]
