"""Restart through a recording stub systemctl (there is no systemd here; never run the real one)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from edgetop.actions.audit import AuditLog
from edgetop.actions.backends.host import HostBackend
from edgetop.actions.backends.rc import RcBackend
from edgetop.actions.intents import RestartService
from edgetop.actions.policy import Credentials
from edgetop.actions.runner import Runner
from edgetop.config_schema import ActionsConfig, Config
from edgetop.errors import ActionDenied, ActionFailed
from tests.actions.conftest import Stub
from tests.helpers import process_ended

ROOT = Credentials(0, 0, frozenset({0}), (1 << 41) - 1)


class StepClock:
    """The settle wait's clock: time passes only when the code under test sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_runner(stub: Stub, tmp_path: Path, timeout: float = 20.0, clock: StepClock | None = None,
                **config: object) -> Runner:
    fields: dict[str, object] = {"services": ("snmpd", "chronyd", "getty@tty1.service"),
                                 "actions": ActionsConfig(timeout=timeout)}
    fields.update(config)
    cfg = replace(Config(), **fields)  # type: ignore[arg-type]
    clock = clock or StepClock()
    backend = HostBackend(timeout=timeout, libvirt_uri="test:///default", root=stub.root,
                          clock=clock.monotonic, sleep=clock.sleep)
    audit = AuditLog(tmp_path / "audit.log", syslog_path=None)
    return Runner(cfg, read_only=False, backend=backend, audit=audit, credentials=ROOT)


def test_restart_runs_exact_argv_and_reads_back_state(stub: Stub, tmp_path: Path) -> None:
    runner = make_runner(stub, tmp_path)
    intent = RestartService("snmpd")
    assert runner.refusal(intent) is None
    assert runner.describe(intent) == "systemctl --no-ask-password restart -- snmpd"
    result = runner.run(intent)
    assert stub.calls()[0] == ["systemctl", "--no-ask-password", "restart", "--", "snmpd"]
    assert stub.calls()[1][:2] == ["systemctl", "show"]
    assert stub.calls()[1][-2:] == ["--", "snmpd"]
    assert any(a.startswith("--property=") and "MainPID" in a for a in stub.calls()[1])
    assert "main PID 4242" in result.summary
    assert dict(result.state) == {"active_state": "active", "sub_state": "running", "main_pid": "4242"}
    outcomes = [line.split('outcome="')[1].split('"')[0] for line in (tmp_path / "audit.log").read_text().splitlines()]
    assert outcomes == ["attempt", "success"]


def test_template_instance_is_passed_after_double_dash(stub: Stub, tmp_path: Path) -> None:
    make_runner(stub, tmp_path).run(RestartService("getty@tty1.service"))
    assert stub.calls()[0] == ["systemctl", "--no-ask-password", "restart", "--", "getty@tty1.service"]


def test_failure_exit_code_gives_error_text_and_audited_failure(
    stub: Stub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_MODE", "fail")
    runner = make_runner(stub, tmp_path)
    with pytest.raises(ActionFailed, match=r"systemctl restart failed \(1\): Job for snmpd.service failed"):
        runner.run(RestartService("snmpd"))
    lines = (tmp_path / "audit.log").read_text().splitlines()
    assert 'outcome="attempt"' in lines[0]
    assert 'outcome="failure"' in lines[1]
    assert lines[1].startswith("<83>1 ")  # authpriv.err


def test_hanging_systemctl_hits_timeout_and_its_children_die(
    stub: Stub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_MODE", "hang")
    runner = make_runner(stub, tmp_path, timeout=1.5)
    t0 = time.monotonic()
    with pytest.raises(ActionFailed, match=r"did not finish within 1.5 s.*may still be running"):
        runner.run(RestartService("snmpd"))
    assert time.monotonic() - t0 < 15
    child_file = Path(str(stub.log) + ".child")
    deadline = time.monotonic() + 10
    while not child_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(child_file.read_text())
    # The stub's own child (sleep 120) was in the killed process group: gone or a zombie.
    assert process_ended(child, timeout=max(0.1, deadline - time.monotonic())), "the hanging command's child survived"


@pytest.mark.parametrize("name", ["foo; rm -rf /", "--help", "../x", "a b", "x\nrestart", "$(reboot)", "", "@.service",
                                  "a@b@c.service", "-x"])
def test_injection_attempts_are_refused_and_nothing_runs(stub: Stub, tmp_path: Path, name: str) -> None:
    cfg_services = ("snmpd", name)  # even when a bad name sits in the allowlist
    runner = make_runner(stub, tmp_path, services=cfg_services)
    assert runner.refusal(RestartService(name)) is not None
    with pytest.raises(ActionDenied):
        runner.run(RestartService(name))
    assert stub.calls() == []
    assert not (tmp_path / "audit.log").exists()


def test_unit_outside_allowlist_is_refused(stub: Stub, tmp_path: Path) -> None:
    runner = make_runner(stub, tmp_path)
    reason = runner.refusal(RestartService("sshd"))
    assert reason is not None and "allowlist" in reason
    runner2 = make_runner(stub, tmp_path, actions=ActionsConfig(restart_allowlist=("sshd.service",)))
    assert runner2.refusal(RestartService("sshd")) is None
    assert runner2.refusal(RestartService("snmpd")) is not None  # the explicit allowlist replaces services


def test_non_root_is_told_why_before_any_dialog(stub: Stub, tmp_path: Path) -> None:
    runner = make_runner(stub, tmp_path)
    runner.policy.credentials = Credentials(1000, 1000, frozenset({1000}), 0)
    reason = runner.refusal(RestartService("snmpd"))
    assert reason is not None and "needs root" in reason and "uid 1000" in reason
    assert stub.calls() == []


def test_no_service_manager_is_a_refusal(stub: Stub, tmp_path: Path) -> None:
    empty = tmp_path / "empty-root"
    (empty / "proc/1").mkdir(parents=True)
    (empty / "proc/1/comm").write_text("process_api\n")
    runner = make_runner(stub, tmp_path)
    assert isinstance(runner.backend, HostBackend)
    runner.backend.root = empty
    reason = runner.refusal(RestartService("snmpd"))
    assert reason is not None and reason.startswith("no service manager: PID 1 is 'process_api'")
    with pytest.raises(ActionFailed, match="no service manager"):
        runner.run(RestartService("snmpd"))
    assert stub.calls() == []


@pytest.mark.parametrize(("manager", "argv"), [("openrc", ["rc-service", "snmpd", "restart"]),
                                               ("sysvinit", ["service", "snmpd", "restart"])])
def test_rc_backends_argv(stub: Stub, manager: str, argv: list[str]) -> None:
    backend = RcBackend(manager, timeout=20)
    result = backend.restart(RestartService("snmpd.service"))
    assert stub.calls()[0] == argv
    assert stub.calls()[1] == [argv[0], "snmpd", "status"]
    expected = "active" if manager == "openrc" else "inactive"  # the stub's `service` says 3: not running
    assert dict(result.state)["active_state"] == expected
    # Only a service that runs afterwards is a success; "not running" is said, not hidden.
    assert result.outcome == ("success" if manager == "openrc" else "inactive")
    assert ("but it is inactive" in result.summary) is (manager == "sysvinit")
    with pytest.raises(ActionDenied, match="not a service"):
        backend.restart(RestartService("foo.socket"))
