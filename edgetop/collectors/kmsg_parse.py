r"""Kernel log records: parse ``/dev/kmsg``'s format and classify what a technician must see.

Documentation/ABI/testing/dev-kmsg: ``prio,seq,usec,flags[,...];text`` with ``prio`` =
facility * 8 + level (syslog(2) levels: 0 emerg … 3 err, 4 warning … 7 debug), ``seq`` a
64-bit sequence number (a gap means records were lost), ``usec`` microseconds since boot
by the printk clock, ``flags`` ``-`` (or ``c`` for a continuation on old kernels). The
kernel escapes unprintable bytes in the text as ``\xNN`` (backslash, x, two hex digits); continuation lines
(`` SUBSYSTEM=pci``, `` DEVICE=+pci:…``) follow, each starting with a space.

The classes follow where the kernel speaks about hardware and storage: the x86 machine
check handler and APEI/GHES (``mce:``, ``[Hardware Error]``), EDAC drivers (``EDAC MC0: 1
CE …``), the thermal throttling interrupt (``Core temperature above threshold, cpu clock
throttled``), the OOM killer (``Out of memory: Killed process``), NIC drivers' link
messages and the netdev watchdog (``NETDEV WATCHDOG: eth0 (e1000e): transmit queue 0 timed
out``), the block layer (``I/O error, dev sda, sector …``) and filesystems (``EXT4-fs
error``, ``XFS (dm-0): Corruption detected``, read-only remounts).
"""

from __future__ import annotations

import re

import msgspec

from edgetop.model.events import cap_text

_CONTROLS = {c: "?" for c in (*range(0x20), 0x7F)}  # a stand-in file may hold raw escapes; the kernel's never do


class KernelRecord(msgspec.Struct, frozen=True):
    """One kernel log record (its continuation lines dropped: the text says what matters)."""

    level: int
    facility: int
    seq: int
    usec: int
    text: str


def parse_record(raw: str) -> KernelRecord | None:
    """Parse one record; None when it is not in the ``prio,seq,usec,flags;text`` format."""
    head, sep, rest = raw.partition(";")
    if not sep:
        return None
    fields = head.split(",")
    if len(fields) < 4:
        return None
    try:
        prio, seq, usec = int(fields[0]), int(fields[1]), int(fields[2])
    except ValueError:
        return None
    if prio < 0 or seq < 0 or usec < 0:
        return None
    text = rest.split("\n", 1)[0]
    if not text.isprintable():
        text = text.translate(_CONTROLS)
    return KernelRecord(prio & 7, prio >> 3, seq, usec, cap_text(text))


class Classified(msgspec.Struct, frozen=True):
    """What a record is about: its kind, subject and severity."""

    kind: str
    subject: str
    severity: str


# Order matters: EDAC lines mention MCE, XFS's "metadata I/O error" is a filesystem error.
_EDAC = re.compile(r"\bEDAC\b")
_EDAC_ERROR = re.compile(r"\b(?:CE|UE)\b|[Cc]orrected|[Uu]ncorrect")
_EDAC_UE = re.compile(r"\bUE\b|[Uu]ncorrect|[Ff]atal")
_EDAC_MC = re.compile(r"\b(MC\d+)\b")
_HARDWARE = re.compile(r"\[Hardware Error\]|Machine check|\bmce: |\bMCE\b|HANDLING MCE|Hardware error")
_HW_CPU = re.compile(r"\bCPU:? ?(\d+)\b")
_HW_FATAL = re.compile(r"[Uu]ncorrect|[Ff]atal|[Pp]anic|context corrupt|\bUC\b|\bUE\b")
_THERMAL = re.compile(r"temperature above threshold|cpu clock throttled|critical temperature reached"
                      r"|temperature/speed normal|[Tt]hermal.*(?:throttl|critical|shutdown)")
_THERMAL_CPU = re.compile(r"\b(CPU\d+)\b|\b(thermal_zone\d+)\b")
_OOM = re.compile(r"Killed process (\d+) \(([^)]*)\)")
_WATCHDOG = re.compile(r"NETDEV WATCHDOG: ([\w.:@-]+)")
_NIC_HANG = re.compile(r"Detected (?:Tx Unit|Hardware Unit) Hang|\b[Tt][Xx] timeout|tx_timeout")
_LINK = re.compile(r"([\w.@-]+):? (?:NIC )?[Ll]ink is (Up|Down)\b"
                   r"|\(slave ([\w.@-]+)\): link status definitely (up|down)"
                   r"|ADDRCONF\(NETDEV_CHANGE\): ([\w.@-]+): link becomes ready()")
_FS = re.compile(r"EXT[234]-fs error|EXT[234]-fs \(([\w.-]+)\): (?:Remounting filesystem read-only|error|"
                 r"I/O error|.*journal.*abort)|XFS \(([\w.-]+)\): (?:Corruption|.*I/O error|.*shut ?down|"
                 r"Filesystem has been shut down)|BTRFS (?:error|critical)|Remounting filesystem read-only"
                 r"|Aborting journal on device")
_FS_DEVICE = re.compile(r"\(device ([\w.-]+)\)|^(?:EXT[234]-fs|XFS|BTRFS\s\w+) \(([\w.-]+)\)|on device ([\w.-]+)")
_IO = re.compile(r"I/O error|critical (?:medium|target) error|Medium Error|exception Emask|failed command"
                 r"|nvme\d+: I/O \d+ QID \d+ timeout|end_request: I/O error|Unrecovered read error")
_IO_DEVICE = re.compile(r"\bdev ([\w.-]+)|\(?device ([\w.-]+)\)?|\b(nvme\d+)\b|\b(ata\d+(?:\.\d+)?)\b|\[(sd[a-z]+)\]")
# Every rule's keyword in one pattern: most records are routine, and one failed search is
# several times cheaper than every rule's (the first read of a full buffer classifies all of it).
_ANY = re.compile(r"EDAC|[Hh]ardware|Machine check|mce|MCE|temperature|[Tt]hermal|Killed process|WATCHDOG|Hang"
                  r"|[Tt][Xx] timeout|tx_timeout|[Ll]ink|I/O|critical|[Mm]edium|Emask|failed command"
                  r"|EXT[234]-fs|XFS|BTRFS|read-only|[Jj]ournal|QID")
_PREFIX = re.compile(r"^([\w.:@/-]{1,40}?):? ")


def _first(match: re.Match[str] | None, default: str) -> str:
    if match is None:
        return default
    return next((g for g in match.groups() if g), default).rstrip(".:")


def classify(record: KernelRecord) -> Classified | None:
    """The kind of a record, or None when it is routine (not shown on the timeline).

    Anything at level err (3) or worse that no rule names is kept as ``kernel``: notable,
    even when we do not know what it means.
    """
    text = record.text
    if not _ANY.search(text):
        return Classified("kernel", _first(_PREFIX.search(text), "kernel"), "warning") if record.level <= 3 else None
    if _EDAC.search(text):
        # Only the counted error lines ("1 CE memory read error", "UE …"): the decoder's
        # detail lines around them (TSC, ADDR, "HANDLING MCE MEMORY ERROR") would count one error many times.
        if not _EDAC_ERROR.search(text):
            return None if record.level > 3 else Classified("kernel", "EDAC", "warning")
        severity = "critical" if _EDAC_UE.search(text) else "warning"
        return Classified("edac", _first(_EDAC_MC.search(text), "EDAC"), severity)
    if _HARDWARE.search(text):
        # "Machine check events logged" follows corrected errors (an uncorrected one panics
        # or says so): a warning unless the line itself says uncorrected or fatal.
        severity = "critical" if _HW_FATAL.search(text) else "warning"
        cpu = _HW_CPU.search(text)
        return Classified("hardware", f"CPU{cpu.group(1)}" if cpu else "machine check", severity)
    if _THERMAL.search(text):
        severity = "info" if "normal" in text else "warning"
        return Classified("thermal", _first(_THERMAL_CPU.search(text), "thermal"), severity)
    oom = _OOM.search(text)
    if oom:
        return Classified("oom", f"{oom.group(2)} ({oom.group(1)})", "warning")
    watchdog = _WATCHDOG.search(text)
    if watchdog and "WATCHDOG: CPU" in text:  # 6.x: "eth4: NETDEV WATCHDOG: CPU: 3: transmit queue 0 timed out"
        return Classified("nic_timeout", _link_device(text), "warning")
    if watchdog:
        return Classified("nic_timeout", watchdog.group(1), "warning")
    if _NIC_HANG.search(text):
        return Classified("nic_timeout", _link_device(text), "warning")
    link = _LINK.search(text)
    if link:
        device = link.group(1) or link.group(3) or link.group(5)
        down = (link.group(2) or link.group(4) or "").lower() == "down"
        return Classified("link", device, "warning" if down else "info")
    if _FS.search(text):
        return Classified("fs_error", _first(_FS_DEVICE.search(text), "filesystem"), "critical")
    if _IO.search(text):
        return Classified("io_error", _first(_IO_DEVICE.search(text), "block"), "critical")
    if record.level <= 3:
        return Classified("kernel", _first(_PREFIX.search(text), "kernel"), "warning")
    return None


def _link_device(text: str) -> str:
    """The interface a NIC driver's message is about: the token before ``: `` nearest the keyword."""
    names = re.findall(r"\b([a-z][\w.@-]{1,15}): ", text)
    return names[0] if names else "nic"
