"""AppArmor and SELinux denials for QEMU in the kernel log: "Permission denied" even as root.

Read from ``dmesg`` (the ring buffer, never cleared: no ``-c``/``-C``) and from the tail of
auditd's log when auditd takes the audit lines away from the ring buffer. Only the
matching lines are kept, not the log.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from edgetop.model.checks import Check, CheckId
from edgetop.sources.fs import describe_oserror
from edgetop.sources.process import CommandError, CommandRunner, first_line

MAC_DENIALS = CheckId("libvirt.mac_denials", "no AppArmor/SELinux denials for QEMU in the kernel log")
CHECKS = (MAC_DENIALS,)

AUDIT_LOG = "var/log/audit/audit.log"
TAIL_BYTES = 1024 * 1024  # the newest megabyte of the audit log: the recent past is what matters
MAX_KEPT = 50
_DENIED = re.compile(r'apparmor="DENIED"|avc:\s+denied')
_QEMU = re.compile(r'comm="qemu|profile="libvirt-|profile="virt-aa-helper|svirt_|comm="libvirtd')
_KVM = re.compile(r'/dev/kvm|name="kvm"|kvm_device_t')


@dataclass(frozen=True, slots=True)
class LogRead:
    """What one log gave: how many lines were read and the denials among them, or why it could not be read."""

    source: str
    lines: int = 0
    denials: tuple[str, ...] = ()
    error: str | None = None


def find_denials(text: str) -> tuple[int, tuple[str, ...]]:
    """Count the lines of ``text`` and keep the last :data:`MAX_KEPT` MAC denials that concern QEMU."""
    lines = text.splitlines()
    found = [line.strip() for line in lines if _DENIED.search(line) and _QEMU.search(line)]
    return len(lines), tuple(found[-MAX_KEPT:])


def read_dmesg(run: CommandRunner) -> LogRead:
    """The kernel ring buffer through ``dmesg`` (read only)."""
    try:
        done = run(["dmesg"], 5.0)
    except CommandError as err:
        return LogRead("dmesg", error=str(err))
    if done.returncode != 0:
        return LogRead("dmesg", error=f"dmesg exited {done.returncode}: {first_line(done.stderr) or 'no message'}")
    lines, denials = find_denials(done.stdout)
    return LogRead("dmesg", lines, denials)


def read_tail(path: Path, max_bytes: int = TAIL_BYTES) -> str | None:
    """The last ``max_bytes`` of a regular file (from its first whole line); None when absent or unreadable."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block the read forever
            return None
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        size = os.fstat(fd).st_size
        start = max(0, size - max_bytes)
        data = os.pread(fd, max_bytes, start)
    except OSError:
        return None
    finally:
        os.close(fd)
    text = data.decode("utf-8", errors="replace")
    return text.split("\n", 1)[1] if start > 0 and "\n" in text else text


def read_audit_log(host_root: Path) -> LogRead | None:
    """The audit daemon's log under ``host_root``, if it exists (None: no auditd here)."""
    path = host_root / AUDIT_LOG
    if not path.exists():
        return None
    text = read_tail(path)
    if text is None:
        try:
            os.stat(path)
            reason = f"cannot read {path}"
        except OSError as err:
            reason = describe_oserror(err, path)
        return LogRead(str(path), error=reason)
    lines, denials = find_denials(text)
    return LogRead(str(path), lines, denials)


def gather_kernel_log(run: CommandRunner, host_root: Path) -> tuple[LogRead, ...]:
    """Every log that could hold the denials."""
    audit = read_audit_log(host_root)
    return (read_dmesg(run),) if audit is None else (read_dmesg(run), audit)


def check_mac_denials(logs: tuple[LogRead, ...]) -> Check:
    """A denial of ``/dev/kvm`` fails (guests cannot start); other denials for QEMU warn."""
    read = [log for log in logs if log.error is None]
    if not read:
        why = "; ".join(f"{log.source}: {log.error}" for log in logs) or "no log"
        return MAC_DENIALS.unknown(why, "Run the check as root, or allow reading the kernel log "
                                        "(sysctl kernel.dmesg_restrict=0), so that it can see denials.")
    denials = [d for log in read for d in log.denials]
    seen = ", ".join(f"{log.source} ({log.lines} line{'' if log.lines == 1 else 's'})" for log in read)
    if not denials:
        return MAC_DENIALS.passed(f"no AppArmor or SELinux denial for QEMU in {seen}")
    kvm = [d for d in denials if _KVM.search(d)]
    plural = "s" if len(denials) != 1 else ""
    evidence = f"{len(denials)} denial{plural} for QEMU in {seen}; last: {(kvm or denials)[-1]}"
    if kvm:
        return MAC_DENIALS.fail(evidence, "The security profile keeps QEMU from /dev/kvm: fix the libvirt AppArmor "
                                          "profile (abstractions/libvirt-qemu) or the SELinux labels (restorecon "
                                          "/dev/kvm), then start the guest again.")
    return MAC_DENIALS.warn(evidence, "A security profile refused QEMU something: read the denial, then adjust the "
                                      "AppArmor profile or SELinux policy instead of disabling it.")
