"""A private net-snmp ``snmpd`` on 127.0.0.1 and a free port, as FIELD-NOTES describes.

Foreground (``-f``), no system config (``-C``), no MIBs (``-m ''``), its own persistent
directory (so its engine ID and boot counter survive a restart, like a real device), USM
users made by ``createUser`` lines, stopped by PID. ``override`` lines give it UPS-MIB and
ENTITY-SENSOR-MIB objects that a Linux agent does not have, so those profiles run against
a real agent too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from edgetop.config_schema import Secret, SnmpTarget
from tests.helpers import free_port

SNMPD = "/usr/sbin/snmpd"

# name, auth protocol, auth key, priv protocol or None, priv key
USERS: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("u-sha256-aes128", "SHA-256", "auth-key-256", "AES-128", "priv-key-128"),
    ("u-sha512-aes256", "SHA-512", "auth-key-512", "AES-256", "priv-key-256"),
    ("u-md5-des", "MD5", "auth-key-md5", "DES", "priv-key-des"),
    ("u-sha-authnopriv", "SHA", "auth-key-sha", None, None),
    ("u-sha224-aes192", "SHA-224", "auth-key-224", "AES-192", "priv-key-192"),
    ("u-sha384-aes128", "SHA-384", "auth-key-384", "AES-128", "priv-key-384"),
    # Non-ASCII passphrases: net-snmp hashes the UTF-8 octets of snmpd.conf (snmp_keys.py).
    ("u-utf8-sha256-aes128", "SHA-256", "pässwört-€-auth", "AES-128", "clé-privée-Ω"),
)
COMMUNITY = "edgetop-ro-community"
# net-snmp spells AES-128 as "AES".
_NETSNMP_PRIV = {"AES-128": "AES", "AES-192": "AES-192", "AES-256": "AES-256", "DES": "DES"}

UPS = "1.3.6.1.2.1.33.1"
SENSOR = "1.3.6.1.2.1.99.1.1.1"
OVERRIDES = (
    (f"{UPS}.2.1.0", "integer", "3"),  # batteryLow
    (f"{UPS}.2.3.0", "integer", "12"),
    (f"{UPS}.2.4.0", "integer", "35"),
    (f"{UPS}.2.5.0", "integer", "262"),  # 26.2 V
    (f"{UPS}.4.1.0", "integer", "5"),  # on battery
    (f"{UPS}.3.3.1.3.1", "integer", "0"),
    (f"{UPS}.4.4.1.2.1", "integer", "230"),
    (f"{UPS}.4.4.1.5.1", "integer", "41"),
    (f"{SENSOR}.1.7", "integer", "8"),  # celsius
    (f"{SENSOR}.2.7", "integer", "9"),  # units
    (f"{SENSOR}.3.7", "integer", "1"),  # one decimal
    (f"{SENSOR}.4.7", "integer", "415"),  # 41.5 °C
    (f"{SENSOR}.5.7", "integer", "1"),
    ("1.3.6.1.2.1.47.1.1.1.1.7.7", "octet_str", "inlet"),
    ("1.3.6.1.4.1.8072.9999.1.0", "integer", "73"),  # a private OID for the oids[] tests
)


free_udp_port = free_port  # the name benchmarks/bench_snmp.py imports


@dataclass
class PrivateSnmpd:
    """One private agent under ``directory``; ``start``/``stop`` by PID, restartable."""

    directory: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    extra_users: int = 0

    @property
    def conf(self) -> Path:
        """Where snmpd.conf is (apart from the persistent directory, which has its own snmpd.conf)."""
        return self.directory / "conf"

    @property
    def state(self) -> Path:
        """The persistent directory: engine ID, boot counter, localized users."""
        return self.directory / "state"

    def env(self) -> dict[str, str]:
        """Environment that keeps net-snmp tools away from /etc/snmp and /var/lib/snmp."""
        env = dict(os.environ)
        env.update(SNMP_PERSISTENT_DIR=str(self.state), SNMPCONFPATH=str(self.conf), MIBS="", MIBDIRS="")
        return env

    def client_env(self) -> dict[str, str]:
        """Environment for net-snmp client tools: their own persistent directory, no system config."""
        env = self.env()
        env["SNMP_PERSISTENT_DIR"] = str(self.directory / "client")
        return env

    def write_config(self) -> None:
        """Write snmpd.conf: users, their access, overrides."""
        lines = [f"agentAddress udp:127.0.0.1:{self.port},udp6:[::1]:{self.port}", f"[snmp] persistentDir {self.state}"]
        for name, auth, akey, priv, pkey in self.users():
            if priv:
                lines.append(f'createUser {name} {auth} "{akey}" {_NETSNMP_PRIV[priv]} "{pkey}"')
                lines.append(f"rouser -s usm {name} priv")
            else:
                lines.append(f'createUser {name} {auth} "{akey}"')
                lines.append(f"rouser -s usm {name} auth")
        # Access cases: a priv-only user (polled without privacy: authorizationError), a user
        # whose view is the system group only, and a v2c community.
        lines += ['createUser u-needs-priv SHA-256 "auth-key-np" AES "priv-key-np"', "rouser -s usm u-needs-priv priv",
                  'createUser u-system-view SHA-256 "auth-key-sv" AES "priv-key-sv"',
                  "rouser -s usm u-system-view priv .1.3.6.1.2.1.1",
                  f"rocommunity {COMMUNITY} 127.0.0.1"]
        lines.extend(f"override {oid} {kind} {value}" for oid, kind, value in OVERRIDES)
        (self.conf / "snmpd.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def users(self) -> list[tuple[str, str, str, str | None, str | None]]:
        """Every USM user of this agent (the shipped ones plus ``extra_users`` for benchmarks)."""
        extra = [(f"bench{i:02d}", "SHA-256", f"bench-auth-{i:02d}", "AES-128", f"bench-priv-{i:02d}")
                 for i in range(self.extra_users)]
        return [*USERS, *extra]

    def start(self, timeout: float = 15.0) -> None:
        """Start snmpd in the foreground and wait until it answers an SNMP request."""
        for sub in (self.conf, self.state):
            sub.mkdir(parents=True, exist_ok=True)
        # -C reads only the -c files, so the persistent file (engine ID, boot counter) is named
        # too; it must exist before the first start.
        (self.state / "snmpd.conf").touch()
        self.write_config()
        argv = [SNMPD, "-f", "-C", "-m", "", "-c", f"{self.conf / 'snmpd.conf'},{self.state / 'snmpd.conf'}",
                "-Lf", str(self.directory / "snmpd.log"), "-p", str(self.directory / "snmpd.pid")]
        self.proc = subprocess.Popen(argv, env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = (self.directory / "snmpd.log").read_text(errors="replace")
                raise RuntimeError(f"snmpd exited with {self.proc.returncode}: {log[-2000:]}")
            if self.answers():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("snmpd did not answer within the timeout")

    def answers(self) -> bool:
        """True when the agent answers an authPriv GET (checked with net-snmp's own snmpget)."""
        name, auth, akey, priv, pkey = USERS[0]
        argv = ["snmpget", "-v3", "-l", "authPriv", "-u", name, "-a", auth, "-A", akey, "-x",
                _NETSNMP_PRIV[str(priv)], "-X", str(pkey), "-t", "0.3", "-r", "0", "-On",
                f"127.0.0.1:{self.port}", "1.3.6.1.2.1.1.3.0"]
        done = subprocess.run(argv, env=self.client_env(), capture_output=True, timeout=10, check=False)
        return done.returncode == 0

    def stop(self) -> None:
        """Stop the agent by its PID and wait for it."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None

    def target(self, account: str, name: str | None = None, **overrides: object) -> SnmpTarget:
        """A config target for USM user ``account`` on this agent (keys from :data:`USERS` unless overridden)."""
        row = next(u for u in self.users() if u[0] == account)
        user, auth, akey, priv, pkey = row
        values: dict[str, object] = {
            "name": name or user, "host": "127.0.0.1", "port": self.port, "user": user,
            "auth_protocol": auth, "auth_key": Secret(akey), "priv_protocol": priv,
            "priv_key": Secret(pkey) if pkey else None, "timeout": 1.0, "retries": 0,
            "profiles": ("system", "if-mib", "ups-mib", "entity-sensor"),
        }
        values.update(overrides)
        return SnmpTarget(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def snmpd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateSnmpd]:
    """A private snmpd for the whole session; it must be installed (it fails, never skips)."""
    agent = PrivateSnmpd(tmp_path_factory.mktemp("snmpd"))
    agent.start()
    try:
        yield agent
    finally:
        agent.stop()
