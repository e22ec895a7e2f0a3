"""``?``: every binding that applies now, with its key (read-only hides mutating ones)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Static

from edgetop.ui.widgets.fast_table import FastTable

# Widgets whose keys are the same everywhere (cursor, editing): listed after edgetop's own.
_GENERIC = (DataTable, FastTable, Input)


class HelpScreen(ModalScreen[None]):
    """Lists the bindings of the screen below and of the focused widget."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help-body { width: 72; max-height: 90%; border: round $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, bindings: list[tuple[str, str, str]]) -> None:
        """``bindings`` are (key, description, where) of the screen below, enabled ones only."""
        super().__init__()
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        """A scrollable table of keys."""
        table = Table(box=None, show_header=True, header_style="bold", expand=True)
        table.add_column("Key", no_wrap=True)
        table.add_column("Action")
        table.add_column("Where", style="dim")
        for key, description, where in self.bindings:
            table.add_row(Text(key, style="bold"), Text(description), Text(where))
        intro = Text("edgetop keys (those that apply now; read-only mode hides actions)\n", style="bold")
        with VerticalScroll(id="help-body"):
            yield Static(intro)
            yield Static(table)

    async def action_dismiss(self, result: None = None) -> None:
        """Close the help."""
        self.dismiss(result)


def bindings_of(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """The enabled bindings of ``screen`` (and its focused widgets) as (key, description, where)."""
    out: list[tuple[str, str, str]] = []
    generic: set[tuple[str, str]] = set()
    seen: set[tuple[str, str]] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not active.enabled or not binding.description:
            continue
        key = binding.key_display or screen.app.get_key_display(binding)
        if (key, binding.description) in seen:
            continue
        seen.add((key, binding.description))
        where = type(active.node).__name__.removesuffix("Pane").removesuffix("App").removesuffix("Edgetop") or "global"
        out.append((key, binding.description, where))
        if isinstance(active.node, _GENERIC):
            generic.add((key, binding.description))
    # edgetop's own keys first, the table's cursor keys after them. By class, not name:
    # the tables are subclasses (SyncedTable) whose names a list would have to follow.
    out.sort(key=lambda row: (row[0], row[1]) in generic)
    return out
