"""Shipped SNMP profiles as numeric OIDs, and pure conversions of what they return.

Debian ships no IETF MIBs (FIELD-NOTES), so a profile carries the numbers itself:

- ``system``: SNMPv2-MIB sysDescr, sysUpTime, sysName (RFC 3418).
- ``if-mib``: ifTable (RFC 2863) plus the 64-bit ifXTable counters (``1.3.6.1.2.1.31.1.1.1``),
  which do not wrap at 10 Gb/s the way the 32-bit ifInOctets do in 3.4 s.
- ``ups-mib``: RFC 1628 battery group scalars and the input/output line tables.
- ``entity-sensor``: RFC 3433 entPhySensorTable, named from ENTITY-MIB entPhysicalName.

Every parse function takes what the agent sent (plain ints, strings or None per OID) and
may raise only :class:`edgetop.errors.ParseError`; unknown stays None, never 0.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from edgetop.errors import ParseError

RawValue = int | str | None
Scalars = Mapping[str, RawValue]
Columns = Mapping[str, Mapping[str, RawValue]]

SYS = "1.3.6.1.2.1.1"
IF = "1.3.6.1.2.1.2.2.1"
IFX = "1.3.6.1.2.1.31.1.1.1"
UPS = "1.3.6.1.2.1.33.1"
SENSOR = "1.3.6.1.2.1.99.1.1.1"
ENT_PHYSICAL_NAME = "1.3.6.1.2.1.47.1.1.1.1.7"


@dataclass(frozen=True, slots=True)
class Profile:
    """A named set of OIDs: scalars fetched with GET, table columns with GETBULK."""

    name: str
    scalars: Mapping[str, str]  # object name -> instance OID (ending in .0)
    columns: Mapping[str, str]  # column name -> column OID (rows are the suffixes)


PROFILES: dict[str, Profile] = {
    "system": Profile(
        "system",
        {"sysDescr": f"{SYS}.1.0", "sysUpTime": f"{SYS}.3.0", "sysName": f"{SYS}.5.0"},
        {},
    ),
    "if-mib": Profile(
        "if-mib",
        {},
        {
            "ifDescr": f"{IF}.2", "ifMtu": f"{IF}.4", "ifAdminStatus": f"{IF}.7", "ifOperStatus": f"{IF}.8",
            "ifInDiscards": f"{IF}.13", "ifInErrors": f"{IF}.14", "ifOutDiscards": f"{IF}.19",
            "ifOutErrors": f"{IF}.20", "ifName": f"{IFX}.1", "ifHCInOctets": f"{IFX}.6",
            "ifHCOutOctets": f"{IFX}.10", "ifHighSpeed": f"{IFX}.15",
        },
    ),
    "ups-mib": Profile(
        "ups-mib",
        {
            "upsBatteryStatus": f"{UPS}.2.1.0", "upsSecondsOnBattery": f"{UPS}.2.2.0",
            "upsEstimatedMinutesRemaining": f"{UPS}.2.3.0", "upsEstimatedChargeRemaining": f"{UPS}.2.4.0",
            "upsBatteryVoltage": f"{UPS}.2.5.0", "upsBatteryTemperature": f"{UPS}.2.7.0",
            "upsOutputSource": f"{UPS}.4.1.0",
        },
        {
            "upsInputVoltage": f"{UPS}.3.3.1.3", "upsOutputVoltage": f"{UPS}.4.4.1.2",
            "upsOutputPercentLoad": f"{UPS}.4.4.1.5",
        },
    ),
    "entity-sensor": Profile(
        "entity-sensor",
        {},
        {
            "entPhySensorType": f"{SENSOR}.1", "entPhySensorScale": f"{SENSOR}.2",
            "entPhySensorPrecision": f"{SENSOR}.3", "entPhySensorValue": f"{SENSOR}.4",
            "entPhySensorOperStatus": f"{SENSOR}.5", "entPhysicalName": ENT_PHYSICAL_NAME,
        },
    ),
}

# RFC 2863 ifOperStatus / ifAdminStatus.
IF_STATUS = {1: "up", 2: "down", 3: "testing", 4: "unknown", 5: "dormant", 6: "notPresent", 7: "lowerLayerDown"}
# RFC 1628 upsBatteryStatus and upsOutputSource.
BATTERY_STATUS = {1: "unknown", 2: "normal", 3: "low", 4: "depleted"}
OUTPUT_SOURCE = {1: "other", 2: "none", 3: "normal", 4: "bypass", 5: "battery", 6: "booster", 7: "reducer"}
# RFC 3433 EntitySensorDataType -> (name, unit).
SENSOR_TYPE = {
    1: ("other", ""), 2: ("unknown", ""), 3: ("voltsAC", "V"), 4: ("voltsDC", "V"), 5: ("amperes", "A"),
    6: ("watts", "W"), 7: ("hertz", "Hz"), 8: ("celsius", "°C"), 9: ("percentRH", "%RH"), 10: ("rpm", "rpm"),
    11: ("cmm", "m³/min"), 12: ("truthvalue", ""),
}
# RFC 3433 EntitySensorDataScale -> power of ten. exa(14) really comes before peta(15) in the RFC.
SENSOR_SCALE = {1: -24, 2: -21, 3: -18, 4: -15, 5: -12, 6: -9, 7: -6, 8: -3, 9: 0, 10: 3, 11: 6, 12: 9,
                13: 12, 14: 18, 15: 15, 16: 21, 17: 24}
SENSOR_STATUS = {1: "ok", 2: "unavailable", 3: "nonoperational"}


def profile_oids(names: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """Return the scalars and columns (name -> OID) of the named profiles.

    Raises:
        ParseError: for a profile name that is not shipped.

    """
    scalars: dict[str, str] = {}
    columns: dict[str, str] = {}
    for name in names:
        profile = PROFILES.get(name)
        if profile is None:
            raise ParseError(f"unknown SNMP profile {name!r} (shipped: {', '.join(PROFILES)})")
        scalars.update(profile.scalars)
        columns.update(profile.columns)
    return scalars, columns


def as_int(value: RawValue) -> int | None:
    """Return an integer from the agent, or None when absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def as_text(value: RawValue) -> str | None:
    """Return a string from the agent (numbers are shown as digits), or None when absent."""
    if value is None:
        return None
    return str(value)


def scaled(value: RawValue, scale: float = 1.0) -> float | None:
    """Return an integer times ``scale`` (e.g. 0.1 for RFC 1628's 0.1 V units); None when unknown."""
    number = as_int(value)
    return None if number is None else number * scale


def enum_name(value: RawValue, names: Mapping[int, str]) -> str | None:
    """Return the name of an enumerated value; an undefined number shows as ``unknown(N)``."""
    number = as_int(value)
    if number is None:
        return None
    return names.get(number, f"unknown({number})")


def ticks_to_seconds(value: RawValue) -> float | None:
    """TimeTicks (hundredths of a second, RFC 2578) to seconds."""
    return scaled(value, 0.01)


def percent_to_ratio(value: RawValue) -> float | None:
    """Return an INTEGER percentage (0..100) as a 0..1 ratio; out-of-range values are unknown."""
    number = as_int(value)
    if number is None or not 0 <= number <= 100:
        return None
    return number / 100


def sensor_value(value: RawValue, scale_code: RawValue, precision: RawValue) -> float | None:
    """Return an RFC 3433 sensor reading in base units: value x 10^scale x 10^-precision.

    Raises:
        ParseError: when the scale code or precision is outside the RFC's ranges.

    """
    number, scale, places = as_int(value), as_int(scale_code), as_int(precision)
    if number is None:
        return None
    exponent = 0
    if scale is not None:
        if scale not in SENSOR_SCALE:
            raise ParseError(f"entPhySensorScale {scale} is not defined by RFC 3433")
        exponent = SENSOR_SCALE[scale]
    if places is not None:
        if not -8 <= places <= 9:
            raise ParseError(f"entPhySensorPrecision {places} is outside -8..9")
        exponent -= places
    return float(number * 10**exponent) if exponent >= 0 else number / 10**-exponent


def counter_rate(prev: int | None, cur: int | None, elapsed_seconds: float) -> float | None:
    """Per-second rate of a counter; None when unknown, not elapsed, or it went backwards.

    A 64-bit counter going backwards means a reset (agent or interface restarted, RFC 2863
    ifCounterDiscontinuityTime), not a wrap, so it is unknown rather than corrected.
    """
    if prev is None or cur is None or elapsed_seconds <= 0 or cur < prev:
        return None
    return (cur - prev) / elapsed_seconds


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """SNMPv2-MIB system group."""

    descr: str | None
    name: str | None
    uptime_seconds: float | None


@dataclass(frozen=True, slots=True)
class Interface:
    """One ifTable/ifXTable row; counters raw (``_total``), rates filled in by derive."""

    index: str
    name: str
    descr: str | None
    admin_status: str | None
    oper_status: str | None
    mtu: int | None
    speed_mbps: int | None
    in_bytes_total: int | None
    out_bytes_total: int | None
    in_errors_total: int | None
    out_errors_total: int | None
    in_discards_total: int | None
    out_discards_total: int | None
    in_bytes_per_second: float | None = None
    out_bytes_per_second: float | None = None


@dataclass(frozen=True, slots=True)
class UpsStatus:
    """RFC 1628 battery and output state."""

    battery_status: str | None
    output_source: str | None
    on_battery_seconds: int | None
    runtime_remaining_seconds: int | None
    charge_ratio: float | None
    battery_volts: float | None
    battery_celsius: float | None
    input_volts: tuple[float | None, ...]
    output_volts: tuple[float | None, ...]
    output_load_ratios: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class Sensor:
    """One RFC 3433 sensor."""

    index: str
    name: str
    kind: str | None
    value: float | None
    unit: str
    status: str | None


def parse_system(scalars: Scalars) -> SystemInfo | None:
    """Return the system group from GET results by object name; None when the agent sent none of it."""
    descr, name = as_text(scalars.get("sysDescr")), as_text(scalars.get("sysName"))
    uptime = ticks_to_seconds(scalars.get("sysUpTime"))
    if descr is None and name is None and uptime is None:
        return None
    return SystemInfo(descr, name, uptime)


def _rows(columns: Columns, names: tuple[str, ...]) -> list[str]:
    """Row indexes present in any of ``names``, in numeric OID order."""
    indexes = {idx for n in names for idx in columns.get(n, {})}
    return sorted(indexes, key=_index_key)


def _index_key(index: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in index.split("."))
    except ValueError:
        raise ParseError(f"table index {index!r} is not a dotted number") from None


def parse_interfaces(columns: Columns) -> tuple[Interface, ...]:
    """Return the ifTable + ifXTable rows (by ifIndex) from GETBULK column results."""
    names = tuple(PROFILES["if-mib"].columns)
    out = []
    for idx in _rows(columns, names):
        def col(name: str, idx: str = idx) -> RawValue:
            return columns.get(name, {}).get(idx)
        label = as_text(col("ifName")) or as_text(col("ifDescr")) or f"if{idx}"
        speed = as_int(col("ifHighSpeed"))
        out.append(Interface(
            index=idx, name=label, descr=as_text(col("ifDescr")),
            admin_status=enum_name(col("ifAdminStatus"), IF_STATUS),
            oper_status=enum_name(col("ifOperStatus"), IF_STATUS),
            mtu=as_int(col("ifMtu")),
            # ifHighSpeed 0 means "unknown or below 1 Mb/s" (loopback, virtual): unknown.
            speed_mbps=speed if speed else None,
            in_bytes_total=as_int(col("ifHCInOctets")), out_bytes_total=as_int(col("ifHCOutOctets")),
            in_errors_total=as_int(col("ifInErrors")), out_errors_total=as_int(col("ifOutErrors")),
            in_discards_total=as_int(col("ifInDiscards")), out_discards_total=as_int(col("ifOutDiscards")),
        ))
    return tuple(out)


def parse_ups(scalars: Scalars, columns: Columns) -> UpsStatus | None:
    """RFC 1628 state; None when the agent implements no UPS-MIB object."""
    names = tuple(PROFILES["ups-mib"].scalars)
    if all(scalars.get(n) is None for n in names) and not any(columns.get(c) for c in PROFILES["ups-mib"].columns):
        return None

    def line(name: str, scale: float = 1.0) -> tuple[float | None, ...]:
        cells = columns.get(name, {})
        return tuple(scaled(cells[i], scale) for i in sorted(cells, key=_index_key))

    minutes, seconds = as_int(scalars.get("upsEstimatedMinutesRemaining")), as_int(scalars.get("upsSecondsOnBattery"))
    # RFC 1628 gives minutes; seconds here, like every duration edgetop reports.
    return UpsStatus(
        battery_status=enum_name(scalars.get("upsBatteryStatus"), BATTERY_STATUS),
        output_source=enum_name(scalars.get("upsOutputSource"), OUTPUT_SOURCE),
        on_battery_seconds=seconds, runtime_remaining_seconds=None if minutes is None else minutes * 60,
        charge_ratio=percent_to_ratio(scalars.get("upsEstimatedChargeRemaining")),
        battery_volts=scaled(scalars.get("upsBatteryVoltage"), 0.1),  # 0.1 Volt DC units
        battery_celsius=scaled(scalars.get("upsBatteryTemperature")),
        input_volts=line("upsInputVoltage"), output_volts=line("upsOutputVoltage"),
        output_load_ratios=tuple(
            None if v is None else v / 100 for v in line("upsOutputPercentLoad")
        ),
    )


def parse_sensors(columns: Columns) -> tuple[Sensor, ...]:
    """Return the entPhySensorTable rows, named from entPhysicalName (same entPhysicalIndex)."""
    sensor_cols = tuple(c for c in PROFILES["entity-sensor"].columns if c.startswith("entPhySensor"))
    out = []
    for idx in _rows(columns, sensor_cols):
        def col(name: str, idx: str = idx) -> RawValue:
            return columns.get(name, {}).get(idx)
        kind_code = as_int(col("entPhySensorType"))
        kind, unit = SENSOR_TYPE.get(kind_code, (f"unknown({kind_code})", "")) if kind_code is not None else (None, "")
        out.append(Sensor(
            index=idx, name=as_text(col("entPhysicalName")) or f"sensor{idx}", kind=kind,
            value=sensor_value(col("entPhySensorValue"), col("entPhySensorScale"), col("entPhySensorPrecision")),
            unit=unit, status=enum_name(col("entPhySensorOperStatus"), SENSOR_STATUS),
        ))
    return tuple(out)


def with_rates(
    prev: tuple[Interface, ...], cur: tuple[Interface, ...], elapsed_seconds: float
) -> tuple[Interface, ...]:
    """Fill in octet rates from the previous poll's counters, matched by ifIndex."""
    before = {i.index: i for i in prev}
    out = []
    for iface in cur:
        old = before.get(iface.index)
        if old is None:
            out.append(iface)
            continue
        out.append(dataclasses.replace(
            iface,
            in_bytes_per_second=counter_rate(old.in_bytes_total, iface.in_bytes_total, elapsed_seconds),
            out_bytes_per_second=counter_rate(old.out_bytes_total, iface.out_bytes_total, elapsed_seconds),
        ))
    return tuple(out)
