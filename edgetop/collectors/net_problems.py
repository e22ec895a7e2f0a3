"""Consistency checks over interfaces and bonds: what a technician must fix.

Every check speaks only when the facts it needs are known: an unknown speed, MTU or
aggregator never raises a problem (a wrong alert is worse than none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase

import msgspec

from edgetop.collectors.bonding import ZERO_MAC, Bond
from edgetop.collectors.sys_class_net import NetInterface

# Kinds where "admin up but no carrier" means a cable, a switch port or a peer is gone;
# an empty bridge (libvirt's virbr0 with no guests) or an unattached tap is normal.
CARRIER_KINDS = ("physical", "bond", "vlan", "veth")


class Problem(msgspec.Struct, frozen=True):
    """One inconsistency.

    Attributes:
        kind: ``slave_down``, ``slave_flapping``, ``bond_speed_mismatch``,
            ``aggregator_mismatch``, ``no_lacp_partner``, ``no_active_slave``,
            ``mtu_mismatch``, ``speed_below_expected``, ``carrier_down``.
        severity: ``warning`` or ``critical``.
        subject: what it is about (``bond0/eth1``, ``br0/vnet3``).
        message: one sentence a technician can act on.

    """

    kind: str
    severity: str
    subject: str
    message: str


def bond_problems(bond: Bond, by_name: Mapping[str, NetInterface]) -> list[Problem]:
    """Check one bond: slaves down, speeds, aggregators, LACP partner, MTU, active slave."""
    out: list[Problem] = []
    up = [s for s in bond.slaves if s.mii_status == "up"]
    for s in bond.slaves:
        if s.mii_status is not None and s.mii_status != "up":
            sev = "critical" if not up else "warning"
            out.append(Problem("slave_down", sev, f"{bond.name}/{s.name}",
                               f"slave {s.name} of {bond.name} is {s.mii_status} ({len(up)} of "
                               f"{len(bond.slaves)} slaves up)"))
    speeds = sorted({s.speed_mbps for s in up if s.speed_mbps is not None})
    if len(speeds) > 1:
        detail = ", ".join(f"{s.name} {s.speed_mbps} Mb/s" for s in up if s.speed_mbps is not None)
        out.append(Problem("bond_speed_mismatch", "warning", bond.name,
                           f"slaves of {bond.name} run at different speeds ({detail})"))
    if bond.mode == "active-backup" and bond.slaves and up and bond.active_slave is None:
        out.append(Problem("no_active_slave", "critical", bond.name, f"{bond.name} has no active slave"))
    ad = bond.ad
    if ad is not None and bond.mode == "802.3ad":
        out.extend(_lacp_problems(bond, up))
    bond_iface = by_name.get(bond.name)
    if bond_iface is not None and bond_iface.mtu is not None:
        for s in bond.slaves:
            slave_iface = by_name.get(s.name)
            if slave_iface is not None and slave_iface.mtu is not None and slave_iface.mtu != bond_iface.mtu:
                out.append(Problem("mtu_mismatch", "warning", f"{bond.name}/{s.name}",
                                   f"slave {s.name} MTU {slave_iface.mtu} differs from {bond.name} MTU "
                                   f"{bond_iface.mtu}"))
    return out


def _lacp_problems(bond: Bond, up: Sequence[object]) -> list[Problem]:
    ad = bond.ad
    assert ad is not None  # noqa: S101 - checked by the caller
    out: list[Problem] = []
    active = ad.aggregator_id
    if active is not None:
        for s in bond.slaves:
            if s.aggregator_id is not None and s.aggregator_id != active and s.mii_status == "up":
                out.append(Problem("aggregator_mismatch", "warning", f"{bond.name}/{s.name}",
                                   f"slave {s.name} is in aggregator {s.aggregator_id}, not the active "
                                   f"{active}: it carries no traffic (switch ports in different LAGs?)"))
    else:
        ids = sorted({s.aggregator_id for s in bond.slaves if s.aggregator_id is not None and s.mii_status == "up"})
        if len(ids) > 1:
            out.append(Problem("aggregator_mismatch", "warning", bond.name,
                               f"slaves of {bond.name} are in different aggregators {ids}: only one carries "
                               f"traffic"))
    if ad.partner_mac == ZERO_MAC and up:
        out.append(Problem("no_lacp_partner", "critical", bond.name,
                           f"{bond.name} has no LACP partner (partner MAC all zeros): is LACP enabled on the "
                           f"switch ports?"))
    else:
        for s in bond.slaves:
            if s.partner_mac == ZERO_MAC and s.mii_status == "up":
                out.append(Problem("no_lacp_partner", "warning", f"{bond.name}/{s.name}",
                                   f"slave {s.name} receives no LACP PDUs (partner MAC all zeros)"))
    return out


def mtu_problems(interfaces: Sequence[NetInterface]) -> list[Problem]:
    """MTU mismatches along a path: bridge and ports, VLAN above its parent, veth ends."""
    by_name = {i.name: i for i in interfaces}
    out: list[Problem] = []
    for i in interfaces:
        if i.mtu is None:
            continue
        master = by_name.get(i.master) if i.master else None
        if master is not None and master.kind == "bridge" and master.mtu is not None and master.mtu != i.mtu:
            what = "frames above the smaller MTU are dropped"
            out.append(Problem("mtu_mismatch", "warning", f"{master.name}/{i.name}",
                               f"port {i.name} MTU {i.mtu} differs from bridge {master.name} MTU {master.mtu}: "
                               f"{what}"))
        lower = by_name.get(i.link) if i.link else None
        if lower is None or lower.mtu is None:
            continue
        if i.kind == "vlan" and i.mtu > lower.mtu:
            out.append(Problem("mtu_mismatch", "warning", f"{lower.name}/{i.name}",
                               f"VLAN {i.name} MTU {i.mtu} is above its parent {lower.name} MTU {lower.mtu}"))
        elif i.kind == "veth" and lower.kind == "veth" and i.mtu != lower.mtu and i.name < lower.name:
            out.append(Problem("mtu_mismatch", "warning", f"{i.name}/{lower.name}",
                               f"veth ends {i.name} (MTU {i.mtu}) and {lower.name} (MTU {lower.mtu}) differ"))
    return out


def link_problems(interfaces: Sequence[NetInterface], expected_speed_mbps: Mapping[str, int]) -> list[Problem]:
    """Carrier down while administratively up; a speed below what the config expects."""
    by_name = {i.name: i for i in interfaces}
    out: list[Problem] = []
    for i in interfaces:
        master = by_name.get(i.master) if i.master else None
        is_slave = master is not None and master.kind == "bond"
        lower = by_name.get(i.link) if i.link else None
        lower_down = lower is not None and lower.carrier is False  # reported on the lower device
        if i.admin_up and i.carrier is False and i.kind in CARRIER_KINDS and not is_slave and not lower_down:
            out.append(Problem("carrier_down", "critical" if i.kind == "bond" else "warning", i.name,
                               f"{i.name} is administratively up but has no carrier (cable, switch port or peer?)"))
        for pattern, expected in expected_speed_mbps.items():
            if fnmatchcase(i.name, pattern) and i.speed_mbps is not None and i.speed_mbps < expected:
                out.append(Problem("speed_below_expected", "warning", i.name,
                                   f"{i.name} runs at {i.speed_mbps} Mb/s, expected {expected} Mb/s"))
                break
    return out


def find_problems(interfaces: Sequence[NetInterface], bonds: Sequence[Bond],
                  expected_speed_mbps: Mapping[str, int]) -> list[Problem]:
    """Every problem of the current sample (flapping needs two samples: see network.py)."""
    by_name = {i.name: i for i in interfaces}
    out: list[Problem] = []
    for bond in bonds:
        out.extend(bond_problems(bond, by_name))
    out.extend(mtu_problems(interfaces))
    out.extend(link_problems(interfaces, expected_speed_mbps))
    return out


def flapping(prev: Sequence[Bond], cur: Sequence[Bond]) -> list[Problem]:
    """Slaves whose link failure count rose between two samples."""
    before = {(b.name, s.name): s.link_failure_count for b in prev for s in b.slaves}
    out: list[Problem] = []
    for b in cur:
        for s in b.slaves:
            old = before.get((b.name, s.name))
            if old is not None and s.link_failure_count is not None and s.link_failure_count > old:
                out.append(Problem("slave_flapping", "warning", f"{b.name}/{s.name}",
                                   f"slave {s.name} of {b.name} lost its link {s.link_failure_count - old} more "
                                   f"time(s) ({s.link_failure_count} in all)"))
    return out
