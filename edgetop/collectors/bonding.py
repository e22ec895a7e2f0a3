"""Linux bonding: ``/proc/net/bonding/<bond>`` and ``/sys/class/net/<bond>/bonding/*``.

The proc file is written by ``drivers/net/bonding/bond_procfs.c``; its lines changed over
kernel versions (``Speed``/``Duplex`` per slave since 2.6.3x, ``Min links``, ``Peer
Notification Delay``, ``LACP active``, churn states, LACP PDU details), so the parser
keys on names, keeps what it does not know in ``unknown_lines`` and never fails on
them. Since 4.x the 802.3ad system and active-aggregator details and the per-slave LACP
PDUs are printed only to readers with CAP_NET_ADMIN (the sysfs ``ad_*`` files of the bond
then read empty): :attr:`Bond.hidden` says what was withheld instead of hiding it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from edgetop.errors import ParseError, SourceUnavailable
from edgetop.sources.fs import ProcFS, SysFS

# bond_mode_name() in bond_main.c → the names `ip link` and sysfs use.
MODE_NAMES = {
    "load balancing (round-robin)": "balance-rr",
    "fault-tolerance (active-backup)": "active-backup",
    "load balancing (xor)": "balance-xor",
    "fault-tolerance (broadcast)": "broadcast",
    "IEEE 802.3ad Dynamic link aggregation": "802.3ad",
    "transmit load balancing": "balance-tlb",
    "adaptive load balancing": "balance-alb",
}
ZERO_MAC = "00:00:00:00:00:00"

# LACP port state bits, IEEE 802.1AX-2014 §6.4.2.3 (drivers/net/bonding/bond_3ad.c AD_STATE_*):
# one letter each, upper case when set, as a technician reads them off a switch.
LACP_STATE_BITS = (
    (0x01, "A", "LACP activity"), (0x02, "T", "short timeout"), (0x04, "G", "aggregatable"),
    (0x08, "S", "in sync"), (0x10, "C", "collecting"), (0x20, "D", "distributing"),
    (0x40, "F", "defaulted (no partner PDUs)"), (0x80, "E", "expired"),
)


def lacp_state_letters(bits: int | None) -> str:
    """Spell LACP port state bits as letters (``AGSCD`` for 61); ``-`` for none, ``n/a`` unknown."""
    if bits is None:
        return "n/a"
    return "".join(letter for mask, letter, _ in LACP_STATE_BITS if bits & mask) or "-"


@dataclass(frozen=True, slots=True)
class BondSlave:
    """One slave of a bond.

    Attributes:
        name: the slave interface.
        mii_status: ``up``, ``down``, ``going down``, ``going back``.
        speed_mbps: as the bond saw it; None when unknown.
        duplex: ``full``/``half``; None when unknown.
        link_failure_count: link failures since enslaved (a counter).
        perm_hwaddr: the slave's own MAC (the bond may have changed the live one).
        queue_id: the slave's queue id.
        aggregator_id: 802.3ad: the aggregator this port is in; None when none/unknown.
        actor_port_state: 802.3ad: the actor's LACP port state bits.
        partner_port_state: 802.3ad: the partner's LACP port state bits.
        partner_mac: 802.3ad: the partner system MAC seen on this port (needs CAP_NET_ADMIN).
        state: ``active``/``backup`` from sysfs ``bonding_slave/state``.
        actor_churn: 802.3ad actor churn state (``none``, ``monitoring``, ``churned``).
        partner_churn: likewise for the partner.

    """

    name: str
    mii_status: str | None = None
    speed_mbps: int | None = None
    duplex: str | None = None
    link_failure_count: int | None = None
    perm_hwaddr: str | None = None
    queue_id: int | None = None
    aggregator_id: int | None = None
    actor_port_state: int | None = None
    partner_port_state: int | None = None
    partner_mac: str | None = None
    state: str | None = None
    actor_churn: str | None = None
    partner_churn: str | None = None


@dataclass(frozen=True, slots=True)
class AdInfo:
    """802.3ad (LACP) details of a bond; None fields are unknown or withheld."""

    lacp_rate: str | None = None
    lacp_active: str | None = None
    min_links: int | None = None
    ad_select: str | None = None
    system_priority: int | None = None
    system_mac: str | None = None
    aggregator_id: int | None = None
    number_of_ports: int | None = None
    actor_key: int | None = None
    partner_key: int | None = None
    partner_mac: str | None = None
    no_active_aggregator: bool = False


@dataclass(frozen=True, slots=True)
class Bond:
    """A bond and its slaves.

    Attributes:
        name: the bond interface.
        mode: short mode name (``802.3ad``, ``active-backup``…) or the kernel's text.
        mii_status: the bond's MII status.
        miimon_ms: MII polling interval.
        updelay_ms: up delay.
        downdelay_ms: down delay.
        active_slave: the currently active slave (active-backup, tlb, alb).
        primary: the primary slave.
        xmit_hash_policy: the transmit hash policy (``layer3+4``).
        ad: 802.3ad details, None in other modes.
        slaves: the slaves, in the kernel's order.
        hidden: what the kernel withheld for lack of CAP_NET_ADMIN, in words.
        unknown_lines: lines this parser does not know (a newer kernel), kept verbatim.

    """

    name: str
    mode: str | None = None
    mii_status: str | None = None
    miimon_ms: int | None = None
    updelay_ms: int | None = None
    downdelay_ms: int | None = None
    active_slave: str | None = None
    primary: str | None = None
    xmit_hash_policy: str | None = None
    ad: AdInfo | None = None
    slaves: tuple[BondSlave, ...] = ()
    hidden: tuple[str, ...] = ()
    unknown_lines: tuple[str, ...] = ()


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    word = text.strip().split(" ")[0] if text.strip() else ""
    try:
        return int(word)
    except ValueError:
        return None


def _none_word(text: str) -> str | None:
    value = text.strip()
    return None if value in ("", "None", "none", "N/A", "Unknown", "unknown") else value


_MASTER_KEYS = {
    "Bonding Mode": "mode", "MII Status": "mii_status", "MII Polling Interval (ms)": "miimon_ms",
    "Up Delay (ms)": "updelay_ms", "Down Delay (ms)": "downdelay_ms", "Currently Active Slave": "active_slave",
    "Primary Slave": "primary", "Transmit Hash Policy": "xmit_hash_policy",
}
_KNOWN_MASTER = {
    "Peer Notification Delay (ms)", "ARP Polling Interval (ms)", "ARP IP target/s (n.n.n.n form)",
    "ARP Missed Max", "NS IPv6 target/s (xx::xx form)", "ARP Validate", "System Identification",
}
_AD_KEYS = {
    "LACP rate": "lacp_rate", "LACP active": "lacp_active", "Min links": "min_links",
    "Aggregator selection policy (ad_select)": "ad_select", "System priority": "system_priority",
    "System MAC address": "system_mac", "Aggregator ID": "aggregator_id", "Number of ports": "number_of_ports",
    "Actor Key": "actor_key", "Partner Key": "partner_key", "Partner Mac Address": "partner_mac",
}
_SLAVE_KEYS = {
    "MII Status": "mii_status", "Speed": "speed_mbps", "Duplex": "duplex", "Link Failure Count": "link_failure_count",
    "Permanent HW addr": "perm_hwaddr", "Slave queue ID": "queue_id", "Aggregator ID": "aggregator_id",
    "Actor Churn State": "actor_churn", "Partner Churn State": "partner_churn",
}
_INT_FIELDS = {"miimon_ms", "updelay_ms", "downdelay_ms", "min_links", "system_priority", "aggregator_id",
               "number_of_ports", "actor_key", "partner_key", "speed_mbps", "link_failure_count", "queue_id"}


def _value(field: str, raw: str) -> object:
    if field in _INT_FIELDS:
        return _int(raw)
    if field == "mode":
        base = raw.split(" (fail_over_mac", maxsplit=1)[0].strip()
        return MODE_NAMES.get(base, base or None)
    if field in ("xmit_hash_policy", "primary"):
        return _none_word(raw.split(" (", maxsplit=1)[0])
    if field == "duplex":
        return _none_word(raw.lower())
    if field.endswith("_churn"):
        return raw.strip() or None  # "none" is a state here, not an absence
    return _none_word(raw)


def parse_proc_bonding(text: str, name: str = "") -> Bond:
    """Parse the text of ``/proc/net/bonding/<name>``.

    Raises:
        ParseError: the text is not a bonding status file at all.

    """
    master: dict[str, object] = {}
    ad: dict[str, object] = {}
    slaves: list[dict[str, object]] = []
    unknown: list[str] = []
    section = "master"  # master, ad, slave, pdu
    pdu_side = ""
    seen_mode = False
    for raw_line in text.splitlines():
        line = raw_line.rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith("Ethernet Channel Bonding Driver"):
            continue
        # Split at ": " (values hold colons: MACs, "xx::xx"); "Key:" alone has an empty value.
        if ": " in stripped:
            key, sep, val = stripped.partition(": ")
        elif stripped.endswith(":"):
            key, sep, val = stripped[:-1], ":", ""
        else:
            key, sep, val = stripped, "", ""
        if stripped == "802.3ad info":
            section = "ad"
            continue
        if stripped.startswith("bond ") and stripped.endswith("has no active aggregator"):
            ad["no_active_aggregator"] = True
            continue
        if key == "Slave Interface" and sep:
            slaves.append({"name": val.strip()})
            section, pdu_side = "slave", ""
            continue
        if stripped in ("details actor lacp pdu:", "details partner lacp pdu:"):
            if slaves:  # PDU details only ever follow a slave
                section, pdu_side = "pdu", stripped.split()[1]
            else:
                unknown.append(stripped)
            continue
        if not sep:
            if stripped != "Active Aggregator Info:":
                unknown.append(stripped)
            continue
        if stripped == "Active Aggregator Info:":
            continue
        if section == "pdu" and line.startswith(" ") and slaves:
            if key == "port state":
                slaves[-1][f"{pdu_side}_port_state"] = _int(val)
            elif key == "system mac address" and pdu_side == "partner":
                slaves[-1]["partner_mac"] = _none_word(val)
            continue
        if section == "pdu":
            section = "slave"
        if section == "slave" and key in _SLAVE_KEYS:
            slaves[-1][_SLAVE_KEYS[key]] = _value(_SLAVE_KEYS[key], val)
        elif section == "ad" and key in _AD_KEYS:
            ad[_AD_KEYS[key]] = _value(_AD_KEYS[key], val)
        elif section == "master" and key in _MASTER_KEYS:
            seen_mode = seen_mode or key == "Bonding Mode"
            master[_MASTER_KEYS[key]] = _value(_MASTER_KEYS[key], val)
        elif not (section == "master" and key in _KNOWN_MASTER) and key not in ("Actor Churned Count",
                                                                               "Partner Churned Count"):
            unknown.append(stripped)
    if not seen_mode and not slaves:
        raise ParseError("not a bonding status file (no 'Bonding Mode' line and no slaves)")
    hidden: list[str] = []
    ad_info: AdInfo | None = None
    if master.get("mode") == "802.3ad" or ad:
        ad_info = AdInfo(**ad)  # type: ignore[arg-type]
        # Kernels before 4.x printed the active aggregator to everybody; later ones print it,
        # the system identity and the per-port PDUs only with CAP_NET_ADMIN.
        if ad_info.aggregator_id is None and not ad_info.no_active_aggregator:
            hidden.append("active aggregator, actor/partner keys and partner MAC (need CAP_NET_ADMIN)")
            if any("aggregator_id" in s for s in slaves):
                hidden.append("per-port LACP PDU details (need CAP_NET_ADMIN)")
    return Bond(
        name=name, ad=ad_info, slaves=tuple(BondSlave(**s) for s in slaves),  # type: ignore[arg-type]
        hidden=tuple(hidden), unknown_lines=tuple(unknown), **master,  # type: ignore[arg-type]
    )


def parse_sysfs_word(text: str | None) -> str | None:
    """Parse a bonding sysfs value like ``802.3ad 4`` or ``layer3+4 1`` to its name."""
    if text is None:
        return None
    words = text.split()
    return words[0] if words else None


def _from_sysfs(fs: SysFS, name: str) -> Bond:
    base = f"class/net/{name}/bonding"
    slave_names = (fs.read_str(f"{base}/slaves") or "").split()
    slaves = [BondSlave(name=s) for s in slave_names]
    mode = parse_sysfs_word(fs.read_optional(f"{base}/mode"))
    ad = AdInfo(lacp_rate=parse_sysfs_word(fs.read_optional(f"{base}/lacp_rate"))) if mode == "802.3ad" else None
    return Bond(
        name=name, mode=mode, mii_status=fs.read_str(f"{base}/mii_status"), miimon_ms=fs.read_int(f"{base}/miimon"),
        updelay_ms=fs.read_int(f"{base}/updelay"), downdelay_ms=fs.read_int(f"{base}/downdelay"),
        active_slave=fs.read_str(f"{base}/active_slave") or None, primary=fs.read_str(f"{base}/primary") or None,
        xmit_hash_policy=parse_sysfs_word(fs.read_optional(f"{base}/xmit_hash_policy")), ad=ad, slaves=tuple(slaves),
    )


def _first_int(known: int | None, fs: SysFS, rel: str) -> int | None:
    return known if known is not None else _int(fs.read_optional(rel))


def _fill_ad(fs: SysFS, bond: Bond) -> AdInfo | None:
    if bond.ad is None:
        return None
    base = f"class/net/{bond.name}/bonding"
    ad = bond.ad
    # Empty without CAP_NET_ADMIN (bonding_show_ad_* in bond_sysfs.c); then _int gives None.
    return dataclasses.replace(
        ad,
        aggregator_id=_first_int(ad.aggregator_id, fs, f"{base}/ad_aggregator"),
        number_of_ports=_first_int(ad.number_of_ports, fs, f"{base}/ad_num_ports"),
        actor_key=_first_int(ad.actor_key, fs, f"{base}/ad_actor_key"),
        partner_key=_first_int(ad.partner_key, fs, f"{base}/ad_partner_key"),
        partner_mac=ad.partner_mac or fs.read_str(f"{base}/ad_partner_mac") or None,
    )


def _fill_slave(fs: SysFS, slave: BondSlave) -> BondSlave:
    base = f"class/net/{slave.name}/bonding_slave"
    if not fs.exists(base):
        return slave
    return dataclasses.replace(
        slave,
        mii_status=slave.mii_status or fs.read_str(f"{base}/mii_status"),
        link_failure_count=_first_int(slave.link_failure_count, fs, f"{base}/link_failure_count"),
        perm_hwaddr=slave.perm_hwaddr or fs.read_str(f"{base}/perm_hwaddr"),
        queue_id=_first_int(slave.queue_id, fs, f"{base}/queue_id"),
        aggregator_id=_first_int(slave.aggregator_id, fs, f"{base}/ad_aggregator_id"),
        actor_port_state=_first_int(slave.actor_port_state, fs, f"{base}/ad_actor_oper_port_state"),
        partner_port_state=_first_int(slave.partner_port_state, fs, f"{base}/ad_partner_oper_port_state"),
        state=fs.read_str(f"{base}/state"),
    )


def collect_bonds(procfs: ProcFS, sysfs: SysFS) -> tuple[list[Bond], list[str]]:
    """Read every bond: the proc file first, sysfs for what it lacks.

    Returns:
        (bonds, notes): notes say which bond could not be read and why.

    """
    names = set(procfs.listdir("net/bonding"))
    names.update((sysfs.read_str("class/net/bonding_masters") or "").split())
    bonds: list[Bond] = []
    notes: list[str] = []
    for name in sorted(names):
        try:
            bond = parse_proc_bonding(procfs.read_text(f"net/bonding/{name}"), name)
        except SourceUnavailable as err:
            if not sysfs.exists(f"class/net/{name}/bonding"):
                notes.append(f"bond {name} vanished while being read ({err})")
                continue
            bond = _from_sysfs(sysfs, name)
        except ParseError as err:
            notes.append(f"bond {name}: {err}")
            continue
        ad = _fill_ad(sysfs, bond)
        hidden = tuple(h for h in bond.hidden
                       if not (ad is not None and ad.aggregator_id is not None))
        bond = dataclasses.replace(bond, ad=ad, hidden=hidden,
                                   slaves=tuple(_fill_slave(sysfs, s) for s in bond.slaves))
        bonds.append(bond)
    return bonds, notes
