"""Disk I/O (/proc/diskstats) and md RAID (/proc/mdstat): parser cases, derived rates, alerts, Hypothesis."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from edgetop.collectors import diskstats, mdstat
from edgetop.collectors.diskstats import DisksReading, parse_diskstats, whole_disk
from edgetop.collectors.mdstat import RaidReading, collect_raid, parse_mdstat
from edgetop.config_schema import Config
from edgetop.errors import ParseError
from edgetop.model.alerts import Severity
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "storage"


@pytest.mark.parametrize(("text", "error"), [
    ("   8 0 sda 1 2 3", "fields"),
    ("   8 0 sda 1 2 3 4 5 6 7 8 9 10 x", "not a number"),
    ("   8 0 sda 1 2 3 4 5 6 7 8 -9 10 11", "negative"),
])
def test_malformed_diskstats(text: str, error: str) -> None:
    with pytest.raises(ParseError, match=error):
        parse_diskstats(text)


def test_diskstats_old_and_new_kernels() -> None:
    old = parse_diskstats((FIXTURES / "diskstats-4.9.txt").read_text())  # 14 fields
    assert [d.name for d in old] == ["sda", "sda1", "dm-0"]
    assert old[0].read_sectors_total == 7406274 and old[0].io_ms_total == 63856
    new = parse_diskstats((FIXTURES / "diskstats-edge.txt").read_text())  # 20 fields
    assert [d.name for d in new if whole_disk(d.name)] == ["nvme0n1", "sda", "sdb", "sdc", "sdd", "md0", "md1"]
    assert parse_diskstats("") == []


@pytest.mark.parametrize(("name", "whole"), [
    ("sda", True), ("sda1", False), ("nvme0n1", True), ("nvme0n1p2", False), ("vdb", True), ("vdb3", False),
    ("loop0", False), ("zram0", False), ("md0", True), ("dm-0", True), ("mmcblk0", True), ("mmcblk0p1", False),
])
def test_whole_disks(name: str, whole: bool) -> None:
    assert whole_disk(name) is whole


def test_rates_latency_and_utilisation() -> None:
    (d,) = parse_diskstats("   8 0 sda 100 0 800 50 200 0 1600 400 2 1000 450")
    later = replace(d, reads_total=200, read_sectors_total=800 + 2048, read_ms_total=150,
                    writes_total=300, write_sectors_total=1600 + 4096, write_ms_total=600, io_ms_total=1500)
    (r,) = diskstats.derive(DisksReading((d,)), DisksReading((later,)), 2.0).disks
    assert r.read_bytes_per_second == pytest.approx(2048 * 512 / 2)
    assert r.write_bytes_per_second == pytest.approx(4096 * 512 / 2)
    assert (r.reads_per_second, r.writes_per_second) == (pytest.approx(50), pytest.approx(50))
    assert r.read_latency_seconds == pytest.approx(0.001) and r.write_latency_seconds == pytest.approx(0.002)
    assert r.utilisation_ratio == pytest.approx(0.25)
    # A counter that went backwards (a reset): unknown, never negative.
    (back,) = diskstats.derive(DisksReading((later,)), DisksReading((d,)), 2.0).disks
    assert back.read_bytes_per_second is None and back.utilisation_ratio is None
    names = {m.full_name for m in diskstats.metrics(diskstats.derive(None, DisksReading((d,)), 0.0))}
    assert {"node_disk_read_bytes_total", "node_disk_written_bytes_total", "node_disk_io_time_seconds_total",
            "node_disk_io_now", "node_disk_reads_completed_total"} <= names


def test_mdstat_degraded_and_checking() -> None:
    md1, md0 = parse_mdstat((FIXTURES / "mdstat-degraded-check.txt").read_text())
    assert md1.degraded and md1.slots == "U_" and md1.failed_members == 1 and md1.action is None
    assert not md0.degraded and md0.action == "check" and md0.progress_ratio == pytest.approx(0.613)
    assert md0.finish_seconds == pytest.approx(564) and md0.speed_bytes_per_second == pytest.approx(160512 * 1024)
    (alert,) = mdstat.alerts(RaidReading((md1, md0)), Config())
    assert alert.severity is Severity.CRITICAL and alert.subject == "md1" and "[U_]" in alert.message


def test_mdstat_raid5_recovery_pending_raid0_inactive() -> None:
    arrays = {a.name: a for a in parse_mdstat((FIXTURES / "mdstat-recovery-raid5.txt").read_text())}
    r5 = arrays["md127"]
    assert (r5.level, r5.disks_wanted, r5.disks_working, r5.slots) == ("raid5", 4, 3, "UUU_")
    assert r5.degraded and r5.action == "recovery" and r5.progress_ratio == pytest.approx(0.126)
    assert arrays["md126"].state == "active auto-read-only" and arrays["md126"].notes == ("resync pending",)
    assert arrays["md125"].level == "raid0" and not arrays["md125"].degraded and arrays["md125"].slots is None
    assert arrays["md124"].state == "inactive" and arrays["md124"].members[0].spare
    alerts = {a.subject for a in mdstat.alerts(RaidReading(tuple(arrays.values())), Config())}
    assert alerts == {"md127", "md124"}
    assert mdstat.to_json(RaidReading((r5,)))[0]["degraded"] is True


def test_no_mdstat_is_no_arrays_not_an_outage(tmp_path: Path) -> None:
    ctx = Context(config=Config(), procfs=ProcFS(tmp_path), sysfs=SysFS(tmp_path))
    assert collect_raid(ctx) == RaidReading((), present=False)
    (tmp_path / "mdstat").write_text((FIXTURES / "mdstat-none.txt").read_text())
    assert collect_raid(ctx) == RaidReading((), present=True)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789 md:[]/U_=%.()FSraid\n\tactivekKsecmin")), max_size=400))
def test_mdstat_parser_raises_only_parse_errors(text: str) -> None:
    try:
        arrays = parse_mdstat(text)
    except ParseError:
        return
    for a in arrays:
        assert a.progress_ratio is None or 0.0 <= a.progress_ratio <= 1.0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(min_value=-5, max_value=2**40), min_size=11, max_size=17), max_size=5))
def test_diskstats_parser_on_any_numbers(rows: list[list[int]]) -> None:
    text = "\n".join(f"8 {i} sd{chr(97 + i)} " + " ".join(map(str, r)) for i, r in enumerate(rows))
    try:
        disks = parse_diskstats(text)
    except ParseError:
        assert any(min(r) < 0 for r in rows)
        return
    assert len(disks) == len(rows)


def test_device_mapper_names_from_sysfs(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/diskstats").write_text((FIXTURES / "diskstats-4.9.txt").read_text())
    (tmp_path / "sys/block/dm-0/dm").mkdir(parents=True)
    (tmp_path / "sys/block/dm-0/dm/name").write_text("vg0-images\n")
    ctx = Context(config=Config(), procfs=ProcFS(tmp_path / "proc"), sysfs=SysFS(tmp_path / "sys"))
    raw = diskstats.collect_disks(ctx)
    assert [d.name for d in raw.disks] == ["sda", "dm-0"] and raw.labels == (("dm-0", "vg0-images"),)
    view = diskstats.derive(None, raw, 0.0)
    assert [(r.counters.name, r.label) for r in view.disks] == [("sda", None), ("dm-0", "vg0-images")]
    assert diskstats.to_json(view)[1]["label"] == "vg0-images"
