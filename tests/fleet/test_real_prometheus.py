"""``edgetop fleet`` against Debian's real Prometheus scraping three ``edgetop serve --demo`` (tests/fleet/live.py).

One scenario in order, as an operator would live it: the three report and are ordered worst
first with their faults named; one node stops and is marked within two scrape intervals;
Prometheus itself is stopped (the view says so, no traceback) and started again on the same
port and data directory (the view recovers, the stopped node still shown with since-when).
Then the Textual app against the same Prometheus at 120x40 and at 80x25 on the Linux console.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from edgetop.config_schema import FleetConfig
from edgetop.fleet.connect import FleetSettings, fleet_settings
from edgetop.fleet.model import FleetView, NodeState
from edgetop.fleet.queries import answer_labels, fleet_queries, since_queries
from edgetop.fleet.round import run_round
from edgetop.sources.prometheus_rows import rows
from edgetop.ui.fleet_app import FleetApp
from edgetop.ui.fleet_detail import FleetDetail
from tests.exporter.serving import env, get
from tests.faults.run import tui
from tests.fleet.live import SCRAPE_SECONDS, Fleet, live_fleet
from tests.helpers import REPO, free_port, stop_process, wait_for, wait_until

SCHEMA = json.loads((REPO / "edgetop" / "fleet.schema.json").read_text())
ORDER_ALL = ["edge-faulty", "edge-ok"]  # edge-stops is the same demo as edge-faulty: their order may swap
ORDER_STOPPED = ["edge-stops", "edge-faulty", "edge-ok"]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    with live_fleet(tmp_path_factory.mktemp("fleet")) as running:
        yield running


def _settings(url: str) -> FleetSettings:
    return fleet_settings(FleetConfig(timeout=3.0), url, None, 0.5, None)


def _cli(url: str, tmp: Path) -> tuple[int, dict[str, Any], str, float]:
    """``edgetop fleet --json``: exit code, document, stderr, wall seconds."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "edgetop", "fleet", "--prometheus", url, "--json"],
                          capture_output=True, text=True, timeout=60, env=env(tmp), cwd=tmp, check=False)
    return done.returncode, json.loads(done.stdout), done.stderr, time.monotonic() - started


def _names(view: FleetView) -> list[str]:
    return [n.name for n in view.nodes]


def test_the_fleet_ordered_named_stopped_and_prometheus_restarted(fleet: Fleet, tmp_path: Path) -> None:
    settings = _settings(fleet.url)
    try:
        # 1. All three report: the faulty one above the healthy one, its faults by name.
        def settled() -> FleetView | None:
            view = run_round(settings.client, settings.job, settings.site_label)
            nodes = {n.name: n for n in view.nodes}
            ok = (len(nodes) == 3 and all(n.reporting and n.alerts_critical is not None for n in nodes.values())
                  and [n for n in _names(view) if n in ORDER_ALL] == ORDER_ALL
                  and nodes["edge-faulty"].bond_slaves_down and nodes["edge-faulty"].hottest_sensor is not None)
            return view if ok else None

        view = wait_until("three nodes reporting, the faulty one above the healthy one", settled, timeout=90)
        assert isinstance(view, FleetView) and not view.failed_queries
        nodes = {n.name: n for n in view.nodes}
        faulty, ok = nodes["edge-faulty"], nodes["edge-ok"]
        assert "bond bond0: slave ens1f2 down" in faulty.problems
        assert any(p.startswith("sensor coretemp/Core 1 at 86.0 °C, high limit 84.0 °C") for p in faulty.problems)
        assert not any(p.startswith(("bond", "sensor")) for p in ok.problems)
        assert ok.bond_slaves_down == () and ok.hottest_sensor is not None and not ok.hottest_sensor.over_limit
        assert {n.site for n in view.nodes} == {"plant-a", "plant-b"}
        assert all(n.last_scrape_unix is not None and view.at_unix - n.last_scrape_unix < 3 for n in view.nodes)

        # 2. One node stops: marked as not reporting within two scrape intervals.
        stopped_at = time.time()
        stop_process(fleet.nodes["edge-stops"])
        started = time.monotonic()

        def marked() -> FleetView | None:
            view = run_round(settings.client, settings.job, settings.site_label)
            # up 0 and the stale series land in the same scrape, but two queries at one instant
            # may straddle its append: wait for both.
            first = view.nodes[0] if view.nodes else None
            return view if first and first.name == "edge-stops" and not first.reporting and first.up is False \
                else None

        view = wait_until("edge-stops marked as not reporting", marked, timeout=30, every=0.05)
        took = time.monotonic() - started
        assert took <= 2 * SCRAPE_SECONDS + 0.5, f"marked after {took:.2f} s"
        assert isinstance(view, FleetView)
        assert _names(view) == ORDER_STOPPED, [(n.name, n.state, n.alerts_critical, len(n.problems), n.alerts_warning)
                                               for n in view.nodes]
        down = view.nodes[0]
        assert down.state is NodeState.DOWN and down.up is False
        assert down.not_reporting_since_unix is not None
        assert stopped_at - 2 * SCRAPE_SECONDS - 0.5 <= down.not_reporting_since_unix <= stopped_at + 0.5

        # The command line says the same, as one JSON document following its schema.
        code, doc, err, _ = _cli(fleet.url, tmp_path)
        assert code == 0 and err == ""
        jsonschema.validate(doc, SCHEMA)
        assert [n["name"] for n in doc["nodes"]] == ORDER_STOPPED and doc["nodes"][0]["state"] == "down"
        assert doc["nodes"][0]["not_reporting_since_unix"] == pytest.approx(down.not_reporting_since_unix, abs=1.5)

        # 3. Prometheus stops: "unavailable: connection refused", exit 1, nothing on stderr.
        fleet.stop_prometheus()
        code, doc, err, _ = _cli(fleet.url, tmp_path)
        assert (code, doc["prometheus"]["available"], doc["prometheus"]["reason"], doc["nodes"]) == (
            1, False, "connection refused", [])
        assert err == ""

        # 4. ... and starts again on the same port and data directory: the view recovers,
        # the stopped node still down with the same since-when (from the TSDB it kept).
        fleet.start_prometheus()

        def recovered() -> dict[str, Any] | None:
            code, doc, err, _ = _cli(fleet.url, tmp_path)
            names = [n["name"] for n in doc["nodes"]]
            return doc if code == 0 and err == "" and names == ORDER_STOPPED and all(
                n["reporting"] for n in doc["nodes"][1:]) else None

        doc = wait_until("the fleet after Prometheus's restart", recovered, timeout=90)
        assert isinstance(doc, dict)
        assert doc["nodes"][0]["not_reporting_since_unix"] == pytest.approx(down.not_reporting_since_unix, abs=15)
        assert "bond bond0: slave ens1f2 down" in doc["nodes"][1]["problems"]
    finally:
        settings.client.close()


def test_every_query_shape_read_from_the_real_prometheus(fleet: Fleet) -> None:
    """Each answer of a round, as Prometheus writes it, read by one regular expression: the same rows as json.loads."""
    import urllib.parse

    stop_process(fleet.nodes["edge-stops"])  # stopped by the scenario above; here too when run alone
    labels = answer_labels("site")
    queries = fleet_queries("edgetop") | since_queries("edgetop", ["edge-stops"])

    def answer(name: str, expr: str, at: float) -> bytes:
        status, _, body = get(f"{fleet.url}/api/v1/query?{urllib.parse.urlencode({'query': expr, 'time': at})}")
        assert status == 200, (name, body)
        return body.encode()

    def stopped_seen() -> dict[str, list[Any]] | None:
        at = time.time() - 2  # in the past: every scrape up to then is in, two reads of it agree
        found = {name: rows(answer(name, expr, at), labels[name]) for name, expr in queries.items()}
        return found if [r[0] for r in found["seen"]] == ["edge-stops"] else None

    # "seen" keeps only the nodes no longer reporting (unless on (instance) build).
    found = wait_until("edge-stops alone in seen", stopped_seen, timeout=30)
    assert isinstance(found, dict)
    assert {r[0] for r in found["build"]} == {"edge-ok", "edge-faulty"}
    assert found["seen"][0][1] and found["seen"][0][2] == "plant-b"  # its version and site, remembered
    # "alerts" keeps only the non-zero counts (> 0): the healthy demo raises fewer.
    assert found["alerts"] and all(float(r[2]) > 0 for r in found["alerts"])
    assert {r[0] for r in found["alerts"]} <= {"edge-ok", "edge-faulty"}
    at = time.time() - 2
    for name, expr in queries.items():
        raw = answer(name, expr, at)
        decoded = json.loads(raw)["data"]["result"]
        if labels[name] is None:
            assert rows(raw, None) == [(s["metric"], s["value"][1]) for s in decoded]
            continue
        read = rows(raw, labels[name])
        assert read == [(*(s["metric"].get(n, "") for n in labels[name]), s["value"][1]) for s in decoded], name

    # Labels JSON escapes, and a node without a site, from the server itself.
    hostile = 'label_replace(vector(1), "instance", "a\\"b\\\\c<d>&é", "", "")'
    raw = answer("hostile", hostile, at)
    assert rows(raw, ("instance",)) == [('a"b\\c<d>&é', "1")]
    mixed = 'max by (instance, site) (up{instance="edge-ok"}) or label_replace(vector(0), "instance", "bare", "", "")'
    raw = answer("mixed", mixed, at)
    assert sorted(rows(raw, ("instance", "site"))) == [("bare", "", "0"), ("edge-ok", "plant-a", "1")]


def _screen_text(app: FleetApp) -> str:
    table = app.table
    return "\n".join(table.render_line(y).text for y in range(min(table.size.height, table.row_count + 1)))


@pytest.mark.parametrize(("size", "console"), [((120, 40), False), ((80, 25), True)])
async def test_the_fleet_app_against_the_real_prometheus(fleet: Fleet, size: tuple[int, int], console: bool,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    if console:
        monkeypatch.setenv("TERM", "linux")
    settings = _settings(fleet.url)
    app = FleetApp(settings, theme="edgetop-console" if console else "edgetop-dark")
    try:
        async with app.run_test(size=size) as pilot:
            # The faulty node above the healthy one: both raise critical alerts whose count
            # moves with the demo's guests for a moment after a start; wait for the order.
            await wait_for(lambda: app.table.row_keys == ORDER_STOPPED, timeout=60)
            assert app.table.row_keys == ORDER_STOPPED
            text = _screen_text(app)
            header, *rows = text.splitlines()
            assert "NODE" in header and "SEEN" in header  # the last column is on screen at this width
            assert len(header.rstrip()) <= size[0]
            assert "DOWN" in rows[0] and re.search(r"\d\d:\d\d:\d\d", rows[0])  # since when it stopped
            assert "B1" in rows[1] and "86/84" in rows[1]  # the failed slave, the hot sensor
            assert "VERSION" in header if size[0] >= 120 else "VERSION" not in header
            if console:
                assert all(ord(c) < 0x250 for c in text), "only Latin glyphs on the Linux console"
            await pilot.press("down", "enter")
            await wait_for(lambda: isinstance(app.screen, FleetDetail))
            detail = str(app.screen.query_one("#fleet-detail-text").render())
            assert "ssh edge-faulty edgetop" in detail and "bond bond0: slave ens1f2 down" in detail
            await pilot.press("escape")
            await wait_for(lambda: not isinstance(app.screen, FleetDetail))
            await pilot.press("slash", *"plant-b")
            await wait_for(lambda: app.table.row_keys == ["edge-stops"])
            assert app.filter_text == "plant-b"
            await pilot.press("escape")
            await wait_for(lambda: app.table.row_count == 3 and app.filter_text == "")
    finally:
        settings.client.close()


@pytest.mark.parametrize(("width", "height", "term"), [(120, 40, "xterm-256color"), (80, 25, "linux")])
def test_the_fleet_in_a_real_terminal(fleet: Fleet, tmp_path: Path, width: int, height: int, term: str) -> None:
    with tui(tmp_path, "fleet", "--prometheus", fleet.url, width=width, height=height, term=term) as t:
        def ordered(screen: str) -> bool:
            names = [line.split()[0] for line in screen.splitlines() if line.lstrip().startswith("edge-")]
            return names == ORDER_STOPPED and "DOWN" in screen

        screen = t.wait_for(ordered, timeout=30, what="the three nodes, worst first")
        lines = screen.splitlines()
        rows = [line for line in lines if line.lstrip().startswith("edge-")]
        assert [r.split()[0] for r in rows] == ORDER_STOPPED
        assert re.search(r"DOWN .* \d\d:\d\d:\d\d\s*$", rows[0]) and "B1" in rows[1]
        assert all(len(line.rstrip()) <= width for line in lines)
        if term == "linux":
            assert all(ord(c) < 0x250 for c in screen)
        t.keys("Down")
        t.keys("Enter")
        detail = t.wait_for(lambda s: "ssh edge-faulty edgetop" in s, timeout=10, what="the node's detail")
        assert "bond bond0: slave ens1f2 down" in detail
        t.keys("Escape")
        t.wait_for(lambda s: "ssh edge-faulty" not in s and "edge-ok" in s, timeout=10, what="back to the table")
        t.keys("q")
        t.wait_for(lambda s: not t.alive(), timeout=10, what="edgetop fleet to quit")


def test_through_a_central_prometheus_that_federates_the_site(fleet: Fleet, tmp_path: Path) -> None:
    """The centre of the README's diagram: contrib's edgetop-federation.yml, pointed at the site's Prometheus."""
    import socket

    import yaml

    contrib = yaml.safe_load((REPO / "contrib" / "prometheus" / "edgetop-federation.yml").read_text())
    job = contrib["scrape_configs"][0]
    job |= {"scrape_interval": "1s", "scrape_timeout": "1s",
            "static_configs": [{"targets": [fleet.url.removeprefix("http://")]}]}
    port = free_port(socket.SOCK_STREAM)
    (tmp_path / "central.yml").write_text(yaml.safe_dump({"scrape_configs": [job]}))
    (tmp_path / "data").mkdir()
    with (tmp_path / "log").open("wb") as log:
        central = subprocess.Popen(["prometheus", f"--config.file={tmp_path / 'central.yml'}",
                                    f"--storage.tsdb.path={tmp_path / 'data'}",
                                    f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    settings = _settings(f"http://127.0.0.1:{port}")
    try:
        def federated() -> FleetView | None:
            view = run_round(settings.client, settings.job, settings.site_label)
            return view if _names(view) == ORDER_STOPPED and all(n.reporting for n in view.nodes[1:]) else None

        view = wait_until("the fleet through federation", federated, timeout=90)
        assert isinstance(view, FleetView)
        down, faulty = view.nodes[0], view.nodes[1]
        assert down.state is NodeState.DOWN and down.up is False  # the site's up, federated
        assert faulty.site == "plant-a" and "bond bond0: slave ens1f2 down" in faulty.problems
        assert any(a.name == "EdgeBondSlaveDown" for a in faulty.prometheus_alerts)  # ALERTS crossed too
    finally:
        settings.client.close()
        stop_process(central)
