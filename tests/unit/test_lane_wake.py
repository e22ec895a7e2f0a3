"""A collector that signals changes is collected at once, from whatever thread signals."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from edgetop.config_schema import Config
from edgetop.engine.lanes import MIN_WAKE_GAP, Engine
from edgetop.model.spec import CollectorSpec, Context
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


async def test_a_slow_derive_moves_off_the_event_loop() -> None:
    """Cheap derives stay on the loop; one that took longer than the limit runs in the lane thread."""
    import threading as th

    from edgetop.engine.lanes import SLOW_DERIVE_SECONDS

    threads: list[str] = []

    def derive(prev: object, cur: object, elapsed: float) -> object:
        threads.append(th.current_thread().name)
        if len(threads) == 2:
            time.sleep(SLOW_DERIVE_SECONDS * 4)
        return cur

    spec = CollectorSpec(name="d", lane="derive", json_key="x", pane="x", interval=1.0,
                         build=lambda ctx: lambda: 1, derive=derive)
    ctx = Context(config=Config(), procfs=ProcFS(), sysfs=SysFS())
    engine = Engine(ctx, [spec])
    try:
        for _ in range(3):
            await engine.collect_round()
    finally:
        engine.close()
    main = th.main_thread().name
    assert threads[0] == main and threads[1] == main  # fast, then the slow one, both on the loop
    assert threads[2].startswith("lane-derive")  # after a slow one: the lane's thread
