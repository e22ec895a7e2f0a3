"""Tables you can trust, read off a real console screen: tmux at 80x25 with TERM=linux (issue 14).

A sorted Domains pane is still in order after five ticks; in Processes the cursor stays on
its pid while processes come and go above it (the pid under the cursor is read from the
kill dialog, which names it, and the dialog is then cancelled).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.faults.run import QUIET, Tmux, env_for


@contextmanager
def console(tmp_path: Path, *args: str) -> Iterator[Tmux]:
    """``python -m edgetop ARGS`` at 80x25 as the Linux console presents itself (16 colours, its font)."""
    t = Tmux()
    env = {k: v for k, v in env_for(tmp_path).items() if k not in ("COLUMNS", "LINES")} | {"TERM": "linux"}
    try:
        t.start([sys.executable, "-m", "edgetop", *args], env, tmp_path, width=80, height=25)
        yield t
        assert "Traceback" not in t.screen()
    finally:
        t.close()


def column(screen: str, label: str) -> list[str]:
    """The values under the header ``label``, top to bottom, up to a blank line.

    A value is the word that overlaps the header's cells, so left- and right-justified
    columns both read whole (a five-digit pid starts left of ``PID▼``).
    """
    lines = screen.splitlines()
    head = next(i for i, line in enumerate(lines) if label in line)
    start = lines[head].index(label)
    end = start + len(label)
    values = []
    for line in lines[head + 1:]:
        word = next((m[0] for m in re.finditer(r"\S+", line) if m.start() < end and m.end() > start), None)
        if not line.strip() or word is None:
            break
        values.append(word)
    return values


def test_domains_sorted_by_cpu_stay_in_order_for_five_ticks(tmp_path: Path) -> None:
    with console(tmp_path, "--demo") as t:
        t.wait_for(lambda s: "1 Ove" in s, what="the first frame")
        t.keys("5")
        t.wait_for(lambda s: "running" in s and "CPU%" in s, what="the Domains pane")
        t.keys("P")
        screen = t.wait_for(lambda s: "CPU%▼" in s, what="the CPU% column marked as the descending sort")
        seen: list[list[str]] = []
        deadline = time.monotonic() + 30
        while len(seen) < 5 and time.monotonic() < deadline:  # five ticks: five different tables
            screen = t.screen()
            values = column(screen, "CPU%▼")
            if values and (not seen or values != seen[-1]):
                seen.append(values)
                known = [float(v.rstrip("%")) for v in values if v != "n/a"]
                assert known == sorted(known, reverse=True), screen
                assert all(v == "n/a" for v in values[len(known):]), screen  # unknown last
            time.sleep(0.2)
        assert len(seen) == 5, f"the CPU column did not change five times:\n{screen}"


CHILD = "import sys, time; time.sleep(300)"


def test_the_cursor_stays_on_its_pid_while_processes_come_and_go(tmp_path: Path) -> None:
    mark = f"edgetop-tmux-{uuid.uuid4().hex[:6]}"
    config = tmp_path / "config.yaml"
    config.write_text(QUIET + f"actions: {{audit_log: {tmp_path / 'audit.log'}}}\ninterval: 0.5\n")
    children: list[subprocess.Popen[bytes]] = []

    def spawn(n: int) -> subprocess.Popen[bytes]:
        child = subprocess.Popen([sys.executable, "-c", CHILD, f"{mark}-{n}"])
        children.append(child)
        return child

    try:
        for n in range(4):
            spawn(n)
        with console(tmp_path, "--config", str(config)) as t:
            t.wait_for(lambda s: "1 Ove" in s, what="the first frame")
            t.keys("4")
            t.wait_for(lambda s: "COMMAND" in s, what="the Processes pane")
            t.keys("\\")
            t.wait_for(lambda s: "filter: command, user or pid" in s, what="the filter box")
            t.keys("-l", mark)  # literally: tmux reads an argument "-" as a flag
            t.wait_for(lambda s: "4 shown" in s and f"filter: {mark}" in s, what="the four children, filtered")
            t.keys("Enter")
            t.wait_for(lambda s: "t Tree" in s, what="the filter box closed")
            t.keys("N", "I")  # by pid, largest first: newcomers appear above
            screen = t.wait_for(lambda s: "PID▼" in s, what="the PID column marked descending")
            assert [int(p) for p in column(screen, "PID▼")] == sorted((c.pid for c in children), reverse=True)
            t.keys("Down", "Down")  # the third row: children[1]
            target = children[1].pid
            # Processes come (three newer pids, above it) and go (one above it, one below).
            for gone in (children[3], children[0]):
                gone.kill()
                gone.wait(timeout=10)  # reaped: no zombie left in the list
            for n in range(4, 7):
                spawn(n)
            screen = t.wait_for(lambda s: "5 shown" in s, what="the new set of processes")
            pids = [int(p) for p in column(screen, "PID▼")]
            # Three newer pids above it, one gone above it: from the third row to the fifth.
            assert pids == sorted(pids, reverse=True) and pids.index(target) == 4, screen
            t.keys("k")
            screen = t.wait_for(lambda s: "Send SIGTERM to" in s, what="the kill dialog for the row under the cursor")
            assert f"Send SIGTERM to {target} " in screen, screen
            t.keys("n")
            t.wait_for(lambda s: "Send SIGTERM" not in s, what="the dialog closed")
            assert all(c.poll() is None for c in children if c.pid in pids)  # nothing was sent
    finally:
        for child in children:
            child.kill()
            child.wait(timeout=10)
