"""A block of Rich text lines that repaints only the lines whose text or style changed.

A ``Static`` refreshed with new text repaints its whole region, and Textual writes every line
of a dirty region to the terminal: the overview (30-odd lines) sent ~8 KB a second over SSH
at 120x40 while one or two of its lines had changed (issue 17: no more terminal bytes than
htop). ``TextLines`` keeps each line's text and spans, compares them on :meth:`update`, and
refreshes just the changed lines' regions (Textual's line API: ``render_line``), so an
unchanged line costs no bytes. Text is never parsed as markup: callers hand in ``Text``.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

TextLook = tuple[str, tuple[object, ...], str]


def text_look(line: Text) -> TextLook:
    """What a text looks like: its characters, its spans and its own style (what changes a paint)."""
    return line.plain, tuple(line.spans), str(line.style)


class TextLines(Widget):
    """Lines of ``Text``, one screen row each (cut with an ellipsis at the widget's width)."""

    DEFAULT_CSS = """
    TextLines { height: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        """An empty block; :meth:`update` fills it."""
        super().__init__(id=id, classes=classes)
        self._lines: list[Text] = []
        self._keys: list[TextLook] = []
        self._strips: dict[int, tuple[tuple[int, int], Strip]] = {}
        self._style_version = 0
        self.lines_refreshed = 0  # how many single lines were marked for repainting (tests)

    @property
    def plain(self) -> str:
        """The text shown, one line per row (what a test or a screen reader reads)."""
        return "\n".join(line.plain for line in self._lines)

    def update(self, text: Text) -> None:
        """Show ``text``; repaint only the lines that differ from what is shown."""
        self.update_lines(list(text.split("\n", allow_blank=True)))

    def update_lines(self, lines: list[Text]) -> None:
        """Show ``lines``, one per row (none may hold a newline): cheaper than :meth:`update`.

        Rich's ``Text.split`` walks every span for every line: on the overview it cost a
        third of building the pane each second. A line's own style colours its characters,
        not the rest of its row, as it does for a line of a text given to :meth:`update`.
        """
        lines = [Text.assemble(line) if line.style else line for line in lines]
        keys = [text_look(line) for line in lines]
        if len(keys) != len(self._keys):  # the height changes: a new layout, every line new
            self._lines, self._keys = lines, keys
            self._strips.clear()
            self.refresh(layout=True)
            return
        changed = [y for y, (old, new) in enumerate(zip(self._keys, keys, strict=True)) if old != new]
        self._lines, self._keys = lines, keys
        width = self.size.width
        for y in changed:
            self._strips.pop(y, None)
            self.refresh(Region(0, y, width, 1))
        self.lines_refreshed += len(changed)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """One row per line."""
        return len(self._lines)

    def notify_style_update(self) -> None:
        """Theme or CSS changed: cached strips carry the old colours."""
        super().notify_style_update()
        self._style_version += 1

    def render_line(self, y: int) -> Strip:
        """Row ``y``: the line cut to the width, over the widget's own background."""
        width = self.size.width
        base: Style = self.rich_style
        if y >= len(self._lines):
            return Strip.blank(width, base)
        cache_key = (width, self._style_version)
        cached = self._strips.get(y)
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        line = self._lines[y]
        plain = line.plain
        if plain.isascii():
            # One cell per character (what reaches here passed ui.safe_output: no control
            # characters), so the cut and the strip's length need no measuring. Measuring goes
            # through rich's cell_len, whose 4,096-entry cache keeps every string it saw: every
            # line shown, and every span of it, each time a number in it changed (~0.7 MB held
            # after five minutes of --demo at 0.5 s, tracemalloc).
            length = len(plain)
            if length > width:
                line = line.copy()
                line.plain = plain[: max(width - 1, 0)] + "…"
                length = width
            segments = Segment.apply_style(line.render(self.app.console, end=""), style=base)
            strip = Strip(list(segments), length).adjust_cell_length(width, base)
        else:
            line = line.copy()
            line.truncate(width, overflow="ellipsis")
            segments = Segment.apply_style(line.render(self.app.console, end=""), style=base)
            strip = Strip(list(segments)).adjust_cell_length(width, base)
        self._strips[y] = cache_key, strip
        return strip
