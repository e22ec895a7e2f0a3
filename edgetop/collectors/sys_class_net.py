"""Network interfaces from ``/sys/class/net/<iface>``.

Attributes per the kernel's ``Documentation/ABI/testing/sysfs-class-net``: ``operstate``
(RFC 2863 names), ``carrier`` and ``speed``/``duplex`` (reads fail with EINVAL while the
link is down), ``flags`` (IFF_* bits: 0x1 is IFF_UP, the administrative state), ``mtu``,
``master`` (a link to the bond or bridge), ``iflink`` (the ifindex of the lower device:
a VLAN's parent, a veth's peer) and ``statistics/*`` counters. The kind comes from
``uevent``'s DEVTYPE and from what sub-directories exist (``bonding``, ``bridge``,
``tun_flags``, ``device``).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from edgetop.errors import ParseError
from edgetop.sources.fs import SysFS

IFF_UP = 0x1
IFF_LOOPBACK = 0x8
IFF_TUN = 0x0001  # in tun_flags (include/uapi/linux/if_tun.h)
IFF_TAP = 0x0002
ARPHRD_LOOPBACK = 772
SPEED_UNKNOWN = -1

_COUNTERS = ("rx_bytes", "tx_bytes", "rx_packets", "tx_packets", "rx_errors", "tx_errors", "rx_dropped", "tx_dropped")


@dataclass(frozen=True, slots=True)
class NetInterface:
    """One interface as sysfs shows it. Counters are raw totals; rates come from derive.

    Attributes:
        name: the interface name.
        kind: loopback, physical, bond, bridge, vlan, veth, tap, tun, wireless, or
            the DEVTYPE/``virtual`` for other software devices.
        operstate: RFC 2863 state (``up``, ``down``, ``lowerlayerdown``, ``unknown``…).
        admin_up: IFF_UP, the administrative state; None when unreadable.
        carrier: the physical link; None when unknown (interface down).
        speed_mbps: negotiated speed in Mb/s; None when unknown.
        duplex: ``full``/``half``; None when unknown.
        mtu: bytes.
        master: the bond or bridge this interface belongs to, or None.
        mac: the hardware address.
        ifindex: the kernel's index.
        iflink: the ifindex of the lower device (equal to ifindex when none).
        link: the lower device's name when it is in this namespace (VLAN parent, veth peer).
        carrier_changes_total: how often the carrier went up or down.
        rx_bytes_total: received bytes; the other ``*_total`` likewise.
        reason: set when the interface vanished while being read.

    """

    name: str
    kind: str
    operstate: str | None
    admin_up: bool | None
    carrier: bool | None
    speed_mbps: int | None
    duplex: str | None
    mtu: int | None
    master: str | None
    mac: str | None
    ifindex: int | None
    iflink: int | None
    link: str | None = None
    carrier_changes_total: int | None = None
    rx_bytes_total: int | None = None
    tx_bytes_total: int | None = None
    rx_packets_total: int | None = None
    tx_packets_total: int | None = None
    rx_errors_total: int | None = None
    tx_errors_total: int | None = None
    rx_dropped_total: int | None = None
    tx_dropped_total: int | None = None
    reason: str | None = None


def parse_flags(text: str) -> int:
    """Parse ``flags`` (``0x1003``).

    Raises:
        ParseError: not a hexadecimal number.

    """
    try:
        return int(text.strip(), 16)
    except ValueError:
        raise ParseError(f"flags is not hexadecimal: {text.strip()[:40]!r}") from None


def parse_speed(text: str | None) -> int | None:
    """Parse ``speed`` in Mb/s: -1 (SPEED_UNKNOWN), 0, garbage or absent are None."""
    if text is None:
        return None
    try:
        value = int(text.strip())
    except ValueError:
        return None
    # Some drivers print SPEED_UNKNOWN as an unsigned 32-bit number.
    return value if 0 < value < 0xFFFFFFFF else None


def parse_uevent(text: str | None) -> dict[str, str]:
    """Parse a ``uevent`` file's KEY=value lines; other lines are ignored."""
    out: dict[str, str] = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def classify(arphrd: int | None, devtype: str | None, entries: set[str], tun_flags: int | None) -> str:
    """Name an interface's kind from what sysfs shows of it (veth is decided later, by peer).

    Args:
        arphrd: the ``type`` attribute (ARPHRD_*).
        devtype: uevent's DEVTYPE, if any.
        entries: the names in the interface's directory.
        tun_flags: ``tun_flags`` for tun/tap devices.

    """
    if arphrd == ARPHRD_LOOPBACK:
        return "loopback"
    if "bonding" in entries or devtype == "bond":
        return "bond"
    if "bridge" in entries or devtype == "bridge":
        return "bridge"
    if devtype in ("vlan", "wlan"):
        return "vlan" if devtype == "vlan" else "wireless"
    if tun_flags is not None:
        return "tap" if tun_flags & IFF_TAP else "tun"
    if "wireless" in entries or "phy80211" in entries:
        return "wireless"
    if devtype:
        return devtype
    if "device" in entries:
        return "physical"
    return "virtual"


class AttrDir:
    """One sysfs directory, read attribute by attribute through a directory descriptor.

    An interface has ~20 attributes and a node may have hundreds of interfaces. Opening
    each one relative to the directory with a bare ``os.open``/``os.read`` costs a third
    of ``open(Path)`` with its buffered file object (measured here: 2,020 reads in 40 ms
    against 104 ms), and it still reads only under the rooted ``SysFS``. One ``read`` of a
    page is the whole attribute (sysfs attributes are at most PAGE_SIZE).
    """

    def __init__(self, fs: SysFS, rel: str) -> None:
        """Open ``rel`` under ``fs``.

        Raises:
            OSError: the directory is gone (the interface vanished).

        """
        self._fd = os.open(fs.str_path(rel), os.O_RDONLY | os.O_DIRECTORY)

    def __enter__(self) -> AttrDir:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self._fd)

    def text(self, name: str) -> str | None:
        """The attribute's text, stripped; None when absent or the driver refuses (EINVAL…)."""
        try:
            fd = os.open(name, os.O_RDONLY, dir_fd=self._fd)
        except OSError:
            return None
        try:
            return os.read(fd, 4096).decode("utf-8", errors="replace").strip()
        except OSError:
            return None
        finally:
            os.close(fd)

    def int(self, name: str) -> int | None:
        """The attribute as an integer, None when absent, refused or not a number."""
        text = self.text(name)
        try:
            return None if text is None else int(text)
        except ValueError:
            return None

    def link(self, name: str) -> str | None:
        """The basename of a symlink's target (``master`` → ``bond0``), or None."""
        try:
            return os.path.basename(os.readlink(name, dir_fd=self._fd))
        except OSError:
            return None


def _hex(text: str | None) -> int | None:
    try:
        return None if text is None else parse_flags(text)
    except ParseError:
        return None


def read_interface(fs: SysFS, name: str) -> NetInterface | None:
    """Read one interface; None when it vanished before anything could be read."""
    base = f"class/net/{name}"
    entries = set(fs.listdir(base))
    if not entries:
        return None
    try:
        attrs = AttrDir(fs, base)
    except OSError:  # listed, then unregistered before we got to it
        return NetInterface(name, classify(None, None, entries, None), None, None, None, None, None, None, None,
                            None, None, None, reason="vanished while being read")
    with attrs:
        flags = _hex(attrs.text("flags"))
        arphrd = ARPHRD_LOOPBACK if flags is not None and flags & IFF_LOOPBACK else None
        # Every open costs: read uevent (for DEVTYPE) only when the entries do not already
        # say what the device is, tun_flags only where it exists.
        known = arphrd is not None or bool(entries & {"bonding", "bridge", "tun_flags", "device"})
        devtype = None if known else parse_uevent(attrs.text("uevent")).get("DEVTYPE")
        tun_flags = (_hex(attrs.text("tun_flags")) or 0) if "tun_flags" in entries else None
        kind = classify(arphrd, devtype, entries, tun_flags)
        carrier = attrs.int("carrier")
        stats = {c: attrs.int(f"statistics/{c}") for c in _COUNTERS}
        mtu = attrs.int("mtu")
        # tun/tap report a made-up 10 Gb/s and bridges/loopback none at all: not a link speed.
        real_link = kind not in ("loopback", "bridge", "tap", "tun")
        duplex = attrs.text("duplex") if real_link else None
        iface = NetInterface(
            name=name,
            kind=kind,
            operstate=attrs.text("operstate"),
            admin_up=None if flags is None else bool(flags & IFF_UP),
            carrier=None if carrier is None else carrier != 0,
            speed_mbps=parse_speed(attrs.text("speed")) if real_link else None,
            duplex=duplex if duplex in ("full", "half") else None,
            mtu=mtu,
            master=attrs.link("master"),
            mac=attrs.text("address"),
            ifindex=attrs.int("ifindex"),
            iflink=attrs.int("iflink"),
            carrier_changes_total=attrs.int("carrier_changes"),
            rx_bytes_total=stats["rx_bytes"], tx_bytes_total=stats["tx_bytes"],
            rx_packets_total=stats["rx_packets"], tx_packets_total=stats["tx_packets"],
            rx_errors_total=stats["rx_errors"], tx_errors_total=stats["tx_errors"],
            rx_dropped_total=stats["rx_dropped"], tx_dropped_total=stats["tx_dropped"],
        )
    if mtu is None and not fs.exists(base):
        iface = dataclasses.replace(iface, reason="vanished while being read")
    return iface


def _with_link(iface: NetInterface, by_index: dict[int, NetInterface]) -> NetInterface:
    if iface.iflink is None or iface.ifindex is None or iface.iflink in (iface.ifindex, 0):
        return iface
    lower = by_index.get(iface.iflink)
    kind = iface.kind
    if kind == "virtual":
        # veth ends point at each other; a peer outside this namespace is not visible,
        # which is the usual veth case (containers) too.
        kind = "veth" if lower is None or lower.iflink == iface.ifindex else "virtual"
    return dataclasses.replace(iface, kind=kind, link=lower.name if lower else None)


def collect_interfaces(fs: SysFS) -> list[NetInterface]:
    """Read every interface in ``class/net``, resolving lower links by ifindex."""
    found = [i for name in fs.listdir("class/net") if (i := read_interface(fs, name)) is not None]
    by_index = {i.ifindex: i for i in found if i.ifindex is not None}
    return [_with_link(i, by_index) for i in found]
