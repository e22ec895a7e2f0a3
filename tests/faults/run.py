"""Run edgetop as a user does: ``python -m edgetop`` in a subprocess, a private tmux server, a scraper."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import stop_process

REPO = Path(__file__).resolve().parent.parent.parent
# Everything that could reach a daemon or the network is pointed at nothing.
FIXTURE_PROC = REPO / "tests" / "fixtures" / "hosts" / "vm-steal" / "sample1" / "proc"  # steady: no host alerts
QUIET = """\
libvirt: {uri: "test:///nonexistent-edgetop-faults.xml", timeout: 1}
ntp: {servers: [], timeout: 0.5}
services: []
"""


def env_for(tmp_path: Path) -> dict[str, str]:
    """A private environment: no user config, logs under ``tmp_path``, this checkout on the path."""
    env = {k: v for k, v in os.environ.items() if k != "EDGETOP_CONFIG"}
    return env | {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
                  "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONPATH": str(REPO)}


def edgetop(tmp_path: Path, *args: str, timeout: float = 60,
            prefix: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    """Run ``python -m edgetop ARGS`` to completion (``prefix`` wraps it, e.g. in setpriv)."""
    return subprocess.run([*prefix, sys.executable, "-m", "edgetop", *args], capture_output=True, text=True,
                          timeout=timeout, env=env_for(tmp_path), cwd=tmp_path, check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Exporter:
    """``edgetop serve`` on a loopback port, scraped like Prometheus does."""

    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc = proc
        self.port = port

    def scrape(self) -> str:
        assert self.proc.poll() is None, f"edgetop serve exited: {self.proc.communicate()[1]}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as resp:
                body: str = resp.read().decode()
                return body
        except OSError:
            return ""

    def wait_for(self, ready: Callable[[str], bool], timeout: float = 20.0, what: str = "") -> str:
        """Scrape until ``ready(body)`` holds; the body that satisfied it."""
        deadline = time.monotonic() + timeout
        body = ""
        while time.monotonic() < deadline:
            body = self.scrape()
            if body and ready(body):
                return body
            time.sleep(0.1)
        raise AssertionError(f"not seen within {timeout} s: {what}\n{body[:3000]}")


@contextmanager
def exporter(tmp_path: Path, *args: str) -> Iterator[Exporter]:
    """Start ``edgetop serve ARGS``; stop it (SIGTERM, then SIGKILL) and check it said nothing alarming."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "edgetop", "serve", "--listen", f"127.0.0.1:{port}", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_for(tmp_path),
                            cwd=tmp_path)
    try:
        yield Exporter(proc, port)
    finally:
        stop(proc)
    err = proc.stderr.read() if proc.stderr else ""
    assert "Traceback" not in err, err


def stop(proc: subprocess.Popen[str]) -> None:
    """Stop a process this test started."""
    stop_process(proc)


def metric(body: str, name: str, **labels: str) -> float | None:
    """The value of the first sample of ``name`` whose labels include ``labels``."""
    for line in body.splitlines():
        if not line.startswith(f"edgetop_{name}{{") and line.split(" ")[0] != f"edgetop_{name}":
            continue
        head, _, value = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', head))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return None


class Tmux:
    """A private tmux server (its own socket), killed on close."""

    def __init__(self) -> None:
        self.socket = f"edgetop-faults-{uuid.uuid4().hex[:8]}"

    def _run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True,
                              timeout=10).stdout

    def start(self, argv: Sequence[str], env: dict[str, str], cwd: Path, width: int = 140,
              height: int = 45) -> None:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # Textual draws on stderr: it stays the terminal, so a traceback would be on the screen.
        command = f"cd {shlex.quote(str(cwd))} && exec env -i {exports} {shlex.join(argv)}"
        self._run("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), command)

    def keys(self, *keys: str) -> None:
        self._run("send-keys", "-t", "t", *keys)

    def alive(self) -> bool:
        """Whether the program the session started still runs (its pane closes when it exits)."""
        return subprocess.run(["tmux", "-L", self.socket, "has-session", "-t", "t"], capture_output=True,
                              check=False, timeout=10).returncode == 0

    def screen(self) -> str:
        try:
            return self._run("capture-pane", "-p", "-t", "t")
        except subprocess.CalledProcessError:
            return ""

    def wait_for(self, ready: Callable[[str], bool], timeout: float = 20.0, what: str = "") -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if ready(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"screen not as expected within {timeout} s: {what}\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False, timeout=10)


@contextmanager
def tui(tmp_path: Path, *args: str, width: int = 140, height: int = 45,
        term: str = "xterm-256color") -> Iterator[Tmux]:
    """``python -m edgetop ARGS`` in a private tmux server; no traceback on its screen or in its log."""
    t = Tmux()
    # COLUMNS/LINES (set by pytest) would override the terminal's real size in Textual.
    env = {k: v for k, v in env_for(tmp_path).items() if k not in ("COLUMNS", "LINES")}
    env |= {"TERM": term} | ({"COLORTERM": "truecolor"} if term != "linux" else {})
    try:
        t.start([sys.executable, "-m", "edgetop", *args], env, tmp_path, width=width, height=height)
        yield t
        assert "Traceback" not in t.screen()
    finally:
        t.close()
    log = tmp_path / "state" / "edgetop" / "edgetop.log"
    text = log.read_text() if log.exists() else ""
    assert "Traceback" not in text, text
