"""The latest sample of every collector, its derived view, alerts and history rings."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from edgetop.config_schema import Config
from edgetop.engine.alert_state import AlertEvent, AlertState, TrackedAlert
from edgetop.engine.timeline import Timeline
from edgetop.model.alerts import Alert, Severity, clear_thresholds
from edgetop.model.reading import Reading, Status
from edgetop.model.spec import CollectorSpec

log = logging.getLogger(__name__)

HISTORY_LENGTH = 120


@dataclass(frozen=True, slots=True)
class Sample:
    """What the UI and exporters see for one collector.

    Attributes:
        spec: the collector's spec.
        reading: the latest reading (ok, unavailable or failed).
        view: the view derived from this reading; None unless it is ok.
        last_view: the last good view (shown greyed while the source is down).
        last_ok_timestamp: wall time of the last good reading, or None.
        alerts: alerts raised by this view.

    """

    spec: CollectorSpec
    reading: Reading
    view: Any
    last_view: Any
    last_ok_timestamp: float | None
    alerts: tuple[Alert, ...]


class Store:
    """Keeps the latest samples.

    Each collector's updates come from its own lane thread (one at a time per collector:
    deriving a view is the collector's cost, not the UI's); the UI loop and the
    Prometheus HTTP thread read concurrently. Shared structures change under one lock;
    deriving a view happens outside it.
    """

    def __init__(self, config: Config, history_length: int = HISTORY_LENGTH) -> None:
        """Create an empty store."""
        self.config = config
        self.history_length = history_length
        self._samples: dict[str, Sample] = {}
        self._previous_raw: dict[str, tuple[Any, float]] = {}
        self._history: dict[str, deque[float | None]] = {}
        self._series_of: dict[str, set[str]] = {}
        self._lock = threading.Lock()  # the Prometheus HTTP thread reads concurrently
        # What changed between samples (engine/timeline.py), for the Events pane.
        self.timeline = Timeline(diff_alerts=False)
        self.alert_state = AlertState(config.alerts)
        # The same config with every threshold moved by the clear margin: a standing alert
        # holds while its collector still raises it at these levels (hysteresis).
        margin = config.alerts.clear_margin
        self._clear_config = (dataclasses.replace(config, thresholds=clear_thresholds(config.thresholds, margin))
                              if margin > 0 else None)

    def update(self, spec: CollectorSpec, reading: Reading) -> Sample:
        """Record a reading: derive its view, evaluate alerts, extend history rings."""
        previous = self.get(spec.name)
        view: Any = None
        alerts: tuple[Alert, ...] = ()
        holding: tuple[Alert, ...] | None = None
        reading_out = reading
        series: dict[str, float | None] = {}
        if reading.ok:
            prev_raw = self._previous_raw.get(spec.name)
            elapsed = reading.monotonic - prev_raw[1] if prev_raw else 0.0
            try:
                view = spec.derive(prev_raw[0] if prev_raw else None, reading.value, elapsed)
                alerts = tuple(spec.alerts(view, self.config))
                if self._clear_config is not None and self.alert_state.has_standing(spec.name):
                    holding = tuple(spec.alerts(view, self._clear_config))
                series = spec.history(view)
            except Exception as err:  # a bug in derive must not take the lane down
                log.exception("deriving %s failed", spec.name)
                reading_out = _as_failed(reading, f"derive: {type(err).__name__}: {err}")
                view, alerts, series = None, (), {}
            else:
                self._previous_raw[spec.name] = (reading.value, reading.monotonic)
        with self._lock:  # readers copy rings under the same lock (updates run in lane threads)
            self._extend_history(spec.name, series)
        # A view that says its source is down (spec.good) is reported, but not kept as the
        # last good one: the values it lacks stay on screen, greyed, as for any other outage.
        good = view is not None and (spec.good is None or spec.good(view))
        last_view = view if good else (previous.last_view if previous else None)
        last_ok = reading.timestamp if view is not None else (previous.last_ok_timestamp if previous else None)
        sample = Sample(spec, reading_out, view, last_view, last_ok, alerts)
        with self._lock:
            self._samples[spec.name] = sample
        if view is not None:
            self.timeline.observe(spec.name, view, alerts, reading.timestamp, reading.monotonic)
            # The timeline records the tracker's held alerts (after hysteresis), not each tick's raw ones.
            for event in self.alert_state.observe(spec.name, alerts, holding, reading.timestamp, reading.monotonic):
                # Escalation is worse news (recorded as such, critical); easing is not a change to chase.
                if event.what in ("raised", "escalated", "cleared"):
                    self.timeline.alert_changed(event.alert, event.what != "cleared", event.at, event.what)
        else:
            self.alert_state.source_down(spec.name, reading.monotonic)
        return sample

    def forget(self, collector: str) -> None:
        """Drop ``collector``'s latest sample and its previous raw reading (not its alerts' history).

        For an on-demand collector shown again after a pause: the next reading starts afresh
        instead of deriving rates over the pause.
        """
        with self._lock:
            self._samples.pop(collector, None)
            self._previous_raw.pop(collector, None)

    def _extend_history(self, collector: str, series: dict[str, float | None]) -> None:
        for key, value in series.items():
            ring = self._history.setdefault(f"{collector}.{key}", deque(maxlen=self.history_length))
            ring.append(value)
        # No value this tick (source down, derive failed, a core or domain gone): a gap, so
        # that a sparkline keeps time instead of showing old values as the latest ones.
        # Series are indexed per collector: a host with 1,000 domains has thousands of
        # series, and every other collector's sample must not scan them.
        known = self._series_of.setdefault(collector, set())
        known.update(series)
        for name in [n for n in known if n not in series]:
            key = f"{collector}.{name}"
            ring = self._history[key]
            ring.append(None)
            if ring.count(None) == len(ring):  # nothing left to draw: forget a series that is gone
                del self._history[key]
                known.discard(name)

    def get(self, name: str) -> Sample | None:
        """The latest sample of collector ``name``, or None before its first run."""
        with self._lock:
            return self._samples.get(name)

    def samples(self) -> dict[str, Sample]:
        """A copy of every latest sample, by collector name."""
        with self._lock:
            return dict(self._samples)

    def history(self, key: str) -> list[float | None]:
        """The recent values of series ``key`` (``collector.series``), oldest first."""
        with self._lock:
            ring = self._history.get(key)
            return list(ring) if ring is not None else []

    def alerts(self) -> list[Alert]:
        """Every standing alert at the severity it holds (hysteresis), in the Alerts pane's order."""
        return [t.alert for t in self.alert_state.standing()]

    def alert_counts(self) -> Counter[Severity]:
        """How many alerts stand at each severity (a scrape's ``edgetop_alerts``; no order needed)."""
        return self.alert_state.counts()

    def tracked_alerts(self) -> list[TrackedAlert]:
        """Every standing alert with since-when, acknowledgement and staleness (``engine.alert_state``)."""
        return self.alert_state.standing()

    def alert_events(self, within_seconds: float | None = None) -> list[AlertEvent]:
        """Alerts raised, escalated, eased and cleared in the last hour, oldest first (an events timeline)."""
        return self.alert_state.events(within_seconds)

    def not_used(self) -> list[str]:
        """Optional collectors that are unavailable: sources this node does not use (``CollectorSpec.optional``)."""
        return sorted(name for name, sample in self.samples().items()
                      if sample.spec.optional and sample.reading.status is Status.UNAVAILABLE)

    def status_counts(self) -> dict[Status, int]:
        """How many collectors are ok, unavailable and failed."""
        counts = dict.fromkeys(Status, 0)
        for sample in self.samples().values():
            counts[sample.reading.status] += 1
        return counts


def _as_failed(reading: Reading, reason: str) -> Reading:
    return Reading(
        reading.collector, Status.FAILED, None, reason, reading.duration_seconds, reading.timestamp, reading.monotonic
    )


def merge_sections(values: Iterable[Any]) -> Any:
    """Merge JSON sections of specs that share a key.

    Lists concatenate; mappings merge key by key, concatenating list values (several
    NTP sources each give ``{"sources": [...]}``) and updating the rest.
    """
    merged: Any = None
    for value in values:
        if merged is None:
            merged = list(value) if isinstance(value, list) else dict(value) if isinstance(value, dict) else value
        elif isinstance(merged, list) and isinstance(value, list):
            merged.extend(value)
        elif isinstance(merged, dict) and isinstance(value, dict):
            for key, item in value.items():
                if isinstance(merged.get(key), list) and isinstance(item, list):
                    merged[key] = [*merged[key], *item]
                else:
                    merged[key] = item
    return merged
