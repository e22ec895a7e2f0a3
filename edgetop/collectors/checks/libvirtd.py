"""libvirt checks: reachable, recent, no open TCP listener, the account's groups, config file modes.

The set-up guide turns on ``listen_tcp = 1``; that lets anyone who reaches port 16509
control every guest unless ``auth_tcp`` asks for credentials. These checks look for
what is safe instead: no TCP listener, or TLS, or at least authentication.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import msgspec

from edgetop.collectors.checks.libvirt_facts import LibvirtFacts
from edgetop.model.checks import Check, CheckId
from edgetop.sources.fs import ProcFS, RootedFS
from edgetop.sources.libvirt_conn import INSTALL_HINT, version_text

CONNECTION = CheckId("libvirt.connection", "libvirt reachable at the configured URI")
VERSION = CheckId("libvirt.version", "libvirt recent enough for edgetop's bulk statistics")
TCP_LISTENER = CheckId("libvirt.tcp_listener", "no libvirt TCP listener without authentication")
GROUPS = CheckId("libvirt.groups", "this account in the libvirt and kvm groups")
CONFIG_PERMISSIONS = CheckId("libvirt.config_permissions", "/etc/libvirt kept from other users")
CHECKS = (CONNECTION, VERSION, TCP_LISTENER, GROUPS, CONFIG_PERMISSIONS)

# getAllDomainStats(..., NOWAIT) needs libvirt 4.5; older daemons make a busy guest stall a tick.
MIN_LIBVIRT = 4_005_000
DAEMON_CONFS = ("etc/libvirt/libvirtd.conf", "etc/libvirt/virtproxyd.conf")
TCP_SOCKETS = ("etc/systemd/system/sockets.target.wants/libvirtd-tcp.socket",
               "etc/systemd/system/sockets.target.wants/virtproxyd-tcp.socket")
# Read by every libvirt client (virsh's default URI): others must be able to read them.
CLIENT_CONFS = frozenset({"libvirt.conf", "libvirt-admin.conf"})
MAX_FILES = 2000
_CONF_SECRET = re.compile(r"(?m)^\s*[A-Za-z_]*passw(?:or)?d\s*=")
_XML_SECRET = re.compile(r"""\bpasswd\s*=\s*['"]""")


class DaemonConf(msgspec.Struct, frozen=True):
    """One daemon configuration file: its ``key = value`` settings, or None when absent."""

    path: str
    settings: dict[str, str] | None


class ConfFile(msgspec.Struct, frozen=True):
    """A file under ``/etc/libvirt``: its path below it, mode bits, and whether it holds a password."""

    rel: str
    mode: int
    secret: bool = False


class LibvirtdFacts(msgspec.Struct, frozen=True):
    """Facts of the daemon's configuration and of the account edgetop runs as.

    Attributes:
        confs: libvirtd.conf and virtproxyd.conf.
        tcp_sockets: systemd socket units that open a TCP listener and are enabled.
        status_path: where the account was read (``/proc/self/status``).
        uid: the real uid; None when unreadable.
        gids: the primary and supplementary gids.
        group_path: the group database read.
        group_ids: group name -> gid from it; None when unreadable.
        etc_libvirt: the directory walked.
        files: every regular file under it; None when it does not exist.

    """

    confs: tuple[DaemonConf, ...]
    tcp_sockets: tuple[str, ...]
    status_path: str
    uid: int | None
    gids: frozenset[int]
    group_path: str
    group_ids: dict[str, int] | None
    etc_libvirt: str
    files: tuple[ConfFile, ...] | None


def parse_libvirt_conf(text: str) -> dict[str, str]:
    """``key = value`` lines of a libvirt daemon config, quotes removed; comments and lists skipped."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$", line.split("#", 1)[0])
        if match and not match.group(2).startswith("["):
            out[match.group(1)] = match.group(2).strip("\"'")
    return out


def parse_ids(status: str) -> tuple[int | None, frozenset[int]]:
    """The real uid and every gid (primary and ``Groups:``) from ``/proc/<pid>/status``."""
    uid: int | None = None
    gids: set[int] = set()
    for line in status.splitlines():
        key, _, value = line.partition(":")
        fields = value.split()
        if key == "Uid" and fields and fields[0].isdigit():
            uid = int(fields[0])
        elif key == "Gid" and fields and fields[0].isdigit():
            gids.add(int(fields[0]))
        elif key == "Groups":
            gids.update(int(f) for f in fields if f.isdigit())
    return uid, frozenset(gids)


def parse_group(text: str) -> dict[str, int]:
    """group(5): name -> gid."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) >= 3 and parts[2].isdigit():
            out[parts[0]] = int(parts[2])
    return out


def _holds_secret(etc: RootedFS, rel: str) -> bool:
    """A password written in a file others may read (VNC/SPICE passwords, auth.conf, secrets)."""
    name = rel.rsplit("/", 1)[-1]
    if rel.startswith("secrets/") or name == "auth.conf":
        return True
    if not name.endswith((".conf", ".xml")):
        return False
    text = etc.read_optional(f"etc/libvirt/{rel}") or ""
    return bool((_XML_SECRET if name.endswith(".xml") else _CONF_SECRET).search(text))


def walk_etc_libvirt(etc: RootedFS) -> tuple[ConfFile, ...] | None:
    """Every regular file under ``etc/libvirt`` with its mode (symlinks not followed); None if absent."""
    top = etc.path("etc/libvirt")
    if not top.is_dir():
        return None
    out: list[ConfFile] = []
    for dirpath, dirs, names in os.walk(top):
        dirs.sort()
        for name in sorted(names):
            if len(out) >= MAX_FILES:
                return tuple(out)
            path = Path(dirpath) / name
            try:
                st = path.lstat()
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            rel = str(path.relative_to(top))
            secret = bool(st.st_mode & stat.S_IROTH) and _holds_secret(etc, rel)
            out.append(ConfFile(rel, stat.S_IMODE(st.st_mode), secret))
    return tuple(out)


def gather_libvirtd(procfs: ProcFS, host_root: Path) -> LibvirtdFacts:
    """Read the daemon configs, the enabled TCP sockets, the account's ids and ``/etc/libvirt``'s modes."""
    etc = RootedFS(host_root)
    confs = []
    for rel in DAEMON_CONFS:
        text = etc.read_optional(rel)
        confs.append(DaemonConf(str(etc.path(rel)), parse_libvirt_conf(text) if text is not None else None))
    status = procfs.read_optional("self/status")
    uid, gids = parse_ids(status) if status is not None else (None, frozenset())
    group = etc.read_optional("etc/group")
    return LibvirtdFacts(
        confs=tuple(confs),
        # The link itself says "enabled"; its absolute target is the host's, not under a fixture root.
        tcp_sockets=tuple(str(etc.path(rel)) for rel in TCP_SOCKETS if os.path.lexists(etc.path(rel))),
        status_path=str(procfs.path("self/status")),
        uid=uid,
        gids=gids,
        group_path=str(etc.path("etc/group")),
        group_ids=parse_group(group) if group is not None else None,
        etc_libvirt=str(etc.path("etc/libvirt")),
        files=walk_etc_libvirt(etc),
    )


def check_connection(f: LibvirtFacts) -> Check:
    """The configured URI answers a read-only connection."""
    if f.error is not None:
        if f.error == INSTALL_HINT:
            return CONNECTION.fail(f.error, "Install the Python bindings in edgetop's environment: pip install "
                                            "libvirt-python (needs libvirt-dev and gcc to build).")
        return CONNECTION.fail(f"{f.uri}: {f.error}",
                               "Start libvirtd (or virtqemud), and check libvirt.uri in the config or --connect; "
                               "virsh -r -c URI list shows the same answer.")
    guests = len(f.guests)
    return CONNECTION.passed(
        f"{f.uri}: {f.hypervisor or 'hypervisor'} {version_text(f.hypervisor_version) or '?'}, libvirt "
        f"{version_text(f.daemon_version) or '?'}, client library {version_text(f.client_version) or '?'}, "
        f"{guests} guest{'s' if guests != 1 else ''}")


def check_version(f: LibvirtFacts) -> Check:
    """The daemon's libvirt is 4.5 or newer (bulk statistics that skip a busy guest)."""
    if f.error is not None or f.daemon_version is None:
        return VERSION.unknown(f"no answer from {f.uri}" + (f": {f.error}" if f.error else ""))
    evidence = f"libvirt {version_text(f.daemon_version)} at {f.uri} (getLibVersion)"
    if f.daemon_version < MIN_LIBVIRT:
        return VERSION.warn(evidence, f"Upgrade libvirt to {version_text(MIN_LIBVIRT)} or newer: older daemons "
                                      "make one busy guest delay every guest's statistics.")
    return VERSION.passed(evidence)


def _setting(conf: DaemonConf, key: str, default: str) -> str:
    return (conf.settings or {}).get(key, default)


def check_tcp_listener(f: LibvirtdFacts) -> Check:
    """No plain TCP listener without authentication (``listen_tcp``/``auth_tcp``, TCP socket units)."""
    present = [c for c in f.confs if c.settings is not None]
    if not present and not f.tcp_sockets:
        return TCP_LISTENER.unknown(f"none of {', '.join(c.path for c in f.confs)} exists",
                                    "Nothing to check on this host: libvirtd is not installed or is configured "
                                    "elsewhere.")
    open_tcp = [c for c in present if _setting(c, "listen_tcp", "0") == "1"]
    listening = [f"listen_tcp = 1 in {c.path}" for c in open_tcp] + [f"{s} enabled" for s in f.tcp_sockets]
    if not listening:
        read = "; ".join(f"listen_tcp = {_setting(c, 'listen_tcp', '0 (default)')} in {c.path}" for c in present)
        return TCP_LISTENER.passed(read)
    # auth_tcp applies to whichever daemon listens; with only a socket unit, read every config.
    judged = open_tcp or present
    auth = {c.path: _setting(c, "auth_tcp", "sasl (default)") for c in judged}
    evidence = "; ".join(listening + ([f"auth_tcp = {a} in {p}" for p, a in auth.items()] or
                                      ["no daemon config: auth_tcp = sasl (default)"]))
    if any(a == "none" for a in auth.values()):
        return TCP_LISTENER.fail(evidence, "Anyone who reaches TCP port 16509 controls every guest: set listen_tcp "
                                           "= 0 (use qemu+ssh:// or TLS with listen_tls) and restart libvirtd.")
    return TCP_LISTENER.warn(evidence, "TCP traffic is not encrypted (SASL authenticates only): prefer listen_tls "
                                       "with certificates, or qemu+ssh://, and set listen_tcp = 0.")


def check_groups(f: LibvirtdFacts) -> Check:
    """The account is root, or in the ``libvirt`` (or ``libvirtd``) and ``kvm`` groups."""
    if f.uid is None:
        return GROUPS.unknown(f"cannot read the account's ids from {f.status_path}")
    if f.uid == 0:
        return GROUPS.passed(f"uid 0 (root) in {f.status_path}: no group needed")
    names = f.group_ids or {}
    mine = sorted(n for n, gid in names.items() if gid in f.gids)
    shown = f"uid {f.uid}, groups {', '.join(mine) or ', '.join(map(str, sorted(f.gids))) or 'none'}"
    missing = []
    for wanted in (("libvirt", "libvirtd"), ("kvm",)):
        if not any(w in mine for w in wanted):
            exists = any(w in names for w in wanted)
            missing.append(wanted[0] + ("" if exists or f.group_ids is None else f" (no such group in {f.group_path})"))
    if not missing:
        return GROUPS.passed(f"{shown} ({f.status_path}, {f.group_path})")
    return GROUPS.warn(f"{shown}; not in {', '.join(missing)}",
                       "Add the account to the groups (usermod -aG libvirt,kvm USER) and log in again: without "
                       "libvirt it reaches only the read-only socket, so vCPU pinning is refused.")


def check_config_permissions(f: LibvirtdFacts) -> Check:
    """No file under ``/etc/libvirt`` writable by others, and only the client configs readable by them."""
    if f.files is None:
        return CONFIG_PERMISSIONS.unknown(f"{f.etc_libvirt} does not exist",
                                          "Nothing to check on this host: libvirt is not installed here.")
    writable = [c for c in f.files if c.mode & stat.S_IWOTH]
    secret = [c for c in f.files if c.mode & stat.S_IROTH and c.secret]
    readable = [c for c in f.files if c.mode & stat.S_IROTH and c.rel not in CLIENT_CONFS and not c.secret]

    def shown(files: list[ConfFile]) -> str:
        head = ", ".join(f"{c.rel} ({stat.filemode(stat.S_IFREG | c.mode)})" for c in files[:5])
        return head + (f" and {len(files) - 5} more" if len(files) > 5 else "")

    if writable or secret:
        parts = ([f"writable by others: {shown(writable)}"] if writable else []) + (
            [f"password readable by others: {shown(secret)}"] if secret else [])
        return CONFIG_PERMISSIONS.fail(f"under {f.etc_libvirt}: " + "; ".join(parts),
                                       "chmod o-rwx on these files (chmod 600 for any holding a password): other "
                                       "users can read the passwords or change how guests start.")
    if readable:
        return CONFIG_PERMISSIONS.warn(f"readable by others under {f.etc_libvirt}: {shown(readable)}",
                                       "chmod 600 the daemon's files (chmod -R o-rwx /etc/libvirt, then o+r on "
                                       "libvirt.conf and libvirt-admin.conf, which clients read).")
    return CONFIG_PERMISSIONS.passed(f"{len(f.files)} files under {f.etc_libvirt}; none readable by others but "
                                     f"the client configs ({', '.join(sorted(CLIENT_CONFS))})")


def run_checks(libvirt: LibvirtFacts, daemon: LibvirtdFacts) -> list[Check]:
    """Every libvirt check but the kernel log's, in order."""
    return [check_connection(libvirt), check_version(libvirt), check_tcp_listener(daemon), check_groups(daemon),
            check_config_permissions(daemon)]
