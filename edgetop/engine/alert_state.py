"""Alerts over time: since when, hysteresis, acknowledgement, and the last hour's history.

A collector's ``alerts(view, config)`` says what is wrong *now*; at a threshold that answer
changes every tick (a steal of 4.9 %, 5.1 %, 4.9 % …). :class:`AlertState` turns those
answers into alerts a person can follow:

- **raise** at once, at the collector's levels (bad news is never delayed);
- **escalate** (warning to critical) at once, and that clears an acknowledgement;
- **clear or ease** only once the collector has not raised it (or not as critical) for
  ``alerts.hold_seconds`` at the *clear levels* (each configured level moved by
  ``alerts.clear_margin``, see :func:`edgetop.model.alerts.clear_thresholds`): the store
  evaluates the collector's own ``alerts`` a second time with those levels while the
  collector has an alert standing. So an alert stands at least the hold, and a value that
  swings back over its level more often than the hold (a guest's steal peaking every 11 s)
  keeps it standing instead of easing and escalating at every swing.
  Alerts whose levels are not in ``thresholds`` (a chip's own temperature limits, an SNMP
  OID's warn/crit) have the hold only.

Time is the reading's (the lanes' injected clock), never read here, so a test drives it.
Acknowledgements live as long as this object: one per session, never written anywhere.
:meth:`AlertState.events` is the one call other code (an events timeline) reads the raised,
escalated, eased and cleared alerts of the last hour from.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from edgetop.config_schema import AlertsConfig
from edgetop.model.alerts import Alert, Severity

HISTORY_SECONDS = 3600.0
# A node with 1,000 flapping guests must not grow the history without bound within the hour.
HISTORY_MAX_EVENTS = 5000

AlertKey = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class TrackedAlert:
    """One standing alert with its time line.

    Attributes:
        alert: the latest alert, at the severity it holds (its message has the latest numbers).
        since: wall time it was raised.
        since_monotonic: the same instant on the monotonic clock (for the duration).
        acked: acknowledged in this session (shown as such, never hidden).
        stale: its collector is down: this is the last that was known.
        holding: the collector no longer raises it, and it is held until the hold ends.
        changed_monotonic: when it was raised or last changed severity.
        seen_monotonic: the last tick the collector raised it (at the clear levels).

    """

    alert: Alert
    since: float
    since_monotonic: float
    acked: bool = False
    stale: bool = False
    holding: bool = False
    changed_monotonic: float = 0.0
    seen_monotonic: float = 0.0

    @property
    def key(self) -> AlertKey:
        """The alert's identity (``Alert.key``)."""
        return self.alert.key

    def duration(self, now_monotonic: float) -> float:
        """Seconds it has been standing at ``now_monotonic``."""
        return max(0.0, now_monotonic - self.since_monotonic)

    def to_json(self, now_monotonic: float) -> dict[str, Any]:
        """One entry of the snapshot's ``alerts``: the alert's fields and its time line."""
        return {**self.alert.to_json(), "impact": self.alert.category.label, "since": round(self.since, 3),
                "duration_seconds": round(self.duration(now_monotonic), 3), "acked": self.acked,
                "stale": self.stale}


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """A change in the standing alerts.

    Attributes:
        what: ``raised``, ``escalated`` (warning to critical), ``eased`` (critical to
            warning) or ``cleared``.
        alert: the alert as it was at that moment.
        at: wall time of the change.
        monotonic: the same instant on the monotonic clock.
        since: wall time the alert was raised (equal to ``at`` for ``raised``).

    """

    what: str
    alert: Alert
    at: float
    monotonic: float
    since: float

    def to_json(self) -> dict[str, Any]:
        """The event as plain data (for an events timeline or a report)."""
        return {"what": self.what, "at": round(self.at, 3), "since": round(self.since, 3), **self.alert.to_json()}


def sort_key(t: TrackedAlert) -> tuple[bool, bool, int, float, str, str]:
    """Acknowledged last; critical first; then by impact (hardware … pressure); oldest first."""
    a = t.alert
    return (t.acked, a.severity is not Severity.CRITICAL, int(a.category), t.since, a.source, a.subject)


class _Entry:
    """A standing alert as the tracker keeps it: changed in place each tick (no copy per alert per tick)."""

    __slots__ = ("alert", "changed_monotonic", "crit_seen", "holding", "seen", "since", "since_monotonic", "stale")

    def __init__(self, alert: Alert, since: float, since_monotonic: float) -> None:
        self.alert = alert
        self.since = since
        self.since_monotonic = since_monotonic
        self.changed_monotonic = since_monotonic
        self.seen = since_monotonic  # last tick raised at the clear levels
        self.crit_seen = since_monotonic  # last tick critical at the clear levels
        self.holding = False
        self.stale = False


class AlertState:
    """The standing alerts of every collector, their history and acknowledgements."""

    def __init__(self, config: AlertsConfig | None = None, history_seconds: float = HISTORY_SECONDS) -> None:
        """Track alerts with ``config``'s hold (the clear margin is applied by the store)."""
        self.config = config or AlertsConfig()
        self.history_seconds = history_seconds
        self._standing: dict[str, dict[AlertKey, _Entry]] = {}
        self._events: deque[AlertEvent] = deque(maxlen=HISTORY_MAX_EVENTS)
        self._acked: set[AlertKey] = set()
        self._now = 0.0
        # The sorted list, built once per change: the header, the overview and the kiosk
        # banner all ask every second, and a node with 1,000 squeezed guests has 1,000 alerts.
        self._sorted: list[TrackedAlert] | None = None
        self._lock = threading.Lock()  # lanes observe from their threads; the UI and HTTP read

    def has_standing(self, collector: str) -> bool:
        """Tell whether ``collector`` has an alert standing (the store then evaluates the clear levels)."""
        with self._lock:
            return bool(self._standing.get(collector))

    def observe(self, collector: str, raised: Sequence[Alert], holding: Sequence[Alert] | None,
                wall: float, monotonic: float) -> list[AlertEvent]:
        """Take one tick of ``collector``'s alerts; return what changed.

        Args:
            collector: the collector's name.
            raised: its alerts at the configured levels.
            holding: its alerts at the clear levels (a superset of ``raised`` in practice);
                None when not evaluated (no clear margin): ``raised`` stands for it.
            wall: the reading's wall time.
            monotonic: the reading's monotonic time.

        """
        now_raised = {a.key: a for a in raised}
        # At the clear levels a severity is never lower than at the raise levels: it decides.
        now_holding = now_raised if holding is None else {**now_raised, **{a.key: a for a in holding}}
        hold = self.config.hold_seconds
        events: list[AlertEvent] = []
        critical, warning = Severity.CRITICAL, Severity.WARNING
        with self._lock:
            self._now = max(self._now, monotonic)
            standing = self._standing.setdefault(collector, {})
            for key, e in list(standing.items()):
                new = now_raised.get(key)
                near = now_holding.get(key)
                e.stale = False
                if near is not None:
                    e.seen = monotonic
                    if near.severity is critical:
                        e.crit_seen = monotonic
                if new is not None and new.severity is critical and e.alert.severity is warning:
                    self._acked.discard(key)  # worse news: the acknowledgement was for the warning
                    e.alert, e.holding, e.changed_monotonic = new, False, monotonic
                    events.append(AlertEvent("escalated", new, wall, monotonic, e.since))
                elif near is not None:
                    eased = (e.alert.severity is critical and near.severity is warning
                             and monotonic - e.crit_seen >= hold)
                    if eased:
                        e.changed_monotonic = monotonic
                    severity = warning if eased else e.alert.severity
                    e.alert = near if near.severity is severity else replace(near, severity=severity)
                    e.holding = new is None
                    if eased:
                        events.append(AlertEvent("eased", e.alert, wall, monotonic, e.since))
                elif monotonic - e.seen < hold:
                    e.holding = True
                else:
                    del standing[key]
                    self._acked.discard(key)
                    events.append(AlertEvent("cleared", e.alert, wall, monotonic, e.since))
            for key, alert in now_raised.items():
                if key not in standing:
                    standing[key] = _Entry(alert, wall, monotonic)
                    events.append(AlertEvent("raised", alert, wall, monotonic, wall))
            self._record(events, monotonic)
            self._sorted = None
        return events

    def source_down(self, collector: str, monotonic: float) -> None:
        """``collector`` could not read this tick: its alerts stand as last known, marked stale."""
        with self._lock:
            self._now = max(self._now, monotonic)
            for e in self._standing.get(collector, {}).values():
                e.stale = True
            self._sorted = None

    def _record(self, events: list[AlertEvent], monotonic: float) -> None:
        self._events.extend(events)
        horizon = monotonic - self.history_seconds
        while self._events and self._events[0].monotonic < horizon:
            self._events.popleft()

    def counts(self) -> Counter[Severity]:
        """How many alerts stand at each severity: ``standing``'s count, without building and sorting it."""
        with self._lock:
            return Counter(e.alert.severity for by_key in self._standing.values() for e in by_key.values())

    def standing(self) -> list[TrackedAlert]:
        """Every standing alert, in the order the Alerts pane shows them (``sort_key``)."""
        with self._lock:
            if self._sorted is None:
                acked = self._acked
                out = [TrackedAlert(e.alert, e.since, e.since_monotonic, key in acked, e.stale, e.holding,
                                    e.changed_monotonic, e.seen)
                       for by_key in self._standing.values() for key, e in by_key.items()]
                out.sort(key=sort_key)
                self._sorted = out
            return list(self._sorted)

    def acknowledge(self, key: AlertKey, acked: bool = True) -> bool:
        """Acknowledge (or un-acknowledge) the standing alert ``key``; False when none stands."""
        with self._lock:
            if not any(key in by_key for by_key in self._standing.values()):
                return False
            if acked:
                self._acked.add(key)
            else:
                self._acked.discard(key)
            self._sorted = None
            return True

    def events(self, within_seconds: float | None = None) -> list[AlertEvent]:
        """The raised, escalated, eased and cleared alerts of the last hour (or ``within_seconds``), oldest first.

        This is the call for an events timeline: each event has ``what``, ``alert``
        (severity, source, subject, message, ``category``), ``at`` (wall) and ``since``.
        """
        with self._lock:
            span = self.history_seconds if within_seconds is None else min(within_seconds, self.history_seconds)
            horizon = self._now - span
            return [e for e in self._events if e.monotonic >= horizon]

    @property
    def now(self) -> float:
        """The latest monotonic time seen (durations are measured to it)."""
        with self._lock:
            return self._now
