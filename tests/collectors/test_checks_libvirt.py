"""libvirt checks: connection and version against the test driver, the daemon's config, groups,
/etc/libvirt modes (fixture trees), and AppArmor/SELinux denials from recorded dmesg output."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from msgspec.structs import replace

from edgetop.collectors.checks import kernel_log, libvirtd
from edgetop.collectors.checks.kernel_log import LogRead
from edgetop.collectors.checks.libvirt_facts import BoundedLibvirt, LibvirtFacts, gather_libvirt
from edgetop.collectors.checks.libvirtd import ConfFile, DaemonConf, LibvirtdFacts
from edgetop.model.checks import CheckStatus
from edgetop.sources.fs import ProcFS
from edgetop.sources.libvirt_conn import INSTALL_HINT
from edgetop.sources.process import CommandTimeout, Completed
from tests.collectors.checks_trees import LIBVIRT_URI, build

PASS, WARN, FAIL, UNKNOWN = CheckStatus.PASS, CheckStatus.WARN, CheckStatus.FAIL, CheckStatus.UNKNOWN


# ---- connection and version, over the test driver -------------------------------------------

def test_connection_to_the_test_driver() -> None:
    facts = gather_libvirt(LIBVIRT_URI)
    assert facts.error is None
    assert (facts.hypervisor, facts.host_cpus, facts.host_memory_bytes) == ("TEST", 4, 3 * 1024**3)
    assert [g.name for g in facts.guests] == ["edge router", "legacy pbx", "spare"]
    assert [g.active for g in facts.guests] == [True, True, False]
    check = libvirtd.check_connection(facts)
    assert check.status is PASS
    assert check.evidence.startswith(f"{LIBVIRT_URI}: TEST 0.0.2, libvirt ") and check.evidence.endswith(", 3 guests")
    version = libvirtd.check_version(facts)
    assert version.status is PASS and version.evidence.startswith("libvirt ")


def test_unreachable_uri(tmp_path: Path) -> None:
    uri = f"test://{tmp_path}/absent.xml"
    facts = gather_libvirt(uri)
    assert facts.error is not None and facts.guests == ()
    check = libvirtd.check_connection(facts)
    assert check.status is FAIL and check.evidence.startswith(f"{uri}: ") and "libvirt.uri" in (check.fix or "")
    assert libvirtd.check_version(facts).status is UNKNOWN


@pytest.mark.parametrize(("facts", "status", "words"), [
    (LibvirtFacts("qemu:///system", daemon_version=9_000_000, client_version=9_000_000), PASS, "libvirt 9.0.0"),
    (LibvirtFacts("qemu:///system", daemon_version=4_005_000), PASS, "libvirt 4.5.0"),
    (LibvirtFacts("qemu:///system", daemon_version=4_004_000), WARN, "libvirt 4.4.0"),
    (LibvirtFacts("qemu:///system"), UNKNOWN, "no answer from qemu:///system"),
    (LibvirtFacts("qemu:///system", error="cannot reach libvirtd"), UNKNOWN, ": cannot reach libvirtd"),
])
def test_version(facts: LibvirtFacts, status: CheckStatus, words: str) -> None:
    check = libvirtd.check_version(facts)
    assert check.status is status and words in check.evidence


def test_missing_bindings_name_the_install() -> None:
    check = libvirtd.check_connection(LibvirtFacts("qemu:///system", error=INSTALL_HINT))
    assert check.status is FAIL and check.evidence == INSTALL_HINT and "pip install libvirt-python" in (check.fix or "")


# ---- the daemon's TCP listener ---------------------------------------------------------------

def test_parse_libvirt_conf() -> None:
    text = ('# listen_tcp = 1\nlisten_tcp = 1  # on purpose\nauth_tcp = "none"\nunix_sock_group = \'libvirt\'\n'
            'tcp_port = "16509"\naccess_drivers = [ "polkit" ]\ngarbage line\n')
    assert libvirtd.parse_libvirt_conf(text) == {"listen_tcp": "1", "auth_tcp": "none", "unix_sock_group": "libvirt",
                                                 "tcp_port": "16509"}


def _daemon(*confs: DaemonConf, sockets: tuple[str, ...] = ()) -> LibvirtdFacts:
    return LibvirtdFacts(confs=confs, tcp_sockets=sockets, status_path="/proc/self/status", uid=0, gids=frozenset(),
                         group_path="/etc/group", group_ids={}, etc_libvirt="/etc/libvirt", files=())


CONF = "/etc/libvirt/libvirtd.conf"
PROXY = "/etc/libvirt/virtproxyd.conf"
UNIT = "/etc/systemd/system/sockets.target.wants/libvirtd-tcp.socket"


@pytest.mark.parametrize(("facts", "status", "evidence"), [
    (_daemon(DaemonConf(CONF, {}), DaemonConf(PROXY, None)), PASS, f"listen_tcp = 0 (default) in {CONF}"),
    (_daemon(DaemonConf(CONF, {"listen_tcp": "0", "listen_tls": "1"})), PASS, f"listen_tcp = 0 in {CONF}"),
    (_daemon(DaemonConf(CONF, {"listen_tcp": "1", "auth_tcp": "none"})), FAIL,
     f"listen_tcp = 1 in {CONF}; auth_tcp = none in {CONF}"),
    (_daemon(DaemonConf(CONF, {"listen_tcp": "1"})), WARN, f"listen_tcp = 1 in {CONF}; auth_tcp = sasl (default)"),
    (_daemon(DaemonConf(CONF, {"auth_tcp": "none"}), sockets=(UNIT,)), FAIL, f"{UNIT} enabled; auth_tcp = none"),
    (_daemon(sockets=(UNIT,)), WARN, f"{UNIT} enabled; no daemon config: auth_tcp = sasl (default)"),
    (_daemon(DaemonConf(CONF, None), DaemonConf(PROXY, None)), UNKNOWN, f"none of {CONF}, {PROXY} exists"),
])
def test_tcp_listener(facts: LibvirtdFacts, status: CheckStatus, evidence: str) -> None:
    check = libvirtd.check_tcp_listener(facts)
    assert check.status is status and check.evidence.startswith(evidence)


# ---- groups ------------------------------------------------------------------------------------

GROUPS = {"root": 0, "kvm": 104, "libvirt": 110, "tech": 1000}


@pytest.mark.parametrize(("uid", "gids", "names", "status", "words"), [
    (0, frozenset({0}), GROUPS, PASS, "uid 0 (root)"),
    (1000, frozenset({104, 110, 1000}), GROUPS, PASS, "uid 1000, groups kvm, libvirt, tech"),
    (1000, frozenset({104, 111}), GROUPS | {"libvirtd": 111}, PASS, "groups kvm, libvirtd"),  # older Ubuntu
    (1000, frozenset({1000}), GROUPS, WARN, "not in libvirt, kvm"),
    (1000, frozenset({104}), {"kvm": 104}, WARN, "not in libvirt (no such group in /etc/group)"),
    (1000, frozenset({104, 110}), None, WARN, "uid 1000, groups 104, 110; not in libvirt, kvm"),
    (None, frozenset(), GROUPS, UNKNOWN, "cannot read the account's ids"),
])
def test_groups(uid: int | None, gids: frozenset[int], names: dict[str, int] | None, status: CheckStatus,
                words: str) -> None:
    check = libvirtd.check_groups(replace(_daemon(), uid=uid, gids=gids, group_ids=names))
    assert check.status is status and words in check.evidence


def test_parse_ids_and_group() -> None:
    assert libvirtd.parse_ids("Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t1000\t0\t0\t0\nGroups:\t4 27 110 \n") == (
        1000, frozenset({1000, 4, 27, 110}))
    assert libvirtd.parse_ids("Name:\tx\n") == (None, frozenset())
    assert libvirtd.parse_group("root:x:0:\nkvm:x:104:a,b\nbroken\nodd:x:y:\n") == {"root": 0, "kvm": 104}


# ---- /etc/libvirt modes ------------------------------------------------------------------------

@pytest.mark.parametrize(("files", "status", "words"), [
    ((ConfFile("libvirt.conf", 0o644), ConfFile("libvirtd.conf", 0o600)), PASS, "2 files under /etc/libvirt"),
    ((ConfFile("libvirtd.conf", 0o644), ConfFile("qemu/a.xml", 0o604)), WARN,
     "readable by others under /etc/libvirt: libvirtd.conf (-rw-r--r--), qemu/a.xml (-rw----r--)"),
    ((ConfFile("qemu.conf", 0o644, secret=True),), FAIL, "password readable by others: qemu.conf (-rw-r--r--)"),
    ((ConfFile("libvirt.conf", 0o666),), FAIL, "writable by others: libvirt.conf (-rw-rw-rw-)"),
    (tuple(ConfFile(f"nwfilter/{i}.xml", 0o644) for i in range(7)), WARN, "nwfilter/4.xml (-rw-r--r--) and 2 more"),
    (None, UNKNOWN, "/etc/libvirt does not exist"),
])
def test_config_permissions(files: tuple[ConfFile, ...] | None, status: CheckStatus, words: str) -> None:
    check = libvirtd.check_config_permissions(replace(_daemon(), files=files))
    assert check.status is status and words in check.evidence


def test_gather_good_tree(tmp_path: Path) -> None:
    tree = build("good", tmp_path)
    facts = libvirtd.gather_libvirtd(tree.procfs, tree.root)
    assert facts.confs[0].settings == {"listen_tls": "1", "listen_tcp": "0", "auth_tcp": "sasl"}
    assert facts.confs[1].settings is None and facts.tcp_sockets == ()
    assert (facts.uid, facts.gids) == (1000, frozenset({104, 110, 1000}))
    assert facts.files == (ConfFile("libvirt.conf", 0o644), ConfFile("libvirtd.conf", 0o600),
                           ConfFile("qemu.conf", 0o600), ConfFile("qemu/edge-router.xml", 0o600))
    checks = [libvirtd.check_tcp_listener(facts), libvirtd.check_groups(facts),
              libvirtd.check_config_permissions(facts)]
    assert [c.status for c in checks] == [PASS, PASS, PASS]


def test_gather_bad_tree(tmp_path: Path) -> None:
    tree = build("bad", tmp_path)
    unit = tree.root / "etc/systemd/system/sockets.target.wants/libvirtd-tcp.socket"
    unit.parent.mkdir(parents=True)
    os.symlink("/lib/systemd/system/libvirtd-tcp.socket", unit)  # dangling, as on a host without the file
    facts = libvirtd.gather_libvirtd(tree.procfs, tree.root)
    assert facts.tcp_sockets == (str(unit),)
    checks = {c.id: c for c in (libvirtd.check_tcp_listener(facts), libvirtd.check_groups(facts),
                                libvirtd.check_config_permissions(facts))}
    assert {k: c.status for k, c in checks.items()} == {
        "libvirt.tcp_listener": FAIL, "libvirt.groups": WARN, "libvirt.config_permissions": FAIL}
    assert checks["libvirt.tcp_listener"].evidence == (
        f"listen_tcp = 1 in {tree.root}/etc/libvirt/libvirtd.conf; {unit} enabled; auth_tcp = none in "
        f"{tree.root}/etc/libvirt/libvirtd.conf")
    assert checks["libvirt.groups"].evidence == "uid 1000, groups tech; not in libvirt, kvm"
    assert checks["libvirt.config_permissions"].evidence == (
        f"under {tree.root}/etc/libvirt: password readable by others: qemu.conf (-rw-r--r--)")
    # a commented-out password is no password
    assert [c.secret for c in libvirtd.gather_libvirtd(tree.procfs, build("good", tmp_path / "g").root).files or ()
            ] == [False, False, False, False]


def test_a_fifo_under_etc_libvirt_is_not_read(tmp_path: Path) -> None:
    tree = build("bad", tmp_path)
    os.mkfifo(tree.root / "etc/libvirt/qemu.conf.fifo")
    facts = libvirtd.gather_libvirtd(tree.procfs, tree.root)
    assert "qemu.conf.fifo" not in {f.rel for f in facts.files or ()}


def test_no_host_files(tmp_path: Path) -> None:
    facts = libvirtd.gather_libvirtd(ProcFS(tmp_path), tmp_path)
    assert (facts.uid, facts.group_ids, facts.files) == (None, None, None)
    assert [libvirtd.check_tcp_listener(facts).status, libvirtd.check_groups(facts).status,
            libvirtd.check_config_permissions(facts).status] == [UNKNOWN, UNKNOWN, UNKNOWN]


# ---- AppArmor / SELinux denials ----------------------------------------------------------------

APPARMOR_KVM = ('[ 12.3] audit: type=1400 audit(1700000000.123:42): apparmor="DENIED" operation="open" '
                'profile="libvirt-22222222-0000-4000-8000-000000000001" name="/dev/kvm" pid=4242 '
                'comm="qemu-system-x86" requested_mask="wr" denied_mask="wr" fsuid=64055 ouid=0')
APPARMOR_OTHER = ('[ 13.0] audit: type=1400 audit(1700000001.0:43): apparmor="DENIED" operation="open" '
                  'profile="libvirt-22222222-0000-4000-8000-000000000001" name="/srv/iso/x.iso" pid=4242 '
                  'comm="qemu-system-x86" requested_mask="r" denied_mask="r"')
SELINUX_KVM = ('type=AVC msg=audit(1700000002.0:44): avc:  denied  { read write } for  pid=5151 comm="qemu-kvm" '
               'name="kvm" dev="devtmpfs" ino=1041 scontext=system_u:system_r:svirt_t:s0:c1,c2 '
               'tcontext=system_u:object_r:device_t:s0 tclass=chr_file permissive=0')
OTHER_PROFILE = ('[ 14.0] audit: type=1400 audit(1700000003.0:45): apparmor="DENIED" operation="open" '
                 'profile="/usr/sbin/cupsd" name="/etc/shadow" pid=1 comm="cupsd"')
BOOT = "[    0.000000] Linux version 6.1.0-18-amd64\n[    0.1] kvm: VMX enabled\n"


class Dmesg:
    """Recorded ``dmesg`` output (or a failure); it refuses any flag that could clear the log."""

    def __init__(self, out: str = BOOT, code: int = 0, err: str = "", raises: Exception | None = None) -> None:
        self.out, self.code, self.err, self.raises = out, code, err, raises
        self.argv: list[list[str]] = []

    def installed(self, tool: str) -> bool:
        return True

    def __call__(self, argv: Sequence[str], timeout: float) -> Completed:
        self.argv.append(list(argv))
        assert not any(a.startswith("-") for a in argv[1:]), "the check must never clear or change the log"
        if self.raises is not None:
            raise self.raises
        return Completed(tuple(argv), self.code, self.out, self.err)


def test_find_denials() -> None:
    text = "\n".join([BOOT, APPARMOR_KVM, OTHER_PROFILE, APPARMOR_OTHER, SELINUX_KVM])
    lines, denials = kernel_log.find_denials(text)
    assert lines == text.count("\n") + 1
    assert denials == (APPARMOR_KVM, APPARMOR_OTHER, SELINUX_KVM)  # cupsd's denial is not QEMU's


@pytest.mark.parametrize(("dmesg", "status", "words"), [
    (Dmesg(BOOT), PASS, "no AppArmor or SELinux denial for QEMU in dmesg (2 lines)"),
    (Dmesg(BOOT + OTHER_PROFILE + "\n"), PASS, "in dmesg (3 lines)"),
    (Dmesg(BOOT + APPARMOR_OTHER + "\n"), WARN, f"1 denial for QEMU in dmesg (3 lines); last: {APPARMOR_OTHER}"),
    (Dmesg(BOOT + APPARMOR_KVM + "\n" + APPARMOR_OTHER + "\n"), FAIL, f"last: {APPARMOR_KVM}"),
    (Dmesg(SELINUX_KVM), FAIL, "1 denial for QEMU in dmesg (1 line)"),
    (Dmesg("", 1, "dmesg: read kernel buffer failed: Operation not permitted\n"), UNKNOWN,
     "dmesg: dmesg exited 1: dmesg: read kernel buffer failed: Operation not permitted"),
    (Dmesg(raises=CommandTimeout(["dmesg"], 5.0)), UNKNOWN, "dmesg did not finish within 5 s"),
])
def test_mac_denials_from_dmesg(tmp_path: Path, dmesg: Dmesg, status: CheckStatus, words: str) -> None:
    logs = kernel_log.gather_kernel_log(dmesg, tmp_path)
    check = kernel_log.check_mac_denials(logs)
    assert dmesg.argv == [["dmesg"]]
    assert check.status is status and words in check.evidence


def test_audit_log_tail(tmp_path: Path) -> None:
    audit = tmp_path / kernel_log.AUDIT_LOG
    audit.parent.mkdir(parents=True)
    old = "type=DAEMON_START msg=audit(1.0:1): old line\n" * 40_000  # ~1.8 MB: only the newest megabyte is read
    audit.write_text(old + SELINUX_KVM + "\n")
    logs = kernel_log.gather_kernel_log(Dmesg(BOOT), tmp_path)
    assert [log.source for log in logs] == ["dmesg", str(audit)]
    assert logs[1].denials == (SELINUX_KVM,) and 20_000 < logs[1].lines < 30_000
    check = kernel_log.check_mac_denials(logs)
    assert check.status is FAIL and f"dmesg (2 lines), {audit} (" in check.evidence
    # dmesg refused but auditd's log readable: still judged
    assert kernel_log.check_mac_denials(kernel_log.gather_kernel_log(Dmesg("", 1), tmp_path)).status is FAIL


def test_audit_log_fifo_is_not_opened(tmp_path: Path) -> None:
    audit = tmp_path / kernel_log.AUDIT_LOG
    audit.parent.mkdir(parents=True)
    os.mkfifo(audit)
    read = kernel_log.read_audit_log(tmp_path)
    assert read == LogRead(str(audit), error=f"cannot read {audit}")


def test_every_denial_source_unreadable() -> None:
    check = kernel_log.check_mac_denials((LogRead("dmesg", error="dmesg not installed"),))
    assert check.status is UNKNOWN and check.evidence == "dmesg: dmesg not installed"
    assert "dmesg_restrict" in (check.fix or "")


def test_a_hung_libvirt_costs_one_thread_and_the_timeout() -> None:
    release, calls = threading.Event(), []

    def wedged(uri: str) -> LibvirtFacts:
        calls.append(uri)
        release.wait(30)
        return LibvirtFacts(uri, hypervisor="QEMU")

    probe = BoundedLibvirt("qemu:///system", 0.2, wedged)
    assert probe() == LibvirtFacts("qemu:///system", error="no answer within 0.2 s")
    again = probe()  # the first call still hangs: no second one is started
    assert again.error is not None and again.error.startswith("no answer: the previous call is still running after")
    assert calls == ["qemu:///system"]
    release.set()
    for thread in threading.enumerate():
        if thread.name == "lane-checks-libvirt":
            assert thread.daemon  # never keeps the process alive
            thread.join(5)
    assert probe().hypervisor == "QEMU" and len(calls) == 2
    check = libvirtd.check_connection(LibvirtFacts("qemu:///system", error="no answer within 0.2 s"))
    assert check.status is FAIL and check.evidence == "qemu:///system: no answer within 0.2 s"


def test_bounded_libvirt_hands_errors_back() -> None:
    def broken(uri: str) -> LibvirtFacts:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError, match="bug"):
        BoundedLibvirt("qemu:///system", 5, broken)()
