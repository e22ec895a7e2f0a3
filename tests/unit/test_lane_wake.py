"""A collector that signals changes is collected at once, from whatever thread signals."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from edgetop.collectors.registry import CollectorSpec, Context
from edgetop.config_schema import Config
from edgetop.engine.lanes import MIN_WAKE_GAP, Engine
from edgetop.sources.fs import ProcFS, SysFS


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
    spec = CollectorSpec(name="evt", lane="events", json_key="x", pane="x", interval=30.0, timeout=3.0,
                         build=lambda ctx: source)
    ctx = Context(config=Config(), procfs=ProcFS(), sysfs=SysFS())
    engine = Engine(ctx, [spec])
    seen: list[float] = []
    task = asyncio.create_task(engine.run_forever(lambda sample: seen.append(time.monotonic())))
    try:
        while not source.listeners:
            await asyncio.sleep(0.01)
        assert source.calls == 1
        fired = time.monotonic()
        source.fire()
        while source.calls < 2:
            await asyncio.sleep(0.01)
            assert time.monotonic() - fired < 5, "an event must not wait for the 30 s interval"
        assert seen[1] - seen[0] >= MIN_WAKE_GAP  # still rate-limited
        await asyncio.sleep(MIN_WAKE_GAP * 2)
        assert source.calls == 2  # no event, no extra collection
    finally:
        task.cancel()
        engine.close()


async def test_spec_timeout_overrides_the_default() -> None:
    release = threading.Event()
    spec = CollectorSpec(name="slow", lane="slow", json_key="x", pane="x", interval=10.0, timeout=0.3,
                         build=lambda ctx: lambda: release.wait(5))
    ctx = Context(config=Config(), procfs=ProcFS(), sysfs=SysFS())
    engine = Engine(ctx, [spec])
    try:
        t0 = time.monotonic()
        (sample,) = await engine.collect_round()
        assert sample.reading.reason == "no answer within 0.3 s"
        assert time.monotonic() - t0 < 2
    finally:
        release.set()
        engine.close()
