"""NTP: edgetop's whole ntp round vs ``chronyc tracking``, and its SNTP query vs ntplib, in one run.

A private chronyd server and client (tests/integration/chrony_fixture.py) run on loopback.
Rows (median of ROUNDS, wall time and CPU of this process plus its children):

* the full ntp round: all six kinds (chrony via the client's socket, ntpq/timedatectl/pmc
  absent or failing as on this host, the kernel, SNTP to the server) plus the verdict;
* edgetop's chrony collector alone (one ``chronyc -c -m tracking sources sourcestats``)
  vs the peer ``chronyc tracking`` (one process, one command);
* one SNTP query to the server: edgetop's own 48-byte query vs ``ntplib.request``, with
  the median |offset| each measured against the same server (both should be ~µs here).
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ntplib  # noqa: E402

from edgetop.collectors import ntp  # noqa: E402
from edgetop.collectors.ntp_chrony import collect_chrony  # noqa: E402
from edgetop.collectors.ntp_sntp import collect_sntp  # noqa: E402
from edgetop.collectors.registry import Context  # noqa: E402
from edgetop.config_schema import ChronyConfig, Config, NtpConfig  # noqa: E402
from edgetop.engine.lanes import Engine  # noqa: E402
from edgetop.sources.fs import ProcFS, SysFS  # noqa: E402
from tests.integration.chrony_fixture import start_pair, wait_until  # noqa: E402

ROUNDS = 15


def cpu_now() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(fn: Callable[[], object], rounds: int = ROUNDS) -> tuple[float, float]:
    """Median wall seconds and mean CPU seconds per call."""
    walls = []
    cpu0 = cpu_now()
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls), (cpu_now() - cpu0) / rounds


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def run() -> list[dict[str, str]]:
    pair = start_pair()
    try:
        sock = pair.client.socket
        server = f"127.0.0.1:{pair.ntp_port}"
        wait_until("client sync", lambda: collect_chrony(ChronyConfig(socket=sock), 5.0).rows[0].synchronized, 30)
        cfg = Config(ntp=NtpConfig(chrony=ChronyConfig(socket=sock), servers=(server,), timeout=2.0))
        ctx = Context(cfg, ProcFS("/proc"), SysFS("/sys"))
        engine = Engine(ctx, ntp.specs(ctx))
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(engine.collect_round())  # build sources once, as the app does
            round_wall, round_cpu = measure(lambda: loop.run_until_complete(engine.collect_round()))
            durations = {name: smp.reading.duration_seconds for name, smp in engine.store.samples().items()
                         if name != "ntp:verdict"}
            slowest = max(durations, key=durations.__getitem__)
            slow_ms = ms(durations[slowest])
        finally:
            engine.close()
            loop.close()
        chrony_wall, chrony_cpu = measure(lambda: collect_chrony(ChronyConfig(socket=sock), 5.0))
        peer_wall, peer_cpu = measure(lambda: subprocess.run(["chronyc", "-h", sock, "tracking"],
                                                             capture_output=True, check=True, timeout=5))
        offsets: list[float] = []

        def ours() -> None:
            row = collect_sntp((server,), 2.0).rows[0]
            if row.offset_seconds is not None:
                offsets.append(abs(row.offset_seconds))

        theirs_offsets: list[float] = []
        client = ntplib.NTPClient()

        def theirs() -> None:
            theirs_offsets.append(abs(client.request("127.0.0.1", version=4, port=pair.ntp_port, timeout=2).offset))

        sntp_wall, sntp_cpu = measure(ours)
        lib_wall, lib_cpu = measure(theirs)
    finally:
        pair.stop()
    return [
        {"benchmark": "ntp: full round (6 kinds + verdict)", "edgetop": f"{ms(round_wall)} wall, {ms(round_cpu)} CPU",
         "peer": f"chronyc tracking: {ms(peer_wall)} wall, {ms(peer_cpu)} CPU",
         "note": f"median of {ROUNDS}; kinds run concurrently; slowest {slowest} {slow_ms}, the verdict waits for it"},
        {"benchmark": "ntp: chrony collector", "edgetop": f"{ms(chrony_wall)} wall, {ms(chrony_cpu)} CPU",
         "peer": f"chronyc tracking: {ms(peer_wall)} wall, {ms(peer_cpu)} CPU",
         "note": "one chronyc -c -m (tracking+sources+sourcestats) vs one command, same private socket"},
        {"benchmark": "ntp: one SNTP query (loopback)", "edgetop": f"{ms(sntp_wall)} wall, {ms(sntp_cpu)} CPU",
         "peer": f"ntplib 0.4: {ms(lib_wall)} wall, {ms(lib_cpu)} CPU",
         "note": f"median |offset| edgetop {statistics.median(offsets) * 1e6:.1f} µs, "
                 f"ntplib {statistics.median(theirs_offsets) * 1e6:.1f} µs (kernel RX timestamps vs time.time())"},
    ]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(f"{k}: {v}" for k, v in row.items()))
