"""The scrape's text renderer keeps line prefixes and value texts between scrapes, never data.

Each render of a kept ``TextRenderer`` is compared with prometheus_client's own text
encoder over the same metrics (``encode_text(to_families(...))``), after renders of other
metrics that filled what it keeps. And grouped families come in the order the samples
one by one would give them.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edgetop.collectors import snmp
from edgetop.collectors.libvirt_metrics import families as domain_families
from edgetop.collectors.libvirt_stats import Balloon, DomainStats, VcpuStats
from edgetop.collectors.libvirt_view import derive
from edgetop.collectors.snmp_profiles import Interface
from edgetop.export.exposition import TextRenderer, encode_text, to_families
from edgetop.model.spec import Family, Metric
from tests.collectors.test_libvirt_view import raw
from tests.exporter.renderer_inputs import SIGNED_ZERO_SCRAPES, sample_values, vm


def library(exposed: list[Metric | Family]) -> str:
    """prometheus_client's text format of ``exposed``: the reference."""
    return encode_text(to_families(exposed)).decode()


def test_a_kept_renderer_shows_changed_labels_and_values_and_no_series_that_is_gone() -> None:
    renderer = TextRenderer()
    first: list[Metric | Family] = [
        Family("domain_state", [(*vm("a"), ("state", "running")), (*vm("b"), ("state", "running"))], [1.0, 1.0]),
        Family("domain_cpu_seconds_total", [vm("a"), vm("b")], [10.5, 20.25], "counter"),
        Family("domain_steal_ratio", [vm("b")], [0.5]),
        Metric("snmp_up", 1.0, (("target", "sw"),)),
    ]
    assert renderer.render(first).decode() == library(first)
    second: list[Metric | Family] = [
        # b paused (a label changed), a left (its first series is gone), c arrived; new values
        Family("domain_state", [(*vm("b"), ("state", "paused")), (*vm("c"), ("state", "running"))], [1.0, 1.0]),
        Family("domain_cpu_seconds_total", [vm("b"), vm("c")], [20.25, 1.0], "counter"),
        Metric("snmp_up", 0.0, (("target", "sw"),)),  # steal_ratio: no domain has one any more
    ]
    body = renderer.render(second).decode()
    assert body == library(second)
    assert 'domain="a"' not in body and 'state="running",uuid="uuid-b"' not in body
    assert 'edgetop_domain_state{domain="b",state="paused",uuid="uuid-b"} 1.0' in body.splitlines()
    assert "steal" not in body and 'edgetop_snmp_up{target="sw"} 0.0' in body.splitlines()
    fourth: list[Metric | Family] = [  # the same first series, the next one changed; then one fewer
        Family("domain_state", [(*vm("b"), ("state", "paused")), (*vm("c"), ("state", "shutoff"))], [1.0, 1.0]),
        Family("domain_cpu_seconds_total", [vm("b")], [20.5], "counter"),
    ]
    body = renderer.render(fourth).decode()
    assert body == library(fourth)
    assert 'state="shutoff"' in body and 'domain="c"' not in body.split("cpu_seconds")[-1]
    third: list[Metric | Family] = [  # the same series in another order, and one fewer at the end
        Family("domain_cpu_seconds_total", [vm("c"), vm("b")], [2.0, 20.5], "counter"),
        Family("domain_state", [(*vm("b"), ("state", "paused"))], [1.0]),
    ]
    assert renderer.render(third).decode() == library(third)


def test_zero_and_negative_zero_keep_their_signs_from_one_scrape_to_the_next() -> None:
    renderer = TextRenderer()
    for values in SIGNED_ZERO_SCRAPES:
        exposed: list[Metric | Family] = [Family("offset_seconds", [vm("a"), vm("b")], values),
                                          Metric("drift_seconds", values[0])]
        assert renderer.render(exposed).decode() == library(exposed), values


_VALUES = sample_values(())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_VALUES, min_size=3, max_size=3), min_size=1, max_size=4))
def test_every_value_reads_as_prometheus_clients_text_over_successive_scrapes(scrapes: list[list[float]]) -> None:
    renderer = TextRenderer()
    for values in scrapes:
        exposed: list[Metric | Family] = [Family("value", [vm("a"), vm("b"), vm("c")], values),
                                          *[Metric("single", v, (("n", str(i)),)) for i, v in enumerate(values)]]
        assert renderer.render(exposed).decode() == library(exposed)


def test_what_a_renderer_keeps_stays_within_twice_a_scrape() -> None:
    renderer = TextRenderer()
    for scrape in range(40):  # every scrape new series: a label that keeps changing
        labels = [(("request", f"{scrape}-{i}"),) for i in range(10)]
        exposed: list[Metric | Family] = [Family("requests", labels, [float(scrape)] * 10),
                                          Metric("one", 1.0, (("scrape", str(scrape)),))]
        assert renderer.render(exposed).decode() == library(exposed)
        assert renderer.kept_series <= 2 * 11


def test_domain_families_come_in_the_order_of_their_first_samples() -> None:
    """A shut-off first domain has no CPU time or vCPUs: those families follow its own ones."""
    off = DomainStats(name="off", uuid="u0", state="shutoff", reason="shutdown", balloon=Balloon(maximum_bytes=2**30))
    vcpus = (VcpuStats(id=0, time_seconds_total=5.0, wait_seconds_total=1.0, delay_seconds_total=0.5),)
    on = DomainStats(name="on", uuid="u1", state="running", reason="booted", id=1, vcpus=1, cpu_time_seconds_total=7.0,
                     vcpu_list=vcpus, balloon=Balloon(maximum_bytes=2**30, current_bytes=2**29))
    view = derive(raw(off, on), raw(off, on), 1.0)
    names = [f.full_name for f in domain_families(view)]
    assert names == [
        "libvirt_up", "libvirt_domain_state_code", "libvirt_domain_info_maximum_memory_bytes",  # off's
        "edgetop_domain_state",
        "libvirt_domain_info_cpu_time_seconds_total", "libvirt_domain_info_memory_usage_bytes",  # then on's
        "libvirt_domain_info_virtual_cpus", "libvirt_domain_vcpu_time_seconds_total",
        "libvirt_domain_vcpu_wait_seconds_total", "libvirt_domain_vcpu_delay_seconds_total",
        "edgetop_domain_steal_ratio",
    ]


def port(index: str, speed: int | None) -> Interface:
    return Interface(index=index, name=f"ge-{index}", descr=None, admin_status="up", oper_status="up", mtu=1500,
                     speed_mbps=speed, in_bytes_total=10, out_bytes_total=20, in_errors_total=0, out_errors_total=0,
                     in_discards_total=None, out_discards_total=None)


def test_if_mib_families_come_in_the_order_of_their_first_samples() -> None:
    """A first port without a speed: ``ifHighSpeed`` comes after every family the first port has."""
    names = [f.name for f in snmp.if_mib_families("sw", (port("1", None), port("2", 1000)))]
    assert names == ["ifHCInOctets", "ifHCOutOctets", "ifInErrors", "ifOutErrors", "ifMtu", "ifAdminStatus",
                     "ifOperStatus", "ifHighSpeed"]
    assert [f.name for f in snmp.if_mib_families("sw", (port("1", 1000), port("2", None)))][4:6] == [
        "ifMtu", "ifHighSpeed"]
