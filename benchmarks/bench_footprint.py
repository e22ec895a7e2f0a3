"""Footprint against issue 17's targets, peers in the same run: CPU, RSS, threads, terminal bytes.

Every program runs in its own session of one private tmux server, all at once, for the same
window (BENCH_SECONDS, default 60) after a few seconds of start-up:

- ``edgetop --demo`` on the overview and on the processes pane, 120x40, 1 s refresh;
- ``edgetop --demo`` at 80x25 with ``TERM=linux`` (the crash cart's console);
- glances 4.x (``-t 1``, installed from PyPI into .bench/glances, not a project dependency)
  and htop (``-d 10``, apt) at 120x40, and htop again at 80x25 ``TERM=linux``.

Terminal bytes are what each program writes to its pty, counted by tmux's ``pipe-pane`` (the
bytes an SSH session or a cellular backhaul to a cell site must carry). CPU is utime+stime over
the window, RSS (statm) and threads (/proc/PID/status) at its end. Each row says ``pass`` or
``short`` against the issue's target, measured against the peers of this run, never against
numbers from another day.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import BARE_TEXTUAL, ROOT, edgetop_ready, ensure_glances, ensure_htop, first_frame
from tmuxrun import Tmux, cpu_seconds, rss_bytes, thread_count

EDGETOP_DEMO = [sys.executable, "-m", "edgetop", "--demo"]
XTERM = {"TERM": "xterm-256color"}
CONSOLE = {"TERM": "linux"}
RSS_TARGET_MIB = 45.0
THREADS_TARGET = 6
FIRST_FRAME_TARGET_S = 0.25
# The same bare app with libvirt loaded and its test driver open, as --demo has it: the RSS any
# Textual monitor of libvirt domains starts from (libvirt.so and its TLS and XML libraries).
BARE_TEXTUAL_LIBVIRT = "import libvirt\nconnection = libvirt.open('test:///default')\n" + BARE_TEXTUAL


@dataclass
class Run:
    """One program in its tmux session, and where its output bytes are counted."""

    session: str
    pid: int
    sink: Path
    cpu0: float = 0.0
    bytes0: int = 0


@dataclass(frozen=True)
class Cost:
    """What one program cost over the window."""

    cpu_per_minute: float
    rss_mib: float
    threads: int
    bytes_per_second: float


def start(tmux: Tmux, tmp: Path, session: str, argv: list[str], env: dict[str, str],
          size: tuple[int, int] = (120, 40)) -> Run:
    """Start ``argv`` and count its output bytes from the first one on (``pipe-pane -o``)."""
    pid = tmux.start(session, argv, width=size[0], height=size[1], env=env)
    sink = tmp / f"{session}.bytes"
    sink.touch()
    # tmux hands the pane's output to this command's stdin; the path is ours, quoted by hand.
    subprocess.run(["tmux", "-L", tmux.socket, "pipe-pane", "-o", "-t", session, f"cat >> '{sink}'"],
                   check=True)
    return Run(session, pid, sink)


def verdict(ok: bool) -> str:
    """The word a row ends with."""
    return "pass" if ok else "short"


def measure(runs: dict[str, Run], seconds: float) -> dict[str, Cost]:
    """CPU, RSS, threads and bytes of every run over the same ``seconds``."""
    for run in runs.values():
        run.cpu0, run.bytes0 = cpu_seconds(run.pid), run.sink.stat().st_size
    time.sleep(seconds)
    return {name: Cost(cpu_per_minute=(cpu_seconds(r.pid) - r.cpu0) * 60 / seconds,
                       rss_mib=rss_bytes(r.pid) / 2**20, threads=thread_count(r.pid),
                       bytes_per_second=(r.sink.stat().st_size - r.bytes0) / seconds)
            for name, r in runs.items()}


def row(benchmark: str, edgetop: str, peer: str, note: str) -> dict[str, str]:
    """One line of the table."""
    return {"benchmark": f"footprint: {benchmark}", "edgetop": edgetop, "peer": peer, "note": note}


def rows_for(cost: dict[str, Cost], ff: float, seconds: float, bare_ff: float | None = None) -> list[dict[str, str]]:
    """The pass/short table from one window's costs and the first-frame times (edgetop's, a bare Textual app's)."""
    et, etp, etc = cost["edgetop"], cost["edgetop-processes"], cost["edgetop-console"]
    glances, htop, htop_console = cost.get("glances"), cost.get("htop"), cost.get("htop-console")
    # The floor under both targets: a Textual app that paints one line, run the same way.
    bare = "" if bare_ff is None else f"bare Textual app {bare_ff:.2f} s"
    rows = [row("first full frame, --demo, 120x40 (median of 3)", f"{ff:.2f} s", bare,
                f"target <= {FIRST_FRAME_TARGET_S} s: {verdict(ff <= FIRST_FRAME_TARGET_S)}")]
    cpu = f"{et.cpu_per_minute:.2f} s"
    if glances:
        peer = f"glances {glances.cpu_per_minute:.2f} s" + (f", htop {htop.cpu_per_minute:.2f} s" if htop else "")
        half = verdict(et.cpu_per_minute <= glances.cpu_per_minute / 2)
        rows.append(row("CPU s/min, --demo overview, 120x40", cpu, peer,
                        f"target <= half of glances: {half}; same {seconds:.0f} s window, all at once"))
        rows.append(row("CPU s/min, --demo processes pane", f"{etp.cpu_per_minute:.2f} s",
                        f"glances {glances.cpu_per_minute:.2f} s",
                        f"target <= glances: {verdict(etp.cpu_per_minute <= glances.cpu_per_minute)}"))
    else:
        rows.append(row("CPU s/min, --demo overview, 120x40", cpu, "glances not installed (pip failed)",
                        "no verdict without the peer"))
    if htop and htop_console:
        peer = f"htop {htop.bytes_per_second:,.0f}" + (f", glances {glances.bytes_per_second:,.0f}" if glances else "")
        rows.append(row("terminal bytes/s, 120x40", f"{et.bytes_per_second:,.0f}", peer,
                        f"target <= htop: {verdict(et.bytes_per_second <= htop.bytes_per_second)}"))
        rows.append(row("terminal bytes/s, 80x25 TERM=linux", f"{etc.bytes_per_second:,.0f}",
                        f"htop {htop_console.bytes_per_second:,.0f}",
                        f"target <= htop: {verdict(etc.bytes_per_second <= htop_console.bytes_per_second)}"))
    peers = ", ".join(f"{k} {c.rss_mib:.0f} MiB / {c.threads}" for k, c in cost.items() if not k.startswith("edgetop"))
    rss = max(et.rss_mib, etp.rss_mib, etc.rss_mib)
    threads = max(et.threads, etp.threads, etc.threads)
    rows.append(row("RSS / threads, --demo (worst of the three)", f"{rss:.0f} MiB / {threads}", peers,
                    f"targets <= {RSS_TARGET_MIB:.0f} MiB: {verdict(rss <= RSS_TARGET_MIB)}, "
                    f"<= {THREADS_TARGET} threads: {verdict(threads <= THREADS_TARGET)}"))
    return rows


def run() -> list[dict[str, str]]:
    """Start everything, measure one window, print pass/short per target."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "edgetop")], check=True)
    seconds = float(os.environ.get("BENCH_SECONDS", "60"))
    tmp = ROOT / ".bench" / "footprint"
    tmp.mkdir(parents=True, exist_ok=True)
    tmux = Tmux()
    try:
        glances, htop = ensure_glances(), ensure_htop()
        ff = first_frame(tmux, EDGETOP_DEMO, edgetop_ready)
        bare_ff = first_frame(tmux, [sys.executable, "-c", BARE_TEXTUAL], lambda s: "bare textual" in s)
        runs = {"edgetop": start(tmux, tmp, "fp-edgetop", EDGETOP_DEMO, XTERM),
                "edgetop-processes": start(tmux, tmp, "fp-edgetop-p", EDGETOP_DEMO, XTERM),
                "edgetop-console": start(tmux, tmp, "fp-edgetop-c", EDGETOP_DEMO, CONSOLE, size=(80, 25))}
        # RSS and threads of the same bare Textual app: what any Textual TUI costs here.
        runs["bare-textual"] = start(tmux, tmp, "fp-bare", [sys.executable, "-c", BARE_TEXTUAL], XTERM)
        runs["bare-textual+libvirt"] = start(tmux, tmp, "fp-bare-lv", [sys.executable, "-c", BARE_TEXTUAL_LIBVIRT],
                                             XTERM)
        if glances:
            runs["glances"] = start(tmux, tmp, "fp-glances", glances, XTERM)
        if htop:
            runs["htop"] = start(tmux, tmp, "fp-htop", htop, XTERM)
            runs["htop-console"] = start(tmux, tmp, "fp-htop-c", htop, CONSOLE, size=(80, 25))
        tmux.wait_for("fp-edgetop-p", edgetop_ready, timeout=15)
        subprocess.run(["tmux", "-L", tmux.socket, "send-keys", "-t", "fp-edgetop-p", "4"], check=True)
        time.sleep(5)  # start-up (imports, first fills) is not what runs all day
        cost = measure(runs, seconds)
    finally:
        tmux.close()
    return rows_for(cost, ff, seconds, bare_ff)


if __name__ == "__main__":
    from run import table

    print(table(run()))
