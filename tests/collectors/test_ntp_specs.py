"""The ntp specs: verdict, alerts, metrics, JSON merge, demo mode, a slow source."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from edgetop.collectors import ntp
from edgetop.collectors.ntp_types import CLOCK, PEER, TimeReport, TimeRow
from edgetop.config_schema import ChronyConfig, Config, Level, NtpConfig, PtpConfig, Thresholds
from edgetop.demo import demo_context
from edgetop.engine.lanes import Engine
from edgetop.engine.store import merge_sections
from edgetop.model.alerts import Severity
from edgetop.model.reading import Status
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS


def clock(kind: str, synced: bool | None, **kw: object) -> TimeRow:
    return TimeRow(kind=kind, key=kind, role=CLOCK, meaning=f"{kind}: x", synchronized=synced, **kw)  # type: ignore[arg-type]


def peer(kind: str, key: str, reachable: bool, **kw: object) -> TimeRow:
    return TimeRow(kind=kind, key=key, role=PEER, meaning=f"{kind}: y", reachable=reachable, **kw)  # type: ignore[arg-type]


def rep(*rows: TimeRow) -> TimeReport:
    return TimeReport(rows[0].kind, rows)


@pytest.mark.parametrize(("latest", "verdict", "by"), [
    ({}, ntp.WAITING, None),
    ({"chrony": (rep(clock("chrony", True, reference="10.0.0.1")), None), "kernel": (rep(clock("kernel", True)), None)},
     ntp.SYNCHRONISED, "chrony: 10.0.0.1"),
    ({"chrony": (None, "506 Cannot talk to daemon"), "kernel": (rep(clock("kernel", True)), None)},
     ntp.SYNCHRONISED, "kernel (a daemon edgetop cannot read)"),
    ({"chrony": (rep(clock("chrony", False)), None), "kernel": (rep(clock("kernel", False)), None)},
     ntp.UNSYNCHRONISED, None),
    ({"sntp": (rep(peer("sntp", "sntp/a", True)), None), "kernel": (rep(clock("kernel", False)), None)},
     ntp.UNSYNCHRONISED, None),
    ({"sntp": (rep(peer("sntp", "sntp/a", False)), None), "ntpd": (None, "ntpq not installed"),
      "kernel": (rep(clock("kernel", False)), None)}, ntp.NO_SOURCE, None),
])
def test_decide(latest: dict[str, tuple[TimeReport | None, str | None]], verdict: str, by: str | None) -> None:
    v = ntp.decide(latest)
    assert v.verdict == verdict and v.by == by


def test_no_source_alert_names_every_reason() -> None:
    v = ntp.decide({"chrony": (None, "chronyc not installed"), "ntpd": (None, "ntpq not installed"),
                    "kernel": (rep(clock("kernel", False)), None)})
    alerts = ntp.verdict_alerts(v, Config())
    assert len(alerts) == 1 and alerts[0].severity is Severity.CRITICAL
    assert "chrony: chronyc not installed" in alerts[0].message and "ntpd: ntpq not installed" in alerts[0].message
    assert ntp.verdict_metrics(v)[0].value == 0.0


def test_row_alerts_offset_stratum_leap_kod() -> None:
    cfg = Config(thresholds=Thresholds(ntp_offset_seconds=Level(0.1, 1.0), ntp_stratum_max=4))
    view = TimeReport("chrony", (
        clock("chrony", True, offset_seconds=-0.25, stratum=5, leap="insert second"),
        peer("chrony", "chrony/x", True, offset_seconds=5.0),  # a server chrony weighs: no alert
    ))
    alerts = ntp.row_alerts(view, cfg)
    msgs = sorted(a.message for a in alerts)
    assert any("0.250 s behind" in m for m in msgs) and any("stratum 5" in m for m in msgs)
    assert any("leap second pending" in m for m in msgs) and len(alerts) == 3
    sntp = TimeReport("sntp", (peer("sntp", "sntp/a", True, offset_seconds=2.0),
                               peer("sntp", "sntp/b", True, state="kiss-of-death RATE")))
    sev = {a.subject: a.severity for a in ntp.row_alerts(sntp, cfg)}
    assert sev == {"sntp/a": Severity.CRITICAL, "sntp/b": Severity.WARNING}


def test_kernel_offset_never_alerts() -> None:
    view = TimeReport("kernel", (clock("kernel", True, offset_seconds=5.0),))
    assert ntp.row_alerts(view, Config()) == []


def test_metrics_and_history() -> None:
    view = TimeReport("chrony", (clock("chrony", True, offset_seconds=-0.002, stratum=3),))
    m = {(x.name, x.labels): x.value for x in ntp.row_metrics(view)}
    labels = (("kind", "chrony"), ("source", "chrony"))
    assert m[("ntp_offset_seconds", labels)] == -0.002 and m[("ntp_synchronized", labels)] == 1.0
    assert m[("ntp_stratum", labels)] == 3.0
    assert ntp.row_history(view) == {"offset:chrony": 0.002}


def test_board_waits_for_the_round() -> None:
    board = ntp.Board(("a", "b"))
    threading.Timer(0.2, board.post, ("a", None, "gone")).start()
    threading.Timer(0.3, board.post, ("b", None, "gone")).start()
    t0 = time.monotonic()
    got = asyncio.run(board.take_async(5.0))
    assert set(got) == {"a", "b"} and 0.2 <= time.monotonic() - t0 < 3.0
    t0 = time.monotonic()
    asyncio.run(board.take_async(0.3))  # nothing new: returns after the wait with the old reports
    assert time.monotonic() - t0 >= 0.25


def _ctx(tmp_path: Path, demo: bool = False, servers: tuple[str, ...] = ()) -> Context:
    cfg = Config(ntp=NtpConfig(interval=1.0, timeout=1.0, servers=servers,
                               chrony=ChronyConfig(socket=str(tmp_path / "none.sock")),
                               ptp=PtpConfig(uds=str(tmp_path / "ptp4l"))))
    if demo:
        return demo_context(cfg, ProcFS("/proc"), SysFS("/sys"))
    return Context(cfg, ProcFS("/proc"), SysFS("/sys"))


def _round(ctx: Context) -> tuple[dict[str, object], dict[str, object]]:
    engine = Engine(ctx, ntp.specs(ctx))
    try:
        samples = asyncio.run(engine.collect_round())
    finally:
        engine.close()
    section = merge_sections(s.spec.to_json(s.view) if s.view is not None else s.spec.empty_json() for s in samples)
    return {s.spec.name: s for s in samples}, section


def test_demo_round_is_synchronised(tmp_path: Path) -> None:
    by, section = _round(_ctx(tmp_path, demo=True))
    assert section["verdict"] == ntp.SYNCHRONISED and section["synchronized_by"] == "chrony: 192.168.10.1"
    kinds = [s["kind"] for s in section["sources"]]  # type: ignore[attr-defined]
    assert "chrony" in kinds and "kernel" in kinds
    assert by["ntp:ntpd"].reading.status is Status.UNAVAILABLE  # type: ignore[attr-defined]


def test_live_round_without_daemons(tmp_path: Path) -> None:
    by, section = _round(_ctx(tmp_path, servers=("127.0.0.1:9",)))
    chrony = by["ntp:chrony"].reading  # type: ignore[attr-defined]
    assert chrony.status is Status.UNAVAILABLE and "none.sock" in chrony.reason
    assert by["ntp:ntpd"].reading.reason == "ntpq not installed"  # type: ignore[attr-defined]
    rows = {s["key"]: s for s in section["sources"]}  # type: ignore[attr-defined]
    assert rows["sntp/127.0.0.1:9"]["reachable"] is False
    assert section["verdict"] in (ntp.NO_SOURCE, ntp.SYNCHRONISED)  # the host kernel may be synced
    if section["verdict"] == ntp.NO_SOURCE:
        assert any(a.severity is Severity.CRITICAL for a in by["ntp:verdict"].alerts)  # type: ignore[attr-defined]


def test_slow_source_does_not_delay_others(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    specs = ntp.specs(ctx)
    slow = next(s for s in specs if s.name == "ntp:sntp")
    fast = next(s for s in specs if s.name == "ntp:kernel")
    gate = threading.Event()

    def hang(_ctx: Context) -> object:
        def collect() -> TimeReport:
            gate.wait(10)
            raise RuntimeError("released")
        return collect

    import dataclasses
    engine = Engine(ctx, [dataclasses.replace(slow, build=hang), fast])

    async def go() -> float:
        t0 = time.monotonic()
        kernel_runner = next(r for r in engine.runners if r.spec.name == "ntp:kernel")
        sntp_runner = next(r for r in engine.runners if r.spec.name == "ntp:sntp")
        task = asyncio.ensure_future(sntp_runner.collect_once())
        sample = await kernel_runner.collect_once()
        took = time.monotonic() - t0
        assert sample.reading.ok
        gate.set()
        await task
        return took

    try:
        assert asyncio.run(go()) < 1.0
    finally:
        gate.set()
        engine.close()


def test_board_waits_for_slow_kinds_only_once() -> None:
    board = ntp.Board(("a", "s"), every_round=("a",))
    board.post("a", None, "x")
    threading.Timer(0.2, board.post, ("s", None, "y")).start()
    assert set(asyncio.run(board.take_async(5.0))) == {"a", "s"}  # the first take waits for "s" too
    board.post("a", None, "x")
    t0 = time.monotonic()
    asyncio.run(board.take_async(5.0))  # "s" has reported before: not waited for again
    assert time.monotonic() - t0 < 1.0


def test_sntp_spec_interval_is_polite(tmp_path: Path) -> None:
    intervals = {s.name: s.interval for s in ntp.specs(_ctx(tmp_path))}
    assert intervals["ntp:sntp"] == 16.0 and intervals["ntp:chrony"] == 1.0


def test_the_verdict_waits_without_holding_a_worker(tmp_path: Path) -> None:
    """The verdict, queued before the kinds it waits for, leaves the one worker to them.

    A verdict that waited inside a worker thread held it: the kinds queued behind it until
    the pool started a spare (issue 17: threads), and the round took ~0.1 s longer.
    """
    ctx = _ctx(tmp_path, demo=True)
    specs = ntp.specs(ctx)
    engine = Engine(ctx, [specs[-1], *specs[:-1]])  # the verdict first: its call is queued first
    try:
        by = {s.spec.name: s for s in asyncio.run(engine.collect_round())}
        verdict = by["ntp:verdict"].view
        assert verdict is not None and verdict.verdict == ntp.SYNCHRONISED
        assert engine.pool.threads() == 1
        assert by["ntp:verdict"].reading.duration_seconds < 1.0  # every kind posted: no waiting out the timeout
    finally:
        engine.close()
