"""What a guest's XML says about how it is set up: buses, NIC models, balloon, agent, pins.

Pure: parses the text libvirt's ``XMLDesc`` returns, with the same refusal of DTDs as
the domains collector (:func:`edgetop.collectors.libvirt_xml.domain_root`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import msgspec

from edgetop.collectors.libvirt_xml import domain_root, parse_cpuset, vcpu_pins
from edgetop.errors import ParseError

# libvirt's memory units (formatdomain "Memory Allocation"); no unit means KiB.
_UNITS = {
    "b": 1, "bytes": 1, "kb": 1000, "k": 1024, "kib": 1024, "mb": 1000**2, "m": 1024**2, "mib": 1024**2,
    "gb": 1000**3, "g": 1024**3, "gib": 1024**3, "tb": 1000**4, "t": 1024**4, "tib": 1024**4,
}
AGENT_CHANNEL = "org.qemu.guest_agent.0"


class GuestDisk(msgspec.Struct, frozen=True):
    """One ``<disk>``: its target, device kind (disk, cdrom …) and bus (virtio, ide, sata …)."""

    target: str
    device: str
    bus: str | None


class GuestNic(msgspec.Struct, frozen=True):
    """One ``<interface>``: a label (target, else MAC), its type and its model (None: the default)."""

    label: str
    type: str
    model: str | None


class GuestSetup(msgspec.Struct, frozen=True):
    """The parts of a domain's XML that the set-up checks look at.

    Attributes:
        vcpus: ``<vcpu>``, the vCPU count.
        memory_bytes: ``<memory>``, the most the guest may have.
        hugepages: ``<memoryBacking><hugepages/>``: backed by the host's huge pages.
        vcpu_cpuset: ``<vcpu cpuset=…>``: where vCPUs without their own pin may run.
        pins: ``<cputune><vcpupin>``: (vCPU, host CPUs).
        disks: every disk.
        nics: every interface.
        scsi_models: the model of each SCSI controller (``virtio-scsi``, ``lsilogic``, None).
        balloon: the ``<memballoon>`` model, None when the element is absent.
        balloon_period: its ``<stats period>`` in seconds (0 or None: no guest statistics).
        agent: a ``org.qemu.guest_agent.0`` channel is defined.
        agent_state: that channel's ``state`` in a live XML (``connected`` …), if given.

    """

    vcpus: int | None = None
    memory_bytes: int | None = None
    hugepages: bool = False
    vcpu_cpuset: tuple[int, ...] | None = None
    pins: tuple[tuple[int, tuple[int, ...]], ...] = ()
    disks: tuple[GuestDisk, ...] = ()
    nics: tuple[GuestNic, ...] = ()
    scsi_models: tuple[str | None, ...] = ()
    balloon: str | None = None
    balloon_period: int | None = None
    agent: bool = False
    agent_state: str | None = None


def _int(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


def memory_bytes(element: ET.Element | None) -> int | None:
    """A libvirt memory element (``<memory unit='MiB'>2048</memory>``) in bytes; None if unreadable."""
    if element is None:
        return None
    value = _int(element.text)
    factor = _UNITS.get((element.get("unit") or "KiB").lower())
    return None if value is None or factor is None else value * factor


def _nics(root: ET.Element) -> tuple[GuestNic, ...]:
    out = []
    for i, iface in enumerate(root.findall("./devices/interface")):
        target, mac, model = iface.find("target"), iface.find("mac"), iface.find("model")
        label = (target.get("dev") if target is not None else None) or (
            mac.get("address") if mac is not None else None) or f"interface {i}"
        out.append(GuestNic(label, iface.get("type", ""), model.get("type") if model is not None else None))
    return tuple(out)


def _disks(root: ET.Element) -> tuple[GuestDisk, ...]:
    out = []
    for i, disk in enumerate(root.findall("./devices/disk")):
        target = disk.find("target")
        name = (target.get("dev") if target is not None else None) or f"disk {i}"
        out.append(GuestDisk(name, disk.get("device", "disk"), target.get("bus") if target is not None else None))
    return tuple(out)


def parse_guest_setup(text: str) -> GuestSetup:
    """Read a domain's set-up from its XML description.

    Raises:
        ParseError: the text is not a domain XML (or carries a DTD).

    """
    root = domain_root(text)
    vcpu = root.find("vcpu")
    cpuset = vcpu.get("cpuset") if vcpu is not None else None
    try:
        vcpu_cpuset = parse_cpuset(cpuset) if cpuset else None
    except ParseError:
        vcpu_cpuset = None
    balloon = root.find("./devices/memballoon")
    stats = balloon.find("stats") if balloon is not None else None
    agent = next((t for t in root.findall("./devices/channel/target") if t.get("name") == AGENT_CHANNEL), None)
    return GuestSetup(
        vcpus=_int(vcpu.text) if vcpu is not None else None,
        memory_bytes=memory_bytes(root.find("memory")),
        hugepages=root.find("./memoryBacking/hugepages") is not None,
        vcpu_cpuset=vcpu_cpuset,
        pins=vcpu_pins(root),
        disks=_disks(root),
        nics=_nics(root),
        scsi_models=tuple(c.get("model") for c in root.findall("./devices/controller") if c.get("type") == "scsi"),
        balloon=balloon.get("model") if balloon is not None else None,
        balloon_period=_int(stats.get("period")) if stats is not None else None,
        agent=agent is not None,
        agent_state=agent.get("state") if agent is not None else None,
    )
