"""A real hypervisor: a private session libvirtd running tiny KVM guests this test makes.

Nothing of the system's libvirt is used: virtlogd and libvirtd run as our children in
session mode with HOME/XDG_* directories under a temp dir and their own sockets. As
root, they run as ``nobody`` inside a private mount namespace where a device node for
KVM that ``nobody`` may open is bind-mounted over ``/dev/kvm`` (the host's node is not
changed). The guests are transient: a 512-byte boot sector that spins (``jmp $``),
CPU model qemu64 (``-cpu host`` aborts here, FIELD-NOTES). No downloads.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid as uuid_mod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edgetop.collectors.libvirt_domains import DomainsCollector, DomainsRaw
from edgetop.collectors.libvirt_view import derive
from edgetop.collectors.vcpu_schedstat import find_qemu_pids, read_vcpu_threads
from edgetop.errors import SourceUnavailable
from edgetop.sources.fs import ProcFS
from edgetop.sources.libvirt_conn import LibvirtConnection, load_libvirt
from tests.helpers import stop_process, wait_until

pytestmark = [pytest.mark.kvm, pytest.mark.daemon]

if not Path("/dev/kvm").exists():
    pytest.skip("/dev/kvm is absent on this machine: no KVM guests can run", allow_module_level=True)

NOBODY = 65534
# Run as the child of ``unshare --mount``: bind our KVM node, drop to nobody, exec the daemon.
_HELPER = """
import os, subprocess, sys
kvm, uid, prog = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
if kvm != "-":
    subprocess.run(["mount", "--bind", kvm, "/dev/kvm"], check=True, timeout=10)
if uid != os.geteuid():
    os.setgroups([]); os.setgid(uid); os.setuid(uid)
os.execvp(prog[0], prog)
"""

GUEST_XML = """<domain type='kvm'><name>{name}</name><uuid>{uuid}</uuid>
<memory unit='MiB'>16</memory><vcpu>{vcpus}</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model>
<feature policy='disable' name='svm'/></cpu>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{image}'/>
<target dev='hda' bus='ide'/></disk>
<memballoon model='virtio'><stats period='1'/></memballoon>
<video><model type='none'/></video></devices></domain>"""


def poll(what: str, fn: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Call ``fn`` until it returns something truthy without raising."""
    return wait_until(what, fn, timeout, every=0.1)


class PrivateLibvirtd:
    """virtlogd + session libvirtd under ``root``, started and stopped by PID."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.as_root = os.geteuid() == 0
        self.uid = NOBODY if self.as_root else os.geteuid()
        self.env = {**os.environ}
        for key, sub in (("HOME", "home"), ("XDG_RUNTIME_DIR", "run"), ("XDG_CONFIG_HOME", "cfg"),
                         ("XDG_CACHE_HOME", "cache")):
            path = root / sub
            path.mkdir(mode=0o700)
            self.env[key] = str(path)
        self.kvm = "-"
        if self.as_root:
            os.chmod(root, 0o755)  # noqa: S103 - nobody must traverse it; holds nothing secret
            self.kvm = str(root / "kvm")
            kvm = os.stat("/dev/kvm")
            os.mknod(self.kvm, 0o600 | 0o020000, kvm.st_rdev)  # a char device node for nobody only
            for path in [root / s for s in ("home", "run", "cfg", "cache")] + [Path(self.kvm)]:
                os.chown(path, NOBODY, NOBODY)
        self.socket = root / "run" / "libvirt" / "libvirt-sock"
        self.uri = f"qemu+unix:///session?socket={self.socket}"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def _spawn(self, name: str, kvm: str) -> None:
        argv = [sys.executable, "-c", _HELPER, kvm, str(self.uid), name]
        if self.as_root:
            argv = ["unshare", "--mount", "--propagation", "private", *argv]
        log = open(self.root / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(argv, env=self.env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()

    def start(self) -> None:
        if "virtlogd" not in self.procs:
            self._spawn("virtlogd", "-")
            poll("virtlogd socket", (self.root / "run" / "libvirt" / "virtlogd-sock").exists)
        self._spawn("libvirtd", self.kvm)
        lv = load_libvirt()
        poll("libvirtd", lambda: lv.open(self.uri).close() == 0)

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is not None:
            stop_process(proc)


def make_image(path: Path) -> None:
    """A 512-byte boot sector that spins forever (``jmp $``; 0x55AA signature), padded to 64 KiB."""
    sector = b"\xeb\xfe" + b"\x00" * 508 + b"\x55\xaa"
    path.write_bytes(sector + b"\x00" * (65536 - 512))


GUESTS = (("kvm édge [bold red]one", 1), ("kvm-two", 1), ("kvm-three", 2))


@pytest.fixture(scope="module")
def hypervisor() -> Iterator[tuple[PrivateLibvirtd, list[str]]]:
    # Not pytest's tmp_path: its parent is root-only, and the daemons run as nobody.
    root = Path(tempfile.mkdtemp(prefix="edgetop-libvirtd-", dir="/tmp"))
    daemon = PrivateLibvirtd(root)
    uuids: list[str] = []
    try:
        daemon.start()
        lv = load_libvirt()
        rw = lv.open(daemon.uri)
        for i, (name, vcpus) in enumerate(GUESTS):
            image = root / f"guest{i}.img"
            make_image(image)
            if daemon.as_root:
                os.chown(image, NOBODY, NOBODY)
            # Random per run: teardown kills leftover QEMUs by UUID, and another run of this
            # test (a colleague's, CI) on the same machine must never match.
            uuid = str(uuid_mod.uuid4())
            rw.createXML(GUEST_XML.format(name=name, uuid=uuid, vcpus=vcpus, image=image), 0)
            uuids.append(uuid)
        rw.close()
        yield daemon, uuids
    finally:
        with contextlib.suppress(Exception):
            if "libvirtd" not in daemon.procs and "virtlogd" in daemon.procs:
                daemon.start()
            rw = load_libvirt().open(daemon.uri)
            for dom in rw.listAllDomains():
                dom.destroy()
            rw.close()
        # Guests the daemon could not destroy (it died mid-test) are stopped by PID.
        for uuid, pid in find_qemu_pids(ProcFS("/proc")).items():
            if uuid in uuids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        daemon.stop("libvirtd")
        daemon.stop("virtlogd")
        shutil.rmtree(root, ignore_errors=True)


def collect(collector: DomainsCollector) -> DomainsRaw:
    return poll("a collection", collector)  # type: ignore[no-any-return]


def test_real_guests_report_cpu_balloon_and_vcpus(hypervisor: tuple[PrivateLibvirtd, list[str]]) -> None:
    daemon, uuids = hypervisor
    conn = LibvirtConnection(daemon.uri)
    collector = DomainsCollector(conn, ProcFS("/proc"))
    first = collect(collector)
    time.sleep(1.0)
    second = collect(collector)
    assert conn.hypervisor is not None and conn.hypervisor.name == "QEMU"
    by_uuid = {d.uuid: d for d in second.domains}
    assert set(uuids) <= set(by_uuid)
    assert {d.name for d in second.domains} >= {g[0] for g in GUESTS}
    view = derive(first, second, 1.0)
    for d0, d in ((next(x for x in first.domains if x.uuid == u), by_uuid[u]) for u in uuids):
        assert d.state == "running"
        assert dict(d.sources)["cpu-total"] == "bulk" and dict(d.sources)["vcpu"] == "bulk"
        assert d.cpu_time_seconds_total is not None and d0.cpu_time_seconds_total is not None
        assert d.cpu_time_seconds_total > d0.cpu_time_seconds_total  # a spinning guest burns CPU
        assert isinstance(d.balloon.actual_bytes, int) and d.balloon.actual_bytes == 16 * 1024 * 1024
        assert isinstance(d.balloon.rss_bytes, int) and d.balloon.rss_bytes > 1024 * 1024
        assert d.qemu_pid is not None and d.vcpus == len(d.vcpu_list)
        for v in d.vcpu_list:
            # vCPU 0 runs the spinning boot sector; the others wait for a SIPI that never comes.
            assert v.time_seconds_total is not None and (v.time_seconds_total > 0 or v.id > 0)
            assert v.delay_seconds_total is not None and v.delay_source == "libvirt"
            assert v.affinity and v.cpu is not None and v.tid is not None
        threads = read_vcpu_threads(ProcFS("/proc"), d.qemu_pid)
        assert sorted(threads) == [v.id for v in d.vcpu_list]
    dv = next(x for x in view.domains if x.stats.uuid == uuids[0])
    assert dv.cpu_ratio is not None and dv.cpu_ratio > 0.05
    assert dv.steal_ratio is not None


def test_pinning_is_read_back(hypervisor: tuple[PrivateLibvirtd, list[str]]) -> None:
    daemon, uuids = hypervisor
    lv = load_libvirt()
    rw = lv.open(daemon.uri)
    ncpu = os.cpu_count() or 1
    dom = rw.lookupByUUIDString(uuids[2])
    dom.pinVcpuFlags(1, tuple(i == ncpu - 1 for i in range(ncpu)), lv.VIR_DOMAIN_AFFECT_LIVE)
    rw.close()
    raw = collect(DomainsCollector(LibvirtConnection(daemon.uri), ProcFS("/proc")))
    d = next(x for x in raw.domains if x.uuid == uuids[2])
    assert d.vcpu_list[1].affinity == (ncpu - 1,)
    assert d.vcpu_list[1].cpu == ncpu - 1 or d.vcpu_list[1].cpu is None


def test_daemon_restart_disconnects_then_recovers(hypervisor: tuple[PrivateLibvirtd, list[str]]) -> None:
    daemon, uuids = hypervisor
    conn = LibvirtConnection(daemon.uri, backoff_initial=0.2, backoff_max=0.5)
    collector = DomainsCollector(conn, ProcFS("/proc"))
    collect(collector)
    daemon.stop("libvirtd")
    # libvirt's close callback (event thread) notices the daemon going away by itself.
    poll("the close callback", lambda: conn._closed_reason is not None, timeout=10)
    with pytest.raises(SourceUnavailable) as err:
        collector()
    assert str(err.value).startswith("disconnected: end of file: libvirtd went away")
    assert "retrying in" in str(err.value)
    with pytest.raises(SourceUnavailable, match=r"^disconnected: cannot reach libvirtd: .*is libvirtd running\?"):
        time.sleep(0.6)
        collector()  # the retry finds no socket
    daemon.start()
    raw = collect(collector)
    assert {d.uuid for d in raw.domains} >= set(uuids)
    assert conn.connects == 2


# A guest set up the way the checks ask: virtio disk, an agent channel, persistent and
# marked autostart. Its boot sector has no balloon driver and no agent, so those two
# still answer "not there", which is the truth about this guest.
GOOD_GUEST_XML = """<domain type='kvm'><name>kvm-good</name><uuid>{uuid}</uuid>
<memory unit='MiB'>16</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model>
<feature policy='disable' name='svm'/></cpu>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{image}'/>
<target dev='vda' bus='virtio'/></disk>
<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
<memballoon model='virtio'><stats period='1'/></memballoon>
<video><model type='none'/></video></devices></domain>"""


def test_guest_checks_read_a_real_hypervisor(hypervisor: tuple[PrivateLibvirtd, list[str]]) -> None:
    """`edgetop check`'s libvirt and guest checks against real QEMU guests, each verdict asserted."""
    from edgetop.collectors.checks import guests as guest_checks
    from edgetop.collectors.checks.libvirt_facts import gather_libvirt
    from edgetop.collectors.checks.libvirtd import check_connection, check_version
    from edgetop.model.checks import CheckStatus

    daemon, _ = hypervisor
    lv = load_libvirt()
    rw = lv.open(daemon.uri)
    image = daemon.root / "good.img"
    make_image(image)
    if daemon.as_root:
        os.chown(image, NOBODY, NOBODY)
    good = rw.defineXML(GOOD_GUEST_XML.format(uuid=uuid_mod.uuid4(), image=image))
    try:
        good.setAutostart(1)
        good.create()
        facts = poll("guest memory statistics", lambda: (f := gather_libvirt(daemon.uri)).guests
                     and all(g.memory_stats for g in f.guests if g.active) and f)
        assert facts.error is None and facts.hypervisor == "QEMU"
        assert check_connection(facts).status is CheckStatus.PASS
        assert check_version(facts).status is CheckStatus.PASS  # Debian 12's libvirt 9.0 has bulk stats
        by_name = {g.name: g for g in facts.guests}
        assert set(by_name) == {g[0] for g in GUESTS} | {"kvm-good"}
        assert by_name["kvm-good"].autostart is True
        assert all(by_name[n].autostart is False for n, _ in GUESTS)  # transient guests never autostart
        # QEMU answers "actual" and "rss" itself; none of the guest-side keys come from a boot sector.
        assert all("actual" in (g.memory_stats or ()) for g in facts.guests)
        assert not any((g.memory_stats or frozenset()) & guest_checks.GUEST_STAT_KEYS for g in facts.guests)

        checks = {c.id: c for c in guest_checks.run_checks(facts)}
        disk = checks["guests.disk_bus"]
        assert disk.status is CheckStatus.WARN
        assert all(f"{n}: hda on ide" in disk.evidence for n, _ in GUESTS) and "kvm-good" not in disk.evidence
        balloon = checks["guests.balloon"]
        assert balloon.status is CheckStatus.WARN and "kvm-good: the guest's balloon driver does not answer" in (
            balloon.evidence)
        agent = checks["guests.guest_agent"]
        assert agent.status is CheckStatus.WARN
        assert "kvm-good: the agent channel is disconnected" in agent.evidence
        assert "kvm-two: no org.qemu.guest_agent.0 channel" in agent.evidence
        autostart = checks["guests.autostart"]
        assert autostart.status is CheckStatus.WARN and "kvm-good" not in autostart.evidence
        assert "kvm-two" in autostart.evidence and "kvm-three" in autostart.evidence
        assert checks["guests.nic_model"].status is CheckStatus.PASS  # no NICs: nothing emulated
    finally:
        with contextlib.suppress(Exception):
            good.destroy()
        with contextlib.suppress(Exception):
            good.setAutostart(0)
            good.undefine()
        rw.close()
