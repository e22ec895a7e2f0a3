"""The header's first line: identity, load, edgetop's own cost, dropped in order as the width shrinks."""

from __future__ import annotations

import pytest

from edgetop.collectors import self_cost
from edgetop.collectors.host import HostInfo
from edgetop.collectors.self_cost import SelfRaw, SelfView
from edgetop.config_schema import Config
from edgetop.engine.store import Store
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.widgets.header import HOST_CPUS, HeaderBar
from tests.helpers import reading

HOST = HostInfo(hostname="edge-01", kernel="6.1.0-27-amd64", uptime_seconds=3 * 3600 + 60, load1=0.5,
                load5=0.25, load15=0.125, runnable=1, threads=300, cpus=2)
ME = SelfView(SelfRaw(cpu_seconds_total=12.0, rss_bytes=60 * 1024 * 1024, threads=9, cpus=HOST_CPUS), 0.025)


def test_the_full_line_shows_edgetop_s_own_cost() -> None:
    line = HeaderBar._identity(HOST, 3, ME).plain
    assert line.endswith("load 0.50 0.25 0.12  self 2.5% 60.0MiB")
    assert "6.1.0-27-amd64" in line


def test_detail_goes_kernel_first_then_the_cost_then_the_long_loads() -> None:
    assert "6.1.0" not in HeaderBar._identity(HOST, 2, ME).plain
    assert "self" in HeaderBar._identity(HOST, 2, ME).plain
    assert "self" not in HeaderBar._identity(HOST, 1, ME).plain
    assert HeaderBar._identity(HOST, 0, ME).plain.endswith("load 0.50")


@pytest.mark.skipif(len(HOST_CPUS) < 2, reason="a pinned process differs from the host's CPUs only with two")
def test_a_pinned_edgetop_says_where() -> None:
    pinned = SelfView(SelfRaw(12.0, None, 9, frozenset({min(HOST_CPUS)})), None)
    assert HeaderBar._cost(pinned).plain == f"  self ? n/a @{min(HOST_CPUS)}"


def test_no_sample_no_cost() -> None:
    assert HeaderBar._cost(None).plain == ""


def test_the_own_cpu_is_the_last_minute_s_mean_not_one_tick_s_step() -> None:
    """One second's share is 0 %, 1 % or 2 % at a 10 ms clock tick; the header shows the minute's mean."""
    ctx = Context(config=Config(interval=1.0), procfs=ProcFS(), sysfs=SysFS())
    store = Store(ctx.config)
    spec = self_cost.specs(ctx)[0]
    header = HeaderBar(store, read_only=False, kiosk=False)
    assert header._self_cpu_ratio() is None  # no rate yet
    cpu_seconds = 100.0
    # 90 seconds: the first 30 at 5 %, then a minute in steps of 0 and 2 ticks (1 % on average).
    for second, ticks in enumerate([5] * 30 + [0, 2] * 30):
        cpu_seconds += ticks * 0.01
        store.update(spec, reading("self", SelfRaw(cpu_seconds, 60 << 20, 6, None), monotonic=float(second)))
    assert store.get("self").view.cpu_ratio == pytest.approx(0.02)  # type: ignore[union-attr]  # the last second
    assert header._self_cpu_ratio() == pytest.approx(0.01)
    assert HeaderBar._cost(SelfView(SelfRaw(0.0, 60 << 20, 6, None), header._self_cpu_ratio())).plain.startswith(
        "  self 1.0% ")
