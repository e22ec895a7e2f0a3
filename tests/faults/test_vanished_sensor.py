"""A sensor whose files disappear is shown gone, with its last value, and alerts; it is never silently healthy."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.faults.run import FIXTURE_PROC, QUIET, exporter, metric, tui
from tests.fixtures.tree import materialise

CORETEMP = "class/hwmon/hwmon1"


def tree(tmp_path: Path) -> Path:
    sys_root = materialise("sysfs_intel_server.txt", tmp_path / "tree") / "sys"
    # No hold: an alert clears on the tick its cause goes (the hold is engine.alert_state's, tested there).
    (tmp_path / "c.yaml").write_text(QUIET + "alerts: {hold_seconds: 0}\n")
    return sys_root


def vanish(sys_root: Path, channel: str) -> Path:
    """Move a channel's files away (as a driver does when the sensor goes); return where they went."""
    keep = sys_root.parent / f"removed-{channel}"
    keep.mkdir()
    for f in (sys_root / CORETEMP).glob(f"{channel}_*"):
        shutil.move(f, keep / f.name)
    return keep


def bring_back(sys_root: Path, keep: Path) -> None:
    for f in keep.iterdir():
        shutil.move(f, sys_root / CORETEMP / f.name)


def test_exporter_counts_a_vanished_sensor_as_a_warning_until_it_returns(tmp_path: Path) -> None:
    sys_root = tree(tmp_path)
    with exporter(tmp_path, "--config", "c.yaml", "--sysfs", str(sys_root), "--procfs", str(FIXTURE_PROC),
                  "--interval", "0.5") as ex:
        body = ex.wait_for(lambda b: metric(b, "sensor_temperature_celsius", sensor="hwmon1/temp2") == 58,
                           what="Core 0 read")
        assert metric(body, "alerts", severity="warning") == 2  # Core 1 over its high limit, fan2's alarm
        keep = vanish(sys_root, "temp2")  # Core 0: no alert of its own before it went
        body = ex.wait_for(lambda b: metric(b, "sensor_read_ok", sensor="hwmon1/temp2") == 0,
                           what="Core 0 still listed, not ok")
        assert metric(body, "sensor_temperature_celsius", sensor="hwmon1/temp2") is None
        assert metric(body, "alerts", severity="warning") == 3
        bring_back(sys_root, keep)
        body = ex.wait_for(lambda b: metric(b, "sensor_temperature_celsius", sensor="hwmon1/temp2") == 58,
                           what="Core 0 back")
        assert metric(body, "alerts", severity="warning") == 2


def test_tui_shows_the_vanished_sensor_with_its_last_value_and_alert(tmp_path: Path) -> None:
    sys_root = tree(tmp_path)
    with tui(tmp_path, "--config", "c.yaml", "--sysfs", str(sys_root), "--procfs", str(FIXTURE_PROC),
             "--interval", "0.5") as t:
        t.wait_for(lambda s: "6 Sensors" in s, what="the app started")
        t.keys("6")
        t.wait_for(lambda s: row(s, "Core 1") is not None and "86.0°C" in (row(s, "Core 1") or ""),
                   what="Core 1 at 86 °C")
        keep = vanish(sys_root, "temp3")  # Core 1, over its high limit: its alert must not just clear
        screen = t.wait_for(lambda s: "gone" in (row(s, "Core 1") or ""), what="Core 1 shown gone")
        line = row(screen, "Core 1") or ""
        assert "last 86.0 °C" in line and "ago" in line, line
        assert "1 gone" in screen
        t.keys("1")
        screen = t.wait_for(lambda s: "Alerts (" in s, what="the overview")
        alert = next((ln for ln in screen.splitlines() if "Core 1" in ln), "")
        assert "WARNING" in alert and "sensor vanished" in alert and "last 86 °C" in alert, screen
        t.keys("6")
        bring_back(sys_root, keep)
        screen = t.wait_for(lambda s: "86.0°C" in (row(s, "Core 1") or ""), what="Core 1 back")
        assert "gone" not in screen


def row(screen: str, label: str) -> str | None:
    """The table row of the coretemp sensor ``label``."""
    return next((ln for ln in screen.splitlines() if ln.lstrip().startswith("coretemp") and f" {label} " in ln),
                None)
