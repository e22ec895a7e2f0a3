"""What changed between two samples: domain lifecycle, service states, clock steps, alerts.

Kernel and libvirtd log events come from collectors (they read a log). These come from
comparing a view with the one before it, which only the engine sees, so the store hands
every good view to :meth:`Timeline.observe` and the Events pane reads :meth:`Timeline.events`.

Domain lifecycle: by diffing the domains view between samples rather than subscribing to
libvirt's lifecycle events (``virConnectDomainEventRegisterAny``). The domains collector
already subscribes to those events to *wake up* (``DomainsCollector.subscribe``), so a
start, pause or stop is sampled within ``MIN_WAKE_GAP`` (0.2 s) anyway; diffing then
reports exactly what the Domains pane shows, works the same over the test driver, a
private libvirtd and ``--demo``'s recordings, needs no second connection or event loop
registration, and catches changes made while an event connection was down. What it
cannot see is a state that lasted less than one sample (a reboot inside 0.2 s): the
domain's new id is reported then.

Clock steps: each reading carries the wall clock and the monotonic clock read at the same
moment; their difference only moves when the wall clock is stepped (or slewed, at most
0.5 ms/s), so a change above :data:`STEP_SECONDS` between two readings of a time
collector is a step, with its size.

Alerts raised and cleared: :meth:`Timeline.alert_changed` is the one entry point. By
default the timeline feeds it itself by comparing each collector's alerts with its
previous ones (keyed by source and subject, so a message whose numbers change is not a
new alert). An alert tracker with its own history can call ``alert_changed`` instead and
construct the timeline with ``diff_alerts=False``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from typing import Any

from edgetop.model.alerts import Alert
from edgetop.model.events import TEXT_CAP, WINDOW_SECONDS, Event, cap_text
from edgetop.model.spec import Metric

MAX_EVENTS = 2000
TIMELINE_KINDS = ("lifecycle", "service", "ntp_step", "alert")
STEP_SECONDS = 0.128  # ntpd's step threshold; chronyd's makestep is usually 1 s: anything above this was a step
STATE_SEVERITY = {"running": "info", "paused": "warning", "shutoff": "warning", "crashed": "critical",
                  "pmsuspended": "warning", "blocked": "warning", "shutdown": "warning"}
SERVICE_SEVERITY = {"active": "info", "failed": "critical", "inactive": "warning", "deactivating": "warning"}


class Timeline:
    """The last hour of changes seen between samples; thread-safe (lanes observe, the UI reads)."""

    def __init__(self, *, diff_alerts: bool = True, max_events: int = MAX_EVENTS) -> None:
        """Create an empty timeline; ``diff_alerts=False`` when an alert tracker calls :meth:`alert_changed`."""
        self.diff_alerts = diff_alerts
        self._events: deque[Event] = deque(maxlen=max_events)
        self._domains: dict[str, tuple[str, str]] | None = None
        self._services: dict[str, tuple[str | None, str | None]] | None = None
        self._offsets: dict[str, float] = {}
        self._alerts: dict[str, dict[tuple[str, str], Alert]] = {}
        self._lock = threading.Lock()
        self.version = 0  # bumped on every new event: a pane may skip a repaint when unchanged

    # ------------------------------------------------------------ input
    def observe(self, name: str, view: Any, alerts: Iterable[Alert], wall: float, monotonic: float) -> None:
        """Compare a collector's new good view (and its alerts) with its previous one."""
        if name == "domains":
            self._observe_domains(view, wall)
        elif name == "services":
            self._observe_services(view, wall)
        if name.startswith("ntp:"):
            self._observe_clock(name, wall, monotonic)
        if self.diff_alerts:
            self._observe_alerts(name, alerts, wall)

    def alert_changed(self, alert: Alert, raised: bool, at: float, what: str | None = None) -> None:
        """Record that ``alert`` was raised (``raised``) or cleared at wall time ``at``.

        The one place alert events enter the timeline, whoever notices the change. ``what``
        names a raise more precisely (``escalated``: a warning that became critical).
        """
        what = what or ("raised" if raised else "cleared")
        severity = str(alert.severity) if raised else "info"
        self.record(Event(at, "alert", alert.source, cap_text(alert.subject, 80),
                          cap_text(f"{what}: {alert.message}"), severity))

    def record(self, event: Event) -> None:
        """Add one event."""
        with self._lock:
            self._events.append(event)
            self.version += 1

    # ------------------------------------------------------------ output
    def events(self, now: float) -> tuple[Event, ...]:
        """The events of the hour before ``now``, oldest first."""
        horizon = now - WINDOW_SECONDS
        with self._lock:
            while self._events and self._events[0].time < horizon:
                self._events.popleft()
            return tuple(self._events)

    def to_json(self, now: float) -> list[dict[str, Any]]:
        """The snapshot's ``events`` entries from the timeline, newest first.

        For ``export.snapshot.build_snapshot`` to append to the ``events`` section (the
        collectors' entries come through their specs; these have no spec):
        ``parts.setdefault("events", []).append(store.timeline.to_json(time.time()))``.
        """
        return [e.to_json() for e in reversed(self.events(now))]

    def metrics(self, now: float) -> list[Metric]:
        """``edgetop_events_last_hour{source="timeline",kind}`` for the kinds found by diffing, for the exporter."""
        counts = dict.fromkeys(TIMELINE_KINDS, 0)
        for event in self.events(now):
            if event.kind in counts:
                counts[event.kind] += 1
        return [Metric("events_last_hour", float(n), (("source", "timeline"), ("kind", kind)),
                       help="events of this kind in the last hour (Events pane)") for kind, n in counts.items()]

    # ------------------------------------------------------------ the differs
    def _observe_domains(self, view: Any, wall: float) -> None:
        now = {d.stats.name: (d.stats.state, d.stats.reason) for d in getattr(view, "domains", ())}
        before, self._domains = self._domains, now
        if before is None:
            return
        for name, (state, reason) in now.items():
            old = before.get(name)
            if old is None:
                self._lifecycle(wall, name, f"appeared, {state}" + (f" ({reason})" if reason else ""), state)
            elif old[0] != state:
                why = f" ({reason})" if reason else ""
                self._lifecycle(wall, name, f"{old[0]} → {state}{why}", state, reason)
        for name in before.keys() - now.keys():
            self._lifecycle(wall, name, f"gone (was {before[name][0]}): undefined or the hypervisor lost it", "gone")

    def _lifecycle(self, wall: float, name: str, message: str, state: str, reason: str = "") -> None:
        severity = STATE_SEVERITY.get(state, "warning")
        if state == "paused" and "ioerror" in reason.replace(" ", "").lower():
            severity = "critical"  # a guest paused on an I/O error: its disk is full or failing
        self.record(Event(wall, "lifecycle", "domains", cap_text(name, 80), cap_text(message, TEXT_CAP), severity))

    def _observe_services(self, view: Any, wall: float) -> None:
        now = {s.name: (s.active_state, s.sub_state) for s in getattr(view, "services", ())}
        before, self._services = self._services, now
        if before is None:
            return
        for name, (active, sub) in now.items():
            old = before.get(name)
            if old is not None and old != (active, sub):
                message = f"{_state(old)} → {_state((active, sub))}"
                self.record(Event(wall, "service", "services", cap_text(name, 80), message,
                                  SERVICE_SEVERITY.get(active or "", "warning")))

    def _observe_clock(self, name: str, wall: float, monotonic: float) -> None:
        offset = wall - monotonic
        before = self._offsets.get(name)
        self._offsets[name] = offset
        if before is None or abs(offset - before) <= STEP_SECONDS:
            return
        step = offset - before
        with self._lock:  # every time collector sees the same step: report it once
            for event in reversed(self._events):
                if event.time < wall - 60:
                    break
                if event.kind == "ntp_step" and event.subject == f"{step:+.3f} s":
                    return
        direction = "forward" if step > 0 else "back"
        self.record(Event(wall, "ntp_step", name, f"{step:+.3f} s",
                          f"the wall clock was stepped {direction} by {abs(step):.3f} s (seen by {name})",
                          "warning"))

    def _observe_alerts(self, name: str, alerts: Iterable[Alert], wall: float) -> None:
        now = {(a.source, a.subject): a for a in alerts}
        before = self._alerts.get(name)
        self._alerts[name] = now
        if before is None:
            return  # a collector's first view: its alerts were raised before we looked, when is unknown
        for key, alert in now.items():
            old = before.get(key)
            if old is None or old.severity is not alert.severity:
                self.alert_changed(alert, True, wall)
        for key in before.keys() - now.keys():
            self.alert_changed(before[key], False, wall)


def _state(state: tuple[str | None, str | None]) -> str:
    active, sub = state
    return f"{active or '?'} ({sub})" if sub else (active or "?")

