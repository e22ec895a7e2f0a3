"""chronyc -c parsing on recorded outputs of chrony 4.3 and 3.x, and bad input."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors.ntp_chrony import parse_chronyc, report_from_text, rows_from_chrony
from edgetop.config_schema import ChronyConfig
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.sources.chronyc import chronyc_argv
from tests.helpers import FIXTURES

FIX = FIXTURES / "ntp"


def test_client_synced_43() -> None:
    report = report_from_text((FIX / "chrony-4.3" / "client-synced.csv").read_text(), "x")
    clock, peer = report.rows
    assert clock.key == "chrony" and clock.role == "clock"
    assert clock.meaning == "chrony: system clock vs reference"
    assert clock.synchronized is True and clock.stratum == 9 and clock.reference == "127.0.0.1"
    # CSV "System time" -0.000002222 means "0.000002222 seconds fast": this clock ahead.
    assert clock.offset_seconds == pytest.approx(2.222e-6)
    assert clock.leap == "normal"
    assert peer.key == "chrony/127.0.0.1" and peer.state == "selected" and peer.reach == 0o377
    assert peer.reachable is True and peer.stratum == 8
    assert peer.offset_seconds == pytest.approx(1.46e-7)


def test_tracking_sign_matches_human_output() -> None:
    human = (FIX / "chrony-4.3" / "client-tracking.txt").read_text()
    assert "0.000002222 seconds fast of NTP time" in human
    csv = parse_chronyc((FIX / "chrony-4.3" / "client-synced.csv").read_text())
    assert csv.tracking is not None and csv.tracking.system_offset_seconds > 0


def test_local_stratum_server_is_free_running() -> None:
    clock = report_from_text((FIX / "chrony-4.3" / "server-local.csv").read_text(), "x").rows[0]
    assert clock.synchronized is False and clock.state == "free-running" and clock.stratum == 8
    assert clock.offset_seconds is None  # no outside reference: unknown, not 0
    parsed = parse_chronyc((FIX / "chrony-4.3" / "server-local.csv").read_text())
    assert parsed.tracking is not None and str(parsed.tracking.system_offset_seconds) == "0.0"  # not -0.0


def test_unsynced_daemon() -> None:
    clock = report_from_text((FIX / "chrony-4.3" / "unsynced.csv").read_text(), "x").rows[0]
    assert clock.synchronized is False and clock.leap == "not synchronised"
    assert clock.stratum is None and clock.offset_seconds is None and clock.reference is None


def test_many_sources_34() -> None:
    report = report_from_text((FIX / "chrony-3.4" / "many-sources.csv").read_text(), "x")
    by_key = {r.key: r for r in report.rows}
    assert by_key["chrony"].stratum == 2 and by_key["chrony"].offset_seconds == pytest.approx(-0.000412315)
    assert by_key["chrony/10.20.0.6"].state == "not combined" and by_key["chrony/10.20.0.6"].reach == 0o376
    assert by_key["chrony/203.0.113.9"].state == "falseticker"
    unreachable = by_key["chrony/2001:db8:100:200::53"]
    assert unreachable.reachable is False and unreachable.offset_seconds is None and unreachable.stratum is None
    assert by_key["chrony/PHC0"].meaning == "chrony: system clock vs refclock PHC0"
    assert by_key["chrony/10.20.0.7"].meaning == "chrony: system clock vs peer 10.20.0.7"
    parsed = parse_chronyc((FIX / "chrony-3.4" / "many-sources.csv").read_text())
    assert next(s.std_dev_seconds for s in parsed.sources) == pytest.approx(5.512e-5)
    assert parsed.sources[4].last_rx_seconds is None  # 4294967295: never received


def test_leap_insert() -> None:
    clock = report_from_text((FIX / "chrony-3.4" / "leap-insert.csv").read_text(), "x").rows[0]
    assert clock.leap == "insert second" and clock.synchronized is True
    assert clock.offset_seconds == pytest.approx(0.25)


@pytest.mark.parametrize(("name", "message"), [
    ("cannot-talk.txt", "506 Cannot talk to daemon"),
])
def test_daemon_refusal_is_unavailable(name: str, message: str) -> None:
    with pytest.raises(SourceUnavailable, match=message):
        report_from_text((FIX / "chrony-4.3" / name).read_text(), "/run/chrony/chronyd.sock")


def test_501_after_tracking_is_said_in_the_row() -> None:
    clock = report_from_text((FIX / "chrony-4.3" / "not-authorised.txt").read_text(), "x").rows[0]
    assert clock.state is not None and "501 Not authorised" in clock.state


@pytest.mark.parametrize(("text", "ok"), [
    ("", False),                                   # empty: no tracking
    ("7F000001,127.0.0.1,9", None),                # short line
    ("7F000001,127.0.0.1,nine,1,0,0,0,0,0,0,0,0,1,Normal", None),  # malformed stratum
    ("ZZZ,x,9,1,0,0,0,0,0,0,0,0,1,Normal", None),  # bad refid
    ("7F000001,x,9,1,nan,0,0,0,0,0,0,0,1,Normal", None),  # not finite
    ("7F000001,x,9,1,0,0,0,0,0,0,0,0,1,Sideways", None),  # unknown leap
    ("^,!,a,1,6,377,1,0,0,0", None),               # unknown state
    ("^,*,a,1,6,999,1,0,0,0", None),               # reach not octal
    ("7F000001,x,9,1,0,0,0,0,0,0,0,0,1,Normal", True),
])
def test_table(text: str, ok: bool | None) -> None:
    if ok is None:
        with pytest.raises(ParseError):
            parse_chronyc(text)
        return
    out = parse_chronyc(text)
    assert (out.tracking is not None) is ok
    if not ok:
        with pytest.raises(ParseError):
            rows_from_chrony(out)


@given(st.text(max_size=400))
def test_random_text_raises_only_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_chronyc(text)


@given(st.lists(st.sampled_from(["7F000001", "x", "9", "-1.5", "377", "^", "*", "Normal", "", "1e308"]),
                min_size=8, max_size=14))
def test_random_csv_fields_raise_only_parse_error(fields: list[str]) -> None:
    try:
        out = parse_chronyc(",".join(fields))
        if out.tracking is not None:
            rows_from_chrony(out)
    except ParseError:
        pass


def test_argv_socket_host_default() -> None:
    assert chronyc_argv(ChronyConfig(socket="/x.sock"))[-5:] == ["-h", "/x.sock", "tracking", "sources", "sourcestats"]
    argv = chronyc_argv(ChronyConfig(host="127.0.0.1", port=1323))
    assert argv[argv.index("-h") + 1] == "127.0.0.1" and argv[argv.index("-p") + 1] == "1323"
    assert "-h" not in chronyc_argv(ChronyConfig())
    assert chronyc_argv(ChronyConfig())[:4] == ["chronyc", "-c", "-n", "-m"]
