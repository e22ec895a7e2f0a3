"""Real chronyd on loopback: a private server (``local stratum 8``) and a private client of it.

As FIELD-NOTES describes: ``chronyd -d -x -f conf`` (foreground, never touching the
system clock), each with its own command-socket directory owned by ``_chrony`` mode
0750, the server on 127.0.0.1 and a free port. edgetop reads the client through its
private socket (and its UDP command port, the non-root view) and asks the server by SNTP.
The last test stops the server and watches the client's reach fall. Both daemons are
stopped by PID.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edgetop.collectors.ntp_chrony import collect_chrony, report_from_text
from edgetop.collectors.ntp_sntp import collect_sntp
from edgetop.collectors.ntp_types import TimeReport, TimeRow
from edgetop.config_schema import ChronyConfig
from edgetop.errors import SourceUnavailable
from edgetop.sources import chronyc
from edgetop.sources.adjtimex import read_timex
from tests.helpers import free_port, wait_until
from tests.integration.chrony_fixture import Pair, start_pair

pytestmark = pytest.mark.daemon

def poll_until(what: str, fn: Callable[[], object], timeout: float = 30.0) -> object:
    """Poll ``fn`` until truthy; fail the test naming ``what``."""
    try:
        return wait_until(what, fn, timeout, every=0.3)
    except TimeoutError as err:
        pytest.fail(str(err))


@pytest.fixture(scope="session")
def chrony_pair() -> Iterator[Pair]:
    pair = start_pair()
    try:
        yield pair
    finally:
        pair.stop()


def _synced(pair: Pair) -> TimeReport | None:
    report = collect_chrony(ChronyConfig(socket=pair.client.socket), 5.0)
    return report if report.rows[0].synchronized else None


def _peer(report: TimeReport) -> TimeRow:
    return next(r for r in report.rows if r.key == "chrony/127.0.0.1")


def test_client_synchronises_through_private_socket(chrony_pair: Pair) -> None:
    before = read_timex()
    report = poll_until("the client to synchronise", lambda: _synced(chrony_pair))
    assert isinstance(report, TimeReport)
    clock = report.rows[0]
    assert clock.stratum == 9 and clock.reference == "127.0.0.1" and clock.leap == "normal"
    assert clock.offset_seconds is not None and abs(clock.offset_seconds) < 0.01
    peer = _peer(report)
    assert peer.state == "selected" and peer.reach and peer.stratum == 8 and peer.reachable
    # -x: neither daemon touched the kernel clock discipline.
    after = read_timex()
    assert (after.freq, after.status & 0x40) == (before.freq, before.status & 0x40)


def test_udp_command_port_read_only_view(chrony_pair: Pair) -> None:
    poll_until("the client to synchronise", lambda: _synced(chrony_pair))
    cfg = ChronyConfig(host="127.0.0.1", port=chrony_pair.client_cmd_port)
    clock = collect_chrony(cfg, 5.0).rows[0]
    assert clock.synchronized is True and clock.stratum == 9
    # A control command over UDP is refused; the monitoring answer before it is kept.
    text = chronyc.query(cfg, 5.0, ("tracking", "serverstats"))
    assert "501 Not authorised" in text
    row = report_from_text(text, chronyc.where(cfg)).rows[0]
    assert row.state is not None and "501 Not authorised" in row.state


def test_non_root_user_reads_the_udp_view(chrony_pair: Pair) -> None:
    poll_until("the client to synchronise", lambda: _synced(chrony_pair))
    cfg = ChronyConfig(host="127.0.0.1", port=chrony_pair.client_cmd_port)
    # The venv's Python lives under /root (0700) here, so run chronyc itself as nobody with
    # edgetop's argv and parse what it printed.
    udp = subprocess.run(["runuser", "-u", "nobody", "--", *chronyc.chronyc_argv(cfg)], capture_output=True,
                         text=True, timeout=10, check=False)
    report = report_from_text(udp.stdout, chronyc.where(cfg))
    assert report.rows[0].synchronized is True and report.rows[0].stratum == 9 and len(report.rows) == 2
    sock = subprocess.run(["runuser", "-u", "nobody", "--", *chronyc.chronyc_argv(ChronyConfig(
        socket=chrony_pair.client.socket))], capture_output=True, text=True, timeout=10, check=False)
    assert sock.returncode != 0 and "Could not open connection to daemon" in sock.stderr


def test_socket_hint() -> None:
    def no_entry(path: str, mode: int) -> bool:  # the view of a user outside _chrony
        return mode == os.F_OK

    assert "ntp.chrony.host" in chronyc.socket_hint(ChronyConfig(socket="/run/chrony/chronyd.sock"), no_entry)
    assert chronyc.socket_hint(ChronyConfig(socket="/run/chrony/chronyd.sock"), lambda p, m: True) == ""
    assert chronyc.socket_hint(ChronyConfig(host="127.0.0.1"), no_entry) == ""
    assert chronyc.socket_hint(ChronyConfig(socket="/nonexistent/x.sock"), lambda p, m: False) == ""
    # Directory there, daemon not running (no socket): nothing to do with permissions.
    assert chronyc.socket_hint(ChronyConfig(socket="/run/chrony/chronyd.sock"),
                               lambda p, m: p != "/run/chrony/chronyd.sock") == ""


def test_server_is_free_running_local_stratum(chrony_pair: Pair) -> None:
    clock = collect_chrony(ChronyConfig(socket=chrony_pair.server.socket), 5.0).rows[0]
    assert clock.stratum == 8 and clock.synchronized is False and clock.state == "free-running"


def test_sntp_query_of_server(chrony_pair: Pair) -> None:
    row = collect_sntp((f"127.0.0.1:{chrony_pair.ntp_port}",), 2.0).rows[0]
    assert row.reachable is True and row.stratum == 8 and row.state == "answered"
    assert row.offset_seconds is not None and abs(row.offset_seconds) < 0.01
    assert row.delay_seconds is not None and row.delay_seconds < 0.05


def test_no_daemon_and_506(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match=r"chronyd at .*missing\.sock"):
        collect_chrony(ChronyConfig(socket=str(tmp_path / "missing.sock")), 5.0)
    port = free_port(socket.SOCK_DGRAM)
    with pytest.raises(SourceUnavailable, match="506 Cannot talk to daemon"):
        collect_chrony(ChronyConfig(host="127.0.0.1", port=port), 5.0)


def test_zz_stop_server_reach_falls_and_sntp_unreachable(chrony_pair: Pair) -> None:
    report = poll_until("the client to synchronise", lambda: _synced(chrony_pair))
    assert isinstance(report, TimeReport)
    full = poll_until("a full reach register", lambda: _peer(collect_chrony(
        ChronyConfig(socket=chrony_pair.client.socket), 5.0)).reach == 0o377, 30)
    assert full
    chrony_pair.server.stop()
    row = collect_sntp((f"127.0.0.1:{chrony_pair.ntp_port}",), 1.0).rows[0]
    assert row.reachable is False and row.state is not None and row.state.startswith("unreachable")

    def fallen() -> bool:
        peer = _peer(collect_chrony(ChronyConfig(socket=chrony_pair.client.socket), 5.0))
        return peer.reach is not None and bin(peer.reach).count("1") <= 6

    assert poll_until("the client's reach to fall", fallen, 40)
