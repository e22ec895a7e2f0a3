"""The vCPU delay fallback: QEMU's vCPU threads' run-queue wait from ``/proc``.

When the hypervisor does not report ``vcpu.N.delay`` (libvirt < 7.9, or a driver
without it), the same number is in ``/proc/<qemu-pid>/task/<tid>/schedstat``: the
second field is the time the thread spent runnable on a run queue but not running
(Documentation/scheduler/sched-stats.rst), which is what the guest sees as steal.
QEMU names its vCPU threads ``CPU <n>/KVM`` (``/proc/<pid>/task/<tid>/comm``), and its
command line carries ``-uuid <uuid>``, which ties a process to a libvirt domain.

Only meaningful for a local hypervisor; all reads go through :class:`ProcFS`.
"""

from __future__ import annotations

import re

import msgspec

from edgetop.errors import ParseError
from edgetop.sources.fs import ProcFS

_VCPU_COMM = re.compile(r"^CPU (\d+)/(KVM|TCG|HVF|WHPX)$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class VcpuThread(msgspec.Struct, frozen=True):
    """One QEMU vCPU thread's scheduler counters (nanoseconds)."""

    vcpu: int
    tid: int
    run_ns_total: int
    wait_ns_total: int
    slices_total: int


def parse_schedstat(text: str) -> tuple[int, int, int]:
    """Parse ``/proc/<pid>/task/<tid>/schedstat``: run ns, run-queue wait ns, timeslices.

    Raises:
        ParseError: not three non-negative integers.

    """
    fields = text.split()
    if len(fields) < 3:
        raise ParseError(f"schedstat has {len(fields)} fields, expected 3")
    try:
        run, wait, slices = (int(f) for f in fields[:3])
    except ValueError as err:
        raise ParseError(f"schedstat is not numeric: {text.strip()[:60]!r}") from err
    if min(run, wait, slices) < 0:
        raise ParseError("schedstat has a negative field")
    return run, wait, slices


def parse_vcpu_comm(text: str) -> int | None:
    """Return the vCPU number of a QEMU thread name (``CPU 3/KVM`` → 3), else None."""
    m = _VCPU_COMM.match(text.strip())
    return int(m.group(1)) if m else None


def parse_qemu_uuid(cmdline: str) -> str | None:
    """Return the ``-uuid`` argument of a NUL-separated QEMU command line, lower case."""
    args = cmdline.split("\0")
    for i, arg in enumerate(args[:-1]):
        if arg == "-uuid" and _UUID.match(args[i + 1]):
            return args[i + 1].lower()
    return None


def find_qemu_pids(fs: ProcFS) -> dict[str, int]:
    """Map domain UUID (lower case) → QEMU pid, from processes named ``qemu*``.

    Reads ``comm`` first (one short read per process) and the command line only for
    QEMU processes, so a scan costs little on a node with many processes.
    """
    out: dict[str, int] = {}
    for entry in fs.listdir():
        if not entry.isdigit():
            continue
        comm = fs.read_str(f"{entry}/comm")
        if not comm or not comm.startswith(("qemu", "kvm")):
            continue
        cmdline = fs.read_optional(f"{entry}/cmdline")
        uuid = parse_qemu_uuid(cmdline) if cmdline else None
        if uuid is not None:
            out[uuid] = int(entry)
    return out


def read_vcpu_threads(fs: ProcFS, pid: int) -> dict[int, VcpuThread]:
    """Read every vCPU thread of QEMU process ``pid``; an absent process gives {}."""
    out: dict[int, VcpuThread] = {}
    for tid in fs.listdir(f"{pid}/task"):
        if not tid.isdigit():
            continue
        vcpu = parse_vcpu_comm(fs.read_str(f"{pid}/task/{tid}/comm") or "")
        if vcpu is None:
            continue
        text = fs.read_optional(f"{pid}/task/{tid}/schedstat")
        if text is None:
            continue
        try:
            run, wait, slices = parse_schedstat(text)
        except ParseError:
            continue
        out[vcpu] = VcpuThread(vcpu, int(tid), run, wait, slices)
    return out
