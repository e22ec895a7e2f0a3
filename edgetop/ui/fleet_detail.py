"""One node of the fleet: its faults, every reading of the round, its alerts, and how to reach it.

Redrawn at each round from the same answers as the table (no query of its own), so the
detail never disagrees with the row it was opened from.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from edgetop.ui.fleet_rows import detail_lines
from edgetop.ui.widgets.keybar import KeyBar


class FleetDetail(Screen[None]):
    """The detail of the node named ``name`` (its instance label)."""

    DEFAULT_CSS = """
    FleetDetail #fleet-detail-title { height: 1; background: $panel; }
    FleetDetail #fleet-detail-body { height: 1fr; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="fleet_detail.close", key_display="esc"),
        Binding("q", "app.pop_screen", "Back", id="fleet_detail.quit", show=False),
    ]

    def __init__(self, name: str) -> None:
        """Show the node ``name``."""
        super().__init__()
        self.node_name = name

    def compose(self) -> ComposeResult:
        """Title, body, key bar."""
        yield Static(id="fleet-detail-title")
        with VerticalScroll(id="fleet-detail-body"):
            yield Static(id="fleet-detail-text")
        yield KeyBar()

    def on_mount(self) -> None:
        """Draw what the last round said."""
        self.redraw()

    def redraw(self) -> None:
        """Draw the node from the app's last answered round; say so when it is gone or stale."""
        app: Any = self.app  # the FleetApp (not imported: it imports this screen)
        title = Text(" node ", style="bold reverse", no_wrap=True)
        title.append(" ")
        title.append(self.node_name[:60])
        node = None if app.view is None else next((n for n in app.view.nodes if n.name == self.node_name), None)
        body = Text(no_wrap=True, overflow="ellipsis")
        if app.stale:
            reason = app.last_round.reason if app.last_round else None
            body.append(f"Prometheus unavailable: {reason}; these are the last readings.\n\n", style="bold yellow")
        if node is None:
            body.append("This node is no longer in Prometheus's answer.", style="bold")
        else:
            for line in detail_lines(node, app.clock(), app.settings.site_label):
                body.append_text(line)
                body.append("\n")
            if app.stale:
                body.stylize("dim", 0, len(body))
        self.query_one("#fleet-detail-title", Static).update(title)
        self.query_one("#fleet-detail-text", Static).update(body)
