"""Guest checks from each domain's XML: virtio disks and NICs, balloon, agent channel, autostart.

A balloon must also answer (guest memory statistics), and only guests that run need autostart.

"Host CPU far above guest CPU" is the set-up guide's sign of emulated devices: an IDE disk
or an e1000 NIC makes QEMU emulate hardware on every I/O, where virtio hands it over.
"""

from __future__ import annotations

from collections.abc import Callable

from edgetop.collectors.checks.guest_setup import GuestSetup
from edgetop.collectors.checks.libvirt_facts import GuestFacts, LibvirtFacts
from edgetop.model.checks import Check, CheckId

DISK_BUS = CheckId("guests.disk_bus", "guest disks on virtio")
NIC_MODEL = CheckId("guests.nic_model", "guest NICs on virtio")
BALLOON = CheckId("guests.balloon", "balloon device present and answering")
GUEST_AGENT = CheckId("guests.guest_agent", "guest agent channel")
AUTOSTART = CheckId("guests.autostart", "running guests start with the host")
CHECKS = (DISK_BUS, NIC_MODEL, BALLOON, GUEST_AGENT, AUTOSTART)

EMULATED_BUSES = frozenset({"ide", "sata", "usb", "fdc", "sd"})
# Interfaces that never pass through QEMU's NIC emulation: a VF passed through, vhost-user, vDPA.
PASSTHROUGH_TYPES = frozenset({"hostdev", "vhostuser", "vdpa"})
VIRTIO_MODELS = frozenset({"virtio", "virtio-transitional", "virtio-non-transitional"})
# memoryStats keys only the guest's balloon driver reports (the host knows actual and rss itself).
GUEST_STAT_KEYS = frozenset({"unused", "available", "usable"})
_PREFIX_BUS = {"vd": "virtio", "hd": "ide", "sd": "scsi"}  # libvirt's default bus by target name
MAX_SHOWN = 5

Finder = Callable[[GuestFacts, GuestSetup], list[str]]


def plural(count: int, noun: str) -> str:
    """``1 guest``, ``2 guests``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _listed(items: list[str]) -> str:
    head = "; ".join(items[:MAX_SHOWN])
    return head + (f"; and {len(items) - MAX_SHOWN} more" if len(items) > MAX_SHOWN else "")


def _over_guests(check: CheckId, lv: LibvirtFacts, find: Finder) -> list[str] | Check:
    """The findings over every guest's set-up, or the result when there is nothing to look at."""
    if lv.error is not None:
        return check.unknown(f"guests unknown: no answer from {lv.uri} (see libvirt.connection)")
    if not lv.guests:
        return check.passed(f"no guests at {lv.uri}")
    found: list[str] = []
    for g in lv.guests:
        if g.setup is None:
            found.append(f"{g.name}: XML unreadable ({g.error or 'no answer'})")
        else:
            found.extend(find(g, g.setup))
    return found


def _disk_findings(g: GuestFacts, s: GuestSetup) -> list[str]:
    out = []
    virtio_scsi = any(m == "virtio-scsi" for m in s.scsi_models)
    for d in s.disks:
        if d.device not in ("disk", "lun"):
            continue  # an install CD-ROM on SATA costs nothing while idle
        bus = d.bus or _PREFIX_BUS.get(d.target[:2])
        if bus in EMULATED_BUSES or (bus == "scsi" and not virtio_scsi):
            controller = "" if bus != "scsi" else " (no virtio-scsi controller)"
            out.append(f"{g.name}: {d.target} on {bus}{controller}")
    return out


def check_disk_bus(lv: LibvirtFacts) -> Check:
    """Every disk on virtio-blk or virtio-scsi, not an emulated IDE/SATA/USB controller."""
    found = _over_guests(DISK_BUS, lv, _disk_findings)
    if isinstance(found, Check):
        return found
    if found:
        return DISK_BUS.warn(f"emulated disk buses: {_listed(found)}",
                             "Move these disks to bus='virtio' (or a virtio-scsi controller) after installing the "
                             "virtio drivers in the guest: emulated disks cost host CPU on every I/O.")
    disks = sum(len(g.setup.disks) for g in lv.guests if g.setup is not None)
    return DISK_BUS.passed(f"{plural(disks, 'disk')} of {plural(len(lv.guests), 'guest')} at {lv.uri}: none on an "
                           "emulated bus")


def _nic_findings(g: GuestFacts, s: GuestSetup) -> list[str]:
    return [f"{g.name}: {n.label} model {n.model or 'not set (an emulated default)'}" for n in s.nics
            if n.type not in PASSTHROUGH_TYPES and n.model not in VIRTIO_MODELS]


def check_nic_model(lv: LibvirtFacts) -> Check:
    """Every NIC on virtio-net (or passed through), not an emulated e1000/rtl8139."""
    found = _over_guests(NIC_MODEL, lv, _nic_findings)
    if isinstance(found, Check):
        return found
    if found:
        return NIC_MODEL.warn(f"emulated NICs: {_listed(found)}",
                              "Set <model type='virtio'/> on these interfaces after installing the virtio-net "
                              "driver in the guest: emulated NICs cost host CPU for every packet.")
    nics = sum(len(g.setup.nics) for g in lv.guests if g.setup is not None)
    return NIC_MODEL.passed(f"{plural(nics, 'NIC')} of {plural(len(lv.guests), 'guest')} at {lv.uri}: virtio or "
                            "passed through")


def _balloon_findings(g: GuestFacts, s: GuestSetup) -> list[str]:
    if s.balloon is None or s.balloon == "none":
        return [f"{g.name}: no balloon device"]
    # An empty answer is a driver without statistics (not a silent guest): QEMU always reports "actual".
    if g.active and g.memory_stats and not (g.memory_stats & GUEST_STAT_KEYS):
        period = "" if s.balloon_period else ", no stats period"
        keys = ", ".join(sorted(g.memory_stats)) or "nothing"
        return [f"{g.name}: the guest's balloon driver does not answer (memoryStats gave {keys}{period})"]
    return []


def check_balloon(lv: LibvirtFacts) -> Check:
    """A virtio balloon on every guest, and guest memory statistics from the running ones."""
    found = _over_guests(BALLOON, lv, _balloon_findings)
    if isinstance(found, Check):
        return found
    if found:
        return BALLOON.warn(_listed(found),
                            "Add <memballoon model='virtio'><stats period='10'/></memballoon> and load "
                            "virtio_balloon in the guest: without it edgetop cannot see the guest's free memory.")
    return BALLOON.passed(f"{plural(len(lv.guests), 'guest')} at {lv.uri}, each with a balloon; the running ones "
                          "report memory")


def _agent_findings(g: GuestFacts, s: GuestSetup) -> list[str]:
    if not s.agent:
        return [f"{g.name}: no org.qemu.guest_agent.0 channel"]
    if g.active and s.agent_state == "disconnected":
        return [f"{g.name}: the agent channel is disconnected (qemu-guest-agent not running in the guest)"]
    return []


def check_guest_agent(lv: LibvirtFacts) -> Check:
    """A guest agent channel on every guest (clean shutdown, filesystem freeze, the guest's addresses)."""
    found = _over_guests(GUEST_AGENT, lv, _agent_findings)
    if isinstance(found, Check):
        return found
    if found:
        return GUEST_AGENT.warn(_listed(found),
                                "Add <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>"
                                "</channel> and run qemu-guest-agent in the guest, for clean shutdowns and backups.")
    return GUEST_AGENT.passed(f"{plural(len(lv.guests), 'guest')} at {lv.uri}, each with a guest agent channel")


def check_autostart(lv: LibvirtFacts) -> Check:
    """Every running (or paused) guest is marked to start with the host."""
    if lv.error is not None:
        return AUTOSTART.unknown(f"guests unknown: no answer from {lv.uri} (see libvirt.connection)")
    active = [g for g in lv.guests if g.active]
    off = [g.name for g in active if g.autostart is False]
    if off:
        return AUTOSTART.warn(f"active without autostart: {_listed(off)}",
                              "After a power cut these guests stay off: virsh autostart NAME for each one that "
                              "should come back by itself.")
    unknown = [g.name for g in active if g.autostart is None]
    if unknown:
        return AUTOSTART.unknown(f"libvirt did not say whether these start with the host: {_listed(unknown)}")
    return AUTOSTART.passed(f"{plural(len(active), 'active guest')} at {lv.uri}, each marked autostart")


def run_checks(lv: LibvirtFacts) -> list[Check]:
    """Every guest check, in order."""
    return [check_disk_bus(lv), check_nic_model(lv), check_balloon(lv), check_guest_agent(lv), check_autostart(lv)]
