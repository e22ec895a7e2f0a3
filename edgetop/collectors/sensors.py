"""The ``sensors`` collector: hwmon chips and thermal zones as one list (the snapshot's ``sensors``).

Thresholds: a matching ``sensors.overrides`` entry wins, then the global
``thresholds.temperature_celsius``, then the chip's own ``max``/``crit`` (or the zone's
passive/critical trips). Both the chip's and the effective values are kept, so the
screen can say where a limit came from. A sensor whose files vanish stays listed as
``gone`` and raises its own alert (:mod:`edgetop.collectors.sensor_memory`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import Any

from msgspec.structs import asdict, replace

from edgetop.collectors.bounded_reader import BoundedReader
from edgetop.collectors.hwmon import HwmonSensor, ThrottleCounts, collect_hwmon, collect_throttle, node_exporter_chip
from edgetop.collectors.sensor_memory import SensorMemory
from edgetop.collectors.sensor_types import Sensor, SensorsReading
from edgetop.collectors.thermal_zones import ThermalZone, collect_thermal_zones
from edgetop.config_schema import Config
from edgetop.errors import SourceUnavailable
from edgetop.model.alerts import Alert, Severity
from edgetop.model.spec import CollectorSpec, Context, Metric
from edgetop.sources.fs import SysFS

__all__ = ["Sensor", "SensorsReading", "collect_sensors", "combine", "effective_thresholds", "sensors_alerts",
           "sensors_history", "sensors_json", "sensors_metrics", "specs"]

# Sensors are read every 2 s at most, not at the CPU's 1 s (issue 17: each source at a cadence
# that fits it). Most hwmon drivers cache a reading for about that long anyway (nct6775, it87
# and w83627ehf refresh every HZ + HZ/2; see their update_device functions), a die warms over
# seconds, and a read of every chip was this node's most expensive local collection after
# the NICs. The trend column then spans 4 minutes instead of 2.
MIN_INTERVAL_SECONDS = 2.0


def effective_thresholds(
    config: Config, names: tuple[str, str, str | None], chip_high: float | None, chip_crit: float | None
) -> tuple[float | None, float | None, str | None]:
    """Apply the config to a sensor's own limits.

    Args:
        config: the effective configuration.
        names: (chip, label, device): overrides match ``chip/label`` or ``device/label``.
        chip_high: the chip's own high limit.
        chip_crit: the chip's own critical limit.

    Returns:
        (high, critical, where from): ``config`` when any config value was used.

    """
    chip, label, device = names
    keys = [f"{chip}/{label}"] + ([f"{device}/{label}"] if device else [])
    for override in config.sensors.overrides:
        if any(fnmatchcase(n, override.match) for n in keys):
            return (
                override.high if override.high is not None else chip_high,
                override.critical if override.critical is not None else chip_crit,
                "config",
            )
    level = config.thresholds.temperature_celsius
    if level.warn is not None or level.crit is not None:
        return (level.warn if level.warn is not None else chip_high,
                level.crit if level.crit is not None else chip_crit, "config")
    if chip_high is None and chip_crit is None:
        return None, None, None
    return chip_high, chip_crit, "chip"


def _throttle_for(s: HwmonSensor, package_of_chip: dict[str, int], throttle: ThrottleCounts) -> int | None:
    if s.chip != "coretemp":
        return None
    words = s.label.split()
    if s.label.startswith("Package id") and words[-1].isdigit():
        return throttle.package.get(int(words[-1]))
    if s.label.startswith("Core") and words[-1].isdigit():
        pkg = package_of_chip.get(s.hwmon, 0)
        return throttle.core.get((pkg, int(words[-1])))
    return None


def combine(
    config: Config, hwmon: list[HwmonSensor], zones: list[ThermalZone], throttle: ThrottleCounts
) -> SensorsReading:
    """Join hwmon channels, thermal zones and throttle counts into sensors.

    A zone already exposed as a hwmon chip (the thermal core registers ``acpitz`` and
    friends with hwmon) is listed once, from hwmon.
    """
    package_of_chip: dict[str, int] = {}
    for s in hwmon:
        if s.chip == "coretemp" and s.label.startswith("Package id") and s.label.split()[-1].isdigit():
            package_of_chip[s.hwmon] = int(s.label.split()[-1])
    out: list[Sensor] = []
    for s in hwmon:
        if s.kind == "temp":
            high, crit, src = effective_thresholds(config, (s.chip, s.label, s.device), s.max_value, s.crit_value)
            out.append(Sensor(
                id=f"{s.hwmon}/{s.kind}{s.index}", chip=s.chip, device=s.device, label=s.label, kind="temp",
                source="hwmon", celsius=s.value, high_celsius=high, critical_celsius=crit,
                chip_high_celsius=s.max_value, chip_critical_celsius=s.crit_value,
                emergency_celsius=s.emergency_value, thresholds_from=src, alarm=s.alarm,
                throttle_count_total=_throttle_for(s, package_of_chip, throttle), status=s.status, reason=s.reason,
            ))
        else:
            out.append(Sensor(
                id=f"{s.hwmon}/{s.kind}{s.index}", chip=s.chip, device=s.device, label=s.label, kind="fan",
                source="hwmon", celsius=None, rpm=s.value, min_rpm=s.min_value, alarm=s.alarm,
                status=s.status, reason=s.reason,
            ))
    hwmon_chips = {s.chip for s in hwmon}
    hwmon_devices = {s.device for s in hwmon if s.device}
    for z in zones:
        if z.zone in hwmon_devices or z.type in hwmon_chips:
            continue
        label = z.zone.replace("thermal_", "")
        high, crit, src = effective_thresholds(config, (z.type, label, z.zone), z.high_celsius, z.critical_celsius)
        out.append(Sensor(
            id=z.zone, chip=z.type, device=z.zone, label=label, kind="temp", source="thermal", celsius=z.celsius,
            high_celsius=high, critical_celsius=crit, chip_high_celsius=z.high_celsius,
            chip_critical_celsius=z.critical_celsius, thresholds_from=src, status=z.status, reason=z.reason,
        ))
    return SensorsReading(tuple(out))


def collect_sensors(fs: SysFS, config: Config, reader: BoundedReader | None = None) -> SensorsReading:
    """Read every sensor of the machine.

    Raises:
        SourceUnavailable: the machine exposes no hwmon chip and no thermal zone.

    """
    if not fs.listdir("class/hwmon") and not any(z.startswith("thermal_zone") for z in fs.listdir("class/thermal")):
        raise SourceUnavailable(
            f"no temperature sensors: {fs.path('class/hwmon')} has no chips and "
            f"{fs.path('class/thermal')} no zones (a VM, or sensor drivers not loaded)"
        )
    return combine(config, collect_hwmon(fs, reader), collect_thermal_zones(fs, reader), collect_throttle(fs))


def sensors_alerts(view: SensorsReading, config: Config) -> list[Alert]:
    """Temperature above its high/critical threshold, a chip alarm; never for unknown values."""
    out: list[Alert] = []
    for s in view.sensors:
        subject = f"{s.chip if s.source == 'thermal' else s.device or s.chip}/{s.label}"
        if s.gone:
            out.append(Alert(Severity.WARNING, "sensors", subject, _vanished(s)))
            continue
        if s.kind == "fan":
            if s.alarm:
                out.append(Alert(Severity.WARNING, "sensors", subject,
                                 "fan alarm raised by the chip (stopped or below its minimum)"))
            continue
        if s.celsius is None:
            continue
        if s.critical_celsius is not None and s.celsius >= s.critical_celsius:
            out.append(Alert(Severity.CRITICAL, "sensors", subject,
                             f"{s.celsius:.0f} °C at or above critical {s.critical_celsius:.0f} °C"))
        elif s.high_celsius is not None and s.celsius >= s.high_celsius:
            out.append(Alert(Severity.WARNING, "sensors", subject,
                             f"{s.celsius:.0f} °C at or above high {s.high_celsius:.0f} °C"))
        elif s.alarm:
            out.append(Alert(Severity.CRITICAL, "sensors", subject, "the chip raised its temperature alarm"))
    return out


def _vanished(s: Sensor) -> str:
    last = s.last_celsius if s.kind == "temp" else s.last_rpm
    if last is None or s.last_seen_timestamp is None:
        return "sensor vanished: its files are gone (no value was ever read)"
    unit = "°C" if s.kind == "temp" else "RPM"
    when = time.strftime("%H:%M:%S", time.localtime(s.last_seen_timestamp))
    return f"sensor vanished: its files are gone (last {last:.0f} {unit}, read at {when})"


def node_hwmon_metrics(view: SensorsReading) -> list[Metric]:
    """node_exporter's hwmon families for the hwmon sensors with a value (``chip``/``sensor`` labels).

    Thresholds are the chip's own (``_max``, ``_crit``), as node_exporter reads them, not
    edgetop's configured overrides. Thermal zones are not hwmon: node_exporter shows them
    as ``node_thermal_zone_temp`` (not exported here).
    """
    chips = dict(view.node_chips)
    out: list[Metric] = []
    named: set[tuple[str, str]] = set()
    for s in view.sensors:
        if s.source != "hwmon" or s.gone or "/" not in s.id:
            continue
        hwmon, sensor = s.id.split("/", 1)
        chip = chips.get(hwmon)
        if chip is None:
            continue
        labels = (("chip", chip), ("sensor", sensor))
        if (chip, s.chip) not in named:
            named.add((chip, s.chip))
            out.append(Metric("hwmon_chip_names", 1.0, (("chip", chip), ("chip_name", s.chip)),
                              help="Annotation metric for human-readable chip names", namespace="node"))
        if s.label != sensor:
            out.append(Metric("hwmon_sensor_label", 1.0, (("chip", chip), ("label", s.label), ("sensor", sensor)),
                              help="Label for given chip and sensor", namespace="node"))
        values = ((("temp_celsius", s.celsius, "Hardware monitor for temperature (input)"),
                   ("temp_max_celsius", s.chip_high_celsius, "Hardware monitor for temperature (max)"),
                   ("temp_crit_celsius", s.chip_critical_celsius, "Hardware monitor for temperature (crit)"))
                  if s.kind == "temp" else
                  (("fan_rpm", s.rpm, "Hardware monitor for fan revolutions per minute (input)"),
                   ("fan_min_rpm", s.min_rpm, "Hardware monitor for fan revolutions per minute (min)")))
        for name, value, text in values:
            if value is not None:
                out.append(Metric(f"hwmon_{name}", value, labels, help=text, namespace="node"))
    return out


def sensors_metrics(view: SensorsReading) -> list[Metric]:
    """node_exporter's hwmon families; edgetop's temperatures with thresholds, fans, alarms, throttling, status."""
    out: list[Metric] = node_hwmon_metrics(view)
    for s in view.sensors:
        # ``sensor`` (hwmonN/tempM) keeps two identical chips without a device link apart.
        labels = (("chip", s.chip), ("device", s.device or ""), ("label", s.label), ("sensor", s.id),
                  ("source", s.source))
        out.append(Metric("sensor_read_ok", 1.0 if s.status == "ok" else 0.0, labels,
                          help="1 when the sensor answered with a plausible value"))
        if s.kind == "fan":
            if s.rpm is not None:
                out.append(Metric("sensor_fan_rpm", s.rpm, labels, help="Fan speed in RPM"))
        else:
            for name, value, text in (
                ("sensor_temperature_celsius", s.celsius, "Temperature"),
                ("sensor_temperature_high_celsius", s.high_celsius, "Effective high threshold"),
                ("sensor_temperature_critical_celsius", s.critical_celsius, "Effective critical threshold"),
            ):
                if value is not None:
                    out.append(Metric(name, value, labels, help=text))
            if s.throttle_count_total is not None:
                out.append(Metric("sensor_thermal_throttle_total", float(s.throttle_count_total), labels,
                                  kind="counter", help="CPU thermal throttle events"))
        if s.alarm is not None:
            out.append(Metric("sensor_alarm", 1.0 if s.alarm else 0.0, labels, help="The chip's alarm flag"))
    return out


def sensors_json(view: SensorsReading) -> list[dict[str, Any]]:
    """Return the ``sensors`` section: one object per sensor (edgetop/snapshot.schema.json)."""
    return [asdict(s) for s in view.sensors]


def sensors_history(view: SensorsReading) -> dict[str, float | None]:
    """One series per sensor, keyed by its id: °C for temperatures, RPM for fans."""
    return {s.id: (s.celsius if s.kind == "temp" else s.rpm) for s in view.sensors}


def _build(ctx: Context) -> Callable[[], SensorsReading]:
    _, fs = ctx.device_roots()
    reader = BoundedReader(ctx.config.sensors.read_timeout)
    memory = SensorMemory()
    config = ctx.config

    def collect() -> SensorsReading:
        try:
            reading = collect_sensors(fs, config, reader)
        except SourceUnavailable:
            if not memory.remembers():  # a VM, or no driver: nothing to miss
                raise
            reading = SensorsReading(())  # every sensor vanished: each is listed gone, and alerts
        chips = tuple((h, node_exporter_chip(fs, h)) for h in fs.listdir("class/hwmon"))
        return replace(memory.update(reading, time.time()), node_chips=chips)

    return collect


def specs(ctx: Context) -> list[CollectorSpec]:
    """Return the ``sensors`` collector, on the local lane, every ``MIN_INTERVAL_SECONDS`` at most."""
    return [CollectorSpec(
        name="sensors", lane="local", json_key="sensors", pane="sensors", build=_build,
        interval=max(MIN_INTERVAL_SECONDS, ctx.config.interval),
        to_json=sensors_json, empty_json=list, alerts=sensors_alerts, metrics=sensors_metrics,
        history=sensors_history,
    )]
