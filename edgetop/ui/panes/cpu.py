"""CPU pane: total and per-core state bars, steal as the headline, frequency, throttling, PSI.

A :class:`~edgetop.ui.panes.table.TablePane`: the header block (sections from
``ui/render/cpu.py``) is its summary, the cores are its rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text

from edgetop.collectors.cpu import CpuRatios, CpuView
from edgetop.ui.fmt import NA, pct
from edgetop.ui.panes.table import TablePane
from edgetop.ui.render.cpu import core_bar, pressure_line, states_line, steal_line, total_line
from edgetop.ui.render.sections import join
from edgetop.ui.styles import above_style

_COLUMNS = (("cpu", "CPU"), ("bar", "Usage"), ("user", "user"), ("sys", "sys"), ("iow", "iowait"),
            ("irq", "irq+si"), ("steal", "steal"), ("idle", "idle"), ("mhz", "MHz"), ("thr", "throttle"))
_RIGHT = frozenset({"user", "sys", "iow", "irq", "steal", "idle", "mhz", "thr"})  # numbers line up on the right
_CORE_BAR_WIDTH = 12


class CpuPane(TablePane):
    """Host CPU."""

    PANE_ID = "cpu"
    TITLE = "CPU"
    COLUMNS = _COLUMNS
    RIGHT = _RIGHT
    BANNER_JOIN = "\n"  # the banner on a line of its own above the header block

    def summary(self, view: CpuView, items: Mapping[str, CpuRatios]) -> Text:
        """Total bar, steal with its history, every state in numbers, pressure and the run queue."""
        width = max(10, min(40, (self.size.width or 80) - 40))
        t = self.store.config.thresholds
        return join([total_line(view, width), steal_line(self.store, view.total, width), states_line(view.total),
                     pressure_line(view, t.cpu_pressure_some_avg10)])

    def items(self, view: CpuView) -> dict[str, CpuRatios]:
        """Every core, in the kernel's order."""
        return {r.name: r for r in view.cores}

    def cells(self, r: CpuRatios, stale: bool) -> tuple[Any, ...]:
        """A core: its bar, each state's share, frequency, throttle count."""
        level = self.store.config.thresholds.cpu_steal_ratio
        throttle = r.core_throttle_count_total
        return (
            Text(r.name), core_bar(r, _CORE_BAR_WIDTH), pct(r.user_ratio), pct(r.system_ratio), pct(r.iowait_ratio),
            pct(r.irq_softirq_ratio), Text(pct(r.steal_ratio), style=above_style(r.steal_ratio, level)),
            pct(r.idle_ratio), NA if r.frequency_hertz is None else f"{r.frequency_hertz / 1e6:.0f}",
            NA if throttle is None else Text(str(throttle), style="bold red" if throttle else ""),
        )
