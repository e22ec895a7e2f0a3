"""Bars and sparklines as text, with an ASCII-safe set for the Linux console.

Debian's console font (Lat15-Fixed16) has ``█░▒`` but no eighth blocks or braille,
so in console mode sparklines use an ASCII ramp and bars use ``#`` and ``.``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text

from edgetop.ui.fmt import console_mode

_SPARK_UNICODE = " ▁▂▃▄▅▆▇█"
_SPARK_ASCII = " .:-=+*#%@"


def sparkline(
    values: Sequence[float | None], width: int, top: float | None = None, ascii_only: bool | None = None
) -> str:
    """Render the last ``width`` values as a sparkline; None is a gap.

    Args:
        values: oldest first.
        width: cells to fill (older values are dropped; short series are left-padded).
        top: the value of a full cell; defaults to the series maximum.
        ascii_only: force the console ramp; defaults to :func:`console_mode`.

    """
    ramp = _SPARK_ASCII if (console_mode() if ascii_only is None else ascii_only) else _SPARK_UNICODE
    tail = list(values)[-width:] if width > 0 else []
    known = [v for v in tail if v is not None]
    scale = top if top is not None else (max(known) if known else 0.0)
    cells = []
    for v in tail:
        if v is None:
            cells.append(" ")
        elif scale <= 0:
            cells.append(ramp[1] if v > 0 else ramp[0])
        else:
            level = round(min(1.0, max(0.0, v / scale)) * (len(ramp) - 1))
            cells.append(ramp[max(level, 1 if v > 0 else 0)])
    return " " * (width - len(cells)) + "".join(cells)


def spark_top(known: Sequence[float], level: float | None) -> float | None:
    """The value of a full sparkline cell: the alert level, or the series' maximum when it is above it.

    Scaling to the series' own maximum makes any steady value a full bar (a constant 2 ms
    offset looked pegged); against the level, the height says how close it is to a warning.
    None (no level, nothing known): the series' maximum, as ``sparkline`` does by default.
    """
    peak = max((abs(v) for v in known), default=0.0)
    if level is None or level <= 0:
        return peak or None
    return max(level, peak)


def bar(parts: Sequence[tuple[float | None, str]], width: int, ascii_only: bool | None = None) -> Text:
    """A horizontal stacked bar: each part is (ratio 0..1, style); the rest is empty.

    Args:
        parts: segments in order; None ratios are skipped.
        width: total cells.
        ascii_only: force ``#``/``.``; defaults to :func:`console_mode`.

    """
    full, empty = ("#", ".") if (console_mode() if ascii_only is None else ascii_only) else ("█", "░")
    text = Text(no_wrap=True)
    used = 0
    for ratio, style in parts:
        if ratio is None or not math.isfinite(ratio) or ratio <= 0:  # round(nan) raises
            continue
        cells = min(width - used, round(ratio * width))
        if cells > 0:
            text.append(full * cells, style=style)
            used += cells
    if used < width:
        text.append(empty * (width - used), style="dim")
    return text
