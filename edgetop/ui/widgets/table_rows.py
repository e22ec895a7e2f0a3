"""The rows of a FastTable: keyed cells, their order, column widths, and the cursor's row through changes.

What :class:`~edgetop.ui.widgets.fast_table.FastTable` paints and how its keys move the
cursor live there; what it shows lives here: rows by key in the order shown, a version per
row (its cached strip is stale once the version moves), columns that fit their content, and
the rule every change keeps for the cursor:

- Until the user puts it on a row (a key, a click, a search jump: ``cursor_placed``), the
  cursor stays on the first row whatever arrives, goes or re-sorts. Rows come in over
  time (targets answering their first polls in any order, sources found one by one, a
  re-sort by new values); a cursor that followed its row slid down the table before any
  key, and Down then landed three rows further than the technician expected.
- Once placed, it follows its row (the same pid, event, unit) wherever re-sorts move it,
  so a newer event landing above does not change what the user is reading.
- When its row goes (removed or filtered out), it lands on the neighbour that took its
  place: the next row below as it was shown, or the one above when it was the last.
- When nothing is left to follow (the table emptied) or the user chose a sort
  (:meth:`KeyedRows.cursor_to_top`), it is unplaced again: on the first row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any

from rich.cells import cell_len
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from edgetop.ui.widgets.table_cells import FastColumn, sort_marker


class KeyedRows(ScrollView):
    """Rows of cells by key, in the order shown, with a row cursor (painted by a subclass)."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        """No columns and no rows yet."""
        super().__init__(name=name, id=id, classes=classes)
        self.columns: list[FastColumn] = []
        self._col_index: dict[str, int] = {}
        self._rows: dict[str, list[Any]] = {}
        self._order: list[str] = []
        self._index: dict[str, int] | None = {}
        self._versions: dict[str, int] = {}
        # Each row's strip, kept by the painter; dropped here with its row.
        self._strips: dict[str, tuple[tuple[int, bool, int, int], Strip, Strip | None]] = {}  # key, plain, striped
        self._layout = 0  # bumped when column widths or styles change: every cached strip is stale
        self._widths_dirty = False
        self._deferred, self._resize_pending = 0, False  # see bulk()
        self.cursor_row = 0
        self.cursor_placed = False
        """The user put the cursor on a row: it follows that row; until then it stays on the first (see the module)."""

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
            # Its own row gone: the row below slid into its place (or, for the last row, the
            # one above after the clamp). Clamped now, not at the end of a bulk: a row
            # added in the same bulk would otherwise take the vacated index.
            self._clamp_cursor()
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
        before, row, at = self._order, self.cursor_row, self._followed()
        self._order = list(keys)
        self._index = None
        index = None
        if at is None:
            self.cursor_row = 0  # never placed: the first row shown
        else:
            index = self.get_row_index_or_none(at)
            if index is None:  # filtered out: onto the neighbour that is still shown
                index = self._nearest_shown(before, row)
            if index is not None:
                self.cursor_row = index
        self._clamp_cursor()
        self._resize()  # fewer or more lines: the size, a repaint
        if index is not None:
            self._scroll_to_cursor()
        return True

    def _followed(self) -> str | None:
        """The row key the cursor follows: None until the user placed it (it stays on the first row)."""
        if not self.cursor_placed or not 0 <= self.cursor_row < len(self._order):
            return None
        return self._order[self.cursor_row]

    def _nearest_shown(self, before: Sequence[str], row: int) -> int | None:
        """Where the nearest shown neighbour of ``before[row]`` is now: the first below it, else above."""
        for key in chain(before[row + 1:], reversed(before[:row])):
            index = self.get_row_index_or_none(key)
            if index is not None:
                return index
        return None

    def _clamp_cursor(self) -> None:
        if not self._order:
            # Nothing left to follow: rows that come later start from the top, as at first.
            self.cursor_row, self.cursor_placed = 0, False
        else:
            self.cursor_row = max(0, min(self.cursor_row, len(self._order) - 1))

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
        self._clamp_cursor()  # now, not at the end of a bulk (see remove_row)
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
            self.repaint_changed()

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
        at = self._followed()
        self._order = list(keys)
        self._index = None
        if at is not None:
            # A placed cursor stays on its row (the same pid, domain, unit) wherever new
            # values moved it, and the view scrolls only if it left the screen. (A sort the
            # user asks for starts at the top instead: see ``cursor_to_top``.)
            self.cursor_row = self.get_row_index(at)
            self._scroll_to_cursor()
        else:
            # Never placed: the first row, whichever row that now is. The view is left
            # where it is (a wheel scroll is not undone every tick).
            self.cursor_row = 0
        self.repaint_changed()  # rows keep their cached strips: only the cursor rows are rebuilt
        return True

    def _scroll_to_cursor(self) -> None:
        top, page = int(self.scroll_y), self._page()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + page:
            self.scroll_to(y=self.cursor_row - page + 1, animate=False, immediate=True)

    def cursor_to_top(self) -> None:
        """Put the cursor on the first row and the view at the top (after the user chose a sort).

        A sort chosen is a request to see the list from its top: the cursor is unplaced
        again, so it stays on the first row as later ticks re-sort, until a key moves it.
        """
        self.cursor_row, self.cursor_placed = 0, False
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
        size = Size(width, len(self._order) + 1)
        if size != self.virtual_size:
            if self._sized_by_rows():
                self.virtual_size = size  # its box grows with its rows: the screen is laid out again
            else:
                # Textual lays out the whole screen when a widget's virtual size changes (the
                # reactive has layout=True): every widget on screen, ~4 ms here, each time a
                # process starts or ends. A table whose box does not depend on its rows
                # (height 1fr) only needs its scrollbars and scroll offset kept in bounds, as
                # Textual itself does for a size found by a layout (Widget._size_updated with
                # layout=False).
                self.set_reactive(KeyedRows.virtual_size, size)
                self._scroll_update(size)
        self._clamp_cursor()
        self.repaint_changed()

    def repaint_changed(self) -> None:
        """Mark for repainting what the rows' changes altered (here: everything; FastTable: its changed lines)."""
        self.refresh()

    def _sized_by_rows(self) -> bool:
        """Whether the table's box depends on its rows or columns (``height``/``width: auto``)."""
        height, width = self.styles.height, self.styles.width
        return bool((height is not None and height.is_auto) or (width is not None and width.is_auto))

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)  # less the header line

