"""Thermal zones: ARM boards with zones only, trip points, a zone that refuses to read."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgetop.collectors.bounded_reader import BoundedReader
from edgetop.collectors.sensors import collect_sensors, sensors_alerts
from edgetop.collectors.thermal_zones import collect_thermal_zones, parse_trip_temp
from edgetop.config_schema import Config
from edgetop.model.alerts import Severity
from edgetop.sources.fs import SysFS
from tests.fixtures.tree import materialise


@pytest.mark.parametrize(("text", "expected"), [
    (None, None), ("", None), ("abc", None), ("0", None), ("2147483647", None), ("-274000", None),
    ("95000\n", 95.0), ("70000", 70.0),
])
def test_parse_trip_temp(text: str | None, expected: float | None) -> None:
    assert parse_trip_temp(text) == expected


def test_arm_board_zones(tmp_path: Path) -> None:
    fs = SysFS(materialise("sysfs_arm_board.txt", tmp_path) / "sys")
    zones = {z.type: z for z in collect_thermal_zones(fs, BoundedReader(1.0))}
    cpu = zones["cpu-thermal"]
    assert cpu.celsius == pytest.approx(52.777)
    assert [t.kind for t in cpu.trips] == ["passive", "passive", "critical"]
    assert (cpu.high_celsius, cpu.critical_celsius, cpu.mode) == (70.0, 95.0, "enabled")
    soc = zones["soc-thermal"]
    assert soc.status == "error" and soc.celsius is None and "EIO" in (soc.reason or "")
    assert "cooling_device0" not in {z.zone for z in zones.values()}


def test_arm_board_sensors_and_alerts(tmp_path: Path) -> None:
    fs = SysFS(materialise("sysfs_arm_board.txt", tmp_path) / "sys")
    reading = collect_sensors(fs, Config())
    assert [s.source for s in reading.sensors] == ["thermal"] * 3
    alerts = sensors_alerts(reading, Config())
    assert [(a.subject, a.severity) for a in alerts] == [("gpu-thermal/zone1", Severity.CRITICAL)]


def test_no_thermal_dir(tmp_path: Path) -> None:
    assert collect_thermal_zones(SysFS(tmp_path)) == []
