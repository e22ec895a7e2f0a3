"""Real network namespaces: veth pairs and a bridge at MTU 9000 and 1500, read through the collectors.

The test re-runs this file inside ``unshare --net --mount``: there it builds the links with
``ip``, mounts a fresh sysfs (which shows the new namespace's interfaces) on a temporary
directory, runs the normal ``network`` collector over ``SysFS(that directory)`` and prints
the JSON section. Both namespaces die with that process, so nothing is left to clean up.
This kernel has no bonding driver: bonds are covered by fixture trees.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

# (argv) run in order inside the namespace.
SETUP: tuple[tuple[str, ...], ...] = (
    ("ip", "link", "add", "br0", "type", "bridge"),
    ("ip", "link", "add", "v1", "type", "veth", "peer", "name", "v1p"),
    ("ip", "link", "add", "v2", "type", "veth", "peer", "name", "v2p"),
    ("ip", "link", "add", "vx", "type", "veth", "peer", "name", "vy"),
    ("ip", "link", "add", "v3", "type", "veth", "peer", "name", "v3p"),
    ("ip", "tuntap", "add", "tap0", "mode", "tap"),
    ("ip", "link", "set", "v1", "mtu", "9000"),
    ("ip", "link", "set", "v1p", "mtu", "9000"),
    ("ip", "link", "set", "v1", "master", "br0"),
    ("ip", "link", "set", "v2", "master", "br0"),
    ("ip", "link", "set", "tap0", "master", "br0"),
    # Set after the ports join: a bridge MTU set by hand sticks (kernel >= 4.17) instead of
    # following the smallest port, which is exactly how a jumbo bridge ends up with a 1500 port.
    ("ip", "link", "set", "br0", "mtu", "9000"),
    ("ip", "link", "set", "vx", "mtu", "9000"),
    *(("ip", "link", "set", name, "up") for name in ("br0", "v1", "v1p", "v2", "v2p", "vx", "vy", "v3", "tap0")),
)


def probe(sysdir: str) -> None:
    """Inside the namespaces: build the links, mount sysfs, print the collector's JSON."""
    from edgetop.collectors.network import NetworkDeriver, collect_network, network_json
    from edgetop.config_schema import Config
    from edgetop.sources.fs import ProcFS, SysFS

    for argv in SETUP:
        subprocess.run(argv, check=True, timeout=20, capture_output=True)
    subprocess.run(["mount", "-t", "sysfs", "sysfs", sysdir], check=True, timeout=20)
    procfs, sysfs = ProcFS("/proc"), SysFS(sysdir)
    first = collect_network(procfs, sysfs, Config())
    second = collect_network(procfs, sysfs, Config())
    print(json.dumps(network_json(NetworkDeriver()(first, second, 1.0))))


def run_probe(tmp_path: Path) -> dict[str, Any]:
    for tool in ("unshare", "ip", "mount"):
        assert shutil.which(tool), f"{tool} is needed for the namespace test (apt-get install iproute2 util-linux)"
    sysdir = tmp_path / "sys"
    sysdir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        ["unshare", "--net", "--mount", "--", sys.executable, __file__, str(sysdir)],
        capture_output=True, text=True, timeout=120, env=env, cwd=REPO, check=False,
    )
    assert proc.returncode == 0, f"probe failed: {proc.stderr[-2000:]}"
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


@pytest.mark.netns
def test_bridge_veth_tap_mtu_in_a_real_namespace(tmp_path: Path) -> None:
    host_before = set(os.listdir("/sys/class/net"))
    section = run_probe(tmp_path)
    assert set(os.listdir("/sys/class/net")) == host_before, "the test changed the host's interfaces"
    ifaces = {i["name"]: i for i in section["interfaces"]}
    assert set(ifaces) == {"lo", "br0", "v1", "v1p", "v2", "v2p", "vx", "vy", "v3", "v3p", "tap0"}
    kinds = {n: i["kind"] for n, i in ifaces.items()}
    assert kinds["br0"] == "bridge" and kinds["lo"] == "loopback" and kinds["tap0"] == "tap"
    assert {kinds[n] for n in ("v1", "v1p", "v2", "vx", "vy", "v3")} == {"veth"}
    assert (ifaces["br0"]["mtu"], ifaces["v1"]["mtu"], ifaces["v2"]["mtu"]) == (9000, 9000, 1500)
    assert ifaces["v1"]["master"] == "br0" and ifaces["v1"]["link"] == "v1p"
    assert ifaces["v1"]["carrier"] is True and ifaces["v1"]["operstate"] == "up"
    assert ifaces["v3"]["admin_up"] is True and ifaces["v3"]["carrier"] is False  # its peer is down
    assert ifaces["v1"]["rx_bytes_total"] is not None
    problems = {(p["kind"], p["subject"]) for p in section["problems"]}
    assert ("mtu_mismatch", "br0/v2") in problems
    assert ("mtu_mismatch", "br0/tap0") in problems
    assert ("mtu_mismatch", "vx/vy") in problems
    assert ("carrier_down", "v3") in problems
    assert not any(s in ("br0/v1", "v1/v1p", "tap0", "lo") for _, s in problems)
    assert section["bonds"] == []


if __name__ == "__main__":
    probe(sys.argv[1])
