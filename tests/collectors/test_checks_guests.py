"""Guest checks: the XML parser table-driven, each check over facts, and over libvirt's test driver."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from edgetop.collectors.checks import guests
from edgetop.collectors.checks.guest_setup import GuestDisk, GuestNic, GuestSetup, memory_bytes, parse_guest_setup
from edgetop.collectors.checks.libvirt_facts import GuestFacts, LibvirtFacts, gather_libvirt
from edgetop.errors import ParseError
from edgetop.model.checks import CheckStatus
from tests.collectors.checks_trees import LIBVIRT_URI

PASS, WARN, FAIL, UNKNOWN = CheckStatus.PASS, CheckStatus.WARN, CheckStatus.FAIL, CheckStatus.UNKNOWN

FULL = """<domain type='kvm'>
  <name>full</name>
  <memory unit='GiB'>4</memory>
  <memoryBacking><hugepages/></memoryBacking>
  <vcpu placement='static' cpuset='4-7,^6'>3</vcpu>
  <cputune><vcpupin vcpu='0' cpuset='4'/><vcpupin vcpu='x' cpuset='5'/></cputune>
  <devices>
    <disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><target dev='sdc' bus='sata'/></disk>
    <disk type='block' device='lun'/>
    <controller type='scsi' index='0' model='virtio-scsi'/>
    <controller type='usb' index='0' model='qemu-xhci'/>
    <interface type='network'><mac address='52:54:00:00:00:01'/><model type='virtio'/></interface>
    <interface type='hostdev'><mac address='52:54:00:00:00:02'/></interface>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/></channel>
    <channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>
    <memballoon model='virtio'><stats period='5'/></memballoon>
  </devices>
</domain>"""


def test_parse_full_domain() -> None:
    assert parse_guest_setup(FULL) == GuestSetup(
        vcpus=3, memory_bytes=4 * 1024**3, hugepages=True, vcpu_cpuset=(4, 5, 7), pins=((0, (4,)),),
        disks=(GuestDisk("vda", "disk", "virtio"), GuestDisk("sdc", "cdrom", "sata"), GuestDisk("disk 2", "lun", None)),
        nics=(GuestNic("52:54:00:00:00:01", "network", "virtio"), GuestNic("52:54:00:00:00:02", "hostdev", None)),
        scsi_models=("virtio-scsi",), balloon="virtio", balloon_period=5, agent=True, agent_state="disconnected")


@pytest.mark.parametrize(("text", "expected"), [
    ("<domain/>", GuestSetup()),
    ("<domain><memory>2048</memory><vcpu>two</vcpu><devices><memballoon model='none'/></devices></domain>",
     GuestSetup(memory_bytes=2048 * 1024, balloon="none")),
    ("<domain><vcpu cpuset='bogus'>1</vcpu></domain>", GuestSetup(vcpus=1)),
])
def test_parse_short_domains(text: str, expected: GuestSetup) -> None:
    assert parse_guest_setup(text) == expected


@pytest.mark.parametrize("text", ["", "<domain>", "<network/>",
                                  "<!DOCTYPE d [<!ENTITY x 'y'>]><domain>&x;</domain>"])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(ParseError):
        parse_guest_setup(text)


@pytest.mark.parametrize(("xml", "size"), [
    ("<memory unit='KiB'>1024</memory>", 1024 * 1024), ("<memory unit='MB'>3</memory>", 3_000_000),
    ("<memory unit='bytes'>512</memory>", 512), ("<memory unit='parsecs'>1</memory>", None),
    ("<memory>lots</memory>", None),
])
def test_memory_units(xml: str, size: int | None) -> None:
    import xml.etree.ElementTree as ET

    assert memory_bytes(ET.fromstring(xml)) == size  # noqa: S314 - test input


GOOD = GuestSetup(vcpus=2, memory_bytes=1024**3, disks=(GuestDisk("vda", "disk", "virtio"),),
                  nics=(GuestNic("tap0", "bridge", "virtio"),), balloon="virtio", balloon_period=10, agent=True)
STATS = frozenset({"actual", "rss", "unused", "available", "usable"})


def lv(*gs: GuestFacts) -> LibvirtFacts:
    return LibvirtFacts("qemu:///system", guests=gs)


def g(name: str = "vm", active: bool = True, autostart: bool | None = True, stats: frozenset[str] | None = STATS,
      **change: object) -> GuestFacts:
    return GuestFacts(name, active, autostart, replace(GOOD, **change), stats if active else None)  # type: ignore[arg-type]


DOWN = LibvirtFacts("qemu:///system", error="cannot reach libvirtd")


@pytest.mark.parametrize(("facts", "status", "evidence"), [
    (lv(g(), g("cd", disks=(GuestDisk("hdc", "cdrom", "ide"),))), PASS, "2 disks of 2 guests at qemu:///system"),
    (lv(g(disks=(GuestDisk("sda", "disk", "scsi"),), scsi_models=("virtio-scsi",))), PASS, "1 disk of 1 guest"),
    (lv(g(disks=(GuestDisk("hda", "disk", "ide"), GuestDisk("sdb", "disk", "sata")))), WARN,
     "emulated disk buses: vm: hda on ide; vm: sdb on sata"),
    (lv(g(disks=(GuestDisk("sda", "disk", "scsi"),), scsi_models=("lsilogic",))), WARN,
     "vm: sda on scsi (no virtio-scsi controller)"),
    (lv(g(disks=(GuestDisk("hdb", "disk", None),))), WARN, "vm: hdb on ide"),  # the bus libvirt infers from hd*
    (lv(GuestFacts("broken", True, None, None, None, "domain XML: no element found")), WARN,
     "broken: XML unreadable (domain XML: no element found)"),
    (lv(), PASS, "no guests at qemu:///system"),
    (DOWN, UNKNOWN, "guests unknown: no answer from qemu:///system (see libvirt.connection)"),
])
def test_disk_bus(facts: LibvirtFacts, status: CheckStatus, evidence: str) -> None:
    check = guests.check_disk_bus(facts)
    assert check.status is status and evidence in check.evidence


@pytest.mark.parametrize(("facts", "status", "evidence"), [
    (lv(g(nics=(GuestNic("tap0", "bridge", "virtio"), GuestNic("vf0", "hostdev", None),
                GuestNic("vhu0", "vhostuser", "virtio")))), PASS, "3 NICs of 1 guest at"),
    (lv(g(nics=(GuestNic("tap0", "bridge", "e1000"), GuestNic("tap1", "network", None)))), WARN,
     "emulated NICs: vm: tap0 model e1000; vm: tap1 model not set (an emulated default)"),
    (lv(*(g(f"vm{i}", nics=(GuestNic("t", "bridge", "rtl8139"),)) for i in range(7))), WARN,
     "vm4: t model rtl8139; and 2 more"),
    (DOWN, UNKNOWN, "guests unknown"),
])
def test_nic_model(facts: LibvirtFacts, status: CheckStatus, evidence: str) -> None:
    check = guests.check_nic_model(facts)
    assert check.status is status and evidence in check.evidence


@pytest.mark.parametrize(("facts", "status", "evidence"), [
    (lv(g(), g("off", False)), PASS, "2 guests at qemu:///system, each with a balloon"),
    # a driver with no statistics at all says nothing about the guest
    (lv(g(stats=frozenset())), PASS, "1 guest at qemu:///system, each with a balloon"),
    (lv(g(balloon=None), g("b", balloon="none")), WARN, "vm: no balloon device; b: no balloon device"),
    (lv(g(stats=frozenset({"actual", "rss"}), balloon_period=None)), WARN,
     "vm: the guest's balloon driver does not answer (memoryStats gave actual, rss, no stats period)"),
    (DOWN, UNKNOWN, "guests unknown"),
])
def test_balloon(facts: LibvirtFacts, status: CheckStatus, evidence: str) -> None:
    check = guests.check_balloon(facts)
    assert check.status is status and check.evidence.startswith(evidence)


@pytest.mark.parametrize(("facts", "status", "evidence"), [
    (lv(g(agent_state="connected"), g("off", False, agent_state="disconnected")), PASS, "2 guests"),
    (lv(g(agent=False)), WARN, "vm: no org.qemu.guest_agent.0 channel"),
    (lv(g(agent_state="disconnected")), WARN, "vm: the agent channel is disconnected"),
    (DOWN, UNKNOWN, "guests unknown"),
])
def test_guest_agent(facts: LibvirtFacts, status: CheckStatus, evidence: str) -> None:
    check = guests.check_guest_agent(facts)
    assert check.status is status and check.evidence.startswith(evidence)


@pytest.mark.parametrize(("facts", "status", "evidence"), [
    (lv(g(), g("off", False, autostart=False)), PASS, "1 active guest at qemu:///system, each marked autostart"),
    (lv(g(autostart=False), g("paused", autostart=False)), WARN, "active without autostart: vm; paused"),
    (lv(g(autostart=None)), UNKNOWN, "libvirt did not say whether these start with the host: vm"),
    (DOWN, UNKNOWN, "guests unknown"),
])
def test_autostart(facts: LibvirtFacts, status: CheckStatus, evidence: str) -> None:
    check = guests.check_autostart(facts)
    assert check.status is status and check.evidence.startswith(evidence)


def test_test_driver_node() -> None:
    facts = gather_libvirt(LIBVIRT_URI)
    router, pbx, spare = facts.guests
    assert router.setup is not None and router.setup.pins == ((0, (2,)), (1, (3,))) and router.setup.hugepages
    assert router.memory_stats is not None and router.memory_stats >= guests.GUEST_STAT_KEYS
    assert pbx.memory_stats == frozenset() and spare.memory_stats is None
    assert (router.autostart, pbx.autostart) == (False, False)  # never reported over a read-only connection
    checks = {c.id: c for c in guests.run_checks(facts)}
    assert {k: c.evidence for k, c in checks.items()} == {
        "guests.disk_bus": "emulated disk buses: legacy pbx: hda on ide; legacy pbx: sda on scsi (no virtio-scsi "
                           "controller)",
        "guests.nic_model": "emulated NICs: legacy pbx: tap2202 model e1000",
        "guests.balloon": "legacy pbx: no balloon device",
        "guests.guest_agent": "legacy pbx: no org.qemu.guest_agent.0 channel",
        "guests.autostart": "active without autostart: edge router; legacy pbx",
    }
    assert {c.status for c in checks.values()} == {WARN}
