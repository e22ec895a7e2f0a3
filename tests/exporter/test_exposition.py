"""What a scrape of ``edgetop serve --demo`` says: formats, families, the node switch, health, promtool."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from edgetop.config_schema import Config
from edgetop.engine.store import Store
from edgetop.export.prometheus import ExportOptions, health, store_families
from tests.exporter.serving import get, serve

# Names other exporters chose and promtool's lint dislikes (camelCase, a counter without
# ``_total``): node_exporter's meminfo keeps the kernel's field names, snmp_exporter's
# if_mib keeps the MIB's object names. Their own scrapes draw the same complaints.
# One of each collector's families: the demo's first round has reported.
DEMO_READY = ('edgetop_collector_up{collector="snmp:tor-switch"}', "libvirt_domain_info_virtual_cpus{",
              "node_hwmon_temp_celsius{", "node_bonding_slaves{", "ifHCInOctets{", "node_load1 ")
FOREIGN_SPELLING = re.compile(r"^(node_memory_\w+|if[A-Z]\w*) ")


@pytest.fixture(scope="module")
def scrapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, str], str]]:
    tmp = tmp_path_factory.mktemp("serve")
    out: dict[str, tuple[dict[str, str], str]] = {}
    with serve(tmp, ready=DEMO_READY) as served:
        for name, accept in (("text", "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
                             ("openmetrics", "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"),
                             ("none", "")):
            status, headers, body = get(f"{served.url}/metrics", headers={"Accept": accept} if accept else {})
            assert status == 200
            out[name] = (headers, body)
        for path in ("/healthz", "/", "/nope"):
            status, headers, body = get(served.url + path)
            out[path] = ({"status": str(status)} | headers, body)
    return out


def test_the_text_format_parses_with_help_and_type_on_every_family(scrapes: dict[str, tuple[dict[str, str], str]]
                                                                  ) -> None:
    headers, body = scrapes["text"]
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert scrapes["none"][0]["Content-Type"] == headers["Content-Type"]
    families = {f.name: f for f in parse_text(body)}
    helps = dict(re.findall(r"^# HELP (\S+) (.+)$", body, re.M))
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", body, re.M))
    assert set(helps) == set(types) and all(helps.values())
    assert types["node_cpu_seconds_total"] == "counter" and types["ifHCInOctets"] == "counter"
    assert types["libvirt_domain_info_virtual_cpus"] == "gauge" and types["node_network_speed_bytes"] == "gauge"
    assert {"node_load5", "node_load15", "node_pressure_cpu_waiting_seconds_total", "node_hwmon_temp_celsius",
            "node_network_mtu_bytes", "node_bonding_slaves", "node_bonding_active", "node_timex_sync_status",
            "libvirt_up", "libvirt_domain_block_stats_read_bytes_total",
            "libvirt_domain_interface_stats_receive_bytes_total", "libvirt_domain_vcpu_delay_seconds",
            "edgetop_domain_state", "edgetop_snmp_up", "edgetop_ntp_offset_seconds"} <= set(families) | set(types)
    assert not [n for n in types if n.startswith("edgetop_memory_hugepages_total")]


def test_openmetrics_is_negotiated_and_valid(scrapes: dict[str, tuple[dict[str, str], str]]) -> None:
    headers, body = scrapes["openmetrics"]
    assert headers["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert body.endswith("# EOF\n")
    families = {f.name: f for f in parse_openmetrics(body)}  # the reference parser: raises on any violation
    assert families["node_cpu_seconds"].type == "counter" and families["node_cpu_seconds"].unit == "seconds"
    # A counter without _total cannot be a counter in OpenMetrics: snmp_exporter's name is kept, untyped.
    assert families["ifHCInOctets"].type == "unknown"
    assert {s.name for s in families["ifHCInOctets"].samples} == {"ifHCInOctets"}
    assert families["node_hwmon_temp_celsius"].unit == "celsius"


def test_labels_are_the_other_exporters(scrapes: dict[str, tuple[dict[str, str], str]]) -> None:
    families = {f.name: f for f in parse_text(scrapes["text"][1])}
    cpu = families["node_cpu"].samples if "node_cpu" in families else families["node_cpu_seconds"].samples
    assert {tuple(sorted(s.labels)) for s in cpu} == {("cpu", "mode")}
    assert {s.labels["mode"] for s in cpu} == {"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"}
    hwmon = families["node_hwmon_temp_celsius"].samples
    assert {tuple(sorted(s.labels)) for s in hwmon} == {("chip", "sensor")}
    block = families["libvirt_domain_block_stats_read_bytes"].samples
    assert {tuple(sorted(s.labels)) for s in block} == {("domain", "source_file", "target_device", "uuid")}
    octets = families["ifHCInOctets"].samples
    assert {tuple(sorted(s.labels)) for s in octets} == {("ifDescr", "ifIndex", "ifName", "target")}
    speeds = [s.value for s in families["node_network_speed_bytes"].samples]
    assert speeds and all(v % 125000 == 0 for v in speeds)  # bytes per second, not Mb/s


def test_promtool_finds_nothing_but_the_other_exporters_spelling(scrapes: dict[str, tuple[dict[str, str], str]]
                                                                ) -> None:
    result = subprocess.run(["promtool", "check", "metrics"], input=scrapes["text"][1], capture_output=True,
                            text=True, timeout=60, check=False)
    problems = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert problems, "promtool found nothing: the foreign names below are expected to be reported"
    ours = [p for p in problems if not FOREIGN_SPELLING.match(p)]
    assert ours == []


def test_health_landing_and_404(scrapes: dict[str, tuple[dict[str, str], str]]) -> None:
    headers, body = scrapes["/healthz"]
    assert headers["status"] == "200" and body.startswith("ok\n")
    headers, body = scrapes["/"]
    assert headers["status"] == "200" and 'href="metrics"' in body and "edgetop exporter" in body
    assert scrapes["/nope"][0]["status"] == "404"


def test_health_says_starting_and_stuck() -> None:
    store = Store(Config())
    assert health(store) == (503, "starting: no collector has reported yet\n")
    from edgetop.model.reading import Reading, Status
    from tests.helpers import fake_spec

    store.update(fake_spec("c"), Reading("c", Status.OK, 1, None, 0.01, 1000.0, 50.0))
    assert health(store, now=60.0)[0] == 200
    code, text = health(store, now=50.0 + 31)
    assert code == 503 and text == "stuck: no collector has reported for 31 s\n"


def test_the_node_switch_leaves_out_every_node_family(tmp_path: Path) -> None:
    with serve(tmp_path, "--no-node-metrics", ready=("libvirt_up", "edgetop_cpu_steal_ratio")) as served:
        body = get(f"{served.url}/metrics")[2]
        landing = get(served.url + "/")[2]
    names = re.findall(r"^# TYPE (\S+)", body, re.M)
    assert names and not [n for n in names if n.startswith("node_")]
    assert "libvirt_domain_info_cpu_time_seconds_total" in names and "edgetop_cpu_steal_ratio" in names
    assert "--no-node-metrics" in landing


def test_the_node_switch_in_the_config_file(tmp_path: Path) -> None:
    from edgetop.config import parse_config

    cfg = parse_config("exporter:\n  node_metrics: false\n  web_config_file: /etc/edgetop/web.yml\n", "c.yaml")
    assert cfg.exporter.node_metrics is False and cfg.exporter.web_config_file == "/etc/edgetop/web.yml"
    store = Store(cfg)
    assert not [f for f in store_families(store, ExportOptions(node_metrics=False)) if f.name.startswith("node_")]


async def test_the_fast_text_encoder_is_byte_for_byte_prometheus_clients() -> None:
    """The scrape's text path against the library's ``generate_latest`` on the demo's whole scrape.

    Also a renderer kept from one engine round to the next, as ``serve`` keeps one: what it
    keeps from the first round's scrape shows nothing of it in the second's.
    """
    from edgetop.collectors.registry import all_specs
    from edgetop.demo import demo_context
    from edgetop.engine.lanes import Engine
    from edgetop.export.exposition import TextRenderer, encode_text, fast_text, to_families
    from edgetop.export.prometheus import store_metrics
    from edgetop.model.spec import Family, Metric
    from edgetop.sources.fs import ProcFS, SysFS

    ctx = demo_context(Config(), ProcFS(), SysFS())
    engine = Engine(ctx, [s for s in all_specs(ctx) if s.json_key is not None])
    kept = TextRenderer()
    try:
        await engine.collect_round()
        metrics: list[Metric | Family] = [
            *store_metrics(engine.store),
            # the edges: escapes in labels and help, a type clash, non-finite and large values, a bare counter
            Metric("edge_total", 1.0, (("b", 'x"y\\z\nw'), ("a", "ü")), "counter", "help with \\ and\nnewline"),
            Metric("edge_total", 2.0, (("b", "2"), ("a", "1")), "gauge"),
            Metric("edge_values", float("nan")), Metric("edge_values", float("inf"), (("s", "+"),)),
            Metric("edge_values", -1e-300, (("s", "tiny"),)), Metric("edge_values", 123456789012.0, (("s", "big"),)),
            Metric("edge_values", -0.0, (("s", "negative zero"),)),
            Metric("ifEdgeOctets", 3.0, (("ifIndex", "1"),), "counter", namespace=""),
        ]
        assert len(metrics) > 500
        assert fast_text(metrics) == encode_text(to_families(metrics))
        keep = lambda m: m.namespace != "node"  # noqa: E731
        assert fast_text(metrics, keep) == encode_text(to_families(metrics, keep))
        assert kept.render(metrics) == encode_text(to_families(metrics))
        await engine.collect_round()  # new views, moved counters: a scrape after fresh data
        second = store_metrics(engine.store)
        assert kept.render(second) == encode_text(to_families(second)) != encode_text(to_families(metrics))
    finally:
        engine.close()
