"""A one-line strip naming the panes with their number keys; ASCII only.

Every pane is shown when the titles fit, shortened if need be (``1 Over 2 CPU …`` at 80
columns with ten panes, ``1 Ove 2 CPU … Ale`` one space apart with fourteen). When even the
shortest titles do not fit (seventeen panes at 80 columns), the strip shows the panes around
the active one with their full titles and says how many are left out on each side (``<+4``
… ``+3>``); ``g`` lists them all.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

_LIMITS = (20, 6, 4, 3)  # title lengths tried in turn until every pane fits
_ACTIVE = "bold reverse"


def label(key: str, title: str, limit: int, *, compact: bool = False) -> str:
    """One pane's tab: `` 1 Overview `` (a pane without a number key shows its title only).

    ``compact`` drops the trailing space, so tabs are one space apart: the last form tried
    before the strip is windowed (all fourteen panes at 80 columns: `` 1 Ove 2 CPU … Ale``).
    """
    text = f" {key} {title[:limit]}" if key else f" {title[:limit]}"
    return text if compact else text + " "


def fit_window(widths: list[int], active: int, room: int) -> tuple[int, int]:
    """Return ``(start, end)``: the run of tabs around ``active`` that fits in ``room`` cells.

    The run grows one tab at a time, right then left, while it and the markers for the
    tabs left out (see :func:`marker`) still fit. The active tab is
    always in it, even when it alone is too wide (the line is then cut at the edge).
    """

    def cost(start: int, end: int) -> int:
        left = len(marker(start, left=True)) if start > 0 else 0
        right = len(marker(len(widths) - end, left=False)) if end < len(widths) else 0
        return sum(widths[start:end]) + left + right

    start, end = active, active + 1
    grew = True
    while grew:
        grew = False
        if end < len(widths) and cost(start, end + 1) <= room:
            end, grew = end + 1, True
        if start > 0 and cost(start - 1, end) <= room:
            start, grew = start - 1, True
    return start, end


def marker(hidden: int, *, left: bool) -> str:
    """The sign for ``hidden`` tabs left out on one side: ``<+4 `` or `` +3>`` (a plus: not a number key)."""
    return f"<+{hidden} " if left else f" +{hidden}>"


class TabStrip(Static):
    """Shows ``1 Overview  2 CPU …`` with the active pane highlighted."""

    DEFAULT_CSS = """
    TabStrip { height: 1; background: $surface; }
    """

    def __init__(self, titles: list[tuple[str, str, str]]) -> None:
        """``titles`` is a list of (pane id, number key or "", title)."""
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
        """Render every tab when they fit (shortened if need be), else the tabs around the active one."""
        self.update(self.render_strip(self.size.width or 80))

    def render_strip(self, width: int) -> Text:
        """The strip for ``width`` cells."""
        tries = [(limit, False) for limit in _LIMITS] + [(_LIMITS[-1], True)]
        for limit, compact in tries:
            labels = [label(key, title, limit, compact=compact) for _id, key, title in self.titles]
            if sum(cell_len(t) for t in labels) <= width:
                return self._line(labels, 0, len(labels))
        labels = [label(key, title, _LIMITS[0]) for _id, key, title in self.titles]
        ids = [pane_id for pane_id, _key, _title in self.titles]
        active = ids.index(self.active) if self.active in ids else 0
        start, end = fit_window([cell_len(t) for t in labels], active, width)
        return self._line(labels, start, end)

    def _line(self, labels: list[str], start: int, end: int) -> Text:
        text = Text(no_wrap=True)
        if start > 0:
            text.append(marker(start, left=True), style="dim")
        for (pane_id, _key, _title), shown in zip(self.titles[start:end], labels[start:end], strict=True):
            text.append(shown, style=_ACTIVE if pane_id == self.active else "")
        if end < len(labels):
            text.append(marker(len(labels) - end, left=False), style="dim")
        return text
