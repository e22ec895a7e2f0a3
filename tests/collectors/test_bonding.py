"""The /proc/net/bonding parser over several kernels' formats, and bonds read from fixture trees."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgetop.collectors.bonding import collect_bonds, lacp_state_letters, parse_proc_bonding, parse_sysfs_word
from edgetop.errors import ParseError
from edgetop.sources.fs import ProcFS, SysFS
from tests.fixtures.tree import HERE, materialise

BONDING = HERE / "bonding"


def text(name: str) -> str:
    return (BONDING / name).read_text()


def test_2_6_active_backup_without_speed() -> None:
    b = parse_proc_bonding(text("linux-2.6.32_active_backup.txt"), "bond0")
    assert (b.name, b.mode, b.active_slave, b.primary, b.miimon_ms, b.ad) == (
        "bond0", "active-backup", "eth0", None, 100, None)
    assert [(s.name, s.mii_status, s.speed_mbps, s.link_failure_count) for s in b.slaves] == [
        ("eth0", "up", None, 0), ("eth1", "down", None, 2)]
    assert b.hidden == () and b.unknown_lines == ()


def test_3_10_lacp_visible_to_everybody() -> None:
    b = parse_proc_bonding(text("linux-3.10_8023ad.txt"))
    assert b.mode == "802.3ad" and b.xmit_hash_policy == "layer2"
    assert b.ad is not None
    assert (b.ad.aggregator_id, b.ad.number_of_ports, b.ad.actor_key, b.ad.partner_key, b.ad.partner_mac) == (
        1, 2, 33, 4, "00:1c:73:aa:bb:cc")
    assert b.ad.lacp_rate == "slow" and b.ad.min_links == 0 and b.ad.ad_select == "stable"
    assert [s.aggregator_id for s in b.slaves] == [1, 1]
    assert b.hidden == ()


def test_5_15_as_root_has_pdu_details() -> None:
    b = parse_proc_bonding(text("linux-5.15_8023ad_root.txt"))
    assert b.ad is not None and b.ad.system_mac == "3c:ec:ef:10:20:30" and b.ad.system_priority == 65535
    assert (b.updelay_ms, b.downdelay_ms) == (200, 200)
    eno1, eno2, eno3 = b.slaves
    assert (eno1.actor_port_state, eno1.partner_port_state, eno1.partner_mac, eno1.actor_churn) == (
        63, 63, "00:1c:73:aa:bb:cc", "none")
    assert (eno2.aggregator_id, eno2.partner_mac, eno2.actor_churn) == (2, "00:00:00:00:00:00", "churned")
    assert (eno3.mii_status, eno3.speed_mbps, eno3.duplex, eno3.link_failure_count) == ("down", None, None, 3)
    assert b.hidden == () and b.unknown_lines == ()


def test_5_15_unprivileged_says_what_is_hidden() -> None:
    b = parse_proc_bonding(text("linux-5.15_8023ad_user.txt"))
    assert b.ad is not None and b.ad.aggregator_id is None and b.ad.partner_mac is None
    assert any("CAP_NET_ADMIN" in h and "aggregator" in h for h in b.hidden)
    assert any("PDU" in h for h in b.hidden)
    assert [s.aggregator_id for s in b.slaves] == [1, 2, 3]


def test_6_6_lacp_active_and_no_partner() -> None:
    b = parse_proc_bonding(text("linux-6.6_8023ad_nopartner.txt"))
    assert b.ad is not None and b.ad.lacp_active == "on" and b.ad.partner_mac == "00:00:00:00:00:00"


def test_6_6_active_backup_arp_and_primary_reselect() -> None:
    b = parse_proc_bonding(text("linux-6.6_active_backup_arp.txt"))
    assert (b.mode, b.primary, b.active_slave, b.miimon_ms) == ("active-backup", "ens1f0", "ens1f1", 0)
    assert b.slaves[1].speed_mbps == 25000
    assert b.unknown_lines == ()


def test_unknown_lines_from_a_newer_kernel_are_kept() -> None:
    b = parse_proc_bonding(text("future_unknown_lines.txt"))
    assert b.mode == "balance-xor" and b.xmit_hash_policy == "vlan+srcmac"
    assert b.slaves[0].mii_status == "going back" and b.slaves[0].speed_mbps == 40000
    assert set(b.unknown_lines) == {"Coupled Control: on", "Frobnication Level: 7",
                                    "Some new banner without a colon", "Slave Carrier Epoch: 42"}


@pytest.mark.parametrize("bad", ["", "\n\n", "hello world", "MII Status: up\n", "Ethernet Channel Bonding Driver"])
def test_not_a_bonding_file(bad: str) -> None:
    with pytest.raises(ParseError):
        parse_proc_bonding(bad)


def test_short_file_is_partial_not_fatal() -> None:
    b = parse_proc_bonding("Bonding Mode: adaptive load balancing\nMII Status: up\nSlave Interface: eth0\n")
    assert b.mode == "balance-alb" and b.slaves[0].name == "eth0" and b.slaves[0].mii_status is None


@pytest.mark.parametrize(("raw", "word"), [(None, None), ("", None), ("802.3ad 4\n", "802.3ad"), ("fast 1", "fast")])
def test_parse_sysfs_word(raw: str | None, word: str | None) -> None:
    assert parse_sysfs_word(raw) == word


_LINES = st.sampled_from([
    "Bonding Mode: IEEE 802.3ad Dynamic link aggregation", "802.3ad info", "Active Aggregator Info:",
    "\tAggregator ID: 1", "\tPartner Mac Address: 00:00:00:00:00:00", "Slave Interface: eth0", "MII Status: up",
    "Speed: 10000 Mbps", "Speed: Unknown", "Aggregator ID: N/A", "details actor lacp pdu:", "    port state: 61",
    "Link Failure Count: x", "bond bond0 has no active aggregator", ": :", "Duplex:", "",
])


@settings(max_examples=300)
@given(st.lists(st.one_of(_LINES, st.text(max_size=30)), max_size=30))
def test_parser_raises_only_parse_error(lines: list[str]) -> None:
    with contextlib.suppress(ParseError):
        parse_proc_bonding("\n".join(lines), "bond0")


def test_collect_8023ad_tree(tmp_path: Path) -> None:
    root = materialise("sysfs_bond_8023ad.txt", tmp_path)
    bonds, notes = collect_bonds(ProcFS(root / "proc"), SysFS(root / "sys"))
    assert notes == []
    (b,) = bonds
    assert [s.state for s in b.slaves] == ["active", "backup", "backup"]
    assert b.ad is not None and b.ad.aggregator_id == 1


def test_sysfs_fills_what_the_unprivileged_proc_file_hides(tmp_path: Path) -> None:
    root = materialise("sysfs_bond_8023ad.txt", tmp_path)
    shutil.copy(BONDING / "linux-5.15_8023ad_user.txt", root / "proc/net/bonding/bond0")
    (b,), _ = collect_bonds(ProcFS(root / "proc"), SysFS(root / "sys"))
    assert b.ad is not None and b.ad.aggregator_id == 1 and b.ad.partner_mac == "00:1c:73:aa:bb:cc"
    assert b.hidden == ()
    # and when sysfs reads empty too (no CAP_NET_ADMIN), the hidden note stays
    for name in ("ad_aggregator", "ad_num_ports", "ad_actor_key", "ad_partner_key", "ad_partner_mac"):
        (root / "sys/class/net/bond0/bonding" / name).write_text("")
    (b,), _ = collect_bonds(ProcFS(root / "proc"), SysFS(root / "sys"))
    assert b.ad is not None and b.ad.aggregator_id is None and b.hidden


def test_bond_from_sysfs_alone(tmp_path: Path) -> None:
    root = materialise("sysfs_bond_active_backup.txt", tmp_path)
    (root / "proc/net/bonding/bond1").unlink()
    (b,), notes = collect_bonds(ProcFS(root / "proc"), SysFS(root / "sys"))
    assert (b.mode, b.active_slave, b.primary, b.miimon_ms) == ("active-backup", "eth0", "eth0", 100)
    assert [(s.name, s.mii_status, s.link_failure_count, s.state) for s in b.slaves] == [
        ("eth0", "up", 0, "active"), ("eth1", "up", 2, "backup")]
    assert notes == []


def test_vanished_and_garbled_bonds_are_notes(tmp_path: Path) -> None:
    root = materialise("sysfs_bond_active_backup.txt", tmp_path)
    (root / "sys/class/net/bonding_masters").write_text("bond1 bond9\n")
    (root / "proc/net/bonding/bond7").write_text("not a bond\n")
    bonds, notes = collect_bonds(ProcFS(root / "proc"), SysFS(root / "sys"))
    assert [b.name for b in bonds] == ["bond1"]
    assert any("bond9" in n and "vanished" in n for n in notes)
    assert any("bond7" in n for n in notes)


def test_no_bonding_at_all(tmp_path: Path) -> None:
    assert collect_bonds(ProcFS(tmp_path), SysFS(tmp_path)) == ([], [])


@pytest.mark.parametrize(("bits", "letters"), [(None, "n/a"), (0, "-"), (61, "AGSCD"), (63, "ATGSCD"), (1, "A"),
                                               (69, "AGF"), (0xFF, "ATGSCDFE")])
def test_lacp_state_letters(bits: int | None, letters: str) -> None:
    assert lacp_state_letters(bits) == letters
