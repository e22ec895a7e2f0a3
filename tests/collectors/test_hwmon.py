"""hwmon parsing and collection over fixture trees, including drivers that fail or hang."""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors import sensors as sensors_mod
from edgetop.collectors.bounded_reader import BoundedReader
from edgetop.collectors.hwmon import (
    collect_hwmon,
    collect_throttle,
    parse_channels,
    parse_millicelsius,
    parse_sysfs_int,
    plausible,
)
from edgetop.collectors.sensors import SensorsReading, collect_sensors, sensors_alerts, sensors_json, sensors_metrics
from edgetop.config_schema import Config, Level, SensorOverride, SensorsConfig, Thresholds
from edgetop.demo import demo_context
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.model.alerts import Severity
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS, describe_oserror
from tests.fixtures.tree import materialise


def tree(tmp_path: Path, name: str) -> SysFS:
    return SysFS(materialise(f"{name}.txt", tmp_path) / "sys")


@pytest.mark.parametrize(("text", "expected"), [
    ("42000\n", 42000), ("-5", -5), ("0", 0), ("  17  ", 17),
])
def test_parse_sysfs_int_valid(text: str, expected: int) -> None:
    assert parse_sysfs_int(text) == expected


@pytest.mark.parametrize("text", ["", "\n", "abc", "12.5", "0x10", "4 2"])
def test_parse_sysfs_int_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_sysfs_int(text)


@pytest.mark.parametrize(("text", "celsius"), [("38850\n", 38.85), ("-273150", -273.15), ("0", 0.0), ("5", 0.005)])
def test_parse_millicelsius(text: str, celsius: float) -> None:
    assert parse_millicelsius(text) == pytest.approx(celsius)


@given(st.text(max_size=40))
def test_parse_millicelsius_raises_only_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_millicelsius(text)


@pytest.mark.parametrize(("value", "kind", "ok"), [
    (45.0, "temp", True), (-40.0, "temp", True), (-128.0, "temp", False), (1000.0, "temp", False),
    (-273.15, "temp", False), (1200.0, "fan", True), (999999.0, "fan", False), (-1.0, "fan", False),
])
def test_plausible(value: float, kind: str, ok: bool) -> None:
    assert plausible(value, kind) is ok


def test_parse_channels_needs_input() -> None:
    names = ["name", "temp1_input", "temp1_max", "temp2_label", "fan1_input", "fan1_alarm", "in0_input", "uevent"]
    assert parse_channels(names) == {("temp", 1): {"input", "max"}, ("fan", 1): {"input", "alarm"}}
    assert parse_channels([]) == {}


def test_intel_server(tmp_path: Path) -> None:
    got = {f"{s.chip}/{s.label}": s for s in collect_hwmon(tree(tmp_path, "sysfs_intel_server"))}
    pkg = got["coretemp/Package id 0"]
    assert (pkg.value, pkg.max_value, pkg.crit_value, pkg.alarm, pkg.device) == (61.0, 84.0, 100.0, False, "coretemp.0")
    assert got["coretemp/Core 1"].value == 86.0
    comp = got["nvme/Composite"]
    assert comp.device == "nvme0" and comp.value == pytest.approx(38.85) and comp.max_value == pytest.approx(84.85)
    # nvme reports 65261.85 °C for an unset limit: not a threshold
    assert got["nvme/Sensor 1"].max_value is None
    assert got["acpitz/temp1"].crit_value == 119.0
    fan2 = got["nct6779/fan2"]
    assert (fan2.kind, fan2.value, fan2.min_value, fan2.alarm) == ("fan", 0.0, 300.0, True)
    assert all(s.status == "ok" for s in got.values())


def test_amd_server_has_no_limits(tmp_path: Path) -> None:
    got = {s.label: s for s in collect_hwmon(tree(tmp_path, "sysfs_amd_server"))}
    assert [got[x].value for x in ("Tctl", "Tccd1", "Tccd2")] == [48.25, 45.5, 44.75]
    assert got["Tctl"].max_value is None and got["Tctl"].crit_value is None
    assert got["Tctl"].device == "0000:00:18.3"
    disk = got["temp1"]
    assert (disk.chip, disk.device, disk.value) == ("drivetemp", "sda", 33.0)
    assert (disk.max_value, disk.crit_value) == (60.0, 70.0)


def test_throttle_counts(tmp_path: Path) -> None:
    t = collect_throttle(tree(tmp_path, "sysfs_intel_server"))
    assert t.package == {0: 4}
    assert t.core == {(0, 0): 0, (0, 1): 17}
    assert collect_throttle(tree(tmp_path / "amd", "sysfs_amd_server")).package == {}


def test_bad_sensors_are_marked_not_fatal(tmp_path: Path) -> None:
    fs = tree(tmp_path, "sysfs_bad_sensors")
    fifos = [fs.path("class/hwmon/hwmon1/temp2_input"), fs.path("class/hwmon/hwmon2/temp1_input")]
    reader = BoundedReader(timeout_seconds=1.0, workers=1)  # generous: a loaded CI box must not fail the healthy chip
    try:
        t0 = time.monotonic()
        got = {f"{s.hwmon}/{s.kind}{s.index}": s for s in collect_hwmon(fs, reader)}
        assert time.monotonic() - t0 < 5.0, "a hung chip stalled the collection"
        assert got["hwmon0/temp2"].status == "error" and "EIO" in (got["hwmon0/temp2"].reason or "")
        assert got["hwmon0/temp3"].status == "error"
        assert got["hwmon0/temp4"].status == "implausible" and got["hwmon0/temp4"].value is None
        assert got["hwmon0/temp5"].status == "implausible" and got["hwmon0/temp5"].max_value is None
        assert got["hwmon0/temp6"].status == "ok" and got["hwmon0/temp6"].value == 40.0
        assert got["hwmon0/temp6"].max_value == 127.0
        assert got["hwmon0/temp7"].status == "error"
        assert got["hwmon0/temp8"].status == "error"
        assert got["hwmon0/fan1"].status == "implausible"
        # Only the hung attribute is slow: the chip's channels after it are read by a fresh thread.
        assert got["hwmon1/temp1"].status == "ok" and got["hwmon1/temp1"].value == 35.0
        assert got["hwmon1/temp2"].status == "slow" and "1 s" in (got["hwmon1/temp2"].reason or "")
        assert got["hwmon1/temp3"].status == "ok" and got["hwmon1/temp3"].value == 36.0
        assert got["hwmon2/temp1"].status == "slow"
        # Next tick: hung attributes are not read again while parked (their files did not
        # change); every other channel is, though the hung reads hold threads (one worker).
        again = {f"{s.hwmon}/{s.kind}{s.index}": s for s in collect_hwmon(fs, reader)}
        assert "has not returned" in (again["hwmon1/temp2"].reason or "")
        assert "has not returned" in (again["hwmon2/temp1"].reason or "")
        assert again["hwmon1/temp1"].value == 35.0 and again["hwmon1/temp3"].value == 36.0
        assert again["hwmon0/temp6"].status == "ok"
        threads = threading.active_count()
        collect_hwmon(fs, reader)
        assert threading.active_count() == threads, "a parked read must not cost a thread per tick"
    finally:
        for fifo in fifos:
            release(fifo)
    # Once the parked reads return, the attributes are read afresh (and park again: no writer).
    deadline = time.monotonic() + 10
    while True:
        third = {f"{s.hwmon}/{s.kind}{s.index}": s for s in collect_hwmon(fs, reader)}
        if "has not returned" not in (third["hwmon2/temp1"].reason or "") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert third["hwmon2/temp1"].status == "slow" and "no answer" in (third["hwmon2/temp1"].reason or "")
    for fifo in fifos:
        release(fifo)


def release(fifo: Path, timeout: float = 5.0) -> None:
    """Give a reader blocked in open() on ``fifo`` its EOF: open a writer and close it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as err:  # ENXIO: no reader has opened it yet
            if err.errno != errno.ENXIO:
                raise
            time.sleep(0.02)
            continue
        os.close(fd)
        return


class EagainFS(SysFS):
    """A rooted sysfs whose one attribute answers EAGAIN, as a busy SMBus driver does."""

    def read_text(self, rel: str, *, one_record: bool = False) -> str:
        if rel.endswith("hwmon1/temp2_input"):
            raise SourceUnavailable(describe_oserror(OSError(errno.EAGAIN, "busy"), self.path(rel)))
        return super().read_text(rel, one_record=one_record)


def test_eagain_is_an_error_with_reason(tmp_path: Path) -> None:
    fs = EagainFS(materialise("sysfs_intel_server.txt", tmp_path) / "sys")
    got = {s.label if s.status == "ok" else f"{s.hwmon}/{s.kind}{s.index}": s for s in collect_hwmon(fs)}
    bad = got["hwmon1/temp2"]
    assert bad.status == "error" and "EAGAIN" in (bad.reason or "")
    reading = collect_sensors(fs, Config())
    assert not [a for a in sensors_alerts(reading, Config()) if "temp2" in a.subject]


def test_sensors_combine_dedupes_zones_and_adds_throttle(tmp_path: Path) -> None:
    reading = collect_sensors(tree(tmp_path, "sysfs_intel_server"), Config())
    ids = [s.id for s in reading.sensors]
    assert "thermal_zone0" not in ids  # acpitz is already a hwmon chip
    assert "thermal_zone1" in ids  # x86_pkg_temp is not
    by_label = {s.label: s for s in reading.sensors}
    assert by_label["Package id 0"].throttle_count_total == 4
    assert by_label["Core 1"].throttle_count_total == 17
    assert by_label["Composite"].throttle_count_total is None
    assert by_label["Core 0"].thresholds_from == "chip"


def test_alerts_from_chip_limits(tmp_path: Path) -> None:
    reading = collect_sensors(tree(tmp_path, "sysfs_intel_server"), Config())
    alerts = {(a.subject, a.severity) for a in sensors_alerts(reading, Config())}
    assert alerts == {("coretemp.0/Core 1", Severity.WARNING), ("nct6775.656/fan2", Severity.WARNING)}


def test_config_overrides_win(tmp_path: Path) -> None:
    config = Config(sensors=SensorsConfig(overrides=(
        SensorOverride(match="coretemp/Core *", high=90.0, critical=95.0),
        SensorOverride(match="nvme0/*", high=30.0),
    )))
    reading = collect_sensors(tree(tmp_path, "sysfs_intel_server"), config)
    by_label = {s.label: s for s in reading.sensors}
    core1 = by_label["Core 1"]
    assert (core1.high_celsius, core1.critical_celsius, core1.chip_high_celsius) == (90.0, 95.0, 84.0)
    assert core1.thresholds_from == "config"
    assert by_label["Composite"].high_celsius == 30.0
    assert by_label["Composite"].critical_celsius == pytest.approx(84.85)
    subjects = {a.subject: a.severity for a in sensors_alerts(reading, config)}
    assert "coretemp.0/Core 1" not in subjects
    assert subjects["nvme0/Composite"] is Severity.WARNING


def test_global_threshold_applies_without_override(tmp_path: Path) -> None:
    config = Config(thresholds=Thresholds(temperature_celsius=Level(50.0, 60.0)))
    reading = collect_sensors(tree(tmp_path, "sysfs_intel_server"), config)
    sev = {a.subject: a.severity for a in sensors_alerts(reading, config)}
    assert sev["coretemp.0/Package id 0"] is Severity.CRITICAL
    assert sev["coretemp.0/Core 0"] is Severity.WARNING


def test_no_sensors_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="no temperature sensors"):
        collect_sensors(tree(tmp_path, "sysfs_no_sensors"), Config())
    with pytest.raises(SourceUnavailable):
        collect_sensors(SysFS(tmp_path / "empty"), Config())


def test_json_and_metrics(tmp_path: Path) -> None:
    reading = collect_sensors(tree(tmp_path, "sysfs_intel_server"), Config())
    rows = sensors_json(reading)
    assert {"chip", "label", "celsius", "high_celsius", "critical_celsius", "source"} <= set(rows[0])
    fan = next(r for r in rows if r["kind"] == "fan")
    assert fan["celsius"] is None and fan["rpm"] == 1240.0
    names = {m.name for m in sensors_metrics(reading)}
    assert {"sensor_temperature_celsius", "sensor_temperature_high_celsius", "sensor_fan_rpm", "sensor_alarm",
            "sensor_thermal_throttle_total", "sensor_read_ok"} <= names
    assert not any(m.name.startswith("edgetop_") for m in sensors_metrics(reading))
    series = [(m.name, m.labels) for m in sensors_metrics(reading)]
    assert len(series) == len(set(series)), "duplicate Prometheus series"


def test_thresholds_from_a_config_file(tmp_path: Path) -> None:
    from edgetop.config import parse_config

    config = parse_config(
        "sensors:\n  read_timeout: 0.2\n  overrides:\n    - match: 'nvme*/Composite'\n      high: 30\n"
        "thresholds:\n  temperature_celsius: {warn: 85, crit: 95}\n"
    )
    reading = collect_sensors(tree(tmp_path, "sysfs_intel_server"), config)
    by_label = {s.label: s for s in reading.sensors}
    assert by_label["Composite"].high_celsius == 30.0
    assert (by_label["Core 1"].high_celsius, by_label["Core 1"].critical_celsius) == (85.0, 95.0)
    assert {a.subject for a in sensors_alerts(reading, config)} == {"nvme0/Composite", "coretemp.0/Core 1",
                                                                     "nct6775.656/fan2"}


def test_demo_spec_reads_bundled_tree(tmp_path: Path) -> None:
    ctx = demo_context(Config(), ProcFS(tmp_path), SysFS(tmp_path))
    (spec,) = sensors_mod.specs(ctx)
    assert (spec.name, spec.lane, spec.json_key, spec.pane) == ("sensors", "local", "sensors", "sensors")
    reading = spec.build(ctx)()
    assert isinstance(reading, SensorsReading)
    assert any(s.label == "Core 1" for s in reading.sensors)
    live = Context(Config(), ProcFS(tmp_path), SysFS(tmp_path))
    with pytest.raises(SourceUnavailable):
        spec.build(live)()
