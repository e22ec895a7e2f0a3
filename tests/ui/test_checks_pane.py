"""The Checks pane (added by following docs/ARCHITECTURE.md's walkthrough): worst first, fix below, literal evidence."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from edgetop.config_schema import Config
from edgetop.engine.store import Store
from edgetop.model.checks import Check, CheckStatus
from edgetop.model.reading import Status
from edgetop.ui.pane_list import PANES
from edgetop.ui.panes.checks import ChecksPane
from edgetop.ui.render.overview_lines import checks_line
from edgetop.ui.widgets.synced_table import SyncedTable
from tests.helpers import fake_spec, reading
from tests.ui.harness import PaneHarness, cell

SPEC = fake_spec("checks", pane="checks")
NTP_SPEC = fake_spec("ntp:verdict", pane="time")
CHECKS = (
    Check("virt.dev_kvm", "/dev/kvm usable", CheckStatus.PASS, "/dev/kvm: opened read-write"),
    Check("host.swap", "swap use", CheckStatus.WARN, "SwapTotal 2 GiB, 40% used", "Find what swaps."),
    Check("libvirt.tcp_listener", "no plain TCP", CheckStatus.FAIL, "listen_tcp = 1 [red]x[/red]",
          "Set listen_tcp = 0 in /etc/libvirt/libvirtd.conf."),
    Check("host.cpu_governor", "CPU governor", CheckStatus.UNKNOWN, "no cpufreq"),
)


def test_the_pane_is_listed_and_reached_without_a_number_key() -> None:
    entry = next(e for e in PANES if e.pane_id == "checks")
    assert entry.load() is ChecksPane and entry.key == ""  # beyond the tenth pane: g, tab or the palette


@pytest.mark.parametrize("size", [(80, 25), (120, 40)])
async def test_worst_first_with_the_fix_of_the_highlighted_check(size: tuple[int, int],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "linux")
    app = PaneHarness(ChecksPane)
    async with app.run_test(size=size) as pilot:
        app.feed(SPEC, CHECKS)
        await pilot.pause()
        table = app.pane.query_one("#checks-table", SyncedTable)
        # The joined checks (time, network) have no samples here: unknown, with the reason.
        order = table.row_keys_in_order()
        assert order[:2] == ["libvirt.tcp_listener", "host.swap"]
        assert order[-1] == "virt.dev_kvm"
        assert {"time.sync", "network.problems"} <= set(order)
        assert cell(table, "libvirt.tcp_listener", "status") == "fail"
        assert cell(table, "libvirt.tcp_listener", "evidence") == "listen_tcp = 1 [red]x[/red]"  # literal
        status = str(app.pane.query_one("#checks-status", Static).render())
        assert "1 fail" in status and "1 warn" in status and "1 pass" in status
        detail = str(app.pane.query_one("#checks-detail", Static).render())
        assert "libvirt.tcp_listener" in detail and "fix: Set listen_tcp = 0" in detail
        await pilot.press("down")
        await pilot.pause()
        detail = str(app.pane.query_one("#checks-detail", Static).render())
        assert "host.swap" in detail and "Find what swaps." in detail


async def test_an_outage_keeps_the_checks_greyed_with_the_reason() -> None:
    app = PaneHarness(ChecksPane)
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(SPEC, CHECKS)
        app.feed(SPEC, None, status=Status.UNAVAILABLE, reason="libvirtd gave no answer")
        await pilot.pause()
        status = str(app.pane.query_one("#checks-status", Static).render())
        assert "unavailable: libvirtd gave no answer" in status
        table = app.pane.query_one("#checks-table", SyncedTable)
        assert cell(table, "libvirt.tcp_listener", "status") == "fail"


def test_the_pane_refreshes_when_a_joined_verdict_changes() -> None:
    store = Store(Config())
    pane = ChecksPane(store)
    assert pane.wants(store.update(NTP_SPEC, reading("ntp:verdict", None)))  # the time check is joined from it
    assert not pane.wants(store.update(fake_spec("cpu", pane="cpu"), reading("cpu", None)))


def test_overview_counts_failed_and_warning_checks() -> None:
    store = Store(Config())
    store.update(SPEC, reading("checks", CHECKS))
    line = checks_line(store.samples())
    assert line is not None and line.plain.startswith("1 failed, 1 warning of 9")
    assert checks_line({}) is None


def test_snapshot_on_the_console(snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """SVG of the pane at 80x25 under TERM=linux: worst first, the highlighted check's fix, console glyphs."""
    monkeypatch.setenv("TERM", "linux")
    app = PaneHarness(ChecksPane)

    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        app.feed(SPEC, CHECKS)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 25), run_before=before)
