"""Virtualisation checks: each pure function table-driven over facts, the facts over fixture trees."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from msgspec.structs import replace

from edgetop.collectors.checks import virt
from edgetop.collectors.checks.virt import DENIED, ERROR, MISSING, OPENED, KvmAccess, VirtFacts
from edgetop.model.checks import CheckStatus
from edgetop.sources.fs import ProcFS
from edgetop.sources.process import Completed, ToolMissing
from tests.collectors.checks_trees import build

PASS, WARN, FAIL, UNKNOWN = CheckStatus.PASS, CheckStatus.WARN, CheckStatus.FAIL, CheckStatus.UNKNOWN

KVM_OK = KvmAccess("/dev/kvm", OPENED, "/dev/kvm opened read-write (crw-rw---- uid 0 gid 104)")
KVM_GONE = KvmAccess("/dev/kvm", MISSING, "/dev/kvm does not exist")
KVM_DENIED = KvmAccess("/dev/kvm", DENIED, "permission denied reading /dev/kvm (crw-rw---- uid 0 gid 104)")
KVM_ODD = KvmAccess("/dev/kvm", ERROR, "/dev/kvm: Input/output error")
BASE = VirtFacts(cpuinfo_path="/proc/cpuinfo", cpuinfo_read=True, flags=frozenset({"lm", "vmx"}), kvm=KVM_OK,
                 modules_path="/proc/modules", modules=frozenset({"kvm", "kvm_intel"}), kernel="6.1.0-18-amd64",
                 kernel_path="/proc/sys/kernel/osrelease", arch="x86_64", arch_source="/proc/sys/kernel/arch")


@pytest.mark.parametrize(("change", "status", "words"), [
    ({}, PASS, "vmx in the flags of /proc/cpuinfo"),
    ({"flags": frozenset({"svm"})}, PASS, "svm in the flags"),
    # this VM: the hypervisor below hides the flags, nested KVM works: trust the device
    ({"flags": frozenset({"lm"})}, PASS, "no vmx or svm in the flags of /proc/cpuinfo, but /dev/kvm exists"),
    ({"flags": frozenset({"lm"}), "kvm": KVM_DENIED}, PASS, "/dev/kvm exists"),
    ({"flags": frozenset({"lm"}), "kvm": KVM_GONE}, FAIL, "no vmx or svm in the flags of /proc/cpuinfo; /dev/kvm "
                                                          "does not exist"),
    ({"flags": None, "kvm": KVM_GONE}, UNKNOWN, "no flags line in /proc/cpuinfo"),  # ARM: "Features"
    ({"flags": None, "cpuinfo_read": False, "kvm": KVM_GONE}, UNKNOWN, "cannot read /proc/cpuinfo"),
])
def test_cpu_flags(change: dict[str, object], status: CheckStatus, words: str) -> None:
    check = virt.check_cpu_flags(replace(BASE, **change))  # type: ignore[arg-type]
    assert (check.id, check.status) == ("virt.cpu_flags", status)
    assert words in check.evidence
    assert (check.fix is not None) == (status is FAIL)


@pytest.mark.parametrize(("kvm", "status", "fix"), [
    (KVM_OK, PASS, None),
    (KVM_GONE, FAIL, "modprobe kvm_intel"),
    (KVM_DENIED, FAIL, "usermod -aG kvm"),
    (KVM_ODD, UNKNOWN, None),
])
def test_dev_kvm(kvm: KvmAccess, status: CheckStatus, fix: str | None) -> None:
    check = virt.check_dev_kvm(replace(BASE, kvm=kvm))
    assert check.status is status and check.evidence == kvm.detail
    assert (fix is None and check.fix is None) or (fix is not None and fix in (check.fix or ""))


@pytest.mark.parametrize(("modules", "kvm", "status", "words"), [
    (frozenset({"kvm", "kvm_intel", "irqbypass"}), KVM_OK, PASS, "kvm and kvm_intel in /proc/modules"),
    (frozenset({"kvm", "kvm_amd"}), KVM_GONE, PASS, "kvm and kvm_amd"),
    (None, KVM_OK, PASS, "KVM is built in"),  # this machine: no /proc/modules at all
    (frozenset({"e1000"}), KVM_OK, PASS, "no kvm in /proc/modules, but /dev/kvm exists"),
    (None, KVM_GONE, FAIL, "no /proc/modules and /dev/kvm does not exist"),
    (frozenset({"kvm"}), KVM_GONE, FAIL, "kvm but no kvm_intel or kvm_amd"),
    (frozenset({"e1000"}), KVM_GONE, FAIL, "no kvm module"),
])
def test_kvm_modules(modules: frozenset[str] | None, kvm: KvmAccess, status: CheckStatus, words: str) -> None:
    check = virt.check_kvm_modules(replace(BASE, modules=modules, kvm=kvm))
    assert check.status is status and words in check.evidence


@pytest.mark.parametrize(("kernel", "arch", "status"), [
    ("6.1.0-18-amd64", "x86_64", PASS),
    ("5.15.0", "aarch64", PASS),
    ("6.18.44-fc-v1294", "x86_64", PASS),
    ("5.14.21", "x86_64", WARN),
    ("4.19.0-27-686-pae", "i686", FAIL),
    ("6.1.0", "armv7l", FAIL),
    (None, "x86_64", UNKNOWN),
    ("6.1.0", None, UNKNOWN),
    ("custom", "x86_64", UNKNOWN),
])
def test_kernel(kernel: str | None, arch: str | None, status: CheckStatus) -> None:
    check = virt.check_kernel(replace(BASE, kernel=kernel, arch=arch))
    assert check.status is status


@pytest.mark.parametrize(("text", "flags"), [
    ("", None),
    ("processor\t: 0\nFeatures\t: fp asimd evtstrm\n", None),
    ("processor\t: 0\nflags\t\t: fpu vmx lm\n\nprocessor\t: 1\nflags\t\t: fpu\n", frozenset({"fpu", "vmx", "lm"})),
    ("flags:\n", frozenset()),
])
def test_parse_cpu_flags(text: str, flags: frozenset[str] | None) -> None:
    assert virt.parse_cpu_flags(text) == flags


def test_parse_modules_and_kernel_version() -> None:
    assert virt.parse_modules("kvm_intel 389120 0 - Live 0x0\n\nkvm 1 1 kvm_intel, Live 0x0\n") == {"kvm", "kvm_intel"}
    assert virt.kernel_version("6.18.44-fc-v1294") == (6, 18)
    assert virt.kernel_version("5.15") == (5, 15)
    assert virt.kernel_version("v6") is None


def test_probe_device(tmp_path: Path) -> None:
    device = tmp_path / "kvm"
    device.write_text("")
    opened = virt.probe_device(device)
    assert opened.state == OPENED and opened.detail.startswith(f"{device} opened read-write (-rw-")
    assert virt.probe_device(tmp_path / "absent").state == MISSING

    def refuse(path: str, flags: int) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", path)

    denied = virt.probe_device(device, refuse)
    assert denied.state == DENIED and denied.detail.startswith(f"permission denied reading {device}")

    def broken(path: str, flags: int) -> int:
        raise OSError(errno.EIO, "Input/output error", path)

    assert virt.probe_device(device, broken).state == ERROR


class Uname:
    """A recorded ``uname -m``; counts its calls."""

    def __init__(self, answer: str | None) -> None:
        self.answer, self.calls = answer, 0

    def installed(self, tool: str) -> bool:
        return self.answer is not None

    def __call__(self, argv: list[str], timeout: float) -> Completed:
        self.calls += 1
        assert list(argv) == ["uname", "-m"]
        if self.answer is None:
            raise ToolMissing(argv, "uname not installed")
        return Completed(tuple(argv), 0, self.answer + "\n", "")


def test_gather_good_tree(tmp_path: Path) -> None:
    tree = build("good", tmp_path)
    uname = Uname("aarch64")
    facts = virt.gather_virt(tree.procfs, tree.root, uname)
    assert facts.flags is not None and {"vmx", "lm"} <= facts.flags
    assert facts.modules == {"kvm", "kvm_intel", "irqbypass"}
    assert (facts.kernel, facts.arch, uname.calls) == ("6.1.0-18-amd64", "x86_64", 0)  # arch from the tree
    assert facts.kvm.state == OPENED and facts.kvm.path == str(tree.root / "dev" / "kvm")
    assert [c.status for c in virt.run_checks(facts)] == [PASS, PASS, PASS, PASS]


def test_gather_bad_tree(tmp_path: Path) -> None:
    tree = build("bad", tmp_path)
    checks = {c.id: c for c in virt.run_checks(virt.gather_virt(tree.procfs, tree.root, Uname(None)))}
    assert {k: c.status for k, c in checks.items()} == {
        "virt.cpu_flags": FAIL, "virt.dev_kvm": FAIL, "virt.kvm_modules": FAIL, "virt.kernel": FAIL}
    assert checks["virt.kernel"].evidence == (f"kernel 4.19.0-27-686-pae ({tree.procfs.path('sys/kernel/osrelease')}), "
                                              f"architecture i686 ({tree.procfs.path('sys/kernel/arch')})")


def test_arch_falls_back_to_uname(tmp_path: Path) -> None:
    uname = Uname("x86_64")
    facts = virt.gather_virt(ProcFS(tmp_path), tmp_path, uname)
    assert (facts.arch, facts.arch_source, uname.calls) == ("x86_64", "uname -m", 1)
    assert (facts.kernel, facts.flags, facts.modules, facts.kvm.state) == (None, None, None, MISSING)
    assert virt.check_kernel(facts).status is UNKNOWN
    assert virt.gather_virt(ProcFS(tmp_path), tmp_path, Uname(None)).arch is None
