"""A few worker threads shared by every collector; a call that outlives its timeout is handed off.

Collectors are short and mostly wait on the kernel or a daemon (under the GIL, more threads
do not make Python faster), so a small pool serves them all: 22 single-thread executors
(one per collector) held 22 threads, each with its own malloc arena, and the soak benchmark
saw RSS creep with them. What a thread per collector bought was isolation from a hung
driver call; here the runner that gave up on a call hands it off (:meth:`WorkerPool.hand_off`):
its thread is written off, a fresh one takes its place, and when the hung call finally
returns its thread leaves if the pool is full again. Threads = the pool's size plus the
calls that are hung right now, never more than one per collector (a runner never starts a
second call while its first still runs).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# The name every worker thread starts with: ``edgetop snapshot`` ends the process at once when
# one of them is still stuck in a driver call (cli.leave), instead of waiting for it forever.
THREAD_PREFIX = "lane-"
DEFAULT_SIZE = 3

_Job = tuple[Callable[[], Any], "Future[Any]"]


class WorkerPool(Executor):
    """``size`` daemon threads taking calls from one queue in order of submission."""

    def __init__(self, size: int = DEFAULT_SIZE, name: str = "worker") -> None:
        """Prepare ``size`` workers, started on the first submission."""
        if size < 1:
            raise ValueError("a worker pool needs at least one thread")
        self.size = size
        self._name = name
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._healthy = 0  # workers that take new calls (the others are stuck in a handed-off call)
        self._threads: set[threading.Thread] = set()
        self._stuck: set[threading.Thread] = set()
        self._running: dict[Future[Any], threading.Thread] = {}
        self._serial = 0
        self._closed = False

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Queue ``fn(*args, **kwargs)``; its future completes from a worker thread."""
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is shut down")
            while self._healthy < self.size:
                self._start_worker()
        self._queue.put((lambda: fn(*args, **kwargs), future))
        return future

    def hand_off(self, future: Future[Any]) -> bool:
        """Write off the thread running ``future`` (its caller stopped waiting); True if one was.

        A replacement starts at once, so the other collectors keep ``size`` threads.
        """
        with self._lock:
            thread = self._running.get(future)
            if thread is None or thread in self._stuck:
                return False
            self._stuck.add(thread)
            self._healthy -= 1
            if not self._closed:
                self._start_worker()
            return True

    def threads(self) -> int:
        """How many worker threads are alive (the size plus the hung ones)."""
        with self._lock:
            return len(self._threads)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking calls; idle workers leave. Never waits for a hung call (``wait`` joins the others)."""
        with self._lock:
            self._closed = True
            threads = list(self._threads - self._stuck)
            count = len(self._threads)
        if cancel_futures:
            while True:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[1].cancel()
        for _ in range(count):
            self._queue.put(None)
        if wait:
            for thread in threads:
                if thread is not threading.current_thread():
                    thread.join()

    def _start_worker(self) -> None:
        """Start one healthy worker (the lock is held)."""
        self._serial += 1
        thread = threading.Thread(target=self._work, name=f"{THREAD_PREFIX}{self._name}-{self._serial}",
                                  daemon=True)
        self._threads.add(thread)
        self._healthy += 1
        thread.start()

    def _work(self) -> None:
        me = threading.current_thread()
        written_off = False
        try:
            while (job := self._queue.get()) is not None:
                call, future = job
                job = None  # drop the references while waiting for the next call
                if not future.set_running_or_notify_cancel():
                    continue
                with self._lock:
                    self._running[future] = me
                try:
                    future.set_result(call())
                except BaseException as err:  # handed to the caller, as ThreadPoolExecutor does
                    future.set_exception(err)
                del call
                if self._after_call(me, future):
                    written_off = True
                    return
        finally:
            with self._lock:
                self._threads.discard(me)
                self._stuck.discard(me)
                if not written_off:
                    self._healthy -= 1

    def _after_call(self, me: threading.Thread, future: Future[Any]) -> bool:
        """Forget ``future``; True when this thread was written off and the pool is full without it."""
        with self._lock:
            del self._running[future]
            if me not in self._stuck:
                return False
            if self._healthy >= self.size or self._closed:
                return True
            self._stuck.discard(me)  # the pool is short (shrunk meanwhile): rejoin it
            self._healthy += 1
            return False
