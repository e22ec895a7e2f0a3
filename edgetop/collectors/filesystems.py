"""Filesystems: what is mounted (``/proc/self/mountinfo``), how full (``statvfs``), read-only remounts.

Only real filesystems are listed. The pseudo filesystems are those node_exporter's
filesystem collector leaves out by default (``--collector.filesystem.fs-types-exclude``:
autofs, binfmt_misc, bpf, cgroup, configfs, debugfs, devpts, devtmpfs, fusectl, hugetlbfs,
iso9660, mqueue, nsfs, overlay, proc, pstore, rpc_pipefs, securityfs, selinuxfs, squashfs,
sysfs, tracefs …) and its mount-point excludes (``/dev``, ``/proc``, ``/sys``,
``/run/credentials/…``, container storage). Unlike node_exporter, memory-backed tmpfs and
ramfs are left out too: what they hold is RAM, already counted as Shmem in the Memory pane,
and ``/run``, ``/dev/shm`` filling up is not where guests die. Bind mounts of one
filesystem (same device number) are listed once, at their first mount point.

A read-only remount is seen three ways, none keeping state between ticks: the superblock
says ``emergency_ro`` (recent kernels' ext4 when ``errors=remount-ro`` fires: the
filesystem refuses writes with EROFS while both option lists still say ``rw`` and statvfs
has no ``ST_RDONLY``; seen on this project's 6.18 kernel through
``/sys/fs/ext4/<dev>/trigger_fs_error``), the superblock is ``ro`` while the mount is
``rw`` (older kernels' ``ext4_handle_error`` set ``SB_RDONLY``), or the mount is ``ro``
while ``/etc/fstab`` (under the context's host root) mounts it ``rw``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from edgetop.config_schema import Config
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.model.alerts import Alert, Severity, level_above, level_below
from edgetop.model.spec import CollectorSpec, Context, Metric, as_named
from edgetop.sources.fs import RootedFS
from edgetop.sources.statfs import FsUsage, HangGuard

PSEUDO_FSTYPES = frozenset({
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs",
    "efivarfs", "erofs", "fusectl", "hugetlbfs", "iso9660", "mqueue", "nsfs", "overlay", "proc", "procfs",
    "pstore", "ramfs", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tmpfs", "tracefs",
    "fuse.lxcfs", "fuse.gvfsd-fuse", "fuse.portal", "nfsd",
})
_EXCLUDED_MOUNTS = re.compile(
    r"^/(dev|proc|sys|run/credentials/.+|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)")
# Filesystems whose statvfs waits for a server: asked through a HangGuard (a time limit each).
NETWORK_FSTYPES = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "fuse.glusterfs", "fuse.sshfs", "fuse.s3fs",
    "9p", "afs", "lustre", "ocfs2", "gfs2", "davfs",
})
# Where libvirt keeps guest images by default (the "default" dir pool of libvirt's packages).
LIBVIRT_IMAGES = "/var/lib/libvirt/images"
_OCTAL = re.compile(r"\\([0-7]{3})")
MAX_MOUNTS = 10_000
# A fill rate over less than this is a write burst, not a trend (``snapshot --interval 0.3``):
# no rate and no time to full are given from it.
MIN_FILL_WINDOW_SECONDS = 5.0  # a host with more is refused rather than stat-ed one by one each tick


@dataclass(frozen=True, slots=True)
class Mount:
    """One line of mountinfo (proc(5)): the fields a filesystem row needs.

    Attributes:
        device_id: ``major:minor`` of the filesystem (``st_dev``); bind mounts share it.
        root: the directory of the filesystem that is mounted here (``/`` unless a bind mount).
        mountpoint: where it is mounted (octal escapes decoded).
        mount_ro: the mount itself is read-only (per-mount options).
        super_ro: the superblock is read-only (super options).
        emergency_ro: ext4 stopped writing after errors (``emergency_ro`` in the super options).
        fstype: ext4, xfs, btrfs, nfs4 …
        source: the device or share (``/dev/sda1``, ``server:/export``).
        super_options: the superblock's options as the kernel prints them.

    """

    device_id: str
    root: str
    mountpoint: str
    mount_ro: bool
    super_ro: bool
    fstype: str
    source: str
    super_options: str
    emergency_ro: bool = False


def unescape(field: str) -> str:
    r"""Decode the kernel's octal escapes (``\\040`` space, ``\\011`` tab, ``\\012`` newline, ``\\134``)."""
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field) if "\\" in field else field


def parse_mountinfo_line(line: str) -> Mount:
    """Parse one mountinfo line.

    Raises:
        ParseError: fewer fields than proc(5) gives, or no ``-`` separator.

    """
    fields = line.split()
    try:
        sep = fields.index("-", 6)
    except ValueError:
        raise ParseError(f"no ' - ' separator in mountinfo line: {line[:80]!r}") from None
    if sep + 3 > len(fields):  # the super options may be empty in old kernels: fstype and source needed
        raise ParseError(f"mountinfo line too short: {line[:80]!r}")
    mount_opts = fields[5].split(",")
    super_opts = fields[sep + 3] if sep + 3 < len(fields) else ""
    super_list = super_opts.split(",")
    return Mount(
        device_id=fields[2],
        root=unescape(fields[3]),
        mountpoint=unescape(fields[4]),
        mount_ro="ro" in mount_opts,
        super_ro="ro" in super_list,
        fstype=unescape(fields[sep + 1]),
        source=unescape(fields[sep + 2]),
        super_options=super_opts,
        emergency_ro="emergency_ro" in super_list,
    )


def parse_mountinfo(text: str) -> list[Mount]:
    """Every mount of ``/proc/self/mountinfo``, in mount order.

    Raises:
        ParseError: a malformed line, or more than ``MAX_MOUNTS`` mounts.

    """
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) > MAX_MOUNTS:
        raise ParseError(f"{len(lines)} mounts: more than {MAX_MOUNTS}, refused")
    return [parse_mountinfo_line(ln) for ln in lines]


def is_real(m: Mount) -> bool:
    """A filesystem that holds data on a device or share (see the module's docstring)."""
    return m.fstype not in PSEUDO_FSTYPES and not _EXCLUDED_MOUNTS.match(m.mountpoint)


def real_filesystems(mounts: Sequence[Mount]) -> list[Mount]:
    """The real filesystems, each device once (its first mount point)."""
    seen: set[str] = set()
    out = []
    for m in mounts:
        if is_real(m) and m.device_id not in seen:
            seen.add(m.device_id)
            out.append(m)
    return out


def holder(mounts: Sequence[Mount], path: str) -> Mount | None:
    """The mount that holds ``path``: the last-mounted one with the longest mount-point prefix."""
    best: Mount | None = None
    for m in mounts:
        mp = m.mountpoint.rstrip("/") or "/"
        if (path == mp or path.startswith(mp.rstrip("/") + "/")) and (
            best is None or len(mp) >= len(best.mountpoint.rstrip("/") or "/")
        ):
            best = m
    return best


def parse_fstab(text: str) -> dict[str, bool]:
    """Mount point → whether fstab(5) mounts it read-only (``ro`` in its options)."""
    out: dict[str, bool] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[0].startswith("#"):
            continue
        out[unescape(fields[1])] = "ro" in fields[3].split(",")
    return out


@dataclass(frozen=True, slots=True)
class Filesystem:
    """One real filesystem: where it is, how full, whether it went read-only.

    Attributes:
        device: the device or share (outside text).
        mountpoint: its first mount point (outside text).
        fstype: the filesystem type.
        device_id: ``major:minor``.
        size_bytes, free_bytes, avail_bytes, files, files_free: from statvfs; None when
            it failed (``error`` says why).
        readonly: mounted or remounted read-only now.
        readonly_unexpected: why this read-only state is a remount (None: expected or rw).
        libvirt_images: holds ``/var/lib/libvirt/images``.
        error: why statvfs failed, or None.
        fill_bytes_per_second: growth of the used space since the last reading (derived).
        time_to_full_seconds: at that rate, when ``avail_bytes`` reaches 0 (None: not filling).

    """

    device: str
    mountpoint: str
    fstype: str
    device_id: str
    size_bytes: int | None
    free_bytes: int | None
    avail_bytes: int | None
    files: int | None
    files_free: int | None
    readonly: bool
    readonly_unexpected: str | None
    libvirt_images: bool
    error: str | None = None
    fill_bytes_per_second: float | None = None
    time_to_full_seconds: float | None = None

    @property
    def used_bytes(self) -> int | None:
        """Size minus free (what ``df`` calls Used)."""
        if self.size_bytes is None or self.free_bytes is None:
            return None
        return self.size_bytes - self.free_bytes

    @property
    def used_ratio(self) -> float | None:
        """Used over what users can have (used + avail), as ``df``'s Use% computes it."""
        used = self.used_bytes
        if used is None or self.avail_bytes is None or used + self.avail_bytes <= 0:
            return None
        return used / (used + self.avail_bytes)


@dataclass(frozen=True, slots=True)
class FilesystemsReading:
    """The real filesystems of this host, in mount order.

    Attributes:
        filesystems: each real filesystem once.
        mounts: (mount point, device id) of every mount of a real filesystem, bind mounts
            included, to tell which filesystem holds a path (a pool's target).

    """

    filesystems: tuple[Filesystem, ...]
    mounts: tuple[tuple[str, str], ...] = ()

    def holding(self, path: str) -> str | None:
        """The device id of the filesystem that holds ``path`` (longest mount-point prefix)."""
        best: tuple[int, str] | None = None
        for mountpoint, device_id in self.mounts:
            mp = mountpoint.rstrip("/") or "/"
            inside = path == mp or path.startswith(mp.rstrip("/") + "/")
            if inside and (best is None or len(mp) >= best[0]):
                best = (len(mp), device_id)
        return None if best is None else best[1]


def unexpected_readonly(m: Mount, fstab: dict[str, bool], readonly_now: bool) -> str | None:
    """Why a read-only filesystem is a remount, or None when it is rw or meant to be ro."""
    if m.emergency_ro:
        return "the kernel made it read-only after filesystem errors (ext4 emergency_ro)"
    if m.super_ro and not m.mount_ro:
        return "the kernel remounted it read-only (filesystem errors?)"
    if readonly_now and fstab.get(m.mountpoint) is False:
        return "read-only, but /etc/fstab mounts it read-write"
    return None


def build_filesystems(
    mounts: Sequence[Mount], fstab: dict[str, bool], statvfs: Callable[[str], FsUsage],
) -> FilesystemsReading:
    """Join mounts, fstab and statvfs into the reading (``statvfs`` takes a host mount point)."""
    images = holder(mounts, LIBVIRT_IMAGES)
    out = []
    for m in real_filesystems(mounts):
        usage: FsUsage | None = None
        error = None
        try:
            usage = statvfs(m.mountpoint)
        except SourceUnavailable as err:
            error = str(err)
        readonly = m.mount_ro or m.super_ro or m.emergency_ro or bool(usage and usage.readonly)
        out.append(Filesystem(
            device=m.source, mountpoint=m.mountpoint, fstype=m.fstype, device_id=m.device_id,
            size_bytes=usage.size_bytes if usage else None, free_bytes=usage.free_bytes if usage else None,
            avail_bytes=usage.avail_bytes if usage else None, files=usage.files if usage else None,
            files_free=usage.files_free if usage else None, readonly=readonly,
            readonly_unexpected=unexpected_readonly(m, fstab, readonly),
            libvirt_images=images is not None and images.device_id == m.device_id, error=error,
        ))
    return FilesystemsReading(tuple(out), tuple((m.mountpoint, m.device_id) for m in mounts if is_real(m)))


def collect_filesystems(ctx: Context, guard: HangGuard | None = None) -> FilesystemsReading:
    """Read mountinfo through the device procfs, fstab under the host root, statvfs through the context.

    Network filesystems are asked through ``guard`` (a time limit each; one is made if none
    is given): a dead NFS server then marks its mount hung instead of stalling every row.
    """
    procfs, _ = ctx.device_roots()
    mounts = parse_mountinfo(procfs.read_text("self/mountinfo"))
    fstab = parse_fstab(RootedFS(ctx.host_root).read_optional("etc/fstab") or "")
    network = {m.mountpoint for m in mounts if m.fstype in NETWORK_FSTYPES}
    bounded = guard or HangGuard()

    def stat(mp: str) -> FsUsage:
        path = host_path(ctx.host_root, mp)
        return bounded(ctx.statvfs, path) if mp in network else ctx.statvfs(path)

    return build_filesystems(mounts, fstab, stat)


def derive(prev: FilesystemsReading | None, cur: FilesystemsReading, elapsed: float) -> FilesystemsReading:
    """Fill rate per filesystem (used bytes over the interval) and the time until ``avail`` is 0."""
    if prev is None or elapsed < MIN_FILL_WINDOW_SECONDS:
        return cur
    before = {f.device_id: f.used_bytes for f in prev.filesystems}
    out = []
    for f in cur.filesystems:
        was, now = before.get(f.device_id), f.used_bytes
        if was is None or now is None:
            out.append(f)
            continue
        rate = (now - was) / elapsed
        ttf = f.avail_bytes / rate if rate > 0 and f.avail_bytes is not None else None
        out.append(replace(f, fill_bytes_per_second=rate, time_to_full_seconds=ttf))
    return FilesystemsReading(tuple(out), cur.mounts)


def to_json(view: FilesystemsReading) -> list[dict[str, Any]]:
    """The ``filesystems`` JSON section."""
    return [asdict(f) | {"used_bytes": f.used_bytes, "used_ratio": f.used_ratio} for f in view.filesystems]


def alerts(view: FilesystemsReading, config: Config) -> list[Alert]:
    """Nearly full (used ratio, time to full) and read-only remounts."""
    t = config.thresholds
    out = []
    for f in view.filesystems:
        if f.readonly_unexpected:
            out.append(Alert(Severity.CRITICAL, "filesystems", f.mountpoint,
                             f"{f.mountpoint}: {f.readonly_unexpected}"))
        sev = level_above(f.used_ratio, t.filesystem_used_ratio)
        if sev is not None and f.used_ratio is not None:
            what = "libvirt images " if f.libvirt_images else ""
            out.append(Alert(sev, "filesystems", f.mountpoint,
                             f"{what}filesystem {f.mountpoint} is {f.used_ratio:.0%} full"))
        sev = level_below(f.time_to_full_seconds, t.filesystem_time_to_full_seconds_below)
        if sev is not None and f.time_to_full_seconds is not None:
            out.append(Alert(sev, "filesystems", f.mountpoint,
                             f"{f.mountpoint} fills up in {f.time_to_full_seconds / 3600:.1f} h at the current rate"))
    return out


def metrics(view: FilesystemsReading) -> list[Metric]:
    """Prometheus samples; node_exporter's, libvirt's and smartctl_exporter's families under their names."""
    return as_named(_metrics(view))


def _metrics(view: FilesystemsReading) -> list[Metric]:
    """node_exporter's filesystem metrics, with its device/fstype/mountpoint labels."""
    out = []
    for f in view.filesystems:
        labels = (("device", f.device), ("fstype", f.fstype), ("mountpoint", f.mountpoint))
        out.append(Metric("node_filesystem_readonly", 1.0 if f.readonly else 0.0, labels,
                          help="Filesystem read-only status."))
        out.append(Metric("node_filesystem_device_error", 1.0 if f.error else 0.0, labels,
                          help="Whether an error occurred while getting statistics for the given device."))
        for name, value, text in (
            ("node_filesystem_size_bytes", f.size_bytes, "Filesystem size in bytes."),
            ("node_filesystem_free_bytes", f.free_bytes, "Filesystem free space in bytes."),
            ("node_filesystem_avail_bytes", f.avail_bytes, "Filesystem space available to non-root users in bytes."),
            ("node_filesystem_files", f.files, "Filesystem total file nodes."),
            ("node_filesystem_files_free", f.files_free, "Filesystem total free file nodes."),
        ):
            if value is not None:
                out.append(Metric(name, float(value), labels, help=text))
    return out


def history(view: FilesystemsReading) -> dict[str, float | None]:
    """The used ratio per mount point (a trend of how fast it fills)."""
    return {f"{f.mountpoint}.used_ratio": f.used_ratio for f in view.filesystems}


def _build(ctx: Context) -> Callable[[], FilesystemsReading]:
    guard = HangGuard()  # the source's state: which network mounts are still blocked

    def collect() -> FilesystemsReading:
        return collect_filesystems(ctx, guard)
    return collect


def spec(ctx: Context) -> CollectorSpec:
    """The ``filesystems`` collector (storage lane).

    Every 10 s at most: the fill rate is taken over one interval, and a longer base
    makes the time-to-full less jumpy than a per-second difference.
    """
    return CollectorSpec(
        name="filesystems", lane="storage", json_key="filesystems", pane="storage", build=_build,
        interval=max(10.0, ctx.config.interval), derive=derive, to_json=to_json, empty_json=list,
        alerts=alerts, metrics=metrics, history=history,
    )


def host_path(root: Path, mountpoint: str) -> Path:
    """``mountpoint`` under the host root (``/`` is the root itself)."""
    return root / mountpoint.lstrip("/")
