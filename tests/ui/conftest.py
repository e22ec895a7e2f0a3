"""Fixtures for Pilot tests of the whole app."""

from __future__ import annotations

import pytest

from edgetop.collectors import cpu, host, memory, processes
from edgetop.config_schema import Config
from edgetop.model.spec import CollectorSpec, Context
from edgetop.sources.fs import ProcFS, SysFS


@pytest.fixture
def live_ctx() -> Context:
    """This machine's /proc and /sys with a fast interval."""
    return Context(config=Config(interval=0.2), procfs=ProcFS(), sysfs=SysFS())


@pytest.fixture
def foundation_specs(live_ctx: Context) -> list[CollectorSpec]:
    """The foundation's collectors only (host, cpu, memory, processes)."""
    return [s for m in (host, cpu, memory, processes) for s in m.specs(live_ctx)]
