"""``s``: every collector with its lane, status, reason, duration and last success."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from edgetop.engine.store import Store
from edgetop.ui.fmt import age, literal
from edgetop.ui.styles import STATUS_STYLE


class SourcesScreen(ModalScreen[None]):
    """A table of collectors and their state; refreshed every second while open."""

    DEFAULT_CSS = """
    SourcesScreen { align: center middle; }
    #sources-body { width: 96%; height: 90%; border: round $accent; background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,s,q", "dismiss", "Close", id="sources.close")]

    def __init__(self, store: Store) -> None:
        """Show the collectors in ``store``."""
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        """Title and table."""
        with Vertical(id="sources-body"):
            yield Static(Text("Sources: each collector, its lane and state", style="bold"))
            table: DataTable[Text] = DataTable(id="sources-table", cursor_type="row")
            for label in ("Collector", "Lane", "Status", "Took", "Last ok", "Reason"):
                table.add_column(label, key=label.lower())
            yield table

    def on_mount(self) -> None:
        """Fill and keep fresh."""
        self.fill()
        self.set_interval(1.0, self.fill)

    def fill(self) -> None:
        """Rebuild rows (a few dozen at most)."""
        table = self.query_one("#sources-table", DataTable)
        table.clear()
        for name, sample in sorted(self.store.samples().items()):
            r = sample.reading
            table.add_row(
                literal(name), literal(sample.spec.lane), Text(str(r.status), style=STATUS_STYLE[r.status]),
                Text(f"{r.duration_seconds * 1000:.1f}ms"), Text(age(sample.last_ok_timestamp)),
                literal(r.reason or ""), key=name,
            )

    async def action_dismiss(self, result: None = None) -> None:
        """Close."""
        self.dismiss(result)
