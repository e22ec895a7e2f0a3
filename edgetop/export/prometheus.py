"""A Prometheus exporter: ``edgetop serve`` (text exposition format 0.0.4).

The engine keeps collecting on its schedule; a scrape renders the latest samples and
never waits for a collector, so a hung hypervisor cannot make scrapes time out.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import socket
from collections.abc import Iterable

from edgetop import __version__
from edgetop.collectors.checks.collector import check_metrics
from edgetop.engine.checks_join import joined_checks
from edgetop.engine.lanes import Engine
from edgetop.engine.store import Store
from edgetop.export.bounded_http import BoundedHTTPServer, BufferedRequestHandler
from edgetop.hostport import split_host_port
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
    out.extend(check_metrics(joined_checks(store.samples())))  # time and network: from their panes' views
    alerts = store.alerts()
    for severity in ("warning", "critical"):
        out.append(Metric("alerts", sum(1 for a in alerts if a.severity == severity), (("severity", severity),),
                          help="active alerts"))
    return out


def make_handler(store: Store) -> type[BufferedRequestHandler]:
    """A request handler serving ``/metrics`` from ``store``."""

    class Handler(BufferedRequestHandler):
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

    return Handler


def parse_listen(listen: str) -> tuple[str, int]:
    """Split ``ADDR:PORT`` (``[::1]:9117`` for IPv6)."""
    try:
        host, port = split_host_port(listen)
    except ValueError as err:
        raise ValueError(f"--listen {err}") from err
    if port is None:
        raise ValueError(f"--listen {listen!r}: expected ADDR:PORT")
    return host or "127.0.0.1", port


def loopback_only(host: str) -> bool:
    """Whether ``host`` names only loopback addresses (a name is resolved as bind would).

    A name that does not resolve counts as loopback: binding it fails and says so.
    """
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return True
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
        if not address.is_loopback:
            return False
    return True


async def serve(ctx: Context, specs: list[CollectorSpec], listen: str) -> None:
    """Collect forever and serve /metrics until cancelled."""
    host, port = parse_listen(listen)
    store = Store(ctx.config)
    server = BoundedHTTPServer(make_handler(store), host, port)  # binds now: a busy port fails before any collector
    engine = Engine(ctx, [s for s in specs if s.json_key is not None], store)  # the rest is never scraped
    server.start()
    log.info("serving metrics on http://%s:%d/metrics", host, port)
    try:
        await engine.run_forever(lambda sample: None)
    except asyncio.CancelledError:
        pass
    finally:
        server.shutdown()
        engine.close()
