"""Private chronyd daemons on loopback (server with ``local stratum 8`` and its client).

Shared by ``test_chrony.py`` and ``benchmarks/bench_ntp.py``. As FIELD-NOTES describes:
``chronyd -d -x -f conf`` (foreground; ``-x`` never touches the system clock), each with
its own command-socket directory owned by ``_chrony`` mode 0750, stopped by PID.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import free_port, wait_until

CHRONYD = "/usr/sbin/chronyd"


@dataclass
class Daemon:
    """One private chronyd."""

    name: str
    root: Path
    proc: subprocess.Popen[bytes]

    @property
    def socket(self) -> str:
        """Its command socket."""
        return str(self.root / "run" / "chronyd.sock")

    def stop(self) -> None:
        """Stop it by PID (SIGTERM, then SIGKILL)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def log(self) -> str:
        """What it printed."""
        return (self.root / "log").read_text(errors="replace")


def start_daemon(base: Path, name: str, conf_lines: list[str]) -> Daemon:
    """Start chronyd with ``conf_lines`` plus its private socket, pid and drift files."""
    if not shutil.which(CHRONYD):
        raise RuntimeError("chronyd is not installed (apt-get install chrony)")
    root = base / name
    run = root / "run"
    run.mkdir(parents=True)
    chrony = pwd.getpwnam("_chrony")
    # chronyd drops to _chrony and refuses a socket directory it does not own (0750).
    os.chown(run, chrony.pw_uid, chrony.pw_gid)
    run.chmod(0o750)
    conf = root / "chrony.conf"
    conf.write_text("\n".join([*conf_lines, f"bindcmdaddress {run}/chronyd.sock", f"pidfile {run}/chronyd.pid",
                               f"driftfile {root}/drift", ""]))
    with (root / "log").open("wb") as log:
        proc = subprocess.Popen([CHRONYD, "-d", "-x", "-f", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    daemon = Daemon(name, root, proc)
    wait_until(f"{name} command socket", lambda: Path(daemon.socket).exists() or proc.poll() is not None, 15)
    if proc.poll() is not None:
        raise RuntimeError(f"{name} exited: {daemon.log()}")
    return daemon


@dataclass
class Pair:
    """A server, its client, the server's NTP port and the client's UDP command port."""

    base: Path
    server: Daemon
    client: Daemon
    ntp_port: int
    client_cmd_port: int

    def stop(self) -> None:
        """Stop both daemons and remove their directory."""
        self.client.stop()
        self.server.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def start_pair() -> Pair:
    """Start the server on a free port and a client polling it every 1-4 s."""
    # pytest's tmp dirs are 0700 root: chronyd, once it is _chrony, could not reach its socket.
    base = Path(tempfile.mkdtemp(prefix="edgetop-chrony-"))
    base.chmod(0o755)
    ntp_port, cmd_port = free_port(), free_port()
    server = start_daemon(base, "server", [
        f"port {ntp_port}", "bindaddress 127.0.0.1", "allow 127.0.0.1", "local stratum 8", "cmdport 0",
    ])
    try:
        client = start_daemon(base, "client", [
            f"server 127.0.0.1 port {ntp_port} iburst minpoll 0 maxpoll 2", "port 0",
            # A UDP command port too: the read-only view a non-root user gets.
            f"cmdport {cmd_port}", "bindcmdaddress 127.0.0.1",
        ])
    except BaseException:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
        raise
    return Pair(base, server, client, ntp_port, cmd_port)
