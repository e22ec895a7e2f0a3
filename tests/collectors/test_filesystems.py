"""Filesystems: mountinfo parser cases, real-filesystem filter, read-only remounts, fill rate, statvfs for real."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgetop.collectors import filesystems as fsmod
from edgetop.collectors.filesystems import (
    Filesystem,
    FilesystemsReading,
    build_filesystems,
    collect_filesystems,
    derive,
    parse_fstab,
    parse_mountinfo,
    parse_mountinfo_line,
    real_filesystems,
)
from edgetop.config_schema import Config
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.model.alerts import Severity
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.sources.statfs import FsUsage, HangGuard, statvfs_usage
from tests.helpers import wait_until

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "storage"
GIB = 1024**3


@pytest.mark.parametrize(("line", "error"), [
    ("", "separator"),
    ("22 1 8:1 / /", "separator"),
    ("22 1 8:1 / / rw shared:1 -", "too short"),
    ("22 1 8:1 / / rw - ext4", "too short"),
])
def test_malformed_lines_are_parse_errors(line: str, error: str) -> None:
    with pytest.raises(ParseError, match=error):
        parse_mountinfo_line(line)


def test_valid_line_with_optional_fields_and_escapes() -> None:
    m = parse_mountinfo_line(r"40 25 8:17 / /mnt/my\040disk rw,relatime shared:20 master:3 - ext4 /dev/sd\134b1 "
                             "ro,errors=remount-ro")
    assert (m.device_id, m.mountpoint, m.fstype, m.source) == ("8:17", "/mnt/my disk", "ext4", "/dev/sd\\b1")
    assert not m.mount_ro and m.super_ro


def test_ext4_emergency_ro_is_a_read_only_remount() -> None:
    """Recent kernels: both option lists say rw, the super options add emergency_ro (seen on 6.18)."""
    (m,) = parse_mountinfo("68 47 7:0 / /mnt rw,relatime - ext4 /dev/loop0 rw,errors=remount-ro,emergency_ro\n")
    (f,) = build_filesystems([m], {}, lambda mp: _usage(GIB, GIB // 2)).filesystems
    assert f.readonly and "emergency_ro" in (f.readonly_unexpected or "")


def test_empty_mountinfo_is_no_mounts() -> None:
    assert parse_mountinfo("") == []


def test_real_filesystems_skip_pseudo_tmpfs_container_and_binds() -> None:
    mounts = parse_mountinfo((FIXTURES / "mountinfo-edge.txt").read_text())
    real = real_filesystems(mounts)
    assert [m.mountpoint for m in real] == ["/", "/boot/efi", "/var/lib/libvirt/images", "/srv/backup",
                                            "/data/scratch"]  # /srv/iso is md0 again, bound: listed once
    escaped = real_filesystems(parse_mountinfo((FIXTURES / "mountinfo-escapes.txt").read_text()))
    assert [m.mountpoint for m in escaped] == ["/", "/mnt/my disk", "/srv/nfs", "/backup"]  # no overlay
    assert escaped[2].source == "10.0.0.5:/export/vm images"


def _usage(size: int, avail: int, readonly: bool = False) -> FsUsage:
    return FsUsage(size, avail, avail, 1000, 900, readonly)


def test_read_only_remounts_kernel_and_fstab() -> None:
    mounts = parse_mountinfo((FIXTURES / "mountinfo-escapes.txt").read_text() +
                             "44 25 8:49 / /data rw,relatime - ext4 /dev/sdd1 ro,errors=remount-ro\n")
    fstab = parse_fstab("# comment\n/dev/sdc1 /backup ext4 defaults 0 2\nUUID=x /mnt/my\\040disk ext4 ro 0 0\n")
    assert fstab == {"/backup": False, "/mnt/my disk": True}
    view = build_filesystems(mounts, fstab, lambda mp: _usage(10 * GIB, 5 * GIB))
    by_mp = {f.mountpoint: f for f in view.filesystems}
    assert by_mp["/data"].readonly and "kernel remounted" in (by_mp["/data"].readonly_unexpected or "")
    assert by_mp["/backup"].readonly and "fstab" in (by_mp["/backup"].readonly_unexpected or "")
    assert by_mp["/"].readonly_unexpected is None and not by_mp["/"].readonly
    alerts = fsmod.alerts(view, Config())
    assert {(a.subject, a.severity) for a in alerts} == {("/data", Severity.CRITICAL), ("/backup", Severity.CRITICAL)}


def test_a_failing_statvfs_is_that_filesystems_error_only() -> None:
    mounts = parse_mountinfo((FIXTURES / "mountinfo-escapes.txt").read_text())

    def stat(mp: str) -> FsUsage:
        if mp == "/srv/nfs":
            raise SourceUnavailable("/srv/nfs: Stale file handle")
        return _usage(10 * GIB, 5 * GIB)

    by_mp = {f.mountpoint: f for f in build_filesystems(mounts, {}, stat).filesystems}
    assert by_mp["/srv/nfs"].error == "/srv/nfs: Stale file handle" and by_mp["/srv/nfs"].used_ratio is None
    assert by_mp["/"].used_ratio == pytest.approx(0.5)


def test_libvirt_images_marked_on_the_filesystem_holding_it() -> None:
    mounts = parse_mountinfo((FIXTURES / "mountinfo-edge.txt").read_text())
    view = build_filesystems(mounts, {}, lambda mp: _usage(GIB, GIB // 2))
    assert [f.mountpoint for f in view.filesystems if f.libvirt_images] == ["/var/lib/libvirt/images"]
    assert view.holding("/srv/iso/debian.iso") == "9:0"  # through the bind mount
    assert view.holding("/etc") == "259:2"


def _fs(used: int, avail: int, size: int = 100 * GIB) -> FilesystemsReading:
    f = Filesystem("/dev/md0", "/var/lib/libvirt/images", "xfs", "9:0", size, size - used, avail, 10, 5, False,
                   None, True)
    return FilesystemsReading((f,))


def test_fill_rate_and_time_to_full_and_their_alerts() -> None:
    view = derive(_fs(80 * GIB, 20 * GIB), _fs(80 * GIB + 10 * 1024**2, 20 * GIB - 10 * 1024**2), 10.0)
    (f,) = view.filesystems
    assert f.fill_bytes_per_second == pytest.approx(1024**2)
    assert f.time_to_full_seconds == pytest.approx((20 * GIB - 10 * 1024**2) / 1024**2)  # ~5.7 h
    alerts = fsmod.alerts(view, Config())
    assert {a.severity for a in alerts} == {Severity.WARNING}  # 80% used (below 85%), full in < 6 h
    assert any("fills up in 5.7 h" in a.message for a in alerts)
    # Shrinking: no time to full.
    (g,) = derive(_fs(80 * GIB, 20 * GIB), _fs(70 * GIB, 30 * GIB), 10.0).filesystems
    assert g.fill_bytes_per_second is not None and g.fill_bytes_per_second < 0 and g.time_to_full_seconds is None
    # Over half a second (snapshot --interval 0.5): a burst, not a trend.
    (burst,) = derive(_fs(80 * GIB, 20 * GIB), _fs(81 * GIB, 19 * GIB), 0.5).filesystems
    assert burst.fill_bytes_per_second is None and burst.time_to_full_seconds is None
    # 96% used: critical, whatever the rate.
    (crit,) = fsmod.alerts(derive(None, _fs(96 * GIB, 4 * GIB), 0.0), Config())
    assert crit.severity is Severity.CRITICAL and "96% full" in crit.message and "libvirt images" in crit.message


def test_statvfs_of_a_real_directory_agrees_with_os_statvfs(tmp_path: Path) -> None:
    usage = statvfs_usage(tmp_path)
    st = os.statvfs(tmp_path)
    assert usage.size_bytes == st.f_blocks * st.f_frsize > 0
    assert usage.avail_bytes <= usage.free_bytes <= usage.size_bytes
    with pytest.raises(SourceUnavailable, match="does not exist"):
        statvfs_usage(tmp_path / "gone")


def test_collect_over_a_fixture_procfs_and_the_tests_own_directory(tmp_path: Path) -> None:
    """mountinfo from a fixture tree; statvfs for real on the host root given (this test's directory)."""
    (tmp_path / "proc/self").mkdir(parents=True)
    (tmp_path / "root/data").mkdir(parents=True)
    (tmp_path / "proc/self/mountinfo").write_text(
        "25 1 8:1 / / rw - ext4 /dev/sda1 rw\n26 25 8:2 / /data rw - ext4 /dev/sda2 rw\n"
        "27 25 8:3 / /missing rw - ext4 /dev/sda3 rw\n28 25 0:5 / /run rw - tmpfs tmpfs rw\n")
    ctx = Context(config=Config(), procfs=ProcFS(tmp_path / "proc"), sysfs=SysFS(tmp_path), host_root=tmp_path / "root")
    view = collect_filesystems(ctx)
    by_mp = {f.mountpoint: f for f in view.filesystems}
    assert set(by_mp) == {"/", "/data", "/missing"}
    expected = os.statvfs(tmp_path / "root/data")
    assert by_mp["/data"].size_bytes == expected.f_blocks * expected.f_frsize
    assert by_mp["/missing"].error is not None and "does not exist" in by_mp["/missing"].error
    json_rows = fsmod.to_json(view)
    assert json_rows[0]["mountpoint"] == "/" and 0 <= json_rows[0]["used_ratio"] <= 1
    names = {m.full_name for m in fsmod.metrics(view)}
    assert {"node_filesystem_size_bytes", "node_filesystem_avail_bytes", "node_filesystem_free_bytes",
            "node_filesystem_files", "node_filesystem_files_free", "node_filesystem_readonly"} <= names


def test_an_empty_root_is_unavailable_with_the_reason(tmp_path: Path) -> None:
    ctx = Context(config=Config(), procfs=ProcFS(tmp_path), sysfs=SysFS(tmp_path), host_root=tmp_path)
    with pytest.raises(SourceUnavailable, match="mountinfo does not exist"):
        collect_filesystems(ctx)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789 -:/\\abrwox,\n\t")), max_size=400))
def test_mountinfo_parser_raises_only_parse_errors(text: str) -> None:
    try:
        mounts = parse_mountinfo(text)
    except ParseError:
        return
    for m in real_filesystems(mounts):
        assert m.mountpoint  # every kept mount has a place


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_fstab_parser_never_raises(text: str) -> None:
    table = parse_fstab(text)
    assert all(isinstance(ro, bool) for ro in table.values())


def test_a_hung_network_filesystem_is_marked_and_not_asked_again(tmp_path: Path) -> None:
    """statvfs of an NFS mount that blocks (a dead server): that row says hung, the others are read."""
    (tmp_path / "proc/self").mkdir(parents=True)
    (tmp_path / "proc/self/mountinfo").write_text(
        "25 1 8:1 / / rw - ext4 /dev/sda1 rw\n26 25 0:50 / /mnt/nfs rw - nfs4 server:/export rw,hard\n")
    release, calls = threading.Event(), []

    def statvfs(path: Path) -> FsUsage:
        calls.append(str(path))
        if str(path).endswith("/mnt/nfs"):
            release.wait(30)  # blocked in the kernel until the server comes back
        return _usage(10 * GIB, 5 * GIB)

    ctx = Context(config=Config(), procfs=ProcFS(tmp_path / "proc"), sysfs=SysFS(tmp_path), host_root=tmp_path,
                  statvfs=statvfs)
    guard = HangGuard(limit_seconds=0.05)
    first = {f.mountpoint: f for f in collect_filesystems(ctx, guard).filesystems}
    assert first["/"].used_ratio == pytest.approx(0.5)
    assert "did not answer within 0.05 s" in (first["/mnt/nfs"].error or "")
    second = {f.mountpoint: f for f in collect_filesystems(ctx, guard).filesystems}
    assert "statvfs blocked for" in (second["/mnt/nfs"].error or "")
    assert calls.count(str(tmp_path / "mnt/nfs")) == 1  # not asked again while the first call is stuck
    release.set()
    wait_until("the blocked call returns", lambda: str(tmp_path / "mnt/nfs") not in guard.blocked())
    third = {f.mountpoint: f for f in collect_filesystems(ctx, guard).filesystems}
    assert third["/mnt/nfs"].error is None and third["/mnt/nfs"].used_ratio == pytest.approx(0.5)
