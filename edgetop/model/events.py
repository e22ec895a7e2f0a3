"""Events of the "what changed" timeline: one record shape for every source of events.

Kernel messages (``collectors.kmsg``), libvirtd's log (``collectors.libvirtd_log``) and the
changes the engine sees between two samples of a view (``engine.timeline``: domain
lifecycle, service states, clock steps, alerts raised and cleared) all become
:class:`Event`, so that the Events pane, the snapshot and the exporter treat them alike.
"""

from __future__ import annotations

from typing import Any

import msgspec

# Every kind, in the order the pane's filter cycles through them.
KINDS: tuple[str, ...] = (
    "hardware",    # machine check / "Hardware Error" (MCE, APEI/GHES)
    "edac",        # memory controller errors (EDAC: corrected CE / uncorrected UE)
    "thermal",     # thermal throttling
    "oom",         # the OOM killer killed a process
    "link",        # NIC link up/down
    "nic_timeout", # NETDEV WATCHDOG: a transmit queue timed out
    "io_error",    # block layer I/O errors
    "fs_error",    # filesystem errors (EXT4-fs error, XFS corruption/shutdown, read-only remount)
    "kernel",      # other notable kernel messages (level err or worse)
    "libvirtd",    # errors in libvirtd's log
    "lifecycle",   # a domain changed state (started, paused, shut off, vanished)
    "service",     # a service unit changed state
    "ntp_step",    # the wall clock was stepped
    "alert",       # an alert was raised or cleared
)

WINDOW_SECONDS = 3600.0
"""The timeline covers the last hour."""

TEXT_CAP = 400
"""Characters of a message kept: the rest of a hostile or runaway line is dropped at once."""


class Event(msgspec.Struct, frozen=True):
    """One thing that happened.

    Attributes:
        time: wall-clock time (seconds since the epoch, UTC); shown in the node's local time.
        kind: one of :data:`KINDS`.
        source: where it was seen (``kernel``, ``libvirtd.log``, ``domains``, ``services``,
            ``ntp``, an alert's collector).
        subject: what it is about (a device, a domain, a unit), literal text from outside.
        message: the line itself or a sentence about the change, literal text, capped.
        severity: ``info``, ``warning`` or ``critical``.

    """

    time: float
    kind: str
    source: str
    subject: str
    message: str
    severity: str = "info"

    def to_json(self) -> dict[str, Any]:
        """One entry of the snapshot's ``events`` (edgetop/snapshot.schema.json)."""
        return {"time": round(self.time, 6), "kind": self.kind, "source": self.source, "subject": self.subject,
                "message": self.message, "severity": self.severity}


def cap_text(text: str, cap: int = TEXT_CAP) -> str:
    """``text`` cut to ``cap`` characters (an ellipsis says it was cut)."""
    return text if len(text) <= cap else text[: cap - 1] + "…"


def count_kinds(events: tuple[Event, ...] | list[Event], since: float) -> dict[str, int]:
    """How many events of each kind (every kind present, zero included) happened at or after ``since``."""
    counts = dict.fromkeys(KINDS, 0)
    for event in events:
        if event.time >= since:
            counts[event.kind] = counts.get(event.kind, 0) + 1
    return counts
