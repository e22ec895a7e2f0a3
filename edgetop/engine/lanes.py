"""Run collectors: each on its own schedule, grouped in lanes (source families).

A lane is a source family (local /proc+/sys, libvirt, SNMP, NTP, services). Synchronous
collectors share one small pool of worker threads (``workers.py``); asynchronous ones
(SNMP) run on the event loop. A collection that outlives its timeout is reported
unavailable, its thread is handed off (a fresh one replaces it, so a hung hypervisor
blocks nobody else) and no second call is started until the first returns: a hung driver
costs one thread, not one per tick. Time (durations, schedules, timeouts) comes from an
injected ``Clock``, the system's unless a test gives another.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any, NamedTuple

from edgetop.engine.clock import SYSTEM_CLOCK, Clock
from edgetop.engine.store import Sample, Store
from edgetop.engine.workers import WorkerPool
from edgetop.errors import SourceUnavailable, drop_frames
from edgetop.model.reading import Reading, Status
from edgetop.model.spec import Collect, CollectorSpec, Context

log = logging.getLogger(__name__)

OnSample = Callable[[Sample], None]

# The shortest gap between two collections of one collector, even when woken by events.
MIN_WAKE_GAP = 0.2

# A derive slower than this (on the event loop) moves to the lane's thread from then on.
SLOW_DERIVE_SECONDS = 0.005


def until_next_tick(now: float, interval: float) -> float:
    """Seconds from ``now`` to the next multiple of ``interval`` on the monotonic clock.

    Every collector with the same interval runs on the same ticks (and a 5 s one on every
    fifth tick of a 1 s one), not each on its own phase from when it happened to start:
    a tick's calls then reach the worker as one burst and their results the event loop
    in one or two wake-ups, not a dozen spread over the second (issue 17: with the NTP
    verdict off the worker too, the demo went from 0.83 to 0.71 s of CPU a minute), and
    rates of CPU, disks and NICs cover the same window. A tick closer than
    :data:`MIN_WAKE_GAP` is skipped (a collection that ended just before a tick would give
    a rate over a sliver of time).
    """
    left = interval - now % interval
    while left < MIN_WAKE_GAP:
        left += interval
    return left


class _Early(NamedTuple):
    """A head start's first call: its value or error, and when it ran (monotonic and wall)."""

    value: Any
    error: BaseException | None
    started_wall: float
    started: float
    ended: float


def _is_async(collect: Collect) -> bool:
    """Whether calling ``collect`` gives a coroutine (it runs on the event loop, not in the pool)."""
    return inspect.iscoroutinefunction(collect) or inspect.iscoroutinefunction(type(collect).__call__)


class SpecRunner:
    """Runs one collector, periodically or once."""

    def __init__(
        self, spec: CollectorSpec, ctx: Context, store: Store, pool: WorkerPool,
        *, clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        """Prepare to run ``spec`` on ``clock``; its sources are opened on the first run."""
        self.spec = spec
        self.clock = clock
        self.ctx = ctx
        self.store = store
        self.pool = pool
        self.interval = spec.interval if spec.interval is not None else ctx.config.interval
        self.timeout = spec.timeout if spec.timeout is not None else max(5.0, 2 * self.interval)
        self._collect: Collect | None = None
        self._wake: asyncio.Event | None = None
        self._slow_derive = False
        self._pending: Future[Any] | None = None  # a call that outlived its timeout
        self._pending_since = 0.0
        # The first build and collection, begun before the event loop ran (head_start);
        # the future's result is the collect callable, _early what its first call gave.
        self._head_start: Future[Any] | None = None
        self._early: _Early | None = None
        self._taken_early = False  # take_head_start stored the first round's sample already
        # Cleared while no view shows an on-demand collector (Engine.show): run_forever waits.
        self.wanted = asyncio.Event()
        self.wanted.set()

    def head_start(self) -> None:
        """Build and collect once now, in the pool, before the event loop runs; the first run takes it.

        A TUI's first frame waited for Textual to start before the core collectors even
        began, then painted the screen twice: empty, then with numbers (issue 17: first
        frame). Begun while Textual starts, the first collection is done when the first
        frame is painted. The caller's timeout and hand-off rules apply when the first
        :meth:`collect_once` waits for it.
        """
        if self._head_start is not None or self._collect is not None or self._pending is not None:
            return
        self._head_start = self.pool.submit(self._build_and_collect)

    def _build_and_collect(self) -> Collect:
        """In the pool: build the collector, call it once if it is synchronous; return it."""
        collect = self.spec.build(self.ctx)
        if _is_async(collect):
            return collect  # its call needs the event loop: the first run makes it
        started_wall, t0 = self.clock.wall(), self.clock.monotonic()
        try:
            value, error = collect(), None
        except Exception as err:  # reported by collect_once, as any collection's failure
            value, error = None, err
        self._early = _Early(value, error, started_wall, t0, self.clock.monotonic())
        return collect

    async def collect_once(self) -> Sample:
        """Collect once, store the reading and return the resulting sample."""
        started_wall = self.clock.wall()
        t0 = self.clock.monotonic()
        status, value, reason = Status.OK, None, None
        early: _Early | None = None
        try:
            if self._head_start is not None:
                future, self._head_start = self._head_start, None
                self._collect = await self._bounded(future)  # pending on a timeout, as a slow build
                early = self._take_early()
            value = await self._run() if early is None else early.value
        except Exception as err:
            status, reason = self._failure(err)
        reading = self._reading(status, value, reason, started_wall, t0, early)
        # Deriving a view is usually sub-millisecond and stays on the loop (a thread hop
        # costs more than that and slowed the first frame by ~0.05-0.1 s). One that proved
        # slow (rates, alerts, history for 1,000 domains: 50-80 ms) moves to the lane's
        # thread, so that it never sits between a key press and its answer.
        # A reading that is not ok derives nothing (cheap here).
        if not self._slow_derive or not reading.ok:
            return self._store(reading)
        try:
            return await asyncio.wrap_future(self.pool.submit(self.store.update, self.spec, reading))
        except RuntimeError:  # the pool was shut down: the program is exiting
            return self.store.update(self.spec, reading)

    def take_head_start(self) -> Sample | None:
        """Store the head start's reading now if it has finished (no waiting); its sample, else None.

        The runner's first :meth:`run_forever` round then waits for the next tick instead
        of collecting again (a second collection moments later would give rates over a
        sliver of time). None when there is nothing to take: no head start, one still
        running (the first round waits for it), or one whose collector is asynchronous.
        """
        future = self._head_start
        if future is None or not future.done():
            return None
        self._head_start = None
        started_wall, t0 = self.clock.wall(), self.clock.monotonic()
        status, value, reason = Status.OK, None, None
        early: _Early | None = None
        try:
            self._collect = future.result()
            early = self._take_early()
            if early is None:
                return None  # an asynchronous collector: its first call is the first round's
            value = early.value
        except Exception as err:
            status, reason = self._failure(err)
        self._taken_early = True
        return self._store(self._reading(status, value, reason, started_wall, t0, early))

    def _take_early(self) -> _Early | None:
        """The head start's first call (None for an asynchronous collector); raises its error."""
        early, self._early = self._early, None
        if early is not None and early.error is not None:
            raise early.error
        return early

    def _failure(self, err: Exception) -> tuple[Status, str]:
        """The status and reason a failed collection is shown with (logged if it is a bug)."""
        if isinstance(err, SourceUnavailable):
            status, reason = Status.UNAVAILABLE, str(err) or "unavailable"
        elif isinstance(err, TimeoutError):
            status, reason = Status.UNAVAILABLE, f"no answer within {self.timeout:g} s"
        else:
            log.error("collector %s failed", self.spec.name, exc_info=err)
            status, reason = Status.FAILED, f"{type(err).__name__}: {err}"
        drop_frames(err)  # after the log has its traceback
        return status, reason

    def _reading(self, status: Status, value: Any, reason: str | None, started_wall: float, t0: float,
                 early: _Early | None) -> Reading:
        """The reading of a collection begun at ``t0`` (a head start's: of when it really ran)."""
        if early is not None:
            started_wall, t0 = early.started_wall, early.started
        ended = self.clock.monotonic() if early is None else early.ended
        duration = ended - t0
        return Reading(self.spec.name, status, value, reason, duration, started_wall + duration, ended)

    def _store(self, reading: Reading) -> Sample:
        """Derive and store ``reading`` here, timing the derive (a slow one moves to the pool)."""
        t0 = self.clock.monotonic()
        sample = self.store.update(self.spec, reading)
        if reading.ok:
            self._slow_derive = self.clock.monotonic() - t0 > SLOW_DERIVE_SECONDS
        return sample

    async def _bounded(self, future: Future[Any]) -> Any:
        """Wait for a call in the pool at most the timeout; on a timeout hand its thread off."""
        try:
            return await self.clock.wait_for(asyncio.shield(asyncio.wrap_future(future)), self.timeout)
        except TimeoutError:
            self._pending, self._pending_since = future, self.clock.monotonic() - self.timeout
            self.pool.hand_off(future)
            raise

    async def _run(self) -> Any:
        if self._pending is not None:
            if not self._pending.done():
                waited = self.clock.monotonic() - self._pending_since
                raise SourceUnavailable(f"previous collection still running after {waited:.0f} s")
            done, self._pending = self._pending, None
            if self._collect is None and not done.cancelled() and done.exception() is None:
                self._collect = done.result()  # a slow build finished: adopt what it opened
            self._early = None  # a late head start's call: its moment has passed
        if self._collect is None:
            # Building opens sources (a libvirt connection): bounded like a collection, so a
            # hung connect reports "no answer within" instead of leaving the runner silent.
            self._collect = await self._bounded(self.pool.submit(self.spec.build, self.ctx))
        collect = self._collect
        if _is_async(collect):
            return await self.clock.wait_for(collect(), self.timeout)
        return await self._bounded(self.pool.submit(collect))

    async def run_forever(self, on_sample: OnSample) -> None:
        """Collect at once, then on every tick of ``interval`` (:func:`until_next_tick`).

        A collect callable that offers ``subscribe(callback)`` (libvirt lifecycle events)
        is also collected as soon as its source signals a change, at most every
        ``MIN_WAKE_GAP`` seconds, so a guest that stops shows at once, not a tick later.
        """
        while True:
            if not self.wanted.is_set():
                await self.wanted.wait()
            if self._taken_early:
                self._taken_early = False  # the app has this round's sample (take_head_start)
            else:
                on_sample(await self.collect_once())
            self._subscribe_once()
            remaining = until_next_tick(self.clock.monotonic(), self.interval)
            if self._wake is None:
                await self.clock.sleep(remaining)
                continue
            await self.clock.sleep(MIN_WAKE_GAP)
            with contextlib.suppress(TimeoutError):
                await self.clock.wait_for(self._wake.wait(), max(0.0, remaining - MIN_WAKE_GAP))
            self._wake.clear()

    def _subscribe_once(self) -> None:
        subscribe = getattr(self._collect, "subscribe", None)
        if self._wake is not None or subscribe is None:
            return
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()
        # Called from the source's own thread (libvirt's event loop): hand over safely.
        subscribe(lambda: loop.call_soon_threadsafe(wake.set))
        self._wake = wake

    def close(self) -> None:
        """Release what the collector opened."""
        head_start, self._head_start = self._head_start, None
        if head_start is not None and not head_start.cancel():  # it ran or runs: never taken
            if not head_start.done():
                self._pending = head_start  # still in the source: the rule below applies
            elif head_start.exception() is None and self._collect is None:
                self._collect = head_start.result()  # what it built is closed like any other
        if self._pending is not None and not self._pending.done():
            # A call is still hung inside the source (a libvirtd that accepted and never
            # answered): closing it from here would block the loop behind that call.
            log.warning("not closing %s: a call to it has not returned", self.spec.name)
            self._collect = None
            return
        if self._collect is not None and self.spec.close is not None:
            try:
                self.spec.close(self._collect)
            except Exception:  # closing must never raise into shutdown
                log.exception("closing %s", self.spec.name)
        self._collect = None


class Engine:
    """All collectors, grouped in lanes, over one store."""

    def __init__(
        self, ctx: Context, specs: list[CollectorSpec], store: Store | None = None,
        *, clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        """Create runners for ``specs`` on ``clock`` (the system's by default); nothing runs yet."""
        self.ctx = ctx
        self.clock = clock
        self.store = store or Store(ctx.config)
        self.specs: list[CollectorSpec] = []
        self.pool = WorkerPool()
        self.runners: list[SpecRunner] = []
        self._shown: frozenset[str] | None = None  # None: every collector runs (headless)
        self.add(specs)

    def add(self, specs: list[CollectorSpec]) -> list[SpecRunner]:
        """Add collectors (sharing the engine's worker pool) and return their new runners."""
        new = [SpecRunner(spec, ctx=self.ctx, store=self.store, pool=self.pool, clock=self.clock) for spec in specs]
        self.specs.extend(specs)
        self.runners.extend(new)
        for runner in new:
            self._apply_demand(runner)
        return new

    def show(self, panes: Iterable[str] | None) -> None:
        """The panes on screen now; on-demand collectors run only while their pane is one.

        None (the default) runs everything, as ``snapshot`` and ``serve`` need.
        """
        self._shown = None if panes is None else frozenset(panes)
        for runner in self.runners:
            self._apply_demand(runner)

    def _apply_demand(self, runner: SpecRunner) -> None:
        spec = runner.spec
        if not spec.on_demand:
            return
        if self._shown is not None and spec.pane not in self._shown:
            runner.wanted.clear()
            return
        if runner.wanted.is_set():
            return
        # Shown again: a sample from before the pause would be shown as current, and the
        # next rates would average the whole pause ("CPU%" over minutes). Forget it: the
        # pane waits for a fresh sample and its first rates are unknown for one tick.
        sample = self.store.get(spec.name)
        if sample is None or self.clock.monotonic() - sample.reading.monotonic > 2 * runner.interval:
            self.store.forget(spec.name)
        runner.wanted.set()

    def head_start(self) -> None:
        """Begin the first collection of every wanted synchronous collector now (:meth:`SpecRunner.head_start`).

        Call it before the event loop runs, after :meth:`show` named the panes on screen:
        an on-demand collector whose pane is not shown does not start.
        """
        for runner in self.runners:
            if runner.wanted.is_set():
                runner.head_start()

    def take_head_starts(self, wait: float = 0.0) -> list[Sample]:
        """The samples of the head starts that have finished, stored now (:meth:`SpecRunner.take_head_start`).

        Waits up to ``wait`` seconds for those still running, blocking the caller: a head
        start of /proc reads takes under a millisecond of CPU, but the worker thread
        waits for the interpreter lock after every read while the event loop's thread
        starts Textual (5 ms each, ``sys.getswitchinterval``), so one run of three
        collectors had not finished 25 ms after it began. Blocked here, the caller lets
        them finish at once; one that hangs costs ``wait`` once and is taken the usual way.
        """
        running = [r._head_start for r in self.runners if r._head_start is not None]
        if running and wait > 0:
            concurrent.futures.wait(running, timeout=wait)
        return [sample for runner in self.runners if (sample := runner.take_head_start()) is not None]

    def lanes(self) -> dict[str, list[SpecRunner]]:
        """Runners by lane name."""
        out: dict[str, list[SpecRunner]] = {}
        for runner in self.runners:
            out.setdefault(runner.spec.lane, []).append(runner)
        return out

    async def collect_round(self) -> list[Sample]:
        """Run every collector once, concurrently."""
        return list(await asyncio.gather(*(r.collect_once() for r in self.runners)))

    async def run_forever(self, on_sample: OnSample) -> None:
        """Run every collector on its schedule until cancelled."""
        await asyncio.gather(*(r.run_forever(on_sample) for r in self.runners))

    def close(self) -> None:
        """Close sources and stop the worker threads without waiting for hung calls."""
        for runner in self.runners:
            runner.close()
        self.pool.shutdown(wait=False, cancel_futures=True)
