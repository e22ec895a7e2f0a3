"""The collectors' shared worker pool: bounded threads, FIFO, and hung calls handed off."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from edgetop.engine.workers import THREAD_PREFIX, WorkerPool
from tests.fake_clock import GUARD_SECONDS
from tests.helpers import wait_until


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    p = WorkerPool(size=2, name="t")
    yield p
    p.shutdown(wait=False, cancel_futures=True)


def test_results_exceptions_and_thread_names(pool: WorkerPool) -> None:
    assert pool.submit(lambda a, b: a + b, 2, b=3).result(GUARD_SECONDS) == 5
    with pytest.raises(KeyError, match="MemTotal"):
        pool.submit(lambda: {}["MemTotal"]).result(GUARD_SECONDS)
    name = pool.submit(lambda: threading.current_thread().name).result(GUARD_SECONDS)
    assert name.startswith(f"{THREAD_PREFIX}t-")
    assert threading.current_thread().name != name


def test_calls_run_in_submission_order_on_at_most_size_threads(pool: WorkerPool) -> None:
    gate = threading.Event()
    order: list[int] = []
    first = [pool.submit(gate.wait, GUARD_SECONDS) for _ in range(2)]  # both workers busy
    later = [pool.submit(order.append, i) for i in range(50)]
    assert pool.threads() == 2 and order == []  # queued, not run by new threads
    gate.set()
    for f in (*first, *later):
        f.result(GUARD_SECONDS)
    assert order == list(range(50)) and pool.threads() == 2


def test_a_hung_call_is_replaced_then_its_thread_leaves(pool: WorkerPool) -> None:
    release, entered = threading.Event(), threading.Event()

    def hung() -> str:
        entered.set()
        release.wait(GUARD_SECONDS)
        return "late"

    stuck = pool.submit(hung)
    assert entered.wait(GUARD_SECONDS)
    assert pool.hand_off(stuck) and not pool.hand_off(stuck)  # once only
    assert pool.threads() == 3
    # The pool still has two free threads for everyone else.
    gate = threading.Event()
    both = [pool.submit(gate.wait, GUARD_SECONDS) for _ in range(2)]
    wait_until("both calls running", lambda: len(pool._running) == 3, GUARD_SECONDS, 0.01)
    gate.set()
    assert all(f.result(GUARD_SECONDS) for f in both)
    release.set()
    assert stuck.result(GUARD_SECONDS) == "late"
    wait_until("the written-off thread leaving", lambda: pool.threads() == 2, GUARD_SECONDS, 0.01)
    assert pool.submit(lambda: 7).result(GUARD_SECONDS) == 7


def test_hand_off_of_a_finished_or_queued_call_does_nothing(pool: WorkerPool) -> None:
    done = pool.submit(int)
    done.result(GUARD_SECONDS)
    assert not pool.hand_off(done)
    assert pool.threads() == 2


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
