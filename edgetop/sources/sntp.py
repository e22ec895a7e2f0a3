"""Send one SNTP request (RFC 4330) to each configured server and gather the raw replies.

Why not ntplib: its ``request`` neither checks that a reply's origin timestamp echoes the
request (so a stray or spoofed packet is taken as an answer) nor tells a kiss-of-death
(stratum 0, RFC 4330 §8) from a valid reply, and it queries servers one after another.
A 48-byte request is small enough to own: every server is asked at once on its own
*connected* UDP socket (so an ICMP port-unreachable on loopback or the LAN comes back as
"refused" at once instead of a timeout), and the reply bytes are handed to the pure
parser in :mod:`edgetop.collectors.ntp_sntp`.
"""

from __future__ import annotations

import errno
import os
import selectors
import socket
import struct
import threading
import time
from typing import Any

import msgspec

from edgetop.errors import ConfigError
from edgetop.hostport import split_host_port

NTP_PORT = 123
PACKET_BYTES = 48
# socket(7): SO_TIMESTAMPNS (35 on Linux) delivers a struct timespec as SCM_TIMESTAMPNS.
SO_TIMESTAMPNS: int = getattr(socket, "SO_TIMESTAMPNS", 35)
_TIMESPEC = struct.Struct("@qq")
# LI 0, version 4, mode 3 (client): 0b00_100_011.
_CLIENT_FIRST_BYTE = (4 << 3) | 3


class Exchange(msgspec.Struct, frozen=True):
    """One request and what came back.

    Attributes:
        server: the server as configured (``host`` or ``host:port``).
        nonce: the 64-bit value sent as transmit timestamp; a genuine reply echoes it
            as its origin timestamp.
        sent_unix: local time the request left (T1), seconds since the epoch.
        received_unix: local time the reply arrived (T4), or None.
        reply: the reply bytes, or None.
        error: why there is no reply, in words, or None.

    """

    server: str
    nonce: int
    sent_unix: float
    received_unix: float | None = None
    reply: bytes | None = None
    error: str | None = None


def split_server(server: str) -> tuple[str, int]:
    """Split ``host``, ``host:port``, ``[v6]`` or ``[v6]:port``.

    Raises:
        ConfigError: the port is not a number in 1..65535.

    """
    try:
        host, port = split_host_port(server)
    except ValueError as err:
        raise ConfigError(f"ntp.servers: {err}") from err
    return host, NTP_PORT if port is None else port


def request_packet(nonce: int) -> bytes:
    """Build a client request whose transmit timestamp is ``nonce`` (a random value, as chrony does)."""
    return struct.pack("!B3x4x4x4x8x8x8xQ", _CLIENT_FIRST_BYTE, nonce)


def _receive(sock: socket.socket) -> tuple[bytes, float]:
    """Read one datagram and its kernel arrival time (falls back to now)."""
    data, ancillary, _flags, _addr = sock.recvmsg(1024, socket.CMSG_SPACE(_TIMESPEC.size))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= _TIMESPEC.size:
            seconds, nanos = _TIMESPEC.unpack(payload[: _TIMESPEC.size])
            return data, seconds + nanos / 1e9
    return data, time.time()


def _describe(err: OSError) -> str:
    if err.errno == errno.ECONNREFUSED:
        return "unreachable: port refused (no NTP server there)"
    if err.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "unreachable: no route"
    return f"unreachable: {err.strerror or err}"


def resolve_all(servers: tuple[str, ...], timeout: float) -> list[Any]:
    """Resolve every server at once, each in a daemon thread, waiting at most ``timeout``.

    getaddrinfo has no timeout of its own and a node without DNS can stall it for
    seconds per name; a daemon thread left behind by a hung lookup never blocks exit.
    Returns, per server, a getaddrinfo tuple or the reason in words.
    """
    results: list[Any] = ["name lookup did not finish"] * len(servers)
    names: list[int] = []
    for i, server in enumerate(servers):
        # Addresses (the usual case on an edge LAN) need no resolver and no thread.
        try:
            host, port = split_server(server)
            results[i] = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM, flags=socket.AI_NUMERICHOST)[0]
        except ConfigError as err:
            results[i] = f"cannot resolve ({err})"
        except (OSError, UnicodeError):
            names.append(i)

    def lookup(i: int, server: str) -> None:
        try:
            host, port = split_server(server)
            results[i] = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
        except (OSError, ConfigError, UnicodeError) as err:
            results[i] = f"cannot resolve ({err})"

    threads = {i: threading.Thread(target=lookup, args=(i, servers[i]), daemon=True, name=f"sntp-dns-{i}")
               for i in names}
    for t in threads.values():
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads.values():
        t.join(max(0.0, deadline - time.monotonic()))
    return [f"name lookup took longer than {timeout:g} s" if i in threads and threads[i].is_alive() else r
            for i, r in enumerate(results)]


def query_all(servers: tuple[str, ...], timeout: float) -> list[Exchange]:
    """Ask every server once, concurrently; return one exchange per server, in order.

    Never raises for a server's sake: a name that does not resolve, a refusal or
    silence becomes that exchange's ``error``.
    """
    out: dict[int, Exchange] = {}
    pending: dict[int, tuple[socket.socket, Exchange]] = {}
    sel = selectors.DefaultSelector()
    try:
        # Resolve every name first, so that a slow resolver does not sit between one
        # server's request and the moment we start listening for its reply.
        targets: dict[int, tuple[Any, int]] = {}
        for i, (server, found) in enumerate(zip(servers, resolve_all(servers, timeout), strict=True)):
            nonce = int.from_bytes(os.urandom(8), "big") or 1
            if isinstance(found, str):
                out[i] = Exchange(server, nonce, time.time(), error=f"unreachable: {found}")
                continue
            targets[i] = (found, nonce)
        for i, (info, nonce) in targets.items():
            family, kind, proto, _, addr = info
            sock = socket.socket(family, kind, proto)
            sock.setblocking(False)
            # Ask the kernel to stamp each datagram on arrival (socket(7) SO_TIMESTAMPNS):
            # T4 then does not include the time Python takes to get round to reading it.
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            try:
                sock.connect(addr)
                sent = time.time()
                sock.send(request_packet(nonce))
            except OSError as err:
                sock.close()
                out[i] = Exchange(servers[i], nonce, time.time(), error=_describe(err))
                continue
            pending[i] = (sock, Exchange(servers[i], nonce, sent))
            sel.register(sock, selectors.EVENT_READ, i)
        deadline = time.monotonic() + timeout
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for key, _ in sel.select(left):
                i = key.data
                sock, ex = pending[i]
                try:
                    data, got = _receive(sock)
                except BlockingIOError:
                    continue
                except OSError as err:
                    out[i] = Exchange(ex.server, ex.nonce, ex.sent_unix, error=_describe(err))
                else:
                    out[i] = Exchange(ex.server, ex.nonce, ex.sent_unix, got, data)
                sel.unregister(sock)
                sock.close()
                del pending[i]
        for i, (sock, ex) in pending.items():
            sock.close()
            out[i] = Exchange(ex.server, ex.nonce, ex.sent_unix, error=f"unreachable: no answer within {timeout:g} s")
    finally:
        sel.close()
    return [out[i] for i in range(len(servers))]


# RFC 4330 §10: "A client MUST NOT under any conditions use a poll interval less than
# 15 seconds." RATE doubles a server's interval up to MAX_INTERVAL_SECONDS.
MIN_INTERVAL_SECONDS = 16.0
MAX_INTERVAL_SECONDS = 1024.0


class Schedule:
    """When each server may be asked again, honouring kiss-of-death codes (RFC 4330 §8).

    A source-side politeness record, not data: DENY and RSTR mean "stop asking" (the
    server is left alone until edgetop restarts); RATE means "ask less often".
    """

    def __init__(self) -> None:
        """Start with every server due now."""
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._interval: dict[str, float] = {}
        self._stopped: dict[str, str] = {}
        self._last: dict[str, tuple[float, Any]] = {}

    def due(self, servers: tuple[str, ...], now: float) -> tuple[str, ...]:
        """Return the servers that may be asked at ``now`` (monotonic seconds)."""
        with self._lock:
            return tuple(s for s in servers if s not in self._stopped and self._next.get(s, 0.0) <= now)

    def why_not(self, server: str, now: float) -> str:
        """Say why ``server`` is not asked this round."""
        with self._lock:
            if server in self._stopped:
                return f"not asked again: server sent kiss-of-death {self._stopped[server]}"
            wait = self._next.get(server, now) - now
            return f"not asked for {wait:.0f} s more (polite interval)"

    def last(self, server: str) -> tuple[float, Any] | None:
        """Return (monotonic time, result) of the last exchange with ``server``, if any."""
        with self._lock:
            return self._last.get(server)

    def asked(self, server: str, now: float, kiss_code: str | None, result: Any = None) -> None:
        """Record an exchange with ``server``, its result, and what it said about our rate."""
        with self._lock:
            self._last[server] = (now, result)
            interval = self._interval.get(server, MIN_INTERVAL_SECONDS)
            if kiss_code in ("DENY", "RSTR"):
                self._stopped[server] = kiss_code
            elif kiss_code == "RATE":
                interval = min(MAX_INTERVAL_SECONDS, interval * 2)
            self._interval[server] = interval
            # A little under the interval, so that a lane ticking every interval is not
            # pushed to two intervals by scheduling jitter.
            self._next[server] = now + interval - 1.0
