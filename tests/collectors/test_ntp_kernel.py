"""adjtimex: decoding table-driven, and a real read-only call on this host."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors.ntp_kernel import STA_DEL, STA_INS, STA_NANO, STA_PLL, STA_UNSYNC, collect_kernel, decode_timex
from edgetop.errors import ParseError
from edgetop.sources.adjtimex import Timex, read_timex


def tx(state: int = 0, status: int = STA_PLL, offset: int = 0, maxerror: int = 1500, esterror: int = 10) -> Timex:
    return Timex(state, status, offset, 65536 * 12, maxerror, esterror, 37)


@pytest.mark.parametrize(("raw", "synced", "leap"), [
    (tx(), True, "normal"),
    (tx(status=STA_PLL | STA_UNSYNC), False, "not synchronised"),
    (tx(state=5), False, "not synchronised"),                     # TIME_ERROR
    (tx(state=1, status=STA_PLL | STA_INS), True, "insert second"),
    (tx(state=2, status=STA_PLL | STA_DEL), True, "delete second"),
])
def test_decode(raw: Timex, synced: bool, leap: str) -> None:
    k = decode_timex(raw)
    assert k.synchronized is synced and k.leap == leap
    assert k.frequency_ppm == pytest.approx(12.0) and k.tai_offset_seconds == 37


def test_offset_units_and_sign() -> None:
    # The kernel's offset is the correction still to apply: +250 µs means this clock is behind.
    assert decode_timex(tx(offset=250)).pending_offset_seconds == pytest.approx(-250e-6)
    assert decode_timex(tx(status=STA_PLL | STA_NANO, offset=250)).pending_offset_seconds == pytest.approx(-250e-9)
    assert decode_timex(tx(esterror=10)).estimated_error_seconds == pytest.approx(10e-6)
    assert "NANO" in decode_timex(tx(status=STA_NANO)).flags


@pytest.mark.parametrize("raw", [tx(state=9), tx(maxerror=-1), tx(esterror=-5)])
def test_impossible_values(raw: Timex) -> None:
    with pytest.raises(ParseError):
        decode_timex(raw)


@given(st.integers(-10, 10), st.integers(0, 0xFFFF), st.integers(-2**40, 2**40), st.integers(-5, 2**31))
def test_random_values_raise_only_parse_error(state: int, status: int, offset: int, err: int) -> None:
    with contextlib.suppress(ParseError):
        decode_timex(Timex(state, status, offset, 0, err, err, 0))


def test_this_host() -> None:
    raw = read_timex()
    assert raw.state in range(6) and raw.maxerror_us >= 0
    row = collect_kernel().rows[0]
    assert row.kind == "kernel" and row.role == "clock" and row.synchronized == (not raw.status & STA_UNSYNC
                                                                                and raw.state != 5)
    assert "not vs a server" in row.meaning


def test_row_offset_only_while_synchronised() -> None:
    from edgetop.collectors.ntp_kernel import row_from_kernel

    assert row_from_kernel(decode_timex(tx(offset=250))).offset_seconds == pytest.approx(-250e-6)
    unsynced = row_from_kernel(decode_timex(tx(status=STA_UNSYNC, offset=250)))
    assert unsynced.offset_seconds is None and unsynced.synchronized is False
    assert dict(unsynced.details)["status_flags"] == "UNSYNC"
