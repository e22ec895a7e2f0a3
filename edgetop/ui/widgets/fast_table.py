"""A keyed table drawn with the line API: fixed-width columns, one cached strip per row.

Textual's DataTable renders every newly visible cell through Rich (Styled, Padding,
``render_lines``), about 0.2 ms a cell; after a re-sort of 1,000 domains ~40 rows of
13 never-rendered cells took ~95 ms to paint. Here a row is built straight from each
cell's plain text and style into ``Segment`` s, and the strip is cached per row key
(with the row's version, whether the cursor is on it, and the line width), so a
re-sort or a scroll only builds rows that changed or were never seen.

The rows themselves (keys, order, versions, column widths, the cursor's row through
changes) are :class:`~edgetop.ui.widgets.table_rows.KeyedRows`; this module paints them and
moves the cursor on keys and clicks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip

from edgetop.ui.widgets.table_cells import cell_style, fit
from edgetop.ui.widgets.table_rows import KeyedRows

# What a view line shows (the first item of its look, see FastTable._line_look).
_HEADER, _ROW, _BLANK = "header", "row", "blank"


class FastTable(KeyedRows, can_focus=True):
    """A table of keyed rows with a row cursor; cells are ``Text``-like (``.plain``, ``.style``).

    A cell is drawn as its plain text in its one style (spans are not drawn): cell text
    is never parsed as markup, so names from the outside world show literally.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", id="table.cursor_up", show=False),
        Binding("down", "cursor_down", "Down", id="table.cursor_down", show=False),
        Binding("pageup", "page_up", "Page up", id="table.page_up", show=False),
        Binding("pagedown", "page_down", "Page down", id="table.page_down", show=False),
        Binding("home", "cursor_home", "Top", id="table.cursor_home", show=False),
        Binding("end", "cursor_end", "Bottom", id="table.cursor_end", show=False),
        Binding("enter", "select_cursor", "Select", id="table.select", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"fast-table--header", "fast-table--cursor", "fast-table--even-row"}
    # The same theme variables DataTable uses, so the pane looks as it did.
    DEFAULT_CSS = """
    FastTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        &:focus {
            background-tint: $foreground 5%;
            & > .fast-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground;
                                      text-style: $block-cursor-text-style; }
            & > .fast-table--header { background-tint: $foreground 5%; }
        }
        &:dark > .fast-table--even-row { background: $surface-darken-1 40%; }
        & > .fast-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .fast-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .fast-table--even-row { background: $surface-lighten-1 50%; }
        & > .fast-table--cursor { background: $block-cursor-blurred-background;
                                  color: $block-cursor-blurred-foreground;
                                  text-style: $block-cursor-blurred-text-style; }
    }
    """

    class RowMessage(Message):
        """Something happened to the row ``row_key``, shown at index ``cursor_row`` of ``table``."""

        def __init__(self, table: FastTable, row_key: str, cursor_row: int) -> None:
            """Say it of row ``row_key`` at index ``cursor_row`` of ``table``."""
            super().__init__()
            self.table, self.row_key, self.cursor_row = table, row_key, cursor_row

        @property
        def control(self) -> FastTable:
            """The table, so ``@on(FastTable.RowSelected, "#id")`` matches."""
            return self.table

    class RowSelected(RowMessage):
        """Enter (or a click) on a row."""

    class HeaderSelected(Message):
        """A click on a column header."""

        def __init__(self, table: FastTable, column_key: str) -> None:
            """The header of ``column_key`` in ``table`` was clicked."""
            super().__init__()
            self.table, self.column_key = table, column_key

        @property
        def control(self) -> FastTable:
            """The table."""
            return self.table

    on_scrolled: Callable[[], None] | None = None
    """Called when the first visible row changes (the pane catches up rows it skipped)."""

    def __init__(self, *, zebra_stripes: bool = True, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        """An empty table; add columns, then rows."""
        super().__init__(name=name, id=id, classes=classes)
        self.zebra_stripes = zebra_stripes
        self._header: tuple[tuple[int, int], Strip] | None = None
        self._base: tuple[int, Style] | None = None  # the widget's own colours, per layout
        self.render_count = 0
        """Rows built (not served from the cache) since the table was made; for tests and benchmarks."""
        self._painted: dict[int, tuple[Any, ...]] = {}  # view line -> what it showed when last painted
        self.lines_painted = 0
        """View lines painted (render_line calls) since the table was made; for tests and benchmarks."""

    def notify_style_update(self) -> None:
        """Theme, focus or CSS changed: cached strips carry old colours."""
        super().notify_style_update()
        self._layout += 1

    def _on_focus(self, event: events.Focus) -> None:
        self._layout += 1  # the cursor is drawn differently with and without focus
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        self._layout += 1
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the view: the header, then rows from the scroll position."""
        if self._widths_dirty:
            self._fit_widths()
        width = self.scrollable_content_region.width
        full = max(self.virtual_size.width, width)
        scroll_x = int(self.scroll_x)
        look = self._line_look(y, full, width)
        self._painted[y] = look
        self.lines_painted += 1
        if look[0] == _BLANK:
            return Strip.blank(width, self._base_style())
        if look[0] == _HEADER:
            strip = self._header_strip(full)
        else:
            key, _version, cursor, striped = look[1:5]
            strip = self._row_strip(key, cursor, full, striped)
        return strip.crop(scroll_x, scroll_x + width)

    def _line_look(self, y: int, full: int, width: int) -> tuple[Any, ...]:
        """What view line ``y`` shows now: everything its strip depends on."""
        common = (self._layout, full, width, int(self.scroll_x))
        if y == 0:
            return (_HEADER, *common)
        index = int(self.scroll_y) + y - 1
        if index >= len(self._order):
            return (_BLANK, *common)
        key = self._order[index]
        cursor = index == self.cursor_row
        return (_ROW, key, self._versions[key], cursor, self.zebra_stripes and index % 2 == 0 and not cursor,
                *common)

    def repaint_changed(self) -> None:
        """Repaint only the view lines that would now show something else than they last did.

        A tick re-sorts and updates a table wholesale, but most of its lines show what they
        showed: the Processes pane repainted all ~38 of its lines every second, each through
        Textual's whole line pipeline (styles, crop, filters, compositor), for a dozen that
        changed; a line whose row, row version, cursor, stripe, layout and scroll are the
        same as when it was painted is left alone. (Scrolling, resizing and focus repaint
        everything through Textual or :meth:`refresh`.)
        """
        region = self.scrollable_content_region
        full = max(self.virtual_size.width, region.width)
        top = int(self.scroll_y)
        for y in range(region.height):
            if self._painted.get(y) != self._line_look(y, full, region.width):
                self.refresh_line(top + y)  # a virtual line: the view's line y

    def _header_strip(self, full: int) -> Strip:
        key = (self._layout, full)
        if self._header is None or self._header[0] != key:
            style = self.get_component_rich_style("fast-table--header")
            text = "".join(f" {fit(c.heading, c.width, c.right)} " for c in self.columns if not c.hidden)
            self._header = key, Strip([Segment(text.ljust(full), style)], full)
        return self._header[1]

    def _row_strip(self, key: str, cursor: bool, full: int, striped: bool) -> Strip:
        # Striping depends on the row's position: the striped copy is kept beside the row's
        # strip, so a re-sort that moves a row to an even place stripes it once (its cells
        # are not rendered again) and every later paint serves the same Strip object. That
        # object is what lets Textual reuse its crop and line-filter results too: a freshly
        # striped copy per paint defeated them (~15% of the processes pane's CPU).
        cache_key = (self._versions[key], cursor, self._layout, full)
        cached = self._strips.get(key)
        if cached is None or cached[0] != cache_key:
            cached = cache_key, self._render_row(self._rows[key], cursor, full), None
            self._strips[key] = cached
        if not striped:
            return cached[1]
        if cached[2] is not None:
            return cached[2]
        # Over the row's own background, and the background only: cell colours stay.
        even = Style.from_color(bgcolor=self.get_component_rich_style("fast-table--even-row").bgcolor)
        plain = cached[1]
        stripe = Strip(Segment.apply_style(plain, post_style=even), plain.cell_length)
        self._strips[key] = cache_key, plain, stripe
        return stripe

    def _base_style(self) -> Style:
        # Textual paints no background or colour under a line-API widget's strips (DataTable
        # applies its own): without these, rows showed the terminal's default colours.
        if self._base is None or self._base[0] != self._layout:
            self._base = self._layout, self.rich_style
        return self._base[1]

    def _render_row(self, cells: list[Any], cursor: bool, full: int) -> Strip:
        """Build one row from its cells' plain text and style (never parsed as markup)."""
        self.render_count += 1
        base = self._base_style()
        cursor_style = self.get_component_rich_style("fast-table--cursor") if cursor else Style.null()
        row_style = base + cursor_style
        segments: list[Segment] = []
        used = 0
        for col, cell in zip(self.columns, cells, strict=True):
            if col.hidden:
                continue
            text = "" if cell is None else cell.plain
            style = base if cell is None else base + cell_style(cell.style)
            # The cursor wins over the cell's own colour, as in DataTable: the row reads as one bar.
            segments.append(Segment(" ", row_style))
            segments.append(Segment(fit(text, col.width, col.right), style + cursor_style if cursor else style))
            segments.append(Segment(" ", row_style))
            used += col.width + 2
        if full > used:
            segments.append(Segment(" " * (full - used), row_style))
        return Strip(segments, max(full, used))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolling may reveal rows the owner has not brought up to date."""
        super().watch_scroll_y(old_value, new_value)
        if self.on_scrolled is not None and int(old_value) != int(new_value):
            self.on_scrolled()

    def move_cursor(self, row: int, animate: bool = False) -> None:
        """Put the cursor on row index ``row`` (clamped) and scroll it into view; it follows that row from now on.

        Keys, clicks and a pane's search jump all come here: the cursor is then placed
        (see :mod:`~edgetop.ui.widgets.table_rows`), where before it stayed on the first row.
        """
        if not self._order:
            self.cursor_row = 0
            return
        self.cursor_placed = True
        old, self.cursor_row = self.cursor_row, max(0, min(row, len(self._order) - 1))
        top, page = int(self.scroll_y), self._page()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=animate, immediate=True)
        elif self.cursor_row >= top + page:
            self.scroll_to(y=self.cursor_row - page + 1, animate=animate, immediate=True)
        else:
            # Nothing scrolled: repaint the two rows the cursor left and entered, not the
            # whole view (a full repaint of 40 lines cost ~30 ms per key in the compositor).
            # Virtual line of row i is i + 1: the header is line 0.
            if old != self.cursor_row:
                self.refresh_line(old + 1)
                self.refresh_line(self.cursor_row + 1)
            return
        self.refresh()

    def action_cursor_up(self) -> None:
        """One row up."""
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        """One row down."""
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        """One screenful up."""
        self.move_cursor(self.cursor_row - self._page())

    def action_page_down(self) -> None:
        """One screenful down."""
        self.move_cursor(self.cursor_row + self._page())

    def action_cursor_home(self) -> None:
        """First row, and it stays on the first row as rows come and re-sort (as when the pane opened).

        Home is how a technician gets back to the newest event or the busiest process:
        following the row that happened to be on top would leave them on an older one.
        """
        self.move_cursor(0)
        self.cursor_placed = False

    def action_cursor_end(self) -> None:
        """Last row."""
        self.move_cursor(len(self._order) - 1)

    def action_select_cursor(self) -> None:
        """Post ``RowSelected`` for the cursor row."""
        if self._order:
            self.post_message(self.RowSelected(self, self._order[self.cursor_row], self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        """A header click selects the column; a row click moves the cursor there and selects it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        if offset.y == 0:
            x = offset.x + int(self.scroll_x)
            for col in self.columns:
                if col.hidden:
                    continue
                if x < col.width + 2:
                    self.post_message(self.HeaderSelected(self, col.key))
                    return
                x -= col.width + 2
            return
        index = int(self.scroll_y) + offset.y - 1
        if index < len(self._order):
            self.move_cursor(index)
            self.action_select_cursor()
