"""The Events pane: sources merged newest first, local times, k/K/esc choose a kind, a source that is
down says why while the others show, names from outside stay literal."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import Static

from edgetop.collectors import kmsg, libvirtd_log
from edgetop.collectors.kmsg import EventsView
from edgetop.config_schema import Config
from edgetop.demo import demo_context
from edgetop.model.alerts import Alert, Severity
from edgetop.model.events import Event
from edgetop.model.reading import Status
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.pane_list import PANES
from edgetop.ui.panes.events import EventsPane
from edgetop.ui.widgets.synced_table import SyncedTable
from tests.helpers import fake_spec, reading
from tests.ui.harness import PaneHarness, cell

NOW = 1_800_000_000.0
_CTX = Context(Config(), ProcFS("/proc"), SysFS("/sys"))
(KERNEL,) = kmsg.specs(_CTX)
(LIBVIRTD,) = libvirtd_log.specs(_CTX)

KERNEL_VIEW = EventsView((
    Event(NOW - 4000, "link", "kernel", "eth9", "older than an hour"),
    Event(NOW - 1800, "edac", "kernel", "MC0", "EDAC MC0: 1 CE memory read error", "warning"),
    Event(NOW - 60, "link", "kernel", "[red]eno2[/red]", "igb eno2: NIC Link is Down [b]x", "warning"),
), NOW, "/dev/kmsg")
LIBVIRTD_VIEW = EventsView((
    Event(NOW - 300, "libvirtd", "libvirtd.log", "qemuMonitorOpenUnix", "monitor socket did not show up", "critical"),
), NOW, "/var/log/libvirt/libvirtd.log")


def test_the_pane_is_listed_after_storage() -> None:
    ids = [e.pane_id for e in PANES]
    assert ids[-4:] == ["checks", "storage", "events", "alerts"]  # beyond the number keys: g and tab
    assert next(e for e in PANES if e.pane_id == "events").load() is EventsPane


def _subjects(table: SyncedTable) -> list[str]:
    return [cell(table, key, "subject") for key in table.row_keys_in_order()]


@pytest.mark.parametrize("size", [(80, 25), (120, 40)])
async def test_newest_first_filtered_by_kind(size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "linux")
    app = PaneHarness(EventsPane)
    app.pane.now = lambda: NOW
    async with app.run_test(size=size) as pilot:
        app.feed(KERNEL, KERNEL_VIEW)
        app.feed(LIBVIRTD, LIBVIRTD_VIEW)
        app.store.timeline.alert_changed(Alert(Severity.CRITICAL, "sensors", "Core 1", "96 °C"), True, NOW - 10)
        app.pane.refresh_view()
        await pilot.pause()
        table = app.pane.table
        assert _subjects(table) == ["Core 1", "[red]eno2[/red]", "qemuMonitorOpenUnix", "MC0"]  # literal markup
        key = table.row_keys_in_order()[1]
        assert cell(table, key, "time") == time.strftime("%H:%M:%S", time.localtime(NOW - 60))
        assert cell(table, key, "message") == "igb eno2: NIC Link is Down [b]x"
        status = str(app.pane.status.render())
        assert "4 events in the last hour" in status
        # The cursor, never moved, is on the newest event: the alert that arrived last, on top
        # (tests/ui/test_cursor_rule.py: once moved, it stays on its event instead).
        detail = str(app.pane.query_one("#events-detail", Static).render())
        assert "raised: 96 °C" in detail and "(critical) from sensors" in detail
        await pilot.press("down")
        detail = str(app.pane.query_one("#events-detail", Static).render())
        assert "NIC Link is Down [b]x" in detail
        await pilot.press("k", "k")  # all → hardware → edac
        assert app.pane.kind == "edac" and _subjects(table) == ["MC0"]
        assert "1 edac" in str(app.pane.status.render())
        await pilot.press("K")
        assert app.pane.kind == "hardware" and _subjects(table) == []
        await pilot.press("escape")
        assert app.pane.kind is None and len(table.row_keys_in_order()) == 4
        # A new kernel event arrives: it goes on top, not at the bottom.
        newer = EventsView((*KERNEL_VIEW.events, Event(NOW - 1, "oom", "kernel", "qemu (42)", "Killed process")),
                           NOW, "/dev/kmsg")
        app.feed(KERNEL, newer)
        await pilot.pause()
        assert _subjects(table)[0] == "qemu (42)"


async def test_an_unreadable_kernel_log_says_why_and_the_rest_still_shows() -> None:
    app = PaneHarness(EventsPane)
    app.pane.now = lambda: NOW
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(LIBVIRTD, LIBVIRTD_VIEW)
        app.feed(KERNEL, None, Status.UNAVAILABLE,
                 "/dev/kmsg: Operation not permitted: the kernel log is restricted to CAP_SYSLOG")
        await pilot.pause()
        status = str(app.pane.status.render())
        assert "events:kernel unavailable: /dev/kmsg: Operation not permitted" in status
        assert _subjects(app.pane.table) == ["qemuMonitorOpenUnix"]


async def test_timeline_changes_repaint_the_pane_without_an_event_sample() -> None:
    app = PaneHarness(EventsPane)
    app.pane.now = lambda: NOW
    async with app.run_test(size=(80, 25)):
        sensors = app.store.update(fake_spec("sensors", pane="sensors"), reading("sensors", 1, timestamp=NOW))
        app.pane.refresh_view()
        assert not app.pane.wants(sensors)  # another pane's sample, nothing new on the timeline
        app.store.timeline.alert_changed(Alert(Severity.WARNING, "sensors", "fan2", "fan alarm"), True, NOW)
        assert app.pane.wants(sensors)
        app.pane.refresh_view()
        assert _subjects(app.pane.table) == ["fan2"] and not app.pane.wants(sensors)


async def test_the_demo_fills_the_pane_with_a_link_flap_a_throttle_and_a_corrected_edac_error(
        tmp_path: Path) -> None:
    ctx = demo_context(Config(), ProcFS(tmp_path), SysFS(tmp_path))
    app = PaneHarness(EventsPane)
    async with app.run_test(size=(120, 40)) as pilot:
        for module in (kmsg, libvirtd_log):
            (spec,) = module.specs(ctx)
            app.feed(spec, spec.build(ctx)())
        await pilot.pause()
        shown = list(app.pane.shown.values())
        kinds = {e.kind for e in shown}
        assert {"link", "thermal", "edac", "hardware", "libvirtd"} <= kinds
        assert any(e.kind == "edac" and " CE " in e.message and e.severity == "warning" for e in shown)
        assert sum(1 for e in shown if e.kind == "link" and e.severity == "warning") >= 2  # it flapped
        assert all(time.time() - 3600 <= e.time <= time.time() for e in shown)  # the last hour, real wall times
        assert app.store.get("events:kernel").alerts == ()  # type: ignore[union-attr]
