"""Ask for one whole number in a range (the renice value): typed, checked, then confirmed elsewhere.

The value is checked as it is typed and a wrong one is said under the box; Enter with a
valid value answers it, Esc answers None. The answer is a future, as in ConfirmScreen,
so a plain message handler can await it.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


def parse_in_range(text: str, low: int, high: int) -> int | str:
    """The whole number in ``text`` when it is within ``low..high``, else why not (a sentence)."""
    value = text.strip()
    body = value[1:] if value[:1] in "+-" else value
    if not body or not body.isascii() or not body.isdigit():
        return f"a whole number from {low} to {high}"
    number = int(value)
    if not low <= number <= high:
        return f"{number} is outside {low}..{high}"
    return number


class AskNumberScreen(ModalScreen[int | None]):
    """One question, one number."""

    DEFAULT_CSS = """
    AskNumberScreen { align: center middle; }
    #ask-body { width: 64; max-width: 100%; height: auto; border: solid $warning; background: $surface;
                padding: 0 1; }
    /* Borderless: Input's "tall" border draws with half blocks the console font lacks. */
    #ask-input { margin: 1 0 0 0; border: none; height: 1; background: $boost; padding: 0 1; }
    #ask-error { color: $error; height: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="ask_number.cancel"),
    ]

    def __init__(self, title: str, hint: str, initial: int, low: int, high: int) -> None:
        """Ask ``title`` (outside text shown literally), starting from ``initial``, within ``low..high``."""
        super().__init__()
        self.title_text, self.hint, self.initial, self.low, self.high = title, hint, initial, low, high
        self.answer: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()

    def compose(self) -> ComposeResult:
        """Title, hint, the box and the line for a wrong value."""
        with Vertical(id="ask-body"):
            yield Static(Text(self.title_text, style="bold"), id="ask-title")
            yield Static(Text(self.hint, style="dim"), id="ask-hint")
            yield Input(str(self.initial), id="ask-input")
            yield Static("", id="ask-error")

    def on_mount(self) -> None:
        """Focus the box with its text selected, so typing replaces it."""
        box = self.query_one("#ask-input", Input)
        box.focus()
        box.select_all()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Say at once what is wrong with the value typed."""
        parsed = parse_in_range(event.value, self.low, self.high)
        self.query_one("#ask-error", Static).update("" if isinstance(parsed, int) else parsed)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Answer a valid value; a wrong one stays on screen with its reason."""
        parsed = parse_in_range(event.value, self.low, self.high)
        if isinstance(parsed, int):
            self._answer(parsed)
        else:
            self.query_one("#ask-error", Static).update(parsed)

    def action_cancel(self) -> None:
        """No value."""
        self._answer(None)

    def _answer(self, value: int | None) -> None:
        if not self.answer.done():
            self.answer.set_result(value)
            self.dismiss(value)

    def on_unmount(self) -> None:
        """Answer None when closed some other way."""
        if not self.answer.done():
            self.answer.set_result(None)
