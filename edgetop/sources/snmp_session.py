"""SNMP sessions (v3 USM or v2c) with pysnmp 7.1's asyncio API (``pysnmp.hlapi.v3arch.asyncio``).

A session polls one target: GET of scalars and a several-column GETBULK, on the engine
its event loop shares with every other target (:mod:`edgetop.sources.snmp_engines`).

Failures are :class:`SnmpFailure` with words a technician can act on. Secrets never
appear in them: messages are built from our own words, the user name and the protocols.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Iterable
from typing import Any

from pysnmp.hlapi.v3arch.asyncio import (
    USM_AUTH_HMAC96_MD5,
    USM_AUTH_HMAC96_SHA,
    USM_AUTH_HMAC128_SHA224,
    USM_AUTH_HMAC192_SHA256,
    USM_AUTH_HMAC256_SHA384,
    USM_AUTH_HMAC384_SHA512,
    USM_AUTH_NONE,
    USM_KEY_TYPE_MASTER,
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
    SnmpEngine,
    Udp6TransportTarget,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
)
from pysnmp.proto.rfc1902 import Integer, IpAddress, ObjectIdentifier, OctetString

from edgetop.config_schema import SnmpTarget
from edgetop.sources.snmp_engines import (
    EnginePool,
    forget_engine_id,
    object_type,
    pool_for_running_loop,
    release_pool,
)
from edgetop.sources.snmp_failures import SnmpFailure, classify, timeout_words
from edgetop.sources.snmp_keys import master_key
from edgetop.sources.snmp_poll import PollData, RawValue

__all__ = ["PollData", "SnmpFailure", "SnmpSession", "classify", "plain_value"]

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
MAX_VARBINDS = 240  # per GETBULK answer: ~10 KB, well inside a UDP datagram and agent limits
FIRST_VARBINDS = 96  # the first GETBULK of a target, before its table sizes are known


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
        self._ku: tuple[bytes | None, bytes | None] | None = None  # secrets: never logged or shown

    def _auth(self, with_priv: bool = True) -> UsmUserData | CommunityData:
        t = self.target
        if t.version == "2c":
            return CommunityData(t.community.reveal() if t.community else "public", mpModel=1)  # noqa: S508 - v2c only when configured so
        auth = AUTH_PROTOCOLS[t.auth_protocol] if t.auth_protocol else USM_AUTH_NONE
        priv = PRIV_PROTOCOLS[t.priv_protocol] if (t.priv_protocol and with_priv) else USM_PRIV_NONE
        auth_ku, priv_ku = self._master_keys()
        return UsmUserData(
            t.user or "",
            authKey=auth_ku, privKey=priv_ku if priv is not USM_PRIV_NONE else None,
            authProtocol=auth, privProtocol=priv,
            # Master keys (see snmp_keys): pysnmp only localises them to each engine ID.
            authKeyType=USM_KEY_TYPE_MASTER, privKeyType=USM_KEY_TYPE_MASTER,
        )

    def _master_keys(self) -> tuple[bytes | None, bytes | None]:
        """The target's Ku for authentication and privacy, derived once per session."""
        if self._ku is None:
            t, auth = self.target, self.target.auth_protocol
            self._ku = (
                master_key(auth, t.auth_key.reveal()) if (auth and t.auth_key) else None,
                master_key(auth, t.priv_key.reveal()) if (auth and t.priv_key and t.priv_protocol) else None,
            )
        return self._ku

    async def _ready(self) -> tuple[SnmpEngine, UdpTransportTarget]:
        """The engine and transport, with the keys derived off the event loop the first time.

        Each key hashes 1 MiB (~2.5 ms): 50 targets starting in the same loop iteration
        would hold the loop for a quarter of a second. ``hashlib`` releases the GIL on
        buffers that large, so a worker thread derives them truly in parallel.
        """
        await self._derive_keys()
        return self._engine(), await self._target()

    async def _derive_keys(self) -> None:
        if self._ku is None and self.target.version != "2c":
            await asyncio.to_thread(self._master_keys)

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
            # An IPv6 literal needs pysnmp's UDP/IPv6 transport domain; names resolve over IPv4.
            kind = Udp6TransportTarget if ":" in t.host else UdpTransportTarget
            return await kind.create((t.host.strip("[]"), t.port), timeout=t.timeout, retries=retries)
        except Exception as err:  # pysnmp wraps resolver errors in its own PySnmpError
            raise SnmpFailure("dns", f"cannot resolve host {t.host} ({type(err).__name__})", False) from None

    async def get(self, oids: Iterable[str]) -> tuple[dict[str, RawValue], float]:
        """GET ``oids``; returns values by OID and the round trip in seconds."""
        oid_list = list(oids)
        engine, transport = await self._ready()
        auth = self._auth()
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
        engine, transport = await self._ready()
        auth = self._auth()
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
        await self._derive_keys()
        indication, status, _i, _b = await self._paced(get_cmd(
            engine, self._auth(with_priv=False), transport, ContextData(), object_type(PROBE_OID),
            lookupMib=False,
        ))
        failure = classify(indication, status, target)
        if failure is not None and failure.kind == "timeout":
            return SnmpFailure("timeout", timeout_words(target, probed=True), False)
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
                release_pool(pool)


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
