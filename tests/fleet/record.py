"""Record the fleet's answers from a real Prometheus into tests/fixtures/fleet/ (run by hand).

Usage: python -m tests.fleet.record

Starts the live fleet of tests/fleet/live.py, waits until its three nodes report, records
every query of a round (``three-reporting.json``), stops ``edge-stops``, waits until it is
marked and records again with the second round's queries (``one-stopped.json``). Each file
holds the evaluation time and each query's whole API answer, by the query's name.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from edgetop.config_schema import FleetConfig
from edgetop.fleet.connect import fleet_settings
from edgetop.fleet.queries import fleet_queries, since_queries
from edgetop.fleet.round import run_round
from tests.exporter.serving import get
from tests.fleet.live import live_fleet
from tests.fleet.replay import RECORDINGS
from tests.helpers import stop_process, wait_until


def _answers(url: str, queries: dict[str, str], at: float) -> dict[str, Any]:
    import urllib.parse

    out = {}
    for name, expr in queries.items():
        status, _, body = get(f"{url}/api/v1/query?{urllib.parse.urlencode({'query': expr, 'time': f'{at:.3f}'})}")
        assert status == 200, body
        out[name] = json.loads(body)
    return out


def main() -> None:
    """Record both files."""
    with tempfile.TemporaryDirectory() as tmp, live_fleet(Path(tmp)) as fleet:
        settings = fleet_settings(FleetConfig(), fleet.url, None, 1.0, None)
        wait_until("three nodes with their faults", lambda: (
            v := run_round(settings.client, settings.job, settings.site_label)).available and len(v.nodes) == 3
            and all(n.reporting and n.hottest_sensor for n in v.nodes), timeout=120)
        time.sleep(3)  # a few more scrapes: rates and alert counts settled
        at = time.time()
        (RECORDINGS / "three-reporting.json").write_text(json.dumps(
            {"time": round(at, 3), "answers": _answers(fleet.url, fleet_queries("edgetop"), at)}, indent=1,
            ensure_ascii=False) + "\n")
        stop_process(fleet.nodes["edge-stops"])
        wait_until("edge-stops marked", lambda: run_round(settings.client, settings.job, settings.site_label)
                   .nodes[0].name == "edge-stops", timeout=30)
        time.sleep(4)
        at = time.time()
        queries = fleet_queries("edgetop") | since_queries("edgetop", ["edge-stops"])
        (RECORDINGS / "one-stopped.json").write_text(json.dumps(
            {"time": round(at, 3), "answers": _answers(fleet.url, queries, at)}, indent=1, ensure_ascii=False) + "\n")
        settings.client.close()


if __name__ == "__main__":
    main()
