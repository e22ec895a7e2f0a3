"""Overview: is this node healthy? Alerts first, then one line per area and its sources."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from edgetop.collectors.cpu import CpuView
from edgetop.collectors.memory import MemoryView
from edgetop.engine.alerts import Severity
from edgetop.engine.reading import Status
from edgetop.ui.fmt import literal, pct, size
from edgetop.ui.panes.base import Pane
from edgetop.ui.panes.cpu import severity_style, steal_sparkline, usage_bar
from edgetop.ui.panes.overview_lines import area_lines
from edgetop.ui.widgets.glyphs import bar

_STATUS_STYLE = {Status.OK: "green", Status.UNAVAILABLE: "yellow", Status.FAILED: "bold red"}


class OverviewPane(Pane):
    """The first pane, and the one the kiosk returns to when an alert fires."""

    PANE_ID = "overview"
    TITLE = "Overview"
    COLLECTORS = ("host", "cpu", "memory")

    def compose(self) -> ComposeResult:
        """Health block, alerts, sources."""
        yield Static(id="overview-body")

    def refresh_view(self) -> None:
        """Render alerts and a summary of every source."""
        out = Text(no_wrap=True, overflow="ellipsis")
        width = max(10, min(40, (self.size.width or 80) - 52))
        t = self.store.config.thresholds
        cpu_sample = self.store.get("cpu")
        cpu: CpuView | None = cpu_sample.last_view if cpu_sample else None
        if cpu is not None:
            out.append(f"{'CPU':<9}", style="bold")
            out.append_text(usage_bar(cpu.total, width))
            out.append(f" busy {pct(cpu.total.busy_ratio)}  steal ")
            out.append(pct(cpu.total.steal_ratio), style=severity_style(cpu.total.steal_ratio, t.cpu_steal_ratio))
            out.append(" ")
            out.append_text(steal_sparkline(self.store, 16))
            out.append("\n")
        mem_sample = self.store.get("memory")
        mem: MemoryView | None = mem_sample.last_view if mem_sample else None
        if mem is not None:
            used = None if mem.used_bytes is None else mem.used_bytes / mem.total_bytes
            out.append(f"{'Mem':<9}", style="bold")
            out.append_text(bar([(used, "green")], width))
            out.append(f" {size(mem.used_bytes)}/{size(mem.total_bytes)}  avail {pct(mem.available_ratio, 0)}\n")
        for label, line in area_lines(self.store.samples()):
            out.append(f"{label:<9}", style="bold")
            out.append_text(line)
            out.append("\n")
        alerts = self.store.alerts()
        out.append(f"\nAlerts ({len(alerts)})\n", style="bold")
        if not alerts:
            out.append("  none: every threshold is met\n", style="green")
        for alert in alerts[:12]:
            style = "bold red" if alert.severity is Severity.CRITICAL else "yellow"
            out.append(f"  {alert.severity.upper():8} ", style=style)
            out.append_text(literal(f"{alert.source}/{alert.subject}: {alert.message}"))
            out.append("\n")
        if len(alerts) > 12:
            out.append(f"  ... {len(alerts) - 12} more (JSON snapshot has all)\n", style="dim")
        samples = sorted(self.store.samples().items())
        ok = [name for name, sample in samples if sample.reading.status is Status.OK]
        out.append(f"\nSources: {len(ok)} ok, {len(samples) - len(ok)} not (s for details)\n", style="bold")
        if ok:
            out.append("  ok ", style="green")
            out.append_text(literal(", ".join(ok), "dim"))
            out.append("\n")
        for name, sample in samples:
            status = sample.reading.status
            if status is Status.OK:
                continue
            out.append(f"  {status.value:11}", style=_STATUS_STYLE[status])
            out.append_text(literal(f" {name:16} "))
            out.append_text(literal(sample.reading.reason or "", "dim"))
            out.append("\n")
        self.query_one("#overview-body", Static).update(out)
