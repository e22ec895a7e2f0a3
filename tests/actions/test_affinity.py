"""Real pinning of child processes this test starts: every thread, read back per tid."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from edgetop.actions.audit import AuditLog
from edgetop.actions.backends.affinity import AffinityBackend, task_ids
from edgetop.actions.intents import PinProcess
from edgetop.actions.policy import CAP_SYS_NICE, Credentials
from edgetop.actions.runner import Runner
from edgetop.config_schema import Config
from edgetop.errors import ActionDenied, ActionFailed
from edgetop.sources.fs import ProcFS, SysFS

ROOT = Credentials(0, 0, frozenset({0}), (1 << 41) - 1)
ONLINE = sorted(os.sched_getaffinity(0))

CHILD = """
import sys, threading
stop = threading.Event()
threads = [threading.Thread(target=stop.wait) for _ in range(2)]
for t in threads: t.start()
print("ready", flush=True)
line = sys.stdin.readline()
if line.startswith("spawn"):
    extra = threading.Thread(target=stop.wait); extra.start()
    print("spawned", flush=True)
    sys.stdin.readline()
stop.set()
"""


@pytest.fixture
def child() -> Iterator[subprocess.Popen[str]]:
    """A python child with 3 threads (main + 2)."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    yield proc
    proc.kill()
    proc.wait(timeout=10)


def runner(tmp_path: Path, credentials: Credentials = ROOT) -> Runner:
    return Runner(Config(), read_only=False, audit=AuditLog(tmp_path / "audit.log", syslog_path=None),
                  credentials=credentials)


def masks(pid: int) -> dict[int, set[int]]:
    return {tid: os.sched_getaffinity(tid) for tid in task_ids(ProcFS(), pid)}


@pytest.mark.skipif(len(ONLINE) < 2, reason="needs two CPUs to move threads between")
def test_pin_every_thread_and_read_back(child: subprocess.Popen[str], tmp_path: Path) -> None:
    r = runner(tmp_path)
    before = masks(child.pid)
    assert len(before) == 3
    for target in ({ONLINE[-1]}, {ONLINE[0]}, set(ONLINE)):
        intent = PinProcess(child.pid, frozenset(target))
        assert r.refusal(intent) is None
        assert "each of the 3 thread(s)" in r.describe(intent)
        result = r.run(intent)
        assert masks(child.pid) == dict.fromkeys(before, target)
        assert len(result.state) == 3
        assert "3 thread(s)" in result.summary
    assert (tmp_path / "audit.log").read_text().count('outcome="success"') == 3


@pytest.mark.skipif(len(ONLINE) < 2, reason="needs two CPUs")
def test_thread_started_after_pinning_inherits(child: subprocess.Popen[str], tmp_path: Path) -> None:
    runner(tmp_path).run(PinProcess(child.pid, frozenset({ONLINE[0]})))
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write("spawn\n")
    child.stdin.flush()
    assert child.stdout.readline().strip() == "spawned"
    after = masks(child.pid)
    assert len(after) == 4
    assert all(m == {ONLINE[0]} for m in after.values())


def test_exited_pid_is_refused(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    reason = runner(tmp_path).refusal(PinProcess(proc.pid, frozenset({0})))
    assert reason == f"process {proc.pid} has exited"


def test_backend_reports_exit_during_pin(tmp_path: Path) -> None:
    empty = tmp_path / "proc"
    (empty / "4242/task").mkdir(parents=True)
    with pytest.raises(ActionFailed, match="process 4242 has exited"):
        AffinityBackend(ProcFS(empty)).pin(PinProcess(4242, frozenset({0})))


def test_empty_and_offline_sets_are_refused(child: subprocess.Popen[str], tmp_path: Path) -> None:
    r = runner(tmp_path)
    empty = r.refusal(PinProcess(child.pid, frozenset()))
    assert empty is not None and "no CPU selected" in empty
    offline = r.refusal(PinProcess(child.pid, frozenset({4095})))
    assert offline is not None and "CPU 4095 not online" in offline
    assert r.refusal(PinProcess(child.pid, frozenset()), with_cpus=False) is None  # before the picker


def test_other_users_process_needs_cap_sys_nice(child: subprocess.Popen[str], tmp_path: Path) -> None:
    user = Credentials(1000, 1000, frozenset({1000}), 0)
    reason = runner(tmp_path, user).refusal(PinProcess(child.pid, frozenset({0})))
    assert reason is not None and "CAP_SYS_NICE" in reason and "uid 0" in reason and "uid 1000" in reason
    nice = Credentials(1000, 1000, frozenset({1000}), 1 << CAP_SYS_NICE)
    assert runner(tmp_path, nice).refusal(PinProcess(child.pid, frozenset({0}))) is None
    same_user = Credentials(0, 0, frozenset({0}), 0)  # euid matches the target's uid
    assert runner(tmp_path, same_user).refusal(PinProcess(child.pid, frozenset({0}))) is None


def test_kernel_thread_is_refused(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    (proc / "2").mkdir(parents=True)
    # flags 0x00208040: PF_KTHREAD set, as kthreadd shows it.
    (proc / "2/stat").write_text("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n")
    (proc / "2/status").write_text("Name:\tkthreadd\nUid:\t0\t0\t0\t0\n")
    sys_root = tmp_path / "sys/devices/system/cpu"
    sys_root.mkdir(parents=True)
    (sys_root / "online").write_text("0-1\n")
    r = Runner(Config(), read_only=False, procfs=ProcFS(proc), sysfs=SysFS(tmp_path / "sys"), credentials=ROOT,
               audit=AuditLog(tmp_path / "audit.log", syslog_path=None))
    with pytest.raises(ActionDenied, match="kernel thread"):
        r.run(PinProcess(2, frozenset({0})))
    assert not (tmp_path / "audit.log").exists()


def test_kernel_refusal_is_reported(child: subprocess.Popen[str]) -> None:
    def refuse(tid: int, cpus: frozenset[int]) -> None:
        raise OSError(22, "Invalid argument")

    with pytest.raises(ActionFailed, match="outside what its cpuset allows"):
        AffinityBackend(ProcFS(), setaffinity=refuse).pin(PinProcess(child.pid, frozenset({0})))
