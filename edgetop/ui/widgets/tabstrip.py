"""A one-line strip naming the panes with their number keys; ASCII only."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class TabStrip(Static):
    """Shows ``1 Overview  2 CPU …`` with the active pane highlighted."""

    DEFAULT_CSS = """
    TabStrip { height: 1; background: $surface; }
    """

    def __init__(self, titles: list[tuple[str, str, str]]) -> None:
        """``titles`` is a list of (pane id, number key, title)."""
        super().__init__(id="tabstrip")
        self.titles = titles
        self.active = titles[0][0] if titles else ""

    def set_active(self, pane_id: str) -> None:
        """Highlight ``pane_id``."""
        self.active = pane_id
        self.redraw()

    def on_resize(self) -> None:
        """Re-fit the titles to the new width."""
        self.redraw()

    def redraw(self) -> None:
        """Render full titles when they fit, else shortened ones."""
        width = self.size.width or 80
        for limit in (20, 6, 4, 3):
            text = Text(no_wrap=True)
            for pane_id, key, title in self.titles:
                label = f" {key} {title[:limit]} "
                text.append(label, style="bold reverse" if pane_id == self.active else "")
            if text.cell_len <= width:
                break
        self.update(text)
