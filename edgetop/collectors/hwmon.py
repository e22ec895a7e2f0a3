"""hwmon chips: temperatures and fans from ``/sys/class/hwmon/hwmon*``.

The sysfs interface is documented in the kernel's ``Documentation/hwmon/sysfs-interface.rst``:
``temp<N>_input`` is in millidegrees Celsius, ``temp<N>_max``/``_crit``/``_emergency`` are
limits in the same unit, ``temp<N>_crit_alarm`` and ``fan<N>_alarm`` are 0/1 flags and
``fan<N>_input`` is in RPM. Reading ``*_input`` makes many drivers talk to a bus (SMBus,
IPMI, NVMe admin commands), which can fail with EAGAIN/ENODATA or block: every channel is
read by a :class:`~edgetop.collectors.bounded_reader.BoundedReader`, a chip's channels in
order, so a slow one is marked, never waited for, and costs only itself.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable
from functools import partial

import msgspec

from edgetop.collectors.bounded_reader import BoundedReader, Job, ReadTimeout, files_identity
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.sources.fs import SysFS

# (attribute directory, hwmonN, chip name, device, kind, channel number, attribute suffixes)
ChannelPlan = tuple[str, str, str, str | None, str, int, set[str]]

# Outside this range a reading is a driver's "no sensor" marker (-128, 127.875 on some
# SuperIO chips, -273) or garbage, not a temperature; edge nodes do run at -40 °C.
PLAUSIBLE_CELSIUS = (-55.0, 150.0)
PLAUSIBLE_RPM = (0.0, 60000.0)

_ATTR = re.compile(r"^(temp|fan)(\d+)_([a-z_]+)$")


class HwmonSensor(msgspec.Struct, frozen=True):
    """One hwmon temperature or fan channel.

    Attributes:
        hwmon: the class directory (``hwmon3``).
        chip: the chip's ``name`` attribute (``coretemp``, ``nvme``, ``k10temp``).
        device: the basename of the ``device`` link (``coretemp.0``, ``nvme0``), or None.
        kind: ``temp`` or ``fan``.
        index: the channel number N of ``temp<N>_*``.
        label: ``temp<N>_label`` or ``temp<N>`` when the chip has none.
        value: degrees Celsius (temp) or RPM (fan); None when unknown.
        max_value: ``_max`` (the chip's "high"), same unit.
        crit_value: ``_crit``.
        emergency_value: ``_emergency``.
        min_value: ``_min`` (fans: below it the chip raises its alarm).
        alarm: ``_crit_alarm``/``_max_alarm``/``_alarm`` set, None when the chip has none.
        status: ``ok``, ``slow`` (no answer in time), ``error`` (driver refused) or
            ``implausible`` (a value no sensor reports).
        reason: why the status is not ok, in words.

    """

    hwmon: str
    chip: str
    device: str | None
    kind: str
    index: int
    label: str
    value: float | None
    max_value: float | None = None
    crit_value: float | None = None
    emergency_value: float | None = None
    min_value: float | None = None
    alarm: bool | None = None
    status: str = "ok"
    reason: str | None = None


class ThrottleCounts(msgspec.Struct, frozen=True):
    """Intel thermal throttle event counters (``cpu*/thermal_throttle/*_throttle_count``).

    Attributes:
        package: by physical package id: package throttle events.
        core: by (package id, core id): core throttle events.

    """

    package: dict[int, int]
    core: dict[tuple[int, int], int]


def parse_sysfs_int(text: str) -> int:
    """Parse one integer attribute.

    Raises:
        ParseError: the text is empty or not an integer.

    """
    stripped = text.strip()
    try:
        return int(stripped)
    except ValueError:
        raise ParseError(f"not an integer: {stripped[:40]!r}") from None


def parse_millicelsius(text: str) -> float:
    """Parse a ``temp*`` attribute (millidegrees Celsius) into degrees.

    Raises:
        ParseError: the text is not an integer.

    """
    return parse_sysfs_int(text) / 1000.0


def plausible(value: float, kind: str) -> bool:
    """Tell whether ``value`` can be a real reading of a ``kind`` sensor."""
    low, high = PLAUSIBLE_CELSIUS if kind == "temp" else PLAUSIBLE_RPM
    return low <= value <= high


def parse_channels(names: list[str]) -> dict[tuple[str, int], set[str]]:
    """Group attribute file names into channels: ``{("temp", 1): {"input", "max"}}``.

    A channel exists only when it has an ``input`` file.
    """
    out: dict[tuple[str, int], set[str]] = {}
    for name in names:
        m = _ATTR.match(name)
        if m:
            out.setdefault((m.group(1), int(m.group(2))), set()).add(m.group(3))
    return {key: attrs for key, attrs in out.items() if "input" in attrs}


def _limit(fs: SysFS, rel: str, kind: str) -> float | None:
    text = fs.read_optional(rel)
    if text is None:
        return None
    try:
        raw = parse_sysfs_int(text)
    except ParseError:
        return None
    value = raw / 1000.0 if kind == "temp" else float(raw)
    # A limit of 0 (or a negative one) means "not set" on many chips; above 250 °C it is
    # a register's all-ones pattern, not a threshold anybody configured.
    ceiling = 250.0 if kind == "temp" else PLAUSIBLE_RPM[1]
    return value if 0 < value <= ceiling else None


def read_channel(fs: SysFS, plan: ChannelPlan) -> HwmonSensor:
    """Read one channel's attributes (the blocking part, run inside the reader).

    An ``input`` the driver refuses (EAGAIN, EIO, permission denied) is an ``error``
    channel that keeps its label and limits.
    """
    base, hwmon, chip, device, kind, index, attrs = plan
    prefix = f"{base}/{kind}{index}_"
    label = (fs.read_str(prefix + "label") if "label" in attrs else None) or f"{kind}{index}"
    status, reason = "ok", None
    value: float | None = None
    try:
        raw = fs.read_text(prefix + "input")
        value = parse_millicelsius(raw) if kind == "temp" else float(parse_sysfs_int(raw))
    except (SourceUnavailable, ParseError) as err:
        status, reason = "error", str(err)
    if value is not None and not plausible(value, kind):
        unit = "°C" if kind == "temp" else "RPM"
        status, reason = "implausible", f"reads {value:g} {unit}, not a real {kind} value"
        value = None
    alarm: bool | None = None
    for name in ("crit_alarm", "max_alarm", "alarm", "emergency_alarm"):
        if name in attrs:
            flag = fs.read_int(prefix + name)
            if flag is not None:
                alarm = bool(alarm) or flag != 0
    return HwmonSensor(
        hwmon=hwmon, chip=chip, device=device, kind=kind, index=index, label=label, value=value,
        max_value=_limit(fs, prefix + "max", kind) if "max" in attrs else None,
        crit_value=_limit(fs, prefix + "crit", kind) if "crit" in attrs else None,
        emergency_value=_limit(fs, prefix + "emergency", kind) if "emergency" in attrs else None,
        min_value=_limit(fs, prefix + "min", kind) if "min" in attrs and kind == "fan" else None,
        alarm=alarm, status=status, reason=reason,
    )


def channel_identity(fs: SysFS, plan: ChannelPlan) -> Hashable:
    """Which files a channel's reads depend on (a change makes a new read worth trying)."""
    base, _hwmon, _chip, _device, kind, index, attrs = plan
    return files_identity(fs.str_path(f"{base}/{kind}{index}_{attr}") for attr in sorted(attrs))


def _discover(fs: SysFS) -> dict[str, list[ChannelPlan]]:
    chips: dict[str, list[ChannelPlan]] = {}
    for hwmon in fs.listdir("class/hwmon"):
        base = f"class/hwmon/{hwmon}"
        link = fs.readlink(f"{base}/device")
        device = os.path.basename(link) if link else None
        names = fs.listdir(base)
        channels = parse_channels(names)
        if not channels and "device" in names:  # pre-3.x drivers kept attributes on the device
            base = f"{base}/device"
            channels = parse_channels(fs.listdir(base))
        chip = fs.read_str(f"class/hwmon/{hwmon}/name") or fs.read_str(f"{base}/name") or hwmon
        if chip == "drivetemp":
            # drivetemp hangs off the SCSI device (0:0:0:0); its block device (sda) is the name
            # a technician knows.
            disks = fs.listdir(f"class/hwmon/{hwmon}/device/block")
            device = disks[0] if disks else device
        ordered = sorted(channels.items(), key=lambda kv: (kv[0][0] != "temp", kv[0][1]))
        chips[hwmon] = [(base, hwmon, chip, device, kind, index, attrs) for (kind, index), attrs in ordered]
    return chips


_NODE_INVALID = re.compile(r"[^a-z0-9:_]")


def _node_clean(name: str) -> str:
    return _NODE_INVALID.sub("_", name.lower()).strip("_")


def node_exporter_chip(fs: SysFS, hwmon: str) -> str:
    """The ``chip`` label node_exporter's hwmon collector gives ``class/hwmon/<hwmon>``.

    Its order (collector/hwmon_linux.go, hwmonName): the resolved ``device`` link as
    ``<parent dir>_<device>`` (``platform_coretemp_0``, ``nvme_nvme0``), else the ``name``
    attribute, else the directory; lower case, characters outside ``[a-z0-9:_]`` as ``_``.
    A dangling ``device`` link counts as none, as Go's EvalSymlinks fails on it.
    """
    device = fs.str_path(f"class/hwmon/{hwmon}/device")
    if os.path.exists(device):
        real = os.path.realpath(device)
        name, kind = _node_clean(os.path.basename(real)), _node_clean(os.path.basename(os.path.dirname(real)))
        if kind and name:
            return f"{kind}_{name}"
        if name:
            return name
    named = _node_clean(fs.read_str(f"class/hwmon/{hwmon}/name") or "")
    return named or _node_clean(hwmon)


def _key(plan: ChannelPlan) -> str:
    _base, hwmon, _chip, _device, kind, index, _attrs = plan
    return f"{hwmon}/{kind}{index}"


def collect_hwmon(fs: SysFS, reader: BoundedReader | None = None) -> list[HwmonSensor]:
    """Read every temperature and fan channel of every hwmon chip.

    Args:
        fs: the rooted /sys.
        reader: runs each chip's channels in order with a time limit; None reads
            directly (tests, benchmarks).

    Returns:
        Channels in chip order; one that failed or hung is present with its status.

    """
    chips = _discover(fs)
    results: dict[str, HwmonSensor | SourceUnavailable] = {}
    if reader is None:
        for channels in chips.values():
            for plan in channels:
                try:
                    results[_key(plan)] = read_channel(fs, plan)
                except SourceUnavailable as err:
                    results[_key(plan)] = err
    else:
        results = reader.run_sequences({
            hwmon: [(_key(plan), Job(partial(read_channel, fs, plan), partial(channel_identity, fs, plan)))
                    for plan in channels]
            for hwmon, channels in chips.items()
        })
    out: list[HwmonSensor] = []
    for channels in chips.values():
        for plan in channels:
            res = results[_key(plan)]
            if isinstance(res, HwmonSensor):
                out.append(res)
                continue
            _base, hwmon, chip, device, kind, index, _attrs = plan
            out.append(HwmonSensor(hwmon, chip, device, kind, index, f"{kind}{index}", None,
                                   status="slow" if isinstance(res, ReadTimeout) else "error", reason=str(res)))
    return out


def collect_throttle(fs: SysFS) -> ThrottleCounts:
    """Read Intel's per-CPU thermal throttle counters (absent on AMD/ARM: empty maps).

    ``core_throttle_count`` is per core and ``package_throttle_count`` per package
    (kernel ``Documentation/ABI/testing/sysfs-devices-system-cpu``); hyperthread
    siblings repeat the same values, so keep the largest.
    """
    package: dict[int, int] = {}
    core: dict[tuple[int, int], int] = {}
    for cpu in fs.listdir("devices/system/cpu"):
        if not re.fullmatch(r"cpu\d+", cpu):
            continue
        base = f"devices/system/cpu/{cpu}"
        pkg = fs.read_int(f"{base}/topology/physical_package_id")
        core_id = fs.read_int(f"{base}/topology/core_id")
        if pkg is None:
            continue
        pkg_count = fs.read_int(f"{base}/thermal_throttle/package_throttle_count")
        if pkg_count is not None:
            package[pkg] = max(package.get(pkg, 0), pkg_count)
        core_count = fs.read_int(f"{base}/thermal_throttle/core_throttle_count")
        if core_count is not None and core_id is not None:
            core[(pkg, core_id)] = max(core.get((pkg, core_id), 0), core_count)
    return ThrottleCounts(package, core)
