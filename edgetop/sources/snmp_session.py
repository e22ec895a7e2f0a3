"""SNMP sessions (v3 USM or v2c) on one shared pysnmp engine per event loop.

pysnmp 7.1's asyncio API (``pysnmp.hlapi.v3arch.asyncio``) ties an engine's transport
dispatcher to the loop it first ran on, so engines are kept per loop. One engine is shared
by every target (FIELD-NOTES: an engine per target is much slower, each one localising its
keys again); a second engine is used only when two targets name the same USM user with
different keys (pysnmp keys its user table by name), and a third for authNoPriv probes so
a probe never replaces the real user entry of a running poll.

Failures are :class:`SnmpFailure` with words a technician can act on. Secrets never
appear in them: messages are built from our own words, the user name and the protocols.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import weakref
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from pysnmp.carrier.asyncio.dgram.udp import UdpAsyncioTransport
from pysnmp.entity import config
from pysnmp.hlapi.v3arch.asyncio import (
    USM_AUTH_HMAC96_MD5,
    USM_AUTH_HMAC96_SHA,
    USM_AUTH_HMAC128_SHA224,
    USM_AUTH_HMAC192_SHA256,
    USM_AUTH_HMAC256_SHA384,
    USM_AUTH_HMAC384_SHA512,
    USM_AUTH_NONE,
    USM_PRIV_CBC56_DES,
    USM_PRIV_CFB128_AES,
    USM_PRIV_CFB192_AES,
    USM_PRIV_CFB256_AES,
    USM_PRIV_NONE,
    CommunityData,
    ContextData,
    EndOfMibView,
    NoSuchInstance,
    NoSuchObject,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
)
from pysnmp.proto import errind
from pysnmp.proto.rfc1902 import Integer, IpAddress, ObjectIdentifier, OctetString

from edgetop.config_schema import SnmpTarget

# Config names -> pysnmp protocol ids. AES-192/256 use the Reeder key extension, which is
# what net-snmp and most vendors implement (pysnmp's "Blumenthal" variants are the RFC draft).
AUTH_PROTOCOLS: dict[str, Any] = {
    "MD5": USM_AUTH_HMAC96_MD5, "SHA": USM_AUTH_HMAC96_SHA, "SHA-224": USM_AUTH_HMAC128_SHA224,
    "SHA-256": USM_AUTH_HMAC192_SHA256, "SHA-384": USM_AUTH_HMAC256_SHA384, "SHA-512": USM_AUTH_HMAC384_SHA512,
}
PRIV_PROTOCOLS: dict[str, Any] = {
    "DES": USM_PRIV_CBC56_DES, "AES-128": USM_PRIV_CFB128_AES, "AES-192": USM_PRIV_CFB192_AES,
    "AES-256": USM_PRIV_CFB256_AES,
}
PROBE_OID = "1.3.6.1.2.1.1.3.0"  # sysUpTime.0: every agent has it
RawValue = int | str | None
MAX_VARBINDS = 240  # per GETBULK answer: ~10 KB, well inside a UDP datagram and agent limits
FIRST_VARBINDS = 96  # the first GETBULK of a target, before its table sizes are known


class SnmpFailure(Exception):
    """A poll that did not succeed, explained.

    Attributes:
        kind: a short code (``timeout``, ``auth``, ``priv``, ``user``, ``access``, ``dns``…).
        message: one sentence a technician can act on; never holds a secret.
        reachable: True when the agent answered (a config problem), False when it did not.

    """

    def __init__(self, kind: str, message: str, reachable: bool) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.reachable = reachable


@dataclass(frozen=True, slots=True)
class PollData:
    """What one poll returned.

    Attributes:
        scalars: GET results by requested OID (None: the agent has no such object).
        columns: GETBULK results by column OID, then row index suffix.
        latency_seconds: round trip of the GET.

    """

    scalars: dict[str, RawValue]
    columns: dict[str, dict[str, RawValue]]
    latency_seconds: float


def plain_value(value: Any) -> RawValue:
    """Return a pysnmp value as a plain int or str; the "no such" exceptions and EndOfMibView as None."""
    if isinstance(value, NoSuchObject | NoSuchInstance | EndOfMibView) or value is None:
        return None
    if isinstance(value, IpAddress):
        return str(value.prettyPrint())  # dotted quad
    if isinstance(value, OctetString):
        raw = bytes(value)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return "0x" + raw.hex()
        # A string with control characters (a MAC address, binary) shows as hex.
        return text if text.isprintable() or not text else "0x" + raw.hex()
    if isinstance(value, ObjectIdentifier):
        return str(value)
    if isinstance(value, Integer) or hasattr(value, "__int__"):
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    return str(value)


def classify(indication: Any, status: Any, target: SnmpTarget) -> SnmpFailure | None:
    """Turn pysnmp's errorIndication / errorStatus into words; None when there is no error."""
    user = target.user or "?"
    if indication:
        if isinstance(indication, errind.RequestTimedOut):
            return SnmpFailure("timeout", _timeout_words(target), False)
        if isinstance(indication, errind.WrongDigest | errind.AuthenticationFailure):
            return SnmpFailure(
                "auth", f"wrong auth key or protocol ({target.auth_protocol}) for user {user}"
                " (the agent reports a wrong digest)", True)
        if isinstance(indication, errind.UnknownUserName | errind.UnknownSecurityName):
            return SnmpFailure("user", f"the agent does not know user {user} (check createUser on the agent)", True)
        if isinstance(indication, errind.UnsupportedSecurityLevel):
            return SnmpFailure(
                "level", f"user {user} exists but not with this security level ({_level(target)}); check the"
                " agent's auth/priv settings for the user", True)
        if isinstance(indication, errind.DecryptionError):
            return SnmpFailure("priv", f"cannot decrypt the answer: privacy key or protocol ({target.priv_protocol})"
                               f" wrong for user {user}", True)
        if isinstance(indication, errind.EncryptionError):
            return SnmpFailure("priv", "privacy is not available: install the Python 'cryptography' package", False)
        if isinstance(indication, errind.NotInTimeWindow):
            return SnmpFailure("time", "the agent's boot counter or clock moved (restarted?); edgetop resyncs on the"
                               " next poll", True)
        if isinstance(indication, errind.UnknownEngineID):
            return SnmpFailure("engine", "engine ID discovery failed (the agent changed its engine ID?)", True)
        return SnmpFailure("error", f"SNMP error: {type(indication).__name__}", True)
    if status and str(status) != "noError":
        name = status.prettyPrint() if hasattr(status, "prettyPrint") else str(status)
        if name in ("authorizationError", "noAccess"):
            return SnmpFailure("access", f"user {user} is not authorised for this request (check the agent's"
                               " rouser/access and view for the user)", True)
        return SnmpFailure("error", f"the agent refused the request: {name}", True)
    return None


def _level(target: SnmpTarget) -> str:
    if target.priv_protocol:
        return "authPriv"
    return "authNoPriv" if target.auth_protocol else "noAuthNoPriv"


def _timeout_words(target: SnmpTarget, probed: bool = False) -> str:
    """Say what silence means, verdict first (a narrow screen cuts the end)."""
    tries = f"no answer in {target.timeout:g} s x{target.retries + 1}"
    if probed:
        tries += ", nor to an authNoPriv probe"
    if target.version == "2c":
        return f"host down, udp/{target.port} filtered, no agent or wrong community ({tries})"
    return f"host down, udp/{target.port} filtered or no agent ({tries})"


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


class SnmpSession:
    """Polls one target. Holds its credentials and transport, never its data."""

    def __init__(self, target: SnmpTarget, max_repetitions: int = 0) -> None:
        """Prepare a session; nothing is sent and no engine is made until the first poll."""
        self.target = target
        self.max_repetitions = max_repetitions
        self._transport: UdpTransportTarget | None = None
        self._pool: EnginePool | None = None
        self._was_up = False
        # Rows the tables had at the last poll: a hint sizing the next GETBULK, not data.
        # Decoding dominates a poll's cost (pyasn1, ~0.4 ms per varbind here), so asking
        # for rows + 1 repetitions instead of a fixed guess saves most of the waste.
        self._rows_hint = 0

    def _auth(self, with_priv: bool = True) -> UsmUserData | CommunityData:
        t = self.target
        if t.version == "2c":
            return CommunityData(t.community.reveal() if t.community else "public", mpModel=1)  # noqa: S508 - v2c only when configured so
        auth = AUTH_PROTOCOLS[t.auth_protocol] if t.auth_protocol else USM_AUTH_NONE
        priv = PRIV_PROTOCOLS[t.priv_protocol] if (t.priv_protocol and with_priv) else USM_PRIV_NONE
        return UsmUserData(
            t.user or "",
            authKey=t.auth_key.reveal() if (t.auth_key and t.auth_protocol) else None,
            privKey=t.priv_key.reveal() if (t.priv_key and priv is not USM_PRIV_NONE) else None,
            authProtocol=auth, privProtocol=priv,
        )

    def _credentials(self) -> tuple[Any, ...]:
        t = self.target
        return (t.version, t.auth_protocol, t.auth_key, t.priv_protocol, t.priv_key, t.community)

    def _engine(self) -> SnmpEngine:
        pool = pool_for_running_loop()
        if pool is not self._pool:
            if self._pool is not None:
                self._pool.users -= 1
            pool.users += 1
            self._pool = pool
        return pool.engine_for(self.target.user or "", self._credentials())

    async def _target(self, retries: int | None = None) -> UdpTransportTarget:
        t = self.target
        if retries is not None:  # the probe: one try
            return await self._resolve(retries)
        if self._transport is None:
            self._transport = await self._resolve(t.retries)
        return self._transport

    async def _resolve(self, retries: int) -> UdpTransportTarget:
        t = self.target
        try:
            return await UdpTransportTarget.create((t.host, t.port), timeout=t.timeout, retries=retries)
        except Exception as err:  # pysnmp wraps resolver errors in its own PySnmpError
            raise SnmpFailure("dns", f"cannot resolve host {t.host} ({type(err).__name__})", False) from None

    async def get(self, oids: Iterable[str]) -> tuple[dict[str, RawValue], float]:
        """GET ``oids``; returns values by OID and the round trip in seconds."""
        oid_list = list(oids)
        engine, auth, transport = self._engine(), self._auth(), await self._target()
        t0 = time.perf_counter()
        indication, status, _index, binds = await self._paced(get_cmd(
            engine, auth, transport, self._context(), *(object_type(o) for o in oid_list),
            lookupMib=False,
        ))
        latency = time.perf_counter() - t0
        failure = classify(indication, status, self.target)
        if failure is not None:
            raise failure
        got = {str(name): plain_value(value) for name, value in binds}
        return {o: got.get(o) for o in oid_list}, latency

    async def bulk_columns(
        self, columns: Iterable[str], scalars: Iterable[str] = ()
    ) -> tuple[dict[str, RawValue], dict[str, dict[str, RawValue]], float]:
        """Walk several table columns together with GETBULK until each leaves its subtree.

        Scalar instances ending in ``.0`` ride along in the first request as non-repeaters:
        GETNEXT of ``P`` is ``P.0`` when the agent has it (RFC 3416 4.2.3), so one message
        per target does the work of a GET and a GETBULK (each message costs a few ms of
        crypto and decoding here). Returns scalar values, columns, and the first round trip.
        """
        singles = list(scalars)
        pending = {c: c for c in columns}
        out: dict[str, dict[str, RawValue]] = {c: {} for c in pending}
        values: dict[str, RawValue] = dict.fromkeys(singles)
        latency = 0.0
        engine, auth, transport = self._engine(), self._auth(), await self._target()
        for request in range(1000):  # a bound against agents that never end a column
            if not pending and (request or not singles):
                break
            cols = list(pending)
            heads = singles if request == 0 else []
            reps = self.max_repetitions or self._repetitions(max(1, len(cols)), request)
            t0 = time.perf_counter()
            indication, status, _index, binds = await self._paced(bulk_cmd(
                engine, auth, transport, self._context(), len(heads), reps,
                *(object_type(o.removesuffix(".0")) for o in heads), *(object_type(pending[c]) for c in cols),
                lookupMib=False,
            ))
            if request == 0:
                latency = time.perf_counter() - t0
            failure = classify(indication, status, self.target)
            if failure is not None:
                raise failure
            for oid, (name, value) in zip(heads, binds, strict=False):
                values[oid] = plain_value(value) if str(name) == oid else None
            rows = list(binds)[len(heads):]
            if not rows:
                break
            if cols:
                _absorb(cols, rows, pending, out)
        self._rows_hint = max((len(r) for r in out.values()), default=0)
        return values, out, latency

    def _repetitions(self, width: int, request: int) -> int:
        """Repetitions for a GETBULK of ``width`` columns: last poll's rows + 1, within a budget."""
        budget = max(2, MAX_VARBINDS // width)
        if request == 0:
            if self._rows_hint:
                return min(budget, self._rows_hint + 1)  # one row past the end shows every column ended
            return min(budget, max(2, FIRST_VARBINDS // width))  # a first guess; later requests take more
        return budget

    async def _paced(self, request: Coroutine[Any, Any, Any]) -> Any:
        """Send ``request`` when it is this target's turn, then wait for its answer unpaced.

        Encoding and encrypting a request takes a few ms of the event loop. Targets with the
        same interval wake together, and 50 sends in one loop iteration kept the UI (and its
        key presses) waiting ~300 ms here; one send per iteration lets them interleave.
        """
        pool = pool_for_running_loop()
        task: asyncio.Future[Any] | None = None
        try:
            async with pool.send_turn:
                task = asyncio.ensure_future(request)
                await asyncio.sleep(0)  # the task runs to its first await: the request is on the wire
        except BaseException:
            if task is None:
                request.close()  # cancelled while waiting for its turn: never sent, never awaited
            raise
        return await task

    def _context(self) -> ContextData:
        return ContextData(contextName=self.target.context) if self.target.context else ContextData()

    async def poll(self, scalar_oids: Iterable[str], column_oids: Iterable[str], _retried: bool = False) -> PollData:
        """GET the scalars and GETBULK the columns (one message when they can share); explain a failure.

        After a timeout of an authPriv target, one authNoPriv probe tells "host down or
        filtered" from "host answers, privacy key or protocol wrong": net-snmp drops a
        request it cannot decrypt silently (FIELD-NOTES), so silence alone cannot say.
        """
        scalars, columns = list(scalar_oids), list(column_oids)
        if not scalars:
            scalars = [PROBE_OID]  # proves the agent answers and measures latency
        if columns:
            riding = [o for o in scalars if o.endswith(".0")]
            others = [o for o in scalars if not o.endswith(".0")]
            results: tuple[Any, ...] = await asyncio.gather(
                self.bulk_columns(columns, riding), self.get(others) if others else _nothing(),
                return_exceptions=True,
            )
        else:
            results = await asyncio.gather(self.get(scalars), return_exceptions=True)
        for result in results:
            if isinstance(result, SnmpFailure):
                if result.kind == "timeout":
                    await self._after_timeout()
                    if self.target.version == "3" and self.target.priv_protocol:
                        verdict = await self.probe()
                        if verdict.kind == "priv" and self._was_up and not _retried:
                            # It worked before with these keys: more likely the agent got a new
                            # engine ID (replaced, reset) than a new key. Discover afresh, once.
                            return await self.poll(scalars, columns, _retried=True)
                        raise verdict from None
                raise result
            if isinstance(result, BaseException):
                raise result
        self._was_up = True
        if columns:
            (values, table, latency), (more, _) = results
            values.update(more)
            return PollData({o: values.get(o) for o in scalars}, table, latency)
        values, latency = results[0]
        return PollData(values, {}, latency)

    async def _after_timeout(self) -> None:
        """Forget what silence may have made stale: the address and the agent's engine ID.

        pysnmp caches a peer's engine ID per address for 300 s; an agent that came back with
        a new one (reset, replaced) drops our requests until then, so the entry is removed.
        """
        transport, self._transport = self._transport, None  # resolve again: the address may move
        if transport is None or self.target.version != "3":
            return
        engine = pool_for_running_loop().engine_for(self.target.user or "", self._credentials())
        forget_engine_id(engine, transport.transport_address)

    async def probe(self) -> SnmpFailure:
        """Send one authNoPriv GET of sysUpTime and say what its answer means."""
        target = self.target
        engine = pool_for_running_loop().probe_engine()
        try:
            transport = await self._target(retries=0)
        except SnmpFailure as unresolved:
            return unresolved
        indication, status, _i, _b = await self._paced(get_cmd(
            engine, self._auth(with_priv=False), transport, ContextData(), object_type(PROBE_OID),
            lookupMib=False,
        ))
        failure = classify(indication, status, target)
        if failure is not None and failure.kind == "timeout":
            return SnmpFailure("timeout", _timeout_words(target, probed=True), False)
        if failure is not None and failure.kind in ("auth", "user"):
            return failure
        # authorizationError (user is priv-only), unsupported level or even an answer: the host is up.
        return SnmpFailure(
            "priv", f"privacy key or protocol ({target.priv_protocol}) wrong for user {target.user}: the host"
            " answers authNoPriv, not authPriv", True)

    def close(self) -> None:
        """Forget this session; the last one on a loop closes its engines."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.users -= 1
            if pool.users <= 0:
                pool.close()
                for loop, known in list(_POOLS.items()):
                    if known is pool:
                        _POOLS.pop(loop, None)


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


async def _nothing() -> tuple[dict[str, RawValue], float]:
    return {}, 0.0


def _absorb(cols: list[str], binds: Any, pending: dict[str, str], out: dict[str, dict[str, RawValue]]) -> None:
    """Sort one GETBULK answer (rows of ``len(cols)`` varbinds, wire order) into columns."""
    width = len(cols)
    ended: set[str] = set()
    advanced: set[str] = set()
    for i, (name, value) in enumerate(binds):
        col = cols[i % width]
        if col in ended:
            continue
        oid = str(name)
        if isinstance(value, EndOfMibView) or not oid.startswith(col + "."):
            ended.add(col)
            continue
        out[col][oid[len(col) + 1:]] = plain_value(value)
        if oid != pending[col]:
            pending[col] = oid
            advanced.add(col)
    for col in cols:
        if col in ended or col not in advanced:  # ended, or the agent did not move on
            pending.pop(col, None)
