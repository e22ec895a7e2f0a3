"""Lanes: unavailable vs failed, hung collectors isolated and never stacked.

Collectors run on the lanes' real threads, but time is a ``FakeClock``: timeouts and
intervals pass when the test advances it, so nothing here waits for seconds to go by.
A call that hangs in a thread waits on a ``threading.Event`` the test sets.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import types
from typing import Any

import pytest

from edgetop.config_schema import Config
from edgetop.engine import lanes
from edgetop.engine.clock import SYSTEM_CLOCK
from edgetop.engine.lanes import Engine
from edgetop.errors import SourceUnavailable
from edgetop.model.reading import Status
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from tests.fake_clock import GUARD_SECONDS, FakeClock
from tests.helpers import call_returned, fake_spec, wait_until


@pytest.fixture
def ctx(tmp_path: Any) -> Context:
    return Context(config=Config(interval=0.1), procfs=ProcFS(tmp_path), sysfs=SysFS(tmp_path))


def _raise(err: BaseException) -> Any:
    def collect() -> Any:
        raise err
    return collect


async def test_source_unavailable_and_other_errors(ctx: Context, clock: FakeClock) -> None:
    specs = [
        fake_spec("gone", _raise(SourceUnavailable("libvirtd is not running"))),
        fake_spec("bug", _raise(KeyError("MemTotal"))),
        fake_spec("ok", lambda: {"thread": threading.current_thread().name}),
    ]
    engine = Engine(ctx, specs, clock=clock)
    try:
        samples = {s.spec.name: s for s in await engine.collect_round()}
    finally:
        engine.close()
    assert samples["gone"].reading.status is Status.UNAVAILABLE
    assert samples["gone"].reading.reason == "libvirtd is not running"
    assert samples["bug"].reading.status is Status.FAILED
    assert samples["bug"].reading.reason == "KeyError: 'MemTotal'"
    assert samples["ok"].reading.ok and samples["ok"].view["thread"].startswith("lane-worker-")
    assert all(s.reading.duration_seconds >= 0 for s in samples.values())
    # readings are stamped from the engine's clock, not from the system's
    assert samples["ok"].reading.timestamp == clock.wall() and samples["ok"].reading.monotonic == clock.monotonic()


async def test_a_failed_collection_leaves_no_frames_for_the_garbage_collector(ctx: Context, clock: FakeClock) -> None:
    """The reading keeps the reason; the exception lets go of its frames (no cycle per tick)."""
    raised: list[SourceUnavailable] = []

    def collect() -> Any:
        try:
            raise OSError(2, "No such file or directory")
        except OSError as err:
            raised.append(SourceUnavailable("chronyc not installed"))
            raise raised[-1] from err

    engine = Engine(ctx, [fake_spec("gone", collect)], clock=clock)
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            samples = await engine.collect_round()
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, types.FrameType) and o.f_code.co_filename == lanes.__file__]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
        engine.close()
    assert samples[0].reading.reason == "chronyc not installed"
    assert len(raised) == 3
    assert all(e.__traceback__ is None and e.__cause__ is not None and e.__cause__.__traceback__ is None
               for e in raised)
    assert left == []


async def test_failing_build_is_failed_and_retried(ctx: Context, clock: FakeClock) -> None:
    calls = []

    def build(c: Context) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("socket refused")
        return lambda: 42

    spec = fake_spec("b", build=build)
    engine = Engine(ctx, [spec], clock=clock)
    try:
        first = await engine.runners[0].collect_once()
        second = await engine.runners[0].collect_once()
    finally:
        engine.close()
    assert first.reading.status is Status.FAILED and "socket refused" in (first.reading.reason or "")
    assert second.reading.ok and second.view == 42


async def test_hung_collector_times_out_without_blocking_other_lanes_or_stacking(
    ctx: Context, clock: FakeClock, release: threading.Event
) -> None:
    calls: list[float] = []
    entered = threading.Event()

    def hung() -> str:
        calls.append(clock.monotonic())
        entered.set()
        release.wait(30)
        return "late"

    engine = Engine(
        ctx, [fake_spec("hyp", hung, lane="libvirt"), fake_spec("cpu", lambda: "fast", lane="local")], clock=clock
    )
    runners = {r.spec.name: r for r in engine.runners}
    runners["hyp"].timeout = 0.5  # the real floor is 5 s; the mechanism is what is tested
    try:
        hung_task = asyncio.create_task(runners["hyp"].collect_once())
        assert await asyncio.to_thread(entered.wait, GUARD_SECONDS)  # the call is stuck in the driver
        assert await clock.armed() == pytest.approx(clock.now + 0.5)  # and its timeout is running
        # the clock stands still: had the other lane waited for the hung one, this would never return
        fast = await asyncio.wait_for(runners["cpu"].collect_once(), GUARD_SECONDS)
        assert fast.view == "fast" and not hung_task.done(), "another lane waited for the hung one"
        clock.advance(0.5)
        timed_out = await asyncio.wait_for(hung_task, GUARD_SECONDS)
        assert timed_out.reading.status is Status.UNAVAILABLE
        assert timed_out.reading.reason == "no answer within 0.5 s"
        # its thread is written off and replaced: the others keep their workers, never more than the size
        assert 2 <= engine.pool.threads() <= engine.pool.size + 1
        # while the first call still hangs, no second call is started
        clock.advance(4.5)
        again = await runners["hyp"].collect_once()
        assert again.reading.status is Status.UNAVAILABLE
        assert (again.reading.reason or "").startswith("previous collection still running after")
        assert again.reading.reason == "previous collection still running after 5 s"  # since the call began
        assert len(calls) == 1
        # the other lane keeps working meanwhile
        assert (await runners["cpu"].collect_once()).view == "fast"
        # once the driver answers, collection resumes with a new call
        release.set()
        await call_returned(runners["hyp"])
        sample = await runners["hyp"].collect_once()
        assert sample.reading.ok and sample.view == "late" and len(calls) == 2
        # the thread that hung is back and serves again (or left, had the pool been full without it)
        assert engine.pool.threads() <= engine.pool.size
        assert (await runners["cpu"].collect_once()).view == "fast"
    finally:
        release.set()
        engine.close()


async def test_async_collectors_run_on_the_loop(ctx: Context, clock: FakeClock) -> None:
    cancelled: list[bool] = []
    entered = asyncio.Event()

    async def fine() -> str:
        return threading.current_thread().name

    async def down() -> str:
        raise SourceUnavailable("agent did not answer")

    async def stuck() -> str:
        entered.set()
        try:
            await asyncio.Event().wait()  # an agent that never answers
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return "never"

    specs = [fake_spec("a", fine, lane="snmp"), fake_spec("b", down, lane="snmp"), fake_spec("c", stuck, lane="snmp")]
    engine = Engine(ctx, specs, clock=clock)
    engine.runners[2].timeout = 0.2
    try:
        round_ = asyncio.create_task(engine.collect_round())
        # once the call is made (its build, bounded by a timeout too, is over), its timeout runs
        await asyncio.wait_for(entered.wait(), GUARD_SECONDS)
        await clock.armed(at=clock.now + 0.2)
        clock.advance(0.2)
        samples = {s.spec.name: s for s in await asyncio.wait_for(round_, GUARD_SECONDS)}
    finally:
        engine.close()
    assert samples["a"].view == threading.current_thread().name  # ran on the loop's thread
    assert samples["b"].reading.status is Status.UNAVAILABLE and samples["b"].reading.reason == "agent did not answer"
    assert samples["c"].reading.reason == "no answer within 0.2 s"
    assert cancelled == [True]  # the timed-out coroutine was cancelled, not left running


async def test_run_forever_keeps_its_interval_and_reports_every_sample(ctx: Context, clock: FakeClock) -> None:
    counter = iter(range(1000))
    engine = Engine(ctx, [fake_spec("n", lambda: next(counter), interval=1.0)], clock=clock)
    reported: asyncio.Queue[tuple[float, Any]] = asyncio.Queue()
    task = asyncio.create_task(engine.run_forever(lambda s: reported.put_nowait((clock.monotonic(), s.view))))
    got: list[tuple[float, Any]] = []
    try:
        for _ in range(3):
            got.append(await asyncio.wait_for(reported.get(), GUARD_SECONDS))
            next_run = await clock.armed()
            assert next_run == pytest.approx(got[-1][0] + 1.0)  # one interval after this run began
            assert reported.empty()  # nothing more until then
            clock.advance(next_run - clock.now)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        engine.close()
    assert [view for _, view in got] == [0, 1, 2]
    assert [at - got[0][0] for at, _ in got] == pytest.approx([0.0, 1.0, 2.0])
    assert engine.store.history("n.x") == []


def test_lanes_group_runners(ctx: Context, clock: FakeClock) -> None:
    engine = Engine(ctx, [fake_spec("a", int), fake_spec("b", int, lane="snmp"), fake_spec("c", int)], clock=clock)
    try:
        assert {k: [r.spec.name for r in v] for k, v in engine.lanes().items()} == {"local": ["a", "c"], "snmp": ["b"]}
        assert engine.runners[0].interval == 0.1 and engine.runners[0].timeout == 5.0
        assert all(r.clock is clock for r in engine.runners)
    finally:
        engine.close()


async def test_every_collector_shares_one_small_pool(ctx: Context, clock: FakeClock) -> None:
    """One thread for a round of quick calls; however many calls wait, never more than the size."""
    engine = Engine(ctx, [fake_spec(f"c{i}", int, lane=("local", "snmp", "libvirt")[i % 3]) for i in range(12)],
                    clock=clock)
    release = threading.Event()
    try:
        assert {id(r.pool) for r in engine.runners} == {id(engine.pool)}
        await engine.collect_round()
        assert engine.pool.threads() == 1
        calls = [engine.pool.submit(release.wait, GUARD_SECONDS) for _ in range(20)]
        # Every call waits: the loop starts spares for them, up to the size and no more.
        await asyncio.to_thread(wait_until, "spares", lambda: engine.pool.threads() == engine.pool.size == 3,
                                GUARD_SECONDS, 0.01)
        release.set()
        assert all(await asyncio.gather(*(asyncio.wrap_future(c) for c in calls)))
        assert engine.pool.threads() == 3
    finally:
        release.set()
        engine.close()


def test_the_system_clock_is_the_default(ctx: Context) -> None:
    engine = Engine(ctx, [fake_spec("a", int)])
    try:
        assert engine.clock is SYSTEM_CLOCK and engine.runners[0].clock is SYSTEM_CLOCK
        assert abs(SYSTEM_CLOCK.wall() - time.time()) < 60 and SYSTEM_CLOCK.monotonic() <= time.monotonic()
    finally:
        engine.close()


async def test_hung_build_times_out_and_a_late_build_is_adopted(
    ctx: Context, clock: FakeClock, release: threading.Event
) -> None:
    builds: list[int] = []

    def build(c: Context) -> Any:
        builds.append(1)
        release.wait(30)  # a connect() that hangs
        return lambda: "connected"

    spec = fake_spec("virt", lane="libvirt", build=build)
    engine = Engine(ctx, [spec], clock=clock)
    runner = engine.runners[0]
    runner.timeout = 0.3
    try:
        first_task = asyncio.create_task(runner.collect_once())
        assert await clock.armed() == pytest.approx(clock.now + 0.3)
        clock.advance(0.3)
        first = await asyncio.wait_for(first_task, GUARD_SECONDS)
        assert first.reading.status is Status.UNAVAILABLE and first.reading.reason == "no answer within 0.3 s"
        second = await runner.collect_once()
        assert (second.reading.reason or "").startswith("previous collection still running")
        release.set()
        await call_returned(runner)
        sample = await runner.collect_once()
        assert sample.view == "connected"
        assert len(builds) == 1  # the late build was used, not thrown away and redone
    finally:
        release.set()
        engine.close()


async def test_close_does_not_block_behind_a_hung_call(
    ctx: Context, clock: FakeClock, release: threading.Event
) -> None:
    closed: list[Any] = []
    lock = threading.Lock()
    entered = threading.Event()

    def hung() -> None:
        with lock:  # like a connection object holding its lock during a wedged RPC
            entered.set()
            release.wait(30)

    def close(collect: Any) -> None:
        with lock:
            closed.append(collect)

    spec = fake_spec("virt", hung, lane="libvirt", close=close)
    engine = Engine(ctx, [spec, fake_spec("ok", lambda: 1)], clock=clock)
    engine.runners[0].timeout = 0.2
    round_ = asyncio.create_task(engine.collect_round())
    assert await asyncio.to_thread(entered.wait, GUARD_SECONDS)  # the hung call holds the lock
    await clock.armed(at=clock.now + 0.2)
    clock.advance(0.2)
    await asyncio.wait_for(round_, GUARD_SECONDS)
    # close from a thread of its own, so that a close that blocks fails the test instead of hanging it
    closer = threading.Thread(target=engine.close)
    closer.start()
    closer.join(1.0)
    assert not closer.is_alive() and closed == []
    release.set()


async def test_close_releases_sources_normally(ctx: Context, clock: FakeClock) -> None:
    closed: list[Any] = []
    spec = fake_spec("c", int, close=closed.append)
    engine = Engine(ctx, [spec], clock=clock)
    await engine.collect_round()
    engine.close()
    assert closed == [int]


async def test_an_on_demand_collector_runs_only_while_its_pane_is_shown(ctx: Context, clock: FakeClock) -> None:
    # The processes collector reads every /proc/PID: the TUI runs it only while its pane is
    # on screen (issue 17); headless runs (no show()) collect it always.
    counter = iter(range(1000))

    def derive(prev: Any, raw: int, elapsed: float) -> tuple[int | None, int]:
        return (prev, raw)  # (the previous raw the rates would use, this raw)

    demand = fake_spec("procs", lambda: next(counter), interval=1.0, pane="processes", on_demand=True, derive=derive)
    always = fake_spec("cpu", int, interval=1.0, pane="cpu")
    engine = Engine(ctx, [demand, always], clock=clock)
    reported: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    engine.show(["overview"])
    task = asyncio.create_task(engine.run_forever(lambda s: reported.put_nowait((s.spec.name, s.view))))
    try:
        assert await asyncio.wait_for(reported.get(), GUARD_SECONDS) == ("cpu", 0)
        await clock.armed()
        assert reported.empty() and engine.store.get("procs") is None  # hidden: never collected
        engine.show(["processes"])  # shown: collected at once, not a tick later
        assert await asyncio.wait_for(reported.get(), GUARD_SECONDS) == ("procs", (None, 0))
        clock.advance(1.0)
        got = {}
        while len(got) < 2:
            name, view = await asyncio.wait_for(reported.get(), GUARD_SECONDS)
            got[name] = view
        assert got["procs"] == (0, 1)  # a rate over one interval
        engine.show(["overview"])
        clock.advance(1.0)  # both runners wake: procs waits for its pane, cpu collects
        assert await asyncio.wait_for(reported.get(), GUARD_SECONDS) == ("cpu", 0)
        await clock.armed()
        clock.advance(60.0)
        await asyncio.wait_for(reported.get(), GUARD_SECONDS)  # cpu again
        await clock.armed()
        assert reported.empty()
        engine.show(["processes"])  # a minute later: no rate over the pause, no stale sample
        assert engine.store.get("procs") is None
        assert await asyncio.wait_for(reported.get(), GUARD_SECONDS) == ("procs", (None, 2))
        engine.show(None)  # headless: everything runs
        assert all(r.wanted.is_set() for r in engine.runners)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        engine.close()
