"""``edgetop fleet`` against 1,000 nodes: one round's wall time and edgetop's CPU, and key latency.

Debian's Prometheus scrapes 1,000 targets (each a node: ``instance`` and ``site`` labels)
that one generated server answers (benchmarks/fleet_target.py, its own process, so this
process's CPU time is edgetop's alone). Issue 19 asks for under 1 s of wall time and under
100 ms of edgetop CPU per round, and keys answered within 100 ms.
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODES = 1000
ROUNDS = 10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _query(port: int, expr: str) -> list[dict[str, object]]:
    url = f"http://127.0.0.1:{port}/api/v1/query?query={urllib.parse.quote(expr)}"
    with urllib.request.urlopen(url, timeout=10) as resp:
        result: list[dict[str, object]] = json.load(resp)["data"]["result"]
    return result


def _wait(what: str, fn: object, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if fn():  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(what)


def _config(target_port: int) -> str:
    targets = "\n".join(
        f'      - targets: ["127.0.0.1:{target_port}"]\n'
        f'        labels: {{instance: "node-{n:04d}", site: "site-{n % 40:02d}", __param_node: "{n}"}}'
        for n in range(NODES))
    return f"""
global: {{scrape_interval: 10s, scrape_timeout: 5s}}
scrape_configs:
  - job_name: edgetop
    static_configs:
{targets}
"""


async def _keys(url: str) -> list[float]:
    """Seconds from a key press to its handling being done, 20 cursor moves over 1,000 rows."""
    from edgetop.config_schema import FleetConfig
    from edgetop.fleet.connect import fleet_settings
    from edgetop.ui.fleet_app import FleetApp

    settings = fleet_settings(FleetConfig(), url, None, 5.0, None)
    app = FleetApp(settings)
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        while app.table.row_count < NODES:
            await asyncio.sleep(0.1)
        await pilot.pause()
        for key in ["down"] * 10 + ["pagedown"] * 5 + ["slash", "1", "escape", "end"]:
            started = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            times.append(time.perf_counter() - started)
    settings.client.close()
    return times


def run() -> list[dict[str, str]]:
    """Start the target and Prometheus, measure, stop them."""
    from edgetop.config_schema import FleetConfig
    from edgetop.fleet.connect import fleet_settings
    from edgetop.fleet.round import run_round

    with tempfile.TemporaryDirectory(prefix="edgetop-bench-fleet-") as tmp:
        target_port, prom_port = _free_port(), _free_port()
        target = subprocess.Popen([sys.executable, str(HERE / "fleet_target.py"), str(target_port)])
        (Path(tmp) / "prometheus.yml").write_text(_config(target_port))
        with (Path(tmp) / "prometheus.log").open("wb") as log:
            prom = subprocess.Popen(["prometheus", f"--config.file={tmp}/prometheus.yml",
                                     f"--storage.tsdb.path={tmp}/data", f"--web.listen-address=127.0.0.1:{prom_port}"],
                                    stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait("every node scraped", lambda: _query(prom_port, 'count(edgetop_build_info{job="edgetop"})')
                  and float(_query(prom_port, 'count(edgetop_build_info{job="edgetop"})')[0]["value"][1])  # type: ignore[index]
                  == NODES)
            # Two more scrape intervals: the first waves of 1,000 new targets keep Prometheus busier
            # than a running server is (rounds measured at once were up to twice as slow).
            time.sleep(20)
            settings = fleet_settings(FleetConfig(), f"http://127.0.0.1:{prom_port}", None, 5.0, None)
            walls, cpus = [], []
            view = run_round(settings.client, settings.job, settings.site_label)  # warm: connections, caches
            for _ in range(ROUNDS):
                wall, cpu = time.perf_counter(), time.process_time()
                view = run_round(settings.client, settings.job, settings.site_label)
                cpus.append(time.process_time() - cpu)
                walls.append(time.perf_counter() - wall)
            settings.client.close()
            assert view.available and len(view.nodes) == NODES, (view.reason, len(view.nodes))
            states = {s: sum(1 for n in view.nodes if n.state.value == s) for s in ("critical", "warning", "ok")}
            keys = asyncio.run(_keys(f"http://127.0.0.1:{prom_port}"))
        finally:
            prom.terminate()
            prom.wait(30)
            target.terminate()
            target.wait(10)
    ms = 1000
    return [
        {"benchmark": f"fleet round, {NODES} nodes: wall", "edgetop": f"{statistics.median(walls) * ms:.0f} ms "
         f"median, {max(walls) * ms:.0f} max", "peer": "Prometheus 2.42, 16 instant queries, 4 at once",
         "note": f"goal < 1000 ms; {states}"},
        {"benchmark": f"fleet round, {NODES} nodes: edgetop CPU", "edgetop": f"{statistics.median(cpus) * ms:.0f} ms "
         f"median, {max(cpus) * ms:.0f} max", "peer": "", "note": "goal < 100 ms (parse, build the rows)"},
        {"benchmark": f"fleet keys, {NODES} rows", "edgetop": f"{statistics.median(keys) * ms:.0f} ms median, "
         f"{max(keys) * ms:.0f} max", "peer": "", "note": "goal < 100 ms (down, pagedown, /, end; Pilot)"},
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    for row in run():
        print(row)
