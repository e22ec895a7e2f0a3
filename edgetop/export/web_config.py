"""``--web.config.file``: TLS and basic auth in the Prometheus exporter-toolkit's format.

The same file node_exporter and the libvirt exporter read
(https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md)::

    tls_server_config:
      cert_file: /etc/edgetop/tls.crt
      key_file: /etc/edgetop/tls.key
      client_auth_type: RequireAndVerifyClientCert   # optional, with client_ca_file
      client_ca_file: /etc/edgetop/ca.crt
      min_version: TLS12                             # optional: TLS10 … TLS13
    basic_auth_users:
      prometheus: $2y$10$...                         # bcrypt hashes only

Keys edgetop does not implement (``http_server_config``, cipher lists) are refused by
name rather than ignored, so an operator never believes a setting took effect when it did
not. A password is checked with bcrypt; a password that matched once is remembered as a
keyed digest, as exporter-toolkit caches it, so a scrape every 15 s does not pay bcrypt's
~0.1 s each time. No password or hash is ever logged or served.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import ssl
import stat
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from edgetop.errors import ConfigError

_TLS_KEYS = {"cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version"}
_VERSIONS = {"TLS10": ssl.TLSVersion.TLSv1, "TLS11": ssl.TLSVersion.TLSv1_1,
             "TLS12": ssl.TLSVersion.TLSv1_2, "TLS13": ssl.TLSVersion.TLSv1_3}
# exporter-toolkit's client_auth_type values (Go's tls.ClientAuthType names).
_CLIENT_AUTH = {"NoClientCert": ssl.CERT_NONE, "RequestClientCert": ssl.CERT_OPTIONAL,
                "RequireAnyClientCert": ssl.CERT_REQUIRED, "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
                "RequireAndVerifyClientCert": ssl.CERT_REQUIRED}
_CACHE_LIMIT = 64
MAX_FILE_BYTES = 1 << 20


@dataclass(frozen=True)
class TlsConfig:
    """``tls_server_config``."""

    cert_file: Path
    key_file: Path
    client_auth_type: str = "NoClientCert"
    client_ca_file: Path | None = None
    min_version: str = "TLS12"
    max_version: str | None = None


@dataclass(frozen=True)
class WebConfig:
    """The parsed file; ``users`` maps a user name to its bcrypt hash."""

    tls: TlsConfig | None = None
    users: Mapping[str, bytes] = field(default_factory=dict)
    source: str = ""

    @property
    def protected(self) -> bool:
        """Whether the exporter asks for TLS or a password (the non-loopback warning's test)."""
        return self.tls is not None or bool(self.users)


def _err(source: str, key: str, message: str) -> ConfigError:
    return ConfigError(f"{source}: {key}: {message}")


def _path(source: str, key: str, value: Any, base: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise _err(source, key, "expected a file path")
    path = Path(value)
    path = path if path.is_absolute() else base / path  # relative to the file, as exporter-toolkit does
    if not path.is_file():
        raise _err(source, key, f"{value!r} is not a readable regular file")
    return path


def _tls(source: str, raw: Any, base: Path) -> TlsConfig:
    if not isinstance(raw, dict):
        raise _err(source, "tls_server_config", "expected a mapping")
    unknown = sorted(set(raw) - _TLS_KEYS)
    if unknown:
        raise _err(source, f"tls_server_config.{unknown[0]}", "not supported by edgetop")
    for key in ("cert_file", "key_file"):
        if key not in raw:
            raise _err(source, f"tls_server_config.{key}", "required")
    auth = str(raw.get("client_auth_type", "NoClientCert"))
    if auth not in _CLIENT_AUTH:
        raise _err(source, "tls_server_config.client_auth_type", f"one of {', '.join(_CLIENT_AUTH)}")
    ca = raw.get("client_ca_file")
    if auth == "RequireAndVerifyClientCert" and ca is None:
        raise _err(source, "tls_server_config.client_ca_file", "required to verify client certificates")
    for key in ("min_version", "max_version"):
        if key in raw and raw[key] not in _VERSIONS:
            raise _err(source, f"tls_server_config.{key}", f"one of {', '.join(_VERSIONS)}")
    return TlsConfig(
        cert_file=_path(source, "tls_server_config.cert_file", raw["cert_file"], base),
        key_file=_path(source, "tls_server_config.key_file", raw["key_file"], base),
        client_auth_type=auth,
        client_ca_file=None if ca is None else _path(source, "tls_server_config.client_ca_file", ca, base),
        min_version=str(raw.get("min_version", "TLS12")),
        max_version=None if raw.get("max_version") is None else str(raw["max_version"]),
    )


def _users(source: str, raw: Any) -> dict[str, bytes]:
    if not isinstance(raw, dict):
        raise _err(source, "basic_auth_users", "expected a mapping of user: bcrypt hash")
    users: dict[str, bytes] = {}
    for name, hashed in raw.items():
        if not isinstance(name, str) or not name or ":" in name:
            raise _err(source, "basic_auth_users", "a user name must be a non-empty string without ':'")
        # Never echo the hash: say which user, not what was there.
        if not isinstance(hashed, str) or not hashed.startswith(("$2a$", "$2b$", "$2y$")):
            raise _err(source, f"basic_auth_users.{name}", "expected a bcrypt hash ($2y$...)")
        users[name] = hashed.encode()
    return users


def parse_web_config(text: str, source: str, base: Path) -> WebConfig:
    """Parse the file's text; paths inside are relative to ``base``. Raises ConfigError."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise ConfigError(f"{where}: not valid YAML") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping")
    unknown = sorted(set(raw) - {"tls_server_config", "basic_auth_users"})
    if unknown:
        raise _err(source, str(unknown[0]), "not supported by edgetop (tls_server_config and basic_auth_users are)")
    tls = None if raw.get("tls_server_config") is None else _tls(source, raw["tls_server_config"], base)
    users = {} if raw.get("basic_auth_users") is None else _users(source, raw["basic_auth_users"])
    return WebConfig(tls=tls, users=users, source=source)


def load_web_config(path: str) -> WebConfig:
    """Read and parse ``path`` (a regular file of at most 1 MiB). Raises ConfigError."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the start
    except OSError as err:
        raise ConfigError(f"{path}: {err.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a FIFO or /dev/zero: refused at once
            raise ConfigError(f"{path}: not a regular file")
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    return parse_web_config(text, path, p.resolve().parent)


def ssl_context(tls: TlsConfig) -> ssl.SSLContext:
    """A server context for ``tls``. Raises ConfigError when the certificate or key is unusable."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = _VERSIONS[tls.min_version]
    if tls.max_version is not None:
        ctx.maximum_version = _VERSIONS[tls.max_version]
    try:
        ctx.load_cert_chain(tls.cert_file, tls.key_file)
        if tls.client_ca_file is not None:
            ctx.load_verify_locations(tls.client_ca_file)
    except (ssl.SSLError, OSError) as err:
        raise ConfigError(f"tls_server_config: cannot use the certificate or key: {err.strerror or err}") from None
    ctx.verify_mode = _CLIENT_AUTH[tls.client_auth_type]
    return ctx


class BasicAuth:
    """Checks ``Authorization: Basic`` headers against bcrypt hashes; thread-safe."""

    def __init__(self, users: Mapping[str, bytes]) -> None:
        """Check against ``users`` (name → bcrypt hash)."""
        self._users = dict(users)
        self._key = secrets.token_bytes(32)  # the cache holds keyed digests, never passwords
        self._ok: dict[bytes, None] = {}
        self._lock = threading.Lock()
        # A hash to spend bcrypt's time on for an unknown user, so timing does not say who exists.
        self._dummy = bcrypt.hashpw(b"edgetop", bcrypt.gensalt(rounds=4))

    @property
    def enabled(self) -> bool:
        """Whether any user is configured (otherwise every request passes)."""
        return bool(self._users)

    def check(self, header: str | None) -> bool:
        """Whether ``header`` (the Authorization header's value) names a user and their password."""
        if not self._users:
            return True
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        hashed = self._users.get(user)
        digest = hmac.new(self._key, user.encode() + b"\0" + password.encode() + b"\0" + (hashed or b""),
                          hashlib.sha256).digest()
        with self._lock:
            if hashed is not None and digest in self._ok:
                return True
        try:
            ok = bcrypt.checkpw(password.encode(), hashed if hashed is not None else self._dummy)
        except ValueError:
            return False
        if ok and hashed is not None:
            with self._lock:
                if len(self._ok) >= _CACHE_LIMIT:
                    self._ok.pop(next(iter(self._ok)))
                self._ok[digest] = None
            return True
        return False
