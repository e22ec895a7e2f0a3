"""The engine's timeline over real views: a libvirt test-driver domain paused and resumed, a service
that fails, a clock step, alerts raised and cleared; only what changed (a first view's alerts are raised)."""

from __future__ import annotations

from pathlib import Path

from edgetop.collectors import libvirt_domains
from edgetop.collectors.services import ServicesReading, ServiceState
from edgetop.config_schema import AlertsConfig, Config, LibvirtConfig
from edgetop.engine.store import Store
from edgetop.engine.timeline import Timeline
from edgetop.model.alerts import Alert, Severity
from edgetop.model.reading import Status
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.sources.libvirt_conn import load_libvirt
from tests.helpers import fake_spec, reading

# test:///default shares its state within a process, so a read-write connection of the test can
# change what the collector's read-only connection sees (FIELD-NOTES: libvirt test driver).
URI = "test:///default"


def test_domain_lifecycle_from_the_test_driver(tmp_path: Path) -> None:
    libvirt = load_libvirt()
    ctx = Context(Config(libvirt=LibvirtConfig(uri=URI)), ProcFS("/proc"), SysFS(tmp_path))
    spec = next(s for s in libvirt_domains.specs(ctx) if s.name == "domains")
    collect = spec.build(ctx)
    admin = libvirt.open(URI)
    store = Store(ctx.config)
    try:
        domain = admin.lookupByName("test")
        assert domain.state()[0] == libvirt.VIR_DOMAIN_RUNNING
        store.update(spec, reading("domains", collect(), timestamp=1000.0, monotonic=10.0))
        # The first view is what is, not what changed (its alerts are raised when first seen).
        assert [e for e in store.timeline.events(1000.0) if e.kind != "alert"] == []
        domain.suspend()
        store.update(spec, reading("domains", collect(), timestamp=1002.0, monotonic=12.0))
        domain.resume()
        store.update(spec, reading("domains", collect(), timestamp=1004.0, monotonic=14.0))
        store.update(spec, reading("domains", collect(), timestamp=1006.0, monotonic=16.0))
    finally:
        if admin.lookupByName("test").state()[0] != libvirt.VIR_DOMAIN_RUNNING:
            admin.lookupByName("test").resume()
        admin.close()
        assert spec.close is not None
        spec.close(collect)
    changes = [(e.time, e.kind, e.subject, e.message, e.severity) for e in store.timeline.events(1006.0)
               if e.kind == "lifecycle"]
    assert changes == [(1002.0, "lifecycle", "test", "running → paused (user)", "warning"),
                       (1004.0, "lifecycle", "test", "paused → running (unpaused)", "info")]


def test_an_unavailable_sample_is_not_a_change() -> None:
    spec = fake_spec("services", json_key="services")
    store = Store(Config())

    def unit(active: str, sub: str) -> ServicesReading:
        return ServicesReading("systemd", (ServiceState("libvirtd", "libvirtd.service", "systemd", "loaded", active,
                                                        sub),))

    store.update(spec, reading("services", unit("active", "running"), timestamp=100.0))
    store.update(spec, reading("services", None, Status.UNAVAILABLE, "systemctl hung", timestamp=105.0))
    store.update(spec, reading("services", unit("active", "running"), timestamp=110.0))
    assert store.timeline.events(110.0) == ()
    store.update(spec, reading("services", unit("failed", "failed"), timestamp=115.0))
    (event,) = store.timeline.events(115.0)
    assert (event.kind, event.subject, event.message, event.severity) == (
        "service", "libvirtd", "active (running) → failed (failed)", "critical")


def test_a_clock_step_is_seen_once_whatever_the_number_of_time_collectors() -> None:
    store = Store(Config())
    a, b = fake_spec("ntp:chrony", json_key="ntp"), fake_spec("ntp:kernel", json_key="ntp")
    for spec in (a, b):
        store.update(spec, reading(spec.name, 1, timestamp=1000.0, monotonic=50.0))
        store.update(spec, reading(spec.name, 1, timestamp=1002.01, monotonic=52.0))  # 10 ms of slew: no step
    assert store.timeline.events(1003.0) == ()
    for spec in (a, b):  # the wall clock stepped back 2.5 s between two readings
        store.update(spec, reading(spec.name, 1, timestamp=1001.5, monotonic=54.0))
    (step,) = store.timeline.events(1003.0)
    assert step.kind == "ntp_step" and step.subject == "-2.510 s"
    assert step.message == "the wall clock was stepped back by 2.510 s (seen by ntp:chrony)"


def test_alerts_raised_and_cleared_by_source_and_subject() -> None:
    level = {"v": 0}

    def alerts(view: int, config: Config) -> list[Alert]:
        if view == 0:
            return []
        severity = Severity.CRITICAL if view > 1 else Severity.WARNING
        return [Alert(severity, "sensors", "coretemp/Core 1", f"{80 + view} °C")]

    spec = fake_spec("sensors", alerts=alerts)
    # No hold and no clear margin: each tick's change is the tracker's change (hysteresis: test_alert_state).
    store = Store(Config(alerts=AlertsConfig(clear_margin=0.0, hold_seconds=0.0)))
    for t, value in ((1.0, 1), (2.0, 1), (3.0, 0), (4.0, 1), (5.0, 1), (6.0, 2)):
        level["v"] = value
        store.update(spec, reading("sensors", value, monotonic=t, timestamp=t))
    out = [(e.time, e.message, e.severity) for e in store.timeline.events(6.0)]
    # Raised when first seen; a changed message is not a new alert; worse news is raised again as critical.
    assert out == [(1.0, "raised: 81 °C", "warning"), (3.0, "cleared: 81 °C", "info"),
                   (4.0, "raised: 81 °C", "warning"), (6.0, "escalated: 82 °C", "critical")]


def test_an_alert_tracker_plugs_in_through_alert_changed() -> None:
    timeline = Timeline(diff_alerts=False)
    timeline.observe("sensors", 1, [Alert(Severity.WARNING, "sensors", "x", "hot")], 1.0, 1.0)
    timeline.observe("sensors", 1, [], 2.0, 2.0)
    assert timeline.events(2.0) == ()
    timeline.alert_changed(Alert(Severity.CRITICAL, "storage", "/var/lib/libvirt", "95% used"), True, 3.0)
    (event,) = timeline.events(3.0)
    assert (event.kind, event.source, event.subject, event.message, event.severity) == (
        "alert", "storage", "/var/lib/libvirt", "raised: 95% used", "critical")
    assert timeline.to_json(4.0) == [event.to_json()]
    assert {dict(m.labels)["kind"]: m.value for m in timeline.metrics(4.0)} == {
        "lifecycle": 0, "service": 0, "ntp_step": 0, "alert": 1}
    assert timeline.events(3.0 + 3601) == ()  # the last hour only
