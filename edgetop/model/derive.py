"""Turn two samples of raw counters into rates and ratios.

Counters can go backwards (a wrap, a reset, a process that re-used a pid, a guest that
rebooted): a negative delta gives None ("unknown"), never a negative rate.
"""

from __future__ import annotations


def delta(prev: float | None, cur: float | None) -> float | None:
    """Return ``cur - prev`` for a counter, or None when unknown or it went backwards."""
    if prev is None or cur is None:
        return None
    d = cur - prev
    return d if d >= 0 else None


def rate(prev: float | None, cur: float | None, elapsed: float) -> float | None:
    """Per-second rate of a counter over ``elapsed`` seconds; None when unknown."""
    d = delta(prev, cur)
    if d is None or elapsed <= 0:
        return None
    return d / elapsed


def share(part: float | None, whole: float | None) -> float | None:
    """``part / whole`` clamped to 0..1; None when unknown or ``whole`` is 0."""
    if part is None or whole is None or whole <= 0:
        return None
    return min(1.0, max(0.0, part / whole))


def time_share(prev: float | None, cur: float | None, elapsed: float) -> float | None:
    """Share of wall time a time counter (seconds) advanced by, clamped to 0..1; None when unknown.

    ``share(rate(prev, cur, elapsed), 1.0)`` in one call: it runs for three counters of
    every vCPU of every domain each tick, where the two extra calls were most of the cost.
    """
    if prev is None or cur is None or elapsed <= 0 or cur < prev:
        return None
    r = (cur - prev) / elapsed
    return r if r <= 1.0 else 1.0
