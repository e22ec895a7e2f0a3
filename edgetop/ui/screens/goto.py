"""``g``: go to any pane by name, however many there are (number keys run out at ten).

Every pane is listed with its number key, if it has one. Typing filters the list (by
title, pane id or number key), ``up``/``down`` move the highlight, ``enter`` goes to the
highlighted pane, ``escape`` closes. ASCII only, so it reads the same on the Linux console.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


def matches(entries: Sequence[tuple[str, str, str]], typed: str) -> list[tuple[str, str, str]]:
    """The (pane id, key, title) entries ``typed`` names, titles starting with it first.

    A pane matches when its title or id contains the text (case-insensitive) or its
    number key is the text; otherwise the pane list's order is kept.
    """
    needle = typed.strip().lower()
    if not needle:
        return list(entries)
    found = [(n, e) for n, e in enumerate(entries)
             if needle in e[2].lower() or needle in e[0].lower() or needle == e[1]]
    found.sort(key=lambda item: (not (item[1][2].lower().startswith(needle) or needle == item[1][1]), item[0]))
    return [e for _n, e in found]


class GotoScreen(ModalScreen[str | None]):
    """A filtered list of panes; dismisses with the chosen pane id, or None."""

    DEFAULT_CSS = """
    GotoScreen { align: center middle; }
    #goto-body { width: 44; max-width: 100%; height: auto; max-height: 90%; border: round $accent;
                 background: $surface; padding: 0 1; }
    #goto-list { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="goto.close"),
        Binding("down", "move(1)", "Next", id="goto.next", show=False),
        Binding("up", "move(-1)", "Previous", id="goto.previous", show=False),
    ]

    def __init__(self, entries: Sequence[tuple[str, str, str]], current: str | None = None) -> None:
        """``entries`` are (pane id, number key or "", title); ``current`` is highlighted first."""
        super().__init__()
        self.entries = list(entries)
        self.shown = list(self.entries)
        ids = [pane_id for pane_id, _key, _title in self.entries]
        self.index = ids.index(current) if current in ids else 0

    def compose(self) -> ComposeResult:
        """Title, the filter, the list."""
        with Vertical(id="goto-body"):
            yield Static(Text("Go to pane", style="bold"))
            yield Static(Text("type to filter, enter goes, esc closes", style="dim"))
            yield Input(placeholder="pane name or number", id="goto-filter")
            yield Static(id="goto-list")

    def on_mount(self) -> None:
        """Focus the filter and draw the list."""
        self.query_one("#goto-filter", Input).focus()
        self._draw()

    @property
    def selected(self) -> str | None:
        """The highlighted pane's id (None when nothing matches)."""
        return self.shown[self.index][0] if self.shown else None

    def _draw(self) -> None:
        text = Text(no_wrap=True)
        for n, (_pane_id, key, title) in enumerate(self.shown):
            if n:
                text.append("\n")
            text.append(f" {key or ' '}  {title} ".ljust(38), style="bold reverse" if n == self.index else "")
        if not self.shown:
            text.append("no pane matches", style="dim")
        self.query_one("#goto-list", Static).update(text)

    @on(Input.Changed, "#goto-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.shown = matches(self.entries, event.value)
        self.index = 0
        self._draw()

    @on(Input.Submitted, "#goto-filter")
    def _go(self, event: Input.Submitted) -> None:
        if self.selected is not None:
            self.dismiss(self.selected)

    def action_move(self, step: int) -> None:
        """Move the highlight by ``step`` rows (wrapping)."""
        if self.shown:
            self.index = (self.index + step) % len(self.shown)
            self._draw()

    def action_close(self) -> None:
        """Close without going anywhere."""
        self.dismiss(None)
