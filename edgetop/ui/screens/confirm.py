"""Confirm an action: shows exactly what will run (argv or API call) and waits for a yes or no.

Cancel has the focus, so an Enter pressed out of habit does nothing harmful. The answer
is also delivered through :attr:`ConfirmScreen.answer`, a future the caller can await
from a plain message handler (Textual's ``wait_for_dismiss`` needs a worker).
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no dialog for one action."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    #confirm-body { width: 76; max-width: 100%; height: auto; border: round $warning; background: $surface;
                    padding: 0 1; }
    #confirm-command { margin: 1 0; padding: 0 1; background: $boost; }
    #confirm-buttons { height: auto; align: center middle; margin-bottom: 1; }
    /* Borderless buttons: the default "tall" border draws with glyphs the console font lacks. */
    #confirm-buttons Button { margin: 0 2; border: none; height: 1; min-width: 14; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Run", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "Cancel", id="confirm.no"),
    ]

    def __init__(self, title: str, command: str, note: str = "") -> None:
        """``command`` is the exact argv or call (outside text: shown literally)."""
        super().__init__()
        self.title_text = title
        self.command = command
        self.note = note
        self.answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def compose(self) -> ComposeResult:
        """Title, the exact command, an optional note, and the two buttons."""
        with Vertical(id="confirm-body"):
            yield Static(Text(self.title_text, style="bold"), id="confirm-title")
            yield Static(Text("This will run:", style="dim"))
            yield Static(Text(self.command, no_wrap=False), id="confirm-command")
            if self.note:
                yield Static(Text(self.note, style="dim"))
            with Horizontal(id="confirm-buttons"):
                yield Button("Run (y)", id="confirm-run", variant="warning")
                yield Button("Cancel (n)", id="confirm-cancel", variant="primary")

    def on_mount(self) -> None:
        """Focus Cancel."""
        self.query_one("#confirm-cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Run or cancel."""
        self.action_answer(event.button.id == "confirm-run")

    def action_answer(self, yes: bool) -> None:
        """Deliver the answer and close."""
        if not self.answer.done():
            self.answer.set_result(bool(yes))
            self.dismiss(bool(yes))

    def on_unmount(self) -> None:
        """Answer no when closed some other way (app exit)."""
        if not self.answer.done():
            self.answer.set_result(False)
