"""Services collector: parsers on recorded outputs, the collector through a stub systemctl."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors import services
from edgetop.collectors.services import (
    ServicesReading,
    collect_services,
    parse_lsb_status,
    parse_openrc_status,
    parse_show_blocks,
    service_from_show,
)
from edgetop.config_schema import Config
from edgetop.demo import demo_context
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.model.alerts import Severity
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from tests.actions.conftest import Stub, stub  # noqa: F401  (the fixture)

# Recorded from systemd 252 (Debian 12): systemctl show --property=... -- chrony nosuch
RECORDED = """Id=chrony.service
LoadState=loaded
ActiveState=active
SubState=running
ActiveEnterTimestamp=Mon 2026-11-23 09:12:44 UTC
ActiveEnterTimestampMonotonic=8123456
MainPID=611
NRestarts=0
MemoryCurrent=2437120
Description=chrony, an NTP client/server

Id=nosuch.service
LoadState=not-found
ActiveState=inactive
SubState=dead
ActiveEnterTimestamp=
ActiveEnterTimestampMonotonic=0
MainPID=0
NRestarts=0
MemoryCurrent=[not set]
Description=nosuch.service
"""


@pytest.mark.parametrize(("text", "count"), [("", 0), ("\n\n", 0), ("Id=a.service\n", 1), (RECORDED, 2),
                                             ("A=1\n\n\nB=2\n\n", 2), ("Description=x=y\n", 1)])
def test_show_blocks(text: str, count: int) -> None:
    assert len(parse_show_blocks(text)) == count


@pytest.mark.parametrize("text", ["garbage", "Id=a\nno equals here\n", "=value\n"])
def test_show_blocks_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_show_blocks(text)


def test_recorded_blocks_to_states() -> None:
    chrony, nosuch = (service_from_show(n, b, 1_763_880_000.0)
                      for n, b in zip(["chronyd", "nosuch"], parse_show_blocks(RECORDED), strict=True))
    assert chrony.unit == "chrony.service"  # the alias resolves to its unit id
    assert (chrony.active_state, chrony.sub_state, chrony.main_pid) == ("active", "running", 611)
    assert chrony.active_enter_timestamp_seconds == pytest.approx(1_763_880_008.123456)
    assert (chrony.restarts_total, chrony.memory_bytes) == (0, 2437120)
    assert nosuch.load_state == "not-found"
    assert (nosuch.main_pid, nosuch.memory_bytes, nosuch.active_enter_timestamp_seconds) == (None, None, None)


def test_unknowns_are_none_not_zero() -> None:
    s = service_from_show("x", {"MemoryCurrent": "18446744073709551615", "ActiveEnterTimestamp": "@1700000000"}, None)
    assert s.memory_bytes is None and s.restarts_total is None and s.main_pid is None
    assert s.active_enter_timestamp_seconds == 1_700_000_000.0
    assert service_from_show("x", {"ActiveEnterTimestampMonotonic": "5"}, None).active_enter_timestamp_seconds is None


@given(st.text(max_size=500))
def test_show_parsers_raise_only_parse_error(text: str) -> None:
    try:
        blocks = parse_show_blocks(text)
    except ParseError:
        return
    for block in blocks:
        service_from_show("x", block, 1.0)


@pytest.mark.parametrize(("text", "expected"), [
    (" * status: started\n", ("active", "running")), (" * status: stopped", ("inactive", "dead")),
    (" * status: crashed", ("failed", "crashed")), ("", (None, None)), (" * status: weird", (None, "weird")),
])
def test_openrc_status(text: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_openrc_status(text) == expected


@pytest.mark.parametrize(("rc", "expected"), [(0, ("active", "running")), (3, ("inactive", "dead")),
                                              (1, ("failed", "dead")), (4, (None, None)), (127, (None, None))])
def test_lsb_status(rc: int, expected: tuple[str | None, str | None]) -> None:
    assert parse_lsb_status(rc) == expected


def ctx(tmp_path: Path, names: tuple[str, ...], demo: bool = False, root: Path = Path("/")) -> Context:
    (tmp_path / "proc").mkdir(exist_ok=True)
    (tmp_path / "proc/stat").write_text("cpu 1 2 3 4\nbtime 1763880000\n")
    config, procfs, sysfs = replace(Config(), services=names), ProcFS(tmp_path / "proc"), SysFS(tmp_path / "sys")
    if demo:
        return demo_context(config, procfs, sysfs)
    return Context(config=config, procfs=procfs, sysfs=sysfs, host_root=root)


def test_collect_through_stub_systemctl(stub: Stub, tmp_path: Path) -> None:  # noqa: F811
    reading = collect_services(ctx(tmp_path, ("snmpd", "bad;name", "getty@tty1.service"), root=stub.root))
    assert reading.manager == "systemd"
    (call,) = stub.calls()
    assert call[:2] == ["systemctl", "show"]
    assert call[2] == "--property=" + ",".join(services.PROPERTIES)
    assert call[3:] == ["--", "snmpd", "getty@tty1.service"]  # the invalid name never reaches systemctl
    by_name = {s.name: s for s in reading.services}
    assert by_name["snmpd"].main_pid == 4242 and by_name["getty@tty1.service"].main_pid == 4243
    assert by_name["snmpd"].active_enter_timestamp_seconds == 1_763_900_000.0
    assert by_name["bad;name"].load_state == "invalid-name"
    assert services.to_json(reading)[0]["restarts_total"] == 3


def test_no_service_manager(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "proc/1").mkdir(parents=True)
    (root / "proc/1/comm").write_text("tini\n")
    with pytest.raises(SourceUnavailable, match=r"^no service manager: PID 1 is 'tini'"):
        collect_services(ctx(tmp_path, ("snmpd",), root=root))


def test_sysvinit_through_stub_service(stub: Stub, tmp_path: Path) -> None:  # noqa: F811
    root = tmp_path / "sysv"
    (root / "proc/1").mkdir(parents=True)
    (root / "proc/1/comm").write_text("init\n")
    (root / "etc/init.d").mkdir(parents=True)
    reading = collect_services(ctx(tmp_path, ("snmpd",), root=root))
    assert reading.manager == "sysvinit"
    assert stub.calls() == [["service", "snmpd", "status"]]
    assert reading.services[0].active_state == "inactive"


def test_demo_recording_and_alerts(tmp_path: Path) -> None:
    reading = collect_services(ctx(tmp_path, Config().services, demo=True))
    assert isinstance(reading, ServicesReading)
    assert [s.name for s in reading.services] == list(Config().services)
    alerts = services.alerts(reading, Config())
    assert [(a.severity, a.subject) for a in alerts] == [(Severity.CRITICAL, "snmpd")]
    names = {m.name for m in services.metrics(reading)}
    assert names == {"service_active", "service_restarts_total", "service_memory_bytes"}
    node_exporter = reading.services[-1]
    assert node_exporter.memory_bytes is None and node_exporter.active_state == "activating"


def test_systemctl_failure_is_unavailable(stub: Stub, tmp_path: Path) -> None:  # noqa: F811
    (stub.bin_dir / "systemctl").write_text("#!/bin/sh\necho 'Failed to connect to bus' >&2\nexit 1\n")
    with pytest.raises(SourceUnavailable, match="systemctl show failed: Failed to connect to bus"):
        collect_services(ctx(tmp_path, ("snmpd",), root=stub.root))


def test_openrc_through_stub_rc_service(stub: Stub, tmp_path: Path) -> None:  # noqa: F811
    root = tmp_path / "openrc"
    (root / "run/openrc").mkdir(parents=True)
    reading = collect_services(ctx(tmp_path, ("chronyd", "sshd.service"), root=root))
    assert reading.manager == "openrc"
    assert stub.calls() == [["rc-service", "chronyd", "status"], ["rc-service", "sshd", "status"]]
    assert [(s.active_state, s.sub_state) for s in reading.services] == [("active", "running")] * 2
