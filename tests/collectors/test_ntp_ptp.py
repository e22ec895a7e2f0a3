"""pmc parsing on recorded linuxptp 3.1.1 answers, and pmc without ptp4l."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors.ntp_ptp import collect_ptp, parse_pmc, pmc_argv, row_from_ptp
from edgetop.config_schema import PtpConfig
from edgetop.errors import ParseError, SourceUnavailable
from tests.helpers import FIXTURES

FIX = FIXTURES / "ntp" / "linuxptp-3.1.1"


def test_slave() -> None:
    st_ = parse_pmc((FIX / "slave-uncalibrated.txt").read_text())
    assert st_ is not None and st_.gm_present and st_.port_state == "UNCALIBRATED"
    assert st_.master_offset_seconds == pytest.approx(386e-9)
    row = row_from_ptp(st_, 0)
    assert row.synchronized is False and row.state == "uncalibrated" and row.reference == "369bbf.fffe.154dc0"
    assert row.meaning == "PTP domain 0: local PTP clock vs grandmaster"
    locked = row_from_ptp(type(st_)(st_.master_offset_seconds, True, st_.gm_identity, "SLAVE"), 24)
    assert locked.synchronized is True and locked.meaning.startswith("PTP domain 24")


def test_grandmaster_has_no_offset() -> None:
    st_ = parse_pmc((FIX / "grandmaster.txt").read_text())
    assert st_ is not None
    row = row_from_ptp(st_, 0)
    assert row.offset_seconds is None and row.state == "master" and "master" in row.meaning


def test_no_daemon_output() -> None:
    assert parse_pmc((FIX / "no-daemon.txt").read_text()) is None
    assert parse_pmc("") is None


@pytest.mark.parametrize("text", [
    "\tx seq 0 RESPONSE MANAGEMENT TIME_STATUS_NP \n\t\tmaster_offset  abc\n\t\tgmPresent true\n\t\tgmIdentity a\n",
    "\tx seq 0 RESPONSE MANAGEMENT TIME_STATUS_NP \n\t\tmaster_offset  5\n",
    "\tx seq 0 RESPONSE MANAGEMENT TIME_STATUS_NP \n\t\tmaster_offset  5\n\t\tgmPresent maybe\n\t\tgmIdentity a\n",
    "\tx seq 0 RESPONSE MANAGEMENT TIME_STATUS_NP \n\t\tmaster_offset 5\n\t\tgmPresent true\n\t\tgmIdentity a\n"
    "\tx seq 1 RESPONSE MANAGEMENT PORT_DATA_SET \n\t\tportState  DANCING\n",
])
def test_bad(text: str) -> None:
    with pytest.raises(ParseError):
        parse_pmc(text)


@given(st.text(max_size=300))
def test_random_text_raises_only_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_pmc(text)


def test_argv_and_no_ptp4l(tmp_path: Path) -> None:
    cfg = PtpConfig(domain=3, uds=str(tmp_path / "ptp4l"))
    argv = pmc_argv(cfg)
    assert argv[:6] == ["pmc", "-u", "-b", "0", "-d", "3"] and argv[argv.index("-s") + 1] == cfg.uds
    with pytest.raises(SourceUnavailable, match="ptp4l not running"):
        collect_ptp(cfg, 3.0)


def test_a_socket_nobody_answers_is_not_running(tmp_path: Path) -> None:
    """The socket exists (ptp4l crashed, or a stale file) but no ptp4l answers pmc."""
    import socket

    path = tmp_path / "ptp4l"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    try:
        with pytest.raises(SourceUnavailable, match="ptp4l not running"):
            collect_ptp(PtpConfig(domain=0, uds=str(path)), 3.0)
    finally:
        sock.close()
