"""Columns and cells of the line-API tables: widths, justification, truncation, styles."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.style import Style

ELLIPSIS = "…"  # the glyph Rich's ellipsis overflow (so the DataTable this replaced) used on every terminal


@dataclass(slots=True)
class FastColumn:
    """A column: key, header label, width in cells, and whether it is right-justified."""

    key: str
    label: str
    width: int
    fixed: bool = False
    right: bool = False
    marker: str = ""
    hidden: bool = False
    """Not drawn (a narrow terminal leaves the room to the columns that matter more)."""
    """Drawn after the label: the sort direction when this is the sort column (see ``sort_marker``)."""

    @property
    def heading(self) -> str:
        """What the header shows: the label and its marker."""
        return self.label + self.marker


# The sort column's direction. Both glyphs are in the Linux console's Lat15-Fixed16 font
# (checked against console-setup's psf, docs in /work/shared/FIELD-NOTES.md), so one set
# serves every terminal. Down: largest (or Z) first, as the eye reads the column.
SORT_DESCENDING = "▼"
SORT_ASCENDING = "▲"


def sort_marker(descending: bool) -> str:
    """The glyph after the sort column's label."""
    return SORT_DESCENDING if descending else SORT_ASCENDING


def cell_style(style: str | Style) -> Style:
    """A cell's style as a Rich ``Style`` (a string is parsed; Rich caches that)."""
    # Style.parse is cached by Rich, so a string style costs a dict lookup per cell.
    if isinstance(style, Style):
        return style
    return Style.parse(style) if style else Style.null()


def fit(text: str, width: int, right: bool = False) -> str:
    """``text`` padded or cut to exactly ``width`` cells, with an ellipsis when cut."""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + ELLIPSIS if width > 0 else ""
    pad = " " * (width - length)
    return pad + text if right else text + pad


class TableCell:
    """A cell as the line-API tables draw it: plain text in one style, and the value it came from.

    Building a Rich ``Text`` costs ~5 µs; a table of 1,000 domains has 13,000 cells, so the
    first fill spent ~70 ms on them. The tables only ever read ``plain`` and ``style``
    (text is never parsed as markup either way).
    """

    __slots__ = ("plain", "sort_value", "style")

    def __init__(self, plain: str, style: str | Style = "", sort_value: object = None) -> None:
        """A cell showing ``plain`` in ``style``; ``sort_value`` is what sorting compares."""
        self.plain = plain
        self.style = style
        self.sort_value = sort_value

    def __repr__(self) -> str:
        """For test failures: the text and the style."""
        return f"TableCell({self.plain!r}, {self.style!r})"
