"""Parse-level tests of the SNMP profiles and conversions: table-driven, plus Hypothesis."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors import snmp
from edgetop.collectors.snmp import SnmpReading, SnmpValue, build_reading, parse_value
from edgetop.collectors.snmp_profiles import (
    IF,
    IFX,
    PROFILES,
    SENSOR,
    UPS,
    counter_rate,
    enum_name,
    parse_interfaces,
    parse_sensors,
    parse_system,
    parse_ups,
    percent_to_ratio,
    profile_oids,
    sensor_value,
    ticks_to_seconds,
    with_rates,
)
from edgetop.config_schema import SNMP_PROFILES, Config, Secret, SnmpConfig, SnmpOid, SnmpTarget
from edgetop.errors import ParseError
from edgetop.model.alerts import Severity

raw_values = st.one_of(st.none(), st.integers(min_value=-(2**64), max_value=2**64), st.text(max_size=20))


def test_config_knows_every_shipped_profile() -> None:
    assert tuple(PROFILES) == SNMP_PROFILES


def test_profiles_are_numeric_and_64_bit_counters_come_from_ifxtable() -> None:
    for profile in PROFILES.values():
        for oid in [*profile.scalars.values(), *profile.columns.values()]:
            assert all(part.isdigit() for part in oid.split(".")), oid
    assert PROFILES["if-mib"].columns["ifHCInOctets"] == "1.3.6.1.2.1.31.1.1.1.6"
    assert PROFILES["if-mib"].columns["ifHCOutOctets"] == "1.3.6.1.2.1.31.1.1.1.10"
    assert PROFILES["ups-mib"].scalars["upsEstimatedChargeRemaining"] == "1.3.6.1.2.1.33.1.2.4.0"
    with pytest.raises(ParseError, match="unknown SNMP profile"):
        profile_oids(("nope",))


@pytest.mark.parametrize(("value", "scale", "precision", "expected"), [
    (415, 9, 1, 41.5),  # units, one decimal: 41.5 °C
    (12, 8, 0, 0.012),  # milli
    (5, 10, 0, 5000.0),  # kilo
    (5, 14, 0, 5e18),  # exa(14) is 10^18 ...
    (5, 15, 0, 5e15),  # ... and peta(15) 10^15: RFC 3433's own order
    (-20, 9, 1, -2.0),
    (None, 9, 0, None),
    (7, None, None, 7.0),
])
def test_sensor_value(value: Any, scale: Any, precision: Any, expected: float | None) -> None:
    assert sensor_value(value, scale, precision) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(("scale", "precision"), [(0, 0), (18, 0), (9, 10), (9, -9)])
def test_sensor_value_rejects_out_of_range_codes(scale: int, precision: int) -> None:
    with pytest.raises(ParseError):
        sensor_value(1, scale, precision)


@pytest.mark.parametrize(("fn", "raw", "expected"), [
    (ticks_to_seconds, 12345, 123.45), (ticks_to_seconds, None, None), (ticks_to_seconds, "x", None),
    (percent_to_ratio, 35, 0.35), (percent_to_ratio, 101, None), (percent_to_ratio, -1, None),
    (percent_to_ratio, None, None),
])
def test_conversions(fn: Any, raw: Any, expected: Any) -> None:
    assert fn(raw) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(("prev", "cur", "elapsed", "expected"), [
    (100, 300, 2.0, 100.0), (None, 300, 2.0, None), (300, 100, 2.0, None), (100, 300, 0.0, None),
    (2**64 - 10, 2**64 - 5, 1.0, 5.0),
])
def test_counter_rate(prev: int | None, cur: int | None, elapsed: float, expected: float | None) -> None:
    assert counter_rate(prev, cur, elapsed) == expected


def test_enum_name_names_undefined_values() -> None:
    assert enum_name(1, {1: "up"}) == "up"
    assert enum_name(9, {1: "up"}) == "unknown(9)"
    assert enum_name(None, {1: "up"}) is None


@pytest.mark.parametrize(("scalars", "expected"), [
    ({}, None),
    ({"sysUpTime": None, "sysName": None}, None),
    ({"sysUpTime": 100}, (None, None, 1.0)),
    ({"sysDescr": "Linux", "sysName": "sw1", "sysUpTime": 360000}, ("Linux", "sw1", 3600.0)),
])
def test_parse_system(scalars: dict[str, Any], expected: tuple[Any, ...] | None) -> None:
    info = parse_system(scalars)
    assert (None if info is None else (info.descr, info.name, info.uptime_seconds)) == expected


def test_parse_interfaces_joins_iftable_and_ifxtable_by_index() -> None:
    columns = {
        "ifDescr": {"1": "lo", "10": "Ethernet 10", "2": "eth0"}, "ifName": {"2": "eth0", "10": "Gi1/0/10"},
        "ifOperStatus": {"1": 1, "2": 2, "10": 7}, "ifAdminStatus": {"1": 1, "2": 1, "10": 2},
        "ifMtu": {"1": 65536, "2": 9000}, "ifHighSpeed": {"1": 0, "2": 10000},
        "ifHCInOctets": {"2": 5}, "ifInErrors": {"2": 3},
    }
    rows = parse_interfaces(columns)
    assert [r.index for r in rows] == ["1", "2", "10"]  # numeric order, not string order
    lo, eth0, gi = rows
    assert (lo.name, lo.speed_mbps, lo.oper_status) == ("lo", None, "up")  # ifHighSpeed 0 = unknown
    assert (eth0.name, eth0.mtu, eth0.speed_mbps, eth0.oper_status, eth0.in_bytes_total, eth0.out_bytes_total,
            eth0.in_errors_total) == ("eth0", 9000, 10000, "down", 5, None, 3)
    assert (gi.name, gi.descr, gi.oper_status, gi.admin_status, gi.mtu) == (
        "Gi1/0/10", "Ethernet 10", "lowerLayerDown", "down", None)
    assert parse_interfaces({}) == ()
    with pytest.raises(ParseError):
        parse_interfaces({"ifDescr": {"a.b": "x"}})


def test_parse_ups() -> None:
    assert parse_ups({}, {}) is None
    ups = parse_ups(
        {"upsBatteryStatus": 4, "upsOutputSource": 5, "upsEstimatedChargeRemaining": 9,
         "upsEstimatedMinutesRemaining": 2, "upsBatteryVoltage": 241, "upsBatteryTemperature": 31},
        {"upsOutputPercentLoad": {"2": 50, "1": 40}, "upsOutputVoltage": {"1": 229}, "upsInputVoltage": {}},
    )
    assert ups is not None
    assert (ups.battery_status, ups.output_source, ups.charge_ratio, ups.runtime_remaining_seconds) == (
        "depleted", "battery", 0.09, 120)
    assert ups.battery_volts == pytest.approx(24.1) and ups.battery_celsius == 31
    assert ups.output_load_ratios == (0.4, 0.5) and ups.output_volts == (229.0,) and ups.input_volts == ()


def test_parse_sensors() -> None:
    columns = {"entPhySensorType": {"3": 4, "7": 8, "9": 99}, "entPhySensorScale": {"3": 8, "7": 9},
               "entPhySensorPrecision": {"3": 0, "7": 1}, "entPhySensorValue": {"3": 12000, "7": 415, "9": 1},
               "entPhySensorOperStatus": {"3": 1, "7": 3}, "entPhysicalName": {"7": "inlet", "1": "chassis"}}
    sensors = parse_sensors(columns)
    assert [(s.index, s.name, s.kind, s.value, s.unit, s.status) for s in sensors] == [
        ("3", "sensor3", "voltsDC", 12.0, "V", "ok"),
        ("7", "inlet", "celsius", 41.5, "°C", "nonoperational"),
        ("9", "sensor9", "unknown(99)", 1.0, "", None),
    ]
    assert parse_sensors({}) == ()


@given(st.dictionaries(st.sampled_from(list(PROFILES["if-mib"].columns) + list(PROFILES["entity-sensor"].columns)
                                       + list(PROFILES["ups-mib"].columns)),
                       st.dictionaries(st.text(max_size=8), raw_values, max_size=4), max_size=8),
       st.dictionaries(st.sampled_from(list(PROFILES["ups-mib"].scalars) + list(PROFILES["system"].scalars)),
                       raw_values, max_size=8))
def test_parsers_raise_only_parse_error(columns: dict[str, dict[str, Any]], scalars: dict[str, Any]) -> None:
    for parse in (lambda: parse_interfaces(columns), lambda: parse_sensors(columns),
                  lambda: parse_ups(scalars, columns), lambda: parse_system(scalars)):
        with contextlib.suppress(ParseError):
            parse()


@pytest.mark.parametrize(("raw", "scale", "expected"), [
    (None, 1.0, None), (73, 0.5, 36.5), ("23.5", 2.0, 47.0), ("on", 1.0, "on"), ("", 1.0, ""),
])
def test_parse_value(raw: Any, scale: float, expected: Any) -> None:
    assert parse_value(raw, scale) == expected


def target(**kw: Any) -> SnmpTarget:
    values: dict[str, Any] = {"name": "ups", "host": "192.0.2.1", "user": "mon", "auth_protocol": "SHA",
                              "auth_key": Secret("s3cret-auth"), "profiles": ("system", "ups-mib")}
    values.update(kw)
    return SnmpTarget(**values)


def test_build_reading_derive_json_metrics() -> None:
    t = target(profiles=("system", "if-mib"), oids=(SnmpOid(name="temp", oid="1.3.6.1.4.1.9.1.0", scale=0.1),))
    scalars = {"1.3.6.1.2.1.1.3.0": 100, "1.3.6.1.4.1.9.1.0": 215}
    first = build_reading(t, scalars, {f"{IFX}.6": {"1": 1000}, f"{IF}.2": {"1": "eth0"}}, 0.01)
    second = build_reading(t, scalars, {f"{IFX}.6": {"1": 3000}, f"{IF}.2": {"1": "eth0"}}, 0.02)
    view = snmp.derive(first, second, 2.0)
    assert view.interfaces[0].in_bytes_per_second == 1000.0
    assert snmp.derive(None, second, 2.0).interfaces[0].in_bytes_per_second is None
    doc = snmp.to_json(view)
    assert len(doc) == 1 and doc[0]["values"] == [{"name": "temp", "oid": "1.3.6.1.4.1.9.1.0", "value": 21.5,
                                                   "unit": None, "warn": None, "crit": None}]
    assert doc[0]["interfaces"][0]["in_bytes_per_second"] == 1000.0
    json.dumps(doc)  # plain data only
    metrics = {(m.name, dict(m.labels).get("name")): m.value for m in snmp.metrics(view)}
    assert metrics[("snmp_up", None)] == 1.0 and metrics[("snmp_latency_seconds", None)] == 0.02
    assert metrics[("snmp_value", "temp")] == 21.5
    raw = {(m.full_name, dict(m.labels)["ifName"]): m for m in snmp.metrics(view) if m.namespace == ""}
    assert raw[("ifHCInOctets", "eth0")].kind == "counter"  # snmp_exporter's if_mib: raw counters, not rates
    assert raw[("ifHCInOctets", "eth0")].value == view.interfaces[0].in_bytes_total
    assert dict(raw[("ifHCInOctets", "eth0")].labels)["ifIndex"] == view.interfaces[0].index
    assert ("snmp_value", "if/eth0.in_bytes_per_second") not in metrics
    assert "s3cret" not in repr(doc) + repr(metrics) + repr(view)


def test_with_rates_matches_by_index_and_unknown_after_reset() -> None:
    t = target(profiles=("if-mib",))
    a = build_reading(t, {}, {f"{IFX}.6": {"1": 500, "2": 10}}, 0.01)
    b = build_reading(t, {}, {f"{IFX}.6": {"1": 100, "3": 10}}, 0.01)
    rates = with_rates(a.interfaces, b.interfaces, 1.0)
    assert [(i.index, i.in_bytes_per_second) for i in rates] == [("1", None), ("3", None)]


def alerts_for(view: SnmpReading, t: SnmpTarget) -> list[tuple[Severity, str, str]]:
    config = Config(snmp=SnmpConfig(targets=(t,)))
    return [(a.severity, a.subject, a.message) for a in snmp.alerts(view, config)]


def test_alerts() -> None:
    low = SnmpOid(name="charge", oid="1.2.3.0", warn=50.0, crit=20.0)  # crit below warn: lower is worse
    high = SnmpOid(name="temp", oid="1.2.4.0", warn=30.0, crit=40.0)
    t = target(oids=(low, high))
    base = build_reading(t, {f"{UPS}.2.1.0": 3, f"{UPS}.4.1.0": 5, f"{UPS}.2.3.0": 7, "1.2.3.0": 15,
                             "1.2.4.0": 35}, {}, 0.7)
    got = alerts_for(base, t)
    assert (Severity.CRITICAL, "ups/charge", "charge is 15") in got
    assert (Severity.WARNING, "ups/temp", "temp is 35") in got
    assert (Severity.WARNING, "ups/battery", "UPS battery low") in got
    assert (Severity.WARNING, "ups/output", "UPS on battery, 7 min left") in got
    assert (Severity.WARNING, "ups", "SNMP answers slowly: 0.70 s") in got
    down = snmp.failed_reading(t, "down", "timeout", "no response")
    assert alerts_for(down, t) == [(Severity.CRITICAL, "ups", "SNMP target down: no response")]
    assert [(m.name, m.value, dict(m.labels).get("kind")) for m in snmp.metrics(down)] == [
        ("snmp_up", 0.0, None), ("snmp_poll_error", 1.0, "timeout")]


def test_sensor_nonoperational_alert_and_unknown_values_stay_unknown() -> None:
    t = target(profiles=("entity-sensor",))
    view = build_reading(t, {}, {f"{SENSOR}.1": {"4": 8}, f"{SENSOR}.5": {"4": 3}}, 0.01)
    assert view.sensors[0].value is None
    assert alerts_for(view, t) == [(Severity.WARNING, "ups/sensor4", "sensor nonoperational")]
    assert SnmpValue("x", "1.0", None, None, 1.0, 2.0).severity() is None
    assert SnmpValue("x", "1.0", "text", None, 1.0, 2.0).severity() is None
    assert SnmpValue("x", "1.0", 1.5, None, 1.0, 2.0).severity() == Severity.WARNING
    assert SnmpValue("x", "1.0", 15.0, None, 50.0, 20.0).severity() == Severity.CRITICAL  # lower is worse


@pytest.mark.parametrize(("indication", "status", "kind", "words"), [
    ("requestTimedOut", None, "timeout", "host down, udp/161 filtered or no agent (no answer in 1 s x2)"),
    ("wrongDigest", None, "auth", "wrong auth key or protocol (SHA) for user mon"),
    ("unknownUserName", None, "user", "the agent does not know user mon"),
    ("unsupportedSecurityLevel", None, "level", "not with this security level (authNoPriv)"),
    ("decryptionError", None, "priv", "privacy key or protocol (None) wrong"),
    ("notInTimeWindow", None, "time", "restarted?"),
    ("oidNotIncreasing", None, "error", "SNMP error: OidNotIncreasing"),
    (None, "authorizationError", "access", "user mon is not authorised"),
    (None, "tooBig", "error", "the agent refused the request: tooBig"),
])
def test_classify_names_failures(indication: str | None, status: str | None, kind: str, words: str) -> None:
    from pysnmp.proto import errind

    from edgetop.sources.snmp_failures import classify

    failure = classify(getattr(errind, indication) if indication else None, status, target())
    assert failure is not None and failure.kind == kind and words in failure.message
    assert "s3cret" not in failure.message
    assert classify(None, None, target()) is None and classify(None, "noError", target()) is None
