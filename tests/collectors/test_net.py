"""Interfaces from /sys/class/net fixture trees; rates, JSON, metrics; the demo tree."""

from __future__ import annotations

import contextlib
import filecmp
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors import network as network_mod
from edgetop.collectors.network import NetworkDeriver, NetworkReading, collect_network, network_json, network_metrics
from edgetop.collectors.sys_class_net import (
    classify,
    collect_interfaces,
    parse_flags,
    parse_speed,
    parse_uevent,
    read_interface,
)
from edgetop.config_schema import Config, NetworkConfig
from edgetop.demo import DEMO_DIR, demo_context
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from tests.fixtures.tree import DEMO_MANIFEST, materialise


def trees(tmp_path: Path, name: str) -> tuple[ProcFS, SysFS]:
    root = materialise(f"{name}.txt", tmp_path)
    return ProcFS(root / "proc"), SysFS(root / "sys")


@pytest.mark.parametrize(("text", "expected"), [("0x1003\n", 0x1003), ("0x9", 9), ("1003", 0x1003)])
def test_parse_flags(text: str, expected: int) -> None:
    assert parse_flags(text) == expected


@pytest.mark.parametrize("text", ["", "up", "0x", "0xZZ"])
def test_parse_flags_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_flags(text)


@pytest.mark.parametrize(("text", "expected"), [
    (None, None), ("", None), ("-1", None), ("0", None), ("4294967295", None), ("fast", None),
    ("10000\n", 10000), ("100", 100),
])
def test_parse_speed(text: str | None, expected: int | None) -> None:
    assert parse_speed(text) == expected


def test_parse_uevent() -> None:
    assert parse_uevent("DEVTYPE=vlan\nINTERFACE=eno1.100\nIFINDEX=8\n") == {
        "DEVTYPE": "vlan", "INTERFACE": "eno1.100", "IFINDEX": "8"}
    assert parse_uevent(None) == {}
    assert parse_uevent("garbage\n=\n") == {"": ""}


@pytest.mark.parametrize(("arphrd", "devtype", "entries", "tun", "kind"), [
    (772, None, set(), None, "loopback"),
    (1, "bond", {"bonding"}, None, "bond"),
    (1, None, {"bridge"}, None, "bridge"),
    (1, "vlan", set(), None, "vlan"),
    (1, None, {"tun_flags"}, 0x1002, "tap"),
    (65534, None, {"tun_flags"}, 0x1001, "tun"),
    (1, "wlan", {"device"}, None, "wireless"),
    (1, None, {"device"}, None, "physical"),
    (1, "vxlan", set(), None, "vxlan"),
    (1, None, set(), None, "virtual"),
])
def test_classify(arphrd: int, devtype: str | None, entries: set[str], tun: int | None, kind: str) -> None:
    assert classify(arphrd, devtype, entries, tun) == kind


def test_bridge_with_taps(tmp_path: Path) -> None:
    _, sysfs = trees(tmp_path, "sysfs_bridge_taps")
    got = {i.name: i for i in collect_interfaces(sysfs)}
    assert {n: i.kind for n, i in got.items()} == {
        "lo": "loopback", "eno1": "physical", "eno2": "physical", "br0": "bridge", "virbr0": "bridge",
        "vnet0": "tap", "vnet1": "tap", "eno1.100": "vlan", "eno2.200": "vlan"}
    assert (got["vnet1"].master, got["vnet1"].mtu, got["br0"].mtu) == ("br0", 1500, 9000)
    assert got["eno2.200"].link == "eno2"
    eno2 = got["eno2"]
    assert (eno2.admin_up, eno2.carrier, eno2.speed_mbps, eno2.duplex, eno2.carrier_changes_total) == (
        True, False, None, None, 7)
    lo = got["lo"]
    assert lo.speed_mbps is None and lo.duplex is None  # EINVAL on read: unknown, not 0
    assert got["eno1"].rx_bytes_total == 1234567890 and got["eno1"].speed_mbps == 25000


def test_vanished_interface(tmp_path: Path) -> None:
    _, sysfs = trees(tmp_path, "sysfs_bridge_taps")
    assert read_interface(sysfs, "gone0") is None


class VanishingFS(SysFS):
    """A sysfs where ``eno1`` is unplugged (its directory removed) right after it was listed."""

    def listdir(self, rel: str = "") -> list[str]:
        names = super().listdir(rel)
        if rel == "class/net/eno1":
            import shutil
            shutil.rmtree(self.path(rel))
        return names


def test_interface_vanishing_mid_read(tmp_path: Path) -> None:
    root = materialise("sysfs_bridge_taps.txt", tmp_path)
    got = {i.name: i for i in collect_interfaces(VanishingFS(root / "sys"))}
    gone = got["eno1"]
    assert gone.reason == "vanished while being read"
    assert (gone.mtu, gone.carrier, gone.speed_mbps, gone.rx_bytes_total) == (None, None, None, None)
    reading = collect_network(ProcFS(root / "proc"), SysFS(root / "sys"), Config())
    assert "eno1" not in {i.name for i in reading.interfaces}


def test_no_class_net_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="no network interfaces"):
        collect_network(ProcFS(tmp_path), SysFS(tmp_path), Config())


def test_ignore_globs(tmp_path: Path) -> None:
    procfs, sysfs = trees(tmp_path, "sysfs_bridge_taps")
    reading = collect_network(procfs, sysfs, Config(network=NetworkConfig(ignore=("vnet*", "lo"))))
    assert not any(i.name.startswith("vnet") or i.name == "lo" for i in reading.interfaces)
    assert not any(p.subject == "br0/vnet1" for p in reading.problems)


def test_rates_from_two_samples(tmp_path: Path) -> None:
    procfs, sysfs = trees(tmp_path, "sysfs_bridge_taps")
    first = collect_network(procfs, sysfs, Config())
    stats = sysfs.path("class/net/eno1/statistics")
    (stats / "rx_bytes").write_text(str(1234567890 + 2_000_000) + "\n")
    (stats / "tx_packets").write_text(str(1987654 + 300) + "\n")
    (sysfs.path("class/net/vnet0/statistics") / "rx_bytes").write_text("5\n")  # counter reset
    second = collect_network(procfs, sysfs, Config())
    derive = NetworkDeriver()
    assert derive(None, first, 0.0).rates["eno1"].rx_bytes_per_second is None
    view = derive(first, second, 2.0)
    assert view.rates["eno1"].rx_bytes_per_second == pytest.approx(1_000_000)
    assert view.rates["eno1"].tx_packets_per_second == pytest.approx(150)
    assert view.rates["vnet0"].rx_bytes_per_second is None  # went backwards: unknown, never negative
    section = network_json(view)
    assert set(section) >= {"interfaces", "bonds", "problems"}
    eno1 = next(i for i in section["interfaces"] if i["name"] == "eno1")
    assert {"name", "operstate", "carrier", "speed_mbps", "duplex", "mtu", "master", "kind"} <= set(eno1)
    assert eno1["rx_bytes_per_second"] == pytest.approx(1_000_000)


def test_metrics(tmp_path: Path) -> None:
    procfs, sysfs = trees(tmp_path, "sysfs_bond_8023ad")
    view = NetworkDeriver()(None, collect_network(procfs, sysfs, Config()), 0.0)
    metrics = network_metrics(view)
    names = {m.full_name for m in metrics}
    assert {"node_network_mtu_bytes", "node_network_speed_bytes", "node_network_carrier",
            "node_network_receive_bytes_total", "node_bonding_slaves", "node_bonding_active",
            "edgetop_bond_slave_link_failures_total", "edgetop_bond_slave_up",
            "edgetop_bond_slave_in_active_aggregator", "edgetop_network_problems"} <= names
    speeds = {dict(m.labels)["device"]: m.value for m in metrics if m.full_name == "node_network_speed_bytes"}
    mbps = {i.name: i.speed_mbps for i in view.interfaces if i.speed_mbps is not None}
    assert speeds == {name: value * 125000 for name, value in mbps.items()} and speeds  # bytes/s, as node_exporter
    bonding = {(m.full_name, m.labels): m.value for m in metrics if m.namespace == "node" and "bonding" in m.name}
    assert bonding[("node_bonding_slaves", (("master", "bond0"),))] == 3
    failures = {dict(m.labels)["slave"]: m.value for m in metrics if m.name == "bond_slave_link_failures_total"}
    assert failures == {"eno1": 0.0, "eno2": 0.0, "eno3": 3.0}
    assert all(m.kind == "counter" for m in metrics if m.name.endswith("_total"))


def test_spec_and_demo(tmp_path: Path) -> None:
    ctx = demo_context(Config(), ProcFS(tmp_path), SysFS(tmp_path))
    (spec,) = network_mod.specs(ctx)
    assert (spec.name, spec.lane, spec.json_key, spec.pane) == ("network", "local", "network", "network")
    assert spec.empty_json() == {"interfaces": [], "bonds": [], "problems": []}
    reading = spec.build(ctx)()
    assert isinstance(reading, NetworkReading)
    kinds = {p.kind for p in reading.problems}
    assert {"slave_down", "aggregator_mismatch", "mtu_mismatch", "carrier_down"} <= kinds
    with pytest.raises(SourceUnavailable):  # without --demo the (empty) host root is read, never the demo
        spec.build(Context(Config(), ProcFS(tmp_path), SysFS(tmp_path)))()


def test_demo_tree_matches_its_manifest(tmp_path: Path) -> None:
    """The shipped demo tree is built from tests/fixtures/sysfs_demo.txt: they must not drift."""
    root = materialise(DEMO_MANIFEST, tmp_path, portable=True)
    for src, dst in (("sys", "sysfs"), ("proc", "procfs")):
        for dirpath, _dirs, files in os.walk(root / src):
            for name in files:
                want = Path(dirpath) / name
                have = DEMO_DIR / dst / want.relative_to(root / src)
                if want.is_symlink():
                    assert os.readlink(have) == os.readlink(want), have
                else:
                    assert filecmp.cmp(want, have, shallow=False), f"{have} differs: run python -m tests.fixtures.tree"


@given(st.text(max_size=30))
def test_sysfs_net_parsers_on_any_text(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_flags(text)
    speed = parse_speed(text)
    assert speed is None or speed > 0
    assert isinstance(parse_uevent(text), dict)
