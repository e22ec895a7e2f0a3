"""hwmon chips: temperatures and fans from ``/sys/class/hwmon/hwmon*``.

The sysfs interface is documented in the kernel's ``Documentation/hwmon/sysfs-interface.rst``:
``temp<N>_input`` is in millidegrees Celsius, ``temp<N>_max``/``_crit``/``_emergency`` are
limits in the same unit, ``temp<N>_crit_alarm`` and ``fan<N>_alarm`` are 0/1 flags and
``fan<N>_input`` is in RPM. Reading ``*_input`` makes many drivers talk to a bus (SMBus,
IPMI, NVMe admin commands), which can fail with EAGAIN/ENODATA or block: every sensor is
read by a :class:`BoundedReader` so a slow one is marked, never waited for.
"""

from __future__ import annotations

import os
import queue
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from edgetop.errors import ParseError, SourceUnavailable
from edgetop.sources.fs import SysFS

T = TypeVar("T")

# (attribute directory, hwmonN, chip name, device, kind, channel number, attribute suffixes)
ChannelPlan = tuple[str, str, str, str | None, str, int, set[str]]

# Outside this range a reading is a driver's "no sensor" marker (-128, 127.875 on some
# SuperIO chips, -273) or garbage, not a temperature; edge nodes do run at -40 °C.
PLAUSIBLE_CELSIUS = (-55.0, 150.0)
PLAUSIBLE_RPM = (0.0, 60000.0)

_ATTR = re.compile(r"^(temp|fan)(\d+)_([a-z_]+)$")


@dataclass(frozen=True, slots=True)
class HwmonSensor:
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


@dataclass(frozen=True, slots=True)
class ThrottleCounts:
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


class BoundedReader:
    """Runs blocking reads on a few daemon threads and waits for them only so long.

    A hwmon driver may block in a bus transaction; the thread it blocks stays parked
    (daemon: it never holds up exit), the reading is reported as slow, and the same
    key is not submitted again until the parked read returns, so a hung chip costs
    one thread, not one per tick. A new thread replaces each parked one (up to
    :attr:`MAX_THREADS`), so hung chips do not starve the healthy ones.
    """

    MAX_THREADS = 32

    def __init__(self, timeout_seconds: float, workers: int = 4) -> None:
        """Create the reader; threads start on first use."""
        self.timeout_seconds = timeout_seconds
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = queue.SimpleQueue()
        self._workers = workers
        self._threads: list[threading.Thread] = []
        self._pending: dict[str, tuple[Future[Any], float]] = {}
        self._lock = threading.Lock()

    def _worker(self) -> None:
        while True:
            future, fn = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as err:  # handed to the caller, which decides
                future.set_exception(err)

    def _start(self) -> None:
        parked = sum(1 for future, _ in self._pending.values() if not future.done())
        with self._lock:
            while len(self._threads) < min(self.MAX_THREADS, self._workers + parked):
                t = threading.Thread(target=self._worker, name="hwmon-read", daemon=True)
                t.start()
                self._threads.append(t)

    def run(self, jobs: dict[str, Callable[[], T]]) -> dict[str, T | SourceUnavailable]:
        """Run ``jobs`` concurrently; each result, or SourceUnavailable saying why not.

        All jobs share one deadline of ``timeout_seconds`` from the call.
        """
        self._start()
        now = time.monotonic()
        futures: dict[str, Future[Any]] = {}
        out: dict[str, T | SourceUnavailable] = {}
        for key, fn in jobs.items():
            parked = self._pending.get(key)
            if parked is not None:
                if not parked[0].done():
                    out[key] = SourceUnavailable(f"a read started {now - parked[1]:.0f} s ago has not returned")
                    continue
                del self._pending[key]
            future: Future[Any] = Future()
            self._jobs.put((future, fn))
            futures[key] = future
        deadline = now + self.timeout_seconds
        for key, future in futures.items():
            try:
                out[key] = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                self._pending[key] = (future, now)
                out[key] = SourceUnavailable(f"no answer within {self.timeout_seconds:g} s")
            except SourceUnavailable as err:
                out[key] = err
        return out


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

    Raises:
        SourceUnavailable: the ``input`` attribute could not be read (EAGAIN, EIO…).

    """
    base, hwmon, chip, device, kind, index, attrs = plan
    prefix = f"{base}/{kind}{index}_"
    label = (fs.read_str(prefix + "label") if "label" in attrs else None) or f"{kind}{index}"
    raw = fs.read_text(prefix + "input")
    status, reason = "ok", None
    value: float | None
    try:
        value = parse_millicelsius(raw) if kind == "temp" else float(parse_sysfs_int(raw))
    except ParseError as err:
        value, status, reason = None, "error", str(err)
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


def read_chip(fs: SysFS, channels: list[ChannelPlan], sink: list[HwmonSensor]) -> list[HwmonSensor]:
    """Read a chip's channels one after the other into ``sink`` (the blocking part).

    One chip is one job: its channels share a bus (SMBus, IPMI, an NVMe admin queue), so
    when one read hangs the next would too, and a stuck chip parks one thread. ``sink``
    fills as channels are read, so a hang keeps the channels read before it.
    """
    for plan in channels:
        try:
            sink.append(read_channel(fs, plan))
        except SourceUnavailable as err:
            _base, hwmon, chip, device, kind, index, _attrs = plan
            sink.append(HwmonSensor(hwmon, chip, device, kind, index, f"{kind}{index}", None,
                                    status="error", reason=str(err)))
    return sink


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


def collect_hwmon(fs: SysFS, reader: BoundedReader | None = None) -> list[HwmonSensor]:
    """Read every temperature and fan channel of every hwmon chip.

    Args:
        fs: the rooted /sys.
        reader: runs each chip's reads with a time limit; None reads directly
            (tests, benchmarks).

    Returns:
        Channels in chip order; one that failed or hung is present with its status.

    """
    chips = _discover(fs)
    sinks: dict[str, list[HwmonSensor]] = {hwmon: [] for hwmon in chips}

    def job(hwmon: str) -> Callable[[], list[HwmonSensor]]:
        return lambda: read_chip(fs, chips[hwmon], sinks[hwmon])

    failures: dict[str, SourceUnavailable] = {}
    if reader is None:
        for hwmon in chips:
            job(hwmon)()
    else:
        for hwmon, res in reader.run({hwmon: job(hwmon) for hwmon in chips}).items():
            if isinstance(res, SourceUnavailable):
                failures[hwmon] = res
    out: list[HwmonSensor] = []
    for hwmon, channels in chips.items():
        done = list(sinks[hwmon])[: len(channels)]  # a snapshot: a parked read may still add
        out.extend(done)
        for _base, _hw, chip, device, kind, index, _attrs in channels[len(done):]:
            reason = str(failures.get(hwmon, "not read"))
            if done and hwmon in failures:
                reason += f" (stuck after {done[-1].label})"
            out.append(HwmonSensor(hwmon, chip, device, kind, index, f"{kind}{index}", None,
                                   status="slow", reason=reason))
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
