"""The Storage pane's sections: their columns and how one item becomes one row.

One :class:`Section` per storage collector (filesystems, disks, SMART, RAID, pools, guest
disks): its columns and its rows from the collector's view. The section strip counts a
section's problems from its sample's alerts, so the pane and the alerts never disagree.
Names from outside (mount points, models, pool and domain names) are literal, capped text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from edgetop.collectors.diskstats import DiskRates
from edgetop.collectors.filesystems import Filesystem, FilesystemsReading
from edgetop.collectors.libvirt_storage import DomainDisk, Pool
from edgetop.collectors.mdstat import MdArray
from edgetop.collectors.smart import SmartHealth, SmartReading
from edgetop.config_schema import Thresholds
from edgetop.model.alerts import level_below
from edgetop.ui.fmt import NA, NAME_CAP, TEXT_CAP, duration, literal, pct, rate_bytes, size
from edgetop.ui.styles import OK_STYLE, above_style, level_style

Cells = tuple[Any, ...]


def _ratio(value: float | None, level: Any, digits: int = 0) -> Text:
    return Text(pct(value, digits), style=above_style(value, level, ok=""))


def _ms(seconds: float | None) -> str:
    return NA if seconds is None else f"{seconds * 1000:.1f}ms"


def _iops(value: float | None) -> str:
    return NA if value is None else f"{value:.0f}"


def short_size(nbytes: float | None) -> str:
    """Bytes in at most six cells (``223.3G``): binary units without the ``iB``."""
    return size(nbytes).replace("iB", "")


def images_holders(view: FilesystemsReading, pool_paths: Sequence[str]) -> set[str]:
    """Device ids of the filesystems holding libvirt images: the default path, or a pool's target path."""
    out = {f.device_id for f in view.filesystems if f.libvirt_images}
    out.update(d for d in (view.holding(p) for p in pool_paths) if d is not None)
    return out


# ---------------------------------------------------------------- filesystems
# What decides "is it filling, is it broken" first, so that 80 columns show it; the rest after.
FS_COLUMNS = (("mount", "MOUNT"), ("size", "SIZE"), ("avail", "AVAIL"), ("use", "USE%"), ("inodes", "INODE%"),
              ("full", "FULL IN"), ("note", "NOTE"), ("used", "USED"), ("type", "TYPE"), ("device", "DEVICE"))
FS_RIGHT = frozenset({"size", "used", "avail", "use", "inodes", "full"})


def fs_note(f: Filesystem, images: bool) -> Text:
    """Read-only remount, statvfs failure, libvirt images (the most serious first)."""
    if f.readonly_unexpected:  # short here, to fit 80 columns; the alert has the sentence
        short = "RO remount!" if "kernel" in f.readonly_unexpected else "RO, fstab rw!"
        return Text(short, style="bold red", no_wrap=True)
    if f.error:
        return literal(f"unavailable: {f.error}", "yellow", cap=TEXT_CAP)
    words = []
    if images:
        words.append("vm images")
    if f.readonly:
        words.append("ro")
    return Text(", ".join(words), style="cyan" if images else "dim", no_wrap=True)


def fs_cells(f: Filesystem, t: Thresholds, images: bool) -> Cells:
    """One filesystem's row."""
    inode_ratio = None if not f.files or f.files_free is None else 1 - f.files_free / f.files
    ttf = f.time_to_full_seconds
    full = Text(duration(ttf) if ttf is not None else "-",
                style=level_style(level_below(ttf, t.filesystem_time_to_full_seconds_below), "") if ttf else "dim")
    return (literal(f.mountpoint, "bold" if images else "", cap=NAME_CAP), short_size(f.size_bytes),
            short_size(f.avail_bytes), _ratio(f.used_ratio, t.filesystem_used_ratio),
            _ratio(inode_ratio, t.filesystem_used_ratio), full, fs_note(f, images), short_size(f.used_bytes),
            literal(f.fstype, cap=10), literal(f.device, "dim", cap=NAME_CAP))


# ---------------------------------------------------------------- disks
DISK_COLUMNS = (("disk", "DISK"), ("read", "READ/s"), ("write", "WRITE/s"), ("riops", "R IOPS"), ("wiops", "W IOPS"),
                ("rlat", "R LAT"), ("wlat", "W LAT"), ("util", "UTIL%"), ("inflight", "INFL"))
DISK_RIGHT = frozenset({"read", "write", "riops", "wiops", "rlat", "wlat", "util", "inflight"})


def disk_cells(d: DiskRates) -> Cells:
    """One disk's row (rates are n/a until a second reading)."""
    util = d.utilisation_ratio
    style = "bold red" if util is not None and util >= 0.9 else "yellow" if util is not None and util >= 0.6 else ""
    name = d.counters.name if d.label is None else f"{d.counters.name} {d.label}"
    return (literal(name, cap=NAME_CAP), rate_bytes(d.read_bytes_per_second),
            rate_bytes(d.write_bytes_per_second), _iops(d.reads_per_second), _iops(d.writes_per_second),
            _ms(d.read_latency_seconds), _ms(d.write_latency_seconds), Text(pct(util, 0), style=style),
            str(d.counters.in_flight))


# ---------------------------------------------------------------- SMART
SMART_COLUMNS = (("device", "DEVICE"), ("health", "HEALTH"), ("wear", "WEAR"), ("temp", "TEMP"), ("hours", "HOURS"),
                 ("errors", "ERRORS"), ("note", "NOTE"), ("model", "MODEL"))
SMART_RIGHT = frozenset({"wear", "temp", "hours", "errors"})
_HEALTH_STYLE = {"ok": OK_STYLE, "failing": "bold red", "unavailable": "yellow", "standby": "dim"}


def smart_errors(d: SmartHealth) -> str:
    """NVMe media errors, or ATA reallocated + pending sectors; n/a when the disk reports neither."""
    if d.media_errors is not None:
        return str(d.media_errors)
    if d.reallocated_sectors is None and d.pending_sectors is None:
        return NA
    return f"{d.reallocated_sectors or 0}/{d.pending_sectors or 0}"


def smart_cells(d: SmartHealth, t: Thresholds) -> Cells:
    """One device's row; unreadable ones say why in the note."""
    notes = list(d.warnings()) + list(d.failing_attributes)
    if d.status in ("unavailable", "standby"):
        notes.append(d.reason or d.status)
    style = "bold red" if d.warnings() or d.status == "failing" else "yellow" if d.status == "unavailable" else "dim"
    return (literal(d.device, cap=NAME_CAP), Text(d.status, style=_HEALTH_STYLE.get(d.status, "")),
            _ratio(d.wear_ratio, t.smart_wear_ratio), NA if d.temperature_celsius is None else
            f"{d.temperature_celsius:.0f}°C", NA if d.power_on_hours is None else str(d.power_on_hours),
            Text(smart_errors(d), style="yellow" if smart_errors(d) not in ("0", "0/0", NA) else ""),
            literal("; ".join(notes), style, cap=TEXT_CAP), literal(d.model or "", "dim", cap=NAME_CAP))


def smart_note(view: SmartReading) -> str | None:
    """A line under the SMART table when smartctl lacked the privileges to open the disks."""
    denied = [d.device for d in view.devices if "Permission denied" in (d.reason or "")]
    if not denied:
        return None
    # ATA pass-through (SG_IO) wants CAP_SYS_RAWIO, NVMe admin commands CAP_SYS_ADMIN, both the device node.
    return (f"smartctl could not open {len(denied)} of {len(view.devices)} disks (permission denied): SMART needs "
            "root (CAP_SYS_RAWIO for ATA, CAP_SYS_ADMIN for NVMe)")


# ---------------------------------------------------------------- RAID
RAID_COLUMNS = (("array", "ARRAY"), ("level", "LEVEL"), ("state", "STATE"), ("disks", "DISKS"), ("slots", "SLOTS"),
                ("action", "ACTION"), ("progress", "DONE"), ("finish", "LEFT"), ("speed", "SPEED"),
                ("members", "MEMBERS"))
RAID_RIGHT = frozenset({"disks", "progress", "finish", "speed"})


def raid_cells(a: MdArray) -> Cells:
    """One array's row: degraded in red, a rebuild's progress and speed."""
    state = "degraded" if a.degraded else a.state
    members = " ".join(f"{m.name}{'(F)' if m.faulty else '(S)' if m.spare else ''}" for m in a.members)
    disks = NA if a.disks_wanted is None else f"{a.disks_working}/{a.disks_wanted}"
    return (literal(a.name, cap=NAME_CAP), a.level or NA,
            Text(state, style="bold red" if a.degraded or a.state.startswith("inactive") else OK_STYLE), disks,
            Text(a.slots or "", style="bold red" if "_" in (a.slots or "") else ""),
            literal(", ".join((a.action, *a.notes)) if a.action else "", cap=NAME_CAP), pct(a.progress_ratio, 1)
            if a.progress_ratio is not None else "", duration(a.finish_seconds) if a.finish_seconds else "",
            rate_bytes(a.speed_bytes_per_second) if a.speed_bytes_per_second else "",
            literal(members, "dim", cap=TEXT_CAP))


# ---------------------------------------------------------------- pools
POOL_COLUMNS = (("pool", "POOL"), ("state", "STATE"), ("type", "TYPE"), ("capacity", "CAPACITY"),
                ("alloc", "ALLOC"), ("avail", "AVAIL"), ("use", "USE%"), ("path", "PATH"))
POOL_RIGHT = frozenset({"capacity", "alloc", "avail", "use"})


def pool_cells(p: Pool, t: Thresholds) -> Cells:
    """One pool's row."""
    style = OK_STYLE if p.state == "running" else "dim" if p.state == "inactive" else "bold yellow"
    return (literal(p.name, cap=NAME_CAP), Text(p.state, style=style), p.pool_type or NA, size(p.capacity_bytes),
            size(p.allocation_bytes), size(p.available_bytes), _ratio(p.used_ratio, t.pool_used_ratio),
            literal(p.target_path or "", "dim", cap=TEXT_CAP))


# ---------------------------------------------------------------- guest disks
GUEST_COLUMNS = (("domain", "DOMAIN"), ("disk", "DISK"), ("error", "ERROR"), ("capacity", "CAPACITY"),
                 ("alloc", "ALLOC"), ("source", "SOURCE"))
GUEST_RIGHT = frozenset({"capacity", "alloc"})


def guest_cells(d: DomainDisk) -> Cells:
    """One guest disk's row; an error in red (and whether the guest paused on it)."""
    error = Text("-", style="dim") if d.error is None else Text(
        d.error + (", paused" if d.paused_on_io_error else ""), style="bold red")
    return (literal(d.domain, cap=NAME_CAP), literal(d.target, cap=12), error, size(d.capacity_bytes),
            size(d.allocation_bytes), literal(d.source or "", "dim", cap=TEXT_CAP))


@dataclass(frozen=True)
class Section:
    """One section of the Storage pane: the collector it shows, its columns and rows."""

    source: str
    title: str
    columns: tuple[tuple[str, str], ...]
    right: frozenset[str]
    rows: Callable[[Any, Thresholds, set[str]], dict[str, Cells]]
    size: Callable[[Any], int]


SECTIONS: tuple[Section, ...] = (
    Section("filesystems", "Filesystems", FS_COLUMNS, FS_RIGHT,
            lambda v, t, img: {f.device_id: fs_cells(f, t, f.device_id in img) for f in v.filesystems},
            lambda v: len(v.filesystems)),
    Section("disks", "Disks", DISK_COLUMNS, DISK_RIGHT,
            lambda v, t, img: {d.counters.name: disk_cells(d) for d in v.disks},
            lambda v: len(v.disks)),
    Section("smart", "SMART", SMART_COLUMNS, SMART_RIGHT,
            lambda v, t, img: {d.device: smart_cells(d, t) for d in v.devices},
            lambda v: len(v.devices)),
    Section("raid", "RAID", RAID_COLUMNS, RAID_RIGHT,
            lambda v, t, img: {a.name: raid_cells(a) for a in v.arrays},
            lambda v: len(v.arrays)),
    Section("storage_pools", "Pools", POOL_COLUMNS, POOL_RIGHT,
            lambda v, t, img: {p.name: pool_cells(p, t) for p in v.pools},
            lambda v: len(v.pools)),
    Section("domain_disks", "VM disks", GUEST_COLUMNS, GUEST_RIGHT,
            lambda v, t, img: {f"{d.domain}/{d.target}": guest_cells(d) for d in v.disks},
            lambda v: len(v.disks)),
)
