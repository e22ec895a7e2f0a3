"""Run terminal programs in a private tmux server and measure them from outside."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
import uuid
from collections.abc import Callable, Sequence


class Tmux:
    """A private tmux server (own socket name), killed on close."""

    def __init__(self) -> None:
        self.socket = f"edgetop-bench-{uuid.uuid4().hex[:8]}"

    def _run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True,
                              text=True).stdout

    def start(self, name: str, argv: Sequence[str], width: int = 120, height: int = 40,
              env: dict[str, str] | None = None) -> int:
        """Start ``argv`` in a new session; return the program's pid (exec'd, no shell left)."""
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
        command = f"exec env {exports} {shlex.join(argv)}"
        self._run("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), command)
        return int(self._run("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def capture(self, name: str) -> str:
        """The visible screen of session ``name``."""
        try:
            return self._run("capture-pane", "-p", "-t", name)
        except subprocess.CalledProcessError:
            return ""

    def wait_for(self, name: str, ready: Callable[[str], bool], timeout: float = 10.0) -> float:
        """Seconds until ``ready(screen)`` holds, polling every 10 ms."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if ready(self.capture(name)):
                return time.monotonic() - t0
            time.sleep(0.01)
        raise TimeoutError(f"{name}: screen not ready after {timeout} s:\n{self.capture(name)}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)


def cpu_seconds(pid: int) -> float:
    """utime+stime of a process and its waited-for children, in seconds."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    """Resident set size of a process."""
    with open(f"/proc/{pid}/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def thread_count(pid: int) -> int:
    """Threads of a process (the ``Threads:`` line of /proc/PID/status)."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0
