"""A real fleet on loopback: three ``edgetop serve --demo`` and Debian's Prometheus scraping them every second.

* ``edge-ok``: the healthy variant (tests/fleet/variants.py, through ``EDGETOP_DEMO_DIR``);
* ``edge-faulty``: the bundled demo (a failed bond slave, a sensor over its high limit);
* ``edge-stops``: the bundled demo too, stopped half way by the tests.

Every process is a child of the test with a private config, data directory and port, stopped
by its PID. Prometheus loads contrib/prometheus/edgetop-rules.yml, so ALERTS exist as well.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.exporter.serving import QUIET, env, get
from tests.fleet.variants import healthy_demo
from tests.helpers import REPO, free_port, stop_process, wait_until

SCRAPE_SECONDS = 1.0
NODES = (("edge-ok", "plant-a"), ("edge-faulty", "plant-a"), ("edge-stops", "plant-b"))


@dataclass
class Fleet:
    """The running fleet: node processes by name, Prometheus's process, port and directory."""

    tmp: Path
    nodes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    prometheus: subprocess.Popen[bytes] | None = None
    prometheus_port: int = 0

    @property
    def url(self) -> str:
        """Prometheus's base URL."""
        return f"http://127.0.0.1:{self.prometheus_port}"

    def start_prometheus(self) -> None:
        """Start Prometheus on its port and data directory (again, after a stop)."""
        log = (self.tmp / "prometheus.log").open("ab")
        self.prometheus = subprocess.Popen(
            ["prometheus", f"--config.file={self.tmp / 'prometheus.yml'}",
             f"--storage.tsdb.path={self.tmp / 'data'}", f"--web.listen-address=127.0.0.1:{self.prometheus_port}"],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_until("Prometheus ready", lambda: get(f"{self.url}/-/ready")[0] == 200, timeout=60)

    def stop_prometheus(self) -> None:
        """Stop Prometheus by its PID."""
        if self.prometheus is not None:
            stop_process(self.prometheus)


def _serve(tmp: Path, name: str, port: int, demo_dir: Path | None) -> subprocess.Popen[bytes]:
    home = tmp / name
    home.mkdir()
    (home / "c.yaml").write_text(QUIET)
    environment = env(home) | ({"EDGETOP_DEMO_DIR": str(demo_dir)} if demo_dir else {})
    return subprocess.Popen([sys.executable, "-m", "edgetop", "serve", "--demo", "--config", "c.yaml", "--interval",
                             "1", "--listen", f"127.0.0.1:{port}"], cwd=home, env=environment,
                            stdout=subprocess.DEVNULL, stderr=(home / "stderr").open("wb"))


@contextmanager
def live_fleet(tmp: Path) -> Iterator[Fleet]:
    """Start the three nodes and Prometheus; wait until every node's alerts are scraped; stop them all."""
    fleet = Fleet(tmp)
    healthy = healthy_demo(tmp)
    try:
        for name, _site in NODES:
            fleet.ports[name] = free_port(socket.SOCK_STREAM)
            fleet.nodes[name] = _serve(tmp, name, fleet.ports[name], healthy if name == "edge-ok" else None)
        targets = "\n".join(
            f'      - targets: ["127.0.0.1:{fleet.ports[name]}"]\n        labels: {{instance: {name}, site: {site}}}'
            for name, site in NODES)
        (tmp / "prometheus.yml").write_text(f"""
global: {{scrape_interval: {SCRAPE_SECONDS:.0f}s, scrape_timeout: {SCRAPE_SECONDS:.0f}s, evaluation_interval: 1s}}
rule_files: [{REPO / 'contrib' / 'prometheus' / 'edgetop-rules.yml'}]
scrape_configs:
  - job_name: edgetop
    static_configs:
{targets}
""")
        (tmp / "data").mkdir()
        fleet.prometheus_port = free_port(socket.SOCK_STREAM)
        fleet.start_prometheus()
        for name, port in fleet.ports.items():
            wait_until(f"{name} serving its alerts",
                       lambda port=port: "edgetop_alerts{" in get(f"http://127.0.0.1:{port}/metrics")[2], timeout=90)
        yield fleet
    finally:
        fleet.stop_prometheus()
        for proc in fleet.nodes.values():
            stop_process(proc)
