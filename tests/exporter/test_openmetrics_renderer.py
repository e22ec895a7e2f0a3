"""The kept OpenMetrics renderer writes what prometheus_client's OpenMetrics encoder writes, scrape after scrape.

The reference is the code path ``encode`` takes without a renderer: the library's
``openmetrics.exposition.generate_latest`` over ``_openmetrics_ready(to_families(...))``.
Each render of a kept ``OpenMetricsRenderer`` is compared with it after renders of other
metrics that filled what the renderer keeps.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edgetop.config_schema import Config
from edgetop.export.exposition import encode
from edgetop.export.openmetrics import OpenMetricsRenderer
from edgetop.model.spec import Family, Metric
from tests.exporter.renderer_inputs import SIGNED_ZERO_SCRAPES, sample_values, vm

# What Prometheus 2.x sends: OpenMetrics first.
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")


def library(exposed: list[Metric | Family]) -> str:
    """prometheus_client's OpenMetrics of ``exposed``, as a scrape without a kept renderer gets it."""
    encoded = encode(exposed, PROMETHEUS_ACCEPT)
    assert encoded.content_type.startswith("application/openmetrics-text; version=1.0.0")
    return encoded.body.decode()


def test_a_kept_renderer_shows_changed_labels_and_values_and_no_series_or_family_that_is_gone() -> None:
    renderer = OpenMetricsRenderer()
    first: list[Metric | Family] = [
        Family("domain_state", [(*vm("a"), ("state", "running")), (*vm("b"), ("state", "running"))], [1.0, 1.0]),
        Family("domain_cpu_seconds_total", [vm("a"), vm("b")], [10.5, 20.25], "counter", "CPU \"time\"\\ used"),
        Family("domain_steal_ratio", [vm("b")], [0.5]),
        Family("ifHCInOctets", [(("ifIndex", "1"), ("target", "sw"))], [7.0], "counter", namespace=""),
        Metric("snmp_up", 1.0, (("target", "sw"),)),
    ]
    body = renderer.render(first).decode()
    assert body == library(first)
    lines = body.splitlines()
    # OpenMetrics' own lines: a counter's family without _total, its samples with it; units; a
    # bare counter typed unknown under its name; quotes escaped in HELP; EOF last
    assert "# TYPE edgetop_domain_cpu_seconds counter" in lines and "# UNIT edgetop_domain_cpu_seconds seconds" in lines
    assert 'edgetop_domain_cpu_seconds_total{domain="a",uuid="uuid-a"} 10.5' in lines
    assert "# TYPE ifHCInOctets unknown" in lines and "# UNIT edgetop_domain_steal_ratio ratio" in lines
    assert '# HELP edgetop_domain_cpu_seconds CPU \\"time\\"\\\\ used' in lines and lines[-1] == "# EOF"
    second: list[Metric | Family] = [
        # b paused (a label changed), a left (its first series is gone), c arrived; new values
        Family("domain_state", [(*vm("b"), ("state", "paused")), (*vm("c"), ("state", "running"))], [1.0, 1.0]),
        Family("domain_cpu_seconds_total", [vm("b"), vm("c")], [20.25, 1.0], "counter"),
        Metric("snmp_up", 0.0, (("target", "sw"),)),  # steal_ratio, ifHCInOctets: gone
    ]
    body = renderer.render(second).decode()
    assert body == library(second)
    assert 'domain="a"' not in body and 'state="running",uuid="uuid-b"' not in body
    assert "steal" not in body and "ifHCInOctets" not in body and body.endswith('{target="sw"} 0.0\n# EOF\n')
    third: list[Metric | Family] = [  # the same first series, the next one changed; then one fewer
        Family("domain_state", [(*vm("b"), ("state", "paused")), (*vm("c"), ("state", "shutoff"))], [1.0, 1.0]),
        Family("domain_cpu_seconds_total", [vm("b")], [20.5], "counter"),
    ]
    assert renderer.render(third).decode() == library(third)
    fourth: list[Metric | Family] = [  # the same series in another order; a family that came back
        Family("domain_cpu_seconds_total", [vm("c"), vm("b")], [2.0, 20.5], "counter"),
        Family("domain_state", [(*vm("b"), ("state", "paused"))], [1.0]),
        Family("ifHCInOctets", [(("ifIndex", "1"), ("target", "sw"))], [9.0], "counter", namespace=""),
    ]
    assert renderer.render(fourth).decode() == library(fourth)
    assert renderer.render([]).decode() == library([]) == "# EOF\n"


def test_counters_types_and_units_as_the_library_names_them() -> None:
    """A bare counter is unknown; ``x_total_total`` is the counter ``x_total``; a family keeps its first type."""
    exposed: list[Metric | Family] = [
        Metric("ifOutOctets", 3.0, (("ifIndex", "2"),), "counter", namespace=""),
        Metric("double_total_total", 1.0, kind="counter"),
        Metric("mixed_total", 1.0, kind="counter"), Metric("mixed", 2.0, kind="counter"),  # one family, bare
        Metric("clash_bytes", 1.0), Metric("clash_bytes_total", 5.0, kind="counter"),  # a gauge first: no counter
        Metric("rx_bytes_total", 4.0, kind="counter"), Metric("odd_total", 4.0),  # a gauge named _total
        Family("none", [], []),  # no samples: no family
    ]
    body = OpenMetricsRenderer().render(exposed).decode()
    assert body == library(exposed)
    types = [line for line in body.splitlines() if line.startswith(("# TYPE", "# UNIT"))]
    assert types == ["# TYPE ifOutOctets unknown", "# TYPE edgetop_double_total counter",
                     "# TYPE edgetop_mixed unknown", "# TYPE edgetop_clash_bytes gauge",
                     "# UNIT edgetop_clash_bytes bytes", "# TYPE edgetop_rx_bytes counter",
                     "# UNIT edgetop_rx_bytes bytes", "# TYPE edgetop_odd_total gauge"]


def test_names_labels_and_help_are_escaped_as_the_library_escapes_them() -> None:
    exposed: list[Metric | Family] = [
        Metric("rule:rate_total", 1.0, (("le", 'a"b\\c\nd'), ("Ä", "ü")), "counter", "help \\ \" and\nnewline",
               namespace=""),
        Metric("1st", 2.0, (("__reserved", "x"), ("0lead", "y"), ("", "empty name")), namespace=""),
        Metric("odd-name.x", 3.0, (("ok", "v"), ("ok", "twice")), namespace=""),  # a label twice: the last value
        # the library's patterns end in $, which matches before a final newline too: kept as valid
        Metric("newline\n", 4.0, (("nl\n", "v"), ("__nl\n", "w")), namespace=""),
    ]
    body = OpenMetricsRenderer().render(exposed).decode()
    assert body == library(exposed)
    assert "rule_rate_total{le=" in body and "# TYPE rule:rate counter" in body  # a colon: kept in the family's name
    assert "# TYPE odd_name_x gauge" in body and 'odd_name_x{ok="twice"} 3.0' in body
    assert "# TYPE newline\n gauge" in body and 'newline_{__nl_="w",nl\n="v"} 4.0' in body


def test_zero_and_negative_zero_keep_their_signs_from_one_scrape_to_the_next() -> None:
    renderer = OpenMetricsRenderer()
    for values in SIGNED_ZERO_SCRAPES:
        exposed: list[Metric | Family] = [Family("offset_seconds", [vm("a"), vm("b")], values),
                                          Metric("drift_seconds", values[0])]
        assert renderer.render(exposed).decode() == library(exposed), values


_VALUES = sample_values((float("nan"), float("inf"), -float("inf")))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_VALUES, min_size=3, max_size=3), min_size=1, max_size=4))
def test_every_value_reads_as_the_librarys_over_successive_scrapes(scrapes: list[list[float]]) -> None:
    renderer = OpenMetricsRenderer()
    for values in scrapes:
        exposed: list[Metric | Family] = [
            Family("value_bytes_total", [vm("a"), vm("b"), vm("c")], values, "counter"),
            *[Metric("single", v, (("n", str(i)),)) for i, v in enumerate(values)]]
        assert renderer.render(exposed).decode() == library(exposed)


# Names and label texts from the characters the library's escaping treats apart: letters,
# digits (not first), ``_``, ``:``, ``-``, quotes, backslash, newline, a non-ASCII letter.
_NAMES = st.text("abZ_:0-\"\\\nü", min_size=1, max_size=6)
_LABELS = st.lists(st.tuples(st.text("aZ_0-:ü", max_size=4), st.text("a\"\\\nü", max_size=3)), max_size=3)
_ITEMS = st.lists(st.tuples(_NAMES, st.sampled_from(["gauge", "counter"]), st.sampled_from(["", "edgetop"]),
                            st.text("a \"\\\nü", max_size=4), st.lists(st.tuples(_LABELS, _VALUES), max_size=3)),
                  max_size=5)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ITEMS, min_size=1, max_size=3))
def test_any_names_labels_and_help_read_as_the_librarys_over_successive_scrapes(
        scrapes: list[list[tuple[str, str, str, str, list[tuple[list[tuple[str, str]], float]]]]]) -> None:
    renderer = OpenMetricsRenderer()
    for items in scrapes:
        exposed: list[Metric | Family] = [
            Family(name, [tuple(labels) for labels, _ in samples], [v for _, v in samples], kind, text, namespace)
            for name, kind, namespace, text, samples in items]
        assert renderer.render(exposed).decode() == library(exposed)


async def test_the_demos_whole_scrape_over_two_rounds_reads_as_the_librarys() -> None:
    """The scrape ``serve --demo`` gives, OpenMetrics through ``encode`` with a kept renderer as ``serve`` has it."""
    from edgetop.collectors.registry import all_specs
    from edgetop.demo import demo_context
    from edgetop.engine.lanes import Engine
    from edgetop.export.prometheus import store_metrics
    from edgetop.sources.fs import ProcFS, SysFS

    ctx = demo_context(Config(), ProcFS(), SysFS())
    engine = Engine(ctx, [s for s in all_specs(ctx) if s.json_key is not None])
    kept = OpenMetricsRenderer()
    try:
        bodies = []
        for _ in range(2):  # the second after new views and moved counters
            await engine.collect_round()
            metrics = store_metrics(engine.store)
            assert len(metrics) > 500
            fast = encode(metrics, PROMETHEUS_ACCEPT, None, None, kept)
            assert fast.content_type == encode(metrics, PROMETHEUS_ACCEPT).content_type
            assert fast.body.decode() == library(metrics)
            keep = lambda m: m.namespace != "node"  # noqa: E731
            assert encode(metrics, PROMETHEUS_ACCEPT, keep, None, kept).body == encode(metrics, PROMETHEUS_ACCEPT,
                                                                                       keep).body
            bodies.append(fast.body)
        assert bodies[0] != bodies[1] and b"# TYPE ifHCInOctets unknown\n" in bodies[1]
    finally:
        engine.close()
