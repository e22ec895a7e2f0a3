"""A Prometheus exporter: ``edgetop serve`` (``/metrics``, ``/healthz``, a landing page).

The engine keeps collecting on its schedule; a scrape renders the latest samples from
the store through prometheus_client (``exposition.py``) and never waits for a collector,
so a hung hypervisor cannot make scrapes time out.

Why not prometheus_client's own ``start_http_server``: it is ``ThreadingHTTPServer``,
one thread per connection and no socket timeout, which issue 13 measured as 620 threads
for 600 idle clients. The exposition is the library's; the socket is ``BoundedHTTPServer``'s
(64 connections, one deadline per request, a pool of two render threads, TLS through the
same asyncio server), with ``--web.config.file`` as node_exporter reads it (``web_config.py``).
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import logging
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from prometheus_client import Metric as ClientFamily

from edgetop import __version__
from edgetop.collectors.checks.collector import check_metrics
from edgetop.engine.checks_join import joined_checks
from edgetop.engine.lanes import Engine
from edgetop.engine.store import Store
from edgetop.export.bounded_http import BoundedHTTPServer, BufferedRequestHandler
from edgetop.export.exposition import TextRenderer, encode, fast_text, to_families
from edgetop.export.openmetrics import OpenMetricsRenderer
from edgetop.export.web_config import BasicAuth, WebConfig, ssl_context
from edgetop.hostport import split_host_port
from edgetop.model.alerts import Severity
from edgetop.model.reading import Status
from edgetop.model.spec import CollectorSpec, Context, Family, Metric

log = logging.getLogger(__name__)

PREFIX = "edgetop_"
STALE_AFTER_MIN = 30.0  # /healthz: seconds without any reading before the engine counts as stuck


@dataclass(frozen=True)
class ExportOptions:
    """What a scrape shows: ``node_metrics`` False leaves out every ``node_*`` family."""

    node_metrics: bool = True


def escape_label(value: str) -> str:
    """Escape a label value: backslash, double quote and newline (exposition format)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render_metrics(exposed: Iterable[Metric | Family]) -> str:
    """The text format 0.0.4 of ``exposed`` (tests and tools; a scrape negotiates, see ``encode``)."""
    return fast_text(exposed).decode()


def store_metrics(store: Store) -> list[Metric | Family]:
    """Every collector's metrics plus per-collector health and the alert counts."""
    out: list[Metric | Family] = [Metric("build_info", 1, (("version", __version__),), help="edgetop version")]
    # A spec without a JSON key (CPU topology) stays inside edgetop: no samples, not even collector_up.
    every = store.samples()
    samples = {name: s for name, s in every.items() if s.spec.json_key is not None}
    names = sorted(samples)
    readings = [samples[name].reading for name in names]
    labels = [(("collector", name),) for name in names]
    out.append(Family("collector_up", labels, [1.0 if r.status is Status.OK else 0.0 for r in readings],
                      help="1 when the collector's last run succeeded"))
    out.append(Family("collector_duration_seconds", labels, [r.duration_seconds for r in readings],
                      help="how long the collector's last run took"))
    for sample in samples.values():
        if sample.view is None:
            continue
        try:
            out.extend(sample.spec.metrics(sample.view))
        except Exception:  # one collector's bug must not break the scrape
            log.exception("metrics of %s", sample.spec.name)
    out.extend(check_metrics(joined_checks(every)))  # time and network: from their panes' views
    out.extend(store.timeline.metrics(time.time()))  # domain, service, clock and alert changes in the last hour
    counts = store.alert_counts()
    for severity in (Severity.WARNING, Severity.CRITICAL):
        out.append(Metric("alerts", counts[severity], (("severity", severity.value),), help="active alerts"))
    return out


def _keep(options: ExportOptions) -> Callable[[Metric | Family], bool] | None:
    if options.node_metrics:
        return None
    return lambda m: m.namespace != "node"


def store_families(store: Store, options: ExportOptions = ExportOptions()) -> list[ClientFamily]:
    """The store's metrics as prometheus_client families, ``node_*`` left out if asked."""
    keep = _keep(options)
    return to_families(store_metrics(store)) if keep is None else to_families(store_metrics(store), keep)


def health(store: Store, now: float | None = None) -> tuple[int, str]:
    """``/healthz``: 200 while the engine keeps producing readings, else 503 and why."""
    samples = store.samples()
    if not samples:
        return 503, "starting: no collector has reported yet\n"
    newest = max(s.reading.monotonic for s in samples.values())
    age = (time.monotonic() if now is None else now) - newest
    limit = max(STALE_AFTER_MIN, 3 * store.config.interval)
    if age > limit:
        return 503, f"stuck: no collector has reported for {age:.0f} s\n"
    down = sorted(n for n, s in samples.items() if s.reading.status is not Status.OK and s.spec.json_key)
    return 200, "ok\n" + (f"collectors not ok: {len(down)} (see edgetop_collector_up)\n" if down else "")


_LANDING = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>edgetop exporter</title></head>
<body><h1>edgetop exporter</h1><p>version {version}</p>
<ul><li><a href="metrics">/metrics</a> (text format 0.0.4 or OpenMetrics)</li>
<li><a href="healthz">/healthz</a></li></ul>
<p>node_* families: {node}. Names: README, section "The exporter".</p></body></html>
"""


def make_handler(store: Store, options: ExportOptions = ExportOptions(),
                 auth: BasicAuth | None = None) -> type[BufferedRequestHandler]:
    """A request handler serving ``/metrics``, ``/healthz`` and ``/`` from ``store``."""
    renderer = TextRenderer()  # this exporter's: what it keeps serves every scrape of this store
    openmetrics = OpenMetricsRenderer()  # and for OpenMetrics, Prometheus 2.x's first choice
    landing = _LANDING.format(version=html.escape(__version__),
                              node="on" if options.node_metrics else "off (--no-node-metrics)").encode()

    class Handler(BufferedRequestHandler):
        def _send(self, code: int, content_type: str, body: bytes, extra: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self) -> None:
            if auth is not None and not auth.check(self.headers.get("Authorization")):
                self._send(401, "text/plain; charset=utf-8", b"Unauthorized\n",
                           {"WWW-Authenticate": 'Basic realm="edgetop"'})
                return
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                encoded = encode(store_metrics(store), self.headers.get("Accept"), _keep(options),
                                 renderer, openmetrics)
                self._send(200, encoded.content_type, encoded.body)
            elif path == "/healthz":
                code, text = health(store)
                self._send(code, "text/plain; charset=utf-8", text.encode())
            elif path == "/":
                self._send(200, "text/html; charset=utf-8", landing)
            else:
                self._send(404, "text/plain; charset=utf-8", b"Not found: try /metrics\n")

        def do_HEAD(self) -> None:
            self.do_GET()

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


def exposure_warning(listen: str, host: str, web: WebConfig) -> str | None:
    """The warning for an address other hosts can reach without TLS or a password, or None."""
    if loopback_only(host):
        return None
    if web.tls is not None and web.users:
        return None
    if web.tls is None and not web.users:
        return (f"--listen {listen} is not a loopback address and there is no TLS or basic auth "
                "(--web.config.file): anyone who can reach the port can read /metrics")
    if web.tls is None:
        return (f"--listen {listen} is not a loopback address and there is no TLS (--web.config.file): "
                "the basic auth password crosses the network in clear text")
    return (f"--listen {listen} is not a loopback address and there is no basic auth (--web.config.file): "
            "anyone who can reach the port can read /metrics")


async def serve(ctx: Context, specs: list[CollectorSpec], listen: str, *,
                web: WebConfig | None = None, options: ExportOptions = ExportOptions()) -> None:
    """Collect forever and serve /metrics until cancelled."""
    host, port = parse_listen(listen)
    web = web or WebConfig()
    store = Store(ctx.config)
    auth = BasicAuth(web.users) if web.users else None
    tls = ssl_context(web.tls) if web.tls is not None else None
    # Binds now: a busy port fails before any collector starts.
    server = BoundedHTTPServer(make_handler(store, options, auth), host, port, ssl_context=tls)
    engine = Engine(ctx, [s for s in specs if s.json_key is not None], store)  # the rest is never scraped
    server.start()
    log.info("serving metrics on %s://%s:%d/metrics", "https" if tls else "http", host, port)
    try:
        await engine.run_forever(lambda sample: None)
    except asyncio.CancelledError:
        pass
    finally:
        server.shutdown()
        engine.close()
