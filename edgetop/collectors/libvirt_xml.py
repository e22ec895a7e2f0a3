"""Pure parsers of a libvirt domain's XML description and of CPU lists/maps.

The XML gives what the bulk stats lack for drivers that answer only some groups: NIC
target devices and disk targets (for the per-device fallback calls) and ``<vcpupin>``
pins. Nothing here talks to libvirt.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET

import msgspec

from edgetop.errors import ParseError
from edgetop.model.cpulist import parse_cpu_list


class DomainXml(msgspec.Struct, frozen=True):
    """What edgetop needs from a domain's XML description."""

    nics: tuple[str, ...] = ()
    disks: tuple[tuple[str, str | None], ...] = ()
    pins: tuple[tuple[int, tuple[int, ...]], ...] = ()


def parse_cpuset(text: str) -> tuple[int, ...]:
    """Parse a libvirt cpuset: the kernel's CPU list plus ``^N`` exclusions (``0-3,^2,8``).

    Empty items are allowed, as libvirt allows them. Returns sorted CPUs.

    Raises:
        ParseError: the text is not a CPU list.

    """
    items = [raw.strip() for raw in text.split(",") if raw.strip()]
    if "^" in items:
        raise ParseError(f"bad CPU list {text!r}: '^' without a CPU")
    include = parse_cpu_list(",".join(i for i in items if not i.startswith("^")))
    exclude = parse_cpu_list(",".join(i[1:] for i in items if i.startswith("^")))
    return tuple(sorted(include - exclude))


@functools.lru_cache(maxsize=1024)
def cpumap_to_cpus(cpumap: tuple[bool, ...]) -> tuple[int, ...]:
    """Turn libvirt's per-host-CPU booleans (``vcpus()``/``vcpuPinInfo()``) into CPU numbers.

    Cached: a node has few distinct maps (one per pinning), and this runs per vCPU per tick.
    """
    return tuple(i for i, on in enumerate(cpumap) if on)


def domain_root(text: str) -> ET.Element:
    """Parse a domain XML description into its ``<domain>`` element.

    Raises:
        ParseError: the text has a DTD, is not XML or has no ``<domain>`` root.

    """
    if "<!ENTITY" in text or "<!DOCTYPE" in text:
        raise ParseError("domain XML with a DTD is refused")
    try:
        root = ET.fromstring(text)  # noqa: S314 - no DTD/entities (checked above); from libvirt itself
    except ET.ParseError as err:
        raise ParseError(f"domain XML: {err}") from err
    if root.tag != "domain":
        raise ParseError(f"domain XML root is <{root.tag}>")
    return root


def vcpu_pins(root: ET.Element) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """``<cputune><vcpupin>`` of a parsed domain: (vCPU, host CPUs), malformed entries skipped."""
    pins: list[tuple[int, tuple[int, ...]]] = []
    for pin in root.findall("./cputune/vcpupin"):
        try:
            pins.append((int(pin.get("vcpu", "")), parse_cpuset(pin.get("cpuset", ""))))
        except (ValueError, ParseError):
            continue
    return tuple(pins)


def parse_domain_xml(text: str) -> DomainXml:
    """Extract NIC targets, disk targets and vCPU pins from a domain XML description.

    Raises:
        ParseError: the text is not XML or has no ``<domain>`` root.

    """
    root = domain_root(text)
    nics = tuple(t.get("dev", "") for t in root.findall("./devices/interface/target") if t.get("dev"))
    disks: list[tuple[str, str | None]] = []
    for disk in root.findall("./devices/disk"):
        target = disk.find("target")
        if target is None or not target.get("dev"):
            continue
        src = disk.find("source")
        path = None
        if src is not None:
            path = src.get("file") or src.get("dev") or src.get("name") or src.get("volume")
        disks.append((target.get("dev", ""), path))
    return DomainXml(nics=nics, disks=tuple(disks), pins=vcpu_pins(root))
