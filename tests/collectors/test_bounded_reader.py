"""The bounded reader on real threads: a hang is blamed on one key, costs bounded threads, and heals."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from edgetop.collectors.bounded_reader import BoundedReader, Job, ReadTimeout
from edgetop.errors import SourceUnavailable


class Attribute:
    """A stand-in attribute: answers at once, or blocks until released; counts its reads."""

    def __init__(self, value: int) -> None:
        self.value = value
        self.hangs = False
        self.inode = 1
        self.reads = 0
        self.gate = threading.Event()

    def read(self) -> int:
        self.reads += 1
        if self.hangs:
            self.gate.wait(30)
        return self.value

    def job(self) -> Job[int]:
        return Job(self.read, lambda: self.inode)


@pytest.fixture
def attrs() -> Iterator[dict[str, Attribute]]:
    made = {name: Attribute(n) for n, name in enumerate(("a", "b", "c", "d"), start=1)}
    yield made
    for a in made.values():  # never leave a thread blocked behind the test
        a.gate.set()


def chip(attrs: dict[str, Attribute]) -> dict[str, list[tuple[str, Job[int]]]]:
    return {"chip": [(name, a.job()) for name, a in attrs.items()]}


def results(reader: BoundedReader, attrs: dict[str, Attribute]) -> dict[str, int | SourceUnavailable]:
    return reader.run_sequences(chip(attrs))


def test_one_hung_key_costs_only_itself(attrs: dict[str, Attribute]) -> None:
    reader = BoundedReader(timeout_seconds=0.3, workers=1)
    attrs["b"].hangs = True
    got = results(reader, attrs)
    assert (got["a"], got["c"], got["d"]) == (1, 3, 4), "the keys behind the hang were not read"
    assert isinstance(got["b"], ReadTimeout) and "no answer within 0.3 s" in str(got["b"])
    threads = threading.active_count()
    again = results(reader, attrs)
    assert isinstance(again["b"], ReadTimeout) and "has not returned" in str(again["b"])
    assert (again["a"], again["c"], again["d"]) == (1, 3, 4)
    assert attrs["b"].reads == 1, "a parked key whose file did not change was read again"
    assert threading.active_count() == threads


def test_a_replaced_file_is_read_again_and_answers(attrs: dict[str, Attribute]) -> None:
    reader = BoundedReader(timeout_seconds=0.3, workers=1)
    attrs["a"].hangs = True
    assert isinstance(results(reader, attrs)["a"], ReadTimeout)
    attrs["a"].hangs, attrs["a"].inode = False, 2  # the hung file was swapped for a good one
    assert results(reader, attrs)["a"] == 1
    assert results(reader, attrs)["a"] == 1
    assert reader.blocked_reads() == 1  # the first read is still parked, blamed on nobody
    attrs["a"].gate.set()
    wait_until(lambda: reader.blocked_reads() == 0)


def test_a_hung_bus_parks_at_most_max_stuck_threads(attrs: dict[str, Attribute]) -> None:
    reader = BoundedReader(timeout_seconds=0.2, workers=1)
    for a in attrs.values():
        a.hangs = True
    got = results(reader, attrs)
    assert all(isinstance(v, ReadTimeout) for v in got.values())
    assert "the bus does not answer" in str(got["c"]) and "a, b" in str(got["c"])
    assert reader.blocked_reads() == BoundedReader.MAX_STUCK
    results(reader, attrs)
    assert [a.reads for a in attrs.values()] == [1, 1, 0, 0], "a hung bus was read again"


def test_a_key_that_hangs_for_good_costs_at_most_max_attempts(attrs: dict[str, Attribute]) -> None:
    reader = BoundedReader(timeout_seconds=0.1, workers=1)
    attrs["a"].hangs = True
    for inode in range(10):  # replaced every tick and still hanging
        attrs["a"].inode = inode
        got = results(reader, attrs)
        assert got["d"] == 4
    assert attrs["a"].reads == BoundedReader.MAX_ATTEMPTS
    assert reader.blocked_reads() == BoundedReader.MAX_ATTEMPTS


def test_a_returned_read_makes_the_key_fresh(attrs: dict[str, Attribute]) -> None:
    reader = BoundedReader(timeout_seconds=0.2, workers=1)
    attrs["c"].hangs = True
    results(reader, attrs)
    attrs["c"].hangs = False
    attrs["c"].gate.set()  # the driver answers at last
    wait_until(lambda: reader.blocked_reads() == 0)
    assert results(reader, attrs)["c"] == 3


def test_refusals_pass_through(attrs: dict[str, Attribute]) -> None:
    def refuse() -> int:
        raise SourceUnavailable("EAGAIN")

    got = BoundedReader(timeout_seconds=1.0).run({"x": refuse, "y": attrs["a"].job()})
    assert str(got["x"]) == "EAGAIN" and not isinstance(got["x"], ReadTimeout)
    assert got["y"] == 1


def wait_until(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    done = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if cond():
            return
        done.wait(0.02)
    raise AssertionError("condition not reached")
