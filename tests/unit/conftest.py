"""Fixtures shared by the engine's unit tests (lanes, head starts)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.fake_clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    """Time that passes only when the test advances it."""
    return FakeClock()


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event hung collectors wait on; set at teardown so no thread outlives the test."""
    event = threading.Event()
    yield event
    event.set()
