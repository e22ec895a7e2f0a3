"""CPU pane: total and per-core state bars, steal as the headline, frequency, throttling, PSI."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from edgetop.collectors.cpu import CpuView
from edgetop.ui.fmt import NA, pct
from edgetop.ui.panes.base import Pane
from edgetop.ui.render.cpu import core_bar, steal_sparkline, usage_bar
from edgetop.ui.styles import above_style
from edgetop.ui.widgets.synced_table import SyncedTable

_COLUMNS = (("cpu", "CPU"), ("bar", "Usage"), ("user", "user"), ("sys", "sys"), ("iow", "iowait"),
            ("irq", "irq+si"), ("steal", "steal"), ("idle", "idle"), ("mhz", "MHz"), ("thr", "throttle"))
_RIGHT = frozenset({"user", "sys", "iow", "irq", "steal", "idle", "mhz", "thr"})  # numbers line up on the right


class CpuPane(Pane):
    """Host CPU."""

    PANE_ID = "cpu"
    TITLE = "CPU"
    COLLECTORS = ("cpu",)

    def compose(self) -> ComposeResult:
        """Summary lines and the per-core table."""
        yield Static(id="cpu-summary", classes="banner")
        yield SyncedTable(_COLUMNS, right=_RIGHT, id="cpu-cores", zebra_stripes=False)

    def refresh_view(self) -> None:
        """Render the latest CPU view."""
        view: CpuView | None
        view, banner = self.latest("cpu")
        summary = self.query_one("#cpu-summary", Static)
        if view is None:
            summary.update(banner or Text(""))
            return
        t = self.store.config.thresholds
        total = view.total
        width = max(10, min(40, (self.size.width or 80) - 40))
        lines = Text(no_wrap=True)
        if banner is not None:
            lines.append_text(banner)
            lines.append("\n")
        lines.append("Total ", style="bold")
        lines.append_text(usage_bar(total, width))
        lines.append(f" busy {pct(total.busy_ratio)}")
        if view.since_boot:
            lines.append("  (since boot)", style="dim")
        lines.append("\nSTEAL ", style="bold")
        lines.append(f"{pct(total.steal_ratio):>6}", style=above_style(total.steal_ratio, t.cpu_steal_ratio))
        lines.append(" ")
        lines.append_text(steal_sparkline(self.store, width))
        lines.append(f"  warn {pct(t.cpu_steal_ratio.warn, 0)} crit {pct(t.cpu_steal_ratio.crit, 0)}", style="dim")
        lines.append(f"\nuser {pct(total.user_ratio)}  sys {pct(total.system_ratio)}  "
                     f"iowait {pct(total.iowait_ratio)}  irq+si {pct(total.irq_softirq_ratio)}  "
                     f"guest {pct(total.guest_ratio)}  idle {pct(total.idle_ratio)}")
        p = view.pressure
        lines.append("\nPSI cpu ", style="bold")
        if p is None:
            lines.append("n/a (kernel without CONFIG_PSI)", style="dim")
        else:
            lines.append(f"some {p.some.avg10:.1f}% {p.some.avg60:.1f}% {p.some.avg300:.1f}% (10s/60s/300s)",
                         style=above_style(p.some.avg10, t.cpu_pressure_some_avg10))
            if p.full is not None:
                lines.append(f"  full {p.full.avg10:.1f}%")
        running, blocked = view.raw.stat.procs_running, view.raw.stat.procs_blocked
        lines.append(f"  run {running if running is not None else NA} blocked {blocked if blocked is not None else NA}")
        summary.update(lines)
        bar_width = 12
        rows = {}
        for r in view.cores:
            throttle = r.core_throttle_count_total
            rows[r.name] = (
                Text(r.name), core_bar(r, bar_width), pct(r.user_ratio), pct(r.system_ratio), pct(r.iowait_ratio),
                pct(r.irq_softirq_ratio),
                Text(pct(r.steal_ratio), style=above_style(r.steal_ratio, t.cpu_steal_ratio)),
                pct(r.idle_ratio),
                NA if r.frequency_hertz is None else f"{r.frequency_hertz / 1e6:.0f}",
                NA if throttle is None else Text(str(throttle), style="bold red" if throttle else ""),
            )
        self.query_one("#cpu-cores", SyncedTable).sync(rows)

