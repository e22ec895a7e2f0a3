"""SNTP: the pure reply parser, and real exchanges with tiny UDP servers on loopback."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors.ntp_sntp import NTP_UNIX_DELTA, collect_sntp, ntp_to_unix, parse_sntp_reply, row_from_exchange
from edgetop.errors import ConfigError, ParseError
from edgetop.sources.sntp import Exchange, request_packet, split_server

NONCE = 0x1122334455667788


def to_ntp(unix: float) -> int:
    seconds = int(unix) + NTP_UNIX_DELTA
    return ((seconds & 0xFFFFFFFF) << 32) | int((unix % 1) * 2**32)


def reply(origin: int, *, li: int = 0, vn: int = 4, mode: int = 4, stratum: int = 2, refid: bytes = b"\x0a\0\0\x01",
          t2: float | None = None, t3: float | None = None, transmit_zero: bool = False) -> bytes:
    now = time.time()
    t2 = now if t2 is None else t2
    t3 = now if t3 is None else t3
    return struct.pack("!BBbbiI4sQQQQ", (li << 6) | (vn << 3) | mode, stratum, 6, -20, 65, 131, refid,
                       to_ntp(now), origin, to_ntp(t2), 0 if transmit_zero else to_ntp(t3))


def test_request_packet_layout() -> None:
    pkt = request_packet(NONCE)
    assert len(pkt) == 48 and pkt[0] == 0x23  # LI 0, VN 4, mode 3
    assert struct.unpack("!Q", pkt[40:48])[0] == NONCE and pkt[1:40] == bytes(39)


def test_era_conversion() -> None:
    assert ntp_to_unix(to_ntp(1_700_000_000.5)) == pytest.approx(1_700_000_000.5)
    # 2040 is in NTP era 1: the seconds field has wrapped below 2^31.
    assert ntp_to_unix(to_ntp(2_240_000_000.0)) == pytest.approx(2_240_000_000.0)


@pytest.mark.parametrize(("data", "match"), [
    (b"", "0 bytes"),
    (b"\x24" * 20, "20 bytes"),
    (reply(NONCE, mode=3), "mode 3"),
    (reply(NONCE, vn=0), "version 0"),
    (reply(NONCE + 1), "does not echo"),
    (reply(NONCE, transmit_zero=True), "transmit timestamp is zero"),
])
def test_bad_replies(data: bytes, match: str) -> None:
    with pytest.raises(ParseError, match=match):
        parse_sntp_reply(data, NONCE)


def test_valid_reply_and_offset_sign() -> None:
    t1 = time.time()
    # The server is 0.5 s ahead of us: this clock is behind, offset must be negative.
    data = reply(NONCE, t2=t1 + 0.5 + 0.001, t3=t1 + 0.5 + 0.001, stratum=3)
    row = row_from_exchange(Exchange("10.0.0.1", NONCE, t1, t1 + 0.002, data))
    assert row.offset_seconds == pytest.approx(-0.5, abs=1e-4)
    assert row.delay_seconds == pytest.approx(0.002, abs=1e-4)
    assert row.stratum == 3 and row.reference == "10.0.0.1" and row.reachable is True
    assert row.meaning == "SNTP: this host vs 10.0.0.1" and row.state == "answered"


def test_kiss_of_death_and_unsynced_server() -> None:
    kod = parse_sntp_reply(reply(NONCE, stratum=0, refid=b"RATE"), NONCE)
    assert kod.kiss_code == "RATE"
    row = row_from_exchange(Exchange("s", NONCE, 1.0, 1.1, reply(NONCE, stratum=0, refid=b"DENY")))
    assert row.state == "kiss-of-death DENY" and row.offset_seconds is None
    row = row_from_exchange(Exchange("s", NONCE, time.time(), time.time(), reply(NONCE, li=3, stratum=16)))
    assert row.state == "server not synchronised" and row.offset_seconds is None and row.stratum is None


def test_stratum_one_refid_is_ascii() -> None:
    assert parse_sntp_reply(reply(NONCE, stratum=1, refid=b"GPS\0"), NONCE).refid == "GPS"


@given(st.binary(max_size=120), st.integers(min_value=0, max_value=2**64 - 1))
def test_random_bytes_raise_only_parse_error(data: bytes, nonce: int) -> None:
    with contextlib.suppress(ParseError):
        parse_sntp_reply(data, nonce)


@given(st.binary(min_size=40, max_size=40))
def test_random_bodies_with_our_origin_never_crash(body: bytes) -> None:
    data = body[:24] + struct.pack("!Q", NONCE) + body[24:40]
    with contextlib.suppress(ParseError):
        parse_sntp_reply(bytes([0x24]) + data[1:], NONCE)


@pytest.mark.parametrize(("text", "want"), [
    ("10.0.0.1", ("10.0.0.1", 123)), ("ntp.example:1123", ("ntp.example", 1123)),
    ("[2001:db8::1]:124", ("2001:db8::1", 124)), ("2001:db8::1", ("2001:db8::1", 123)), ("[::1]", ("::1", 123)),
])
def test_split_server(text: str, want: tuple[str, int]) -> None:
    assert split_server(text) == want


@pytest.mark.parametrize("text", ["host:0", "host:70000", "host:ntp"])
def test_split_server_bad_port(text: str) -> None:
    with pytest.raises(ConfigError):
        split_server(text)


# --- real exchanges on loopback -------------------------------------------------------

Answer = Callable[[bytes], bytes | None]


@pytest.fixture
def udp_server() -> Iterator[Callable[[Answer], int]]:
    """Start tiny UDP servers on 127.0.0.1 that answer with ``answer(request)``."""
    socks: list[socket.socket] = []
    stop = threading.Event()

    def start(answer: Answer) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.1)
        socks.append(sock)

        def loop() -> None:
            while not stop.is_set():
                try:
                    data, addr = sock.recvfrom(512)
                except (TimeoutError, OSError):
                    continue
                out = answer(data)
                if out is not None:
                    sock.sendto(out, addr)

        threading.Thread(target=loop, daemon=True).start()
        return int(sock.getsockname()[1])

    yield start
    stop.set()
    time.sleep(0.15)
    for s in socks:
        s.close()


def _origin(request: bytes) -> int:
    return int(struct.unpack("!Q", request[40:48])[0])


def test_loopback_kiss_garbage_silence_refusal(udp_server: Callable[[Answer], int]) -> None:
    good = udp_server(lambda req: reply(_origin(req), stratum=2))
    kod = udp_server(lambda req: reply(_origin(req), stratum=0, refid=b"RATE"))
    garbage = udp_server(lambda req: b"\xde\xad\xbe\xef" * 3)
    spoof = udp_server(lambda req: reply(_origin(req) ^ 1))
    silent = udp_server(lambda req: None)
    refused_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    refused_sock.bind(("127.0.0.1", 0))
    refused = refused_sock.getsockname()[1]
    refused_sock.close()  # nothing listens there now: the kernel answers ICMP port unreachable
    servers = tuple(f"127.0.0.1:{p}" for p in (good, kod, garbage, spoof, silent, refused))
    t0 = time.monotonic()
    rows = collect_sntp(servers, timeout=1.0).rows
    took = time.monotonic() - t0
    assert [r.key for r in rows] == [f"sntp/{s}" for s in servers]
    assert rows[0].reachable is True and rows[0].offset_seconds is not None and abs(rows[0].offset_seconds) < 0.5
    assert rows[1].state == "kiss-of-death RATE"
    assert rows[2].state is not None and rows[2].state.startswith("bad answer: garbage: 12 bytes")
    assert rows[3].state is not None and "does not echo" in rows[3].state
    assert rows[4].state == "unreachable: no answer within 1 s" and rows[4].reachable is False
    assert rows[5].state is not None and rows[5].state.startswith("unreachable: port refused")
    # All servers are asked at once: the whole round costs one timeout, not six.
    assert took < 2.5


def test_unresolvable_name_is_a_row() -> None:
    row = collect_sntp(("no-such-host.invalid",), timeout=0.5).rows[0]
    assert row.reachable is False and row.state is not None and row.state.startswith("unreachable: cannot resolve")


def test_slow_name_lookup_does_not_hold_the_round(udp_server: Callable[[Answer], int],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # A resolver that hangs (a node whose DNS server is gone) is the one thing faked here.
    good = udp_server(lambda req: reply(_origin(req), stratum=2))
    real = socket.getaddrinfo

    def slow(host: str, *args: object, **kwargs: object) -> object:
        numeric_only = int(kwargs.get("flags", 0)) & socket.AI_NUMERICHOST  # type: ignore[call-overload]
        if host == "slow.example" and not numeric_only:
            time.sleep(3)
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("edgetop.sources.sntp.socket.getaddrinfo", slow)
    t0 = time.monotonic()
    rows = collect_sntp(("slow.example", f"127.0.0.1:{good}"), timeout=0.5).rows
    assert time.monotonic() - t0 < 2.0
    assert rows[0].state == "unreachable: name lookup took longer than 0.5 s"
    assert rows[1].state == "answered"


def test_schedule_honours_kiss_of_death(udp_server: Callable[[Answer], int]) -> None:
    from edgetop.sources.sntp import Schedule

    seen: dict[str, int] = {"deny": 0, "rate": 0, "good": 0}

    def counting(name: str, answer: Answer) -> Answer:
        def wrapped(req: bytes) -> bytes | None:
            seen[name] += 1
            return answer(req)
        return wrapped

    deny = udp_server(counting("deny", lambda req: reply(_origin(req), stratum=0, refid=b"DENY")))
    rate = udp_server(counting("rate", lambda req: reply(_origin(req), stratum=0, refid=b"RATE")))
    good = udp_server(counting("good", lambda req: reply(_origin(req), stratum=2)))
    servers = tuple(f"127.0.0.1:{p}" for p in (deny, rate, good))
    schedule = Schedule()
    first = collect_sntp(servers, 1.0, schedule).rows
    assert [r.state for r in first] == ["kiss-of-death DENY", "kiss-of-death RATE", "answered"]
    again = collect_sntp(servers, 1.0, schedule).rows
    assert again[0].state == "not asked again: server sent kiss-of-death DENY"
    assert again[1].state is not None and again[1].state.startswith("not asked for 3")  # RATE: 32 s, not 16
    # The 16 s minimum: not asked again, its last answer stands with its age.
    assert again[2].state == "answered (0 s ago)" and again[2].offset_seconds == first[2].offset_seconds
    time.sleep(0.2)
    assert seen == {"deny": 1, "rate": 1, "good": 1}  # nobody was asked twice
    assert schedule.due(servers, time.monotonic() + 20) == (servers[2],)
    assert schedule.due(servers, time.monotonic() + 40) == servers[1:]
