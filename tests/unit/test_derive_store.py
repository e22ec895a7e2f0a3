"""derive (rates never negative), the store (history rings, last good view, failed derives), merge_sections."""

from __future__ import annotations

from typing import Any

import pytest

from edgetop.collectors.cpu import derive_cpu
from edgetop.collectors.memory import derive_memory
from edgetop.collectors.proc_stat import parse_proc_stat
from edgetop.collectors.processes import ProcessesRaw, ProcessRaw, derive_processes
from edgetop.config_schema import Config, Level, Thresholds
from edgetop.engine.store import Store, merge_sections
from edgetop.model.alerts import Alert, Severity, level_above, level_below
from edgetop.model.derive import delta, rate, share
from edgetop.model.reading import Status
from tests.helpers import fake_spec, reading


@pytest.mark.parametrize(("prev", "cur", "expected"), [
    (None, 5.0, None), (5.0, None, None), (10.0, 4.0, None), (4.0, 4.0, 0.0), (4.0, 10.0, 6.0),
    (2**64 - 10, 5, None),  # a 64-bit wrap
])
def test_delta(prev: float | None, cur: float | None, expected: float | None) -> None:
    assert delta(prev, cur) == expected


@pytest.mark.parametrize(("prev", "cur", "elapsed", "expected"), [
    (10.0, 4.0, 1.0, None), (0.0, 10.0, 0.0, None), (0.0, 10.0, -1.0, None), (0.0, 10.0, 2.0, 5.0),
    (None, 1.0, 1.0, None),
])
def test_rate_never_negative(prev: float | None, cur: float | None, elapsed: float, expected: float | None) -> None:
    assert rate(prev, cur, elapsed) == expected


@pytest.mark.parametrize(("part", "whole", "expected"), [
    (1.0, 4.0, 0.25), (5.0, 4.0, 1.0), (-1.0, 4.0, 0.0), (1.0, 0.0, None), (None, 1.0, None), (1.0, None, None),
])
def test_share_clamped(part: float | None, whole: float | None, expected: float | None) -> None:
    assert share(part, whole) == expected


def test_cpu_counter_going_backwards_gives_unknown_not_negative() -> None:
    before = parse_proc_stat("cpu  1000 0 500 8000 10 0 0 50\ncpu0 500 0 250 4000 5 0 0 25\n"
                             "cpu1 500 0 250 4000 5 0 0 25\n")
    # cpu1 was unplugged and re-plugged: its counters restarted near 0.
    after = parse_proc_stat("cpu  1100 0 510 8090 10 0 0 60\ncpu0 600 0 260 4090 5 0 0 35\n"
                            "cpu1 3 0 1 10 0 0 0 0\n")
    from edgetop.collectors.cpu import CpuRaw

    view = derive_cpu(CpuRaw(before, (), None), CpuRaw(after, (), None), 1.0)
    cpu0, cpu1 = view.cores
    assert cpu1.user_ratio is None and cpu1.steal_ratio is None and cpu1.idle_ratio is None
    assert cpu1.busy_ratio is None
    assert cpu0.steal_ratio == pytest.approx(10 / 210)  # user 100, system 10, idle 90, steal 10
    for r in (view.total, cpu0):
        for name in ("user", "system", "iowait", "irq", "softirq", "steal", "idle"):
            value = getattr(r, f"{name}_ratio")
            assert value is None or value >= 0


def test_memory_swap_counter_reset_gives_none() -> None:
    from edgetop.collectors.memory import MemoryRaw

    mem = {"MemTotal": 1000, "MemAvailable": 400}
    prev = MemoryRaw(mem, 500, 500, 900, (), None, None)
    cur = MemoryRaw(mem, 10, 600, 1000, (), None, None)
    view = derive_memory(prev, cur, 2.0)
    assert view.swap_in_pages_per_second is None
    assert view.swap_out_pages_per_second == 50.0
    assert view.major_faults_per_second == 50.0
    assert derive_memory(None, cur, 0.0).swap_out_pages_per_second is None


def _proc(pid: int, cpu: float, start: int) -> ProcessRaw:
    return ProcessRaw(pid, 1, 0, "S", "x", "/x", False, cpu, 4096, 1, None, start, 0)


def test_process_cpu_ratio_reset_and_reuse() -> None:
    prev = ProcessesRaw((_proc(10, 5.0, 100), _proc(11, 5.0, 100), _proc(12, 1.0, 100)), 1 << 20)
    cur = ProcessesRaw((_proc(10, 6.0, 100), _proc(11, 4.0, 100), _proc(12, 9.0, 999)), 1 << 20)
    rows = {r.pid: r for r in derive_processes(prev, cur, 2.0).processes}
    assert rows[10].cpu_ratio == 0.5
    assert rows[11].cpu_ratio is None  # went backwards
    assert rows[12].cpu_ratio is None  # pid reused by a new process
    assert rows[10].memory_ratio == pytest.approx(4096 / (1 << 20))


# ---- merge_sections --------------------------------------------------------------------

@pytest.mark.parametrize(("values", "expected"), [
    ([], None),
    ([[1], [2, 3]], [1, 2, 3]),
    ([{"a": 1}, {"b": 2}], {"a": 1, "b": 2}),
    ([{"sources": [1], "x": 1}, {"sources": [2], "x": 2}], {"sources": [1, 2], "x": 2}),
    ([{"a": 1}], {"a": 1}),
    ([7], 7),
])
def test_merge_sections(values: list[Any], expected: Any) -> None:
    assert merge_sections(values) == expected


def test_merge_sections_does_not_mutate_inputs() -> None:
    first, second = {"sources": [1]}, {"sources": [2]}
    listed = [1]
    merge_sections([first, second])
    merge_sections([listed, [2]])
    assert first == {"sources": [1]} and listed == [1]


# ---- the store ---------------------------------------------------------------------------

def test_store_derives_with_previous_raw_and_elapsed() -> None:
    seen: list[tuple[Any, Any, float]] = []

    def derive(prev: Any, cur: Any, elapsed: float) -> Any:
        seen.append((prev, cur, elapsed))
        return cur * 10

    store = Store(Config())
    spec = fake_spec(derive=derive, history=lambda v: {"v": v})
    store.update(spec, reading("c", 1, monotonic=100.0))
    sample = store.update(spec, reading("c", 2, monotonic=102.5))
    assert seen == [(None, 1, 0.0), (1, 2, 2.5)]
    assert sample.view == 20 and sample.last_view == 20
    assert store.history("c.v") == [10, 20]
    assert store.history("c.nothing") == []


def test_store_history_ring_is_bounded() -> None:
    store = Store(Config(), history_length=5)
    spec = fake_spec(history=lambda v: {"v": float(v), "gap": None})
    for i in range(12):
        store.update(spec, reading("c", i, monotonic=float(i)))
    assert store.history("c.v") == [7.0, 8.0, 9.0, 10.0, 11.0]
    assert store.history("c.gap") == [None] * 5


def test_store_keeps_last_view_when_source_goes_away() -> None:
    store = Store(Config())
    spec = fake_spec()
    store.update(spec, reading("c", "good", monotonic=1.0))
    ok_ts = store.get("c").last_ok_timestamp  # type: ignore[union-attr]
    sample = store.update(spec, reading("c", None, Status.UNAVAILABLE, "daemon down", monotonic=2.0))
    assert sample.view is None and sample.last_view == "good"
    assert sample.reading.reason == "daemon down" and sample.last_ok_timestamp == ok_ts
    assert store.status_counts() == {Status.OK: 0, Status.UNAVAILABLE: 1, Status.FAILED: 0}


@pytest.mark.parametrize("where", ["derive", "alerts", "history"])
def test_exception_in_derive_alerts_history_becomes_failed_reading(where: str) -> None:
    def boom(*args: Any) -> Any:
        raise ZeroDivisionError("bad math")

    store = Store(Config())
    spec = fake_spec(**{where: boom})
    sample = store.update(spec, reading("c", 1, monotonic=1.0))
    assert sample.reading.status is Status.FAILED
    assert sample.reading.reason == "derive: ZeroDivisionError: bad math"
    assert sample.view is None and sample.reading.value is None and sample.alerts == ()
    # the next good run works and does not derive against the failed raw
    ok = store.update(fake_spec(), reading("c", 2, monotonic=2.0))
    assert ok.reading.ok and ok.view == 2


def test_store_alerts_sorted_critical_first_and_counted() -> None:
    store = Store(Config())
    warn = Alert(Severity.WARNING, "a", "x", "m")
    crit = Alert(Severity.CRITICAL, "z", "y", "m")
    store.update(fake_spec(name="a", alerts=lambda v, c: [warn]), reading("a", 1, monotonic=1.0))
    store.update(fake_spec(name="z", alerts=lambda v, c: [crit]), reading("z", 1, monotonic=1.0))
    assert store.alerts() == [crit, warn]
    assert crit.to_json() == {"severity": "critical", "source": "z", "subject": "y", "message": "m"}


@pytest.mark.parametrize(("value", "above", "below"), [
    (None, None, None), (0.01, None, Severity.CRITICAL), (0.07, Severity.WARNING, Severity.WARNING),
    (0.04, None, Severity.CRITICAL),
    (0.10, Severity.WARNING, Severity.WARNING), (0.2, Severity.CRITICAL, None),
])
def test_levels(value: float | None, above: Severity | None, below: Severity | None) -> None:
    assert level_above(value, Level(0.05, 0.15)) == above
    assert level_below(value, Level(0.10, 0.05)) == below


def test_cpu_steal_alert_uses_thresholds() -> None:
    from edgetop.collectors.cpu import CpuRaw, cpu_alerts

    s1 = parse_proc_stat("cpu  100 0 0 100 0 0 0 0\n")
    s2 = parse_proc_stat("cpu  150 0 0 130 0 0 0 20\n")
    view = derive_cpu(CpuRaw(s1, (), None), CpuRaw(s2, (), None), 1.0)
    assert view.total.steal_ratio == pytest.approx(0.2)
    alerts = cpu_alerts(view, Config())
    assert [(a.severity, a.subject) for a in alerts] == [(Severity.CRITICAL, "steal")]
    quiet = Config(thresholds=Thresholds(cpu_steal_ratio=Level(None, None)))
    assert cpu_alerts(view, quiet) == []


def test_prometheus_rendering_edges() -> None:
    from edgetop.export.prometheus import escape_label, render_metrics
    from edgetop.model.spec import Metric

    text = render_metrics([
        Metric("a_total", 3.0, (("name", 'vm "x"\\\n'),), "counter", "things"),
        Metric("a_total", 2.5, (("name", "y"),), "counter"),
        Metric("b", float("nan")), Metric("c", float("inf")), Metric("d", float("-inf")), Metric("e", 1e20),
        Metric("ifHCInOctets", 5, (("ifIndex", "1"),), "counter", "octets", namespace=""),
    ])
    assert text.splitlines() == [
        "# HELP edgetop_a_total things", "# TYPE edgetop_a_total counter",
        'edgetop_a_total{name="vm \\"x\\"\\\\\\n"} 3.0', 'edgetop_a_total{name="y"} 2.5',
        "# HELP edgetop_b edgetop b", "# TYPE edgetop_b gauge", "edgetop_b NaN",
        "# HELP edgetop_c edgetop c", "# TYPE edgetop_c gauge", "edgetop_c +Inf",
        "# HELP edgetop_d edgetop d", "# TYPE edgetop_d gauge", "edgetop_d -Inf",
        "# HELP edgetop_e edgetop e", "# TYPE edgetop_e gauge", "edgetop_e 1e+20",
        # snmp_exporter's bare counter keeps its name and its counter type in the text format
        "# HELP ifHCInOctets octets", "# TYPE ifHCInOctets counter", 'ifHCInOctets{ifIndex="1"} 5.0',
    ]
    assert escape_label("a\nb") == "a\\nb"


def test_cpu_plugged_in_during_the_interval_is_unknown_not_since_boot() -> None:
    from edgetop.collectors.cpu import CpuRaw

    before = parse_proc_stat("cpu  100 0 100 800\ncpu0 100 0 100 800\n")
    after = parse_proc_stat("cpu  200 0 110 890 0 0 0 0\ncpu0 150 0 105 845\ncpu1 50 0 5 45\n")
    view = derive_cpu(CpuRaw(before, (), None), CpuRaw(after, (), None), 1.0)
    cpu0, cpu1 = view.cores
    assert cpu0.user_ratio == pytest.approx(0.5)
    assert cpu1.user_ratio is None and cpu1.idle_ratio is None and cpu1.guest_ratio is None


def test_history_has_gaps_while_the_source_is_down_or_a_series_is_gone() -> None:
    store = Store(Config())
    spec = fake_spec(history=lambda v: {"a": float(v)} | ({"b": 1.0} if v < 2 else {}))
    store.update(spec, reading("c", 1, monotonic=1.0))
    store.update(spec, reading("c", None, Status.UNAVAILABLE, "down", monotonic=2.0))
    store.update(spec, reading("c", 3, monotonic=3.0))
    assert store.history("c.a") == [1.0, None, 3.0]
    assert store.history("c.b") == [1.0, None, None]  # series b disappeared (a core went offline)
    other = fake_spec(name="cc", history=lambda v: {"a": 9.0})  # a name sharing the prefix "c" is not touched
    store.update(other, reading("cc", 1, monotonic=4.0))
    assert store.history("c.a") == [1.0, None, 3.0]


def test_a_series_gone_for_a_whole_ring_is_forgotten() -> None:
    store = Store(Config(), history_length=3)
    spec = fake_spec(history=lambda v: {"gone": 1.0} if v == 0 else {"kept": 2.0})
    for i in range(5):
        store.update(spec, reading("c", i, monotonic=float(i)))
    assert store.history("c.gone") == [] and store.history("c.kept") == [2.0, 2.0, 2.0]
