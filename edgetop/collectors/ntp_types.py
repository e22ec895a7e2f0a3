"""The shape every time source is reported in: one :class:`TimeRow` per thing with an offset.

Sign convention, the same for every kind (so that the pane can put rows side by side):
``offset_seconds`` is *this clock minus the reference*, positive when this clock is ahead.
chrony already reports "Last offset" and source offsets that way (chronyc(1): "positive
offsets indicate that the local clock is ahead of the source"); ntpq, SNTP (RFC 4330
§5: θ is server minus client) and the kernel's pending correction use the opposite sign
and their parsers negate. ``meaning`` says in words whose offset it is.
"""

from __future__ import annotations

import msgspec

KINDS = ("chrony", "ntpd", "timesyncd", "kernel", "sntp", "ptp")

# A row's role: a "clock" row says how this host's clock is disciplined (it can make the
# node synchronised); a "peer" row is a measurement of one server (it cannot).
CLOCK = "clock"
PEER = "peer"

# Leap indicator values in words (RFC 5905 figure 9; chrony and ntpq print the same four).
LEAP_NORMAL = "normal"
LEAP_INSERT = "insert second"
LEAP_DELETE = "delete second"
LEAP_UNSYNC = "not synchronised"
LEAP_BY_CODE = {0: LEAP_NORMAL, 1: LEAP_INSERT, 2: LEAP_DELETE, 3: LEAP_UNSYNC}


class TimeRow(msgspec.Struct, frozen=True):
    """One time source, or one server a source listens to.

    Attributes:
        kind: chrony, ntpd, timesyncd, kernel, sntp or ptp.
        key: unique row key (``chrony``, ``chrony/127.0.0.1``, ``sntp/10.0.0.1:123``).
        role: :data:`CLOCK` or :data:`PEER`.
        meaning: whose offset it is, in words ("chrony: system clock vs reference").
        offset_seconds: this clock minus the reference (positive: this clock ahead).
        error_seconds: the error bound the source gives for that offset, if any.
        synchronized: whether this source says the clock is synchronised (peers: None).
        stratum: the stratum this source reports (its own for clocks, the server's for peers).
        reference: the reference the source follows (an address or refid), literal text.
        leap: leap status in words (:data:`LEAP_BY_CODE`), None when unknown.
        reachable: whether the server answered recently (peers); None when it does not apply.
        state: a short word or phrase: ``selected``, ``candidate``, ``unreachable``,
            ``kiss-of-death RATE``, ``not installed``…
        reach: the 8-bit reach register (chrony, ntpd), None elsewhere.
        delay_seconds: round-trip delay to the server (peers) or root delay (clocks).
        details: further values of this source, unit-suffixed names
            (``rms_offset_seconds``, ``frequency_ppm``, ``poll_seconds``…), in display order.

    """

    kind: str
    key: str
    role: str
    meaning: str
    offset_seconds: float | None = None
    error_seconds: float | None = None
    synchronized: bool | None = None
    stratum: int | None = None
    reference: str | None = None
    leap: str | None = None
    reachable: bool | None = None
    state: str | None = None
    reach: int | None = None
    delay_seconds: float | None = None
    details: tuple[tuple[str, float | int | str | bool | None], ...] = ()

    def to_json(self) -> dict[str, object]:
        """Return the JSON form (the snapshot's ``ntp.sources[]``)."""
        return {
            "kind": self.kind,
            "key": self.key,
            "role": self.role,
            "meaning": self.meaning,
            "offset_seconds": self.offset_seconds,
            "error_seconds": self.error_seconds,
            "synchronized": self.synchronized,
            "stratum": self.stratum,
            "reference": self.reference,
            "leap": self.leap,
            "reachable": self.reachable,
            "state": self.state,
            "reach": self.reach,
            "delay_seconds": self.delay_seconds,
            "details": dict(self.details),
        }


class TimeReport(msgspec.Struct, frozen=True):
    """What one time-source collector returns: its rows, clock row first."""

    kind: str
    rows: tuple[TimeRow, ...]
