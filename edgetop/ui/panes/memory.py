"""Memory pane: usage bars, swap activity, HugePages per size, KSM, pressure."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from edgetop.collectors.memory import MemoryView
from edgetop.model.derive import share
from edgetop.ui.fmt import NA, num, pct, size
from edgetop.ui.panes.base import Pane
from edgetop.ui.styles import above_style, below_style
from edgetop.ui.widgets.glyphs import bar, sparkline


class MemoryPane(Pane):
    """Host memory."""

    PANE_ID = "memory"
    TITLE = "Memory"
    COLLECTORS = ("memory",)

    def compose(self) -> ComposeResult:
        """One text block; memory has a handful of lines."""
        yield Static(id="memory-body")

    def refresh_view(self) -> None:
        """Render the latest memory view."""
        view: MemoryView | None
        view, banner = self.latest("memory")
        body = self.query_one("#memory-body", Static)
        if view is None:
            body.update(banner or Text(""))
            return
        t = self.store.config.thresholds
        width = max(10, min(40, (self.size.width or 80) - 40))
        out = Text(no_wrap=True)
        if banner is not None:
            out.append_text(banner)
            out.append("\n")
        total = view.total_bytes
        other_used = None
        if view.used_bytes is not None:
            other_used = view.used_bytes - (view.shmem_bytes or 0)
        out.append("Mem  ", style="bold")
        out.append_text(bar([(share(other_used, total), "green"), (share(view.shmem_bytes, total), "magenta"),
                             (share(view.buffers_bytes, total), "blue"), (share(view.cached_bytes, total), "yellow")],
                            width))
        out.append(f" {size(view.used_bytes)} used of {size(total)}\n")
        out.append(f"     available {size(view.available_bytes)} ")
        out.append(f"({pct(view.available_ratio, 0)})",
                   style=below_style(view.available_ratio, t.memory_available_ratio_below))
        out.append(f"  cached {size(view.cached_bytes)}  buffers {size(view.buffers_bytes)}  "
                   f"dirty {size(view.dirty_bytes)}  writeback {size(view.writeback_bytes)}\n")
        out.append("Swap ", style="bold")
        out.append_text(bar([(share(view.swap_used_bytes, view.swap_total_bytes), "red")], width))
        if view.swap_total_bytes:
            out.append(f" {size(view.swap_used_bytes)} used of {size(view.swap_total_bytes)}\n")
        else:
            out.append(" no swap configured\n", style="dim")
        out.append("     in ")
        out.append(f"{num(view.swap_in_pages_per_second, 0)} pages/s",
                   style=above_style(view.swap_in_pages_per_second, t.swap_in_pages_per_second))
        out.append(f"  out {num(view.swap_out_pages_per_second, 0)} pages/s  major faults "
                   f"{num(view.major_faults_per_second, 0)}/s  ")
        out.append(sparkline(self.store.history("memory.swap_in"), 20), style="red")
        out.append("\nUsed ", style="bold")
        out.append(sparkline(self.store.history("memory.used"), width, top=1.0), style="green")
        out.append("  history of used/total\n")
        out.append("PSI memory ", style="bold")
        p = view.pressure
        if p is None:
            out.append("n/a (kernel without CONFIG_PSI)\n", style="dim")
        else:
            out.append(f"some {p.some.avg10:.1f}% {p.some.avg60:.1f}% {p.some.avg300:.1f}%",
                       style=above_style(p.some.avg10, t.memory_pressure_some_avg10))
            out.append(f"  full {p.full.avg10:.1f}%\n" if p.full else "\n")
        out.append("\nHugePages\n", style="bold")
        if not view.hugepages:
            out.append("  none (kernel without hugetlbfs)\n", style="dim")
        for h in view.hugepages:
            used = None if h.total is None or h.free is None else h.total - h.free
            out.append(f"  {size(h.page_size_bytes):>8}: total {_n(h.total)}  free {_n(h.free)}  "
                       f"reserved {_n(h.reserved)}  surplus {_n(h.surplus)}  in use {_n(used)}")
            if h.total:
                out.append(f" ({size((used or 0) * h.page_size_bytes)})")
            out.append("\n")
        out.append("KSM  ", style="bold")
        if view.ksm is None:
            out.append("not in this kernel", style="dim")
        elif not view.ksm.running:
            out.append("stopped", style="dim")
        else:
            out.append(f"running: {_n(view.ksm.pages_shared)} shared pages back {_n(view.ksm.pages_sharing)} "
                       f"sharing pages; unshared {_n(view.ksm.pages_unshared)}, scans {_n(view.ksm.full_scans_total)}")
        body.update(out)


def _n(value: int | None) -> str:
    return NA if value is None else str(value)

