"""Soak: ``edgetop --demo --interval 0.5`` in 120x40 for a long run; RSS, threads and fds must stay flat.

Samples VmRSS and Threads (/proc/PID/status) and open fds (/proc/PID/fd) every few seconds
and reports the growth after the first minute (start-up, imports and caches filling on the
first ticks are not a leak). Target: RSS growth under 5 MB, threads and fds flat.

EDGETOP_SOAK_SECONDS sets the duration (default 1800, as ``make bench`` runs it);
EDGETOP_SOAK_EVERY the sampling period (default 5 s). htop, if installed, runs beside it
in the same window as a peer (not installed here: this benchmark adds no packages).
Set EDGETOP_SOAK_CSV to a path to keep every sample.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tmuxrun import Tmux

EDGETOP = [sys.executable, "-m", "edgetop", "--demo", "--interval", "0.5"]
WARMUP = 60.0  # seconds of start-up excluded from the growth
RSS_TARGET_MB = 5.0


@dataclass(frozen=True)
class Sample:
    """One look at a process from outside."""

    t: float
    rss_kb: int
    threads: int
    fds: int


def sample(pid: int, t: float) -> Sample:
    """RSS (VmRSS, kB) and thread count from /proc/PID/status, open fds from /proc/PID/fd."""
    fields: dict[str, str] = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return Sample(t=t, rss_kb=int(fields["VmRSS"].split()[0]), threads=int(fields["Threads"]),
                  fds=len(os.listdir(f"/proc/{pid}/fd")))


def growth(samples: list[Sample]) -> tuple[Sample, Sample, Sample]:
    """(first sample at or after the warm-up, last sample, the maxima over the steady part)."""
    steady = [s for s in samples if s.t >= WARMUP] or samples[-1:]
    peak = Sample(t=0, rss_kb=max(s.rss_kb for s in steady), threads=max(s.threads for s in steady),
                  fds=max(s.fds for s in steady))
    return steady[0], samples[-1], peak


def describe(samples: list[Sample]) -> str:
    base, last, peak = growth(samples)
    return (f"RSS {base.rss_kb / 1024:.1f} -> {last.rss_kb / 1024:.1f} MB "
            f"(+{(last.rss_kb - base.rss_kb) / 1024:.1f}, peak {peak.rss_kb / 1024:.1f}), "
            f"threads {base.threads} -> {last.threads} (max {peak.threads}), "
            f"fds {base.fds} -> {last.fds} (max {peak.fds})")


def run() -> list[dict[str, str]]:
    seconds = float(os.environ.get("EDGETOP_SOAK_SECONDS", "1800"))
    every = float(os.environ.get("EDGETOP_SOAK_EVERY", "5"))
    csv_path = os.environ.get("EDGETOP_SOAK_CSV")
    tmux = Tmux()
    series: dict[str, list[Sample]] = {"edgetop": []}
    try:
        pids = {"edgetop": tmux.start("soak-edgetop", EDGETOP, env={"TERM": "xterm-256color"})}
        if shutil.which("htop"):
            pids["htop"] = tmux.start("soak-htop", ["htop", "-d", "5"], env={"TERM": "xterm-256color"})
            series["htop"] = []
        t0 = time.monotonic()
        while (now := time.monotonic() - t0) <= seconds:
            for name, pid in pids.items():
                series[name].append(sample(pid, now))
            time.sleep(every)
    finally:
        tmux.close()
    if csv_path:
        with open(csv_path, "w") as fh:
            fh.write("process,t,rss_kb,threads,fds\n")
            for name, samples in series.items():
                fh.writelines(f"{name},{s.t:.1f},{s.rss_kb},{s.threads},{s.fds}\n" for s in samples)
    base, last, _ = growth(series["edgetop"])
    grew = (last.rss_kb - base.rss_kb) / 1024
    ok = grew < RSS_TARGET_MB and last.threads <= base.threads and last.fds <= base.fds
    peer = f"htop {describe(series['htop'])}" if "htop" in series else "htop not installed"
    return [{"benchmark": f"soak --demo --interval 0.5, 120x40, {seconds / 60:.0f} min",
             "edgetop": describe(series["edgetop"]), "peer": peer,
             "note": f"{'OK' if ok else 'GROWS'}: target RSS +{RSS_TARGET_MB:.0f} MB after the first "
                     f"{WARMUP:.0f} s, threads and fds flat"}]
