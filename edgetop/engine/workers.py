"""Worker threads shared by every collector: one while calls are quick, more only while one is slow.

Collectors are short and mostly wait on the kernel or a daemon (under the GIL, more threads
do not make Python faster), so a small pool serves them all: 22 single-thread executors
(one per collector) held 22 threads, each with its own malloc arena, and the soak benchmark
saw RSS creep with them. What a thread per collector bought was isolation from a hung
driver call; here the runner that gave up on a call hands it off (:meth:`WorkerPool.hand_off`):
its thread is written off, a fresh one takes its place, and when the hung call finally
returns its thread leaves if the pool is full again.

A tick's calls take microseconds to a few milliseconds each, so one thread runs them all
in turn. A second (up to ``size``) starts only for a call that has waited :data:`GROW_AFTER`
seconds while every worker was busy (behind a libvirt host with 1,000 domains, a smartctl
run, a call that hangs): the event loop that submitted it looks again that much later, and
a submission from any thread starts one at once when a running call is already that old.
A call goes to the worker that went idle last (a stack, not a shared queue, which would
spread calls over every thread and keep them all alive), so the others stay idle, and a
worker beyond the first that has had nothing to do for :data:`IDLE_SECONDS` leaves. So the
threads are one, plus one per slow call running now, plus the calls hung right now (never
more than one per collector: a runner never starts a second call while its first still runs).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, Literal, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# The name every worker thread starts with: ``edgetop snapshot`` ends the process at once when
# one of them is still stuck in a driver call (cli.leave), instead of waiting for it forever.
THREAD_PREFIX = "lane-"
DEFAULT_SIZE = 3
# How long a call may wait for a busy worker before a spare starts (if the size allows):
# long enough that a tick's burst of quick calls shares one thread.
GROW_AFTER = 0.1
# A worker beyond the first leaves after this long without a call (a slow phase has passed).
IDLE_SECONDS = 10.0

_Job = tuple[Callable[[], Any], "Future[Any]"]


class WorkerPool(Executor):
    """Up to ``size`` daemon threads taking calls in order of submission."""

    def __init__(self, size: int = DEFAULT_SIZE, name: str = "worker", *,
                 monotonic: Callable[[], float] = time.monotonic, idle_seconds: float = IDLE_SECONDS) -> None:
        """Prepare up to ``size`` workers; the first starts on the first submission.

        Args:
            size: the most workers that take calls at once (hung ones not counted).
            name: part of every worker thread's name.
            monotonic: the clock a running call's age is read on (a test moves its own).
            idle_seconds: how long a worker beyond the first waits for a call before it leaves.

        """
        if size < 1:
            raise ValueError("a worker pool needs at least one thread")
        self.size = size
        self._name = name
        self._monotonic = monotonic
        self._idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._jobs: deque[_Job] = deque()
        self._idle: list[threading.Event] = []  # the wake-up of each idle worker, the latest last
        self._healthy = 0  # workers that take new calls (the others are stuck in a handed-off call)
        self._threads: set[threading.Thread] = set()
        self._stuck: set[threading.Thread] = set()
        self._running: dict[Future[Any], tuple[threading.Thread, float]] = {}  # thread, started
        self._serial = 0
        self._closed = False

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Queue ``fn(*args, **kwargs)``; its future completes from a worker thread."""
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is shut down")
            self._jobs.append((lambda: fn(*args, **kwargs), future))
            # One awake worker takes a burst's calls in turn; another is woken (or started)
            # only when none is awake, or one has run a call for GROW_AFTER already.
            if self._healthy == len(self._idle) or self._slow_call_running():
                self._add_worker()
            look_again = bool(self._idle) or self._healthy < self.size
        if look_again:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # a thread without a loop: the age rule above serves it
                pass
            else:
                # The loop's own timer, not the engine's clock: this is about how long a
                # thread takes to pick a call up, which a test's clock cannot stand in for.
                loop.call_later(GROW_AFTER, self._grow_if_waiting, future)
        return future

    def hand_off(self, future: Future[Any]) -> bool:
        """Write off the thread running ``future`` (its caller stopped waiting); True if one was.

        A replacement starts at once, so the other collectors keep their workers.
        """
        with self._lock:
            running = self._running.get(future)
            if running is None or running[0] in self._stuck:
                return False
            self._stuck.add(running[0])
            self._healthy -= 1
            if not self._closed:
                self._start_worker()
            return True

    def threads(self) -> int:
        """How many worker threads are alive (the busy and idle ones plus the hung ones)."""
        with self._lock:
            return len(self._threads)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking calls; idle workers leave. Never waits for a hung call (``wait`` joins the others)."""
        with self._lock:
            self._closed = True
            threads = list(self._threads - self._stuck)
            cancelled = list(self._jobs) if cancel_futures else []
            if cancel_futures:
                self._jobs.clear()
            while self._idle:
                self._idle.pop().set()
        for _call, future in cancelled:
            future.cancel()
        if wait:
            for thread in threads:
                if thread is not threading.current_thread():
                    thread.join()

    def _grow_if_waiting(self, future: Future[Any]) -> None:
        """Wake or start another worker when ``future`` still waits for a busy one."""
        with self._lock:
            if not self._closed and not future.running() and not future.done():
                self._add_worker()

    def _add_worker(self) -> None:
        """Wake the worker that went idle last, or start one if the size allows (lock held)."""
        if self._idle:
            self._idle.pop().set()
        elif self._healthy < self.size:
            self._start_worker()

    def _slow_call_running(self) -> bool:
        """Whether some healthy worker runs a call for :data:`GROW_AFTER` or longer (lock held)."""
        now = self._monotonic()
        return any(now - started >= GROW_AFTER for thread, started in self._running.values()
                   if thread not in self._stuck)

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
        wake = threading.Event()
        counted = True  # whether this worker still counts among the healthy ones
        try:
            while True:
                job = self._next_call(me, wake)
                if not job:  # None: the pool shut down; False: an idle spare left (uncounted already)
                    counted = job is None
                    return
                call, future = job
                job = None  # drop the references while waiting for the next call
                if not future.set_running_or_notify_cancel():
                    continue
                with self._lock:
                    self._running[future] = (me, self._monotonic())
                try:
                    future.set_result(call())
                except BaseException as err:  # handed to the caller, as ThreadPoolExecutor does
                    future.set_exception(err)
                del call
                if self._after_call(me, future):
                    counted = False
                    return
        finally:
            with self._lock:
                self._threads.discard(me)
                self._stuck.discard(me)
                if counted:
                    self._healthy -= 1

    def _next_call(self, me: threading.Thread, wake: threading.Event) -> _Job | Literal[False] | None:
        """The next call for ``me``; None once the pool shuts down, False when ``me`` idled out as a spare."""
        while True:
            with self._lock:
                if self._jobs:
                    return self._jobs.popleft()
                if self._closed:
                    return None
                wake.clear()
                self._idle.append(wake)
            while not wake.wait(self._idle_seconds):
                with self._lock:
                    if wake not in self._idle:  # a submission picked this worker just now
                        break
                    if self._healthy > 1:
                        self._idle.remove(wake)
                        self._healthy -= 1
                        return False

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
