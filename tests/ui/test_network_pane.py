"""Pilot tests of the Network pane: narrow/wide tables, problems, bonds, tap owners, keyed updates."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from edgetop.collectors import network as network_mod
from edgetop.collectors.libvirt_view import DomainsView
from edgetop.collectors.network import NetworkReading
from edgetop.model.reading import Status
from edgetop.model.spec import CollectorSpec
from edgetop.ui.fmt import bit_rate
from edgetop.ui.panes.network import NetworkPane, short_rate, short_speed
from edgetop.ui.widgets.synced_table import SyncedTable
from tests.helpers import fake_spec
from tests.ui.harness import PaneHarness, cell, demo_collect
from tests.ui.harness import reading as make_reading


def demo(tmp_path: Path) -> tuple[CollectorSpec, NetworkReading]:
    return demo_collect(network_mod, tmp_path, NetworkReading)


def static_text(app: PaneHarness, selector: str) -> str:
    return str(app.pane.query_one(selector).render())


def owners(taps: dict[str, str]) -> DomainsView:
    """The libvirt collector's view with no domains, only the tap map the pane joins on."""
    return DomainsView((), None, taps)


DOMAINS = fake_spec("domains", lambda: None, lane="libvirt", pane="domains")


@pytest.mark.parametrize(("size", "wide"), [((80, 25), False), ((120, 40), True)])
async def test_layout_problems_and_bonds(tmp_path: Path, size: tuple[int, int], wide: bool) -> None:
    spec, reading = demo(tmp_path)
    app = PaneHarness(NetworkPane)
    async with app.run_test(size=size) as pilot:
        app.feed(spec, reading)
        await pilot.pause()
        shown = app.pane.query_one("#net-table-wide" if wide else "#net-table-narrow", SyncedTable)
        hidden = app.pane.query_one("#net-table-narrow" if wide else "#net-table-wide", SyncedTable)
        assert shown.display and not hidden.display
        keys = shown.row_keys_in_order()
        assert keys[-1] == "lo" and set(keys) == {i.name for i in reading.interfaces}
        if wide:  # at 80 columns the MTU makes room for rates with units (mismatches are in Problems)
            assert (cell(shown, "tap-db0", "mtu"), cell(shown, "br0", "mtu")) == ("1500", "9000")
        assert cell(shown, "eno2", "state") == "nocarr"
        assert cell(shown, "ens1f0", "speed") == "10G"
        problems = static_text(app, "#net-problems")
        assert "port tap-db0 MTU 1500 differs from bridge br0 MTU 9000" in problems
        assert "aggregator 2, not the active 1" in problems
        bonds = static_text(app, "#net-bonds")
        assert "bond0" in bonds and "802.3ad" in bonds and "partner 00:1c:73:aa:bb:cc" in bonds
        assert "7 problems" in static_text(app, "#net-status")
        assert "bond0 2/3 up" in static_text(app, "#net-status")
        assert "lacp ATGSCD/ATGSCD" in bonds and "lacp AGF/A" in bonds


async def test_tap_owner_shown_literally_when_offered(tmp_path: Path) -> None:
    spec, reading = demo(tmp_path)
    app = PaneHarness(NetworkPane)
    async with app.run_test(size=(120, 40)) as pilot:
        app.feed(spec, reading)
        await pilot.pause()
        table = app.pane.query_one("#net-table-wide", SyncedTable)
        assert cell(table, "tap-db0", "name") == "tap-db0"  # no domains collector: just the tap
        app.store.update(DOMAINS, make_reading("domains", owners({"tap-db0": "[b]web01[/b]", "tap-vr-lan": "db"})))
        app.feed(spec, reading)
        await pilot.pause()
        assert cell(table, "tap-db0", "name") == "tap-db0 ([b]web01[/b])"
        owned = table.get_cell("tap-db0", "name")
        assert owned.spans == [] and str(owned.style) == "cyan"  # a domain's tap: one style for the cell
        assert cell(table, "tap-vr-lan", "name") == "tap-vr-lan (db)"


async def test_domains_view_without_owners_is_ignored(tmp_path: Path) -> None:
    spec, reading = demo(tmp_path)
    app = PaneHarness(NetworkPane)
    async with app.run_test(size=(80, 25)) as pilot:
        app.store.update(DOMAINS, make_reading("domains", object()))
        app.feed(spec, reading)
        await pilot.pause()
        table = app.pane.query_one("#net-table-narrow", SyncedTable)
        assert cell(table, "tap-db0", "name") == "tap-db0"


async def test_rates_update_in_place_and_sort_on_request(tmp_path: Path) -> None:
    spec, reading = demo(tmp_path)
    app = PaneHarness(NetworkPane)
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(spec, reading, monotonic=100.0)
        await pilot.pause()
        table = app.pane.query_one("#net-table-narrow", SyncedTable)
        assert cell(table, "tap-vr-lan", "rx") == "n/a"
        busier = tuple(dataclasses.replace(i, rx_bytes_total=(i.rx_bytes_total or 0) + 2048 * 1024)
                       if i.name == "tap-vr-lan" else i for i in reading.interfaces)
        app.feed(spec, dataclasses.replace(reading, interfaces=busier), monotonic=102.0)
        await pilot.pause()
        assert cell(table, "tap-vr-lan", "rx") == "8.4Mb"  # 1 MiB/s is 8.39 Mbit/s; a tap has no speed
        assert cell(table, "br0", "rx") == "0b"
        assert table.row_keys_in_order()[0] == "bond0"
        await pilot.press("b")
        await pilot.pause()
        assert table.row_keys_in_order()[0] == "tap-vr-lan"


async def test_unavailable_banner(tmp_path: Path) -> None:
    spec, _ = demo(tmp_path)
    app = PaneHarness(NetworkPane)
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(spec, status=Status.UNAVAILABLE, reason="no network interfaces under /x")
        await pilot.pause()
        assert "unavailable: no network interfaces under /x" in static_text(app, "#net-status")


@pytest.mark.parametrize(("value", "text"), [(None, "n/a"), (0, "0"), (950, "950"), (2048, "2.0K"),
                                             (150 * 1024, "150K"), (3 * 1024**3, "3.0G")])
def test_short_rate(value: float | None, text: str) -> None:
    assert short_rate(value) == text


@pytest.mark.parametrize(("bps", "speed", "text"), [
    (None, 1000, "n/a"), (0, None, "0b"), (100, None, "800b"), (575, None, "4.6kb"),
    (4_687_500, 1000, "37.5Mb 4%"), (125_000_000, 1000, "1.0Gb 100%"), (125_000_000, 10000, "1.0Gb 10%"),
    (1000, -1, "8.0kb"),  # a speed of -1 (unknown) gives no share
])
def test_bit_rate_has_its_unit_and_share_of_the_link(bps: float | None, speed: int | None, text: str) -> None:
    assert bit_rate(bps, speed) == text


@pytest.mark.parametrize(("mbps", "text"), [(None, "n/a"), (100, "100M"), (1000, "1G"), (25000, "25G"),
                                            (2500, "2.5G")])
def test_short_speed(mbps: int | None, text: str) -> None:
    assert short_speed(mbps) == text


@pytest.mark.parametrize(("size", "ascii_only"), [((120, 40), False), ((80, 25), True)])
def test_snapshot(snap_compare, size: tuple[int, int], ascii_only: bool,  # type: ignore[no-untyped-def]
                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SVG of the demo network with traffic on the bond and a tap, and the taps' domains."""
    if ascii_only:
        monkeypatch.setenv("EDGETOP_ASCII", "1")
    spec, reading = demo(tmp_path)
    app = PaneHarness(NetworkPane)
    traffic = {"bond0": 125_000_000, "ens1f0": 125_000_000, "br0": 3_000_000, "tap-vr-lan": 2_500_000}

    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        app.store.update(DOMAINS, make_reading("domains", owners({"tap-db0": "db-postgres",
                                                                        "tap-vr-lan": "vrouter-vnf"})))
        app.feed(spec, reading, monotonic=1000.0)
        busier = tuple(dataclasses.replace(i, rx_bytes_total=(i.rx_bytes_total or 0) + traffic.get(i.name, 0),
                                           tx_bytes_total=(i.tx_bytes_total or 0) + traffic.get(i.name, 0) // 3,
                                           rx_packets_total=(i.rx_packets_total or 0) + traffic.get(i.name, 0) // 1500)
                       for i in reading.interfaces)
        app.feed(spec, dataclasses.replace(reading, interfaces=busier), monotonic=1001.0)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=before)
