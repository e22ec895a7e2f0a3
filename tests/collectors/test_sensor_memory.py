"""Sensors that vanish stay listed as gone, with their last value, and alert; they never just go quiet."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edgetop.collectors import sensors as sensors_mod
from edgetop.collectors.sensor_memory import GONE_FOR_SECONDS, MAX_GONE, SensorMemory
from edgetop.collectors.sensors import Sensor, SensorsReading, collect_sensors, sensors_alerts, sensors_json
from edgetop.config_schema import Config
from edgetop.errors import SourceUnavailable
from edgetop.model.alerts import Severity
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from tests.fixtures.tree import materialise


def temp(sid: str, label: str, celsius: float | None, status: str = "ok", chip: str = "coretemp") -> Sensor:
    return Sensor(id=sid, chip=chip, device="coretemp.0", label=label, kind="temp", source="hwmon",
                  celsius=celsius, high_celsius=84.0, status=status)


CHIP = (temp("hwmon1/temp1", "Package id 0", 61.0), temp("hwmon1/temp2", "Core 0", 58.0),
        temp("hwmon1/temp3", "Core 1", 86.0))


def test_a_vanished_sensor_stays_gone_with_its_last_value_in_chip_order() -> None:
    memory = SensorMemory()
    memory.update(SensorsReading(CHIP), now=100.0)
    after = memory.update(SensorsReading((CHIP[0], CHIP[2])), now=105.0)
    assert [s.label for s in after.sensors] == ["Package id 0", "Core 0", "Core 1"]
    core0 = after.sensors[1]
    assert (core0.gone, core0.status, core0.celsius) == (True, "gone", None)
    assert (core0.last_celsius, core0.last_seen_timestamp) == (58.0, 100.0)
    assert core0.high_celsius == 84.0  # its limits are still shown
    assert not any(s.gone for s in (after.sensors[0], after.sensors[2]))
    row = next(r for r in sensors_json(after) if r["id"] == "hwmon1/temp2")
    assert row["gone"] is True and row["last_celsius"] == 58.0 and row["celsius"] is None
    back = memory.update(SensorsReading(CHIP), now=110.0)
    assert not any(s.gone for s in back.sensors) and len(back.sensors) == 3


def test_the_vanished_sensor_raises_its_own_warning_instead_of_its_threshold_alert() -> None:
    memory = SensorMemory()
    before = memory.update(SensorsReading(CHIP), now=100.0)
    assert [a.message for a in sensors_alerts(before, Config())] == ["86 °C at or above high 84 °C"]
    after = memory.update(SensorsReading(CHIP[:2]), now=101.0)
    (alert,) = sensors_alerts(after, Config())
    assert (alert.severity, alert.subject) == (Severity.WARNING, "coretemp.0/Core 1")
    assert alert.message.startswith("sensor vanished: its files are gone (last 86 °C, read at ")


def test_a_renumbered_chip_is_the_same_sensor_back() -> None:
    memory = SensorMemory()
    memory.update(SensorsReading(CHIP), now=100.0)
    renumbered = tuple(Sensor(**{**_fields(s), "id": s.id.replace("hwmon1", "hwmon7")}) for s in CHIP)
    after = memory.update(SensorsReading(renumbered), now=101.0)
    assert not any(s.gone for s in after.sensors) and len(after.sensors) == 3


def test_gone_is_forgotten_after_a_bounded_time_and_count() -> None:
    memory = SensorMemory()
    memory.update(SensorsReading(CHIP), now=0.0)
    assert len(memory.update(SensorsReading(()), now=GONE_FOR_SECONDS).sensors) == 3
    assert memory.update(SensorsReading(()), now=GONE_FOR_SECONDS + 1).sensors == ()
    many = tuple(temp(f"hwmon9/temp{n}", f"T{n}", 40.0) for n in range(MAX_GONE + 10))
    memory.update(SensorsReading(many), now=0.0)
    assert len(memory.update(SensorsReading(()), now=1.0).sensors) == MAX_GONE


def test_a_slow_sensor_keeps_its_label_and_last_value() -> None:
    memory = SensorMemory()
    memory.update(SensorsReading(CHIP), now=100.0)
    slow = temp("hwmon1/temp1", "temp1", None, status="slow")  # the hung read was the label's too
    after = memory.update(SensorsReading((slow, *CHIP[1:])), now=102.0)
    pkg = after.sensors[0]
    assert (pkg.label, pkg.status, pkg.celsius, pkg.last_celsius, pkg.last_seen_timestamp) == (
        "Package id 0", "slow", None, 61.0, 100.0)
    assert not pkg.gone


def test_the_spec_lists_every_sensor_gone_when_all_chips_vanish(tmp_path: Path) -> None:
    """A driver unloaded on a box with one chip: gone sensors and alerts, not "no sensors"."""
    sys_root = materialise("sysfs_intel_server.txt", tmp_path) / "sys"
    ctx = Context(Config(), ProcFS(tmp_path / "proc"), SysFS(sys_root))
    (spec,) = sensors_mod.specs(ctx)
    collect = spec.build(ctx)
    first = collect()
    count = len(first.sensors)
    shutil.rmtree(sys_root / "class" / "hwmon")
    shutil.rmtree(sys_root / "class" / "thermal")
    with pytest.raises(SourceUnavailable, match="no temperature sensors"):
        collect_sensors(SysFS(sys_root), Config())  # what the collector sees now
    after = collect()
    assert len(after.sensors) == count and all(s.gone for s in after.sensors)
    assert len([a for a in sensors_alerts(after, Config()) if "vanished" in a.message]) == count


def _fields(s: Sensor) -> dict[str, object]:
    return {name: getattr(s, name) for name in Sensor.__struct_fields__}
