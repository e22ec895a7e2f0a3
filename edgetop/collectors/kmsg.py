"""Kernel events for the Events pane: ``/dev/kmsg`` followed, classified, kept for the last hour.

The device is read under the context's ``host_root`` (``/dev/kmsg`` on the host; a
recorded stream in tests and ``--demo``). Only records that :func:`classify` names are
kept (hardware errors, EDAC, thermal, OOM kills, link changes, NIC timeouts, I/O and
filesystem errors, anything at level err or worse), at most :data:`MAX_EVENTS` and only
those of the last hour: the kernel's buffer can hold tens of thousands of routine lines.

Time. A record's ``usec`` is the printk clock (``local_clock()``), which, like
``CLOCK_MONOTONIC``, stops while the machine is suspended. So a record's wall time is
``usec + (CLOCK_REALTIME - CLOCK_MONOTONIC)`` taken when it is read, not the
``CLOCK_BOOTTIME`` offset ``dmesg -T`` uses (which shifts every record after a resume by
the time spent suspended; dmesg(1) warns that its timestamps "may be inaccurate"). The
printk clock is not slewed by NTP, so over weeks of uptime it may drift from the wall clock
by a few seconds. A stand-in file is replayed as if its last record was written at the
first read (a recording has no boot of its own).
"""

from __future__ import annotations

import bisect
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgetop.collectors.kmsg_parse import KernelRecord, classify, parse_record
from edgetop.config_schema import Config
from edgetop.model.alerts import Alert, Severity
from edgetop.model.events import KINDS, WINDOW_SECONDS, Event
from edgetop.model.spec import Collect, CollectorSpec, Context, Metric
from edgetop.sources.kmsg import KmsgReader

KMSG_PATH = "dev/kmsg"  # under the context's host_root
MAX_EVENTS = 5000  # kept at most, newest win: a flapping link cannot grow memory without bound
ALERT_SECONDS = 15 * 60.0  # severe kernel events raise an alert for this long after the last one
SEVERE = ("hardware", "edac", "io_error", "fs_error")
KERNEL_KINDS = KINDS[: KINDS.index("kernel") + 1]  # the kinds kernel records are classified into


@dataclass(frozen=True, slots=True)
class EventsView:
    """The events of one source in the last hour, oldest first, and what could not be seen.

    Attributes:
        events: the kept events, oldest first.
        now: wall time of the reading (what "the last hour" is counted back from).
        source: what was read (a path).
        records_read: records read since edgetop started (routine ones included).
        lost: records lost before they could be read (overwritten in the ring buffer).
        note: a sentence about a partial read, or None.

    """

    events: tuple[Event, ...]
    now: float
    source: str
    records_read: int = 0
    lost: int = 0
    note: str | None = None


class KmsgFollower:
    """The collect callable: reads what is new, classifies it and keeps the last hour.

    The window is kept here because ``/dev/kmsg`` is a stream: a record read once is not
    given to this descriptor again, and re-reading the whole buffer every tick costs
    10-20 ms with 10,000 records where reading only the new ones costs microseconds.
    """

    def __init__(self, path: Path, wall: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        """Follow ``path``; ``wall``/``monotonic`` are the clocks that place records in time."""
        self.reader = KmsgReader(path)
        self.wall, self.monotonic = wall, monotonic
        self.window: deque[Event] = deque(maxlen=MAX_EVENTS)
        self.last_seq: int | None = None
        self.records_read = 0
        self.lost = 0
        self._replay_boot: float | None = None  # a stand-in file: the wall time its usec count from

    def close(self) -> None:
        """Close the device."""
        self.reader.close()

    def __call__(self) -> EventsView:
        """Read the new records (runs in the lane's thread)."""
        chunk = self.reader.read_new()
        now = self.wall()
        records = [r for r in map(parse_record, chunk.records) if r is not None]
        self.records_read += len(chunk.records)
        if chunk.device:
            boot = now - self.monotonic()
        else:
            if self._replay_boot is None:
                self._replay_boot = now - (records[-1].usec / 1e6 if records else 0.0)
            boot = self._replay_boot
        for record in records:
            self._add(record, boot, chunk.device)
        horizon = now - WINDOW_SECONDS
        while self.window and self.window[0].time < horizon:
            self.window.popleft()
        note = "more records are waiting: read on the next tick" if chunk.more else None
        return EventsView(tuple(self.window), now, str(self.reader.path), self.records_read, self.lost, note)

    def _add(self, record: KernelRecord, boot: float, device: bool) -> None:
        # Sequence numbers say what was lost: after EPIPE the kernel goes on with the oldest
        # record left, so the gap is exactly the records overwritten before we read them.
        # (A recording is an excerpt: its gaps are not losses.)
        if self.last_seq is not None:
            if record.seq <= self.last_seq:
                return  # already seen (a stand-in file read again from its start)
            if device:
                self.lost += record.seq - self.last_seq - 1
        self.last_seq = record.seq
        found = classify(record)
        if found is None:
            return
        self.window.append(Event(boot + record.usec / 1e6, found.kind, "kernel", found.subject, record.text,
                                 found.severity))


def to_json(view: EventsView) -> list[dict[str, Any]]:
    """The snapshot's ``events`` entries of this source, newest first."""
    return [e.to_json() for e in reversed(view.events)]


def _time(event: Event) -> float:
    return event.time


def severe_alerts(view: EventsView, source: str, kinds: tuple[str, ...] = SEVERE) -> list[Alert]:
    """One alert per severe kind seen in the last :data:`ALERT_SECONDS`: the count, the last line, the worst severity.

    Keyed by kind (the subject), so that a second device with errors updates the alert
    instead of clearing one and raising another.
    """
    # Events are in time order (the kernel's sequence, a log's lines): skip to the alert
    # window by bisection, then one comprehension over it (5,000 events in 15 minutes: ~1 ms).
    events = view.events
    start = bisect.bisect_left(events, view.now - ALERT_SECONDS, key=_time)
    wanted = frozenset(kinds)
    severe = [e for e in events[start:] if e.kind in wanted and e.severity != "info"]
    counts = Counter(e.kind for e in severe)
    last = {e.kind: e for e in severe}  # the newest of each kind wins
    critical = {e.kind for e in severe if e.severity == "critical"}
    out = []
    minutes = int(ALERT_SECONDS // 60)
    for kind, n in counts.items():
        severity = Severity.CRITICAL if kind in critical else Severity.WARNING
        out.append(Alert(severity, source, kind,
                         f"{n} {kind.replace('_', ' ')} event{'s' if n != 1 else ''} in the last {minutes} min; "
                         f"last: {last[kind].message}"))
    return out


def alerts(view: EventsView, config: Config) -> list[Alert]:
    """Hardware, EDAC, I/O and filesystem errors of the last 15 minutes."""
    return severe_alerts(view, "kernel")


def metrics(view: EventsView) -> list[Metric]:
    """Events of the last hour per kind: a gauge, not a counter.

    A ``_total`` counter would count only what this process saw since it started, and
    would not agree with the pane or the snapshot, which show the last hour; a gauge over
    the same window does, and ``increase()`` is not needed to read it.
    """
    return events_metrics(view, "kernel", KERNEL_KINDS)


def events_metrics(view: EventsView, source: str, kinds: tuple[str, ...]) -> list[Metric]:
    """``edgetop_events_last_hour{source,kind}`` for each of ``kinds`` (zero included), and the records lost."""
    since = view.now - WINDOW_SECONDS
    counts = dict.fromkeys(kinds, 0)
    for event in view.events:
        if event.time >= since and event.kind in counts:
            counts[event.kind] += 1
    help_text = "events of this kind in the last hour (Events pane)"
    out = [Metric("events_last_hour", float(n), (("source", source), ("kind", kind)), help=help_text)
           for kind, n in counts.items()]
    out.append(Metric("events_lost_records_total", float(view.lost), (("source", source),), kind="counter",
                      help="records overwritten in the kernel's buffer before edgetop read them, since it started"))
    return out


def _build(ctx: Context) -> Collect:
    return KmsgFollower(ctx.host_root / KMSG_PATH)


def _close(collect: Collect) -> None:
    if isinstance(collect, KmsgFollower):
        collect.close()


def specs(ctx: Context) -> list[CollectorSpec]:
    """The kernel events collector: every 2 s at most (reading only what is new is cheap)."""
    return [CollectorSpec(
        name="events:kernel", lane="local", json_key="events", pane="events", build=_build,
        interval=max(2.0, ctx.config.interval), to_json=to_json, empty_json=list, alerts=alerts, metrics=metrics,
        close=_close,
    )]
