"""Thermal zones from ``/sys/class/thermal/thermal_zone*``.

Boards without hwmon chips (most ARM SoCs) expose only zones. Per the kernel's
``Documentation/driver-api/thermal/sysfs-api.rst``: ``type`` names the zone, ``temp`` is
millidegrees Celsius, ``trip_point_<N>_type`` is one of critical/hot/passive/active
with ``trip_point_<N>_temp`` in millidegrees, ``mode`` is enabled/disabled. Reading
``temp`` may evaluate ACPI methods, so zones are read through the bounded reader too.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from functools import partial

import msgspec

from edgetop.collectors.bounded_reader import BoundedReader, Job, ReadTimeout, files_identity
from edgetop.collectors.hwmon import parse_millicelsius, plausible
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.sources.fs import SysFS

_TRIP = re.compile(r"^trip_point_(\d+)_type$")


class TripPoint(msgspec.Struct, frozen=True):
    """One trip point of a zone: ``kind`` is critical, hot, passive or active."""

    index: int
    kind: str
    celsius: float | None


class ThermalZone(msgspec.Struct, frozen=True):
    """One thermal zone.

    Attributes:
        zone: the directory name (``thermal_zone0``).
        type: the zone's ``type`` (``acpitz``, ``x86_pkg_temp``, ``cpu-thermal``).
        celsius: the current temperature, None when unknown.
        trips: its trip points.
        mode: ``enabled``/``disabled``, or None when the file is absent.
        status: ``ok``, ``slow``, ``error`` or ``implausible``.
        reason: why the status is not ok.

    """

    zone: str
    type: str
    celsius: float | None
    trips: tuple[TripPoint, ...] = ()
    mode: str | None = None
    status: str = "ok"
    reason: str | None = None

    @property
    def high_celsius(self) -> float | None:
        """The lowest passive or hot trip: where the kernel starts to act."""
        temps = [t.celsius for t in self.trips if t.kind in ("passive", "hot") and t.celsius is not None]
        return min(temps) if temps else None

    @property
    def critical_celsius(self) -> float | None:
        """The critical trip: where the kernel shuts the machine down."""
        temps = [t.celsius for t in self.trips if t.kind == "critical" and t.celsius is not None]
        return min(temps) if temps else None


def parse_trip_temp(text: str | None) -> float | None:
    """Parse a trip temperature; a disabled or garbage trip is None."""
    if text is None:
        return None
    try:
        value = parse_millicelsius(text)
    except ParseError:
        return None
    # Drivers mark unused trips with huge values or 0 (e.g. INT_MAX, THERMAL_TEMP_INVALID).
    return value if 0 < value <= 250 else None


def read_zone(fs: SysFS, zone: str) -> ThermalZone:
    """Read one zone (the blocking part, run inside the reader).

    Raises:
        SourceUnavailable: ``temp`` could not be read.

    """
    base = f"class/thermal/{zone}"
    ztype = fs.read_str(f"{base}/type") or zone
    trips: list[TripPoint] = []
    for name in fs.listdir(base):
        m = _TRIP.match(name)
        if m:
            idx = int(m.group(1))
            kind = fs.read_str(f"{base}/{name}") or "unknown"
            trips.append(TripPoint(idx, kind, parse_trip_temp(fs.read_optional(f"{base}/trip_point_{idx}_temp"))))
    trips.sort(key=lambda t: t.index)
    mode = fs.read_str(f"{base}/mode")
    raw = fs.read_text(f"{base}/temp")
    try:
        value: float | None = parse_millicelsius(raw)
    except ParseError as err:
        return ThermalZone(zone, ztype, None, tuple(trips), mode, "error", str(err))
    if value is not None and not plausible(value, "temp"):
        return ThermalZone(zone, ztype, None, tuple(trips), mode, "implausible",
                           f"reads {value:g} °C, not a real temperature")
    return ThermalZone(zone, ztype, value, tuple(trips), mode)


def zone_identity(fs: SysFS, zone: str) -> Hashable:
    """Which files a zone's reads depend on (a change makes a new read worth trying)."""
    base = f"class/thermal/{zone}"
    return files_identity(fs.str_path(f"{base}/{name}") for name in fs.listdir(base))


def collect_thermal_zones(fs: SysFS, reader: BoundedReader | None = None) -> list[ThermalZone]:
    """Read every thermal zone; a failed or hung one is present with its status."""
    zones = [z for z in fs.listdir("class/thermal") if z.startswith("thermal_zone")]
    results: dict[str, ThermalZone | SourceUnavailable] = {}
    if reader is None:
        for zone in zones:
            try:
                results[zone] = read_zone(fs, zone)
            except SourceUnavailable as err:
                results[zone] = err
    else:
        results = reader.run({zone: Job(partial(read_zone, fs, zone), partial(zone_identity, fs, zone))
                              for zone in zones})
    out: list[ThermalZone] = []
    for zone in zones:
        res = results[zone]
        if isinstance(res, ThermalZone):
            out.append(res)
        else:
            ztype = fs.read_str(f"class/thermal/{zone}/type") or zone
            out.append(ThermalZone(zone, ztype, None, status="slow" if isinstance(res, ReadTimeout) else "error",
                                   reason=str(res)))
    return out
