"""Memory pane: usage bars, swap activity, HugePages per size, KSM, pressure.

One text block stacked from the sections in ``ui/render/memory.py``.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from edgetop.collectors.memory import MemoryView
from edgetop.ui.panes.base import Pane
from edgetop.ui.render.memory import hugepages_block, ksm_line, memory_lines, swap_lines, used_history_line
from edgetop.ui.render.sections import join, psi_line


class MemoryPane(Pane):
    """Host memory."""

    PANE_ID = "memory"
    TITLE = "Memory"

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
        body.update(join([
            banner, memory_lines(view, t, width), swap_lines(view, t, self.store, width),
            used_history_line(self.store, width), psi_line("memory", view.pressure, t.memory_pressure_some_avg10),
            Text(), hugepages_block(view), ksm_line(view),
        ]))
