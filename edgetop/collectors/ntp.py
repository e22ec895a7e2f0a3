"""Time sources as collector specs: one per kind (``ntp:chrony`` … ``ntp:ptp``) plus a verdict.

Each kind runs on the ``ntp`` lane on its own, so a slow chronyc or an SNTP server that
never answers delays only its own row. Every spec's JSON is ``{"sources": [...]}``; the
engine concatenates them into ``ntp.sources[]``. The verdict (synchronised /
unsynchronised / no time source) needs all kinds at once: each collect call posts its
outcome on a shared :class:`Board` and ``ntp:verdict`` reads it, waiting briefly for the
round's reports so that a one-shot snapshot gets a verdict over the same round. The verdict
waits on the event loop (:meth:`Board.take_async`), not in a worker thread: the kinds it
waits for need that thread, and holding it started a spare worker every round.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable

import msgspec

from edgetop.collectors import ntp_chrony, ntp_kernel, ntp_ntpq, ntp_ptp, ntp_sntp, ntp_timesyncd
from edgetop.collectors.ntp_types import CLOCK, KINDS, LEAP_DELETE, LEAP_INSERT, TimeReport
from edgetop.config_schema import Config
from edgetop.errors import SourceUnavailable
from edgetop.model.alerts import Alert, Severity, level_above
from edgetop.model.spec import CollectorSpec, Context, Metric
from edgetop.sources import sntp

SYNCHRONISED = "synchronised"
UNSYNCHRONISED = "unsynchronised"
NO_SOURCE = "no time source"
WAITING = "waiting for sources"
SYNC_HELP = "1 when the source says the clock is synchronised (kind=all: edgetop's verdict)"

# Kinds whose clock row is compared with the offset threshold: each is a daemon's
# estimate of the system clock's error. The kernel's row is a pending correction, and
# per-server rows of chrony/ntpd are inputs the daemon already weighs.
_OFFSET_ALERT_KINDS = frozenset({"chrony", "ntpd", "timesyncd", "ptp"})


class Verdict(msgspec.Struct, frozen=True):
    """Whether this node's clock is synchronised, from every source at once.

    Attributes:
        verdict: :data:`SYNCHRONISED`, :data:`UNSYNCHRONISED`, :data:`NO_SOURCE` or :data:`WAITING`.
        synchronized: True, False, or None while waiting.
        by: the row that makes it so (``chrony: 10.0.0.1``), or None.
        reachable_sources: how many daemons or servers answered.
        unavailable: (kind, reason) for every kind that is absent or failed.

    """

    verdict: str
    synchronized: bool | None
    by: str | None
    reachable_sources: int
    unavailable: tuple[tuple[str, str], ...]


class Board:
    """The latest outcome of each kind, posted by its collect call (a source, not data)."""

    def __init__(self, kinds: tuple[str, ...], every_round: tuple[str, ...] | None = None) -> None:
        """Expect reports from ``kinds``; wait each round only for ``every_round`` (default: all).

        A kind polled less often (SNTP, at most every 16 s) is waited for until its first
        report only, so that a one-shot snapshot still sees it.
        """
        self.kinds = kinds
        self.every_round = kinds if every_round is None else every_round
        self._lock = threading.Lock()
        self._latest: dict[str, tuple[TimeReport | None, str | None]] = {}
        self._generation: dict[str, int] = dict.fromkeys(kinds, 0)
        self._seen: dict[str, int] = dict.fromkeys(kinds, 0)
        self._listeners: list[Callable[[], None]] = []  # pokes of async takers waiting now

    def post(self, kind: str, report: TimeReport | None, reason: str | None) -> None:
        """Record what ``kind`` gave this round (from any thread)."""
        with self._lock:
            self._latest[kind] = (report, reason)
            self._generation[kind] += 1
            listeners = list(self._listeners)
        for poke in listeners:
            poke()

    def _waiting(self) -> bool:
        """Whether a kind has yet to post this round (the lock is held)."""
        return any(self._generation[k] == self._seen[k] and (k in self.every_round or self._generation[k] == 0)
                   for k in self.kinds)

    def _collect_round(self) -> dict[str, tuple[TimeReport | None, str | None]]:
        """Mark this round as taken and return every kind's latest outcome (the lock is held)."""
        self._seen = dict(self._generation)
        return dict(self._latest)

    async def take_async(self, wait_seconds: float) -> dict[str, tuple[TimeReport | None, str | None]]:
        """Wait up to ``wait_seconds`` for every kind to post since the last take; return all.

        It waits on the event loop, holding no thread: the kinds post from worker threads.
        """
        loop = asyncio.get_running_loop()
        posted = asyncio.Event()

        def poke() -> None:  # called by post() in a worker thread
            loop.call_soon_threadsafe(posted.set)

        deadline = loop.time() + wait_seconds
        with self._lock:
            self._listeners.append(poke)
        try:
            while True:
                posted.clear()  # before looking: a post after the look sets it again
                with self._lock:
                    if not self._waiting():
                        break
                left = deadline - loop.time()
                if left <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(posted.wait(), left)
        finally:
            with self._lock:
                self._listeners.remove(poke)
        with self._lock:
            return self._collect_round()


def decide(latest: dict[str, tuple[TimeReport | None, str | None]]) -> Verdict:
    """Decide the verdict from every kind's latest outcome (pure)."""
    rows = [r for report, _ in latest.values() if report is not None for r in report.rows]
    unavailable = tuple(sorted((k, why or "unavailable") for k, (rep, why) in latest.items() if rep is None))
    if not latest:
        return Verdict(WAITING, None, None, 0, ())
    daemons = [r for r in rows if r.role == CLOCK and r.kind != "kernel"]
    reachable = len(daemons) + sum(1 for r in rows if r.role != CLOCK and r.reachable)
    for row in daemons:
        if row.synchronized:
            return Verdict(SYNCHRONISED, True, f"{row.kind}: {row.reference or row.state}", reachable, unavailable)
    kernel = next((r for r in rows if r.kind == "kernel"), None)
    if kernel is not None and kernel.synchronized:
        # Something disciplines the clock that edgetop cannot read (e.g. chronyd whose
        # socket we may not open): trust the kernel's flag, and say so.
        return Verdict(SYNCHRONISED, True, "kernel (a daemon edgetop cannot read)", reachable, unavailable)
    if reachable:
        return Verdict(UNSYNCHRONISED, False, None, reachable, unavailable)
    return Verdict(NO_SOURCE, False, None, 0, unavailable)


def _to_json(view: TimeReport) -> dict[str, object]:
    return {"sources": [r.to_json() for r in view.rows]}


def _empty() -> dict[str, object]:
    return {"sources": []}


def row_alerts(view: TimeReport, config: Config) -> list[Alert]:
    """Offset over threshold, stratum too high, leap second pending (per clock and SNTP row)."""
    th = config.thresholds
    out: list[Alert] = []
    for row in view.rows:
        source = f"ntp:{row.kind}"
        subject = row.key
        if (row.kind in _OFFSET_ALERT_KINDS and row.role == CLOCK) or row.kind == "sntp":
            offset = None if row.offset_seconds is None else abs(row.offset_seconds)
            sev = level_above(offset, th.ntp_offset_seconds)
            if sev is not None and row.offset_seconds is not None:
                ahead = "ahead" if row.offset_seconds > 0 else "behind"
                out.append(Alert(sev, source, subject,
                                 f"clock {abs(row.offset_seconds):.3f} s {ahead} ({row.meaning})"))
        if row.role == CLOCK and row.synchronized and row.stratum is not None and row.stratum > th.ntp_stratum_max:
            out.append(Alert(Severity.WARNING, source, subject,
                             f"stratum {row.stratum} is above the maximum {th.ntp_stratum_max}"))
        if row.role == CLOCK and row.leap in (LEAP_INSERT, LEAP_DELETE):
            out.append(Alert(Severity.WARNING, source, subject, f"leap second pending ({row.leap}) per {row.kind}"))
        if row.kind == "sntp" and row.state and row.state.startswith("kiss-of-death"):
            out.append(Alert(Severity.WARNING, source, subject, f"server sent {row.state}: it asks us to back off"))
    return out


def row_metrics(view: TimeReport) -> list[Metric]:
    """``ntp_offset_seconds``, ``ntp_synchronized``, ``ntp_stratum`` per row."""
    out: list[Metric] = []
    for row in view.rows:
        if row.kind == "kernel":
            out.extend(ntp_kernel.node_timex_metrics(row))
        labels = (("kind", row.kind), ("source", row.key))
        if row.offset_seconds is not None:
            out.append(Metric("ntp_offset_seconds", row.offset_seconds, labels,
                              help="This clock minus the source's reference (positive: ahead)"))
        if row.synchronized is not None:
            out.append(Metric("ntp_synchronized", 1.0 if row.synchronized else 0.0, labels,
                              help=SYNC_HELP))
        if row.stratum is not None:
            out.append(Metric("ntp_stratum", float(row.stratum), labels, help="Stratum reported by the source"))
        if row.reachable is not None:
            # A server that stopped answering has no offset: without this, a dashboard saw
            # its series vanish while the collector stayed up.
            out.append(Metric("ntp_reachable", 1.0 if row.reachable else 0.0, labels,
                              help="1 when the time server answered recently (its reach register, or this poll)"))
    return out


def row_history(view: TimeReport) -> dict[str, float | None]:
    """Absolute offsets per row (sparklines show magnitude; the table shows the sign)."""
    return {f"offset:{r.key}": None if r.offset_seconds is None else abs(r.offset_seconds) for r in view.rows}


def verdict_json(view: Verdict) -> dict[str, object]:
    """Return the verdict's part of the ``ntp`` section."""
    return {"verdict": view.verdict, "synchronized": view.synchronized, "synchronized_by": view.by,
            "reachable_sources": view.reachable_sources}


def verdict_alerts(view: Verdict, config: Config) -> list[Alert]:
    """No time source at all is critical; a clock nobody synchronises is a warning."""
    if view.verdict == NO_SOURCE:
        why = "; ".join(f"{k}: {r}" for k, r in view.unavailable) or "none configured"
        return [Alert(Severity.CRITICAL, "ntp:verdict", "time", f"no reachable time source ({why})")]
    if view.verdict == UNSYNCHRONISED:
        return [Alert(Severity.WARNING, "ntp:verdict", "time", "the clock is not synchronised to any source")]
    return []


def verdict_metrics(view: Verdict) -> list[Metric]:
    """``ntp_synchronized{kind="all"}``: the verdict as a gauge."""
    if view.synchronized is None:
        return []
    return [Metric("ntp_synchronized", 1.0 if view.synchronized else 0.0, (("kind", "all"), ("source", "verdict")),
                   help=SYNC_HELP)]


def _collectors(ctx: Context) -> dict[str, Callable[[], TimeReport]]:
    cfg = ctx.config.ntp
    timeout = cfg.timeout
    run = ctx.run

    schedule = sntp.Schedule()

    def sntp_collect() -> TimeReport:
        if not cfg.servers:
            raise SourceUnavailable("no servers in ntp.servers")
        # One row per server: a repeated entry would give two rows with the same key.
        return ntp_sntp.collect_sntp(tuple(dict.fromkeys(cfg.servers)), timeout, schedule)

    return {
        "chrony": lambda: ntp_chrony.collect_chrony(cfg.chrony, timeout, run),
        "ntpd": lambda: ntp_ntpq.collect_ntpq(timeout, run=run),
        "timesyncd": lambda: ntp_timesyncd.collect_timesyncd(timeout, run),
        "kernel": ntp_kernel.collect_kernel,
        "sntp": sntp_collect,
        "ptp": lambda: ntp_ptp.collect_ptp(cfg.ptp, timeout, run),
    }


def _posting(board: Board, kind: str, fn: Callable[[], TimeReport]) -> Callable[[], TimeReport]:
    def collect() -> TimeReport:
        try:
            report = fn()
        except SourceUnavailable as err:
            board.post(kind, None, str(err))
            raise
        except Exception as err:
            board.post(kind, None, f"failed: {type(err).__name__}")
            raise
        board.post(kind, report, None)
        return report
    return collect


def _builder(fn: Callable[[], object]) -> Callable[[Context], Callable[[], object]]:
    def build(_ctx: Context) -> Callable[[], object]:
        return fn
    return build


def _async_builder(board: Board, wait: float) -> Callable[[Context], Callable[[], Awaitable[Verdict]]]:
    async def verdict() -> Verdict:
        return decide(await board.take_async(wait))

    def build(_ctx: Context) -> Callable[[], Awaitable[Verdict]]:
        return verdict
    return build


def specs(ctx: Context) -> list[CollectorSpec]:
    """One spec per time-source kind, then the verdict."""
    cfg = ctx.config.ntp
    sntp_slower = max(cfg.interval, sntp.MIN_INTERVAL_SECONDS) > cfg.interval
    board = Board(KINDS, tuple(k for k in KINDS if k != "sntp") if sntp_slower else None)
    fns = _collectors(ctx)
    out = [
        CollectorSpec(
            name=f"ntp:{kind}", lane="ntp", json_key="ntp", pane="time",
            build=_builder(_posting(board, kind, fns[kind])),
            interval=max(cfg.interval, sntp.MIN_INTERVAL_SECONDS) if kind == "sntp" else cfg.interval,
            to_json=_to_json, empty_json=_empty, alerts=row_alerts, metrics=row_metrics, history=row_history,
            optional=kind != "kernel",  # the kernel's clock state is always there; the tools are alternatives
        )
        for kind in KINDS
    ]
    # Wait for the round's reports at most one source timeout plus a margin, well
    # inside the lane's own timeout (max(5 s, 2 intervals)).
    wait = min(cfg.timeout + 1.5, max(5.0, 2 * cfg.interval) - 1.0)
    out.append(CollectorSpec(
        name="ntp:verdict", lane="ntp", json_key="ntp", pane="time",
        build=_async_builder(board, wait),
        interval=cfg.interval, to_json=verdict_json, empty_json=_empty,
        alerts=verdict_alerts, metrics=verdict_metrics,
    ))
    return out
