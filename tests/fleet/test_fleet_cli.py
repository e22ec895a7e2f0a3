"""``edgetop fleet`` on the command line and the ``fleet:`` config section."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edgetop.config import parse_config
from edgetop.errors import ConfigError
from tests.exporter.serving import env
from tests.fleet.replay import Replay, recorded, replay_server


def _run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edgetop", *args], capture_output=True, text=True, timeout=60,
                          env=env(tmp), cwd=tmp, check=False)


def test_the_config_names_the_server_and_a_token_file_relative_to_itself(tmp_path: Path) -> None:
    conf = tmp_path / "etc"
    conf.mkdir()
    (conf / "token").write_text("tok\n")
    with replay_server(Replay(recorded("one-stopped.json", time.time()))) as replay:
        (conf / "c.yaml").write_text(f"fleet: {{url: '{replay.url}', bearer_token_file: token, site_label: site}}\n")
        done = _run(tmp_path, "fleet", "--json", "--config", str(conf / "c.yaml"))
        assert done.returncode == 0 and done.stderr == ""
        doc = json.loads(done.stdout)
        assert [n["name"] for n in doc["nodes"]] == ["edge-stops", "edge-faulty", "edge-ok"]
        assert set(replay.seen_auth) == {"Bearer tok"}
        # --prometheus and --site-label win over the file.
        done = _run(tmp_path, "fleet", "--json", "--config", str(conf / "c.yaml"), "--prometheus", replay.url,
                    "--site-label", "instance")
        assert json.loads(done.stdout)["nodes"][0]["site"] == "edge-stops"


@pytest.mark.parametrize(("args", "message"), [
    ((), "no Prometheus to ask"),
    (("--prometheus", "http://u:pw@127.0.0.1:9"), "credentials"),
    (("--prometheus", "http://127.0.0.1:9", "--site-label", "no-dash"), "--site-label 'no-dash'"),
])
def test_bad_command_lines_exit_2_with_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    done = _run(tmp_path, "fleet", "--json", *args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("edgetop: ") and message in done.stderr and "Traceback" not in done.stderr
    assert "pw" not in done.stderr.replace(message, "")


def test_an_unreachable_prometheus_is_exit_1_with_the_reason_in_the_document(tmp_path: Path) -> None:
    done = _run(tmp_path, "fleet", "--json", "--prometheus", "http://127.0.0.1:9")
    doc = json.loads(done.stdout)
    assert (done.returncode, done.stderr) == (1, "")
    assert doc["prometheus"] == {"url": "http://127.0.0.1:9", "available": False, "reason": "connection refused",
                                 "round_seconds": doc["prometheus"]["round_seconds"], "failed_queries": {}}


@pytest.mark.parametrize(("text", "message"), [
    ("fleet: {url: 'ftp://x'}", "must start with http"),
    ("fleet: {url: 'http://a:b@x'}", "credentials"),
    ("fleet: {password_file: /p}", "password_file needs user"),
    ("fleet: {user: u, bearer_token_file: /t}", "either user and password_file"),
    ("fleet: {site_label: 'a-b'}", "label name"),
    ("fleet: {interval: 0}", "greater than 0"),
    ("fleet: {concurrency: 0}", "greater than 0"),
])
def test_the_fleet_section_refuses_what_cannot_work(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        parse_config(text, "c.yaml")
    assert str(err.value).startswith("c.yaml:1: fleet")


def test_the_fleet_section_defaults_and_values() -> None:
    cfg = parse_config("fleet: {url: 'https://prom:9090', user: ops, password_file: /p, ca_file: /ca.pem}\n", "c.yaml")
    assert (cfg.fleet.url, cfg.fleet.user, cfg.fleet.password_file, cfg.fleet.ca_file) == (
        "https://prom:9090", "ops", "/p", "/ca.pem")
    assert (cfg.fleet.site_label, cfg.fleet.job, cfg.fleet.interval) == ("site", "edgetop", 5.0)
