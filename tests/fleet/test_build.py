"""The fleet's pure functions over answers recorded from a real Prometheus (tests/fixtures/fleet/)."""

from __future__ import annotations

import json
import math

import jsonschema
import pytest

from edgetop.errors import SourceUnavailable
from edgetop.export.fleet_json import fleet_json
from edgetop.fleet.build import NodeMemo, build_nodes, hottest_sensor, sort_key
from edgetop.fleet.model import FleetNode, NodeState, ssh_host
from edgetop.fleet.queries import answer_labels, fleet_queries, selector, since_queries
from edgetop.fleet.round import not_reporting, view_from_answers
from edgetop.sources.prometheus_rows import Row, rows
from tests.fleet.replay import load
from tests.helpers import REPO

SCHEMA = json.loads((REPO / "edgetop" / "fleet.schema.json").read_text())
LABELS = answer_labels("site")


def _answers(name: str) -> tuple[float, dict[str, list[Row]]]:
    """A recording's answers read as the client reads them (compact, as Prometheus writes them)."""
    at, raw = load(name)
    return at, {k: rows(json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode(), LABELS[k])
                for k, v in raw.items()}


def _by_name(nodes: tuple[FleetNode, ...]) -> dict[str, FleetNode]:
    return {n.name: n for n in nodes}


def test_three_reporting_nodes_worst_first_with_their_faults_named() -> None:
    at, answers = _answers("three-reporting.json")
    nodes = build_nodes(answers, at)
    names = [n.name for n in nodes]
    assert names.index("edge-faulty") < names.index("edge-ok")  # the repaired demo: fewer alerts and faults
    by = _by_name(nodes)
    faulty, ok = by["edge-faulty"], by["edge-ok"]
    assert all(n.reporting and n.up for n in nodes)
    assert faulty.bond_slaves_down == (("bond0", "ens1f2"),) and ok.bond_slaves_down == ()
    assert "bond bond0: slave ens1f2 down" in faulty.problems
    assert faulty.hottest_sensor is not None and faulty.hottest_sensor.name == "coretemp/Core 1"
    assert faulty.hottest_sensor.over_limit and faulty.hottest_sensor.limit_celsius == 84.0
    assert any(p.startswith("sensor coretemp/Core 1 at 86.0 °C") for p in faulty.problems)
    assert ok.hottest_sensor is not None and not ok.hottest_sensor.over_limit
    assert not any(p.startswith(("sensor", "bond")) for p in ok.problems)
    assert faulty.site == "plant-a" and by["edge-stops"].site == "plant-b"
    assert faulty.snmp_targets_down == ("pdu-b",)
    assert faulty.mtu_mismatches == 3 and ok.mtu_mismatches == 2
    assert faulty.version and faulty.version == ok.version
    assert faulty.domain_steal is not None and 0 <= faulty.domain_steal.ratio < 1
    assert faulty.fullest_filesystem is not None and faulty.fullest_filesystem.mountpoint.startswith("/")
    assert faulty.ntp_synchronised is True and faulty.ntp_offset_seconds is not None
    assert faulty.last_scrape_unix is not None and 0 <= at - faulty.last_scrape_unix < 5
    assert faulty.command == "ssh edge-faulty edgetop"
    assert sort_key(faulty) < sort_key(ok)


def test_a_stopped_node_is_down_first_with_since_when() -> None:
    at, answers = _answers("one-stopped.json")
    nodes = build_nodes(answers, at)
    assert [n.name for n in nodes] == ["edge-stops", "edge-faulty", "edge-ok"]
    stopped = nodes[0]
    assert stopped.state is NodeState.DOWN and not stopped.reporting and stopped.up is False
    assert stopped.not_reporting_since_unix is not None and 0 < at - stopped.not_reporting_since_unix < 10
    assert stopped.problems[0].startswith("not reporting for ")
    assert stopped.alerts_critical is None and stopped.hottest_sensor is None  # unknown, not zero
    assert stopped.version  # remembered from the look-back


def test_a_failed_query_leaves_its_fields_unknown_and_is_listed() -> None:
    at, answers = _answers("three-reporting.json")
    errors: dict[str, list[Row] | SourceUnavailable] = dict(answers)
    errors["temp"] = SourceUnavailable("HTTP 503 Service Unavailable")
    view = view_from_answers(errors, at, "site")
    assert view.available and view.failed_queries == {"temp": "HTTP 503 Service Unavailable"}
    assert all(n.reporting and n.alerts_critical is not None for n in view.nodes)
    assert all(n.hottest_sensor is None for n in view.nodes)


def test_up_failing_makes_the_round_unavailable() -> None:
    view = view_from_answers({"up": SourceUnavailable("connection refused")}, 1.0, "site")
    assert not view.available and view.reason == "connection refused" and view.nodes == ()


def test_without_the_build_query_a_node_is_reporting_by_up_alone() -> None:
    at, answers = _answers("three-reporting.json")
    answers = {k: v for k, v in answers.items() if k not in ("build", "seen", "last_seen", "recently_seen")}
    nodes = build_nodes(answers, at)
    assert len(nodes) == 3 and all(n.reporting for n in nodes)


def _temp(value: str, sensor: str, chip: str = "", label: str = "") -> Row:
    return ("n", sensor, chip, label, value)


def _limit(value: str, sensor: str) -> Row:
    return ("n", sensor, value)


@pytest.mark.parametrize(("temps", "highs", "crits", "expected"), [
    ([], [], [], None),
    ([_temp("NaN", "a", "c")], [], [], None),  # NaN is no reading
    ([_temp("50", "a", "c", "x"), _temp("70", "b", "c", "y")], [], [], ("c/y", None)),  # no limits: the hottest
    ([_temp("50", "a", "c", "x"), _temp("70", "b", "c", "y")], [_limit("52", "a")], [_limit("100", "b")],
     ("c/x", "high")),  # nearest its limit wins
    ([_temp("95", "a", "c", "x")], [], [_limit("90", "a")], ("c/x", "critical")),
    ([_temp("95", "a", "c", "x")], [_limit("NaN", "a")], [_limit("90", "a")], ("c/x", "critical")),  # NaN: no limit
])
def test_hottest_sensor(temps: list[Row], highs: list[Row], crits: list[Row],
                        expected: tuple[str, str | None] | None) -> None:
    got = hottest_sensor(temps, highs, crits)
    assert (None if got is None else (got.name, got.limit_kind)) == expected


def test_hostile_labels_are_capped_and_bad_values_ignored() -> None:
    long = "x" * 5000
    answers: dict[str, list[Row]] = {  # rows as answer_labels("site") lays them out
        "up": [(long, "\x1b[31mred", "1")],
        "build": [(long, "v", "", "1.0")],
        "alerts": [(long, "critical", "oops")],
        "snmp_down": [(long, "", "0")],  # no target label
    }
    (node,) = build_nodes(answers, 2.0)
    assert len(node.name) == 256 and node.site == "\x1b[31mred"  # kept literal; the UI renders it as text
    assert node.alerts_critical == 0 and node.snmp_targets_down == ()


@pytest.mark.parametrize(("instance", "host"), [
    ("edge-7:9117", "edge-7"), ("[2001:db8::7]:9117", "2001:db8::7"), ("edge-7", "edge-7"), ("::1", "::1"),
    ("edge:x", "edge:x"),
])
def test_ssh_host(instance: str, host: str) -> None:
    assert ssh_host(instance) == host


def test_queries_quote_the_job_and_carry_it_everywhere() -> None:
    assert selector('a"b\\') == 'job="a\\"b\\\\"'
    queries = fleet_queries("edge top")
    assert all('job="edge top"' in q for name, q in queries.items() if name != "prom_alerts")
    assert all("job" not in q for q in fleet_queries("").values())
    assert since_queries("j", []) == {}
    since = since_queries("j", ["b.x", "a (1)", "b.x"])
    assert 'instance=~"a \\\\(1\\\\)|b\\\\.x",job="j"' in since["last_seen"]  # RE2 escapes, then PromQL's


def test_the_json_document_follows_its_schema_and_says_null_for_unknown() -> None:
    at, answers = _answers("one-stopped.json")
    doc = fleet_json(view_from_answers(dict(answers), at, "site", 0.02), "http://prom:9090", "site")
    jsonschema.validate(doc, SCHEMA)
    assert doc["counts"] == {"down": 1, "critical": 2, "warning": 0, "ok": 0}
    stopped = doc["nodes"][0]
    assert stopped["state"] == "down" and stopped["alerts_critical"] is None and stopped["mtu_mismatches"] is None
    assert stopped["not_reporting_since_unix"] is not None and stopped["last_scrape_age_seconds"] > 0
    faulty = next(n for n in doc["nodes"] if n["name"] == "edge-faulty")
    assert faulty["hottest_sensor"]["over_limit"] is True and faulty["bond_slaves_down"] == [
        {"bond": "bond0", "slave": "ens1f2"}]
    # Every node has every key, in the same order (a stable contract).
    assert len({tuple(n) for n in doc["nodes"]}) == 1
    unavailable = fleet_json(view_from_answers({"up": SourceUnavailable("timed out")}, at, "site"), "u", "site")
    jsonschema.validate(unavailable, SCHEMA)
    assert unavailable["prometheus"]["available"] is False and unavailable["nodes"] == []
    assert not any(isinstance(v, float) and math.isnan(v) for n in doc["nodes"] for v in n.values())


def test_only_the_silent_nodes_are_asked_since_when() -> None:
    at, answers = _answers("one-stopped.json")
    assert not_reporting(dict(answers)) == {"edge-stops"}
    at, answers = _answers("three-reporting.json")
    assert not_reporting(dict(answers)) == set()
    gone = dict(answers) | {"up": [r for r in answers["up"] if r[0] != "edge-ok"],
                            "build": [r for r in answers["build"] if r[0] != "edge-ok"]}
    assert not_reporting(dict(gone)) == {"edge-ok"}  # its target is gone, its series seen within the hour
    (node,) = (n for n in build_nodes(gone, at) if n.name == "edge-ok")
    assert node.state is NodeState.DOWN and node.up is None and node.problems[0] == "not reporting (since when unknown)"


def test_a_node_whose_rows_did_not_change_is_the_last_rounds_node() -> None:
    at, answers = _answers("one-stopped.json")
    memo = NodeMemo()
    first = {n.name: n for n in build_nodes(answers, at, "site", memo)}
    assert memo.made == 3
    again = build_nodes(answers, at + 5, "site", memo)
    # The reporting ones are reused as they were; the silent one is made again: "for 5 s longer".
    assert memo.made == 1 and [n for n in again if n.name != "edge-stops"] == [
        n for n in again if first[n.name] is n]
    stopped = next(n for n in again if n.name == "edge-stops")
    assert stopped.problems[0] != first["edge-stops"].problems[0]
    assert again == build_nodes(answers, at + 5, "site")  # the same as made afresh
    # A new scrape of edge-ok (its build row, i.e. its last scrape time): that node alone is made again.
    moved = dict(answers) | {"build": [(*r[:-1], str(float(r[-1]) + 1)) if r[0] == "edge-ok" else r
                                       for r in answers["build"]]}
    third = {n.name: n for n in build_nodes(moved, at + 6, "site", memo)}
    assert memo.made == 2 and third["edge-faulty"] is first["edge-faulty"]
    assert third["edge-ok"].last_scrape_unix == first["edge-ok"].last_scrape_unix + 1  # type: ignore[operator]
    # What a node depends on besides its rows (a failed query, the site label): everything made again.
    without_alerts = build_nodes({k: v for k, v in moved.items() if k != "alerts"}, at + 7, "site", memo)
    assert memo.made == 3 and all(n.alerts_critical is None for n in without_alerts)
