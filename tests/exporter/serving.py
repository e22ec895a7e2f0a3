"""Helpers for the exporter's tests: ``edgetop serve`` as a child on loopback, test certificates."""

from __future__ import annotations

import datetime
import os
import signal
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.helpers import free_port, wait_until

REPO = Path(__file__).resolve().parent.parent.parent
QUIET = """\
libvirt: {uri: "test:///nonexistent-edgetop-exporter.xml", timeout: 1}
ntp: {servers: [], timeout: 0.5}
services: []
"""


@dataclass
class Served:
    """A running ``edgetop serve``: its process, port and scheme."""

    proc: subprocess.Popen[str]
    port: int
    scheme: str = "http"

    @property
    def url(self) -> str:
        """The base URL."""
        return f"{self.scheme}://127.0.0.1:{self.port}"


def env(tmp_path: Path) -> dict[str, str]:
    """An environment that reads no config of the user's and logs under ``tmp_path``."""
    out = {k: v for k, v in os.environ.items() if k != "EDGETOP_CONFIG"}
    return out | {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
                  "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONPATH": str(REPO)}


def get(url: str, *, headers: dict[str, str] | None = None, context: ssl.SSLContext | None = None,
        timeout: float = 5) -> tuple[int, dict[str, str], str]:
    """GET ``url``: status, headers, body (an HTTP error is an answer too)."""
    req = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback http(s) URLs of this test
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as resp:  # noqa: S310
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


@contextmanager
def serve(tmp_path: Path, *args: str, demo: bool = True, scheme: str = "http",
          context: ssl.SSLContext | None = None, headers: dict[str, str] | None = None,
          ready: str | tuple[str, ...] = "edgetop_collector_up") -> Iterator[Served]:
    """Run ``edgetop serve`` on a free loopback port until ``/metrics`` shows every ``ready``; stop it by PID."""
    wanted = (ready,) if isinstance(ready, str) else ready
    (tmp_path / "c.yaml").write_text(QUIET)
    port = free_port(__import__("socket").SOCK_STREAM)
    argv = [sys.executable, "-m", "edgetop", "serve", "--config", "c.yaml", "--listen", f"127.0.0.1:{port}",
            *(["--demo"] if demo else []), *args]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(tmp_path),
                            cwd=tmp_path)
    served = Served(proc, port, scheme)

    def up() -> bool:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            status, _, body = get(f"{served.url}/metrics", headers=headers, context=context, timeout=2)
        except OSError:
            return False
        return status == 200 and all(w in body for w in wanted)

    try:
        wait_until(f"edgetop serve on {served.url}", up, timeout=60)
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def stderr_of(served: Served) -> str:
    """What the stopped process wrote on stderr."""
    assert served.proc.stderr is not None
    return served.proc.stderr.read()


def make_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A self-signed certificate for ``host`` (an IP SAN) and its key, written as PEM files."""
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "edgetop test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "tls.crt", directory / "tls.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file
