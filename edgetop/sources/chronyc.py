"""Reach chronyd's command interface through ``chronyc -c`` (its CSV mode).

chronyc tries chronyd's Unix socket (``/run/chrony/chronyd.sock``, full access for root)
and then UDP port 323 on localhost (monitoring commands only; control commands answer
"501 Not authorised"). ``ntp.chrony.socket`` or ``ntp.chrony.host``/``port`` pick one.
``-m`` runs several commands in one process, ``-n`` skips DNS lookups so that a slow
resolver cannot stall the lane.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from edgetop.config_schema import ChronyConfig
from edgetop.errors import SourceUnavailable
from edgetop.sources.process import HOST_COMMANDS, CommandRunner, first_line

# The read-only commands the collector needs; all are monitoring commands, allowed over UDP.
READ_COMMANDS = ("tracking", "sources", "sourcestats")
# chronyd's compiled-in socket (chrony.conf(5) bindcmdaddress), the first place chronyc tries.
DEFAULT_SOCKET = "/run/chrony/chronyd.sock"


def chronyc_argv(cfg: ChronyConfig, commands: tuple[str, ...] = READ_COMMANDS) -> list[str]:
    """Build the chronyc argv for ``commands`` against the configured daemon."""
    argv = ["chronyc", "-c", "-n", "-m"]
    if cfg.socket:
        argv += ["-h", cfg.socket]
    elif cfg.host:
        argv += ["-h", cfg.host, "-p", str(cfg.port)]
    return [*argv, *commands]


def where(cfg: ChronyConfig) -> str:
    """Say which command interface is used, for messages."""
    if cfg.socket:
        return cfg.socket
    if cfg.host:
        return f"{cfg.host}:{cfg.port}"
    return "the default socket"


def query(
    cfg: ChronyConfig, timeout: float, commands: tuple[str, ...] = READ_COMMANDS, run: CommandRunner = HOST_COMMANDS
) -> str:
    """Run chronyc and return its CSV output.

    chronyc prints "506 Cannot talk to daemon" (or, for a socket path that does not
    exist, "Could not open connection to daemon" on stderr) and exits 1 when chronyd
    does not answer; the output of the commands that did run is kept, so the parser
    can say which one was refused.

    Raises:
        SourceUnavailable: chronyc is absent, timed out, or no command produced output.

    """
    out = run(chronyc_argv(cfg, commands), timeout)
    if out.returncode != 0 and not out.stdout.strip():
        why = first_line(out.stdout) or first_line(out.stderr) or f"chronyc exited with {out.returncode}"
        raise SourceUnavailable(f"chronyd at {where(cfg)}: {why}{socket_hint(cfg)}")
    return out.stdout


def socket_hint(cfg: ChronyConfig, access: Callable[[str, int], bool] = os.access) -> str:
    """Say how to get in when the command socket exists but this user may not use it.

    chronyd keeps its socket in a 0750 directory of ``_chrony``: other users get only
    "Could not open connection to daemon", the same words as for no daemon at all.
    """
    if cfg.host:
        return ""
    path = cfg.socket or DEFAULT_SOCKET
    parent = os.path.dirname(path) or "."
    denied = access(parent, os.F_OK) and (
        not access(parent, os.X_OK) or (access(path, os.F_OK) and not access(path, os.W_OK)))
    if denied:
        return (" (no permission on the command socket: run as root or in group _chrony, or set"
                " ntp.chrony.host: 127.0.0.1 for chronyd's read-only UDP port)")
    return ""
