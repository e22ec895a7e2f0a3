"""The exporter under hostile or careless clients, with real sockets on loopback.

Idle connections must not cost a thread each, a slow client must not hold a connection
forever, a client leaving mid-response must not print anything, and a listen address
that other hosts can reach must be said out loud.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edgetop.collectors import snmp
from edgetop.collectors.registry import all_specs
from edgetop.config_schema import Config, Secret, SnmpTarget
from edgetop.demo import demo_context
from edgetop.engine.lanes import Engine
from edgetop.engine.store import Store
from edgetop.export.bounded_http import BoundedHTTPServer, BufferedRequestHandler
from edgetop.export.prometheus import loopback_only, make_handler
from edgetop.model.spec import Metric
from edgetop.sources.fs import ProcFS, SysFS

REPO = Path(__file__).resolve().parent.parent.parent
IDLE_CLIENTS = 300
MAX_CONNECTIONS = 64
SERVER_TIMEOUT = 5.0  # seconds a connection may stay idle


def _native_threads() -> int:
    """Threads of this process as the kernel counts them (Python's and any other)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads line in /proc/self/status")


def _wait(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def _closed_by_server(sock: socket.socket) -> bool:
    """Whether the server has closed its end of ``sock`` (a read gives end of file), without waiting."""
    sock.setblocking(False)  # with the 5 s time-out kept, MSG_DONTWAIT peeks answered wrongly here
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def _start(handler: type[BufferedRequestHandler], timeout: float = SERVER_TIMEOUT) -> BoundedHTTPServer:
    server = BoundedHTTPServer(handler, "127.0.0.1", 0, max_connections=MAX_CONNECTIONS, timeout=timeout)
    server.start()
    return server


@pytest.fixture
def metrics_server() -> Iterator[BoundedHTTPServer]:
    server = _start(make_handler(Store(Config())))
    yield server
    server.shutdown()


def _scrape(server: BoundedHTTPServer) -> tuple[int, str, float]:
    t0 = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/metrics", timeout=5) as resp:
        return resp.status, resp.read().decode(), time.monotonic() - t0


def test_idle_connections_cost_no_thread_and_a_scrape_still_answers(metrics_server: BoundedHTTPServer) -> None:
    status, _, _ = _scrape(metrics_server)  # the server is up; count threads from here
    assert status == 200
    threads_before = _native_threads()
    idle: list[socket.socket] = []
    try:
        for _ in range(IDLE_CLIENTS):
            idle.append(socket.create_connection(("127.0.0.1", metrics_server.server_address[1]), timeout=5))
        # The server has taken them all and dropped the oldest: those clients see the close.
        # (An open count at the limit alone came while connections still waited in the
        # listen queue; a scrape's SYN then met a full queue and was retried 1 s later.)
        _wait(lambda: sum(map(_closed_by_server, idle)) == IDLE_CLIENTS - MAX_CONNECTIONS)
        assert metrics_server.open_connections == MAX_CONNECTIONS
        assert _native_threads() <= threads_before + 1  # ThreadingHTTPServer: one thread each, +300
        status, body, elapsed = _scrape(metrics_server)
        assert status == 200 and "edgetop_build_info{" in body
        # What this catches: a scrape served after idle connections time out (5 s here).
        assert elapsed < SERVER_TIMEOUT / 2, f"scrape took {elapsed:.2f} s behind {IDLE_CLIENTS} idle connections"
        assert metrics_server.open_connections <= MAX_CONNECTIONS
    finally:
        for sock in idle:
            sock.close()


def _closed_after(sock: socket.socket, trickle: bytes | None, limit: float) -> tuple[float, int]:
    """Seconds until the server closes ``sock`` and how many pieces were sent meanwhile.

    With ``trickle`` set, one piece is sent every 0.2 s: the client is never idle for long.
    """
    t0 = time.monotonic()
    sent = 0
    sock.settimeout(0.2)
    while time.monotonic() - t0 < limit:
        try:
            data = sock.recv(4096)
        except TimeoutError:
            if trickle is not None:
                sock.sendall(trickle)
                sent += 1
            continue
        except ConnectionResetError:
            data = b""
        assert data == b"", f"expected the server to drop the connection, got {data[:80]!r}"
        return time.monotonic() - t0, sent
    raise AssertionError(f"connection still open after {limit} s")


def test_a_slowloris_client_is_dropped_after_the_timeout() -> None:
    server = _start(make_handler(Store(Config())), timeout=1.0)
    try:
        with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5) as slow:
            slow.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            elapsed, sent = _closed_after(slow, b"X-Slow: 1\r\n", limit=10)
        # Dropped on the whole head's deadline although a byte came every 0.2 s.
        assert 0.8 <= elapsed < 3.0 and sent >= 3, (elapsed, sent)
        with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5) as idle:
            elapsed, _ = _closed_after(idle, None, limit=10)
        assert 0.8 <= elapsed < 3.0, elapsed
        _wait(lambda: server.open_connections == 0)
        status, _, _ = _scrape(server)
        assert status == 200
    finally:
        server.shutdown()


class _Large(BufferedRequestHandler):
    """Answers 32 MiB: far more than the socket buffers on both sides hold."""

    def do_GET(self) -> None:
        body = b"x" * (32 << 20)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_client_leaving_mid_response_prints_nothing(capfd: pytest.CaptureFixture[str],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="edgetop.export.bounded_http")
    server = _start(_Large)
    try:
        for _ in range(5):
            client = socket.socket()
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            client.settimeout(5)
            client.connect(("127.0.0.1", server.server_address[1]))
            client.sendall(b"GET / HTTP/1.0\r\n\r\n")
            assert client.recv(64).startswith(b"HTTP/1.0 200")  # the response has begun
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()  # linger 0: a reset, as a scraper killed mid-read sends
        _wait(lambda: sum("went away" in r.getMessage() for r in caplog.records) == 5)
        _wait(lambda: server.open_connections == 0)
    finally:
        server.shutdown()
    assert all(r.levelno == logging.DEBUG for r in caplog.records if "went away" in r.getMessage())
    out, err = capfd.readouterr()
    assert err == "" and out == ""


def test_an_oversized_request_head_is_dropped(metrics_server: BoundedHTTPServer) -> None:
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", metrics_server.server_address[1]), timeout=5) as client:
        try:  # 70 x 1 KiB headers: over the 64 KiB limit
            client.sendall(b"GET /metrics HTTP/1.0\r\n" + (b"X-Pad: " + b"p" * 1017 + b"\r\n") * 70)
            data = client.recv(4096)
        except (BrokenPipeError, ConnectionResetError):
            data = b""
    assert data == b"" and time.monotonic() - t0 < 2.0  # dropped at once, not answered, not timed out
    status, _, _ = _scrape(metrics_server)
    assert status == 200


def test_shutdown_releases_the_port_and_the_thread() -> None:
    server = _start(make_handler(Store(Config())))
    port = server.server_address[1]
    server.shutdown()
    assert not any(t.name == "metrics-http" and t.is_alive() for t in threading.enumerate())
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


@pytest.mark.parametrize(("host", "expected"), [
    ("127.0.0.1", True), ("127.0.0.53", True), ("::1", True), ("localhost", True), ("::ffff:127.0.0.1", True),
    ("0.0.0.0", False), ("::", False), ("192.0.2.1", False), ("2001:db8::1", False),
])
def test_loopback_only(host: str, expected: bool) -> None:
    assert loopback_only(host) is expected


def test_serve_warns_once_on_a_non_loopback_address(tmp_path: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface here: the warning comes, then bind fails;
    # nothing ever listens beyond loopback.
    env = os.environ | {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
                        "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONPATH": str(REPO)}
    env.pop("EDGETOP_CONFIG", None)
    (tmp_path / "c.yaml").write_text("libvirt: {uri: 'test:///default'}\nntp: {servers: []}\nservices: []\n")
    result = subprocess.run([sys.executable, "-m", "edgetop", "serve", "--config", "c.yaml",
                             "--listen", "192.0.2.1:9117"], capture_output=True, text=True, timeout=60,
                            env=env, cwd=tmp_path, check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "edgetop: warning: --listen 192.0.2.1:9117 is not a loopback address and there is no TLS or basic auth "
        "(--web.config.file): anyone who can reach the port can read /metrics",
        "edgetop: cannot listen on 192.0.2.1:9117: Cannot assign requested address",
    ]


async def test_collector_up_says_edgetop_could_ask_and_the_device_gauges_say_whether_it_answered() -> None:
    """The demo's PDU times out: its collector is up, the target is not, and the reason is a timeout."""
    ctx = demo_context(Config(), ProcFS(), SysFS())
    engine = Engine(ctx, all_specs(ctx))
    try:
        await engine.collect_round()
    finally:
        engine.close()
    server = _start(make_handler(engine.store))
    try:
        status, body, _ = _scrape(server)
    finally:
        server.shutdown()
    assert status == 200
    lines = set(body.splitlines())
    # prometheus_client's text encoder: labels sorted by name, values as floats.
    assert {'edgetop_collector_up{collector="snmp:pdu-b"} 1.0', 'edgetop_snmp_up{target="pdu-b"} 0.0',
            'edgetop_snmp_poll_error{kind="timeout",target="pdu-b"} 1.0',
            'edgetop_collector_up{collector="snmp:tor-switch"} 1.0', 'edgetop_snmp_up{target="tor-switch"} 1.0',
            'edgetop_collector_up{collector="ntp:chrony"} 1.0',
            'edgetop_ntp_reachable{kind="chrony",source="chrony/2001:db8:100:200::53"} 0.0',
            'edgetop_ntp_reachable{kind="chrony",source="chrony/10.20.0.5"} 1.0'} <= lines
    assert not [line for line in lines if line.startswith("edgetop_snmp_poll_error{") and "pdu-b" not in line]


def test_a_target_edgetop_cannot_ask_is_told_from_one_that_is_down() -> None:
    target = SnmpTarget(name="ups", host="192.0.2.1", user="mon", auth_protocol="SHA", auth_key=Secret("k3y-s3cret"))
    refused = snmp.metrics(snmp.failed_reading(target, "error", "auth", "wrong auth key"))
    silent = snmp.metrics(snmp.failed_reading(target, "down", "timeout", "no answer"))

    def by_name(ms: list[Metric]) -> dict[str, tuple[float, dict[str, str]]]:
        return {m.name: (m.value, dict(m.labels)) for m in ms}
    assert by_name(refused)["snmp_up"][0] == 0 == by_name(silent)["snmp_up"][0]
    assert by_name(refused)["snmp_poll_error"] == (1.0, {"target": "ups", "kind": "auth"})
    assert by_name(silent)["snmp_poll_error"] == (1.0, {"target": "ups", "kind": "timeout"})
