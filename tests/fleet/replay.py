"""A real HTTP server on loopback that answers the fleet's queries with answers recorded from Prometheus.

For tests that need the same answers every time (Pilot, the SVG screenshot) and for faults a
live Prometheus will not produce on demand (a 401, one query failing). The recordings in
tests/fixtures/fleet/ were taken from Debian's Prometheus scraping three ``edgetop serve
--demo`` (tests/fleet/test_real_prometheus.py builds the same set-up); their timestamps are
moved to now, so ages read as on the day.
"""

from __future__ import annotations

import json
import ssl
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from edgetop.fleet.queries import RECENT_STEP, RECENT_WINDOW, SEEN_STEP, SEEN_WINDOW, fleet_queries
from tests.helpers import FIXTURES

RECORDINGS = FIXTURES / "fleet"


def load(name: str) -> tuple[float, dict[str, Any]]:
    """A recording: the time it was evaluated at and each query's whole API answer."""
    data = json.loads((RECORDINGS / name).read_text())
    return float(data["time"]), data["answers"]


def shifted(answer: Any, by: float) -> Any:
    """``answer`` with every sample timestamp and every timestamp() value moved by ``by`` seconds."""
    out = json.loads(json.dumps(answer))
    for series in out.get("data", {}).get("result", []):
        t, v = series["value"]
        series["value"] = [t + by, v]
    return out


@dataclass
class Replay:
    """What the server answers: recorded answers by query name, or a failure; and what it was asked."""

    answers: dict[str, Any]
    status: int = 200
    fail: set[str] = field(default_factory=set)
    seen_auth: list[str | None] = field(default_factory=list)
    port: int = 0
    scheme: str = "http"

    @property
    def url(self) -> str:
        """The base URL."""
        return f"{self.scheme}://127.0.0.1:{self.port}"


def recorded(name: str, now: float) -> dict[str, Any]:
    """The recording ``name`` with its times moved to ``now``; timestamp() values too."""
    at, answers = load(name)
    by = now - at
    out = {}
    for query, answer in answers.items():
        moved = shifted(answer, by)
        if query in ("build", "last_seen", "recently_seen"):  # these values are timestamps
            for series in moved["data"]["result"]:
                series["value"][1] = f"{float(series['value'][1]) + by:.3f}"
        out[query] = moved
    return out


@contextmanager
def replay_server(replay: Replay, job: str = "edgetop", tls: ssl.SSLContext | None = None) -> Iterator[Replay]:
    """Serve ``replay`` on a free loopback port until the block ends; behind TLS when given a server context."""
    by_expr = {expr: name for site in ("site", "instance") for name, expr in fleet_queries(job, site).items()}
    # The since-when queries name the silent nodes: recognised by their windows.
    since = (("last_seen", f"[{SEEN_WINDOW}:{SEEN_STEP}]"), ("recently_seen", f"[{RECENT_WINDOW}:{RECENT_STEP}]"))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            replay.seen_auth.append(self.headers.get("Authorization"))
            expr = form.get("query", [""])[0]
            name = by_expr.get(expr) or next((n for n, step in since if step in expr and "instance=~" in expr), None)
            if replay.status != 200:
                self._send(replay.status, {"status": "error", "errorType": "auth", "error": "go away"})
            elif name is None or name in replay.fail:
                self._send(400, {"status": "error", "errorType": "bad_data", "error": f"no recording for {name}"})
            else:
                self._send(200, replay.answers.get(name, {"status": "success",
                                                          "data": {"resultType": "vector", "result": []}}))

        def _send(self, status: int, body: Any) -> None:
            # Compact, UTF-8 as is: how Prometheus writes its answers (the client reads that shape fast).
            raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        replay.scheme = "https"
    replay.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name="replay", daemon=True)
    thread.start()
    try:
        yield replay
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def fixture_path(name: str) -> Path:
    """The path of a recording (for tests that read it directly)."""
    return RECORDINGS / name
