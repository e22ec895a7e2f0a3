"""Audit trail: one RFC 5424 line per attempt and per outcome of every action.

Each line goes to the audit file (always; if it cannot be written the action does not
run) and to syslog through the ``/dev/log`` datagram socket when one exists. Lines carry
who (uid, login name, tty or SSH client), what (action and target) and the result, as
RFC 5424 structured data under ``edgetop@32473`` (32473 is the private enterprise number
RFC 5612 reserves for documentation and examples). Intents hold no secrets; outside
strings are escaped per RFC 5424 §6.3.3 and control characters replaced.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from edgetop.actions.intents import Intent, PinProcess, PinVcpu, ReniceProcess, RestartService, SignalProcess
from edgetop.model.cpulist import format_cpu_list

SD_ID = "edgetop@32473"
APP_NAME = "edgetop"
FACILITY_AUTHPRIV = 10  # RFC 5424 §6.2.1: security/authorization messages
# notice, warning, error
SEVERITY = {"attempt": 5, "success": 5, "denied": 4, "unsettled": 4, "inactive": 4, "failure": 3}
DEV_LOG = "/dev/log"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts.

    Attributes:
        uid: real uid of edgetop.
        user: the account name of ``uid``.
        login: the login name of the session (``getlogin(3)``, from utmp), if any.
        sudo_user: ``SUDO_USER`` when started through sudo.
        tty: the controlling terminal, if any.
        ssh_client: ``SSH_CLIENT`` (client address and ports) when logged in over SSH.

    """

    uid: int
    user: str | None
    login: str | None
    sudo_user: str | None
    tty: str | None
    ssh_client: str | None


def current_actor() -> Actor:
    """Describe the person running this edgetop."""
    uid = os.getuid()
    try:
        user: str | None = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = None
    try:
        login: str | None = os.getlogin()
    except OSError:
        login = None
    tty = None
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            tty = os.ttyname(stream.fileno())
            break
        except (OSError, AttributeError, ValueError):
            continue
    return Actor(uid, user, login, os.environ.get("SUDO_USER"), tty, os.environ.get("SSH_CLIENT"))


def default_audit_path(euid: int | None = None, env: dict[str, str] | None = None) -> Path:
    """``/var/log/edgetop/audit.log`` for root, else ``$XDG_STATE_HOME/edgetop/audit.log``."""
    env = dict(os.environ) if env is None else env
    if (os.geteuid() if euid is None else euid) == 0:
        return Path("/var/log/edgetop/audit.log")
    state = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".local/state")
    return Path(state) / "edgetop" / "audit.log"


def _clean(value: object) -> str:
    r"""Printable text: control characters become ``\\xNN`` (nothing can forge a line)."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in str(value))


def _sd_value(value: object) -> str:
    # RFC 5424 §6.3.3: inside PARAM-VALUE, '"', '\' and ']' MUST be escaped with '\'.
    return _clean(value).replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _ascii_token(value: str, limit: int) -> str:
    # HOSTNAME, APP-NAME, MSGID are PRINTUSASCII (33-126) of bounded length, or "-".
    token = "".join(c for c in value if 33 <= ord(c) <= 126)[:limit]
    return token or "-"


def intent_fields(intent: Intent) -> tuple[str, dict[str, str]]:
    """Return (action name, target fields) of an intent for the audit line."""
    if isinstance(intent, RestartService):
        return "restart_service", {"unit": intent.unit}
    if isinstance(intent, PinProcess):
        return "pin_process", {"pid": str(intent.pid), "cpus": format_cpu_list(intent.cpus)}
    if isinstance(intent, PinVcpu):
        return "pin_vcpu", {"domain": intent.domain, "vcpu": str(intent.vcpu), "cpus": format_cpu_list(intent.cpus)}
    if isinstance(intent, SignalProcess):
        return "signal_process", {"pid": str(intent.pid), "start_ticks": str(intent.start_ticks),
                                  "signal": intent.signal}
    if isinstance(intent, ReniceProcess):
        return "renice_process", {"pid": str(intent.pid), "start_ticks": str(intent.start_ticks),
                                  "nice": str(intent.nice)}
    raise TypeError(f"not an intent: {intent!r}")  # pragma: no cover


def format_line(actor: Actor, intent: Intent, outcome: str, detail: str, *, hostname: str | None = None,
                now: dt.datetime | None = None, pid: int | None = None) -> str:
    """One RFC 5424 syslog line (no trailing newline).

    ``<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG`` with facility authpriv.
    """
    action, target = intent_fields(intent)
    pri = FACILITY_AUTHPRIV * 8 + SEVERITY.get(outcome, 5)
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="microseconds")
    stamp = stamp.replace("+00:00", "Z")
    params: dict[str, object] = {"uid": actor.uid}
    for key, value in (("user", actor.user), ("login", actor.login), ("sudo_user", actor.sudo_user),
                       ("tty", actor.tty), ("ssh_client", actor.ssh_client)):
        if value:
            params[key] = value
    params.update({"action": action, **target, "outcome": outcome})
    sd = "[" + SD_ID + "".join(f' {k}="{_sd_value(v)}"' for k, v in params.items()) + "]"
    who = actor.login or actor.user or f"uid {actor.uid}"
    what = " ".join(f"{k}={v}" for k, v in target.items())
    msg = _clean(f"{who}: {action} {what}: {outcome}" + (f": {detail}" if detail else ""))
    host = _ascii_token(hostname if hostname is not None else socket.gethostname(), 255)
    procid = os.getpid() if pid is None else pid
    return f"<{pri}>1 {stamp} {host} {APP_NAME} {procid} {_ascii_token(action, 32)} {sd} {msg}"


class AuditLog:
    """Writes audit lines to a file and, when present, to syslog."""

    def __init__(self, path: Path | str, *, syslog_path: str | None = DEV_LOG, actor: Actor | None = None) -> None:
        """Audit to ``path``; ``syslog_path=None`` disables syslog."""
        self.path = Path(path)
        self.syslog_path = syslog_path
        self.actor = actor or current_actor()
        self.syslog_error: str | None = None

    def record(self, intent: Intent, outcome: str, detail: str = "") -> str:
        """Write one line for ``outcome`` (attempt, success, failure, denied) and return it.

        Raises:
            OSError: the audit file cannot be written (the caller must not act then).

        """
        line = format_line(self.actor, intent, outcome, detail)
        self._append(line)
        self._syslog(line)
        return line

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        # O_APPEND: each line lands whole at the end even with several edgetops running.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)

    def _syslog(self, line: str) -> None:
        if not self.syslog_path or not os.path.exists(self.syslog_path):
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.settimeout(1.0)
                sock.sendto(line.encode("utf-8"), self.syslog_path)
            self.syslog_error = None
        except OSError as err:  # syslog is best effort; the file is the record
            self.syslog_error = f"{self.syslog_path}: {err.strerror or err}"
