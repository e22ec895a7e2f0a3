"""The collectors' shared worker pool: one thread for quick calls, spares for slow ones, hung calls handed off."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from edgetop.engine.workers import GROW_AFTER, THREAD_PREFIX, WorkerPool
from tests.fake_clock import GUARD_SECONDS
from tests.helpers import wait_until


class Ticks:
    """The clock a pool reads a running call's age on, moved by the test."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def pool(ticks: Ticks) -> Iterator[WorkerPool]:
    p = WorkerPool(size=2, name="t", monotonic=ticks)
    yield p
    p.shutdown(wait=False, cancel_futures=True)


def busy(pool: WorkerPool) -> tuple[threading.Event, object]:
    """Occupy one worker until the returned gate is set; returns once the call runs."""
    gate, entered = threading.Event(), threading.Event()
    future = pool.submit(lambda: entered.set() or gate.wait(GUARD_SECONDS))
    assert entered.wait(GUARD_SECONDS)
    return gate, future


def test_results_exceptions_and_thread_names(pool: WorkerPool) -> None:
    assert pool.submit(lambda a, b: a + b, 2, b=3).result(GUARD_SECONDS) == 5
    with pytest.raises(KeyError, match="MemTotal"):
        pool.submit(lambda: {}["MemTotal"]).result(GUARD_SECONDS)
    name = pool.submit(lambda: threading.current_thread().name).result(GUARD_SECONDS)
    assert name.startswith(f"{THREAD_PREFIX}t-")
    assert threading.current_thread().name != name


def test_quick_calls_and_a_burst_share_one_thread(pool: WorkerPool) -> None:
    for i in range(20):
        assert pool.submit(int, str(i)).result(GUARD_SECONDS) == i
    gate, first = busy(pool)
    order: list[int] = []
    later = [pool.submit(order.append, i) for i in range(50)]  # a tick's burst behind a call just begun
    assert pool.threads() == 1 and order == []
    gate.set()
    for f in (first, *later):
        f.result(GUARD_SECONDS)
    assert order == list(range(50)) and pool.threads() == 1


def test_a_slow_call_lets_a_spare_start_up_to_the_size(pool: WorkerPool, ticks: Ticks) -> None:
    gate, slow = busy(pool)
    ticks.now += 2 * GROW_AFTER
    # Submitted while the only worker has run one call for GROW_AFTER: a spare runs it now.
    assert pool.submit(lambda: "quick").result(GUARD_SECONDS) == "quick"
    assert pool.threads() == 2 and not slow.done()  # type: ignore[attr-defined]
    gate2, slow2 = busy(pool)
    ticks.now += 2 * GROW_AFTER
    order: list[int] = []
    later = [pool.submit(order.append, i) for i in range(20)]
    assert pool.threads() == 2 and order == []  # the size bounds the spares: these wait, in order
    gate.set()
    gate2.set()
    for f in (slow, slow2, *later):
        f.result(GUARD_SECONDS)  # type: ignore[attr-defined]
    assert order == list(range(20)) and pool.threads() == 2


def test_a_spare_leaves_after_idling_and_the_first_worker_stays(ticks: Ticks) -> None:
    pool = WorkerPool(size=3, name="i", monotonic=ticks, idle_seconds=0.05)
    try:
        gate, slow = busy(pool)
        ticks.now += 2 * GROW_AFTER
        assert pool.submit(lambda: 1).result(GUARD_SECONDS) == 1
        assert pool.threads() == 2
        gate.set()
        slow.result(GUARD_SECONDS)  # type: ignore[attr-defined]
        wait_until("the spare leaving", lambda: pool.threads() == 1, GUARD_SECONDS, 0.01)
        # The first worker never idles out, and the pool still grows when it must.
        assert pool.submit(lambda: 2).result(GUARD_SECONDS) == 2 and pool.threads() == 1
        gate, slow = busy(pool)
        ticks.now += 2 * GROW_AFTER
        assert pool.submit(lambda: 3).result(GUARD_SECONDS) == 3 and pool.threads() == 2
        gate.set()
        slow.result(GUARD_SECONDS)  # type: ignore[attr-defined]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def test_a_hung_call_is_replaced_then_its_thread_leaves(pool: WorkerPool) -> None:
    release, entered = threading.Event(), threading.Event()

    def hung() -> str:
        entered.set()
        release.wait(GUARD_SECONDS)
        return "late"

    stuck = pool.submit(hung)
    assert entered.wait(GUARD_SECONDS)
    assert pool.threads() == 1
    assert pool.hand_off(stuck) and not pool.hand_off(stuck)  # once only
    assert pool.threads() == 2  # the hung one and its replacement
    # Everyone else is served by the replacement while the hung call holds its thread.
    assert pool.submit(lambda: 7).result(GUARD_SECONDS) == 7
    release.set()
    assert stuck.result(GUARD_SECONDS) == "late"
    # Back from the hang with the pool below its size: it rejoins instead of leaving.
    wait_until("the hung call forgotten", lambda: not pool._running, GUARD_SECONDS, 0.01)
    assert pool.threads() == 2 and pool.submit(lambda: 8).result(GUARD_SECONDS) == 8


def test_a_hung_thread_leaves_when_it_returns_to_a_full_pool(ticks: Ticks) -> None:
    pool = WorkerPool(size=1, name="h", monotonic=ticks)
    try:
        release, entered = threading.Event(), threading.Event()
        stuck = pool.submit(lambda: entered.set() or release.wait(GUARD_SECONDS))
        assert entered.wait(GUARD_SECONDS)
        assert pool.hand_off(stuck) and pool.threads() == 2
        assert pool.submit(lambda: 5).result(GUARD_SECONDS) == 5
        release.set()
        assert stuck.result(GUARD_SECONDS) is True
        wait_until("the written-off thread leaving", lambda: pool.threads() == 1, GUARD_SECONDS, 0.01)
        assert pool.submit(lambda: 6).result(GUARD_SECONDS) == 6
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def test_hand_off_of_a_finished_or_queued_call_does_nothing(pool: WorkerPool) -> None:
    done = pool.submit(int)
    done.result(GUARD_SECONDS)
    assert not pool.hand_off(done)
    gate, _running = busy(pool)
    queued = pool.submit(int)
    assert not pool.hand_off(queued)
    assert pool.threads() == 1
    gate.set()
    assert queued.result(GUARD_SECONDS) == 0


def test_shutdown_cancels_what_waits_and_refuses_more() -> None:
    pool = WorkerPool(size=1, name="s")
    gate, entered = threading.Event(), threading.Event()
    running = pool.submit(lambda: entered.set() or gate.wait(GUARD_SECONDS))
    assert entered.wait(GUARD_SECONDS)
    queued = pool.submit(int)
    pool.shutdown(wait=False, cancel_futures=True)
    assert queued.cancelled()
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(int)
    gate.set()
    assert running.result(GUARD_SECONDS) is True
    wait_until("the worker leaving", lambda: pool.threads() == 0, GUARD_SECONDS, 0.01)


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least one"):
        WorkerPool(size=0)
