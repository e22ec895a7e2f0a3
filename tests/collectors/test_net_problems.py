"""Consistency checks: bonds, MTU along paths, carrier and speed; flapping over time."""

from __future__ import annotations

from pathlib import Path

from edgetop.collectors.bonding import Bond, BondSlave
from edgetop.collectors.net_problems import find_problems, flapping
from edgetop.collectors.network import FLAP_HOLD_SECONDS, NetworkDeriver, collect_network, network_alerts
from edgetop.collectors.sys_class_net import NetInterface
from edgetop.config_schema import Config, NetworkConfig
from edgetop.model.alerts import Severity
from edgetop.sources.fs import ProcFS, SysFS
from tests.fixtures.tree import materialise


def problems(tmp_path: Path, name: str, config: Config | None = None) -> set[tuple[str, str, str]]:
    root = materialise(f"{name}.txt", tmp_path)
    reading = collect_network(ProcFS(root / "proc"), SysFS(root / "sys"), config or Config())
    return {(p.kind, p.severity, p.subject) for p in reading.problems}


def test_8023ad_bond_with_faults(tmp_path: Path) -> None:
    assert problems(tmp_path, "sysfs_bond_8023ad") == {
        ("slave_down", "warning", "bond0/eno3"),
        ("aggregator_mismatch", "warning", "bond0/eno2"),
        ("no_lacp_partner", "warning", "bond0/eno2"),
        ("mtu_mismatch", "warning", "bond0/eno3"),
    }


def test_active_backup_speed_mismatch(tmp_path: Path) -> None:
    assert problems(tmp_path, "sysfs_bond_active_backup") == {("bond_speed_mismatch", "warning", "bond1")}


def test_bridge_taps_vlan_and_carrier(tmp_path: Path) -> None:
    got = problems(tmp_path, "sysfs_bridge_taps")
    assert got == {
        ("mtu_mismatch", "warning", "br0/vnet1"),
        ("mtu_mismatch", "warning", "eno2/eno2.200"),
        ("carrier_down", "warning", "eno2"),
    }
    # virbr0 without guests and eno2.200 above a dead parent raise nothing of their own
    assert not any(s in ("virbr0", "eno2.200") for _, _, s in got)


def test_expected_speed(tmp_path: Path) -> None:
    config = Config(network=NetworkConfig(expected_speed_mbps={"eno*": 40000, "vnet*": 1000}))
    got = problems(tmp_path, "sysfs_bridge_taps", config)
    assert ("speed_below_expected", "warning", "eno1") in got
    assert not any(k == "speed_below_expected" and s in ("eno2", "vnet0", "vnet1") for k, _, s in got)


def test_expected_speed_from_a_config_file(tmp_path: Path) -> None:
    from edgetop.config import parse_config

    config = parse_config("network:\n  expected_speed_mbps:\n    'eno*': 100000\n  ignore: ['eno1']\n")
    got = problems(tmp_path, "sysfs_bridge_taps", config)
    # eno1 is ignored, eno2 has no carrier (speed unknown): only eno1.100 (25G VLAN) is slow
    assert {s for k, _, s in got if k == "speed_below_expected"} == {"eno1.100"}


def _iface(name: str, **kw: object) -> NetInterface:
    base: dict[str, object] = dict(name=name, kind="physical", operstate=None, admin_up=None, carrier=None,
                                   speed_mbps=None, duplex=None, mtu=None, master=None, mac=None, ifindex=None,
                                   iflink=None)
    base.update(kw)
    return NetInterface(**base)  # type: ignore[arg-type]


def test_unknown_values_raise_nothing() -> None:
    bond = Bond(name="bond0", mode="802.3ad", slaves=(BondSlave("a"), BondSlave("b")))
    interfaces = [_iface("bond0", kind="bond"), _iface("a", master="bond0"), _iface("b", master="bond0"),
                  _iface("br0", kind="bridge"), _iface("t", kind="tap", master="br0")]
    assert find_problems(interfaces, [bond], {"*": 10000}) == []


def test_all_slaves_down_is_critical() -> None:
    bond = Bond(name="bond0", mode="active-backup",
                slaves=(BondSlave("a", mii_status="down"), BondSlave("b", mii_status="down")))
    got = find_problems([], [bond], {})
    assert {(p.kind, p.severity) for p in got} == {("slave_down", "critical")}


def test_veth_ends_with_different_mtu() -> None:
    a = _iface("va", kind="veth", mtu=9000, link="vb")
    b = _iface("vb", kind="veth", mtu=1500, link="va")
    (p,) = find_problems([a, b], [], {})
    assert (p.kind, p.subject) == ("mtu_mismatch", "va/vb")


def test_flapping_is_held_then_expires() -> None:
    def reading(count: int) -> object:
        from edgetop.collectors.network import NetworkReading
        bond = Bond(name="bond0", mode="active-backup", active_slave="a",
                    slaves=(BondSlave("a", mii_status="up", link_failure_count=count),))
        return NetworkReading((), (bond,), ())

    now = [1000.0]
    derive = NetworkDeriver(clock=lambda: now[0])
    r1, r2, r3 = reading(1), reading(3), reading(3)
    assert derive(None, r1, 0.0).problems == ()  # type: ignore[arg-type]
    view = derive(r1, r2, 1.0)  # type: ignore[arg-type]
    assert [(p.kind, p.subject) for p in view.problems] == [("slave_flapping", "bond0/a")]
    assert "2 more" in view.problems[0].message
    now[0] += 10
    assert len(derive(r2, r3, 1.0).problems) == 1  # type: ignore[arg-type]
    now[0] += FLAP_HOLD_SECONDS
    assert derive(r2, r3, 1.0).problems == ()  # type: ignore[arg-type]
    alerts = network_alerts(view, Config())
    assert alerts[0].severity is Severity.WARNING and alerts[0].source == "network"


def test_flapping_pure() -> None:
    before = [Bond(name="b", slaves=(BondSlave("a", link_failure_count=None),))]
    after = [Bond(name="b", slaves=(BondSlave("a", link_failure_count=5),))]
    assert flapping(before, after) == []  # unknown before: no claim
    assert flapping(after, before) == []
