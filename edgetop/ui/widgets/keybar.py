"""The footer: the keys that apply now.

ASCII only: Textual's Footer uses glyphs the Linux console font lacks. Hidden and
disabled bindings (read-only) never appear.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class KeyBar(Static):
    """Lists the active bindings of the current screen and focused widget."""

    DEFAULT_CSS = """
    KeyBar { height: 1; dock: bottom; background: $panel; }
    """

    def on_mount(self) -> None:
        """Follow binding changes of the screen."""
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.redraw())
        self.call_after_refresh(self.redraw)

    def redraw(self) -> None:
        """Render ``key Description`` pairs that fit."""
        text = Text(no_wrap=True, overflow="ellipsis")
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or not enabled or binding.description in seen:
                continue
            seen.add(binding.description)
            key = binding.key_display or self.app.get_key_display(binding)
            text.append(f" {key} ", style="bold reverse")
            text.append(f"{binding.description} ")
        self.update(text)
