"""Foundation: first frame, CPU per minute at 1 s refresh in 120x40 (vs glances and htop), snapshot time.

Peers run in the same run, side by side, each in its own tmux session of the same size.
glances is installed from PyPI into .bench/glances (not a project dependency); htop from apt.
Set BENCH_SECONDS to shorten the CPU window (default 60).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tmuxrun import Tmux, cpu_seconds, rss_bytes

ROOT = Path(__file__).resolve().parent.parent
EDGETOP = [sys.executable, "-m", "edgetop"]
GLANCES_VENV = ROOT / ".bench" / "glances"
BARE_TEXTUAL = (
    "from textual.app import App\n"
    "from textual.widgets import Static\n"
    "class A(App):\n"
    "    def compose(self):\n"
    "        yield Static('bare textual')\n"
    "A().run()\n"
)


def ensure_glances() -> list[str] | None:
    exe = GLANCES_VENV / "bin" / "glances"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(GLANCES_VENV)], check=True)
        result = subprocess.run([str(GLANCES_VENV / "bin" / "pip"), "install", "-q", "glances"],
                                capture_output=True, check=False)
        if result.returncode != 0:
            return None
    return [str(exe), "-t", "1"]


def ensure_htop() -> list[str] | None:
    if shutil.which("htop") is None and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "htop"],
                       capture_output=True, check=False)
    return ["htop", "-d", "10"] if shutil.which("htop") else None


def edgetop_ready(screen: str) -> bool:
    return "Sources: " in screen and "CPU " in screen


def first_frame(tmux: Tmux, argv: list[str], ready, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for i in range(runs):
        name = f"ff{i}-{Path(argv[0]).name}"
        tmux.start(name, argv, env={"TERM": "xterm-256color"})
        times.append(tmux.wait_for(name, ready, timeout=15))
        subprocess.run(["tmux", "-L", tmux.socket, "kill-session", "-t", name], capture_output=True, check=False)
        time.sleep(0.3)
    return statistics.median(times)


def run() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    # Measure edgetop as installed: with bytecode, as pip writes it for a wheel (an
    # editable install has none, and PYTHONDONTWRITEBYTECODE may stop Python caching it).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "edgetop")], check=True)
    seconds = float(os.environ.get("BENCH_SECONDS", "60"))
    tmux = Tmux()
    try:
        glances = ensure_glances()
        htop = ensure_htop()
        ff = first_frame(tmux, EDGETOP, edgetop_ready)
        # The floor for any Textual app on this machine right now: importing Textual and
        # painting one line. Machine speed varies; compare edgetop with this, in the same run.
        bare = first_frame(tmux, [sys.executable, "-c", BARE_TEXTUAL], lambda s: "bare textual" in s)
        peer = f"bare Textual app {bare:.2f} s"
        if htop:
            peer += f", htop {first_frame(tmux, htop, lambda s: 'Load average' in s):.2f} s"
        rows.append({"benchmark": "first full frame (120x40)", "edgetop": f"{ff:.2f} s", "peer": peer,
                     "note": "target < 0.6 s; median of 3"})

        pids = {"edgetop": tmux.start("cpu-edgetop", EDGETOP, env={"TERM": "xterm-256color"}),
                # The same, showing the process list (glances shows one on its main screen).
                "edgetop-processes": tmux.start("cpu-edgetop-p", EDGETOP, env={"TERM": "xterm-256color"})}
        if glances:
            pids["glances"] = tmux.start("cpu-glances", glances, env={"TERM": "xterm-256color"})
        if htop:
            pids["htop"] = tmux.start("cpu-htop", htop, env={"TERM": "xterm-256color"})
        time.sleep(2)
        subprocess.run(["tmux", "-L", tmux.socket, "send-keys", "-t", "cpu-edgetop-p", "4"], check=True)
        time.sleep(3)  # let start-up costs pass: steady state is what runs all day
        start = {k: cpu_seconds(p) for k, p in pids.items()}
        time.sleep(seconds)
        used = {k: (cpu_seconds(p) - start[k]) * 60 / seconds for k, p in pids.items()}
        rss = {k: rss_bytes(p) / 2**20 for k, p in pids.items()}
        peers = ", ".join(f"{k} {used[k]:.2f} s / {rss[k]:.0f} MiB" for k in used
                          if not k.startswith("edgetop"))
        rows.append({"benchmark": "CPU s per minute, 1 s refresh, 120x40 (RSS)",
                     "edgetop": f"{used['edgetop']:.2f} s / {rss['edgetop']:.0f} MiB",
                     "peer": peers or "none installed",
                     "note": f"same {seconds:.0f} s window, overview pane; must be below glances"})
        rows.append({"benchmark": "  the same, processes pane shown",
                     "edgetop": f"{used['edgetop-processes']:.2f} s / {rss['edgetop-processes']:.0f} MiB",
                     "peer": "(glances' main screen lists processes too)",
                     "note": "process list re-sorted by CPU every second"})
    finally:
        tmux.close()

    walls = []
    for _ in range(5):
        t0 = time.monotonic()
        subprocess.run([*EDGETOP, "snapshot", "--interval", "0.1"], check=True, capture_output=True)
        walls.append(time.monotonic() - t0 - 0.1)
    rows.append({"benchmark": "snapshot wall time minus --interval", "edgetop": f"{statistics.median(walls):.2f} s",
                 "peer": "", "note": "target < 0.5 s + interval; median of 5, whole process"})
    return rows


if __name__ == "__main__":
    from run import table

    print(table(run()))
