"""Linux software RAID from ``/proc/mdstat`` (drivers/md/md.c ``md_seq_show``, ``status_resync``).

An array is one ``mdN : active raid1 sdb1[1] sda1[0](F)`` line, then indented lines: the
size with ``[n/m] [UU_]`` (members wanted / working, one letter per slot, ``_`` for a
missing one), and while the kernel rebuilds, ``recovery = 8.5% (…) finish=120.3min
speed=133452K/sec`` (or resync, check, repair, reshape; ``resync=DELAYED`` or ``PENDING``
while waiting). A host without md has no ``/proc/mdstat`` (the module is not loaded):
that is an empty list, not an outage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from edgetop.config_schema import Config
from edgetop.errors import ParseError
from edgetop.model.alerts import Alert, Severity
from edgetop.model.spec import CollectorSpec, Context, Metric, as_named

_HEAD = re.compile(r"^(md\w+)\s*:\s*(\S+)\s*(.*)$")
_COUNTS = re.compile(r"\[(\d+)/(\d+)\]\s*\[([U_]+)\]")
_PROGRESS = re.compile(
    r"(recovery|resync|check|repair|reshape)\s*=\s*([\d.]+)%(?:.*?finish\s*=\s*([\d.]+)min)?(?:.*?speed\s*=\s*(\d+)K/sec)?"
)
_WAITING = re.compile(r"(recovery|resync|check|repair|reshape)\s*=\s*(DELAYED|PENDING)")
_MEMBER = re.compile(r"^([^\[\s]+)\[(\d+)\]((?:\([A-Z]\))*)$")
MAX_ARRAYS = 1024
_LEVELS = ("linear", "multipath", "faulty", "container")


@dataclass(frozen=True, slots=True)
class MdMember:
    """One member device: name and flags (F faulty, S spare, W write-mostly, R replacement)."""

    name: str
    slot: int
    faulty: bool = False
    spare: bool = False


@dataclass(frozen=True, slots=True)
class MdArray:
    """One md array.

    Attributes:
        name: ``md0``.
        state: active, inactive, or active with a read-only flag (``read-only``, ``auto-read-only``).
        level: raid1, raid5 … (None for an inactive array, which prints none).
        members: its devices, as listed.
        disks_wanted, disks_working: ``[n/m]``; None for levels without redundancy.
        slots: the ``[UU_]`` letters.
        action: recovery, resync, check, repair or reshape while one runs or waits.
        progress_ratio: how far that action is (0..1); None while it waits.
        finish_seconds: the kernel's estimate of the time left.
        speed_bytes_per_second: the rebuild speed.

    """

    name: str
    state: str
    level: str | None
    members: tuple[MdMember, ...] = ()
    disks_wanted: int | None = None
    disks_working: int | None = None
    slots: str | None = None
    action: str | None = None
    progress_ratio: float | None = None
    finish_seconds: float | None = None
    speed_bytes_per_second: float | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def degraded(self) -> bool:
        """Fewer members work than the array wants, or one is marked faulty."""
        wanted, working = self.disks_wanted, self.disks_working
        short = wanted is not None and working is not None and working < wanted
        return short or "_" in (self.slots or "") or any(m.faulty for m in self.members)

    @property
    def failed_members(self) -> int:
        """Members marked (F)."""
        return sum(1 for m in self.members if m.faulty)


def _member(token: str) -> MdMember | None:
    m = _MEMBER.match(token)
    if m is None:
        return None
    flags = m.group(3)
    return MdMember(m.group(1), int(m.group(2)), faulty="(F)" in flags, spare="(S)" in flags)


def _head(line: str) -> MdArray:
    m = _HEAD.match(line)
    if m is None:
        raise ParseError(f"not an mdstat array line: {line[:80]!r}")
    name, state, rest = m.group(1), m.group(2), m.group(3).split()
    if rest and rest[0].startswith("("):  # "active (auto-read-only) raid1 …"
        state = f"{state} {rest.pop(0).strip('()')}"
    level = None
    if rest and (rest[0].startswith("raid") or rest[0] in _LEVELS):
        level = rest.pop(0)
    members = tuple(x for x in (_member(t) for t in rest) if x is not None)
    return MdArray(name, state, level, members)


def _detail(a: MdArray, line: str) -> MdArray:
    counts = _COUNTS.search(line)
    if counts:
        return replace(a, disks_wanted=int(counts.group(1)), disks_working=int(counts.group(2)),
                       slots=counts.group(3))
    progress = _PROGRESS.search(line)
    if progress:
        finish, speed = progress.group(3), progress.group(4)
        return replace(a, action=progress.group(1), progress_ratio=min(1.0, float(progress.group(2)) / 100.0),
                       finish_seconds=None if finish is None else float(finish) * 60.0,
                       speed_bytes_per_second=None if speed is None else float(speed) * 1024.0)
    waiting = _WAITING.search(line)
    if waiting:
        return replace(a, action=waiting.group(1), notes=(*a.notes, f"{waiting.group(1)} {waiting.group(2).lower()}"))
    return a


def parse_mdstat(text: str) -> list[MdArray]:
    """Every array in ``/proc/mdstat``, in the kernel's order.

    Raises:
        ParseError: more than ``MAX_ARRAYS`` arrays.

    """
    arrays: list[MdArray] = []
    current: MdArray | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("md"):
            if current is not None:
                arrays.append(current)
            current = _head(line)
            if len(arrays) >= MAX_ARRAYS:
                raise ParseError(f"more than {MAX_ARRAYS} md arrays, refused")
        elif line[0] in " \t" and current is not None:
            current = _detail(current, line)
        elif current is not None:  # "unused devices:" or "Personalities": the array ended
            arrays.append(current)
            current = None
    if current is not None:
        arrays.append(current)
    return arrays


@dataclass(frozen=True, slots=True)
class RaidReading:
    """The md arrays; ``present`` is False on a host without the md driver."""

    arrays: tuple[MdArray, ...]
    present: bool = True


def collect_raid(ctx: Context) -> RaidReading:
    """Read ``/proc/mdstat`` through the device procfs; absent means no md driver, not an error."""
    procfs, _ = ctx.device_roots()
    text = procfs.read_optional("mdstat")
    if text is None:
        return RaidReading((), present=False)
    return RaidReading(tuple(parse_mdstat(text)))


def to_json(view: RaidReading) -> list[dict[str, Any]]:
    """The ``raid`` JSON section: one object per array."""
    out = []
    for a in view.arrays:
        d = asdict(a)
        d["members"] = [asdict(m) for m in a.members]
        d["notes"] = list(a.notes)
        d["degraded"] = a.degraded
        out.append(d)
    return out


def alerts(view: RaidReading, config: Config) -> list[Alert]:
    """A degraded array is critical (one more failure loses data on raid1/5); an inactive one too."""
    out = []
    for a in view.arrays:
        if a.degraded:
            rebuilding = f", {a.action} {a.progress_ratio:.0%}" if a.action and a.progress_ratio is not None else ""
            out.append(Alert(Severity.CRITICAL, "raid", a.name,
                             f"{a.name} ({a.level or '?'}) is degraded [{a.slots or '?'}]{rebuilding}"))
        elif a.state.startswith("inactive"):
            out.append(Alert(Severity.CRITICAL, "raid", a.name, f"{a.name} is inactive"))
    return out


def metrics(view: RaidReading) -> list[Metric]:
    """Prometheus samples; node_exporter's, libvirt's and smartctl_exporter's families under their names."""
    return as_named(_metrics(view))


def _metrics(view: RaidReading) -> list[Metric]:
    """node_exporter's mdadm metrics where they exist."""
    out = []
    for a in view.arrays:
        labels = (("device", a.name),)
        out.append(Metric("node_md_state", 1.0 if a.state.startswith("active") else 0.0,
                          (*labels, ("state", "active")), help="Indicates the state of md-device."))
        if a.disks_wanted is not None:
            out.append(Metric("node_md_disks_required", float(a.disks_wanted), labels,
                              help="Total number of disks of device."))
        if a.disks_working is not None:
            out.append(Metric("node_md_disks", float(a.disks_working), (*labels, ("state", "active")),
                              help="Number of active/failed/spare disks of device."))
        out.append(Metric("node_md_disks", float(a.failed_members), (*labels, ("state", "failed")),
                          help="Number of active/failed/spare disks of device."))
        if a.progress_ratio is not None:
            out.append(Metric("md_sync_progress_ratio", a.progress_ratio, (*labels, ("action", a.action or "")),
                              help="progress of the running resync/recovery/check (0..1)"))
    return out


def _build(ctx: Context) -> Callable[[], RaidReading]:
    def collect() -> RaidReading:
        return collect_raid(ctx)
    return collect


def spec(ctx: Context) -> CollectorSpec:
    """The ``raid`` collector (storage lane, every 5 s at most: mdstat changes slowly)."""
    return CollectorSpec(
        name="raid", lane="storage", json_key="raid", pane="storage", build=_build,
        interval=max(5.0, ctx.config.interval), to_json=to_json, empty_json=list, alerts=alerts, metrics=metrics,
    )
