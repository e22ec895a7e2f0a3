"""SNTP: a direct query of each server in ``ntp.servers`` → one peer row per server.

The reply is checked as RFC 4330 §5 asks of a client: server mode, the origin timestamp
echoing our request, a non-zero transmit timestamp, stratum 0 read as a kiss-of-death
whose reference id is an ASCII code (RATE, DENY, RSTR…), leap indicator 3 or stratum 16
read as "server not synchronised". Offset and delay use the four timestamps (RFC 4330
§5): θ = ((T2 − T1) + (T3 − T4)) / 2 is server minus client, so the row's offset
(this clock minus the server) is −θ.
"""

from __future__ import annotations

import ipaddress
import struct
import time
from dataclasses import dataclass

import msgspec

from edgetop.collectors.ntp_types import LEAP_BY_CODE, PEER, TimeReport, TimeRow
from edgetop.errors import ParseError
from edgetop.sources import sntp
from edgetop.sources.sntp import Exchange

# Seconds from 1900-01-01 (NTP era 0) to 1970-01-01.
NTP_UNIX_DELTA = 2_208_988_800
_FORMAT = "!BBbbiI4sQQQQ"


@dataclass(frozen=True, slots=True)
class SntpReply:
    """A validated server reply.

    Attributes:
        leap: leap status in words.
        version: NTP version of the reply.
        stratum: 1..15 for a synchronised server, 16 when it says it is not synchronised.
        refid: reference id: dotted address for stratum ≥ 2, ASCII code for stratum 1.
        root_delay_seconds: the server's round trip to its reference.
        root_dispersion_seconds: the server's error bound to its reference.
        receive_unix: T2, server time when the request arrived.
        transmit_unix: T3, server time when the reply left.
        kiss_code: for a kiss-of-death (stratum 0), its four-letter code; else None.

    """

    leap: str
    version: int
    stratum: int
    refid: str
    root_delay_seconds: float
    root_dispersion_seconds: float
    receive_unix: float
    transmit_unix: float
    kiss_code: str | None = None


def ntp_to_unix(stamp: int) -> float:
    """Convert a 64-bit NTP timestamp to Unix seconds.

    Era 1 starts in 2036; a seconds field below 2^31 is read as era 1 (RFC 4330 §3).
    """
    seconds, fraction = stamp >> 32, stamp & 0xFFFFFFFF
    if seconds < 0x80000000:
        seconds += 1 << 32
    return seconds - NTP_UNIX_DELTA + fraction / 2**32


def _ascii_refid(raw: bytes) -> str:
    text = raw.rstrip(b"\0").decode("ascii", "replace")
    return "".join(c if c.isprintable() and c != "\ufffd" else "?" for c in text)


def parse_sntp_reply(data: bytes, nonce: int) -> SntpReply:
    """Validate and decode a reply to the request whose transmit timestamp was ``nonce``.

    Raises:
        ParseError: too short, not a server reply, not ours, or with no transmit time.

    """
    if len(data) < sntp.PACKET_BYTES:
        raise ParseError(f"garbage: {len(data)} bytes, an NTP reply has at least 48")
    first, stratum, _poll, _prec, root_delay, root_disp, refid_raw, _ref, origin, receive, transmit = struct.unpack(
        _FORMAT, data[: sntp.PACKET_BYTES]
    )
    leap_code, version, mode = first >> 6, (first >> 3) & 7, first & 7
    if mode != 4:
        raise ParseError(f"garbage: mode {mode}, not a server reply (4)")
    if not 1 <= version <= 4:
        raise ParseError(f"garbage: NTP version {version}")
    if origin != nonce:
        raise ParseError("reply does not echo our request (stale or spoofed)")
    if stratum == 0:
        code = _ascii_refid(refid_raw) or "????"
        return SntpReply(LEAP_BY_CODE[leap_code], version, 0, code, 0.0, 0.0, 0.0, 0.0, kiss_code=code)
    if transmit == 0:
        raise ParseError("garbage: transmit timestamp is zero")
    refid = _ascii_refid(refid_raw) if stratum == 1 else str(ipaddress.IPv4Address(refid_raw))
    return SntpReply(
        leap=LEAP_BY_CODE[leap_code], version=version, stratum=stratum, refid=refid,
        root_delay_seconds=root_delay / 65536, root_dispersion_seconds=root_disp / 65536,
        receive_unix=ntp_to_unix(receive), transmit_unix=ntp_to_unix(transmit),
    )


def row_from_exchange(ex: Exchange) -> TimeRow:
    """Say what one exchange means: an offset, or why there is none."""
    meaning = f"SNTP: this host vs {ex.server}"
    base = TimeRow(kind="sntp", key=f"sntp/{ex.server}", role=PEER, meaning=meaning)
    if ex.reply is None or ex.received_unix is None:
        return _with(base, reachable=False, state=ex.error or "unreachable")
    try:
        reply = parse_sntp_reply(ex.reply, ex.nonce)
    except ParseError as err:
        return _with(base, reachable=False, state=f"bad answer: {err}")
    if reply.kiss_code is not None:
        # RFC 4330 §8: the server asks us to stop (DENY, RSTR) or slow down (RATE).
        return _with(base, reachable=True, state=f"kiss-of-death {reply.kiss_code}", reference=reply.kiss_code)
    t1, t2, t3, t4 = ex.sent_unix, reply.receive_unix, reply.transmit_unix, ex.received_unix
    theta = ((t2 - t1) + (t3 - t4)) / 2
    delay = max(0.0, (t4 - t1) - (t3 - t2))
    unsynced = reply.leap == LEAP_BY_CODE[3] or reply.stratum >= 16
    return TimeRow(
        kind="sntp", key=base.key, role=PEER, meaning=meaning,
        offset_seconds=None if unsynced else 0.0 - theta,
        # Half the round trip bounds the error of a single exchange, plus the server's own.
        error_seconds=delay / 2 + reply.root_dispersion_seconds + reply.root_delay_seconds / 2,
        stratum=reply.stratum if reply.stratum < 16 else None, reference=reply.refid, leap=reply.leap,
        reachable=True, state="server not synchronised" if unsynced else "answered", delay_seconds=delay,
        details=(("root_delay_seconds", reply.root_delay_seconds),
                 ("root_dispersion_seconds", reply.root_dispersion_seconds), ("version", reply.version)),
    )


def _with(row: TimeRow, **changes: object) -> TimeRow:
    return msgspec.structs.replace(row, **changes)


def _skipped(server: str, now: float, schedule: sntp.Schedule | None) -> TimeRow:
    """The row of a server not asked this round: its last answer with its age, or why not."""
    last = schedule.last(server) if schedule is not None else None
    if last is not None and isinstance(last[1], TimeRow) and not (last[1].state or "").startswith("kiss-of-death"):
        # Between polite polls (a snapshot's second round, a faster lane) the last
        # answer stands, with its age.
        at, row = last
        return _with(row, state=f"{row.state} ({now - at:.0f} s ago)")
    return TimeRow(kind="sntp", key=f"sntp/{server}", role=PEER, meaning=f"SNTP: this host vs {server}",
                   state=schedule.why_not(server, now) if schedule is not None else "not asked")


def collect_sntp(servers: tuple[str, ...], timeout: float, schedule: sntp.Schedule | None = None) -> TimeReport:
    """Query every configured server that is due, at once, and report one row each.

    With a ``schedule`` a server is asked at most every 16 s, less often after a RATE
    kiss-of-death and never again after DENY or RSTR; its row then says so.
    """
    now = time.monotonic()
    due = schedule.due(servers, now) if schedule is not None else servers
    answered = {ex.server: row_from_exchange(ex) for ex in sntp.query_all(due, timeout)}
    rows = []
    for server in servers:
        row = answered.get(server)
        if row is None:
            row = _skipped(server, now, schedule)
        elif schedule is not None:
            kiss = row.state.removeprefix("kiss-of-death ") if row.state and row.state.startswith("kiss-") else None
            schedule.asked(server, now, kiss, row)
        rows.append(row)
    return TimeReport("sntp", tuple(rows))
