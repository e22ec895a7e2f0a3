"""Checks of edgetop itself: the exporter's listen address, its CPU cost, and where it runs.

The facts are the edgetop processes in ``/proc`` (found by their command line), so the
checks judge what runs on the node: an ``edgetop serve`` started by a unit file with
``--listen 0.0.0.0:9117`` is seen from the TUI and from ``edgetop check`` alike.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

import msgspec
import yaml

from edgetop.collectors.checks.host import Placement, pinned_vcpus
from edgetop.collectors.checks.libvirt_facts import LibvirtFacts
from edgetop.collectors.proc_pid import parse_pid_stat, parse_pid_status
from edgetop.collectors.proc_stat import USER_HZ
from edgetop.errors import ParseError
from edgetop.hostport import split_host_port
from edgetop.model.checks import Check, CheckId
from edgetop.model.cpulist import format_cpu_list
from edgetop.sources.files import FileRefused, read_small_file
from edgetop.sources.fs import ProcFS

EXPORTER_LISTEN = CheckId("monitor.exporter_listen", "edgetop's exporter listens on loopback, or with TLS and auth")
CPU_COST = CheckId("monitor.cpu_cost", "edgetop's own CPU use")
AFFINITY = CheckId("monitor.affinity", "edgetop kept off the CPUs of pinned vCPUs")
CHECKS = (EXPORTER_LISTEN, CPU_COST, AFFINITY)

DEFAULT_LISTEN = "127.0.0.1:9117"  # edgetop serve's --listen default (cli.py)
COMMANDS = frozenset({"snapshot", "serve", "check", "check-config"})
LONG_RUNNING = frozenset({"tui", "serve"})
# Options of edgetop that take a value: their value is never the subcommand.
_VALUE_OPTIONS = frozenset({"--config", "--connect", "--interval", "--theme", "--procfs", "--sysfs", "--log-file",
                            "--audit-log", "--listen", "--only", "--web.config.file"})
WEB_CONFIG_LIMIT = 1 << 20
MAX_CPU_SHARE = 0.05  # of one CPU, averaged since start: glances costs ~0.03, htop ~0.003
MIN_AGE_SECONDS = 60.0  # before this, start-up (importing Textual) dominates the average


class EdgetopProcess(msgspec.Struct, frozen=True):
    """A running edgetop.

    Attributes:
        pid: its process id.
        role: ``tui``, ``serve``, ``snapshot``, ``check`` or ``check-config``.
        listen: for ``serve``, the address it listens on.
        cpu_seconds: user and system CPU time since it started.
        age_seconds: how long it has run.
        cpus: the CPUs it may run on (``Cpus_allowed_list``).
        is_self: the process running these checks.
        protection: for ``serve``, what its ``--web.config.file`` turns on: ``TLS and basic
            auth``, ``TLS only``, ``basic auth only``, ``none``, or ``unknown (why)``.

    """

    pid: int
    role: str
    listen: str | None = None
    cpu_seconds: float | None = None
    age_seconds: float | None = None
    cpus: frozenset[int] | None = None
    is_self: bool = False
    protection: str = "none"

    @property
    def who(self) -> str:
        """``pid 1234 (serve)``."""
        return f"pid {self.pid} ({self.role})"


class MonitorFacts(msgspec.Struct, frozen=True):
    """Every edgetop process in ``procfs``, and the CPUs this process may run on (``self/status``)."""

    procfs: str
    processes: tuple[EdgetopProcess, ...]
    self_cpus: frozenset[int] | None = None


def edgetop_args(argv: list[str]) -> list[str] | None:
    """The arguments after ``edgetop``, ``python -m edgetop`` or ``python /usr/bin/edgetop``; None if not edgetop."""
    if not argv:
        return None
    prog = os.path.basename(argv[0])
    if prog == "edgetop":
        return argv[1:]
    if prog.startswith("python"):
        if argv[1:3] == ["-m", "edgetop"]:
            return argv[3:]
        if len(argv) > 1 and os.path.basename(argv[1]) == "edgetop":
            return argv[2:]
    return None


def role_and_listen(args: list[str]) -> tuple[str, str | None]:
    """The subcommand (``tui`` when none) and, for ``serve``, its listen address."""
    role, i = "tui", 0
    while i < len(args):
        if args[i] in COMMANDS:
            role = args[i]
            break
        i += 2 if args[i] in _VALUE_OPTIONS else 1
    if role != "serve":
        return role, None
    listen = DEFAULT_LISTEN
    for j, arg in enumerate(args):
        if arg == "--listen" and j + 1 < len(args):
            listen = args[j + 1]
        elif arg.startswith("--listen="):
            listen = arg.split("=", 1)[1]
    return role, listen


def web_config_arg(args: list[str]) -> str | None:
    """The ``--web.config.file`` of a ``serve`` command line, or None."""
    for j, arg in enumerate(args):
        if arg == "--web.config.file" and j + 1 < len(args):
            return args[j + 1]
        if arg.startswith("--web.config.file="):
            return arg.split("=", 1)[1]
    return None


def web_config_protection(path: Path) -> str:
    """What an exporter-toolkit web config file turns on (read as ``edgetop serve`` reads it)."""
    try:
        raw: Any = yaml.safe_load(read_small_file(path, WEB_CONFIG_LIMIT))
    except FileNotFoundError:
        return f"unknown ({path} not found)"
    except (FileRefused, yaml.YAMLError, OSError) as err:
        return f"unknown ({path}: {str(err).splitlines()[0] if str(err) else 'unreadable'})"
    if not isinstance(raw, dict):
        return "none"
    tls = isinstance(raw.get("tls_server_config"), dict) and bool(raw["tls_server_config"].get("cert_file"))
    auth = isinstance(raw.get("basic_auth_users"), dict) and bool(raw["basic_auth_users"])
    return {(True, True): "TLS and basic auth", (True, False): "TLS only", (False, True): "basic auth only",
            (False, False): "none"}[(tls, auth)]


def _protection(procfs: ProcFS, pid: int, args: list[str]) -> str:
    web = web_config_arg(args)
    if web is None:
        return "none"
    path = Path(web)
    if not path.is_absolute():  # relative to the exporter's working directory
        cwd = procfs.readlink(f"{pid}/cwd")
        if cwd is None:
            return f"unknown (cannot resolve {web!r} without pid {pid}'s working directory)"
        path = Path(cwd) / path
    return web_config_protection(path)


def _process(procfs: ProcFS, pid: int, uptime: float | None, self_pid: int | None) -> EdgetopProcess | None:
    cmdline = procfs.read_optional(f"{pid}/cmdline")
    args = edgetop_args(cmdline.rstrip("\0").split("\0")) if cmdline else None
    if args is None:
        return None
    role, listen = role_and_listen(args)
    cpu = age = None
    stat_text = procfs.read_optional(f"{pid}/stat")
    if stat_text is not None:
        try:
            st = parse_pid_stat(stat_text)
        except ParseError:
            pass
        else:
            cpu = (st.utime_ticks + st.stime_ticks) / USER_HZ
            age = None if uptime is None else max(0.0, uptime - st.starttime_ticks / USER_HZ)
    status = procfs.read_optional(f"{pid}/status")
    cpus = parse_pid_status(status).cpus_allowed if status is not None else None
    protection = _protection(procfs, pid, args) if role == "serve" else "none"
    return EdgetopProcess(pid, role, listen, cpu, age, cpus, pid == self_pid, protection)


def gather_monitor(procfs: ProcFS) -> MonitorFacts:
    """Find every edgetop process and read its role, CPU time, age and allowed CPUs."""
    uptime_text = procfs.read_optional("uptime")
    try:
        uptime = float(uptime_text.split()[0]) if uptime_text else None
    except ValueError:
        uptime = None
    link = procfs.readlink("self")
    self_pid = int(link) if link and link.isdigit() else None
    found = []
    for name in procfs.listdir():
        if name.isdigit():
            proc = _process(procfs, int(name), uptime, self_pid)
            if proc is not None:
                found.append(proc)
    status = procfs.read_optional("self/status")
    return MonitorFacts(str(procfs.root), tuple(found), parse_pid_status(status).cpus_allowed if status else None)


def watched_by(f: MonitorFacts) -> tuple[Placement, ...]:
    """Where the edgetop that watches the node runs: the TUI and exporters, else this process."""
    long = tuple(Placement(p.who, p.cpus) for p in f.processes if p.role in LONG_RUNNING and p.cpus is not None)
    if long:
        return long
    me = next((p for p in f.processes if p.is_self), None)
    if f.self_cpus is None:
        return ()
    return (Placement(me.who if me else "this process", f.self_cpus),)


def is_loopback(listen: str) -> bool:
    """Tell whether ``ADDR:PORT`` is a loopback address (an empty address means 127.0.0.1 to edgetop serve)."""
    try:
        host, _ = split_host_port(listen)
    except ValueError:
        return False
    if host in ("", "localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it resolves to whatever the network says


def check_exporter_listen(f: MonitorFacts) -> Check:
    """Every ``edgetop serve`` listens on loopback, or beyond it with TLS and basic auth (``--web.config.file``)."""
    serving = [p for p in f.processes if p.role == "serve"]
    if not serving:
        return EXPORTER_LISTEN.passed(f"no edgetop serve process in {f.procfs}")

    def shown(p: EdgetopProcess) -> str:
        said = f"{p.who} listens on {p.listen}"
        return said if p.protection == "none" else f"{said} with {p.protection}"

    exposed = [p for p in serving if not is_loopback(p.listen or DEFAULT_LISTEN)
               and p.protection != "TLS and basic auth"]
    if not exposed:
        return EXPORTER_LISTEN.passed("; ".join(shown(p) for p in serving))
    missing = "; ".join(f"{shown(p)}: beyond loopback, without " + (
        "TLS or authentication" if p.protection == "none" else "TLS" if p.protection == "basic auth only"
        else "authentication" if p.protection == "TLS only" else "known TLS and authentication") for p in exposed)
    return EXPORTER_LISTEN.warn(missing,
                                "Listen on 127.0.0.1, or give serve a --web.config.file with tls_server_config and "
                                "basic_auth_users (node_exporter's format) and admit only the Prometheus server to the "
                                "port (nftables): the metrics name every guest, NIC and device of the node.")


def check_cpu_cost(f: MonitorFacts) -> Check:
    """The TUI and the exporter use at most 5% of one CPU, averaged since they started."""
    long = [p for p in f.processes if p.role in LONG_RUNNING]
    if not long:
        return CPU_COST.passed(f"no long-running edgetop (TUI or serve) in {f.procfs}")
    judged = [p for p in long if p.cpu_seconds is not None and p.age_seconds and p.age_seconds >= MIN_AGE_SECONDS]
    if not judged:
        return CPU_COST.unknown(f"{', '.join(p.who for p in long)}: started less than {MIN_AGE_SECONDS:.0f} s ago "
                                "or unreadable")
    shares = [(p, (p.cpu_seconds or 0.0) / (p.age_seconds or 1.0)) for p in judged]
    shown = "; ".join(f"{p.who} {share:.1%} of one CPU ({p.cpu_seconds:.1f} s in {p.age_seconds:.0f} s)"
                      for p, share in shares)
    if any(share > MAX_CPU_SHARE for _, share in shares):
        return CPU_COST.warn(shown, "Raise --interval (2-5 s), or stop the TUI when nobody watches it: the monitor "
                                    "must not take CPU from the guests.")
    return CPU_COST.passed(shown)


def check_affinity(f: MonitorFacts, lv: LibvirtFacts) -> Check:
    """No edgetop on a CPU that holds a pinned vCPU (the guide pins the monitor apart)."""
    if lv.error is not None:
        return AFFINITY.unknown(f"guests unknown: no answer from {lv.uri} (see libvirt.connection)")
    placements = watched_by(f)
    if not placements:
        return AFFINITY.unknown(f"no edgetop process with a readable Cpus_allowed_list in {f.procfs}")
    pinned = frozenset().union(*(cpus for _, _, cpus in pinned_vcpus(lv.guests)))
    where = "; ".join(f"{p.who} on CPUs {format_cpu_list(p.cpus)}" for p in placements)
    if not pinned:
        return AFFINITY.passed(f"{where}; no vCPU of an active guest is pinned")
    shared = [f"{p.who} shares CPUs {format_cpu_list(p.cpus & pinned)}" for p in placements if p.cpus & pinned]
    if shared:
        return AFFINITY.warn(f"vCPUs pinned to CPUs {format_cpu_list(pinned)}; " + "; ".join(shared),
                             "Pin edgetop to a housekeeping CPU away from the guests (taskset -cp CPU PID, or "
                             "CPUAffinity= in its unit).")
    return AFFINITY.passed(f"{where}; vCPUs pinned to CPUs {format_cpu_list(pinned)}")


def run_checks(f: MonitorFacts, lv: LibvirtFacts) -> list[Check]:
    """Every check of edgetop itself, in order."""
    return [check_exporter_listen(f), check_cpu_cost(f), check_affinity(f, lv)]
