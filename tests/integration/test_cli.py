"""The command line as a user runs it: exit codes, check-config, --version, snapshot, serve."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from edgetop import __version__
from tests.helpers import free_port

QUIET = """\
libvirt: {uri: "test:///nonexistent-edgetop-cli.xml", timeout: 1}
ntp: {servers: [], timeout: 0.5}
services: []
"""
DESIGN_KEYS = ["schema_version", "timestamp", "host", "cpu", "memory", "domains", "sensors", "network", "snmp",
               "ntp", "services", "processes", "alerts", "sources"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "EDGETOP_CONFIG"}
    return env | {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
                  "XDG_STATE_HOME": str(tmp_path / "state")}


def edgetop(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edgetop", *args], capture_output=True, text=True,
                          timeout=timeout, env=_env(tmp_path), cwd=tmp_path, check=False)


def test_version(tmp_path: Path) -> None:
    result = edgetop(tmp_path, "--version")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"edgetop {__version__}"
    assert lines[1].startswith(f"Python {sys.version.split()[0]} ")
    assert re.fullmatch(r"Textual \d+\.\d+\.\d+", lines[2])
    assert re.fullmatch(r"libvirt \d+\.\d+\.\d+ \(libvirt-python \d+\.\d+\.\d+\)", lines[3])


def test_help_names_the_log_file(tmp_path: Path) -> None:
    env = _env(tmp_path) | {"COLUMNS": "400"}  # argparse wraps long paths at hyphens otherwise
    result = subprocess.run([sys.executable, "-m", "edgetop", "--help"], capture_output=True, text=True,
                            timeout=60, env=env, cwd=tmp_path, check=False)
    assert result.returncode == 0
    assert f"{tmp_path}/state/edgetop/edgetop.log" in result.stdout


@pytest.mark.parametrize(("text", "message"), [
    ("interval: fast\n", "c.yaml:1: interval: expected a number"),
    ("thresholds:\n  cpu_steal_ratio: {warning: 1}\n", "c.yaml:2: thresholds.cpu_steal_ratio.warning: unknown key "
     "(allowed: crit, warn)"),
])
@pytest.mark.parametrize("command", [[], ["snapshot"], ["check-config"]])
def test_bad_config_exits_2_with_one_line(tmp_path: Path, text: str, message: str, command: list[str]) -> None:
    (tmp_path / "c.yaml").write_text(text)
    result = edgetop(tmp_path, *command, "--config", "c.yaml")
    assert result.returncode == 2
    assert result.stderr == f"edgetop: {message}\n"
    assert result.stdout == ""


def test_missing_explicit_config_and_env_config(tmp_path: Path) -> None:
    result = edgetop(tmp_path, "check-config", "--config", "nope.yaml")
    assert (result.returncode, result.stderr) == (2, "edgetop: nope.yaml: no such config file\n")
    env = _env(tmp_path) | {"EDGETOP_CONFIG": str(tmp_path / "gone.yaml")}
    result = subprocess.run([sys.executable, "-m", "edgetop", "check-config"], capture_output=True, text=True,
                            timeout=60, env=env, cwd=tmp_path, check=False)
    assert (result.returncode, result.stderr) == (2, f"edgetop: {tmp_path}/gone.yaml: no such config file\n")


@pytest.mark.parametrize(("args", "reason"), [
    (["snapshot", "--interval", "-1"], "must be greater than 0"),
    (["snapshot", "--interval", "0"], "must be greater than 0"),
    (["snapshot", "--interval", "nan"], "must be a finite number"),
    (["snapshot", "--interval", "inf"], "must be a finite number"),
    (["serve", "--interval", "0"], "must be greater than 0"),
    (["--interval", "0"], "must be greater than 0"),
    (["--interval", "inf"], "must be a finite number"),
    (["check-config", "--interval", "3601"], "must be at most 3600 seconds"),
])
def test_bad_interval_flag(tmp_path: Path, args: list[str], reason: str) -> None:
    result = edgetop(tmp_path, *args)
    assert (result.returncode, result.stderr) == (2, f"edgetop: --interval: {reason}\n")


def test_check_config_prints_effective_config_with_secrets_redacted(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("interval: 2\nsnmp:\n  targets:\n    - {name: sw, host: 192.0.2.1, version: '2c', "
                   "community: hunter2-community}\n")
    cfg.chmod(0o644)
    result = edgetop(tmp_path, "check-config", str(cfg), "--theme", "edgetop-light")
    assert result.returncode == 0, result.stderr
    assert "hunter2" not in result.stdout + result.stderr
    assert result.stdout.startswith(f"# effective configuration from {cfg}\n")
    assert "community: <redacted>" in result.stdout
    assert "interval: 2.0" in result.stdout and "theme: edgetop-light" in result.stdout  # flag wins
    assert result.stderr == (f"edgetop: warning: {cfg} holds a secret and is readable by other users "
                             "(chmod 600 it)\n")


def test_snapshot_of_this_machine_has_every_contract_key(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(QUIET)
    t0 = time.monotonic()
    result = edgetop(tmp_path, "snapshot", "--config", "c.yaml", "--interval", "0.3")
    elapsed = time.monotonic() - t0
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data)[: len(DESIGN_KEYS) - 2] == DESIGN_KEYS[:-2] and set(DESIGN_KEYS) <= set(data)
    for name in ("host", "cpu", "memory", "processes"):
        assert data["sources"][name]["status"] == "ok", data["sources"][name]
    assert data["sources"]["domains"]["status"] == "unavailable" and data["sources"]["domains"]["reason"]
    assert data["host"]["cpus"] == os.cpu_count()
    total = data["cpu"]["total"]
    ratios = [total[k] for k in ("user_ratio", "system_ratio", "iowait_ratio", "steal_ratio", "idle_ratio")]
    assert all(r is not None and 0 <= r <= 1 for r in ratios)
    me = [p for p in data["processes"] if p["pid"] == os.getpid()]  # this test's own process is listed
    assert len(me) == 1 and me[0]["affinity"] == sorted(os.sched_getaffinity(0))
    assert elapsed < 30


_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABELS = r'\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,(?=[a-zA-Z_])|(?=\})))*\}'
_VALUE = r"(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|NaN|[+-]Inf)"
SAMPLE = re.compile(rf"^({_NAME})({_LABELS})? {_VALUE}$")
COMMENT = re.compile(rf"^# (HELP|TYPE) ({_NAME}) (.+)$")


def _check_exposition(body: str) -> dict[str, str]:
    """Validate every line of a text exposition; return the TYPE of each family."""
    types: dict[str, str] = {}
    assert body.endswith("\n")
    for line in body.splitlines():
        m = COMMENT.match(line)
        if m:
            if m.group(1) == "TYPE":
                assert m.group(2) not in types, f"second TYPE for {m.group(2)}"
                assert m.group(3) in ("gauge", "counter"), line
                types[m.group(2)] = m.group(3)
            continue
        m = SAMPLE.match(line)
        assert m, f"not a valid exposition line: {line!r}"
        assert m.group(1) in types, f"sample before its TYPE: {line!r}"
    return types


def test_serve_exposes_valid_metrics(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(QUIET)
    port = free_port(socket.SOCK_STREAM)
    proc = subprocess.Popen([sys.executable, "-m", "edgetop", "serve", "--config", "c.yaml", "--interval", "0.5",
                             "--listen", f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=_env(tmp_path), cwd=tmp_path)
    body = ""
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
                    body = resp.read().decode()
                    content_type = resp.headers["Content-Type"]
            except OSError:
                body = ""
            wanted = ('edgetop_collector_up{collector="cpu"} 1', "node_cpu_seconds_total{",
                      'edgetop_collector_up{collector="domains"}')
            if all(w in body for w in wanted):  # collectors report on their own schedules
                break
            time.sleep(0.2)
        assert 'edgetop_collector_up{collector="cpu"} 1' in body, body[:2000]
        assert content_type == "text/plain; version=0.0.4; charset=utf-8"
        types = _check_exposition(body)
        assert types["node_cpu_seconds_total"] == "counter"
        assert types["edgetop_collector_up"] == "gauge"
        assert re.search(r'^node_cpu_seconds_total\{cpu="0",mode="steal"\} \S+$', body, re.M)
        assert re.search(r'^edgetop_collector_up\{collector="domains"\} 0.0$', body, re.M)
        assert f'edgetop_build_info{{version="{__version__}"}} 1.0' in body
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/nope", timeout=5)
        assert info.value.code == 404
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        proc.communicate()


def test_serve_port_in_use_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(QUIET)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = edgetop(tmp_path, "serve", "--config", "c.yaml", "--listen", f"127.0.0.1:{port}")
    assert result.returncode == 1
    assert result.stderr == f"edgetop: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_serve_bad_listen(tmp_path: Path) -> None:
    result = edgetop(tmp_path, "serve", "--listen", "nowhere")
    assert (result.returncode, result.stderr) == (2, "edgetop: --listen 'nowhere': expected ADDR:PORT\n")




def test_snapshot_with_a_hung_hypervisor_answers_and_exits(tmp_path: Path) -> None:
    """A libvirtd that accepts and never answers costs the libvirt lane, not the snapshot.

    The socket is a real listening Unix socket owned by this test: libvirt's connect()
    succeeds and its first RPC waits forever, exactly like a wedged daemon.
    """
    (tmp_path / "c.yaml").write_text(QUIET)
    path = tmp_path / "libvirt-sock"
    with socket.socket(socket.AF_UNIX) as wedged:
        wedged.bind(str(path))
        wedged.listen(8)
        t0 = time.monotonic()
        result = edgetop(tmp_path, "snapshot", "--config", "c.yaml", "--interval", "0.1",
                         "--connect", f"qemu+unix:///system?socket={path}", timeout=60)
        elapsed = time.monotonic() - t0
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    domains = data["sources"]["domains"]
    assert domains["status"] == "unavailable"
    assert domains["reason"].startswith(("no answer within 5 s", "previous collection still running after"))
    for name in ("host", "cpu", "memory", "processes"):
        assert data["sources"][name]["status"] == "ok"
    assert elapsed < 30, f"took {elapsed:.1f} s: the hung call kept the process alive"


def test_check_config_lookup_from_xdg_and_defaults(tmp_path: Path) -> None:
    result = edgetop(tmp_path, "check-config")
    assert result.returncode == 0 and result.stdout.startswith("# effective configuration from (no config file: "
                                                               "defaults)\ninterval: 1.0\n")
    xdg = tmp_path / "xdg" / "edgetop" / "config.yaml"
    xdg.parent.mkdir(parents=True)
    xdg.write_text("interval: 4\n")
    result = edgetop(tmp_path, "check-config")
    assert result.returncode == 0 and result.stdout.startswith(f"# effective configuration from {xdg}\ninterval: 4.0\n")


def test_snapshot_into_a_closed_pipe_has_no_traceback(tmp_path: Path) -> None:
    """``edgetop snapshot | head -c 10``: the reader leaves early; no traceback on stderr."""
    (tmp_path / "c.yaml").write_text(QUIET)
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: the first write fails with EPIPE
    try:
        proc = subprocess.run([sys.executable, "-m", "edgetop", "snapshot", "--config", "c.yaml", "--interval", "0.1"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60, env=_env(tmp_path),
                              cwd=tmp_path, check=False)
    finally:
        os.close(write_end)
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr
    assert proc.returncode == 1


def test_ctrl_c_during_snapshot_interval_is_quiet(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(QUIET)
    # A Ctrl-C from a terminal, even when this test runs in a background job: a shell starts
    # those with SIGINT ignored, which a child inherits through exec; a handled signal is
    # reset to its default instead.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "edgetop", "snapshot", "--config", "c.yaml", "--interval", "30"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path),
                                cwd=tmp_path)
    finally:
        signal.signal(signal.SIGINT, before)
    try:
        time.sleep(2.0)  # inside the 30 s interval (imports and the first round take well under that)
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    assert "Traceback" not in err, err
    assert proc.returncode == 130 and out == ""
