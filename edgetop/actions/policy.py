"""Policy: may this intent run here, now, by this user? Raises ActionDenied with the reason.

Three kinds of check, in this order, each before any dialog is shown:

1. mode: read-only (and kiosk, which implies it) refuses everything;
2. grammar and allowlist: unit names follow systemd.unit(5), only listed units restart;
3. privilege: root, or CAP_SYS_NICE for other users' processes (sched_setaffinity(2),
   setpriority(2)), CAP_KILL to signal them (kill(2)), or the libvirt group for a
   read-write hypervisor connection;
4. live facts: the pid still exists, is not a kernel thread; the CPU set is non-empty
   and within the online CPUs; a signal or renice target is the process shown (same
   start time), not pid 1 and not edgetop (``process_target.py``).
"""

from __future__ import annotations

import grp
import os
import re
from dataclasses import dataclass

from edgetop.actions.intents import Intent, PinProcess, PinVcpu, ReniceProcess, RestartService, SignalProcess
from edgetop.actions.process_target import NICE_MAX, NICE_MIN, SIGNALS, check_target, parse_status_uids
from edgetop.actions.session import READ_ONLY_REASON
from edgetop.collectors.topology import read_topology
from edgetop.config_schema import Config
from edgetop.errors import ActionDenied, ParseError
from edgetop.model.cpulist import ascii_digits
from edgetop.model.cpulist import format_cpu_list as cpu_list
from edgetop.model.units import normalize_unit, validate_unit_name
from edgetop.sources.fs import ProcFS, SysFS

# A domain name as libvirt accepts it (no '/'); we also refuse control characters.
_DOMAIN_BAD = re.compile(r"[/\x00-\x1f\x7f]")

CAP_SYS_NICE = 23  # include/uapi/linux/capability.h
CAP_KILL = 5  # include/uapi/linux/capability.h: signal any process
PF_KTHREAD = 0x00200000  # include/linux/sched.h: "I am a kernel thread"


@dataclass(frozen=True, slots=True)
class Credentials:
    """Who edgetop runs as, for privilege pre-checks.

    Attributes:
        uid: real uid.
        euid: effective uid.
        gids: effective and supplementary group ids.
        cap_eff: the effective capability bits (``CapEff`` in /proc/self/status).

    """

    uid: int
    euid: int
    gids: frozenset[int]
    cap_eff: int

    def has_cap(self, bit: int) -> bool:
        """Tell whether capability ``bit`` is effective."""
        return bool(self.cap_eff >> bit & 1)


def parse_cap_eff(status_text: str) -> int:
    """Return the ``CapEff`` hex mask from /proc/<pid>/status text.

    Raises:
        ParseError: no CapEff line, or not hexadecimal.

    """
    for line in status_text.splitlines():
        if line.startswith("CapEff:"):
            try:
                return int(line.split(":", 1)[1].strip(), 16)
            except ValueError as err:
                raise ParseError(f"bad CapEff line: {line!r}") from err
    raise ParseError("no CapEff line in status")


def parse_stat_flags(stat_text: str) -> int:
    """Return the ``flags`` field (9th, proc(5)) of /proc/<pid>/stat; comm may hold spaces and ')'.

    Raises:
        ParseError: the text is not a stat line.

    """
    _, sep, rest = stat_text.rpartition(")")
    fields = rest.split()
    if not sep or len(fields) < 7 or not ascii_digits(fields[6]):
        raise ParseError("not a /proc/<pid>/stat line")
    return int(fields[6])


def current_credentials(procfs: ProcFS | None = None) -> Credentials:
    """Return the credentials of this process (capabilities from the real /proc/self/status)."""
    try:
        cap = parse_cap_eff((procfs or ProcFS()).read_text("self/status"))
    except Exception:
        cap = 0
    return Credentials(os.getuid(), os.geteuid(), frozenset({os.getegid(), *os.getgroups()}), cap)


def _group_gid(name: str) -> int | None:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


def restart_allowlist(config: Config) -> frozenset[str]:
    """Normalised unit names that may be restarted: ``actions.restart_allowlist`` or else ``services``."""
    names = config.actions.restart_allowlist
    if names is None:
        names = config.services
    return frozenset(normalize_unit(n) for n in names)


class Policy:
    """Decides whether an intent may run; every refusal is an ActionDenied saying why."""

    def __init__(self, config: Config, *, read_only: bool, procfs: ProcFS, sysfs: SysFS,
                 credentials: Credentials | None = None, libvirt_uri: str | None = None,
                 read_only_reason: str | None = None) -> None:
        """Create the policy for one session; ``read_only_reason`` replaces the default refusal text."""
        self.config = config
        self.read_only = read_only
        self.read_only_reason = read_only_reason or READ_ONLY_REASON
        self.procfs = procfs
        self.sysfs = sysfs
        self.credentials = credentials or current_credentials()
        self.libvirt_uri = libvirt_uri or config.libvirt.uri

    def check(self, intent: Intent, *, with_cpus: bool = True) -> None:
        """Run every check; ``with_cpus=False`` skips what is chosen later (the CPU set, the nice value).

        Raises:
            ActionDenied: the first check that failed, in words.

        """
        if self.read_only:
            raise ActionDenied(self.read_only_reason)
        if isinstance(intent, RestartService):
            self._check_restart(intent)
        elif isinstance(intent, PinProcess):
            self._check_pin_process(intent, with_cpus)
        elif isinstance(intent, PinVcpu):
            self._check_pin_vcpu(intent, with_cpus)
        elif isinstance(intent, SignalProcess):
            self._check_signal(intent)
        elif isinstance(intent, ReniceProcess):
            self._check_renice(intent, with_value=with_cpus)
        else:  # pragma: no cover - the Intent union is closed
            raise ActionDenied(f"unknown action {type(intent).__name__}")

    def _check_restart(self, intent: RestartService) -> None:
        validate_unit_name(intent.unit)
        if normalize_unit(intent.unit) not in restart_allowlist(self.config):
            raise ActionDenied(
                f"{intent.unit!r} is not in the restart allowlist (actions.restart_allowlist, or services)"
            )
        if self.credentials.euid != 0:
            raise ActionDenied(
                f"restarting a service needs root; edgetop runs as uid {self.credentials.euid} "
                "(a polkit password prompt cannot be shown inside edgetop)"
            )

    def _check_pin_process(self, intent: PinProcess, with_cpus: bool) -> None:
        pid = intent.pid
        if pid <= 0:
            raise ActionDenied(f"{pid} is not a process id")
        stat = self.procfs.read_optional(f"{pid}/stat")
        status = self.procfs.read_optional(f"{pid}/status")
        if stat is None or status is None:
            raise ActionDenied(f"process {pid} has exited")
        try:
            flags = parse_stat_flags(stat)
            ruid, euid = parse_status_uids(status)
        except ParseError as err:
            raise ActionDenied(f"process {pid}: cannot read its state ({err})") from err
        if flags & PF_KTHREAD:
            raise ActionDenied(f"process {pid} is a kernel thread; its affinity is the kernel's business")
        creds = self.credentials
        if not creds.has_cap(CAP_SYS_NICE) and creds.euid not in (ruid, euid):
            raise ActionDenied(
                f"process {pid} belongs to uid {ruid}; pinning another user's process needs root or "
                f"CAP_SYS_NICE, and edgetop runs as uid {creds.euid} without it"
            )
        if with_cpus:
            self.check_cpus(intent.cpus)

    def _check_signal(self, intent: SignalProcess) -> None:
        if intent.signal not in SIGNALS:
            raise ActionDenied(f"edgetop sends only SIGTERM or SIGKILL, not {intent.signal!r}")
        facts = check_target(self.procfs, intent.pid, intent.start_ticks)
        creds = self.credentials
        # kill(2): an unprivileged sender's real or effective uid must equal the target's
        # real or saved uid; the saved uid is not checked here, the kernel has the last word.
        if not creds.has_cap(CAP_KILL) and creds.euid not in (facts.ruid, facts.euid) \
                and creds.uid not in (facts.ruid, facts.euid):
            raise ActionDenied(
                f"process {intent.pid} belongs to uid {facts.ruid}; signalling another user's process needs "
                f"root or CAP_KILL, and edgetop runs as uid {creds.euid} without it"
            )

    def _check_renice(self, intent: ReniceProcess, with_value: bool) -> None:
        if with_value and not NICE_MIN <= intent.nice <= NICE_MAX:
            raise ActionDenied(f"nice {intent.nice} is outside {NICE_MIN}..{NICE_MAX}")
        facts = check_target(self.procfs, intent.pid, intent.start_ticks)
        creds = self.credentials
        # setpriority(2): another user's process needs CAP_SYS_NICE. Lowering the nice
        # value of one's own process needs it too, unless RLIMIT_NICE allows: that is
        # left to the kernel, whose answer is reported as it comes.
        if not creds.has_cap(CAP_SYS_NICE) and creds.euid not in (facts.ruid, facts.euid):
            raise ActionDenied(
                f"process {intent.pid} belongs to uid {facts.ruid}; renicing another user's process needs "
                f"root or CAP_SYS_NICE, and edgetop runs as uid {creds.euid} without it"
            )

    def check_cpus(self, cpus: frozenset[int]) -> None:
        """Refuse an empty set or CPUs that are not online.

        Raises:
            ActionDenied: the set is empty or names offline/absent CPUs.

        """
        if not cpus:
            raise ActionDenied("no CPU selected: a task needs at least one CPU")
        online = read_topology(self.sysfs).online
        missing = cpus - online
        if missing:
            raise ActionDenied(f"CPU {cpu_list(missing)} not online (online: {cpu_list(online)})")

    def _check_pin_vcpu(self, intent: PinVcpu, with_cpus: bool) -> None:
        if not intent.domain or _DOMAIN_BAD.search(intent.domain):
            raise ActionDenied(f"{intent.domain!r} is not a domain name")
        if intent.vcpu < 0:
            raise ActionDenied(f"vCPU {intent.vcpu} does not exist")
        if with_cpus:
            if not intent.cpus:
                raise ActionDenied("no CPU selected: a vCPU needs at least one host CPU")
            if min(intent.cpus) < 0:
                raise ActionDenied("negative CPU number")
        creds = self.credentials
        uri = self.libvirt_uri
        # Session and test URIs belong to the user; a system URI needs root or the
        # libvirt group (Debian's polkit rule and socket permissions grant rw to it).
        if creds.euid == 0 or uri.startswith("test:") or "/session" in uri:
            return
        gid = _group_gid("libvirt")
        if gid is None or gid not in creds.gids:
            raise ActionDenied(
                f"pinning a vCPU needs a read-write connection to {uri}: root or the 'libvirt' group; "
                f"edgetop runs as uid {creds.euid} outside it"
            )
