"""timedatectl parsing on recorded layouts (systemd cannot run here), and the real failure."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors.ntp_timesyncd import (
    collect_timesyncd,
    parse_show,
    parse_timespan,
    parse_timesync_status,
    row_from_timesyncd,
)
from edgetop.errors import ParseError, SourceUnavailable
from tests.helpers import FIXTURES

FIX = FIXTURES / "ntp" / "timesyncd"


@pytest.mark.parametrize(("text", "seconds"), [
    ("0", 0.0), ("-1.072ms", -0.001072), ("+206us", 0.000206), ("1min 4s", 64.0), ("34min 8s", 2048.0),
    ("1.5s", 1.5), ("500ns", 5e-7), ("2h 1min", 7260.0),
])
def test_timespan(text: str, seconds: float) -> None:
    assert parse_timespan(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "ms", "12ppm", "1min x", "abc"])
def test_timespan_bad(text: str) -> None:
    with pytest.raises(ParseError):
        parse_timespan(text)


def test_synchronised_252() -> None:
    row = row_from_timesyncd(parse_show((FIX / "show-252.txt").read_text()),
                             parse_timesync_status((FIX / "timesync-status-252.txt").read_text()))
    assert row.synchronized is True and row.stratum == 2 and row.reference == "10.0.0.1"
    # timesyncd prints server minus this host; the row is this clock minus the server.
    assert row.offset_seconds == pytest.approx(0.001072) and row.leap == "normal"
    assert row.meaning == "timesyncd: system clock vs its server"


def test_initial_247_and_unsync() -> None:
    status = parse_timesync_status((FIX / "timesync-status-247-initial.txt").read_text())
    assert status.server is None and status.packet_count == 0 and status.offset_seconds is None
    row = row_from_timesyncd(parse_show((FIX / "show-unsync.txt").read_text()), status)
    assert row.synchronized is False and row.state == "no server contacted yet"
    assert row_from_timesyncd({"NTP": "no"}, None).state is not None


@pytest.mark.parametrize("text", ["", "Leap: normal", "Server: x\nLeap: sideways", "Server: x\nStratum: two"])
def test_status_bad(text: str) -> None:
    with pytest.raises(ParseError):
        parse_timesync_status(text)


@given(st.text(max_size=300))
def test_random_text_raises_only_parse_error(text: str) -> None:
    parse_show(text)
    with contextlib.suppress(ParseError):
        parse_timesync_status(text)


def test_no_systemd_here_is_unavailable() -> None:
    # timedatectl is installed but PID 1 is not systemd: the real tool fails, the source says why.
    with pytest.raises(SourceUnavailable, match="timedatectl"):
        collect_timesyncd(3.0)


def test_stub_timedatectl_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A recording stub first on PATH stands in for systemd, which cannot run here.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "timedatectl"
    exe.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/argv.log\ncase "$1" in show) cat {FIX}/show-252.txt;; '
                   f"timesync-status) cat {FIX}/timesync-status-252.txt;; esac\n")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    row = collect_timesyncd(5.0).rows[0]
    assert row.synchronized is True and row.offset_seconds == pytest.approx(0.001072)
    assert (tmp_path / "argv.log").read_text().splitlines() == ["show", "timesync-status"]


def test_stub_timesyncd_not_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # systemd present, chronyd running, timesyncd not: NTPSynchronized=yes is chrony's doing.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "timedatectl"
    exe.write_text(f'#!/bin/sh\ncase "$1" in show) cat {FIX}/show-252.txt;; timesync-status) '
                   'echo "Failed to query server: Could not activate remote peer." >&2; exit 1;; esac\n')
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    with pytest.raises(SourceUnavailable, match=r"systemd-timesyncd not running \(Failed to query server"):
        collect_timesyncd(5.0)
