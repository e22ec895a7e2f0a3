"""A Prometheus exporter: ``edgetop serve`` (text exposition format 0.0.4).

The engine keeps collecting on its schedule; a scrape renders the latest samples and
never waits for a collector, so a hung hypervisor cannot make scrapes time out.
"""

from __future__ import annotations

import asyncio
import logging
import math
import socket
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from edgetop import __version__
from edgetop.engine.lanes import Engine
from edgetop.engine.store import Store
from edgetop.model.reading import Status
from edgetop.model.spec import CollectorSpec, Context, Metric

log = logging.getLogger(__name__)

PREFIX = "edgetop_"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def escape_label(value: str) -> str:
    """Escape a label value: backslash, double quote and newline (exposition format)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):  # the exposition format spells these +Inf/-Inf, not Python's inf
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def render_metrics(metrics: Iterable[Metric]) -> str:
    """Render metrics grouped by name with one HELP and TYPE line each."""
    by_name: dict[str, list[Metric]] = {}
    for m in metrics:
        by_name.setdefault(m.name, []).append(m)
    lines: list[str] = []
    for name, group in by_name.items():
        full = PREFIX + name
        help_text = next((m.help for m in group if m.help), name.replace("_", " "))
        lines.append(f"# HELP {full} {help_text}")
        lines.append(f"# TYPE {full} {group[0].kind}")
        for m in group:
            labels = ",".join(f'{k}="{escape_label(v)}"' for k, v in m.labels)
            lines.append(f"{full}{{{labels}}} {_format_value(m.value)}" if labels
                         else f"{full} {_format_value(m.value)}")
    return "\n".join(lines) + "\n"


def store_metrics(store: Store) -> list[Metric]:
    """Every collector's metrics plus per-collector health and the alert counts."""
    out: list[Metric] = [Metric("build_info", 1, (("version", __version__),), help="edgetop version")]
    # A spec without a JSON key (CPU topology) stays inside edgetop: no samples, not even collector_up.
    samples = {name: s for name, s in store.samples().items() if s.spec.json_key is not None}
    for name, sample in sorted(samples.items()):
        r = sample.reading
        out.append(Metric("collector_up", 1 if r.status is Status.OK else 0, (("collector", name),),
                          help="1 when the collector's last run succeeded"))
        out.append(Metric("collector_duration_seconds", r.duration_seconds, (("collector", name),),
                          help="how long the collector's last run took"))
    for sample in samples.values():
        if sample.view is None:
            continue
        try:
            out.extend(sample.spec.metrics(sample.view))
        except Exception:  # one collector's bug must not break the scrape
            log.exception("metrics of %s", sample.spec.name)
    alerts = store.alerts()
    for severity in ("warning", "critical"):
        out.append(Metric("alerts", sum(1 for a in alerts if a.severity == severity), (("severity", severity),),
                          help="active alerts"))
    return out


def make_handler(store: Store) -> type[BaseHTTPRequestHandler]:
    """A request handler serving ``/metrics`` from ``store``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] not in ("/metrics", "/"):
                self.send_error(404, "try /metrics")
                return
            body = render_metrics(store_metrics(store)).encode()
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("%s %s", self.address_string(), format % args)

    return Handler


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def parse_listen(listen: str) -> tuple[str, int]:
    """Split ``ADDR:PORT`` (``[::1]:9117`` for IPv6)."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"--listen {listen!r}: expected ADDR:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


async def serve(ctx: Context, specs: list[CollectorSpec], listen: str) -> None:
    """Collect forever and serve /metrics until cancelled."""
    host, port = parse_listen(listen)
    engine = Engine(ctx, [s for s in specs if s.json_key is not None])  # the rest is never scraped
    server_class = _IPv6Server if ":" in host else ThreadingHTTPServer
    server = server_class((host, port), make_handler(engine.store))
    thread = threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True)
    thread.start()
    log.info("serving metrics on http://%s:%d/metrics", host, port)
    try:
        await engine.run_forever(lambda sample: None)
    except asyncio.CancelledError:
        pass
    finally:
        server.shutdown()
        engine.close()
