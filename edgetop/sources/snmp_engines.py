"""pysnmp engines per event loop, their UDP socket, and reusable request varbinds.

pysnmp 7.1's asyncio API ties an engine's transport dispatcher to the loop it first ran
on, so engines are kept per loop. One engine is shared by every target (FIELD-NOTES: an
engine per target is much slower, each one localising its keys again); a second one only
when two targets name the same USM user with different keys (pysnmp keys its user table
by name), and a third for authNoPriv probes so a probe never replaces the real user entry
of a running poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import weakref
from typing import Any

from pysnmp.carrier.asyncio.dgram.udp import UdpAsyncioTransport
from pysnmp.entity import config
from pysnmp.hlapi.v3arch.asyncio import ObjectIdentity, ObjectType, SnmpEngine, UdpTransportTarget


class EnginePool:
    """The engines of one event loop: a shared one, extras for clashing users, one for probes."""

    def __init__(self) -> None:
        self._engines: list[tuple[SnmpEngine, dict[str, tuple[Any, ...]]]] = []
        self._probe: SnmpEngine | None = None
        self.users = 0
        self.send_turn = asyncio.Lock()

    def engine_for(self, user: str, credentials: tuple[Any, ...]) -> SnmpEngine:
        """Return the shared engine, unless it already holds ``user`` with other credentials."""
        for engine, known in self._engines:
            if known.get(user, credentials) == credentials:
                known[user] = credentials
                return engine
        engine = new_engine()
        self._engines.append((engine, {user: credentials}))
        return engine

    def probe_engine(self) -> SnmpEngine:
        """Return the engine that sends authNoPriv probes."""
        if self._probe is None:
            self._probe = new_engine()
        return self._probe

    def close(self) -> None:
        """Close every engine's transport dispatcher."""
        engines = [e for e, _ in self._engines] + ([self._probe] if self._probe else [])
        for engine in engines:
            with contextlib.suppress(Exception):  # closing must not raise into shutdown
                engine.close_dispatcher()
        self._engines.clear()
        self._probe = None


RECEIVE_BUFFER_BYTES = 4 << 20
_OBJECT_TYPES: dict[str, ObjectType] = {}


def object_type(oid: str) -> ObjectType:
    """Return a request varbind for ``oid``, reused across polls and targets.

    pysnmp resolves every new ObjectType against its MIB view before sending (~0.5 ms per
    varbind here); a resolved one is reused for free, and the profiles' OIDs are the same
    for every target. Bounded, since continuation OIDs of long tables vary.
    """
    found = _OBJECT_TYPES.get(oid)
    if found is None:
        if len(_OBJECT_TYPES) > 4096:
            _OBJECT_TYPES.clear()
        found = _OBJECT_TYPES[oid] = ObjectType(ObjectIdentity(oid))
    return found



def new_engine() -> SnmpEngine:
    """Make an engine whose UDP socket has a large receive buffer.

    All targets share the engine's one socket, and a round's answers arrive together while
    Python decrypts and decodes them one by one (a few ms each): with the kernel's default
    buffer (rmem_default, 208 KiB) 50 GETBULK answers overflowed it here and were dropped
    (``RcvbufErrors`` in /proc/net/snmp), which looks exactly like a dead agent. So the
    socket is made by us, widened, and handed to pysnmp as the engine's UDP transport.
    """
    engine = SnmpEngine()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) < RECEIVE_BUFFER_BYTES:
            # Capped by net.core.rmem_max; root may go past it (CAP_NET_ADMIN).
            with contextlib.suppress(OSError, AttributeError):
                force = getattr(socket, "SO_RCVBUFFORCE", 33)  # Linux value; absent from typeshed
                sock.setsockopt(socket.SOL_SOCKET, force, RECEIVE_BUFFER_BYTES)
        sock.bind(("0.0.0.0", 0))  # noqa: S104 - an ephemeral client port, like pysnmp's own
        sock.setblocking(False)
        transport = UdpAsyncioTransport().open_server_mode(sock=sock)
    except Exception:
        sock.close()
        raise
    config.add_transport(engine, UdpTransportTarget.TRANSPORT_DOMAIN, transport)
    return engine


_POOLS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, EnginePool] = weakref.WeakKeyDictionary()


def pool_for_running_loop() -> EnginePool:
    """Return the engine pool of the running loop, created on first use."""
    loop = asyncio.get_running_loop()
    pool = _POOLS.get(loop)
    if pool is None:
        pool = _POOLS[loop] = EnginePool()
    return pool


def forget_engine_id(engine: SnmpEngine, address: Any) -> None:
    """Drop pysnmp's cached engine ID of the peer at ``address`` so the next request rediscovers it.

    The cache is private to pysnmp's SNMPv3 message processing model (RFC 3412); if its
    shape changes this does nothing and pysnmp's own 300 s expiry still applies.
    """
    model = engine.message_processing_subsystems.get(3)
    cache = getattr(model, "_SnmpV3MessageProcessingModel__engineIdCache", None)
    if not isinstance(cache, dict):
        return
    peer = tuple(address)[:2]
    for key in [k for k in cache if isinstance(k, tuple) and len(k) == 2 and tuple(k[1])[:2] == peer]:
        cache.pop(key, None)


def release_pool(pool: EnginePool) -> None:
    """Close ``pool``'s engines and forget it (its last session closed)."""
    pool.close()
    for loop, known in list(_POOLS.items()):
        if known is pool:
            _POOLS.pop(loop, None)
