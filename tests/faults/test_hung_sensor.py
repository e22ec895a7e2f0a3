"""One sysfs attribute whose read hangs: only that sensor is slow, and it comes back once fixed.

The fixture is the Intel server tree; a FIFO stands in for the hung attribute (opening it
for reading blocks, exactly like a driver stuck in a bus transaction).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tests.faults.run import FIXTURE_PROC, QUIET, edgetop, exporter, metric
from tests.faults.test_hostile_config import NO_DAC
from tests.fixtures.tree import materialise

PACKAGE = "class/hwmon/hwmon1/temp1_input"  # coretemp "Package id 0", 61 °C
ZONE = "class/thermal/thermal_zone1/temp"  # x86_pkg_temp, not a hwmon chip: listed from the zone


def hung_tree(tmp_path: Path) -> Path:
    sys_root = materialise("sysfs_intel_server.txt", tmp_path / "tree") / "sys"
    for rel in (PACKAGE, ZONE):
        (sys_root / rel).unlink()
        os.mkfifo(sys_root / rel)
    (tmp_path / "c.yaml").write_text(QUIET)
    return sys_root


def restore(path: Path, text: str) -> None:
    """Replace the FIFO by a regular file in one step, as a reloaded driver's new attribute appears."""
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(text)
    os.replace(tmp, path)


def test_exporter_keeps_the_chip_and_recovers_without_restart(tmp_path: Path) -> None:
    sys_root = hung_tree(tmp_path)
    with exporter(tmp_path, "--config", "c.yaml", "--sysfs", str(sys_root), "--procfs", str(FIXTURE_PROC),
                  "--interval", "0.5") as ex:
        t0 = time.monotonic()
        body = ex.wait_for(lambda b: metric(b, "sensor_read_ok", sensor="hwmon1/temp1") == 0,
                           what="the hung Package sensor marked not ok")
        # The rest of the chip is read and keeps its alert (Core 1 is at 86 °C, high 84 °C).
        body = ex.wait_for(lambda b: metric(b, "sensor_temperature_celsius", sensor="hwmon1/temp3") == 86,
                           what="Core 1 read despite the hang")
        assert time.monotonic() - t0 < 5
        assert metric(body, "sensor_temperature_celsius", sensor="hwmon1/temp2") == 58
        assert metric(body, "sensor_read_ok", sensor="hwmon1/temp3") == 1
        assert metric(body, "sensor_temperature_celsius", sensor="hwmon1/temp1") is None
        assert metric(body, "sensor_read_ok", sensor="thermal_zone1") == 0
        # Core 1 over its high limit and the nct6779 fan alarm: both warnings stay.
        assert metric(body, "alerts", severity="warning") == 2
        # Still so a few ticks later: the hang costs only its sensor, for as long as it lasts.
        later = ex.wait_for(lambda b: metric(b, "collector_duration_seconds", collector="sensors") is not None
                            and b != body, what="another scrape")
        assert metric(later, "sensor_temperature_celsius", sensor="hwmon1/temp2") == 58
        restore(sys_root / PACKAGE, "62000\n")
        restore(sys_root / ZONE, "63000\n")
        body = ex.wait_for(lambda b: metric(b, "sensor_temperature_celsius", sensor="hwmon1/temp1") == 62
                           and metric(b, "sensor_temperature_celsius", sensor="thermal_zone1") == 63,
                           timeout=10, what="the restored sensors read again, no restart")
        assert metric(body, "sensor_read_ok", sensor="hwmon1/temp1") == 1
        assert metric(body, "alerts", severity="warning") == 2


def test_snapshot_reports_only_the_hung_sensor(tmp_path: Path) -> None:
    sys_root = hung_tree(tmp_path)
    t0 = time.monotonic()
    result = edgetop(tmp_path, "snapshot", "--config", "c.yaml", "--sysfs", str(sys_root), "--interval", "0.2")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - t0 < 20
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    sensors = {s["id"]: s for s in data["sensors"]}
    assert sensors["hwmon1/temp1"]["status"] == "slow" and sensors["hwmon1/temp1"]["celsius"] is None
    assert sensors["thermal_zone1"]["status"] == "slow"
    assert (sensors["hwmon1/temp2"]["celsius"], sensors["hwmon1/temp3"]["celsius"]) == (58.0, 86.0)
    assert sensors["hwmon2/temp1"]["status"] == "ok"
    warnings = {(a["subject"], a["severity"]) for a in data["alerts"] if a["source"] == "sensors"}
    assert ("coretemp.0/Core 1", "warning") in warnings
    assert data["sources"]["sensors"]["status"] == "ok"


def test_an_unreadable_attribute_is_an_error_for_its_sensor_only(tmp_path: Path) -> None:
    """A chmod 000 attribute (read without root's override): that sensor says why, the rest is read."""
    sys_root = materialise("sysfs_intel_server.txt", tmp_path / "tree") / "sys"
    (tmp_path / "c.yaml").write_text(QUIET)
    (sys_root / "class/hwmon/hwmon1/temp2_input").chmod(0)  # Core 0
    result = edgetop(tmp_path, "snapshot", "--config", "c.yaml", "--sysfs", str(sys_root), "--interval", "0.1",
                     prefix=NO_DAC)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    sensors = {s["id"]: s for s in json.loads(result.stdout)["sensors"]}
    core0 = sensors["hwmon1/temp2"]
    assert (core0["status"], core0["celsius"], core0["label"]) == ("error", None, "Core 0")
    assert "permission denied" in core0["reason"]
    assert (sensors["hwmon1/temp1"]["celsius"], sensors["hwmon1/temp3"]["celsius"]) == (61.0, 86.0)
