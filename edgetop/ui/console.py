"""Linux-console adjustments: ASCII scrollbars (the console font lacks eighth blocks)."""

from __future__ import annotations

from rich.color import Color
from rich.segment import Segment, Segments
from rich.style import Style
from textual.scrollbar import ScrollBar, ScrollBarRender

_TRACK = Color.parse("#555555")
_THUMB = Color.parse("bright_magenta")


class AsciiScrollBarRender(ScrollBarRender):
    """A scrollbar drawn with whole cells only: '#' thumb on a '|' or '-' track."""

    @classmethod
    def render_bar(
        cls,
        size: int = 25,
        virtual_size: float = 50,
        window_size: float = 20,
        position: float = 0,
        thickness: int = 1,
        vertical: bool = True,
        back_color: Color = _TRACK,
        bar_color: Color = _THUMB,
    ) -> Segments:
        """Render the bar; the thumb is rounded to whole cells."""
        track_char = "|" if vertical else "-"
        if window_size and size and virtual_size and size != virtual_size:
            thumb = max(1, round(window_size / virtual_size * size))
            start = round(position / virtual_size * size)
            start = min(max(0, start), size - thumb)
        else:
            thumb, start = size, 0
        track = Style(color=back_color, bgcolor=None)
        bar = Style(color=bar_color, bgcolor=None, bold=True)
        cells = [Segment(("#" if start <= i < start + thumb else track_char) * thickness,
                         bar if start <= i < start + thumb else track) for i in range(size)]
        if vertical:
            out: list[Segment] = []
            for cell in cells:
                out.extend([cell, Segment.line()])
            return Segments(out, new_lines=False)
        return Segments(cells, new_lines=False)


def apply_console_mode() -> None:
    """Switch every scrollbar to the ASCII renderer."""
    ScrollBar.renderer = AsciiScrollBarRender
