"""The domains collector over libvirt's test driver with a committed node XML (no daemon)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from edgetop.collectors import libvirt_domains as mod
from edgetop.collectors.libvirt_domains import DomainsCollector, DomainsRaw, is_local
from edgetop.collectors.libvirt_view import derive, to_json
from edgetop.collectors.libvirt_xml import DomainXml
from edgetop.collectors.registry import all_specs
from edgetop.config_schema import Config, LibvirtConfig
from edgetop.demo import demo_context
from edgetop.demo.domains import DemoVariation, MovingDomains
from edgetop.engine.lanes import Engine
from edgetop.model.reading import Status
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.sources.libvirt_conn import LibvirtConnection, load_libvirt
from tests.helpers import FIXTURES

FIXTURE = FIXTURES / "libvirt" / "node.xml"
URI = f"test://{FIXTURE}"
MARKUP_NAME = "[b]x[b] caméra Ω"


def collector(uri: str = URI) -> DomainsCollector:
    return DomainsCollector(LibvirtConnection(uri), ProcFS("/proc"))


def by_name(raw: DomainsRaw) -> dict[str, Any]:
    return {d.name: d for d in raw.domains}


def test_states_names_and_fallbacks() -> None:
    raw = collector()()
    doms = by_name(raw)
    assert list(doms) == sorted(doms)  # sorted by name
    assert {n: d.state for n, d in doms.items()} == {
        "router vnf": "running", MARKUP_NAME: "running", "paused db": "paused", "[red]off guest": "shutoff"}
    router = doms["router vnf"]
    # The test driver answers only the state group: every other group came from a per-domain fallback.
    assert dict(router.sources) == {"state": "bulk", "cpu-total": "fallback", "balloon": "fallback",
                                    "vcpu": "fallback", "interface": "fallback", "block": "fallback"}
    assert router.balloon.current_bytes == 1536 * 1024 * 1024
    assert router.balloon.maximum_bytes == 2048 * 1024 * 1024
    assert [n.name for n in router.nics] == ["tap0001", "tap0002"]
    assert [d.name for d in router.disks] == ["vda"]
    assert router.cpu_time_seconds_total is not None
    off = doms["[red]off guest"]
    assert off.cpu_time_seconds_total is None and off.vcpu_list == ()  # no stats: unknown, not 0
    assert off.balloon.maximum_bytes == 512 * 1024 * 1024
    assert raw.hypervisor is not None and raw.hypervisor.name == "TEST"
    assert raw.fallback_calls > 0 and raw.vanished == ()


def test_vcpu_pinning_read_back() -> None:
    doms = by_name(collector()())
    assert [(v.id, v.affinity, v.cpu) for v in doms["router vnf"].vcpu_list] == [(0, (2,), 2), (1, (3,), 3)]
    assert doms[MARKUP_NAME].vcpu_list[0].affinity == (0, 1, 2, 3)  # unpinned: all four host CPUs of the node
    # The test driver reports no delay; the schedstat fallback applies to local QEMU only.
    assert all(v.delay_seconds_total is None and v.delay_source is None for v in doms["router vnf"].vcpu_list)


def test_pinning_change_is_read_back() -> None:
    lv = load_libvirt()
    col = collector()
    rw = lv.open(URI)  # the test driver's state is per connection: pin through the collector's own
    col.conn._conn = rw
    rw.lookupByName("router vnf").pinVcpu(0, (True, True, False, False))
    assert by_name(col())["router vnf"].vcpu_list[0].affinity == (0, 1)


def test_view_json_and_tap_owners() -> None:
    col = collector()
    first = col()
    second = col()
    view = derive(first, second, 1.0)
    assert view.tap_owners == {"tap0001": "router vnf", "tap0002": "router vnf", "tap0003": MARKUP_NAME}
    js = {d["name"]: d for d in to_json(view)}
    assert js["[red]off guest"]["cpu_ratio"] is None
    assert js["[red]off guest"]["vcpu_list"] == []
    assert js["router vnf"]["vcpu_list"][1]["affinity"] == [3]
    assert js["router vnf"]["balloon"]["usable_bytes"] is None  # the test driver has no guest stats
    for d in js.values():
        assert set(d) >= {"name", "uuid", "state", "vcpus", "cpu_time_seconds_total", "cpu_ratio", "balloon",
                          "vcpu_list"}


class VanishingConnection:
    """A real test-driver connection whose bulk call is followed by a domain being undefined."""

    def __init__(self, conn: Any, victim: str) -> None:
        self._conn, self._victim = conn, victim

    def getAllDomainStats(self, stats: int, flags: int) -> Any:
        out = self._conn.getAllDomainStats(stats, flags)
        self._conn.lookupByName(self._victim).undefine()
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def test_domain_disappearing_mid_tick_is_skipped() -> None:
    col = collector()
    col.conn.get()
    col.conn._conn = VanishingConnection(load_libvirt().open(URI), "[red]off guest")
    col._xml["gone-long-ago"] = (1, DomainXml())
    raw = col()
    assert raw.vanished == ("[red]off guest",)
    assert "[red]off guest" not in by_name(raw) and len(raw.domains) == 3
    assert "gone-long-ago" not in col._xml  # the device cache forgets domains that are gone


def test_demo_uri_and_config_uri(tmp_path: Path) -> None:
    cfg = Config(libvirt=LibvirtConfig(uri="qemu+ssh://edge1/system"))
    demo_ctx = demo_context(cfg, ProcFS(tmp_path), SysFS(tmp_path))
    demo = demo_ctx.config.libvirt.uri
    assert demo.startswith("test:///") and demo.endswith("edgetop/demo/libvirt/node.xml")
    assert Path(demo[len("test://"):]).is_file()
    real_ctx = Context(cfg, ProcFS(tmp_path), SysFS(tmp_path))
    assert real_ctx.config.libvirt.uri == "qemu+ssh://edge1/system"
    # The demo variation wraps only the demo's collector; a real hypervisor's numbers are never touched.
    real = next(s for s in all_specs(real_ctx, ("edgetop.collectors.libvirt_domains",)) if s.name == "domains")
    built = real.build(real_ctx)
    try:
        assert type(built) is DomainsCollector
    finally:
        mod._close(built)
    spec = next(s for s in all_specs(demo_ctx, ("edgetop.collectors.libvirt_domains",)) if s.name == "domains")
    moving = spec.build(demo_ctx)
    try:
        assert isinstance(moving, MovingDomains) and callable(moving.subscribe)
    finally:
        mod._close(moving)


@pytest.mark.parametrize(("uri", "local"), [
    ("qemu:///system", True), ("qemu:///session", True), ("qemu+unix:///system?socket=/x", True),
    ("qemu+ssh://root@edge1/system", False), ("qemu+tls://edge1/system", False), ("test:///default", True),
])
def test_is_local(uri: str, local: bool) -> None:
    assert is_local(uri) is local


def test_demo_values_move_and_stay_plausible() -> None:
    ctx = demo_context(Config(), ProcFS("/proc"), SysFS("/sys"))
    clock = [0.0]
    col = MovingDomains(mod._build_domains(ctx), DemoVariation(clock=lambda: clock[0]))
    try:
        first = col()
        clock[0] = 2.0
        second = col()
    finally:
        mod._close(col)
    assert 8 <= len(second.domains) <= 12
    view = derive(first, second, 2.0)
    doms = {d.stats.name: d for d in view.domains}
    assert {"vrouter-vnf", "video-analytics", "db-postgres", "scada-hmi", "backup-target"} <= set(doms)
    for d in view.domains:
        if d.stats.state == "running":
            assert d.cpu_ratio is not None and 0 < d.cpu_ratio <= 1
            assert d.steal_ratio is not None and 0 <= d.steal_ratio < 0.5
            b = d.stats.balloon
            assert b.actual_bytes is not None and b.maximum_bytes is not None and b.usable_bytes is not None
            assert 0 < b.usable_bytes <= b.actual_bytes <= b.maximum_bytes
        elif d.stats.state == "paused":
            assert d.cpu_ratio == 0.0  # a paused guest's counters stand still
        else:
            assert d.cpu_ratio is None
    assert doms["video-analytics"].stats.vcpu_list[0].affinity == (4,)


async def test_engine_runs_both_specs_in_the_libvirt_lane(tmp_path: Path) -> None:
    ctx = Context(Config(libvirt=LibvirtConfig(uri=URI)), ProcFS("/proc"), SysFS(tmp_path))
    engine = Engine(ctx, mod.specs(ctx))
    try:
        samples = {s.spec.name: s for s in await engine.collect_round()}
        await asyncio.sleep(0.01)
        samples = {s.spec.name: s for s in await engine.collect_round()}
    finally:
        engine.close()
    assert {s.spec.lane for s in samples.values()} == {"libvirt"}
    assert samples["domains"].reading.status is Status.OK, samples["domains"].reading.reason
    assert samples["hypervisor"].spec.to_json(samples["hypervisor"].view) == {
        "hypervisor": {"name": "TEST", "version": "0.0.2", "uri": URI,
                       "library_version": samples["hypervisor"].view.library_version}}
    assert samples["domains"].view.domains[0].cpu_ratio is not None
    assert samples["domains"].spec.empty_json() == []


async def test_unreachable_uri_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    uri = f"qemu+unix:///system?socket={tmp_path}/none.sock"
    ctx = Context(Config(libvirt=LibvirtConfig(uri=uri)), ProcFS("/proc"), SysFS(tmp_path))
    engine = Engine(ctx, mod.specs(ctx))
    try:
        samples = {s.spec.name: s for s in await engine.collect_round()}
    finally:
        engine.close()
    reading = samples["domains"].reading
    assert reading.status is Status.UNAVAILABLE
    assert reading.reason is not None and reading.reason.startswith(f"cannot connect to {uri}: cannot reach libvirtd")
    assert "retrying in" in reading.reason


def test_raw_is_frozen() -> None:
    raw = collector()()
    with pytest.raises(AttributeError, match="immutable"):
        raw.domains[0].name = "x"  # type: ignore[misc]


class BusyConnection:
    """The test driver, but answering like QEMU with NOWAIT: full groups for one running
    domain, only ``state`` for another that is busy with a monitor job."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def getAllDomainStats(self, stats: int, flags: int) -> Any:
        out = []
        for dom, plain in self._conn.getAllDomainStats(stats, flags):
            record = plain
            if dom.name() == "router vnf":
                record = {**plain, "cpu.time": 5_000_000_000, "balloon.current": 1024, "balloon.maximum": 2048,
                          "vcpu.current": 2, "vcpu.maximum": 2, "vcpu.0.time": 1, "vcpu.1.time": 2,
                          "net.count": 0, "block.count": 0}
            out.append((dom, record))
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def test_busy_domain_is_skipped_not_queried() -> None:
    col = collector()
    col.conn.get()
    col.conn._conn = BusyConnection(load_libvirt().openReadOnly(URI))
    raw = col()
    doms = by_name(raw)
    assert dict(doms["router vnf"].sources) == dict.fromkeys(
        ("state", "cpu-total", "balloon", "vcpu", "interface", "block"), "bulk")
    busy = doms[MARKUP_NAME]
    assert dict(busy.sources) == {"state": "bulk", "cpu-total": "skipped", "balloon": "skipped",
                                  "vcpu": "skipped", "interface": "skipped", "block": "skipped"}
    assert busy.cpu_time_seconds_total is None and busy.balloon.current_bytes is None  # unknown, never 0
    assert [v.affinity for v in busy.vcpu_list] == [(0, 1, 2, 3)]  # vcpus() needs no monitor job
    # The shut-off domain is not busy: its memory still comes from info().
    assert dict(doms["[red]off guest"].sources)["balloon"] == "fallback"


def test_guest_alerts_over_the_test_driver_autostart_paused_and_crashed() -> None:
    """Shut off while marked autostart is read from libvirt (virDomainGetAutostart) and alerts.

    ``test:///default`` shares its state within a process: a read-write connection defines
    and changes guests, the collector's read-only connection reads them.
    """
    from edgetop.collectors.libvirt_view import alerts

    lv = load_libvirt()
    rw = lv.open("test:///default")
    xml = ("<domain type='test'><name>{}</name><memory>65536</memory><vcpu>1</vcpu>"
           "<os><type arch='x86_64'>hvm</type></os></domain>")
    made = [rw.defineXML(xml.format(n)) for n in ("edgetop-off-autostart", "edgetop-off-manual", "edgetop-paused")]
    try:
        made[0].setAutostart(1)
        made[2].create()
        made[2].suspend()  # paused by a person: libvirt's reason "user"
        c = collector("test:///default")
        raw = c()
        doms = by_name(raw)
        assert doms["edgetop-off-autostart"].autostart is True
        assert doms["edgetop-off-manual"].autostart is False
        assert (doms["edgetop-paused"].state, doms["edgetop-paused"].reason) == ("paused", "user")
        got = {(a.subject, str(a.severity), a.kind, a.category.label)
               for a in alerts(derive(None, raw, 0.0), Config()) if a.subject.startswith("edgetop-")}
        assert got == {("edgetop-off-autostart", "critical", "off", "guests"),
                       ("edgetop-paused", "warning", "paused", "guests")}
        c.conn.close()
    finally:
        made[2].destroy()
        for dom in made:
            dom.undefine()
        rw.close()


def test_two_demo_processes_show_a_guest_in_the_same_phase_at_the_same_moment() -> None:
    """The demo's waves follow the wall clock: demo nodes started at different times agree."""
    ctx = demo_context(Config(), ProcFS("/proc"), SysFS("/sys"))
    mono, wall = [100.0], [1_000.0]
    early = DemoVariation(clock=lambda: mono[0], wall=lambda: wall[0])
    mono[0], wall[0] = 107.0, 1_007.0  # a second demo node, started 7 s later
    late = DemoVariation(clock=lambda: mono[0], wall=lambda: wall[0])
    collect = mod._build_domains(ctx)
    try:
        raw = collect()
        running = [d for d in raw.domains if d.state == "running"]

        def steal(variation: DemoVariation, at: float) -> list[float]:
            mono[0], wall[0] = at - 900.0, at
            return [sum(v.delay_seconds_total or 0.0 for v in variation.apply(d).vcpu_list or ()) for d in running]

        # Steal over the same wall-clock second (its wave's period is 11 s, 7 s apart is out of phase).
        rates_early = [b - a for a, b in zip(steal(early, 1_030.0), steal(early, 1_031.0), strict=True)]
        rates_late = [b - a for a, b in zip(steal(late, 1_030.0), steal(late, 1_031.0), strict=True)]
    finally:
        mod._close(collect)
    assert running and any(r > 0 for r in rates_early)
    assert rates_late == pytest.approx(rates_early, rel=1e-6)
