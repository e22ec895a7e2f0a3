"""``--web.config.file`` (exporter-toolkit format): TLS and basic auth against real sockets, and its errors."""

from __future__ import annotations

import base64
import os
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from edgetop.errors import ConfigError
from edgetop.export.prometheus import exposure_warning
from edgetop.export.web_config import BasicAuth, WebConfig, load_web_config, parse_web_config
from tests.exporter.serving import QUIET, env, get, make_certificate, serve, stderr_of

PASSWORD = "s3cret-scrape-pw"


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _web_config(tmp_path: Path, *, tls: bool, users: bool) -> Path:
    lines = []
    if tls:
        make_certificate(tmp_path)
        lines += ["tls_server_config:", "  cert_file: tls.crt", "  key_file: tls.key"]
    if users:
        hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=10)).decode()
        lines += ["basic_auth_users:", f"  prometheus: '{hashed}'"]
    path = tmp_path / "web.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_tls_and_basic_auth_end_to_end(tmp_path: Path) -> None:
    web = _web_config(tmp_path, tls=True, users=True)
    ctx = ssl.create_default_context(cafile=str(tmp_path / "tls.crt"))
    good = _basic("prometheus", PASSWORD)
    with serve(tmp_path, "--web.config.file", str(web), scheme="https", context=ctx, headers=good) as served:
        status, headers, _ = get(f"{served.url}/metrics", context=ctx)
        assert status == 401 and headers["WWW-Authenticate"] == 'Basic realm="edgetop"'
        assert get(f"{served.url}/metrics", context=ctx, headers=_basic("prometheus", "wrong"))[0] == 401
        assert get(f"{served.url}/metrics", context=ctx, headers=_basic("nobody", PASSWORD))[0] == 401
        assert get(f"{served.url}/healthz", context=ctx)[0] == 401  # every path, as exporter-toolkit does
        status, _, body = get(f"{served.url}/metrics", context=ctx, headers=good)
        assert status == 200 and "node_cpu_seconds_total{" in body
        assert PASSWORD not in body and "$2b$" not in body
        # Plain HTTP to the TLS port gets no metrics: the handshake fails and the connection closes.
        with pytest.raises(OSError):
            get(f"http://127.0.0.1:{served.port}/metrics", headers=good, timeout=3)
        # A certificate the client does not trust: refused by the client, not served.
        with pytest.raises(OSError):
            get(f"{served.url}/metrics", context=ssl.create_default_context(), headers=good, timeout=3)
    err = stderr_of(served)
    assert "Traceback" not in err and PASSWORD not in err
    assert not [p for p in (tmp_path / "state").rglob("*") if p.is_file() and PASSWORD in p.read_text(errors="replace")]


def test_basic_auth_without_tls(tmp_path: Path) -> None:
    web = _web_config(tmp_path, tls=False, users=True)
    good = _basic("prometheus", PASSWORD)
    with serve(tmp_path, "--web.config.file", str(web), headers=good) as served:
        assert get(f"{served.url}/metrics")[0] == 401
        assert get(f"{served.url}/metrics", headers=good)[0] == 200


def test_a_bad_web_config_stops_serve_before_it_listens(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(QUIET)
    (tmp_path / "web.yml").write_text("basic_auth_users:\n  prometheus: plaintext-password\n")
    result = subprocess.run([sys.executable, "-m", "edgetop", "serve", "--config", "c.yaml", "--listen",
                             "127.0.0.1:1", "--web.config.file", "web.yml"], capture_output=True, text=True,
                            timeout=60, env=env(tmp_path), cwd=tmp_path, check=False)
    assert result.returncode == 2
    assert result.stderr == "edgetop: web.yml: basic_auth_users.prometheus: expected a bcrypt hash ($2y$...)\n"
    assert "plaintext-password" not in result.stderr


@pytest.mark.parametrize(("text", "message"), [
    ("tls_server_config: {cert_file: nope.crt, key_file: nope.key}\n",
     "w.yml: tls_server_config.cert_file: 'nope.crt' is not a readable regular file"),
    ("tls_server_config: {cert_file: w.yml}\n", "w.yml: tls_server_config.key_file: required"),
    ("tls_server_config: {cert_file: w.yml, key_file: w.yml, cipher_suites: [X]}\n",
     "w.yml: tls_server_config.cipher_suites: not supported by edgetop"),
    ("tls_server_config: {cert_file: w.yml, key_file: w.yml, min_version: SSL3}\n",
     "w.yml: tls_server_config.min_version: one of TLS10, TLS11, TLS12, TLS13"),
    ("http_server_config: {http2: false}\n",
     "w.yml: http_server_config: not supported by edgetop (tls_server_config and basic_auth_users are)"),
    ("basic_auth_users: [a, b]\n", "w.yml: basic_auth_users: expected a mapping of user: bcrypt hash"),
    ("basic_auth_users: {'a:b': '$2y$10$x'}\n",
     "w.yml: basic_auth_users: a user name must be a non-empty string without ':'"),
    ("- a\n", "w.yml: expected a mapping"),
    ("a: [\n", "w.yml:2: not valid YAML"),
])
def test_web_config_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "w.yml").write_text(text)
    with pytest.raises(ConfigError) as info:
        parse_web_config(text, "w.yml", tmp_path)
    assert str(info.value) == message


def test_web_config_file_refuses_a_fifo_and_a_device_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(ConfigError, match="not a regular file"):
        load_web_config(str(tmp_path / "fifo"))
    with pytest.raises(ConfigError, match="not a regular file"):
        load_web_config("/dev/zero")
    with pytest.raises(ConfigError, match="No such file"):
        load_web_config(str(tmp_path / "absent.yml"))


def test_an_empty_web_config_protects_nothing(tmp_path: Path) -> None:
    (tmp_path / "w.yml").write_text("")
    assert load_web_config(str(tmp_path / "w.yml")) == WebConfig(source=str(tmp_path / "w.yml"))


def test_basic_auth_caches_only_a_keyed_digest() -> None:
    auth = BasicAuth({"p": bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4))})
    header = _basic("p", "pw")["Authorization"]
    assert auth.check(header) and auth.check(header)
    assert not auth.check(_basic("p", "pw2")["Authorization"])
    assert not auth.check("Basic !!!") and not auth.check("Bearer x") and not auth.check(None)
    assert [len(k) for k in auth._ok] == [32]  # one HMAC-SHA256 digest, never the password


@pytest.mark.parametrize(("tls", "users", "expected"), [
    (False, False, "there is no TLS or basic auth"),
    (True, False, "there is no basic auth"),
    (False, True, "there is no TLS"),
    (True, True, None),
])
def test_exposure_warning(tmp_path: Path, tls: bool, users: bool, expected: str | None) -> None:
    cfg = load_web_config(str(_web_config(tmp_path, tls=tls, users=users)))
    warning = exposure_warning("192.0.2.1:9117", "192.0.2.1", cfg)
    assert (warning is None) if expected is None else (warning is not None and expected in warning)
    assert exposure_warning("127.0.0.1:9117", "127.0.0.1", WebConfig()) is None


def test_a_tls_handshake_that_never_comes_is_dropped(tmp_path: Path) -> None:
    """A client that connects to the TLS port and says nothing is cut off at the deadline (5 s)."""
    web = _web_config(tmp_path, tls=True, users=False)
    ctx = ssl.create_default_context(cafile=str(tmp_path / "tls.crt"))
    with (serve(tmp_path, "--web.config.file", str(web), scheme="https", context=ctx) as served,
          socket.create_connection(("127.0.0.1", served.port), timeout=15) as idle):
        assert idle.recv(1) == b""  # closed by the server, not by our timeout


async def test_snmp_keys_never_reach_a_scrape() -> None:
    """A target's community and USM keys stay in the config: not in labels, values or HELP."""
    import dataclasses

    from edgetop.collectors.registry import all_specs
    from edgetop.config_schema import Config, Secret
    from edgetop.demo import demo_context
    from edgetop.engine.lanes import Engine
    from edgetop.export.exposition import encode
    from edgetop.export.prometheus import store_metrics
    from edgetop.sources.fs import ProcFS, SysFS

    ctx = demo_context(Config(), ProcFS(), SysFS())
    secrets = ("auth-K3y-never-shown", "priv-K3y-never-shown", "c0mmunity-never-shown")
    targets = tuple(dataclasses.replace(t, auth_protocol="SHA-512", auth_key=Secret(secrets[0]), priv_protocol="AES",
                                        priv_key=Secret(secrets[1]), community=Secret(secrets[2]))
                    for t in ctx.config.snmp.targets)
    ctx = dataclasses.replace(ctx, config=dataclasses.replace(
        ctx.config, snmp=dataclasses.replace(ctx.config.snmp, targets=targets)))
    engine = Engine(ctx, [s for s in all_specs(ctx) if s.json_key is not None])
    try:
        await engine.collect_round()
    finally:
        engine.close()
    metrics = store_metrics(engine.store)
    assert any(m.full_name == "ifHCInOctets" for m in metrics)  # the targets were polled
    for accept in ("", "application/openmetrics-text; version=1.0.0"):
        body = encode(metrics, accept).body.decode()
        assert not [s for s in secrets if s in body]


def test_concurrent_scrapes_use_two_render_threads_at_most(tmp_path: Path) -> None:
    """Forty clients at once: answered by the server's two render threads, not a thread each."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from edgetop.config_schema import Config
    from edgetop.engine.store import Store
    from edgetop.export.bounded_http import RENDER_THREADS, BoundedHTTPServer
    from edgetop.export.prometheus import make_handler

    server = BoundedHTTPServer(make_handler(Store(Config())), "127.0.0.1", 0)
    server.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/metrics"
        with ThreadPoolExecutor(40) as clients:
            answers = list(clients.map(lambda _: get(url)[0], range(40)))
        names = [t.name for t in threading.enumerate()]
    finally:
        server.shutdown()
    assert answers == [200] * 40
    assert 1 <= sum(1 for n in names if n.startswith("metrics-render")) <= RENDER_THREADS == 2
    assert sum(1 for n in names if n == "metrics-http") == 1
