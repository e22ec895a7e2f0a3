"""The demo's recordings stand in for sources through the context; no collector knows it runs on them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import edgetop
from edgetop.collectors import ntp, services, snmp
from edgetop.collectors.registry import MODULES, all_specs
from edgetop.config_schema import Config
from edgetop.demo import DEMO_DIR, STAND_IN, demo_context
from edgetop.demo.commands import UPTIME_SECONDS, RecordedCommands
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.sources.process import ToolMissing

PACKAGE = Path(edgetop.__file__).parent


@pytest.mark.parametrize("package", ["collectors", "engine", "model", "sources"])
def test_no_module_below_the_demo_mentions_it(package: str) -> None:
    for path in (PACKAGE / package).glob("*.py"):
        tree = ast.parse(path.read_text())
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
            n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        code_words = {w.lower() for w in names}
        assert not any("demo" in w for w in code_words), f"{path} uses a demo name in code"
        imports = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not any(m.startswith("edgetop.demo") for m in imports), path


def test_recorded_systemctl_answers_in_the_order_asked_with_unix_stamps() -> None:
    run = RecordedCommands(DEMO_DIR, wall=lambda: 1_000_000.0)
    done = run(["systemctl", "show", "--property=Id,ActiveEnterTimestamp", "--", "chronyd", "nope.service",
                "libvirtd.service"], 4)
    blocks = [b for b in done.stdout.split("\n\n") if b.strip()]
    assert [b.splitlines()[0] for b in blocks] == ["Id=chronyd.service", "Id=nope.service", "Id=libvirtd.service"]
    assert "LoadState=not-found" in blocks[1]
    # libvirtd entered active 5.120331 s after a boot UPTIME_SECONDS before the wall clock.
    assert f"ActiveEnterTimestamp=@{1_000_000.0 - UPTIME_SECONDS + 5.120331:.6f}" in blocks[2]


def test_unrecorded_tools_are_missing() -> None:
    run = RecordedCommands(DEMO_DIR)
    assert run.installed("chronyc") and not run.installed("ntpq")
    with pytest.raises(ToolMissing, match="ntpq: no recording of it in the demo"):
        run(["ntpq", "-pn"], 1)


def test_demo_context_replaces_sources_and_refuses_actions() -> None:
    ctx = demo_context(Config(), ProcFS(), SysFS())
    assert ctx.stand_in == STAND_IN
    assert ctx.config.libvirt.uri.startswith("test:///") and ctx.config.ntp.servers == ()
    assert [t.name for t in ctx.config.snmp.targets] == ["tor-switch", "ups-a", "pdu-b"]
    procfs, sysfs = ctx.device_roots()
    assert Path(str(sysfs.root)) == DEMO_DIR / "sysfs" and Path(str(procfs.root)) == DEMO_DIR / "procfs"
    host = Context(Config(), ProcFS(), SysFS())
    assert host.stand_in is None and host.device_roots() == (host.procfs, host.sysfs)


def test_services_collector_reads_the_recording_through_the_context() -> None:
    ctx = demo_context(Config(), ProcFS(), SysFS())
    reading = services.collect_services(ctx)
    assert reading.manager == "systemd"
    by = {s.name: s for s in reading.services}
    assert by["snmpd"].active_state == "failed"
    assert by["libvirtd"].active_enter_timestamp_seconds is not None


def test_chrony_source_parses_the_recording_and_others_are_absent() -> None:
    ctx = demo_context(Config(), ProcFS(), SysFS())
    specs = {s.name: s for s in ntp.specs(ctx)}
    report = specs["ntp:chrony"].build(ctx)()
    assert any("192.168.10.1" in str(r) for r in report.rows)  # type: ignore[union-attr]
    with pytest.raises(ToolMissing):
        specs["ntp:ntpd"].build(ctx)()


async def test_snmp_targets_poll_their_recordings() -> None:
    ctx = demo_context(Config(), ProcFS(), SysFS())
    readings = {}
    for spec in snmp.specs(ctx):
        collect = spec.build(ctx)
        readings[spec.name] = await collect()  # type: ignore[misc]
    assert readings["snmp:tor-switch"].status == "up" and readings["snmp:tor-switch"].interfaces
    assert readings["snmp:pdu-b"].status == "down" and readings["snmp:pdu-b"].error_kind == "timeout"


def test_every_registered_collector_builds_on_the_demo() -> None:
    ctx = demo_context(Config(), ProcFS(), SysFS())
    names = {s.name for s in all_specs(ctx, MODULES)}
    assert {"domains", "sensors", "network", "services", "ntp:chrony", "snmp:ups-a"} <= names


def test_demo_set_up_checks() -> None:
    """The demo's stand-in root and recorded kernel log give the set-up checks something to show."""
    from edgetop.collectors.checks import collector

    ctx = demo_context(Config(), ProcFS(), SysFS())
    assert RecordedCommands(DEMO_DIR).installed("dmesg")
    checks = {c.id: c for c in collector.run_checks(collector.gather(ctx))}
    assert checks["virt.dev_kvm"].status == "pass"
    assert checks["virt.dev_kvm"].evidence.startswith(f"{DEMO_DIR / 'root' / 'dev' / 'kvm'} opened read-write")
    assert checks["libvirt.tcp_listener"].status == "warn"  # the guide's listener, with SASL
    denials = checks["libvirt.mac_denials"]
    assert denials.status == "warn" and 'name="/srv/models/yolo-v8.onnx"' in denials.evidence
    assert checks["libvirt.connection"].evidence.endswith(", 10 guests")
