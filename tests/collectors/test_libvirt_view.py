"""Derived domain views: rates, restarts, balloon pressure, alerts, metrics (libvirt_metrics), history."""

from __future__ import annotations

import pytest

from edgetop.collectors.libvirt_domains import DomainsRaw
from edgetop.collectors.libvirt_metrics import metrics
from edgetop.collectors.libvirt_stats import Balloon, DomainStats, NicStats, VcpuStats
from edgetop.collectors.libvirt_view import alerts, balloon_pressure, derive, history, to_json
from edgetop.config_schema import Config
from edgetop.model.alerts import Severity
from edgetop.sources.libvirt_conn import Hypervisor

HYP = Hypervisor("QEMU", "7.2.0", "qemu:///system", "9.0.0", 4)
GIB = 1024**3


def dom(cpu: float | None, delays: tuple[float | None, ...], *, uid: str = "u1", name: str = "vm",
        state: str = "running", reason: str = "booted", dom_id: int | None = 1, balloon: Balloon | None = None,
        rx: int | None = None) -> DomainStats:
    vcpus = tuple(VcpuStats(id=i, time_seconds_total=cpu, wait_seconds_total=0.0, delay_seconds_total=d,
                            delay_source=None if d is None else "libvirt") for i, d in enumerate(delays))
    return DomainStats(name=name, uuid=uid, state=state, reason=reason, id=dom_id, vcpus=len(delays),
                       cpu_time_seconds_total=cpu, vcpu_list=vcpus, balloon=balloon or Balloon(),
                       nics=(NicStats("vnet0", rx_bytes_total=rx, tx_bytes_total=rx),) if rx is not None else ())


def raw(*doms: DomainStats) -> DomainsRaw:
    return DomainsRaw(tuple(doms), HYP, 0.001)


def test_rates_over_two_ticks() -> None:
    v = derive(raw(dom(10.0, (1.0, 2.0), rx=0)), raw(dom(11.0, (1.1, 2.3), rx=2000)), 1.0)
    d = v.domains[0]
    assert d.cpu_ratio == pytest.approx(0.5)  # 1 s of CPU over 1 s on 2 vCPUs
    assert d.host_cpu_ratio == pytest.approx(0.25)  # of the host's 4 CPUs
    assert [x.steal_ratio for x in d.vcpus] == [pytest.approx(0.1), pytest.approx(0.3)]
    assert d.steal_ratio == pytest.approx(0.2)
    assert d.delay_source == "libvirt"
    assert d.net_rx_bytes_per_second == pytest.approx(2000.0)
    assert v.tap_owners == {"vnet0": "vm"}


def test_device_rates_match_by_name_when_devices_move_or_change() -> None:
    def nics(*pairs: tuple[str, int]) -> DomainStats:
        return DomainStats(name="vm", uuid="u1", state="running", reason="booted", id=1,
                           nics=tuple(NicStats(n, rx_bytes_total=b, tx_bytes_total=2 * b) for n, b in pairs))

    before = raw(nics(("vnet0", 100), ("vnet1", 1000)))
    moved = derive(before, raw(nics(("vnet1", 1500), ("vnet0", 300), ("vnet2", 7))), 1.0).domains[0]
    rates = {n.name: (n.in_bytes_per_second, n.out_bytes_per_second) for n in moved.nics}
    assert rates == {"vnet1": (500.0, 1000.0), "vnet0": (200.0, 400.0), "vnet2": (None, None)}
    wrapped = derive(before, raw(nics(("vnet0", 50), ("vnet1", 1000))), 1.0).domains[0]
    assert [(n.in_bytes_per_second, n.out_bytes_per_second) for n in wrapped.nics] == [(None, None), (0.0, 0.0)]


def test_first_tick_restart_and_unknown_delay_give_none() -> None:
    first = derive(None, raw(dom(10.0, (1.0,))), 0.0).domains[0]
    assert first.cpu_ratio is None and first.steal_ratio is None
    restarted = derive(raw(dom(10.0, (1.0,))), raw(dom(1.0, (0.1,), dom_id=7)), 1.0).domains[0]
    assert restarted.cpu_ratio is None  # a new QEMU: counters started again
    no_delay = derive(raw(dom(10.0, (None,))), raw(dom(11.0, (None,))), 1.0).domains[0]
    assert no_delay.steal_ratio is None and no_delay.delay_source is None  # n/a, never 0
    assert to_json(derive(None, raw(dom(None, ())), 0.0))[0]["cpu_time_seconds_total"] is None


@pytest.mark.parametrize(("balloon", "expected"), [
    (Balloon(), (None, None, None)),
    (Balloon(actual_bytes=GIB, maximum_bytes=4 * GIB), (0.75, None, None)),
    (Balloon(actual_bytes=GIB, maximum_bytes=GIB, available_bytes=1000, usable_bytes=50, unused_bytes=20),
     (0.0, 0.05, 0.02)),
    (Balloon(actual_bytes=GIB, maximum_bytes=0), (None, None, None)),
])
def test_balloon_pressure(balloon: Balloon, expected: tuple[float | None, ...]) -> None:
    assert balloon_pressure(balloon) == pytest.approx(expected)


def test_alerts() -> None:
    squeezed = Balloon(actual_bytes=GIB, maximum_bytes=4 * GIB, available_bytes=1000, usable_bytes=40)
    prev = raw(dom(10.0, (1.0,), uid="a", name="stolen"), dom(1.0, (0.0,), uid="b", name="tight", balloon=squeezed),
               dom(None, (), uid="c", name="dead", state="crashed", reason="panicked", dom_id=None),
               dom(None, (), uid="d", name="io", state="paused", reason="I/O error"))
    cur = raw(dom(11.0, (1.2,), uid="a", name="stolen"), dom(1.5, (0.0,), uid="b", name="tight", balloon=squeezed),
              *prev.domains[2:])
    got = {(a.subject, a.severity, a.message.split(" ")[0]) for a in alerts(derive(prev, cur, 1.0), Config())}
    assert got == {
        ("stolen", Severity.CRITICAL, "vCPU"),  # 20 % steal > 15 %
        ("tight", Severity.CRITICAL, "guest"),  # usable 4 % < 5 %
        ("tight", Severity.CRITICAL, "balloon"),  # squeezed 75 % > 50 %
        ("dead", Severity.CRITICAL, "domain"),
        ("io", Severity.CRITICAL, "domain"),
    }


def test_metrics_and_history() -> None:
    b = Balloon(actual_bytes=GIB, maximum_bytes=GIB, rss_bytes=GIB // 2)
    v = derive(raw(dom(10.0, (1.0,), balloon=b)), raw(dom(11.0, (1.5,), balloon=b)), 1.0)
    m = {(x.full_name, dict(x.labels).get("vcpu")): x for x in metrics(v)}
    assert m[("libvirt_domain_info_cpu_time_seconds_total", None)].value == 11.0
    assert m[("libvirt_domain_info_cpu_time_seconds_total", None)].kind == "counter"
    assert m[("libvirt_domain_vcpu_delay_seconds_total", "0")].value == 1.5
    assert m[("libvirt_domain_memory_stats_rss_bytes", None)].value == GIB // 2
    assert m[("libvirt_domain_state_code", None)].value == 1  # VIR_DOMAIN_RUNNING
    assert m[("libvirt_up", None)].value == 1
    assert dict(m[("edgetop_domain_state", None)].labels)["state"] == "running"
    assert ("libvirt_domain_memory_stats_usable_bytes", None) not in m  # unknown: no sample rather than 0
    h = history(v)
    assert h["u1.vcpu0.delay"] == pytest.approx(0.5) and h["u1.cpu"] == pytest.approx(1.0)


@pytest.mark.parametrize(("state", "reason", "autostart", "disk_errors", "expected"), [
    ("running", "booted", None, (), None),
    ("paused", "I/O error", None, (("vda", "no space"),), ("critical", "disk vda is full (ENOSPC)")),
    ("paused", "I/O error", None, (("vdb", "I/O error"),), ("critical", "vdb I/O error")),
    ("paused", "I/O error", None, (), ("critical", "a disk failed or is full")),
    ("paused", "watchdog", None, (), ("critical", "(watchdog)")),
    ("paused", "API error", None, (), ("critical", "(API error)")),
    ("paused", "user", None, (), ("warning", "paused (user)")),
    ("paused", "unknown", None, (), ("warning", "paused (unknown)")),
    ("paused", "migration", None, (), None),  # a step of a job libvirt runs: ends by itself
    ("paused", "snapshot", None, (), None),
    ("crashed", "panicked", None, (), ("critical", "crashed (crashed, panicked)")),
    ("shutoff", "crashed", False, (), ("critical", "crashed (shutoff, crashed)")),
    ("shutoff", "shutdown", True, (), ("critical", "shut off (shutdown) though marked autostart")),
    ("shutoff", "destroyed", False, (), None),
    ("shutoff", "shutdown", None, (), None),  # not known: no alert rather than a guess
])
def test_guest_alerts_table(state: str, reason: str, autostart: bool | None,
                            disk_errors: tuple[tuple[str, str], ...], expected: tuple[str, str] | None) -> None:
    from msgspec.structs import replace

    from edgetop.collectors.libvirt_view import guest_alerts

    d = raw(dom(None, (), uid="g", name="g", state=state, reason=reason, dom_id=None)).domains[0]
    d = replace(d, autostart=autostart, disk_errors=disk_errors)
    got = guest_alerts(derive(None, raw(d), 0.0).domains[0])
    if expected is None:
        assert got == []
        return
    (alert,) = got
    assert str(alert.severity) == expected[0] and expected[1] in alert.message
    assert alert.category.label == "guests" and alert.subject == "g"
