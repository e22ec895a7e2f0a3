"""Time-boxed reads of sysfs attributes whose driver may block.

Reading a hwmon ``*_input`` or a thermal zone's ``temp`` makes many drivers talk to a bus
(SMBus, IPMI, NVMe admin commands, ACPI methods), which can block for seconds or for good.
Reads run on daemon threads; a collection waits for them only ``timeout_seconds`` per round.

What a hang is blamed on is one *key* (one sensor), never more: its thread is left parked
and the key is reported slow. Keys come in *sequences* (a chip: its channels share a bus,
so they are read one after another, never in parallel). When a sequence hangs on a key,
the keys after it are handed to a fresh thread in the same collection, so one hung
attribute does not blind its chip. A sequence with :attr:`BoundedReader.MAX_STUCK` hung
keys is taken for a hung bus: its other keys are not tried (each would park one more
thread) until a hung read returns.

A key whose read is still parked is not read again, unless the file under it was replaced
(its identity changed: a driver reloaded, a test's FIFO swapped back for a file) or
:attr:`BoundedReader.RETRY_SECONDS` passed; at most :attr:`BoundedReader.MAX_ATTEMPTS`
reads of one key are ever outstanding, so a key that hangs for good costs a bounded
number of threads, and one that comes back is read again without a restart.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from edgetop.errors import SourceUnavailable

T = TypeVar("T")


class ReadTimeout(SourceUnavailable):
    """A read did not answer in time: the sensor is *slow*, not broken."""


@dataclass(frozen=True, slots=True)
class Job(Generic[T]):
    """One key's read.

    Attributes:
        read: the blocking read; raises SourceUnavailable when the driver refuses.
        identity: what the read depends on (inode numbers of its files); called only
            for a key whose read hangs, and cheap (stat, never read). A change means a
            new read may succeed where the parked one hangs.

    """

    read: Callable[[], T]
    identity: Callable[[], Hashable] | None = None


@dataclass(slots=True)
class _Parked:
    """The outstanding reads of one key that hung."""

    group: str
    futures: list[Future[Any]]
    since: float
    last_attempt: float
    identity: Hashable


@dataclass(slots=True)
class _Run:
    """One sequence on one thread: keys in order, stopped once abandoned."""

    items: list[tuple[str, Job[Any], Future[Any]]]
    abandoned: bool = field(default=False)

    def __call__(self) -> None:
        for _key, job, future in self.items:
            if self.abandoned:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job.read())
            except BaseException as err:  # handed to the caller, which decides
                future.set_exception(err)


class BoundedReader:
    """Runs blocking reads on a few daemon threads and waits for them only so long."""

    MAX_THREADS = 32
    MAX_STUCK = 2  # hung keys in one sequence before its bus is taken for hung
    MAX_ATTEMPTS = 3  # outstanding reads of one key
    RETRY_SECONDS = 60.0  # a key hung that long is tried once more even if its files did not change
    ROUNDS = 2  # fresh threads for the keys behind a hang, per collection

    def __init__(self, timeout_seconds: float, workers: int = 1) -> None:
        """Create the reader; threads start on first use.

        One thread reads the chips one after another: a healthy attribute answers in
        microseconds, so a second only costs memory (its stack and malloc arena) and
        counts against the monitor's own footprint. When a read hangs, the chips queued
        behind it wait for that round's deadline only, then get a fresh thread (see the
        module's docstring), and the hung key is not tried again on the next rounds.
        """
        self.timeout_seconds = timeout_seconds
        self._workers = workers
        self._jobs: queue.SimpleQueue[_Run] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._parked: dict[str, _Parked] = {}
        self._orphans: list[Future[Any]] = []  # parked reads of keys that answered since
        self._lock = threading.Lock()

    def _worker(self) -> None:
        while True:
            self._jobs.get()()

    def blocked_reads(self) -> int:
        """How many reads hang right now (each holds one thread)."""
        parked = sum(1 for p in self._parked.values() for f in p.futures if not f.done())
        return parked + sum(1 for f in self._orphans if not f.done())

    def _start(self) -> None:
        with self._lock:
            want = min(self.MAX_THREADS, self._workers + self.blocked_reads())
            while len(self._threads) < want:
                t = threading.Thread(target=self._worker, name="hwmon-read", daemon=True)
                t.start()
                self._threads.append(t)

    def run(self, jobs: Mapping[str, Callable[[], T] | Job[T]]) -> dict[str, T | SourceUnavailable]:
        """Run independent jobs concurrently (each its own sequence); each result, or why not."""
        return self.run_sequences({key: [(key, fn if isinstance(fn, Job) else Job(fn))] for key, fn in jobs.items()})

    def run_sequences(
        self, sequences: Mapping[str, Sequence[tuple[str, Job[T]]]]
    ) -> dict[str, T | SourceUnavailable]:
        """Read every key: sequences in parallel, the keys of one sequence in order.

        Args:
            sequences: by group (a chip), its keys and their jobs; keys are unique.

        Returns:
            By key: the read's result, or SourceUnavailable saying why there is none
            (:class:`ReadTimeout` when the read is slow or was not tried).

        """
        now = time.monotonic()
        self._forget_returned()
        out: dict[str, T | SourceUnavailable] = {}
        todo: dict[str, list[tuple[str, Job[T]]]] = {}
        for group, items in sequences.items():
            fresh: list[tuple[str, Job[T]]] = []
            retry: list[tuple[str, Job[T]]] = []
            for key, job in items:
                parked = self._parked.get(key)
                if parked is None:
                    fresh.append((key, job))
                elif self._worth_retrying(parked, job, now):
                    retry.append((key, job))
                else:
                    out[key] = ReadTimeout(f"a read started {now - parked.since:.0f} s ago has not returned")
            if fresh and self._stuck(group) >= self.MAX_STUCK:
                for key, _job in fresh:
                    out[key] = ReadTimeout(self._bus_hung(group))
                fresh = []
            todo[group] = fresh + retry  # a retry goes last: it may hang again
        for _ in range(self.ROUNDS):
            todo = {g: items for g, items in todo.items() if items}
            if not todo:
                break
            todo = self._round(todo, out)
        for items in todo.values():
            for key, _job in items:
                out[key] = ReadTimeout(f"not read: no reader thread was free within {self.timeout_seconds:g} s")
        return out

    def _round(
        self, todo: dict[str, list[tuple[str, Job[T]]]], out: dict[str, T | SourceUnavailable]
    ) -> dict[str, list[tuple[str, Job[T]]]]:
        """Run sequences once with one deadline; return what is left to read (keys behind a hang)."""
        self._start()
        runs: dict[str, _Run] = {}
        for group, items in todo.items():
            run = _Run([(key, job, Future()) for key, job in items])
            runs[group] = run
            self._jobs.put(run)
        wait([f for run in runs.values() for _k, _j, f in run.items], timeout=self.timeout_seconds)
        left: dict[str, list[tuple[str, Job[T]]]] = {}
        for group, run in runs.items():
            run.abandoned = True
            rest: list[tuple[str, Job[T]]] = []
            for key, job, future in run.items:
                if future.cancel():  # never started: behind the hang
                    rest.append((key, job))
                elif future.done():
                    self._settle(key, future, out)
                else:  # started and not done: it hangs
                    self._park(group, key, job, future)
                    out[key] = ReadTimeout(f"no answer within {self.timeout_seconds:g} s")
            if rest and self._stuck(group) >= self.MAX_STUCK:
                for key, _job in rest:
                    out[key] = ReadTimeout(self._bus_hung(group))
            elif rest:
                left[group] = rest
        return left

    def _settle(self, key: str, future: Future[Any], out: dict[str, Any]) -> None:
        try:
            out[key] = future.result()
        except SourceUnavailable as err:
            out[key] = err
        # It answered: reads of it still parked no longer speak for it.
        parked = self._parked.pop(key, None)
        if parked is not None:
            self._orphans.extend(f for f in parked.futures if not f.done())

    def _park(self, group: str, key: str, job: Job[Any], future: Future[Any]) -> None:
        now = time.monotonic()
        identity = _identity(job)
        parked = self._parked.get(key)
        if parked is None:
            self._parked[key] = _Parked(group, [future], now, now, identity)
        else:
            parked.futures.append(future)
            parked.last_attempt, parked.identity = now, identity

    def _worth_retrying(self, parked: _Parked, job: Job[Any], now: float) -> bool:
        if len(parked.futures) >= self.MAX_ATTEMPTS:
            return False
        return now - parked.last_attempt >= self.RETRY_SECONDS or _identity(job) != parked.identity

    def _stuck(self, group: str) -> int:
        return sum(1 for p in self._parked.values() if p.group == group)

    def _bus_hung(self, group: str) -> str:
        hung = sorted(k.rsplit("/", 1)[-1] for k, p in self._parked.items() if p.group == group)
        return f"not read: {', '.join(hung)} on the same chip hang (the bus does not answer)"

    def _forget_returned(self) -> None:
        """Drop reads that returned; a key whose every parked read returned is fresh again."""
        for key in list(self._parked):
            parked = self._parked[key]
            parked.futures = [f for f in parked.futures if not f.done()]
            if not parked.futures:
                del self._parked[key]
        self._orphans = [f for f in self._orphans if not f.done()]


def _identity(job: Job[Any]) -> Hashable:
    if job.identity is None:
        return None
    try:
        return job.identity()
    except OSError:
        return None


def files_identity(paths: Iterable[str]) -> Hashable:
    """Which files these are: device, inode and type of each (None when absent).

    Only ``stat``: on sysfs it never calls the driver, so it is safe on a file whose
    read hangs. The paths are strings (``RootedFS.str_path``): this runs for every sensor
    on every tick, where a ``Path`` per file cost more than the ``stat``.
    """
    out: list[tuple[str, tuple[int, int, int] | None]] = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            out.append((path, None))
        else:
            out.append((path, (st.st_dev, st.st_ino, st.st_mode)))
    return tuple(out)
