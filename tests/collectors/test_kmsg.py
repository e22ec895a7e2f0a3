"""Kernel events: the kmsg parser and classifier (table-driven, recorded streams, Hypothesis), the
follower over fixture files, refused hostile files, and the real /dev/kmsg (read, and EPERM without CAP_SYSLOG)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgetop.collectors import kmsg as mod
from edgetop.collectors.kmsg import MAX_EVENTS, EventsView, KmsgFollower
from edgetop.collectors.kmsg_parse import KernelRecord, classify, parse_record
from edgetop.config_schema import Config
from edgetop.errors import SourceUnavailable
from edgetop.model.alerts import Severity
from edgetop.model.events import KINDS, TEXT_CAP, Event
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.sources.kmsg import KmsgChunk, KmsgReader, split_records
from tests.helpers import FIXTURES, REPO

KMSG = FIXTURES / "kmsg"


@pytest.mark.parametrize(("raw", "expected"), [
    ("", None),
    ("6,1,2", None),                       # no ';'
    ("6,1;text", None),                    # too few fields
    ("x,1,2,-;text", None),                # not a number
    ("6,-1,2,-;text", None),               # negative
    ("6,12,3456,-;hello", KernelRecord(6, 0, 12, 3456, "hello")),
    ("30,7,1,-;systemd: x", KernelRecord(6, 3, 7, 1, "systemd: x")),   # facility 3 (daemon), level 6
    ("3,5,9,-,caller=T1;a;b", KernelRecord(3, 0, 5, 9, "a;b")),         # extra header fields, ';' in text
    ("4,8,10,-;warn\n SUBSYSTEM=pci\n DEVICE=+pci:0000:00:19.0", KernelRecord(4, 0, 8, 10, "warn")),
    ("4,8,10,-;esc \x1b[31mred", KernelRecord(4, 0, 8, 10, "esc ?[31mred")),  # raw control chars never pass
])
def test_parse_record(raw: str, expected: KernelRecord | None) -> None:
    assert parse_record(raw) == expected


def test_a_huge_record_is_capped() -> None:
    record = parse_record("3,1,1,-;" + "x" * 100_000)
    assert record is not None and len(record.text) == TEXT_CAP and record.text.endswith("…")


def _classified(path: Path) -> list[tuple[str, str, str]]:
    out = []
    for raw in split_records(path.read_text()):
        record = parse_record(raw)
        assert record is not None, raw
        found = classify(record)
        if found is not None:
            out.append((found.kind, found.subject, found.severity))
    return out


# Each recorded stream (tests/fixtures/kmsg/README.md says where it came from) and what must be seen in it.
@pytest.mark.parametrize(("name", "expected"), [
    ("openbmc-4.13-arm.kmsg", [("nic_timeout", "eth0", "warning")]),
    ("r8125-6.6-watchdog.kmsg", [("link", "eth4", "info"), ("nic_timeout", "eth4", "warning"),
                                 ("nic_timeout", "eth1", "warning"), ("link", "eth1", "warning"),
                                 ("link", "eth1", "info")]),
    ("sbridge-edac-3.10.kmsg", [("hardware", "machine check", "warning"), ("edac", "MC1", "warning"),
                                ("hardware", "machine check", "warning"), ("edac", "MC1", "warning"),
                                ("edac", "MC0", "critical")]),
    ("lede-5.4-ext4-ro.kmsg", [("io_error", "sdb", "critical"), ("fs_error", "sdb1-8", "critical"),
                               ("fs_error", "sdb1", "critical"), ("fs_error", "sdb1", "critical"),
                               ("io_error", "sdb", "critical"), ("io_error", "sdb1", "critical"),
                               ("fs_error", "sdb1", "critical")]),
    ("longhorn-4.15-medium.kmsg", [("io_error", "sdb", "critical")] * 3),
    ("thermal-oom-link.kmsg", [("link", "eth0", "info"), ("link", "eth0", "info"),
                               ("thermal", "CPU2", "warning"), ("thermal", "CPU0", "warning"),
                               ("thermal", "CPU2", "info"), ("oom", "qemu-system-x86 (4242)", "warning"),
                               ("link", "eth0", "warning"), ("link", "eth0", "info"),
                               ("io_error", "nvme0", "critical")]),
])
def test_recorded_streams_are_classified(name: str, expected: list[tuple[str, str, str]]) -> None:
    assert _classified(KMSG / name) == expected


def test_routine_lines_are_dropped_and_errors_kept() -> None:
    assert classify(KernelRecord(6, 0, 1, 1, "virbr0: port 2(tap0002) entered forwarding state")) is None
    assert classify(KernelRecord(4, 0, 1, 1, "EDAC sbridge MC1: TSC 0")) is None  # decoder detail, not an error
    other = classify(KernelRecord(3, 0, 1, 1, "i915 0000:00:02.0: GPU HANG: ecode 9:1:85dffffb"))
    assert other is not None and other.kind == "kernel"


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_parser_and_classifier_never_raise(text: str) -> None:
    record = parse_record(text)
    if record is not None:
        found = classify(record)
        assert found is None or found.kind in KINDS
        assert all(c.isprintable() or c == "…" for c in record.text)


@given(st.integers(0, 191), st.integers(0, 2**63), st.integers(0, 2**63),
       st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=200))
@settings(max_examples=300, deadline=None)
def test_valid_records_round_trip(prio: int, seq: int, usec: int, text: str) -> None:
    record = parse_record(f"{prio},{seq},{usec},-;{text}")
    assert record == KernelRecord(prio & 7, prio >> 3, seq, usec, text if len(text) <= TEXT_CAP else record.text)


# ------------------------------------------------------------------ the follower over files


class Clock:
    def __init__(self, wall: float = 1_800_000_000.0) -> None:
        self.now = wall

    def wall(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return 1000.0


def _follower(path: Path, clock: Clock) -> KmsgFollower:
    return KmsgFollower(path, wall=clock.wall, monotonic=clock.monotonic)


def test_a_recording_is_replayed_ending_now_and_kept_for_an_hour(tmp_path: Path) -> None:
    path = tmp_path / "kmsg"
    shutil.copy(KMSG / "thermal-oom-link.kmsg", path)
    clock = Clock()
    follow = _follower(path, clock)
    view = follow()
    # The last record (nvme timeout, usec 92000 s) is "now"; the thermal ones (86400 s) are
    # older than an hour and the first link-up (2.1 s) a day older: only the last hour is kept.
    assert view.events[-1].kind == "io_error" and view.events[-1].time == pytest.approx(clock.now)
    assert [e.kind for e in view.events] == ["oom", "link", "link", "io_error"]
    assert view.events[0].time == pytest.approx(clock.now - (92000 - 90000.1005))
    # Records appended later are read from where the last call stopped, placed on the same timeline.
    with path.open("a") as f:
        f.write("6,1701,92010000000,-;e1000e 0000:00:19.0 eth0: NIC Link is Down\n")
        f.write("6,1702,92011000000,-;e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex\n")
    clock.now += 11
    view = follow()
    assert view.events[-2].message.endswith("NIC Link is Down")
    assert view.events[-1].time == pytest.approx(clock.now)
    assert view.records_read == 13  # 11 recorded, 2 appended
    # An hour later everything older has left the window: the two appended link events remain.
    clock.now += 3600 - 5
    assert [e.message[-16:] for e in follow().events] == ["NIC Link is Down", "Mbps Full Duplex"]


def test_a_line_being_written_is_read_whole_next_time(tmp_path: Path) -> None:
    path = tmp_path / "kmsg"
    path.write_text("3,1,1000000,-;nvme nvme0: I/O 1 QID 2 timeout, aborting\n3,2,2000000,-;Buffer I/O err")
    follow = _follower(path, Clock())
    assert len(follow().events) == 1
    with path.open("a") as f:
        f.write("or on dev sda1, logical block 0\n")
    view = follow()
    assert [e.message for e in view.events][-1] == "Buffer I/O error on dev sda1, logical block 0"


def test_the_window_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "kmsg"
    path.write_text("".join(f"6,{n},{n * 1000},-;eth0: Link is Down\n" for n in range(MAX_EVENTS + 500)))
    view = _follower(path, Clock())()
    assert len(view.events) == MAX_EVENTS and view.events[-1].message == "eth0: Link is Down"


def test_sequence_gaps_on_the_device_count_as_lost() -> None:
    # On the device a record's usec is on the monotonic clock: 99 s after boot, 1 s ago.
    follow = KmsgFollower(Path("/nonexistent"), wall=lambda: 1_800_000_000.0, monotonic=lambda: 100.0)

    class Device:
        path = Path("/dev/kmsg")

        def read_new(self) -> KmsgChunk:
            return KmsgChunk(("6,10,1,-;a", "6,11,2,-;b", "3,15,99000000,-;nvme nvme0: I/O 1 QID 1 timeout"),
                             1, device=True)

    follow.reader = Device()  # type: ignore[assignment]
    view = follow()
    assert view.lost == 3 and view.records_read == 3 and [e.kind for e in view.events] == ["io_error"]
    assert view.events[0].time == pytest.approx(1_800_000_000.0 - 1.0)


def test_absent_fifo_device_and_huge_files_are_refused_at_once(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="does not exist"):
        KmsgReader(tmp_path / "none").read_new()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(SourceUnavailable, match="refused: a FIFO"):
        KmsgReader(fifo).read_new()  # would block forever if it were opened for reading
    zero = tmp_path / "zero"
    zero.symlink_to("/dev/zero")
    with pytest.raises(SourceUnavailable, match="character device 1:5 is not the kernel log"):
        KmsgReader(zero).read_new()
    huge = tmp_path / "huge"
    with huge.open("wb") as f:
        f.truncate(64 * 1024 * 1024)  # sparse: nothing is written
    with pytest.raises(SourceUnavailable, match=r"more than the 32\.0 MiB allowed"):
        KmsgReader(huge).read_new()


def test_an_uncorrected_error_keeps_the_alert_critical_after_corrected_ones() -> None:
    now = 1_800_000_000.0
    view = EventsView((
        Event(now - 2000, "edac", "kernel", "MC0", "EDAC MC0: 1 UE memory read error (old)", "critical"),
        Event(now - 600, "edac", "kernel", "MC0", "EDAC MC0: 1 UE memory read error", "critical"),
        Event(now - 60, "edac", "kernel", "MC1", "EDAC MC1: 1 CE memory read error", "warning"),
        Event(now - 30, "thermal", "kernel", "CPU0", "CPU0: Core temperature above threshold", "warning"),
    ), now, "/dev/kmsg")
    (alert,) = mod.alerts(view, Config())  # thermal throttling alone is not severe
    assert (alert.severity, alert.subject) == (Severity.CRITICAL, "edac")
    assert alert.message == "2 edac events in the last 15 min; last: EDAC MC1: 1 CE memory read error"


def test_the_spec_reads_under_host_root_and_alerts_on_severe_kinds(tmp_path: Path) -> None:
    (tmp_path / "dev").mkdir()
    shutil.copy(KMSG / "lede-5.4-ext4-ro.kmsg", tmp_path / "dev" / "kmsg")
    ctx = Context(Config(), ProcFS(tmp_path), SysFS(tmp_path), host_root=tmp_path)
    (spec,) = mod.specs(ctx)
    collect = spec.build(ctx)
    view = collect()
    assert isinstance(view, EventsView)
    alerts = {a.subject: a for a in spec.alerts(view, Config())}
    # Within the last 15 minutes of the replay: the writes at 23423 s and after (the 21628 s ones are 30 min older).
    assert set(alerts) == {"fs_error", "io_error"}
    assert alerts["fs_error"].severity is Severity.CRITICAL
    assert alerts["fs_error"].message.startswith("3 fs error events in the last 15 min; last: EXT4-fs (sdb1)")
    samples = {(dict(m.labels).get("kind"), m.name): m.value for m in spec.metrics(view)}
    assert samples[("fs_error", "events_last_hour")] == 4 and samples[("io_error", "events_last_hour")] == 3
    assert samples[("link", "events_last_hour")] == 0 and ("lifecycle", "events_last_hour") not in samples
    assert spec.to_json(view)[0]["message"] == "EXT4-fs (sdb1): I/O error while writing superblock"
    assert spec.close is not None
    spec.close(collect)


# ------------------------------------------------------------------ the real device


def test_the_real_device_is_read_and_read_again_only_for_new_records() -> None:
    follow = KmsgFollower(Path("/dev/kmsg"))
    try:
        first = follow()
        assert first.records_read > 0 and first.source == "/dev/kmsg"
        again = follow()
        assert again.records_read - first.records_read < 50  # only what the kernel logged meanwhile
        assert again.lost == 0
    finally:
        follow.close()


def test_without_cap_syslog_the_kernel_log_is_unavailable_with_the_reason() -> None:
    # kernel.dmesg_restrict=1 here: without CAP_SYSLOG in the bounding set, open() gives EPERM.
    assert Path("/proc/sys/kernel/dmesg_restrict").read_text().strip() == "1"
    code = ("from pathlib import Path\nfrom edgetop.collectors.kmsg import KmsgFollower\n"
            "from edgetop.errors import SourceUnavailable\n"
            "try:\n    KmsgFollower(Path('/dev/kmsg'))()\nexcept SourceUnavailable as e:\n    print(e)\n")
    done = subprocess.run(["setpriv", "--bounding-set=-syslog", sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=60, cwd=REPO, env=os.environ | {"PYTHONPATH": str(REPO)}, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("/dev/kmsg: Operation not permitted: the kernel log is restricted to CAP_SYSLOG")
    assert done.stderr == ""
