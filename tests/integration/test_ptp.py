"""Real ptp4l: a grandmaster and a slave on a veth pair between two private network namespaces.

Software timestamping (``-S``) and ``free_running 1`` on both: neither ptp4l adjusts any
clock. Each has a private management socket (``uds_address``) that pmc reaches with
``-s``. Namespaces and daemons are this test's own and are removed by name and PID.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from edgetop.collectors.ntp_ptp import collect_ptp
from edgetop.collectors.ntp_types import TimeRow
from edgetop.config_schema import PtpConfig
from edgetop.errors import SourceUnavailable
from tests.integration.chrony_fixture import wait_until

pytestmark = [pytest.mark.netns, pytest.mark.daemon]


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@dataclass
class PtpPair:
    master_uds: str
    slave_uds: str


@pytest.fixture(scope="module")
def ptp_pair() -> Iterator[PtpPair]:
    assert shutil.which("ptp4l") and shutil.which("pmc"), "linuxptp is not installed (apt-get install linuxptp)"
    tag = f"et{os.getpid() % 100000}"
    ns_a, ns_b = f"{tag}-gm", f"{tag}-sl"
    base = Path(tempfile.mkdtemp(prefix="edgetop-ptp-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        ip("netns", "add", ns_a)
        ip("netns", "add", ns_b)
        ip("-n", ns_a, "link", "add", "ptpa", "type", "veth", "peer", "name", "ptpb", "netns", ns_b)
        for ns, dev, addr in ((ns_a, "ptpa", "10.77.0.1/24"), (ns_b, "ptpb", "10.77.0.2/24")):
            ip("-n", ns, "link", "set", "lo", "up")
            ip("-n", ns, "addr", "add", addr, "dev", dev)
            ip("-n", ns, "link", "set", dev, "up")
        socks = {}
        for role, ns, dev, extra in (("gm", ns_a, "ptpa", "priority1 100\nlogAnnounceInterval -2\n"),
                                     ("slave", ns_b, "ptpb", "slaveOnly 1\nlogAnnounceInterval -2\n")):
            sock = base / f"{role}.sock"
            conf = base / f"{role}.conf"
            conf.write_text(f"[global]\nuds_address {sock}\nfree_running 1\nlogSyncInterval -3\n{extra}")
            log = (base / f"{role}.log").open("wb")
            procs.append(subprocess.Popen(["ip", "netns", "exec", ns, "ptp4l", "-S", "-i", dev, "-f", str(conf), "-m"],
                                          stdout=log, stderr=subprocess.STDOUT))
            socks[role] = str(sock)
        wait_until("ptp4l sockets", lambda: all(Path(s).exists() for s in socks.values()), 15)
        yield PtpPair(socks["gm"], socks["slave"])
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        for ns in (ns_a, ns_b):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True, timeout=10)
        shutil.rmtree(base, ignore_errors=True)


def _row(uds: str) -> TimeRow:
    return collect_ptp(PtpConfig(uds=uds), 5.0).rows[0]


def test_slave_reports_offset_from_grandmaster(ptp_pair: PtpPair) -> None:
    gm = wait_until("the grandmaster role", lambda: (r := _row(ptp_pair.master_uds)).state == "master" and r, 30)
    assert isinstance(gm, TimeRow) and gm.offset_seconds is None and "this node is the master" in gm.meaning

    def following() -> TimeRow | None:
        row = _row(ptp_pair.slave_uds)
        return row if row.offset_seconds is not None and row.reference == gm.reference else None

    row = wait_until("the slave to follow the grandmaster", following, 40)
    assert isinstance(row, TimeRow)
    assert row.state in ("uncalibrated", "slave") and row.meaning == "PTP domain 0: local PTP clock vs grandmaster"
    # Same host clock on both ends: the measured offset is small (software timestamps).
    assert row.offset_seconds is not None and abs(row.offset_seconds) < 0.01


def test_wrong_domain_gets_no_answer(ptp_pair: PtpPair) -> None:
    with pytest.raises(SourceUnavailable, match="ptp4l not running"):
        collect_ptp(PtpConfig(domain=7, uds=ptp_pair.slave_uds), 5.0)
