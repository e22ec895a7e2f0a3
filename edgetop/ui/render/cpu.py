"""CPU bars and the steal sparkline, drawn by the CPU pane and the overview alike."""

from __future__ import annotations

import math

from rich.text import Text

from edgetop.collectors.cpu import CpuRatios
from edgetop.engine.store import Store
from edgetop.ui.styles import CPU_SEGMENTS, above_style
from edgetop.ui.widgets.glyphs import bar, sparkline


def steal_sparkline(store: Store, width: int) -> Text:
    """Recent host steal, coloured by its threshold.

    The scale starts at the warning level, so that a flat line at 1% does not fill
    the cells as if it were a problem.
    """
    level = store.config.thresholds.cpu_steal_ratio
    history = store.history("cpu.steal")
    top = max([v for v in history if v is not None] + [level.warn or 0.05])
    latest = next((v for v in reversed(history) if v is not None), None)
    return Text(sparkline(history, width, top=top), style=above_style(latest, level))


def usage_bar(r: CpuRatios, width: int) -> Text:
    """A stacked bar of the non-idle states."""
    return bar([(getattr(r, name), style) for name, style in CPU_SEGMENTS], width)


def core_bar(r: CpuRatios, width: int) -> Text:
    """A core's bar in one colour, that of its largest state (green user, red system, yellow steal).

    A table cell is drawn in one style, so the stacked colours of :func:`usage_bar`
    cannot show; the length still says how busy the core is, and each state's share is
    in the columns beside it. An idle core's bar is dim.
    """
    parts = [(ratio, style) for name, style in CPU_SEGMENTS
             if (ratio := getattr(r, name)) is not None and math.isfinite(ratio) and ratio > 0]
    style = max(parts, key=lambda part: part[0])[1] if parts else "dim"
    return Text(usage_bar(r, width).plain, style=style)
