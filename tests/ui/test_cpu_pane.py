"""The CPU pane's per-core bar: one colour, that of the core's largest state."""

from __future__ import annotations

import math

from edgetop.collectors.cpu import CpuRatios
from edgetop.ui.render.cpu import core_bar


def ratios(user: float = 0.0, system: float = 0.0, steal: float | None = 0.0) -> CpuRatios:
    idle = 1.0 - user - system - (steal or 0.0)
    return CpuRatios("cpu0", user, 0.0, system, 0.0, 0.0, 0.0, steal, 0.0, idle)


def test_core_bar_takes_the_colour_of_the_largest_state() -> None:
    busy = core_bar(ratios(user=0.2, system=0.1, steal=0.3), 10)
    assert busy.plain.count("#") + busy.plain.count("█") == 6  # the length still says 60% busy
    assert str(busy.style) == "bold yellow" and busy.spans == []  # steal (30%) is the largest
    assert str(core_bar(ratios(user=0.5, system=0.2), 10).style) == "green"
    assert str(core_bar(ratios(), 10).style) == "dim"  # idle


def test_core_bar_ignores_unknown_and_non_finite_ratios() -> None:
    odd = ratios(user=0.1, steal=None)
    assert str(core_bar(odd, 10).style) == "green"
    nan = ratios(user=0.1, system=math.nan)
    assert str(core_bar(nan, 10).style) == "green"
