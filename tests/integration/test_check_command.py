"""``edgetop check`` end to end on this machine, as a provisioning script runs it.

The /proc and /sys it reads are fixture trees (``checks_good.txt`` plus an exporter listening
beyond loopback and an account that is root), libvirt is the test driver's ``checks-node.xml``,
and ``dmesg`` and ``chronyc`` are stubs first on PATH (a recorded AppArmor denial of
/dev/kvm; the demo's chrony recording). What only this machine can say (/dev/kvm, /etc/libvirt)
is asserted against what the test itself observes here.
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

from edgetop.collectors.checks.collector import CATALOGUE
from tests.collectors.checks_trees import LIBVIRT_URI, add_process, build

REPO = Path(__file__).resolve().parent.parent.parent
CHRONY_RECORDING = REPO / "edgetop" / "demo" / "ntp" / "chronyc.csv"
DENIAL = ('[ 12.3] audit: type=1400 audit(1700000000.123:42): apparmor="DENIED" operation="open" '
          'profile="libvirt-22222222-0000-4000-8000-000000000001" name="/dev/kvm" pid=4242 comm="qemu-system-x86" '
          'requested_mask="wr" denied_mask="wr"')


@pytest.fixture
def node(tmp_path: Path) -> dict[str, Any]:
    """The fixture roots, a config, stubs on PATH; returns what ``run`` needs."""
    tree = build("good", tmp_path / "node")
    (tree.base / "proc" / "self" / "status").write_text(
        "Name:\tedgetop\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t0\nCpus_allowed_list:\t0\n")
    hz = os.sysconf("SC_CLK_TCK")
    add_process(tree, 4100, ["/usr/bin/python3", "/usr/local/bin/edgetop", "serve", "--listen", "0.0.0.0:9117"],
                cpu_ticks=36 * hz, start_ticks=(86400 - 3600) * hz, cpus="0")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    # any argument (-c, -C clear the log) makes the stub fail: the check would then be unknown, not fail
    dmesg = f"#!/bin/sh\n[ $# -eq 0 ] || exit 64\ncat <<'EOF'\n[    0.0] Linux version 6.1.0\n{DENIAL}\nEOF\n"
    (stubs / "dmesg").write_text(dmesg)
    (stubs / "chronyc").write_text(f"#!/bin/sh\ncat '{CHRONY_RECORDING}'\n")
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    config = tmp_path / "config.yaml"
    config.write_text(f'libvirt: {{uri: "{LIBVIRT_URI}", timeout: 5}}\nntp: {{servers: [], timeout: 1}}\n'
                      "services: []\nsnmp: {targets: []}\n")
    env = {k: v for k, v in os.environ.items() if k != "EDGETOP_CONFIG"}
    env |= {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_STATE_HOME": str(tmp_path / "state"),
            "PATH": f"{stubs}:{env.get('PATH', '/usr/bin:/bin')}", "PYTHONPATH": str(REPO), "COLUMNS": "100"}
    roots = ["--config", str(config), "--procfs", str(tree.base / "proc"), "--sysfs", str(tree.base / "sys")]
    return {"env": env, "roots": roots, "tmp": tmp_path}


def run(node: dict[str, Any], *args: str, roots: bool = True) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "edgetop", "check", *args, *(node["roots"] if roots else [])]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=node["env"], cwd=node["tmp"],
                          check=False)


def kvm_opens_here() -> bool:
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC))
    except OSError:
        return False
    return True


def test_every_check_as_set_up(node: dict[str, Any]) -> None:
    result = run(node, "--json")
    assert result.returncode == 2, result.stderr  # the AppArmor denial of /dev/kvm fails
    data = json.loads(result.stdout)
    assert list(data) == ["schema_version", "timestamp", "checks", "counts", "exit_code"]
    checks = {c["id"]: c for c in data["checks"]}
    assert list(checks) == [c.id for c in CATALOGUE]
    status = {k: c["status"] for k, c in checks.items()}
    # what only this machine can say, against what the test sees here
    assert status.pop("virt.dev_kvm") == ("pass" if kvm_opens_here() else "fail")
    daemon_confs = [Path("/etc/libvirt/libvirtd.conf"), Path("/etc/libvirt/virtproxyd.conf")]
    tcp = status.pop("libvirt.tcp_listener")
    assert (tcp == "unknown") == (not any(p.exists() for p in daemon_confs))
    perms = status.pop("libvirt.config_permissions")
    assert (perms == "unknown") == (not Path("/etc/libvirt").is_dir())
    # no /sys/block in the tree: no device to ask, if smartctl is installed at all
    assert status.pop("storage.smart") == ("pass" if shutil.which("smartctl") else "unknown")
    assert status == {
        # the fixture: vmx, kvm_intel, 6.1 x86_64 (flags and modules judged from the tree's /proc)
        "virt.cpu_flags": "pass", "virt.kvm_modules": "pass", "virt.kernel": "pass",
        # the test driver
        "libvirt.connection": "pass", "libvirt.version": "pass",
        "libvirt.groups": "pass",  # uid 0 in the tree's self/status
        "libvirt.mac_denials": "fail",  # the stub dmesg's denial of /dev/kvm
        "host.cpu_governor": "pass", "host.cpu_min_freq": "pass", "host.hugepages": "pass",
        "host.isolated_cpus": "warn",  # legacy pbx pins a vCPU to CPU 1, outside the isolated 2-3
        "host.vcpu_overcommit": "warn", "host.memory_overcommit": "warn", "host.swap": "pass",
        "guests.disk_bus": "warn", "guests.nic_model": "warn", "guests.balloon": "warn", "guests.guest_agent": "warn",
        "guests.autostart": "warn",
        "monitor.exporter_listen": "warn",  # the fixture's edgetop serve on 0.0.0.0:9117
        "monitor.cpu_cost": "pass",  # 36 s of CPU in an hour
        "monitor.affinity": "pass",  # serve on CPU 0, no vCPU pinned there
        "time.sync": "pass",  # the chrony recording: synchronised, offset 0.1 ms
        "network.problems": "pass",  # eth0 up with carrier
        "storage.space": "fail",  # the test driver reports an error on every guest disk
        "storage.raid": "pass",  # no /proc/mdstat in the tree: no md arrays
    }
    assert checks["libvirt.mac_denials"]["evidence"].endswith(f"last: {DENIAL}")
    assert checks["monitor.exporter_listen"]["evidence"] == (
        "pid 4100 (serve) listens on 0.0.0.0:9117: beyond loopback, without TLS or authentication")
    assert checks["guests.nic_model"]["evidence"] == "emulated NICs: legacy pbx: tap2202 model e1000"
    assert checks["time.sync"]["evidence"].startswith("synchronised by chrony")
    assert checks["host.vcpu_overcommit"]["evidence"] == (
        "6 vCPUs in active guests on 4 host CPUs (libvirt node info): 1.50 per CPU")
    for c in checks.values():  # a fix wherever something is to be done, none where all is well
        if c["status"] in ("warn", "fail"):
            assert c["fix"] is not None
        elif c["status"] == "pass":
            assert c["fix"] is None
    assert data["counts"] == {s: sum(1 for c in checks.values() if c["status"] == s)
                              for s in ("pass", "warn", "fail", "unknown")}
    assert data["exit_code"] == 2


def test_only_and_exit_codes(node: dict[str, Any]) -> None:
    passing = run(node, "--json", "--only", "host.swap", "virt.kernel", "network")
    assert passing.returncode == 0, passing.stderr
    assert [c["id"] for c in json.loads(passing.stdout)["checks"]] == ["virt.kernel", "host.swap", "network.problems"]
    warning = run(node, "--json", "--only", "guests.*", "host.swap")
    assert warning.returncode == 1
    assert {c["status"] for c in json.loads(warning.stdout)["checks"]} == {"warn", "pass"}
    assert run(node, "--only", "libvirt").returncode == 2


def test_table(node: dict[str, Any]) -> None:
    result = run(node, "--only", "libvirt.mac_denials", "host.swap", "guests.autostart")
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["STATUS", "CHECK", "EVIDENCE"]
    assert lines[1].startswith("FAIL    libvirt.mac_denials  1 denial for QEMU in dmesg (2 lines); last: [ 12.3]")
    assert all(len(line) <= 100 for line in lines)  # wrapped to COLUMNS
    assert any(line.strip().startswith("fix: The security profile keeps QEMU from /dev/kvm") for line in lines)
    assert any(line.startswith("pass    host.swap") for line in lines)
    assert any(line.startswith("WARN    guests.autostart") for line in lines)
    assert lines[-1] == "3 checks: 1 pass, 1 warn, 1 fail, 0 unknown (exit 2)"


@pytest.mark.parametrize(("args", "message"), [
    (["--only", "virt.nosuch"], "edgetop: --only: no check matches virt.nosuch"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["--interval", "abc"], "invalid float value"),
])
def test_cannot_check_is_3(node: dict[str, Any], args: list[str], message: str) -> None:
    result = run(node, *args)
    assert result.returncode == 3 and message in result.stderr and result.stdout == ""


def test_bad_config_is_3_under_check_and_2_elsewhere(node: dict[str, Any]) -> None:
    bad = node["tmp"] / "bad.yaml"
    bad.write_text("interval: fast\n")
    checked = run(node, "--config", str(bad), roots=False)
    assert checked.returncode == 3 and "bad.yaml:1: interval: expected a number" in checked.stderr
    snapshot = subprocess.run([sys.executable, "-m", "edgetop", "snapshot", "--config", str(bad)], capture_output=True,
                              text=True, timeout=60, env=node["env"], cwd=node["tmp"], check=False)
    assert snapshot.returncode == 2


def test_a_hung_libvirtd_is_a_failed_check_not_a_hung_command(node: dict[str, Any]) -> None:
    """A libvirtd that accepts and never answers: the connection check fails after the timeout."""
    import socket
    import time

    path = node["tmp"] / "libvirt-sock"
    with socket.socket(socket.AF_UNIX) as wedged:
        wedged.bind(str(path))
        wedged.listen(8)
        t0 = time.monotonic()
        result = run(node, "--json", "--only", "libvirt.connection", "virt.kernel", "--connect",
                     f"qemu+unix:///system?socket={path}")
        elapsed = time.monotonic() - t0
    assert result.returncode == 2, result.stderr
    checks = {c["id"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["libvirt.connection"]["status"] == "fail"
    assert checks["libvirt.connection"]["evidence"] == f"qemu+unix:///system?socket={path}: no answer within 5 s"
    assert checks["virt.kernel"]["status"] == "pass"  # the other checks did not wait for libvirt
    assert elapsed < 20, f"took {elapsed:.1f} s"
