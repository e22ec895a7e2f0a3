"""A golden ``edgetop snapshot`` over the vm-steal fixture roots (CONTRIBUTING.md, Test).

Run as a user would, in a subprocess. Normalised before the diff: the timestamp, every
duration, the fixture path, and the sections whose data does not come from the fixture roots
(libvirt, hypervisor, NTP, SNMP, services), of which only the presence of the key and of each
collector's ``sources`` entry is compared. Everything else must match the reviewed golden
exactly. ``EDGETOP_UPDATE_GOLDEN=1`` rewrites the golden: review the diff before committing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
GOLDEN = HERE / "golden-vm-steal.json"
FIXTURE = REPO / "tests" / "fixtures" / "hosts" / "vm-steal" / "sample1"

# Sources that are not the fixture roots: a daemon, a socket, the network or PID 1.
NOT_FIXTURE_SECTIONS = ("domains", "hypervisor", "ntp", "snmp", "services",
                        "smart", "storage_pools", "domain_disks")  # smartctl installed or not; libvirt
# This machine's kernel log and libvirtd log (/dev/kmsg, /var/log/libvirt): the events section,
# its collectors (events:*) and the alerts they raise.
NOT_FIXTURE_SECTIONS += ("events", "kernel", "libvirtd.log")
# Set-up checks that read this machine rather than the fixture roots: /dev/kvm (the virt
# checks lean on it), uname, /etc/libvirt, dmesg, libvirt's own error text, the time sources.
NOT_FIXTURE_CHECKS = ("virt.", "time.", "libvirt.connection", "libvirt.version", "libvirt.tcp_listener",
                      "libvirt.config_permissions", "libvirt.mac_denials",
                      "storage.space", "storage.smart")  # libvirt pools and smartctl: this machine's
CONFIG = """\
# Everything that could reach the network or a daemon is pointed at nothing.
libvirt:
  uri: "test:///nonexistent-edgetop-golden.xml"
  timeout: 1
snmp:
  targets: []
ntp:
  servers: []
  timeout: 0.5
services: []
"""


def _not_fixture(collector: str) -> bool:
    base = collector.split(":", 1)[0]
    return base in NOT_FIXTURE_SECTIONS


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Make a snapshot comparable across runs and machines."""
    text = json.dumps(data).replace(str(FIXTURE), "$FIXTURE")
    out: dict[str, Any] = json.loads(text)
    out["timestamp"] = "<timestamp>"
    for key in NOT_FIXTURE_SECTIONS:
        if key in out:
            out[key] = "<present: not from the fixture roots>"
    sources = {}
    for name, entry in out["sources"].items():
        if _not_fixture(name):
            sources[name] = "<present>"
        else:
            sources[name] = entry | {"duration_seconds": None if entry["duration_seconds"] is None else "<duration>"}
    out["sources"] = sources
    # since/duration are the run's own time; the rest of an alert is the fixture's.
    out["alerts"] = [a | {"since": "<since>", "duration_seconds": "<duration>"}
                     for a in out["alerts"] if not _not_fixture(a["source"])]
    out["checks"] = [c if not c["id"].startswith(NOT_FIXTURE_CHECKS) else
                     c | {"status": "<not from the fixture roots>", "evidence": "<...>", "fix": "<...>"}
                     for c in out["checks"]]
    return out


def run_snapshot(tmp_path: Path) -> dict[str, Any]:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    env = {k: v for k, v in os.environ.items() if k != "EDGETOP_CONFIG"}
    env |= {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_STATE_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "edgetop", "snapshot", "--config", str(config), "--procfs", str(FIXTURE / "proc"),
         "--sysfs", str(FIXTURE / "sys"), "--interval", "0.1"],
        capture_output=True, text=True, timeout=60, env=env, cwd=REPO, check=False,
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_golden_snapshot(tmp_path: Path) -> None:
    raw = run_snapshot(tmp_path)
    got = normalise(raw)
    if os.environ.get("EDGETOP_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(got, indent=2, sort_keys=False) + "\n")
    expected = json.loads(GOLDEN.read_text())
    # top-level keys first, in contract order, for a readable failure
    assert list(got) == list(expected)
    for key in expected:
        hint = f"section {key!r} differs from {GOLDEN.name} (EDGETOP_UPDATE_GOLDEN=1 rewrites it)"
        assert got[key] == expected[key], hint
    # the numbers that matter for a VM: steal counters are there, unknown is null never 0
    assert raw["cpu"]["total"]["steal_seconds_total"] == 0.85
    assert raw["cpu"]["total"]["steal_ratio"] is None  # a still fixture: no ticks between samples, no ratio
    assert all(isinstance(v, dict) and "status" in v for v in raw["sources"].values())
