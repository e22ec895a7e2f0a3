"""Audit lines parsed back as RFC 5424; syslog through a datagram socket; no action without a record."""

from __future__ import annotations

import datetime as dt
import re
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from edgetop.actions.audit import Actor, AuditLog, default_audit_path, format_line
from edgetop.actions.backends.base import ActionResult
from edgetop.actions.backends.deny import DenyBackend
from edgetop.actions.intents import Intent, PinProcess, PinVcpu, RestartService
from edgetop.actions.policy import Credentials
from edgetop.actions.runner import Runner, audit_path, build_runner
from edgetop.config_schema import ActionsConfig, Config
from edgetop.errors import ActionDenied, ActionFailed

ROOT = Credentials(0, 0, frozenset({0}), (1 << 41) - 1)
ACTOR = Actor(1000, "tech", "tech", None, "/dev/pts/3", "192.0.2.7 51234 22")

# RFC 5424 §6: HEADER = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
HEADER = re.compile(
    r"<(?P<pri>\d{1,3})>(?P<version>[1-9]\d{0,2}) (?P<timestamp>-|\S+) (?P<hostname>[!-~]{1,255}) "
    r"(?P<app>[!-~]{1,48}) (?P<procid>[!-~]{1,128}) (?P<msgid>[!-~]{1,32}) "
)
SD_NAME = r"[!#-<>-\\^-~]{1,32}"  # PRINTUSASCII except '=', SP, ']', '"'


def parse_rfc5424(line: str) -> dict[str, object]:
    """A strict parser written from the RFC's ABNF (independent of the formatter)."""
    m = HEADER.match(line)
    assert m, f"bad header: {line!r}"
    out: dict[str, object] = dict(m.groupdict())
    rest = line[m.end():]
    elements: dict[str, dict[str, str]] = {}
    if rest.startswith("-"):
        rest = rest[1:]
    while rest.startswith("["):
        sd = re.match(SD_NAME, rest[1:])
        assert sd, rest
        sd_id, i = sd.group(0), 1 + sd.end()
        params: dict[str, str] = {}
        while rest[i] == " ":
            pm = re.match(rf"({SD_NAME})=\"", rest[i + 1:])
            assert pm, rest[i:]
            i += 1 + pm.end()
            value = []
            while rest[i] != '"':
                if rest[i] == "\\" and rest[i + 1] in '"\\]':
                    value.append(rest[i + 1])
                    i += 2
                else:
                    assert rest[i] != "]", "unescaped ] in PARAM-VALUE"
                    value.append(rest[i])
                    i += 1
            params[pm.group(1)] = "".join(value)
            i += 1
        assert rest[i] == "]"
        elements[sd_id] = params
        rest = rest[i + 1:]
    out["sd"] = elements
    assert rest == "" or rest.startswith(" ")
    out["msg"] = rest[1:]
    return out


@pytest.mark.parametrize(("intent", "target"), [
    (RestartService("snmpd"), {"unit": "snmpd"}),
    (PinProcess(4242, frozenset({0, 1, 3})), {"pid": "4242", "cpus": "0-1,3"}),
    (PinVcpu("edge-vm", 1, frozenset({2})), {"domain": "edge-vm", "vcpu": "1", "cpus": "2"}),
])
@pytest.mark.parametrize(("outcome", "severity"), [("attempt", 5), ("success", 5), ("denied", 4), ("failure", 3)])
def test_lines_parse_back(intent: Intent, target: dict[str, str], outcome: str, severity: int) -> None:
    now = dt.datetime(2026, 11, 23, 14, 30, 1, 250000, tzinfo=dt.UTC)
    line = format_line(ACTOR, intent, outcome, "some detail", hostname="edge-01", now=now, pid=99)
    rec = parse_rfc5424(line)
    assert rec["pri"] == str(10 * 8 + severity)  # authpriv
    assert rec["version"] == "1"
    assert dt.datetime.fromisoformat(str(rec["timestamp"])) == now
    assert (rec["hostname"], rec["app"], rec["procid"]) == ("edge-01", "edgetop", "99")
    sd = rec["sd"]["edgetop@32473"]  # type: ignore[index]
    assert sd == {"uid": "1000", "user": "tech", "login": "tech", "tty": "/dev/pts/3",
                  "ssh_client": "192.0.2.7 51234 22", "action": rec["msgid"], **target, "outcome": outcome}
    assert str(rec["msg"]).endswith(f": {outcome}: some detail")


def test_hostile_values_are_escaped_and_stay_on_one_line() -> None:
    actor = replace(ACTOR, login='ev"il]\\', ssh_client="1.2.3.4\n<13>1 forged")
    line = format_line(actor, RestartService("x"), "attempt", "detail\nsecond line")
    assert "\n" not in line
    sd = parse_rfc5424(line)["sd"]["edgetop@32473"]  # type: ignore[index]
    assert sd["login"] == 'ev"il]\\'
    assert sd["ssh_client"] == "1.2.3.4\\x0a<13>1 forged"


def test_syslog_datagram_and_file(tmp_path: Path) -> None:
    sock_path = str(tmp_path / "log.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(sock_path)
        server.settimeout(10)
        audit = AuditLog(tmp_path / "state/edgetop/audit.log", syslog_path=sock_path, actor=ACTOR)
        line = audit.record(RestartService("snmpd"), "attempt", "systemctl restart -- snmpd")
        assert server.recv(65536).decode() == line
    assert (tmp_path / "state/edgetop/audit.log").read_text() == line + "\n"
    assert (tmp_path / "state/edgetop/audit.log").stat().st_mode & 0o777 == 0o640


def test_absent_syslog_is_not_an_error(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "a.log", syslog_path=str(tmp_path / "no-such-socket"), actor=ACTOR)
    audit.record(RestartService("snmpd"), "attempt")
    assert len((tmp_path / "a.log").read_text().splitlines()) == 1


def test_default_paths() -> None:
    assert default_audit_path(0, {}) == Path("/var/log/edgetop/audit.log")
    assert default_audit_path(1000, {"XDG_STATE_HOME": "/s"}) == Path("/s/edgetop/audit.log")
    assert default_audit_path(1000, {"HOME": "/home/t"}) == Path("/home/t/.local/state/edgetop/audit.log")
    cfg = replace(Config(), actions=ActionsConfig(audit_log="/cfg/audit.log"))
    assert audit_path(cfg, "/cli/audit.log") == Path("/cli/audit.log")
    assert audit_path(cfg) == Path("/cfg/audit.log")
    assert audit_path(Config(), euid=0) == Path("/var/log/edgetop/audit.log")


class Recording:
    """A backend that records what reaches it."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[Intent] = []
        self.fail = fail

    def describe(self, intent: Intent) -> str:
        return "recording backend"

    def execute(self, intent: Intent) -> ActionResult:
        self.calls.append(intent)
        if self.fail:
            raise RuntimeError("boom")
        return ActionResult(intent, "done")


def test_unwritable_audit_file_means_no_action(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    backend = Recording()
    runner = Runner(Config(), read_only=False, backend=backend, credentials=ROOT,
                    audit=AuditLog(tmp_path / "file/audit.log", syslog_path=None, actor=ACTOR))
    with pytest.raises(ActionDenied, match="cannot write the audit log"):
        runner.run(RestartService("snmpd"))
    assert backend.calls == []


def test_backend_bug_is_audited_as_failure(tmp_path: Path) -> None:
    runner = Runner(Config(), read_only=False, backend=Recording(fail=True), credentials=ROOT,
                    audit=AuditLog(tmp_path / "audit.log", syslog_path=None, actor=ACTOR))
    with pytest.raises(ActionFailed, match="RuntimeError: boom"):
        runner.run(RestartService("snmpd"))
    lines = (tmp_path / "audit.log").read_text().splitlines()
    assert [parse_rfc5424(ln)["sd"]["edgetop@32473"]["outcome"] for ln in lines] == ["attempt", "failure"]  # type: ignore[index]


@pytest.mark.parametrize("intent", [RestartService("snmpd"), PinProcess(1, frozenset({0})),
                                    PinVcpu("vm", 0, frozenset({0}))])
def test_read_only_runner_never_reaches_a_backend(tmp_path: Path, intent: Intent) -> None:
    backend = Recording()
    runner = Runner(Config(), read_only=True, backend=backend, credentials=ROOT,
                    audit=AuditLog(tmp_path / "audit.log", syslog_path=None, actor=ACTOR))
    assert isinstance(runner.backend, DenyBackend)
    with pytest.raises(ActionDenied, match="read-only"):
        runner.run(intent)
    with pytest.raises(ActionDenied):
        DenyBackend().execute(intent)
    assert "nothing" in runner.describe(intent)
    assert backend.calls == []
    assert not (tmp_path / "audit.log").exists()


@pytest.mark.parametrize(("kwargs", "config", "why"), [
    ({"stand_in": "demo mode (--demo)"}, Config(), "demo mode"),
    ({}, replace(Config(), procfs="/tmp/fixture/proc"), "fixture tree"),
    ({}, replace(Config(), sysfs="/tmp/fixture/sys"), "fixture tree"),
])
def test_demo_and_fixture_roots_make_the_runner_read_only(kwargs: dict[str, str], config: Config, why: str) -> None:
    runner = build_runner(config, read_only=False, **kwargs)
    assert isinstance(runner.backend, DenyBackend)
    reason = runner.refusal(RestartService("snmpd"))
    assert reason is not None and why in reason
    assert not isinstance(build_runner(Config(), read_only=False).backend, DenyBackend)
