"""The Storage pane over the demo's recordings: sections, problems in the strip, literal names, outages greyed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec
import pytest
from textual.widgets import Static

from edgetop.collectors import storage
from edgetop.collectors.filesystems import FilesystemsReading
from edgetop.config_schema import Config
from edgetop.demo import demo_context
from edgetop.model.reading import Status
from edgetop.model.spec import CollectorSpec
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.pane_list import PANES
from edgetop.ui.panes.storage import StoragePane
from edgetop.ui.render.overview_lines import storage_line
from edgetop.ui.widgets.synced_table import SyncedTable
from tests.ui.harness import PaneHarness, cell


def demo_readings(tmp_path: Path) -> dict[str, tuple[CollectorSpec, Any]]:
    """Each storage spec with a value collected from the demo's recordings (adapters applied)."""
    ctx = demo_context(Config(), ProcFS(tmp_path), SysFS(tmp_path))
    out = {}
    for spec in storage.specs(ctx):
        collect = spec.build(ctx)
        adapter = ctx.adapters.get(spec.name)
        out[spec.name] = (spec, (adapter(collect) if adapter else collect)())
    return out


def text(app: PaneHarness, widget_id: str) -> str:
    return str(app.pane.query_one(widget_id, Static).render())


def test_the_pane_is_listed_and_its_keys_are_remappable() -> None:
    entry = next(e for e in PANES if e.pane_id == "storage")
    assert entry.load() is StoragePane and entry.key == ""
    from edgetop.config_schema import KEYMAP_IDS
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for binding_id in ("storage.next_section", "storage.previous_section"):
        assert binding_id in KEYMAP_IDS and f"`{binding_id}`" in readme


@pytest.mark.parametrize("size", [(80, 25), (120, 40)])
async def test_sections_strip_and_rows(size: tuple[int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "linux")
    readings = demo_readings(tmp_path)
    app = PaneHarness(StoragePane)
    async with app.run_test(size=size) as pilot:
        for spec, value in readings.values():
            app.feed(spec, value, monotonic=100.0)
        disks_spec, disks_raw = readings["disks"]
        moved = msgspec.structs.replace
        later = moved(disks_raw, disks=tuple(moved(d, io_ms_total=d.io_ms_total + 500,
                                                   read_sectors_total=d.read_sectors_total + 2048)
                                             for d in disks_raw.disks))
        app.feed(disks_spec, later, monotonic=101.0)
        await pilot.pause()
        strip = text(app, "#storage-sections")
        # Every section with its count; problems (from the alerts) in the sections that have them.
        assert "[Filesystems 5] 2!" in strip and "RAID 2 1!" in strip and "Pools 2 1!" in strip
        assert "VM disks 11 1!" in strip and "SMART 5 1!" in strip and "Disks 7 " in strip
        fs = app.pane.table("filesystems")
        assert fs.display and not app.pane.table("disks").display
        assert cell(fs, "259:3", "note") == "RO remount!"
        assert cell(fs, "9:0", "note") == "vm images" and cell(fs, "9:0", "use") == "87%"
        assert cell(fs, "259:2", "note") == ""  # "/" holds no images (the iso pool's /srv/iso is md0, bound)
        await pilot.press("v")
        await pilot.pause()
        disks = app.pane.table("disks")
        assert disks.display and not fs.display
        assert cell(disks, "sda", "read") == "1.0MiB/s" and cell(disks, "sda", "util") == "50%"
        await pilot.press("v", "v")
        await pilot.pause()
        raid = app.pane.table("raid")
        assert cell(raid, "md1", "state") == "degraded" and cell(raid, "md1", "slots") == "U_"
        assert cell(raid, "md0", "progress") == "61.3%"
        await pilot.press("V")
        await pilot.pause()
        smart = app.pane.table("smart")
        assert smart.display and cell(smart, "/dev/sdd", "errors") == "304/0"
        assert cell(smart, "/dev/nvme0", "wear") == "16%"
        await pilot.press("v", "v", "v")
        await pilot.pause()
        guests = app.pane.table("domain_disks")
        assert cell(guests, "db-postgres/vdb", "error") == "no space left"
        line = storage_line(app.store.samples())
        assert line is not None and "fullest /var/lib/libvirt/images 87%" in line.plain
        assert "1 raid" in line.plain and "1 guest disk" in line.plain


async def test_an_outage_keeps_the_last_rows_greyed_and_says_why(tmp_path: Path) -> None:
    readings = demo_readings(tmp_path)
    app = PaneHarness(StoragePane)
    async with app.run_test(size=(80, 25)) as pilot:
        spec, value = readings["filesystems"]
        app.feed(spec, value)
        app.feed(spec, status=Status.UNAVAILABLE, reason="/proc/self/mountinfo: permission denied")
        await pilot.pause()
        status = text(app, "#storage-status")
        assert "filesystems unavailable: /proc/self/mountinfo: permission denied" in status
        assert "greyed" in status
        row = app.pane.table("filesystems").get_row("9:0")
        assert all("dim" in str(c.style) for c in row)
        assert "Filesystems 5 ?" in text(app, "#storage-sections") or "[Filesystems 5] ?" in text(
            app, "#storage-sections")


async def test_names_from_outside_are_literal_and_empty_sections_say_why(tmp_path: Path) -> None:
    readings = demo_readings(tmp_path)
    spec, value = readings["filesystems"]
    odd = replace(value.filesystems[0], mountpoint="/mnt/[red]x[/red]\x1b[2J", device_id="1:1")
    app = PaneHarness(StoragePane)
    async with app.run_test(size=(120, 40)) as pilot:
        app.feed(spec, FilesystemsReading((odd,)))
        raid_spec, raid_value = readings["raid"]
        app.feed(raid_spec, replace(raid_value, arrays=(), present=False))
        await pilot.pause()
        assert cell(app.pane.table("filesystems"), "1:1", "mount").startswith("/mnt/[red]x[/red]")
        app.pane.show_section("raid")
        await pilot.pause()
        assert "md driver is not loaded" in text(app, "#storage-note")
        assert isinstance(app.pane.table("raid"), SyncedTable) and app.pane.table("raid").row_count == 0


async def test_smart_without_privileges_says_what_it_needs(tmp_path: Path) -> None:
    from edgetop.collectors.smart import SmartReading, parse_smartctl
    recorded = Path(__file__).resolve().parents[1] / "fixtures" / "smartctl" / "vda-unprivileged.json"
    denied = parse_smartctl(recorded.read_text(), "/dev/sda")
    spec, _ = demo_readings(tmp_path)["smart"]
    app = PaneHarness(StoragePane)
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(spec, SmartReading((denied,)))
        app.pane.show_section("smart")
        await pilot.pause()
        assert cell(app.pane.table("smart"), "/dev/sda", "health") == "unavailable"
        assert "permission denied): SMART needs root" in text(app, "#storage-note")


def test_the_overview_line_without_alerts_and_without_samples(tmp_path: Path) -> None:
    from edgetop.engine.store import Store
    from tests.helpers import reading

    store = Store(Config())
    assert storage_line(store.samples()) is None  # no storage collector has a view yet: no line
    spec, value = demo_readings(tmp_path)["filesystems"]
    healthy = replace(value, filesystems=tuple(f for f in value.filesystems if f.mountpoint in ("/", "/boot/efi")))
    store.update(spec, reading(spec.name, healthy))
    line = storage_line(store.samples())
    assert line is not None and line.plain == "fullest / 45%; no storage alerts"


async def test_without_smartctl_the_section_says_how_to_install_it(tmp_path: Path) -> None:
    spec, _ = demo_readings(tmp_path)["smart"]
    app = PaneHarness(StoragePane)
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(spec, status=Status.UNAVAILABLE,
                 reason="smartctl not installed (Debian, Ubuntu: apt install smartmontools)")
        app.pane.show_section("smart")
        await pilot.pause()
        assert "smart unavailable: smartctl not installed" in text(app, "#storage-status")
        assert "[SMART] ?" in text(app, "#storage-sections")  # down, nothing to count
        assert app.pane.table("smart").row_count == 0
