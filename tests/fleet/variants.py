"""Demo variants for the fleet's tests: a changed copy of edgetop/demo, named by ``EDGETOP_DEMO_DIR``.

The bundled demo is the faulty node (bond0 runs on 2 of its 3 slaves, ens1f2 is down;
coretemp's Core 1 is at 86 °C over its 84 °C high limit). The healthy variant repairs both
in a copy: the slave up with its carrier and the bond's MTU, the core at 60 °C; also the
stopped fan and the degraded mirror, so that it raises fewer alerts than the faulty one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from edgetop.demo import DEMO_DIR


def healthy_demo(into: Path) -> Path:
    """A copy of the demo's recordings with the failed bond slave and the hot sensor repaired."""
    copy = into / "demo"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(DEMO_DIR, copy, symlinks=True, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    net = copy / "sysfs" / "class" / "net" / "ens1f2"
    for rel, text in (("bonding_slave/mii_status", "up"), ("operstate", "up"), ("carrier", "1"), ("mtu", "9000")):
        (net / rel).write_text(text + "\n")
    (copy / "sysfs" / "class" / "hwmon" / "hwmon1" / "temp3_input").write_text("60000\n")
    fan = copy / "sysfs" / "class" / "hwmon" / "hwmon3"  # the fan the chip flags as stopped
    (fan / "fan2_input").write_text("1200\n")
    (fan / "fan2_alarm").write_text("0\n")
    mdstat = copy / "procfs" / "mdstat"  # md1's failed mirror half, resynced
    mdstat.write_text(mdstat.read_text().replace("sdd1[1](F)", "sdd1[1]").replace("[2/1] [U_]", "[2/2] [UU]"))
    bonding = copy / "procfs" / "net" / "bonding" / "bond0"  # what the bonding collector reads first
    text = bonding.read_text()
    slave = "Slave Interface: ens1f2\nMII Status: down"
    assert slave in text, "the demo's bond changed: update this variant"
    bonding.write_text(text.replace(slave, "Slave Interface: ens1f2\nMII Status: up"))
    return copy
