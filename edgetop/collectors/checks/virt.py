"""Virtualisation checks: CPU extensions, ``/dev/kvm``, the KVM modules, kernel and architecture.

This machine's kind of VM shows why the checks lean on ``/dev/kvm``: a hypervisor below
may hide ``vmx``/``svm`` from ``/proc/cpuinfo`` while nested KVM works, and a kernel
without loadable modules has no ``/proc/modules`` at all. A ``/dev/kvm`` that opens
read-write is the proof that KVM works; the flags and modules are explanations when it does not.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import msgspec

from edgetop.model.checks import Check, CheckId
from edgetop.sources.fs import ProcFS, describe_oserror
from edgetop.sources.process import CommandError, CommandRunner

CPU_FLAGS = CheckId("virt.cpu_flags", "CPU virtualisation extensions (VT-x/AMD-V)")
DEV_KVM = CheckId("virt.dev_kvm", "/dev/kvm present and usable by this account")
KVM_MODULES = CheckId("virt.kvm_modules", "KVM kernel modules loaded")
KERNEL = CheckId("virt.kernel", "64-bit kernel 5.15 or newer")
CHECKS = (CPU_FLAGS, DEV_KVM, KVM_MODULES, KERNEL)

MIN_KERNEL = (5, 15)
_64BIT = ("x86_64", "aarch64", "arm64", "ppc64", "ppc64le", "s390x", "riscv64", "loongarch64", "mips64")
_VENDOR_MODULES = ("kvm_intel", "kvm_amd", "kvm_hv")

OPENED, MISSING, DENIED, ERROR = "opened", "missing", "denied", "error"


class KvmAccess(msgspec.Struct, frozen=True):
    """What opening the KVM device read-write gave.

    Attributes:
        path: the device's path as opened.
        state: ``opened``, ``missing``, ``denied`` or ``error``.
        detail: the device's mode and owner, or the error, in words.

    """

    path: str
    state: str
    detail: str


class VirtFacts(msgspec.Struct, frozen=True):
    """Facts of the virtualisation checks; None where the file could not be read."""

    cpuinfo_path: str
    cpuinfo_read: bool
    flags: frozenset[str] | None
    kvm: KvmAccess
    modules_path: str
    modules: frozenset[str] | None
    kernel: str | None
    kernel_path: str
    arch: str | None
    arch_source: str


def parse_cpu_flags(text: str) -> frozenset[str] | None:
    """The first ``flags`` line of ``/proc/cpuinfo`` (x86); None when there is none (ARM says ``Features``)."""
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "flags":
            return frozenset(value.split())
    return None


def parse_modules(text: str) -> frozenset[str]:
    """Module names from ``/proc/modules`` (the first word of each line)."""
    return frozenset(line.split(maxsplit=1)[0] for line in text.splitlines() if line.strip())


def kernel_version(release: str) -> tuple[int, int] | None:
    """``6.1.0-18-amd64`` -> (6, 1); None when it does not start with two numbers."""
    match = re.match(r"(\d+)\.(\d+)", release.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def probe_device(path: Path, opener: Callable[[str, int], int] = os.open) -> KvmAccess:
    """Open ``path`` read-write and close it at once: the only proof that this account may use KVM."""
    shown = str(path)
    try:
        fd = opener(shown, os.O_RDWR | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as err:
        if err.errno in (errno.ENOENT, errno.ENOTDIR, errno.ENODEV, errno.ENXIO):
            return KvmAccess(shown, MISSING, f"{shown} does not exist")
        state = DENIED if err.errno in (errno.EACCES, errno.EPERM) else ERROR
        return KvmAccess(shown, state, f"{describe_oserror(err, shown)} ({_mode(path)})")
    os.close(fd)
    return KvmAccess(shown, OPENED, f"{shown} opened read-write ({_mode(path)})")


def _mode(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return "mode unknown"
    return f"{stat.filemode(st.st_mode)} uid {st.st_uid} gid {st.st_gid}"


def gather_virt(procfs: ProcFS, host_root: Path, run: CommandRunner) -> VirtFacts:
    """Read the virtualisation facts (cpuinfo, modules, kernel release and arch) and probe ``/dev/kvm``."""
    cpuinfo = procfs.read_optional("cpuinfo")
    modules = procfs.read_optional("modules")
    arch = procfs.read_str("sys/kernel/arch")  # Linux 6.1+; older kernels: ask uname
    arch_source = str(procfs.path("sys/kernel/arch"))
    if not arch:
        arch_source = "uname -m"
        try:
            done = run(["uname", "-m"], 5.0)
            arch = (done.stdout.strip() or None) if done.returncode == 0 else None
        except CommandError:
            arch = None
    return VirtFacts(
        cpuinfo_path=str(procfs.path("cpuinfo")),
        cpuinfo_read=cpuinfo is not None,
        flags=parse_cpu_flags(cpuinfo) if cpuinfo is not None else None,
        kvm=probe_device(host_root / "dev" / "kvm"),
        modules_path=str(procfs.path("modules")),
        modules=parse_modules(modules) if modules is not None else None,
        kernel=procfs.read_str("sys/kernel/osrelease"),
        kernel_path=str(procfs.path("sys/kernel/osrelease")),
        arch=arch,
        arch_source=arch_source,
    )


def check_cpu_flags(f: VirtFacts) -> Check:
    """``vmx``/``svm`` in the CPU flags; a ``/dev/kvm`` that exists outweighs flags a hypervisor hid."""
    found = sorted({"vmx", "svm"} & (f.flags or frozenset()))
    if found:
        return CPU_FLAGS.passed(f"{' and '.join(found)} in the flags of {f.cpuinfo_path}")
    seen = ("cannot read" if not f.cpuinfo_read else "no flags line in" if f.flags is None
            else "no vmx or svm in the flags of")
    if f.kvm.state in (OPENED, DENIED):
        # The device exists only when a vendor module (kvm_intel, kvm_amd) accepted the CPU.
        return CPU_FLAGS.passed(f"{seen} {f.cpuinfo_path}, but {f.kvm.path} exists, so KVM accepted the CPU "
                                f"(a hypervisor below may hide the flags)")
    if f.flags is None:
        return CPU_FLAGS.unknown(f"{seen} {f.cpuinfo_path}; {f.kvm.detail}")
    return CPU_FLAGS.fail(f"{seen} {f.cpuinfo_path}; {f.kvm.detail}",
                          "Enable Intel VT-x or AMD-V (SVM) in the BIOS/UEFI set-up; in a VM, enable nested "
                          "virtualisation on the host below.")


def check_dev_kvm(f: VirtFacts) -> Check:
    """``/dev/kvm`` opens read-write for this account."""
    if f.kvm.state == OPENED:
        return DEV_KVM.passed(f.kvm.detail)
    if f.kvm.state == MISSING:
        return DEV_KVM.fail(f.kvm.detail, "Load KVM for this CPU (modprobe kvm_intel or kvm_amd) after enabling "
                                          "VT-x/AMD-V in the firmware.")
    if f.kvm.state == DENIED:
        return DEV_KVM.fail(f.kvm.detail, "Add this account to the kvm group (usermod -aG kvm USER, then log in "
                                          "again); if root is denied too, AppArmor or SELinux blocks it: see "
                                          "libvirt.mac_denials.")
    return DEV_KVM.unknown(f.kvm.detail)


def check_kvm_modules(f: VirtFacts) -> Check:
    """``kvm`` and a vendor module in ``/proc/modules``, or KVM built in (the device exists)."""
    device_exists = f.kvm.state in (OPENED, DENIED)
    if f.modules is None:
        if device_exists:
            return KVM_MODULES.passed(f"no {f.modules_path} (a kernel without loadable modules); {f.kvm.path} "
                                      f"exists, so KVM is built in")
        return KVM_MODULES.fail(f"no {f.modules_path} and {f.kvm.detail}",
                                "This kernel has neither KVM modules nor KVM built in: boot a kernel with KVM "
                                "(CONFIG_KVM and CONFIG_KVM_INTEL or CONFIG_KVM_AMD).")
    vendor = sorted(set(_VENDOR_MODULES) & f.modules)
    if "kvm" in f.modules and vendor:
        return KVM_MODULES.passed(f"kvm and {', '.join(vendor)} in {f.modules_path}")
    if device_exists:
        return KVM_MODULES.passed(f"{'kvm' if 'kvm' in f.modules else 'no kvm'} in {f.modules_path}, but "
                                  f"{f.kvm.path} exists: KVM is built in")
    if "kvm" in f.modules:
        return KVM_MODULES.fail(f"kvm but no kvm_intel or kvm_amd in {f.modules_path}",
                                "Load the vendor module (modprobe kvm_intel or kvm_amd); if it refuses, VT-x/AMD-V "
                                "is disabled in the firmware.")
    return KVM_MODULES.fail(f"no kvm module in {f.modules_path}",
                            "Load KVM (modprobe kvm_intel or kvm_amd) and add it to /etc/modules-load.d/ so that "
                            "it loads at boot.")


def check_kernel(f: VirtFacts) -> Check:
    """A 64-bit kernel, release 5.15 or newer (the set-up guide's minimum)."""
    if f.kernel is None or not f.arch:
        missing = f"{f.kernel_path} unreadable" if f.kernel is None else f"architecture unknown ({f.arch_source})"
        return KERNEL.unknown(missing)
    evidence = f"kernel {f.kernel} ({f.kernel_path}), architecture {f.arch} ({f.arch_source})"
    if f.arch not in _64BIT:
        return KERNEL.fail(evidence, "Install a 64-bit (x86_64 or aarch64) distribution: QEMU/KVM hosts are "
                                     "64-bit only.")
    version = kernel_version(f.kernel)
    if version is None:
        return KERNEL.unknown(f"{evidence}: the release does not start with a version number")
    if version < MIN_KERNEL:
        return KERNEL.warn(evidence, f"Upgrade to a kernel {MIN_KERNEL[0]}.{MIN_KERNEL[1]} or newer (the "
                                     "distribution's backports kernel): older ones lack KVM fixes the set-up "
                                     "guide relies on.")
    return KERNEL.passed(evidence)


def run_checks(f: VirtFacts) -> list[Check]:
    """Every virtualisation check, in order."""
    return [check_cpu_flags(f), check_dev_kvm(f), check_kvm_modules(f), check_kernel(f)]
