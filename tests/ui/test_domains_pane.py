"""Pilot tests of the domains pane and the domain detail screen over test-driver data."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from textual.widgets import DataTable, Input, Static

from edgetop.actions.intents import PinVcpu
from edgetop.collectors import libvirt_domains as mod
from edgetop.collectors.libvirt_domains import DomainsCollector
from edgetop.config_schema import Config
from edgetop.model.reading import Status
from edgetop.model.spec import CollectorSpec, Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.sources.libvirt_conn import LibvirtConnection
from edgetop.ui.panes.domains import DomainsPane
from edgetop.ui.screens.domain_detail import DomainDetailScreen
from edgetop.ui.widgets.fast_table import FastTable
from tests.helpers import FIXTURES
from tests.ui.harness import PaneHarness

FIXTURE = FIXTURES / "libvirt" / "node.xml"
MARKUP_NAME = "[b]x[b] caméra Ω"
ROUTER = "11111111-0000-4000-8000-000000000001"
CAMERA = "11111111-0000-4000-8000-000000000002"


def domains_spec() -> CollectorSpec:
    ctx = Context(Config(), ProcFS("/proc"), SysFS("/sys"))
    return next(s for s in mod.specs(ctx) if s.name == "domains")


class App(PaneHarness):
    """The harness plus what the real app provides to the detail screen."""

    def __init__(self, read_only: bool = True) -> None:
        super().__init__(DomainsPane)
        self.read_only = read_only
        self.requested: list[Any] = []

    async def request_action(self, intent: Any) -> None:
        self.requested.append(intent)


def feed_two(app: App) -> None:
    spec = domains_spec()
    col = DomainsCollector(LibvirtConnection(f"test://{FIXTURE}"), ProcFS("/proc"))
    app.feed(spec, col(), monotonic=100.0)
    app.feed(spec, col(), monotonic=101.0)


def cell_text(table: FastTable, row: str, col: str) -> Any:
    return table.get_cell(row, col)


async def test_rows_keyed_by_uuid_names_literal() -> None:
    app = App()
    async with app.run_test(size=(80, 25)) as pilot:
        feed_two(app)
        await pilot.pause()
        table = app.pane.table
        assert table.row_count == 4
        assert set(table.row_keys) >= {ROUTER, CAMERA}
        name = cell_text(table, CAMERA, "name")
        assert name.plain == MARKUP_NAME  # shown literally: brackets kept, no bold from markup
        assert "bold" not in str(name.style)
        drawn = "".join(seg.text for y in range(1, 5) for seg in table.render_line(y))
        assert MARKUP_NAME in drawn  # drawn with its brackets, never parsed
        banner = app.pane.query_one("#domains-banner", Static)
        assert "4 domains, 2 running" in str(banner.render())
        assert cell_text(table, ROUTER, "state").plain == "running"


async def test_filter_and_sort() -> None:
    app = App()
    async with app.run_test(size=(120, 40)) as pilot:
        feed_two(app)
        await pilot.pause()
        await pilot.press("slash")
        await pilot.press(*"paus")
        await pilot.pause()
        table = app.pane.table
        assert table.row_count == 1
        await pilot.press("enter")  # leaves the filter box, keeps the filter
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == 4
        app.pane.sort_by("name", reverse=False)
        names = [table.get_row_at(i)[0].plain for i in range(table.row_count)]
        assert names == sorted(names, key=str.lower)
        app.pane.sort_by("vcpus")  # numbers: high first, unknown last
        vcpus = [table.get_row_at(i)[2].plain for i in range(table.row_count)]
        assert vcpus == ["2", "2", "1", "1"]
        table.focus()
        await pilot.press("I")
        assert [table.get_row_at(i)[2].plain for i in range(table.row_count)] == ["1", "1", "2", "2"]
        await pilot.press("N")
        assert table.get_row_at(0)[0].plain == "[b]x[b] caméra Ω"
        await pilot.press("greater_than_sign")
        assert app.pane.sort_column == "state"
        # A shut-off guest has no CPU%: it goes last busiest-first and least-busy-first alike.
        for reverse in (True, False):
            app.pane.sort_by("cpu", reverse=reverse)
            cpu = [table.get_row_at(i)[3].plain for i in range(table.row_count)]
            assert "n/a" in cpu and cpu.index("n/a") > max(i for i, c in enumerate(cpu) if c != "n/a"), cpu


async def test_disconnected_greys_last_values_with_banner() -> None:
    app = App()
    async with app.run_test(size=(80, 25)) as pilot:
        feed_two(app)
        reason = "disconnected: cannot reach libvirtd: socket gone (is libvirtd running?), retrying in 4s"
        app.feed(domains_spec(), status=Status.UNAVAILABLE, reason=reason)
        await pilot.pause()
        banner = str(app.pane.query_one("#domains-banner", Static).render())
        assert "disconnected: cannot reach libvirtd" in banner and "retrying in 4s" in banner
        assert "greyed" in banner
        table = app.pane.table
        assert table.row_count == 4
        assert cell_text(table, ROUTER, "name").style == "dim"


async def test_enter_opens_detail_and_read_only_hides_pin() -> None:
    app = App(read_only=True)
    async with app.run_test(size=(80, 25)) as pilot:
        feed_two(app)
        await pilot.pause()
        app.pane.table.focus()
        app.pane.sort_by("name", reverse=False)
        await pilot.pause()
        app.pane.table.move_cursor(row=app.pane.table.get_row_index(CAMERA))
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DomainDetailScreen) and screen.uuid == CAMERA
        fields = str(screen.query_one("#detail-fields", Static).render())
        assert MARKUP_NAME in fields
        assert "tap0003" in fields
        assert screen.check_action("pin_vcpu", ()) is False
        await pilot.press("p")
        assert not screen.query_one("#detail-pin", Input).has_class("shown")
        assert app.requested == []
        await pilot.press("escape")
        assert not isinstance(app.screen, DomainDetailScreen)


@pytest.mark.parametrize("size", [(80, 25), (120, 40)])
async def test_pin_vcpu_builds_intent(size: tuple[int, int]) -> None:
    app = App(read_only=False)
    async with app.run_test(size=size) as pilot:
        feed_two(app)
        await pilot.pause()
        app.push_screen(DomainDetailScreen(app.store, ROUTER))
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#detail-vcpus", DataTable)
        assert table.row_count == 2
        assert table.get_row("0")[2] == "2" and table.get_row("1")[2] == "3"  # affinity read back
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("p")
        box = screen.query_one("#detail-pin", Input)
        assert box.has_class("shown") and "vCPU 1" in box.placeholder
        await pilot.press(*"0-1", "enter")
        await pilot.pause()
        assert app.requested == [PinVcpu(domain="router vnf", vcpu=1, cpus=frozenset({0, 1}))]
        await pilot.press("p", *"x", "enter")
        await pilot.pause()
        assert len(app.requested) == 1  # a bad CPU list never reaches the runner


def many(n: int, vcpus: int) -> Any:
    from edgetop.collectors.libvirt_domains import DomainsRaw
    from edgetop.collectors.libvirt_stats import DomainStats

    doms = tuple(DomainStats(name=f"g{i:03d}", uuid=f"u{i:03d}", state="running", reason="booted", id=i + 1,
                             vcpus=vcpus) for i in range(n))
    return DomainsRaw(doms, None, 0.0)


async def test_off_screen_rows_catch_up_on_scroll_and_sort() -> None:
    app = App()
    async with app.run_test(size=(80, 25)) as pilot:
        spec = domains_spec()
        app.feed(spec, many(300, 1))
        await pilot.pause()
        app.feed(spec, many(300, 2))  # every row changed
        await pilot.pause()
        table = app.pane.table
        assert table.get_cell("u000", "vcpus").plain == "2"  # on screen: updated at once
        assert table.get_cell("u040", "vcpus").plain == "2"  # a screenful below: kept current too
        assert table.get_cell("u299", "vcpus") is None  # far below: never formatted yet
        assert table.get_cell("u299", "name").plain == "g299"  # but its name is (it sets the width)
        table.move_cursor(row=299, animate=False)  # as the end key does
        await pilot.pause()
        assert table.scroll_y > 250
        assert table.get_cell("u299", "vcpus").plain == "2"  # scrolled into view: caught up
        assert table.get_cell("u150", "vcpus") is None
        app.feed(spec, many(300, 3))
        await pilot.pause()
        assert table.get_cell("u000", "vcpus").plain == "2"  # formatted once, off screen now: stale
        assert table.get_cell("u299", "vcpus").plain == "3"
        table.move_cursor(row=0, animate=False)
        await pilot.pause()
        assert table.get_cell("u000", "vcpus").plain == "3"  # back in view: caught up
        app.pane.sort_by("vcpus")
        assert table.get_cell("u150", "vcpus").plain == "3"  # a sort uses current values everywhere


async def test_pin_on_local_qemu_uses_the_cpu_picker() -> None:
    from edgetop.collectors import topology
    from edgetop.collectors.libvirt_domains import DomainsRaw
    from edgetop.collectors.libvirt_stats import DomainStats, VcpuStats
    from edgetop.collectors.topology import read_topology
    from edgetop.sources.fs import SysFS
    from edgetop.sources.libvirt_conn import Hypervisor
    from edgetop.ui.screens.cpu_picker import CpuPickerScreen

    hyp = Hypervisor("QEMU", "7.2.0", "qemu:///system", "9.0.0", 2)
    dom = DomainStats(name="vm one", uuid="u1", state="running", reason="booted", id=1, vcpus=1,
                      vcpu_list=(VcpuStats(id=0, cpu=0, affinity=(0,)),))
    app = App(read_only=False)
    async with app.run_test(size=(80, 25)) as pilot:
        ctx = Context(Config(), ProcFS("/proc"), SysFS("/sys"))
        (topology_spec,) = topology.specs(ctx)
        app.feed(topology_spec, topology_spec.build(ctx)())
        app.feed(domains_spec(), DomainsRaw((dom,), hyp, 0.0))
        app.push_screen(DomainDetailScreen(app.store, "u1"))
        await pilot.pause()
        app.screen.query_one("#detail-vcpus", DataTable).focus()
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, CpuPickerScreen)
        await pilot.press("a", "enter")
        await pilot.pause()
        online = read_topology(SysFS()).online
        assert app.requested == [PinVcpu(domain="vm one", vcpu=0, cpus=frozenset(online))]


def edge_node(tick: int) -> Any:
    """Two deterministic ticks of a small edge node (hand-built, no clock involved)."""
    from edgetop.collectors.libvirt_domains import DomainsRaw
    from edgetop.collectors.libvirt_stats import Balloon, DiskStats, DomainStats, NicStats, VcpuStats
    from edgetop.sources.libvirt_conn import Hypervisor

    gib = 1024**3
    hyp = Hypervisor("QEMU", "7.2.0", "qemu:///system", "9.0.0", 8)

    def dom(i: int, name: str, state: str, cpu: float, steal: float, squeeze: float, usable: float) -> DomainStats:
        active = state != "shutoff"
        vcpus = tuple(VcpuStats(id=v, cpu=2 + v, affinity=(2 + v,), time_seconds_total=100 + tick * cpu,
                                wait_seconds_total=50.0 + tick * 0.1, delay_seconds_total=5 + tick * steal,
                                delay_source="libvirt") for v in range(2)) if active else ()
        maximum = 4 * gib
        actual = int(maximum * (1 - squeeze))
        balloon = Balloon(current_bytes=maximum, maximum_bytes=maximum)
        if active:
            balloon = Balloon(current_bytes=actual, maximum_bytes=maximum, actual_bytes=actual,
                              available_bytes=actual, usable_bytes=int(actual * usable),
                              unused_bytes=int(actual * usable / 2), rss_bytes=int(actual * 0.9))
        return DomainStats(
            name=name, uuid=f"00000000-0000-4000-8000-{i:012d}", state=state, reason="booted" if active else "shutdown",
            id=i if active else None, vcpus=2, cpu_time_seconds_total=200 + tick * 2 * cpu if active else None,
            balloon=balloon, vcpu_list=vcpus, qemu_pid=4000 + i if active else None,
            nics=(NicStats(f"tap{i}", rx_bytes_total=tick * 3_000_000 * i, tx_bytes_total=tick * 1_000_000),)
            if active else (),
            disks=(DiskStats("vda", "/img/x.qcow2", read_bytes_total=tick * 500_000, write_bytes_total=tick * 9000),)
            if active else ())

    return DomainsRaw((
        dom(1, "vrouter-vnf", "running", 0.62, 0.004, 0.0, 0.6),
        dom(2, "db-postgres", "running", 0.31, 0.03, 0.48, 0.04),
        dom(3, "ci-runner", "running", 0.95, 0.19, 0.3, 0.2),
        dom(4, "[b]x[b] caméra Ω", "paused", 0.0, 0.0, 0.0, 0.5),
        dom(5, "backup target", "shutoff", 0.0, 0.0, 0.0, 0.0),
    ), hyp, 0.001)


@pytest.mark.parametrize(("size", "ascii_only"), [((120, 40), False), ((80, 25), True)])
def test_snapshot(snap_compare, size: tuple[int, int], ascii_only: bool,  # type: ignore[no-untyped-def]
                  monkeypatch: pytest.MonkeyPatch) -> None:
    """SVG of the pane: steal and balloon pressure coloured by the default thresholds, names literal."""
    if ascii_only:
        monkeypatch.setenv("EDGETOP_ASCII", "1")
    app = App()

    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        app.feed(domains_spec(), edge_node(1), monotonic=1000.0)
        app.feed(domains_spec(), edge_node(2), monotonic=1001.0)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=before)


def test_detail_snapshot(snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """SVG of the detail screen of a guest suffering steal, on the Linux console glyph set."""
    monkeypatch.setenv("EDGETOP_ASCII", "1")
    app = App(read_only=False)

    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        for tick in range(1, 8):
            app.feed(domains_spec(), edge_node(tick), monotonic=1000.0 + tick)
        app.push_screen(DomainDetailScreen(app.store, "00000000-0000-4000-8000-000000000003"))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 25), run_before=before)


async def test_banner_shows_host_steal_next_to_guests() -> None:
    from edgetop.collectors import cpu
    from edgetop.collectors.proc_stat import parse_proc_stat

    (cpu_spec,) = cpu.specs(Context(Config(), ProcFS("/proc"), SysFS("/sys")))
    app = App()
    async with app.run_test(size=(80, 25)) as pilot:
        # 1000 ticks of this node's CPU: 42 stolen by its own hypervisor.
        for mono, text in ((99.0, "cpu  0 0 0 0 0 0 0 0\n"), (100.0, "cpu  900 0 0 58 0 0 0 42\n")):
            app.feed(cpu_spec, cpu.CpuRaw(parse_proc_stat(text), (), None), monotonic=mono)
        feed_two(app)
        await pilot.pause()
        assert "host steal 4.2%" in str(app.pane.query_one("#domains-banner", Static).render())


async def test_detail_of_a_domain_that_goes_away() -> None:
    app = App()
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(domains_spec(), edge_node(1), monotonic=1000.0)
        app.push_screen(DomainDetailScreen(app.store, "00000000-0000-4000-8000-000000000002"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DomainDetailScreen)
        raw = edge_node(2)
        app.feed(domains_spec(), msgspec.structs.replace(raw, domains=raw.domains[2:]), monotonic=1001.0)
        screen.refresh_view()
        assert "this domain is gone" in str(screen.query_one("#detail-fields", Static).render())
        assert screen.query_one("#detail-vcpus", DataTable).row_count == 0


def shuffled(tick: int, n: int = 300) -> Any:
    """``n`` running guests whose CPU use changes rank every tick (no domain comes or goes)."""
    from edgetop.collectors.libvirt_domains import DomainsRaw
    from edgetop.collectors.libvirt_stats import DomainStats

    def used(i: int, t: int) -> float:  # CPU seconds by tick t: a share that moves with t
        return sum(((i * 37 + k * 11) % 100) / 100 for k in range(t))

    doms = tuple(DomainStats(name=f"g{i:03d}", uuid=f"u{i:03d}", state="running", reason="booted", id=i + 1, vcpus=1,
                             cpu_time_seconds_total=used(i, tick)) for i in range(n))
    return DomainsRaw(doms, None, 0.0)


async def test_sorted_by_cpu_stays_sorted_every_tick_and_the_cursor_stays_on_its_domain() -> None:
    """Issue 14: sorted by CPU, the pane re-sorted only when a domain came or went (32.0% above 53.4%)."""
    app = App()
    async with app.run_test(size=(80, 25)) as pilot:
        spec = domains_spec()
        app.feed(spec, shuffled(1), monotonic=1.0)
        app.feed(spec, shuffled(2), monotonic=2.0)
        table = app.pane.table
        table.focus()
        await pilot.press("P", "down", "down")
        chosen = table.row_keys[table.cursor_row]
        for tick in range(3, 8):  # five ticks, values only
            app.feed(spec, shuffled(tick), monotonic=float(tick))
            await pilot.pause()
            values = [table.get_cell(k, "cpu").sort_value for k in table.row_keys]
            assert values == sorted(values, reverse=True), tick
            assert table.row_keys[table.cursor_row] == chosen, tick
        assert "CPU%▼" in "".join(seg.text for seg in table.render_line(0))
        await pilot.press("N")
        assert "Name▲" in "".join(seg.text for seg in table.render_line(0))
