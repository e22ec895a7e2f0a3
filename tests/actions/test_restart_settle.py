"""A restart reports where the unit really ended: settled state, journal lines, true audit outcome.

systemd cannot run here: a recording stub ``systemctl`` answers ``show`` from a scripted
sequence of states (``STUB_SHOW``) and a stub ``journalctl`` prints a recorded journal.
The settle wait runs on a step clock: no test sleeps.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from edgetop.actions.backends.settle import journal_argv, last_journal_lines, wait_settled
from edgetop.actions.intents import RestartService
from edgetop.collectors.services import ServiceState
from edgetop.sources.process import HOST_COMMANDS
from tests.actions.conftest import Stub
from tests.actions.test_restart import StepClock, make_runner

JOURNAL = """\
2026-12-06T05:01:02+0000 node snmpd[811]: /etc/snmp/snmpd.conf: line 12: Error: bad agentAddress
2026-12-06T05:01:02+0000 node systemd[1]: snmpd.service: Main process exited, code=exited, status=1/FAILURE
2026-12-06T05:01:02+0000 node systemd[1]: snmpd.service: Failed with result 'exit-code'.
"""


def outcomes(tmp_path: Path) -> list[str]:
    lines = (tmp_path / "audit.log").read_text().splitlines()
    return [line.split('outcome="')[1].split('"')[0] for line in lines]


def test_restart_that_leaves_the_unit_failed_is_a_failure_with_its_journal(
    stub: Stub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = tmp_path / "journal.txt"
    journal.write_text(JOURNAL)
    monkeypatch.setenv("STUB_JOURNAL", str(journal))
    # systemctl restart returned 0 (Type=simple: forked), then the daemon died on its config.
    monkeypatch.setenv("STUB_SHOW", "activating/start,activating/start,failed/failed")
    clock = StepClock()
    result = make_runner(stub, tmp_path, clock=clock).run(RestartService("snmpd"))
    assert not result.ok and result.outcome == "failure"
    assert result.summary == "restarted snmpd, but it is failed/failed (main PID none)"
    assert result.lines[-1].endswith("Failed with result 'exit-code'.")
    assert "bad agentAddress" in result.lines[0]
    assert outcomes(tmp_path) == ["attempt", "failure"]
    assert stub.calls()[-1] == ["journalctl", "-u", "snmpd.service", "-n", "20", "--no-pager", "-o", "short-iso"]
    # Waited on the injected clock, bounded: polled through "activating", then held "failed".
    assert 1.0 <= clock.now - 100.0 <= 10.0 and all(s == 0.5 for s in clock.sleeps)


def test_restart_that_dies_right_after_being_active_is_caught_by_the_hold(
    stub: Stub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_SHOW", "active/running,failed/failed")
    result = make_runner(stub, tmp_path).run(RestartService("snmpd"))
    assert result.outcome == "failure"
    assert result.lines == ("no journal entries for this unit",)
    assert outcomes(tmp_path) == ["attempt", "failure"]


def test_restart_still_activating_at_the_bound_is_unsettled(
    stub: Stub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_SHOW", "activating/auto-restart")
    clock = StepClock()
    result = make_runner(stub, tmp_path, clock=clock).run(RestartService("snmpd"))
    assert result.outcome == "unsettled"
    assert result.summary == "restarted snmpd, but it is still activating/auto-restart after 10 s"
    assert clock.now - 100.0 == pytest.approx(10.0)
    assert outcomes(tmp_path) == ["attempt", "unsettled"]


def test_restart_that_works_is_success_without_reading_the_journal(stub: Stub, tmp_path: Path) -> None:
    result = make_runner(stub, tmp_path).run(RestartService("snmpd"))
    assert result.ok and result.lines == ()
    assert not any(call[0] == "journalctl" for call in stub.calls())
    assert outcomes(tmp_path) == ["attempt", "success"]


def test_stopped_unit_is_reported_inactive(stub: Stub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUB_SHOW", "inactive/dead")
    result = make_runner(stub, tmp_path).run(RestartService("snmpd"))
    assert result.outcome == "inactive" and "not running" in result.summary
    assert outcomes(tmp_path) == ["attempt", "inactive"]


def test_no_journalctl_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: journalctl is missing
    lines, why = last_journal_lines("snmpd.service", HOST_COMMANDS)
    assert lines == () and why == "no journal: journalctl is not installed"
    assert journal_argv("x.service")[:3] == ["journalctl", "-u", "x.service"]


def test_wait_settled_reports_a_read_error() -> None:
    def broken() -> ServiceState:
        raise ValueError("systemctl show returned 0 units for 1 asked")

    clock = StepClock()
    end = wait_settled(broken, clock=clock.monotonic, sleep=clock.sleep)
    assert end.state is None and not end.settled and "0 units" in (end.error or "")
