"""Lanes on real threads: unavailable vs failed, hung collectors isolated and never stacked."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from edgetop.config_schema import Config
from edgetop.engine.lanes import Engine
from edgetop.errors import SourceUnavailable
from edgetop.model.reading import Status
from edgetop.model.spec import CollectorSpec, Context
from edgetop.sources.fs import ProcFS, SysFS


@pytest.fixture
def ctx(tmp_path: Any) -> Context:
    return Context(config=Config(interval=0.1), procfs=ProcFS(tmp_path), sysfs=SysFS(tmp_path))


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event hung collectors wait on; set at teardown so no thread outlives the test."""
    event = threading.Event()
    yield event
    event.set()


def _spec(name: str, collect: Any, lane: str = "local") -> CollectorSpec:
    return CollectorSpec(name=name, lane=lane, json_key=name, pane="p", build=lambda c: collect)


def _raise(err: BaseException) -> Any:
    def collect() -> Any:
        raise err
    return collect


async def test_source_unavailable_and_other_errors(ctx: Context) -> None:
    specs = [
        _spec("gone", _raise(SourceUnavailable("libvirtd is not running"))),
        _spec("bug", _raise(KeyError("MemTotal"))),
        _spec("ok", lambda: {"thread": threading.current_thread().name}),
    ]
    engine = Engine(ctx, specs)
    try:
        samples = {s.spec.name: s for s in await engine.collect_round()}
    finally:
        engine.close()
    assert samples["gone"].reading.status is Status.UNAVAILABLE
    assert samples["gone"].reading.reason == "libvirtd is not running"
    assert samples["bug"].reading.status is Status.FAILED
    assert samples["bug"].reading.reason == "KeyError: 'MemTotal'"
    assert samples["ok"].reading.ok and samples["ok"].view["thread"].startswith("lane-local")
    assert all(s.reading.duration_seconds >= 0 for s in samples.values())


async def test_failing_build_is_failed_and_retried(ctx: Context) -> None:
    calls = []

    def build(c: Context) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("socket refused")
        return lambda: 42

    spec = CollectorSpec(name="b", lane="local", json_key="b", pane="p", build=build)
    engine = Engine(ctx, [spec])
    try:
        first = await engine.runners[0].collect_once()
        second = await engine.runners[0].collect_once()
    finally:
        engine.close()
    assert first.reading.status is Status.FAILED and "socket refused" in (first.reading.reason or "")
    assert second.reading.ok and second.view == 42


async def test_hung_collector_times_out_without_blocking_other_lanes_or_stacking(
    ctx: Context, release: threading.Event
) -> None:
    calls: list[float] = []

    def hung() -> str:
        calls.append(time.monotonic())
        release.wait(30)
        return "late"

    engine = Engine(ctx, [_spec("hyp", hung, lane="libvirt"), _spec("cpu", lambda: "fast", lane="local")])
    runners = {r.spec.name: r for r in engine.runners}
    runners["hyp"].timeout = 0.5  # the real floor is 5 s; the mechanism is what is tested
    try:
        hung_task = asyncio.create_task(runners["hyp"].collect_once())
        await asyncio.sleep(0.05)
        t0 = time.monotonic()
        fast = await runners["cpu"].collect_once()
        assert fast.view == "fast" and time.monotonic() - t0 < 0.4, "another lane waited for the hung one"
        assert not hung_task.done()
        timed_out = await asyncio.wait_for(hung_task, 10)
        assert timed_out.reading.status is Status.UNAVAILABLE
        assert timed_out.reading.reason == "no answer within 0.5 s"
        # while the first call still hangs, no second call is started
        again = await runners["hyp"].collect_once()
        assert again.reading.status is Status.UNAVAILABLE
        assert (again.reading.reason or "").startswith("previous collection still running after")
        assert len(calls) == 1
        # the other lane keeps working meanwhile
        assert (await runners["cpu"].collect_once()).view == "fast"
        # once the driver answers, collection resumes with a new call
        release.set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            sample = await runners["hyp"].collect_once()
            if sample.reading.ok:
                break
            await asyncio.sleep(0.05)
        assert sample.reading.ok and sample.view == "late" and len(calls) == 2
    finally:
        release.set()
        engine.close()


async def test_async_collectors_run_on_the_loop(ctx: Context) -> None:
    async def fine() -> str:
        return threading.current_thread().name

    async def down() -> str:
        raise SourceUnavailable("agent did not answer")

    async def stuck() -> str:
        await asyncio.sleep(30)
        return "never"

    engine = Engine(ctx, [_spec("a", fine, "snmp"), _spec("b", down, "snmp"), _spec("c", stuck, "snmp")])
    engine.runners[2].timeout = 0.2
    try:
        samples = {s.spec.name: s for s in await engine.collect_round()}
    finally:
        engine.close()
    assert samples["a"].view == threading.current_thread().name  # ran on the loop's thread
    assert samples["b"].reading.status is Status.UNAVAILABLE and samples["b"].reading.reason == "agent did not answer"
    assert samples["c"].reading.reason == "no answer within 0.2 s"


async def test_run_forever_keeps_its_interval_and_reports_every_sample(ctx: Context) -> None:
    counter = iter(range(1000))
    engine = Engine(ctx, [_spec("n", lambda: next(counter))])
    got: list[Any] = []
    task = asyncio.create_task(engine.run_forever(lambda s: got.append(s.view)))
    try:
        deadline = time.monotonic() + 10
        while len(got) < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        engine.close()
    assert got[:3] == [0, 1, 2]
    assert engine.store.history("n.x") == []


def test_lanes_group_runners(ctx: Context) -> None:
    engine = Engine(ctx, [_spec("a", int), _spec("b", int, "snmp"), _spec("c", int)])
    try:
        assert {k: [r.spec.name for r in v] for k, v in engine.lanes().items()} == {"local": ["a", "c"], "snmp": ["b"]}
        assert engine.runners[0].interval == 0.1 and engine.runners[0].timeout == 5.0
    finally:
        engine.close()


async def test_hung_build_times_out_and_a_late_build_is_adopted(ctx: Context, release: threading.Event) -> None:
    builds: list[int] = []

    def build(c: Context) -> Any:
        builds.append(1)
        release.wait(30)  # a connect() that hangs
        return lambda: "connected"

    spec = CollectorSpec(name="virt", lane="libvirt", json_key="virt", pane="p", build=build)
    engine = Engine(ctx, [spec])
    runner = engine.runners[0]
    runner.timeout = 0.3
    try:
        first = await asyncio.wait_for(runner.collect_once(), 10)
        assert first.reading.status is Status.UNAVAILABLE and first.reading.reason == "no answer within 0.3 s"
        second = await runner.collect_once()
        assert (second.reading.reason or "").startswith("previous collection still running")
        release.set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            sample = await runner.collect_once()
            if sample.reading.ok:
                break
            await asyncio.sleep(0.05)
        assert sample.view == "connected"
        assert len(builds) == 1  # the late build was used, not thrown away and redone
    finally:
        release.set()
        engine.close()


async def test_close_does_not_block_behind_a_hung_call(ctx: Context, release: threading.Event) -> None:
    closed: list[Any] = []
    lock = threading.Lock()

    def hung() -> None:
        with lock:  # like a connection object holding its lock during a wedged RPC
            release.wait(30)

    def close(collect: Any) -> None:
        with lock:
            closed.append(collect)

    spec = CollectorSpec(name="virt", lane="libvirt", json_key="virt", pane="p", build=lambda c: hung, close=close)
    engine = Engine(ctx, [spec, _spec("ok", lambda: 1)])
    engine.runners[0].timeout = 0.2
    await engine.collect_round()
    t0 = time.monotonic()
    engine.close()
    assert time.monotonic() - t0 < 1.0 and closed == []
    release.set()


async def test_close_releases_sources_normally(ctx: Context) -> None:
    closed: list[Any] = []
    spec = CollectorSpec(name="c", lane="local", json_key="c", pane="p", build=lambda c: int, close=closed.append)
    engine = Engine(ctx, [spec])
    await engine.collect_round()
    engine.close()
    assert closed == [int]
