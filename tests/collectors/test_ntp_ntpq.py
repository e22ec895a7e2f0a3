"""ntpq parsing on outputs of ntp 4.2.8 and ntpsec 1.2 (ntpq cannot be installed beside chrony)."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors.ntp_ntpq import collect_ntpq, parse_ntpq_peers, parse_ntpq_rv, rows_from_ntpq
from edgetop.errors import ParseError, SourceUnavailable
from tests.helpers import FIXTURES

FIX = FIXTURES / "ntp"


@pytest.mark.parametrize(("version", "stratum", "offset", "refid", "peers"), [
    ("ntp-4.2.8", 3, 0.000418215, "192.168.10.1", 5),
    ("ntpsec-1.2", 2, -0.000071562, "10.0.0.1", 3),
])
def test_versions(version: str, stratum: int, offset: float, refid: str, peers: int) -> None:
    system = parse_ntpq_rv((FIX / version / "rv.txt").read_text())
    table = parse_ntpq_peers((FIX / version / "peers.txt").read_text())
    report = rows_from_ntpq(system, table)
    clock = report.rows[0]
    assert clock.synchronized is True and clock.stratum == stratum and clock.reference == refid
    # ntpq's offset is the server relative to us (ms); the row is this clock minus the server.
    assert clock.offset_seconds == pytest.approx(offset)
    assert clock.meaning == "ntpd: system clock vs its system peer"
    assert len(report.rows) - 1 == peers  # the pool placeholder is not a peer


def test_peer_details_and_wrapped_remote() -> None:
    table = parse_ntpq_peers((FIX / "ntp-4.2.8" / "peers.txt").read_text())
    by = {p.remote: p for p in table}
    assert by["192.168.10.1"].tally == "selected" and by["192.168.10.1"].refid == ".GPS."
    assert by["10.20.0.6"].reach == 0o376 and by["203.0.113.9"].tally == "falseticker"
    wrapped = by["2001:db8:100:200::53"]
    assert wrapped.reach == 0 and wrapped.stratum == 16 and wrapped.poll_seconds == 1024
    ntpsec = {p.remote: p for p in parse_ntpq_peers((FIX / "ntpsec-1.2" / "peers.txt").read_text())}
    assert ntpsec["10.0.0.1"].offset_seconds == pytest.approx(0.0000716)


def test_unsynchronised_daemon() -> None:
    clock = rows_from_ntpq(parse_ntpq_rv((FIX / "ntp-4.2.8" / "rv-unsync.txt").read_text()), ()).rows[0]
    assert clock.synchronized is False and clock.leap == "not synchronised" and clock.offset_seconds is None


@pytest.mark.parametrize("text", [
    "", "associd=0", "leap=00, stratum=x", "leap=00, offset=abc", "status=zz",
])
def test_rv_bad(text: str) -> None:
    with pytest.raises(ParseError):
        parse_ntpq_rv(text)


def test_rv_leap_from_status_word() -> None:
    assert parse_ntpq_rv("associd=0 status=c016 leap_alarm, stratum=16").leap == "not synchronised"
    assert parse_ntpq_rv("associd=0 status=0615 leap_none, stratum=2").leap == "normal"


@pytest.mark.parametrize("text", [
    "*10.0.0.1 .GPS. 1 u 33 64 377 0.1 0.2",          # short
    "!10.0.0.1 .GPS. 1 u 33 64 377 0.1 0.2 0.3",      # unknown tally
    "*10.0.0.1 .GPS. one u 33 64 377 0.1 0.2 0.3",    # bad stratum
    "*10.0.0.1 .GPS. 1 u 33 6x 377 0.1 0.2 0.3",      # bad poll
    " 2001:db8::1",                                   # wrapped name without values
])
def test_peers_bad(text: str) -> None:
    with pytest.raises(ParseError):
        parse_ntpq_peers(text)


def test_peers_empty() -> None:
    assert parse_ntpq_peers("") == ()


@given(st.text(max_size=300))
def test_random_text_raises_only_parse_error(text: str) -> None:
    for fn in (parse_ntpq_rv, parse_ntpq_peers):
        with contextlib.suppress(ParseError):
            fn(text)


def test_absent_binary_is_unavailable() -> None:
    assert shutil.which("ntpq") is None, "ntpq is installed here: this test documents the chrony host"
    with pytest.raises(SourceUnavailable, match="ntpq not installed"):
        collect_ntpq(1.0)


def _stub(tmp_path: Path, name: str, body: str) -> Path:
    """A recording stub executable first on PATH (ntpq cannot be installed beside chrony)."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    exe = bindir / name
    exe.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$*\" >> {tmp_path}/argv.log\n{body}\n")
    exe.chmod(0o755)
    return bindir


def test_stub_ntpq_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rv, peers = FIX / "ntpsec-1.2" / "rv.txt", FIX / "ntpsec-1.2" / "peers.txt"
    bindir = _stub(tmp_path, "ntpq", f'case "$*" in *rv*) cat {rv};; *) cat {peers};; esac')
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    report = collect_ntpq(5.0)
    assert report.rows[0].stratum == 2 and [r.key for r in report.rows[1:]] == ["ntpd/10.0.0.1", "ntpd/10.0.0.2",
                                                                                 "ntpd/10.0.0.9"]
    assert (tmp_path / "argv.log").read_text().splitlines() == ["-n -c rv", "-pn"]


def test_stub_ntpq_daemon_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = _stub(tmp_path, "ntpq", 'echo "ntpq: read: Connection refused" >&2; exit 1')
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    with pytest.raises(SourceUnavailable, match="ntpd not answering: ntpq: read: Connection refused"):
        collect_ntpq(5.0)


def test_stub_ntpq_hangs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = _stub(tmp_path, "ntpq", "exec sleep 30")
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    with pytest.raises(SourceUnavailable, match=r"ntpq did not finish within 0\.5 s and was killed"):
        collect_ntpq(0.5)
