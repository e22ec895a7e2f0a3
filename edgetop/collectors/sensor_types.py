"""The sensors collector's records: one :class:`Sensor` per temperature or fan."""

from __future__ import annotations

import msgspec


class Sensor(msgspec.Struct, frozen=True):
    """One sensor as the JSON, the alerts and the pane see it.

    Attributes:
        id: a stable key (``hwmon2/temp1``, ``thermal_zone0``).
        chip: the chip (``coretemp``, ``nvme``) or the zone type (``acpitz``).
        device: the device behind the chip (``nvme0``, ``coretemp.0``), or None.
        label: the readable name (``Package id 0``, ``Core 3``, ``Composite``).
        kind: ``temp`` or ``fan``.
        source: ``hwmon`` or ``thermal``.
        celsius: the temperature; None for fans and unknown values.
        high_celsius: the effective high (warning) threshold.
        critical_celsius: the effective critical threshold.
        chip_high_celsius: the chip's own high limit, before config overrides.
        chip_critical_celsius: the chip's own critical limit.
        emergency_celsius: the chip's emergency limit.
        thresholds_from: ``config``, ``chip`` or None (no thresholds at all).
        rpm: fan speed; None for temperatures.
        min_rpm: the fan's minimum, below which the chip raises its alarm.
        alarm: the chip's alarm flag, None when it has none.
        throttle_count_total: CPU thermal throttle events for this package/core (Intel).
        status: ``ok``, ``slow``, ``error``, ``implausible`` or ``gone``.
        reason: why the status is not ok.
        gone: the sensor's files vanished; it is kept (with its last value) for a while.
        last_seen_timestamp: for a sensor without a value now (gone, slow, error): wall
            time its last value was read; None when it has a value or never had one.
        last_celsius: that last temperature (None for fans).
        last_rpm: that last fan speed (None for temperatures).

    """

    id: str
    chip: str
    device: str | None
    label: str
    kind: str
    source: str
    celsius: float | None
    high_celsius: float | None = None
    critical_celsius: float | None = None
    chip_high_celsius: float | None = None
    chip_critical_celsius: float | None = None
    emergency_celsius: float | None = None
    thresholds_from: str | None = None
    rpm: float | None = None
    min_rpm: float | None = None
    alarm: bool | None = None
    throttle_count_total: int | None = None
    status: str = "ok"
    reason: str | None = None
    gone: bool = False
    last_seen_timestamp: float | None = None
    last_celsius: float | None = None
    last_rpm: float | None = None


class SensorsReading(msgspec.Struct, frozen=True):
    """Every sensor of the machine, in chip order.

    ``node_chips`` maps a hwmon directory (``hwmon2``) to the ``chip`` label node_exporter
    gives it, for the ``node_hwmon_*`` families (not part of the JSON).
    """

    sensors: tuple[Sensor, ...]
    node_chips: tuple[tuple[str, str], ...] = ()
