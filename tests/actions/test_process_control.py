"""Signals and renice on real child processes: TERM, a TERM that is ignored then KILL, refusals, the kernel's no."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from edgetop.actions.audit import AuditLog
from edgetop.actions.backends.renice import ReniceBackend
from edgetop.actions.backends.signal import SignalBackend
from edgetop.actions.intents import ReniceProcess, SignalProcess
from edgetop.actions.policy import Credentials
from edgetop.actions.process_target import read_facts
from edgetop.actions.runner import Runner
from edgetop.config_schema import Config
from edgetop.errors import ActionDenied, ActionFailed
from edgetop.sources.fs import ProcFS

ROOT = Credentials(0, 0, frozenset({0}), (1 << 41) - 1)
NOBODY = Credentials(65534, 65534, frozenset({65534}), 0)
REPO = Path(__file__).resolve().parents[2]

# A child that says when it is ready; with "ignore" it ignores SIGTERM, as a hung daemon might.
CHILD = """
import signal, sys, threading, time
if sys.argv[1] == "ignore":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
stop = threading.Event()
threading.Thread(target=stop.wait, daemon=True).start()
print("ready", flush=True)
time.sleep(120)
"""


def spawn(mode: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, mode], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def runner(tmp_path: Path, credentials: Credentials = ROOT, wait: float = 0.5) -> Runner:
    run = Runner(Config(), read_only=False, audit=AuditLog(tmp_path / "audit.log", syslog_path=None),
                 credentials=credentials)
    run.backend.signal = SignalBackend(ProcFS(), wait=wait)  # type: ignore[attr-defined]
    return run


def start_of(pid: int) -> int:
    return read_facts(ProcFS(), pid).start_ticks


def audit_lines(tmp_path: Path) -> list[str]:
    return (tmp_path / "audit.log").read_text().splitlines()


def test_term_ends_a_process_and_the_audit_says_so(children: list[subprocess.Popen[str]], tmp_path: Path) -> None:
    proc = spawn("plain")
    children.append(proc)
    result = runner(tmp_path).run(SignalProcess(proc.pid, start_of(proc.pid), "TERM"))
    assert dict(result.state)["running"] == "no"
    assert "exited" in result.summary
    assert proc.wait(timeout=5) == -15
    lines = audit_lines(tmp_path)
    assert 'action="signal_process"' in lines[0] and 'signal="TERM"' in lines[0] and 'outcome="attempt"' in lines[0]
    assert 'outcome="success"' in lines[1] and "exited" in lines[1]


def test_term_ignored_is_reported_running_then_kill_ends_it(children: list[subprocess.Popen[str]],
                                                            tmp_path: Path) -> None:
    proc = spawn("ignore")
    children.append(proc)
    run = runner(tmp_path, wait=0.3)
    start = start_of(proc.pid)
    term = run.run(SignalProcess(proc.pid, start, "TERM"))
    assert dict(term.state)["running"] == "yes" and "still running" in term.summary
    assert proc.poll() is None
    kill = run.run(SignalProcess(proc.pid, start, "KILL"))
    assert dict(kill.state)["running"] == "no"
    assert proc.wait(timeout=5) == -9
    assert sum('signal="KILL"' in line for line in audit_lines(tmp_path)) == 2


def test_a_reused_pid_is_never_hit(children: list[subprocess.Popen[str]], tmp_path: Path) -> None:
    proc = spawn("plain")
    children.append(proc)
    start = start_of(proc.pid)
    with pytest.raises(ActionDenied, match="now another process"):
        runner(tmp_path).run(SignalProcess(proc.pid, start - 1, "TERM"))  # the row showed another start time
    assert proc.poll() is None
    # The backend checks again after pinning the process with a pidfd.
    with pytest.raises(ActionDenied, match="not sent"):
        SignalBackend(ProcFS()).send(SignalProcess(proc.pid, start + 1, "KILL"))
    assert proc.poll() is None


@pytest.mark.parametrize(("pid", "why"), [(1, "init"), (os.getpid(), "edgetop itself"), (2, "kernel thread")])
def test_never_pid_1_edgetop_or_a_kernel_thread(pid: int, why: str, tmp_path: Path) -> None:
    start = start_of(pid)
    run = runner(tmp_path)
    for intent in (SignalProcess(pid, start, "KILL"), ReniceProcess(pid, start, 5)):
        reason = run.refusal(intent)
        assert reason is not None and why in reason
        with pytest.raises(ActionDenied, match=why):
            run.run(intent)
    assert not (tmp_path / "audit.log").exists()  # refused before anything was attempted


def test_a_child_of_kthreadd_is_refused(tmp_path: Path) -> None:
    kthread = next(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) > 2
                   and read_facts(ProcFS(), int(p)).ppid == 2)
    assert "kernel thread" in (runner(tmp_path).refusal(SignalProcess(kthread, start_of(kthread), "TERM")) or "")


def test_refused_in_read_only_and_for_other_signals(children: list[subprocess.Popen[str]], tmp_path: Path) -> None:
    proc = spawn("plain")
    children.append(proc)
    start = start_of(proc.pid)
    read_only = Runner(Config(), read_only=True, audit=AuditLog(tmp_path / "audit.log", syslog_path=None))
    assert "read-only" in (read_only.refusal(SignalProcess(proc.pid, start, "TERM")) or "")
    assert "only SIGTERM or SIGKILL" in (runner(tmp_path).refusal(SignalProcess(proc.pid, start, "HUP")) or "")
    assert "outside -20..19" in (runner(tmp_path).refusal(ReniceProcess(proc.pid, start, 20)) or "")
    # Another user's process without CAP_KILL / CAP_SYS_NICE: said before any dialog.
    assert "CAP_KILL" in (runner(tmp_path, NOBODY).refusal(SignalProcess(proc.pid, start, "TERM")) or "")
    assert "CAP_SYS_NICE" in (runner(tmp_path, NOBODY).refusal(ReniceProcess(proc.pid, start, 5)) or "")
    assert proc.poll() is None


def test_renice_sets_every_thread_and_reads_back(children: list[subprocess.Popen[str]], tmp_path: Path) -> None:
    proc = spawn("plain")
    children.append(proc)
    result = runner(tmp_path).run(ReniceProcess(proc.pid, start_of(proc.pid), 7))
    tids = [int(t) for t in os.listdir(f"/proc/{proc.pid}/task")]
    assert len(tids) == 2 and all(os.getpriority(os.PRIO_PROCESS, t) == 7 for t in tids)
    assert "nice 0 -> 7 on 2 thread(s)" in result.summary
    assert 'action="renice_process"' in audit_lines(tmp_path)[1] and 'nice="7"' in audit_lines(tmp_path)[1]


# Run as nobody (uid 65534) with no capabilities: raising its own child's nice value works,
# lowering it is refused by the kernel (EACCES: RLIMIT_NICE is 0), and the runner says so.
UNPRIVILEGED = """
import json, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from edgetop.actions.audit import AuditLog
from edgetop.actions.intents import ReniceProcess
from edgetop.actions.process_target import read_facts
from edgetop.actions.runner import Runner
from edgetop.config_schema import Config
from edgetop.errors import ActionFailed
from edgetop.sources.fs import ProcFS
child = subprocess.Popen(["sleep", "60"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    start = read_facts(ProcFS(), child.pid).start_ticks
    run = Runner(Config(), read_only=False, audit=AuditLog(sys.argv[2], syslog_path=None))
    out = {"raise": run.run(ReniceProcess(child.pid, start, 5)).summary}
    try:
        run.run(ReniceProcess(child.pid, start, -5))
        out["lower"] = "ran"
    except ActionFailed as err:
        out["lower"] = str(err)
    with open(f"/proc/{child.pid}/stat") as fh:
        out["nice_after"] = int(fh.read().rsplit(")", 1)[1].split()[16])
finally:
    child.kill()
    child.wait()
print(json.dumps(out))
"""


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory the unprivileged user can write (pytest's tmp_path is root's, mode 0700)."""
    path = Path(tempfile.mkdtemp(prefix="edgetop-renice-"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_renice_the_kernel_refuses_is_reported_as_refused(shared_dir: Path) -> None:
    audit = shared_dir / "audit.log"
    done = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
         sys.executable, "-c", UNPRIVILEGED, str(REPO), str(audit)],
        capture_output=True, text=True, timeout=60, cwd=shared_dir, check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert "nice 0 -> 5" in out["raise"]
    assert "EACCES" in out["lower"] and "CAP_SYS_NICE" in out["lower"]
    assert out["nice_after"] == 5  # nothing changed by the refused call
    lines = audit.read_text().splitlines()
    assert 'nice="-5"' in lines[-1] and 'outcome="failure"' in lines[-1] and "EACCES" in lines[-1]


def test_renice_backend_refuses_a_reused_pid(children: list[subprocess.Popen[str]]) -> None:
    proc = spawn("plain")
    children.append(proc)
    with pytest.raises(ActionDenied, match="another process"):
        ReniceBackend(ProcFS()).renice(ReniceProcess(proc.pid, start_of(proc.pid) + 1, 3))
    assert os.getpriority(os.PRIO_PROCESS, proc.pid) == 0


def test_signal_to_an_exited_process_fails_clearly(tmp_path: Path) -> None:
    proc = subprocess.Popen(["true"])
    proc.wait(timeout=10)
    with pytest.raises(ActionFailed, match="has exited"):
        SignalBackend(ProcFS()).send(SignalProcess(proc.pid, 0, "TERM"))
