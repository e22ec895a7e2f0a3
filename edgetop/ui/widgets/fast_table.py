"""A keyed table drawn with the line API: fixed-width columns, one cached strip per row.

Textual's DataTable renders every newly visible cell through Rich (Styled, Padding,
``render_lines``), about 0.2 ms a cell; after a re-sort of 1,000 domains ~40 rows of
13 never-rendered cells took ~95 ms to paint. Here a row is built straight from each
cell's plain text and style into ``Segment`` s, and the strip is cached per row key
(with the row's version, whether the cursor is on it, and the line width), so a
re-sort or a scroll only builds rows that changed or were never seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from edgetop.ui.widgets.table_cells import FastColumn, cell_style, fit, sort_marker


class FastTable(ScrollView, can_focus=True):
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
        self.columns: list[FastColumn] = []
        self._col_index: dict[str, int] = {}
        self._rows: dict[str, list[Any]] = {}
        self._order: list[str] = []
        self._index: dict[str, int] | None = {}
        self._versions: dict[str, int] = {}
        self._strips: dict[str, tuple[tuple[int, bool, int, int], Strip, Strip | None]] = {}  # key, plain, striped
        self._header: tuple[tuple[int, int], Strip] | None = None
        self._base: tuple[int, Style] | None = None  # the widget's own colours, per layout
        self._layout = 0  # bumped when column widths or styles change: every cached strip is stale
        self._widths_dirty = False
        self._deferred, self._resize_pending = 0, False  # see bulk()
        self.cursor_row = 0
        self.render_count = 0
        """Rows built (not served from the cache) since the table was made; for tests and benchmarks."""

    @property
    def row_count(self) -> int:
        """Rows in the table."""
        return len(self._order)

    @property
    def row_keys(self) -> list[str]:
        """Row keys top to bottom as shown."""
        return list(self._order)

    def add_column(self, label: str, key: str, width: int | None = None, right: bool = False) -> None:
        """Append a column; ``width`` fixes its width, otherwise it fits header and content."""
        self._col_index[key] = len(self.columns)
        self.columns.append(FastColumn(key, label, width or cell_len(label), width is not None, right))
        for cells in self._rows.values():
            cells.append(None)
        self._changed_layout()

    def add_row(self, *cells: Any, key: str) -> None:
        """Append a row of ``cells`` (one per column) under ``key``."""
        if key in self._rows:
            raise KeyError(f"row {key!r} exists")
        self._rows[key] = list(cells)
        self._versions[key] = 0
        if self._index is not None:
            self._index[key] = len(self._order)
        self._order.append(key)
        for col, cell in zip(self.columns, cells, strict=False):
            self._grow(col, cell)
        self._resize()

    def remove_row(self, key: str) -> None:
        """Remove the row ``key``; column widths are recomputed before the next paint.

        The cursor stays on the row it was on: a row going away above it moves it up one,
        so the highlight never slides onto a neighbour because something else ended.
        """
        del self._rows[key]
        if self._index is not None:
            index = self._index.get(key)
        else:
            try:
                index = self._order.index(key)
            except ValueError:
                index = None
        if index is not None:  # shown (a hidden row leaves no line)
            del self._order[index]
            if index < self.cursor_row:
                self.cursor_row -= 1
        self._index = None
        self._versions.pop(key, None)
        self._strips.pop(key, None)
        self._widths_dirty = True
        self._resize()

    def show(self, keys: Sequence[str]) -> bool:
        """Show only the rows ``keys`` (each a row of the table, once), in this order; the others stay, hidden.

        For a filter: a hidden row keeps its cells and its cached strip, so showing it again
        costs nothing, and the columns keep fitting every row, hidden or not (they do not
        jump as the filter is typed). The cursor stays on its row while that row is shown.
        :meth:`reorder` sorts the rows shown; :attr:`row_keys` and :attr:`row_count` are
        those shown.

        Returns:
            True when what is shown changed (and a repaint was scheduled).

        """
        if list(keys) == self._order:
            return False
        if len(set(keys)) != len(keys) or any(k not in self._rows for k in keys):
            raise ValueError("show needs row keys of this table, each once")
        at = self._order[self.cursor_row] if 0 <= self.cursor_row < len(self._order) else None
        self._order = list(keys)
        self._index = None
        index = None if at is None else self.get_row_index_or_none(at)
        if index is not None:
            self.cursor_row = index
        self._resize()  # fewer or more lines: the size, the cursor clamped, a repaint
        if index is not None:
            self._scroll_to_cursor()
        return True

    def get_row_index_or_none(self, key: str) -> int | None:
        """Where row ``key`` is shown, or None when it is hidden or not a row."""
        if self._index is None:
            self._index = {k: i for i, k in enumerate(self._order)}
        return self._index.get(key)

    def remove_rows(self, keys: Iterable[str]) -> None:
        """Remove every row in ``keys`` (unknown keys skipped) in one pass over the rows.

        The same as :meth:`remove_row` for each, where each removal searches the order
        (1,000 rows filtered away one by one cost a million comparisons).
        """
        gone = {key for key in keys if key in self._rows}
        if not gone:
            return
        # The cursor stays on its row: up one for each row removed above it.
        self.cursor_row -= sum(1 for key in self._order[:self.cursor_row] if key in gone)
        self._order = [key for key in self._order if key not in gone]
        for key in gone:
            del self._rows[key]
            self._versions.pop(key, None)
            self._strips.pop(key, None)
        self._index = None
        self._widths_dirty = True
        self._resize()

    def update_cells(self, changes: Iterable[tuple[str, str, Any]]) -> None:
        """Set ``(row key, column key, cell)`` triples; unknown rows or columns are skipped."""
        touched = False
        for row, col, cell in changes:
            cells, index = self._rows.get(row), self._col_index.get(col)
            if cells is None or index is None:
                continue
            cells[index] = cell
            self._versions[row] += 1  # the row's cached strip no longer matches
            self._grow(self.columns[index], cell)
            touched = True
        if touched:
            self.refresh()

    def refit_columns(self) -> None:
        """Fit column widths to header and content again before the next paint (they only widen by themselves)."""
        self._widths_dirty = True
        self.refresh()

    def get_cell(self, row: str, column: str) -> Any:
        """The cell at row key ``row``, column key ``column``."""
        return self._rows[row][self._col_index[column]]

    def get_row_at(self, index: int) -> list[Any]:
        """The cells of the row shown at ``index``."""
        return list(self._rows[self._order[index]])

    def get_row_index(self, key: str) -> int:
        """Where row ``key`` is shown (0 at the top)."""
        if self._index is None:  # rebuilt lazily: a removal shifts every later row
            self._index = {k: i for i, k in enumerate(self._order)}
        return self._index[key]

    def reorder(self, keys: Sequence[str]) -> bool:
        """Show the rows in the order of ``keys`` (every row key shown: see :meth:`show`).

        Returns:
            True when the order changed (and a repaint was scheduled).

        """
        if list(keys) == self._order:
            return False
        if len(keys) != len(self._order) or set(keys) != set(self._order):
            raise ValueError("reorder needs every row key shown, exactly once")
        at = self._order[self.cursor_row] if 0 <= self.cursor_row < len(self._order) else None
        self._order = list(keys)
        self._index = None
        if at is not None:
            # The cursor stays on its row (the same pid, domain, unit) wherever new values
            # moved it, and the view scrolls only if it left the screen. (A sort the user
            # asks for starts at the top instead: see ``cursor_to_top``.)
            self.cursor_row = self.get_row_index(at)
            self._scroll_to_cursor()
        self.refresh()  # rows keep their cached strips: only the cursor rows are rebuilt
        return True

    def _scroll_to_cursor(self) -> None:
        top, page = int(self.scroll_y), self._page()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + page:
            self.scroll_to(y=self.cursor_row - page + 1, animate=False, immediate=True)

    def cursor_to_top(self) -> None:
        """Put the cursor on the first row and the view at the top (after the user chose a sort)."""
        self.cursor_row = 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def set_hidden(self, keys: frozenset[str]) -> None:
        """Hide the columns in ``keys`` and show the others (their cells are kept)."""
        changed = False
        for col in self.columns:
            if col.hidden != (col.key in keys):
                col.hidden = col.key in keys
                changed = True
        if changed:
            self._changed_layout()

    def set_sort(self, column: str | tuple[str, ...] | None, descending: bool = False) -> None:
        """Mark ``column`` in the header as the sort key, with its direction (None: no mark).

        A tuple marks several columns that sort together (the network pane's busiest
        first sorts by RX + TX).
        """
        marked = () if column is None else (column,) if isinstance(column, str) else column
        changed = False
        for col in self.columns:
            marker = sort_marker(descending) if col.key in marked else ""
            if col.marker != marker:
                col.marker = marker
                changed = True
        if changed:
            # Only the sort column widens for its marker (a cell of room in every column
            # would cost 13 cells of the domains table at 80 columns); no rescan of the
            # rows: at 10,000 rows that cost more than the sort.
            for col in self.columns:
                if not col.fixed and not col.hidden:
                    col.width = max(col.width, cell_len(col.heading))
            self._changed_layout()  # the header strip is cached per layout

    def _grow(self, col: FastColumn, cell: Any) -> None:
        # Only ever widen here: narrowing needs a scan of the column, done lazily.
        if cell is not None and not col.fixed:
            width = cell_len(cell.plain)
            if width > col.width:
                col.width = width
                self._changed_layout()

    def _fit_widths(self) -> None:
        """Recompute column widths from header and content (after rows went away)."""
        self._widths_dirty = False
        for index, col in enumerate(self.columns):
            if not col.fixed:
                widths = (cell_len(c[index].plain) for c in self._rows.values() if c[index] is not None)
                width = max(max(widths, default=0), cell_len(col.heading))
                if width != col.width:
                    col.width = width
                    self._changed_layout()

    def _changed_layout(self) -> None:
        self._layout += 1
        self._resize()

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Apply many row additions and removals with one size update and repaint at the end.

        Each ``add_row`` otherwise sets ``virtual_size`` and asks for a repaint: filling the
        table with 1,000 domains spent ~140 ms of a 440 ms first fill doing that 1,000 times.
        """
        self._deferred += 1
        try:
            yield
        finally:
            self._deferred -= 1
            if not self._deferred and self._resize_pending:
                self._resize_pending = False
                self._resize()

    def _resize(self) -> None:
        if self._deferred:
            self._resize_pending = True
            return
        # One header line above the rows; each column has a space either side.
        width = sum(c.width + 2 for c in self.columns if not c.hidden)
        self.virtual_size = Size(width, len(self._order) + 1)
        self.cursor_row = max(0, min(self.cursor_row, len(self._order) - 1))
        self.refresh()

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
        scroll_x, scroll_y = int(self.scroll_x), int(self.scroll_y)
        if y == 0:
            strip = self._header_strip(full)
        else:
            index = scroll_y + y - 1
            if index >= len(self._order):
                return Strip.blank(width, self._base_style())
            cursor = index == self.cursor_row
            strip = self._row_strip(self._order[index], cursor, full,
                                    self.zebra_stripes and index % 2 == 0 and not cursor)
        return strip.crop(scroll_x, scroll_x + width)

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

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)  # less the header line

    def move_cursor(self, row: int, animate: bool = False) -> None:
        """Put the cursor on row index ``row`` (clamped) and scroll it into view."""
        if not self._order:
            self.cursor_row = 0
            return
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
        """First row."""
        self.move_cursor(0)

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
