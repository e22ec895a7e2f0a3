"""SNMP: 50 authPriv targets polled in one round, vs net-snmp's snmpget/snmpbulkwalk doing the same work.

A private snmpd (tests/integration/snmpd_fixture.py) gets 50 extra USM users (SHA-256 +
AES-128); each user is one target, polled with the ``system`` and ``if-mib`` profiles (one
GET of three scalars, one multi-column GETBULK of twelve ifTable/ifXTable columns).

Rows: edgetop's warm round (median of several, discovery and key localisation done), its
cold first round, the same round with one dead target added (the live targets' finish
time), the event loop's worst stall during a round (what a key press would wait), and the
peers: one ``snmpget`` + one ``snmpbulkwalk`` per column table per target, in sequence and
all at once.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edgetop.collectors.snmp import SnmpCollector  # noqa: E402
from edgetop.config_schema import SnmpTarget  # noqa: E402
from edgetop.sources.snmp_session import SnmpSession  # noqa: E402
from tests.integration.snmpd_fixture import PrivateSnmpd, free_udp_port  # noqa: E402

TARGETS = 50
ROUNDS = 5


def polling(target: SnmpTarget) -> SnmpCollector:
    """A collector over a real session to ``target`` (what ``Context.snmp_poller`` opens)."""
    return SnmpCollector(target, SnmpSession(target))


def targets(agent: PrivateSnmpd) -> list[SnmpTarget]:
    return [agent.target(f"bench{i:02d}", timeout=2.0, retries=0, profiles=("system", "if-mib"))
            for i in range(TARGETS)]


async def round_once(collectors: list[SnmpCollector]) -> tuple[float, list[Any], dict[str, float]]:
    finished: dict[str, float] = {}
    started = time.perf_counter()

    async def one(c: SnmpCollector) -> Any:
        reading = await c.collect()
        finished[c.target.name] = time.perf_counter() - started
        return reading

    readings = await asyncio.gather(*(one(c) for c in collectors))
    return time.perf_counter() - started, readings, finished


async def loop_lag_during(coro: Any) -> tuple[Any, float]:
    """Run ``coro`` while a 5 ms ticker measures the event loop's worst stall (a key press's wait)."""
    worst = 0.0
    done = False

    async def ticker() -> None:
        nonlocal worst
        while not done:
            t0 = time.perf_counter()
            await asyncio.sleep(0.005)
            worst = max(worst, time.perf_counter() - t0 - 0.005)

    tick = asyncio.create_task(ticker())
    try:
        result = await coro
    finally:
        done = True
        await tick
    return result, worst


async def edgetop_rounds(agent: PrivateSnmpd) -> dict[str, float]:
    collectors = [polling(t) for t in targets(agent)]
    dead_target = agent.target("bench00", name="dead", port=free_udp_port(), timeout=2.0, retries=0,
                               profiles=("system", "if-mib"))
    dead = polling(dead_target)
    try:
        _, idle_lag = await loop_lag_during(asyncio.sleep(1.0))  # what the machine's load alone causes
        (cold, readings, _), cold_lag = await loop_lag_during(round_once(collectors))
        bad = [r for r in readings if r.status != "up"]
        if bad:
            raise RuntimeError(f"{len(bad)} targets failed: {bad[0].error}")
        warm = []
        lags = []
        cpu = []
        for _ in range(ROUNDS):
            cpu0 = time.process_time()  # this process only, not snmpd
            (elapsed, _r, _f), lag = await loop_lag_during(round_once(collectors))
            cpu.append(time.process_time() - cpu0)
            warm.append(elapsed)
            lags.append(lag)
        with_dead = []
        for _ in range(3):
            _e, readings, finished = await round_once([*collectors, dead])
            assert readings[-1].status == "down"
            with_dead.append(max(v for k, v in finished.items() if k != "dead"))
        return {"cold": cold, "warm": statistics.median(warm), "cpu": statistics.median(cpu),
                "lag": statistics.median(lags), "idle_lag": idle_lag, "cold_lag": cold_lag,
                "with_dead": statistics.median(with_dead), "dead_total": finished["dead"]}
    finally:
        for c in [*collectors, dead]:
            c.close()


def peer_argvs(agent: PrivateSnmpd) -> list[list[str]]:
    out = []
    for i in range(TARGETS):
        common = ["-v3", "-l", "authPriv", "-u", f"bench{i:02d}", "-a", "SHA-256", "-A", f"bench-auth-{i:02d}",
                  "-x", "AES", "-X", f"bench-priv-{i:02d}", "-t", "2", "-r", "0", "-On", f"127.0.0.1:{agent.port}"]
        out.append(["snmpget", *common, "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.5.0"])
        out.append(["snmpbulkwalk", *common, "1.3.6.1.2.1.2.2.1"])  # ifTable
        out.append(["snmpbulkwalk", *common, "1.3.6.1.2.1.31.1.1.1"])  # ifXTable
    return out


def peers(agent: PrivateSnmpd) -> tuple[float, float]:
    argvs = peer_argvs(agent)
    env = agent.client_env()
    t0 = time.perf_counter()
    for argv in argvs:
        subprocess.run(argv, env=env, capture_output=True, timeout=30, check=True)
    sequential = time.perf_counter() - t0
    t0 = time.perf_counter()
    procs = [subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for argv in argvs]
    for p in procs:
        p.wait(timeout=60)
    parallel = time.perf_counter() - t0
    return sequential, parallel


def run() -> list[dict[str, str]]:
    with tempfile.TemporaryDirectory(prefix="edgetop-bench-snmp-") as tmp:
        agent = PrivateSnmpd(Path(tmp), extra_users=TARGETS)
        agent.start()
        try:
            ours = asyncio.run(edgetop_rounds(agent))
            sequential, parallel = peers(agent)
        finally:
            agent.stop()
    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    verdict = "OK < 1 s" if ours["warm"] < 1.0 else "OVER 1 s"
    return [
        {"benchmark": f"snmp: {TARGETS} authPriv targets, one round (warm, median of {ROUNDS})",
         "edgetop": ms(ours["warm"]), "peer": f"snmpget+2 snmpbulkwalk each: {ms(sequential)} in sequence",
         "note": f"{verdict}; system+if-mib per target, one shared pysnmp engine"},
        {"benchmark": f"snmp: {TARGETS} authPriv targets, edgetop CPU time per round",
         "edgetop": ms(ours["cpu"]), "peer": "",
         "note": "independent of other load on the machine (wall time above is not)"},
        {"benchmark": f"snmp: {TARGETS} targets, all peer processes at once",
         "edgetop": ms(ours["warm"]), "peer": f"{ms(parallel)} ({3 * TARGETS} processes)",
         "note": "peer forks one process per request"},
        {"benchmark": "snmp: first round (engine discovery, key localisation)",
         "edgetop": ms(ours["cold"]), "peer": "",
         "note": f"once per target and agent engine ID; worst event-loop stall in it {ms(ours['cold_lag'])}"},
        {"benchmark": "snmp: same round plus one dead target (live targets done)",
         "edgetop": ms(ours["with_dead"]), "peer": "",
         "note": f"dead one reported down after {ms(ours['dead_total'])} (timeout 2 s + probe)"},
        {"benchmark": "snmp: worst event-loop stall during a round (median of rounds)",
         "edgetop": ms(ours["lag"]), "peer": f"idle loop: {ms(ours['idle_lag'])}",
         "note": "how long a key press could wait meanwhile"},
    ]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row[k] for k in ("benchmark", "edgetop", "peer", "note")))
