"""``?``: edgetop's keys for the current screen in plain words, then what every column means.

Only edgetop's own bindings are listed (those with an id, ``scope.action``; texts from
``ui/keyhelp.py``): not Textual's generated ones (copy text, focus, the palette's). A
table's cursor keys are one line, the number keys one line. Keys the session refuses
(read-only, demo) are not listed. Below them: the glossary (``ui/glossary.py``), the
current screen's columns first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from edgetop.ui.glossary import Term, terms_for
from edgetop.ui.keyhelp import KEY_TEXT, SCOPE_WORDS
from edgetop.ui.widgets.fast_table import FastTable

TABLE_KEYS = ("arrows", "Move the highlight in the table (also pgup, pgdn, home, end)")


class HelpScreen(ModalScreen[None]):
    """Keys of the screen below, then the glossary."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help-body { width: 90%; max-width: 100; max-height: 90%; border: round $accent; background: $surface;
                 padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, bindings: list[tuple[str, str, str]], terms: Sequence[Term] = (), place: str = "") -> None:
        """``bindings``: (key, what it does, where) of the screen below; ``terms``: the glossary, in order."""
        super().__init__()
        self.bindings = bindings
        self.terms = list(terms)
        self.place = place

    def compose(self) -> ComposeResult:
        """A scrollable table of keys, then the glossary."""
        keys = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
        keys.add_column("Key", no_wrap=True)
        keys.add_column("What it does", ratio=1)
        keys.add_column("Where", style="dim", no_wrap=True)
        for key, description, where in self.bindings:
            keys.add_row(Text(key, style="bold"), Text(description), Text(where))
        words = Table(box=None, show_header=False, expand=True, pad_edge=False)
        words.add_column("Term", no_wrap=True, style="bold")
        words.add_column("Meaning", ratio=1)
        for term in self.terms:
            words.add_row(Text(term.name), Text(term.text))
        with VerticalScroll(id="help-body"):
            yield Static(Text("Keys on this screen (esc, ? or q closes)", style="bold"))
            yield Static(keys, id="help-keys")
            yield Static(Text("\nWhat the columns and words mean", style="bold"))
            yield Static(words, id="help-glossary")

    async def action_dismiss(self, result: None = None) -> None:
        """Close the help."""
        self.dismiss(result)


def _scope_word(binding_id: str, titles: dict[str, str]) -> str:
    scope = binding_id.split(".", 1)[0]
    return SCOPE_WORDS.get(scope) or titles.get(scope) or scope.replace("_", " ")


def bindings_of(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """Edgetop's enabled bindings on ``screen`` (and its focused widgets) as (keys, what it does, where).

    Textual's own bindings (no id) are left out; table cursor keys and the number keys are
    one line each.
    """
    app: Any = screen.app
    entries = getattr(app, "pane_entries", ())
    titles = {e.pane_id: e.title for e in entries}
    keys_of: dict[str, list[str]] = {}
    order: list[tuple[str, str, str]] = []
    table = False
    numbers = False
    for active in screen.active_bindings.values():
        binding: Binding = active.binding
        if not active.enabled:
            continue
        if isinstance(active.node, DataTable | FastTable) or (binding.id or "").startswith("table."):
            table = True
            continue
        if not binding.id:
            continue  # Textual's: copy text, focus next, the palette …
        if binding.id.startswith("app.pane_"):
            numbers = True
            continue
        key = binding.key_display or app.get_key_display(binding)
        if binding.id not in keys_of:
            keys_of[binding.id] = []
            order.append((binding.id, KEY_TEXT.get(binding.id, binding.description),
                          _scope_word(binding.id, titles)))
        if key not in keys_of[binding.id]:
            keys_of[binding.id].append(key)
    rows = [(" ".join(keys_of[bid]), text, where) for bid, text, where in order]
    if numbers and entries:
        listed = ", ".join(f"{e.key} {e.title}" for e in entries if e.key)
        rows.append(("1-9 0", f"Show a pane: {listed}", "everywhere"))
    if table:
        rows.append((*TABLE_KEYS, "table"))
    # This screen's own keys first, the ones that work everywhere after them.
    rows.sort(key=lambda row: row[2] == "everywhere")
    return rows


def help_place(app: Any, screen: Screen[Any]) -> str:
    """Which pane or screen the help is about: a detail screen's ``HELP_PLACE``, else the pane shown."""
    place = getattr(screen, "HELP_PLACE", None)
    if place:
        return str(place)
    pane = app.active_pane() if hasattr(app, "active_pane") else None
    return str(getattr(pane, "PANE_ID", "")) if pane is not None else ""


def help_screen(app: Any) -> HelpScreen:
    """The help for what ``app`` shows now."""
    screen = app.screen
    place = help_place(app, screen)
    return HelpScreen(bindings_of(screen), terms_for(place), place)
