"""CPU sections: bars, the steal sparkline and the CPU pane's header lines, also drawn by the overview."""

from __future__ import annotations

import math

from rich.text import Text

from edgetop.collectors.cpu import CpuRatios, CpuView
from edgetop.config_schema import Level
from edgetop.engine.store import Store
from edgetop.ui.fmt import NA, pct
from edgetop.ui.render.sections import heading, psi_line
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


def total_line(view: CpuView, width: int) -> Text:
    """``Total ████░░ busy 12.3%`` (since boot on the first sample)."""
    out = heading("Total ")
    out.append_text(usage_bar(view.total, width))
    out.append(f" busy {pct(view.total.busy_ratio)}")
    if view.since_boot:
        out.append("  (since boot)", style="dim")
    return out


def steal_line(store: Store, total: CpuRatios, width: int) -> Text:
    """``STEAL  4.2% ▁▂▅ warn 5% crit 15%``: the headline of a guest, coloured by its threshold."""
    level = store.config.thresholds.cpu_steal_ratio
    out = heading("STEAL ")
    out.append(f"{pct(total.steal_ratio):>6}", style=above_style(total.steal_ratio, level))
    out.append(" ")
    out.append_text(steal_sparkline(store, width))
    out.append(f"  warn {pct(level.warn, 0)} crit {pct(level.crit, 0)}", style="dim")
    return out


def states_line(total: CpuRatios) -> Text:
    """Every state's share in numbers."""
    return Text(f"user {pct(total.user_ratio)}  sys {pct(total.system_ratio)}  iowait {pct(total.iowait_ratio)}  "
                f"irq+si {pct(total.irq_softirq_ratio)}  guest {pct(total.guest_ratio)}  idle {pct(total.idle_ratio)}")


def pressure_line(view: CpuView, level: Level) -> Text:
    """CPU pressure and the run queue: ``PSI cpu some … (10s/60s/300s)  run 3 blocked 0``."""
    out = psi_line("cpu", view.pressure, level, windows=True)
    running, blocked = view.raw.stat.procs_running, view.raw.stat.procs_blocked
    out.append(f"  run {running if running is not None else NA} blocked {blocked if blocked is not None else NA}")
    return out


def overview_line(view: CpuView, store: Store, width: int) -> Text:
    """The overview's CPU line: the bar, busy, steal with its sparkline."""
    steal = view.total.steal_ratio
    out = usage_bar(view.total, width)
    out.append(f" busy {pct(view.total.busy_ratio)}  steal ")
    out.append(pct(steal), style=above_style(steal, store.config.thresholds.cpu_steal_ratio))
    out.append(" ")
    out.append_text(steal_sparkline(store, 16))
    return out
