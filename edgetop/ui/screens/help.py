"""``?``: every binding that applies now, with its key (read-only hides mutating ones)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    """Lists the bindings of the screen below and of the focused widget."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help-body { width: 72; max-height: 90%; border: round $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="close_help"),
    ]

    def compose(self) -> ComposeResult:
        """A scrollable table of keys."""
        table = Table(box=None, show_header=True, header_style="bold", expand=True)
        table.add_column("Key", no_wrap=True)
        table.add_column("Action")
        table.add_column("Where", style="dim")
        below = self.app.screen_stack[-1] if self.app.screen_stack else self.app.screen
        seen: set[tuple[str, str]] = set()
        for _key, active in below.active_bindings.items():
            binding = active.binding
            if not active.enabled or not binding.description:
                continue
            key = binding.key_display or self.app.get_key_display(binding)
            if (key, binding.description) in seen:
                continue
            seen.add((key, binding.description))
            where = type(active.node).__name__.removesuffix("Pane").removesuffix("App") or "app"
            table.add_row(Text(key, style="bold"), Text(binding.description), Text(where))
        intro = Text("edgetop keys (those that apply now; read-only mode hides actions)\n", style="bold")
        with VerticalScroll(id="help-body"):
            yield Static(intro)
            yield Static(table)

    async def action_dismiss(self, result: None = None) -> None:
        """Close the help."""
        self.dismiss(result)
