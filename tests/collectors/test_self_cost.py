"""edgetop's own cost (/proc/self): over a fixture tree, over the real process, and pinned with --cpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors.self_cost import CLOCK_TICKS, SelfRaw, collect_self, derive_self, self_json, self_metrics
from edgetop.config import ConfigError, load_config
from edgetop.sources.fs import ProcFS

STATUS = "Name:\tpython3\nUid:\t0\t0\t0\t0\nVmRSS:\t   61440 kB\nThreads:\t7\nCpus_allowed_list:\t0\n"


def stat_line(utime: int, stime: int, threads: int = 7) -> str:
    # Fields 3.. of proc(5): state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    # utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss ...
    rest = ["S", "1", "1", "1", "0", "-1", "4194304", "0", "0", "0", "0", str(utime), str(stime), "0", "0",
            "20", "0", str(threads), "0", "100", "1000", "15000"] + ["0"] * 20
    return f"4242 (python3 (edge)) {' '.join(rest)}\n"


def tree(tmp_path: Path, utime: int, stime: int) -> ProcFS:
    (tmp_path / "self").mkdir(exist_ok=True)
    (tmp_path / "self" / "stat").write_text(stat_line(utime, stime))
    (tmp_path / "self" / "status").write_text(STATUS)
    return ProcFS(tmp_path)


def test_fixture_tree_gives_cpu_share_memory_threads_and_cpus(tmp_path: Path) -> None:
    first = collect_self(tree(tmp_path, 100, 50))
    second = collect_self(tree(tmp_path, 100 + CLOCK_TICKS // 2, 50))  # half a CPU-second more
    assert first.cpu_seconds_total == pytest.approx(150 / CLOCK_TICKS)
    assert second.rss_bytes == 61440 * 1024 and second.threads == 7 and second.cpus == frozenset({0})
    view = derive_self(first, second, 2.0)
    assert view.cpu_ratio == pytest.approx(0.25)  # 0.5 s of CPU in 2 s
    assert derive_self(None, second, 2.0).cpu_ratio is None
    assert self_json(view) == {"cpu_ratio": pytest.approx(0.25), "cpu_seconds_total": second.cpu_seconds_total,
                               "rss_bytes": 61440 * 1024, "threads": 7, "cpus": "0"}
    metrics = {m.name: m for m in self_metrics(view)}
    assert metrics["self_cpu_seconds_total"].kind == "counter"
    assert metrics["self_resident_memory_bytes"].value == 61440 * 1024
    assert metrics["self_threads"].value == 7 and metrics["self_allowed_cpus"].value == 1


@given(st.integers(0, 10**9), st.integers(0, 10**9), st.floats(0.001, 3600))
def test_the_share_is_never_negative(before: int, after: int, elapsed: float) -> None:
    view = derive_self(SelfRaw(before, None, 1, None), SelfRaw(after, None, 1, None), elapsed)
    assert view.cpu_ratio is not None and view.cpu_ratio >= 0


def test_the_real_process_agrees_with_proc() -> None:
    raw = collect_self(ProcFS("/proc"))
    status = Path("/proc/self/status").read_text()
    threads = int(next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:")))
    assert raw.threads == threads
    assert raw.cpus == frozenset(os.sched_getaffinity(0))
    assert raw.rss_bytes is not None and raw.rss_bytes > 10 * 1024 * 1024  # an interpreter with edgetop loaded
    times = os.times()
    assert raw.cpu_seconds_total == pytest.approx(times.user + times.system, abs=0.1)


def _snapshot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "EDGETOP_CONFIG": ""}
    return subprocess.run([sys.executable, "-m", "edgetop", "snapshot", "--interval", "0.2", *args],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env, check=False)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="pinning is seen only with two CPUs to choose from")
def test_cpus_pins_every_thread_and_the_snapshot_says_so(tmp_path: Path) -> None:
    last = max(os.sched_getaffinity(0))
    result = _snapshot(tmp_path, "--cpus", str(last))
    assert result.returncode == 0, result.stderr
    me = json.loads(result.stdout)["self"]
    assert me["cpus"] == str(last) and me["threads"] >= 1 and me["rss_bytes"] > 0


def test_cpus_that_are_not_there_are_refused_with_the_node_cpus(tmp_path: Path) -> None:
    result = _snapshot(tmp_path, "--cpus", "4095")
    assert result.returncode == 2 and result.stdout == ""
    assert "cannot pin edgetop to CPUs 4095 (self.cpus / --cpus): none of them is online; this node has CPUs" in (
        result.stderr)
    assert "Traceback" not in result.stderr
    bad = _snapshot(tmp_path, "--cpus", "3-1")
    assert bad.returncode == 2 and "--cpus: '3-1': a range must go up" in bad.stderr


def test_self_cpus_in_the_config_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("interval: 1\nself:\n  cpus: 0-1,x\n")
    with pytest.raises(ConfigError, match=r"c\.yaml:3: self\.cpus: '0-1,x' is not a CPU list"):
        load_config(str(path))
    path.write_text("self:\n  cpus: 0\n")
    assert load_config(str(path)).self.cpus == "0"
