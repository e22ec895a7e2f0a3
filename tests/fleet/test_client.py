"""The Prometheus API client against real HTTP(S) servers on loopback: auth from files, TLS, failures, no secrets."""

from __future__ import annotations

import os
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edgetop.errors import SourceUnavailable
from edgetop.fleet.queries import answer_labels, fleet_queries
from edgetop.fleet.round import run_round
from edgetop.sources.prometheus_api import Credentials, PrometheusClient, check_url
from tests.exporter.serving import make_certificate
from tests.fleet.replay import Replay, recorded, replay_server, shifted

TOKEN = "s3cr3t-t0ken-value"


@pytest.fixture
def replay() -> Iterator[Replay]:
    with replay_server(Replay(recorded("three-reporting.json", time.time()))) as served:
        yield served


def test_a_bearer_token_is_read_from_its_file_at_each_round(replay: Replay, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    client = PrometheusClient(replay.url, credentials=Credentials(bearer_token_file=str(token)), concurrency=2)
    try:
        view = run_round(client, "edgetop", "site")
        assert view.available and len(view.nodes) == 3
        assert set(replay.seen_auth) == {f"Bearer {TOKEN}"} and len(replay.seen_auth) == len(fleet_queries("x"))
        token.write_text("rotated")  # no restart needed
        replay.seen_auth.clear()
        run_round(client, "edgetop", "site")
        assert set(replay.seen_auth) == {"Bearer rotated"}
    finally:
        client.close()


def test_basic_auth_from_a_password_file(replay: Replay, tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("pa:ss\n")
    client = PrometheusClient(replay.url, credentials=Credentials("ops", str(tmp_path / "pw")))
    try:
        assert client.query(fleet_queries("edgetop")["up"])
        assert replay.seen_auth == ["Basic b3BzOnBhOnNz"]  # base64("ops:pa:ss")
    finally:
        client.close()


def test_a_refused_login_says_so_without_the_secret(replay: Replay, tmp_path: Path) -> None:
    (tmp_path / "token").write_text(TOKEN)
    replay.status = 401
    client = PrometheusClient(replay.url, credentials=Credentials(bearer_token_file=str(tmp_path / "token")))
    try:
        view = run_round(client, "edgetop", "site")
        assert not view.available and view.reason == "HTTP 401 Unauthorized: go away"
        assert TOKEN not in repr(view)
    finally:
        client.close()


@pytest.mark.parametrize("kind", ["fifo", "huge", "missing", "directory"])
def test_a_secret_file_that_is_not_a_small_regular_file_is_refused(replay: Replay, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "token"
    if kind == "fifo":
        os.mkfifo(path)  # a read would block forever
    elif kind == "huge":
        path.write_text("x" * 5000)
    elif kind == "directory":
        path.mkdir()
    client = PrometheusClient(replay.url, credentials=Credentials(bearer_token_file=str(path)))
    try:
        started = time.monotonic()
        view = run_round(client, "edgetop", "site")
        assert time.monotonic() - started < 2
        assert not view.available and view.reason is not None and view.reason.startswith(f"cannot read {path}: ")
        assert replay.seen_auth == []  # nothing was sent without the credentials asked for
    finally:
        client.close()


def test_one_failing_query_leaves_the_round_partial(replay: Replay) -> None:
    replay.fail = {"temp_high"}
    client = PrometheusClient(replay.url)
    try:
        view = run_round(client, "edgetop", "site")
        assert view.available and list(view.failed_queries) == ["temp_high"]
        assert view.failed_queries["temp_high"].startswith("HTTP 400 Bad Request: no recording")
    finally:
        client.close()


def test_a_round_on_a_closed_client_is_an_answer_not_an_exception(replay: Replay) -> None:
    # The view closes its client on exit while a round may still start on a worker thread.
    client = PrometheusClient(replay.url)
    client.close()
    answers = client.query_many({"up": "up", "alerts": "ALERTS"})
    assert {name: str(err) for name, err in answers.items()} == {"up": "cancelled", "alerts": "cancelled"}


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # accepts (the kernel does) and never answers
        client = PrometheusClient(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=0.5)
        try:
            started = time.monotonic()
            view = run_round(client, "edgetop", "site")
            assert time.monotonic() - started < 1.5  # one time-out: up failed, the rest were not asked
            assert not view.available and view.reason in ("no answer within 0.5 s", "timed out")
        finally:
            client.close()


def test_nothing_listening_and_not_prometheus() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = PrometheusClient(f"http://127.0.0.1:{port}")
    try:
        assert run_round(client, "edgetop", "site").reason == "connection refused"
    finally:
        client.close()
    matrix = {"status": "success", "data": {"resultType": "matrix", "result": []}}
    with replay_server(Replay({"up": matrix})) as r, pytest.raises(SourceUnavailable, match="not an instant-vector"):
        PrometheusClient(r.url).query(fleet_queries("edgetop")["up"])


def test_tls_with_the_ca_file_and_without_it(tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with replay_server(Replay(recorded("three-reporting.json", time.time())), tls=context) as served:
        trusting = PrometheusClient(served.url, ca_file=str(cert))
        assert served.url.startswith("https://") and run_round(trusting, "edgetop", "site").available
        trusting.close()
        default = PrometheusClient(served.url)  # the system's CAs do not know this certificate
        reason = run_round(default, "edgetop", "site").reason
        default.close()
        assert reason is not None and reason.startswith("TLS: ") and "CERTIFICATE_VERIFY_FAILED" in reason
        with pytest.raises(ValueError, match="cannot use the CA file"):
            PrometheusClient(served.url, ca_file=str(tmp_path / "nope.pem"))


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://x", "must start with http"), ("http://", "names no host"),
    ("http://u:p@prom:9090", "credentials"), ("http://prom:9090/?x=1", "query"),
])
def test_bad_urls_are_refused_before_anything_is_sent(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_url(url)
    assert check_url("https://prom.example:9090/prefix/") == "https://prom.example:9090/prefix"


def test_an_answer_that_changed_only_its_time_is_not_read_again(replay: Replay) -> None:
    # Between two scrapes Prometheus answers the same samples at a later evaluation time.
    replay.answers["build"] = {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"instance": "a", "site": "s", "version": "1"}, "value": [1700000000.5, "1700000000.5"]}]}}
    queries = {name: fleet_queries("edgetop")[name] for name in ("up", "temp", "build")}
    labels = answer_labels("site")
    client = PrometheusClient(replay.url)
    try:
        first = client.query_many(queries, labels=labels)
        replay.answers = {k: shifted(v, 5.0) for k, v in replay.answers.items()}  # every sample's time moves
        second = client.query_many(queries, labels=labels)
        assert all(second[name] is first[name] for name in queries)  # the same rows, not read again
        up = replay.answers["up"]["data"]["result"][0]
        up["value"][1] = "0"
        # A value that equals the evaluation time changes with it: read again.
        replay.answers["build"]["data"]["result"][0]["value"][1] = "1700000005.5"
        third = client.query_many(queries, labels=labels)
        assert third["temp"] is first["temp"]
        assert third["up"] is not first["up"] and third["build"] is not first["build"]
        assert (up["metric"]["instance"], up["metric"]["site"], "0") in third["up"]
        assert third["build"] == [("a", "1", "s", "1700000005.5")]
    finally:
        client.close()
