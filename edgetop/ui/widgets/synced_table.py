"""A FastTable that is handed the whole wanted content each tick and applies only differences.

``sync`` takes row key → cells and an optional sort key, on the line-API table: a
refresh of a process list where a few dozen CPU% cells change each second rebuilds only
those rows' strips, and a re-sort moves cached strips instead of re-rendering cells
through Rich. It replaced a DataTable subclass that reached into DataTable's private
caches to do the same, and broke with Textual releases.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from rich.text import Text
from textual import events

from edgetop.ui.widgets.fast_table import FastTable
from edgetop.ui.widgets.table_cells import TableCell


def as_text(cell: Any) -> Text | TableCell:
    """A FastTable cell: ``Text`` or ``TableCell`` as given, anything else as its literal ``str`` (never markup)."""
    return cell if isinstance(cell, (Text, TableCell)) else Text(str(cell))


def _look(cell: Text | TableCell) -> Hashable:
    # What a FastTable draws of a cell: its plain text in its one base style. (Text.__eq__
    # ignores the base style, so a cell that only turned red would compare equal.)
    return cell.plain, str(cell.style)


class SyncedTable(FastTable):
    """A FastTable over fixed columns that remembers its cells and applies only differences."""

    class RowHighlighted(FastTable.RowMessage):
        """Another row is under the cursor: the cursor moved, or rows came, went or were re-sorted under it."""

    def __init__(self, columns: Sequence[tuple[str, str]], right: frozenset[str] = frozenset(),
                 **kwargs: Any) -> None:
        """``columns`` is a list of (key, label); keys in ``right`` are right-justified (numbers)."""
        super().__init__(**kwargs)
        for key, label in columns:
            self.add_column(label, key=key, right=key in right)
        self._looks: dict[str, tuple[Hashable, ...]] = {}
        self._highlighted: str | None = None  # the row key last told in RowHighlighted
        self._refit = False
        self.sort_reverse = False
        # sync_window: the latest items and how a row's cells are made, for rows that
        # scroll into view between ticks; rows not formatted since they last changed.
        self._items: Mapping[str, Any] = {}
        self._cells_of: Callable[[Any], Sequence[Any]] | None = None

    def on_resize(self, event: events.Resize) -> None:
        """Fit columns again at the next sync: panes size some cells to the terminal.

        The sensors pane's level bars and trends, for one, are as wide as the terminal
        allows; after the terminal narrows, the next sync brings narrower cells, and
        columns only ever widen by themselves (so no width jitter as values change).
        """
        self._refit = True

    @property
    def cursor_key(self) -> str | None:
        """The row key under the cursor (None when the table is empty)."""
        keys = self._order
        return keys[self.cursor_row] if 0 <= self.cursor_row < len(keys) else None

    def move_cursor(self, row: int, animate: bool = False) -> None:
        """Put the cursor on row index ``row`` (clamped), and tell if another row is now under it."""
        super().move_cursor(row, animate)
        self._tell_highlighted()

    def _tell_highlighted(self) -> None:
        # Compared by key, not index: panes show details of the row under the cursor, and a
        # re-sort or a removal changes that row without the cursor moving.
        key = self.cursor_key
        if key != self._highlighted:
            self._highlighted = key
            if key is not None:
                self.post_message(self.RowHighlighted(self, key, self.cursor_row))

    def row_keys_in_order(self) -> list[str]:
        """Row keys top to bottom as shown."""
        return self.row_keys

    def get_row(self, key: str) -> list[Text]:
        """The cells of row ``key``."""
        return list(self._rows[key])

    def sync(self, rows: Mapping[str, Sequence[Any]], sort_key: Callable[[str], Any] | None = None) -> None:
        """Make the table show exactly ``rows`` (row key → cells in column order).

        Args:
            rows: the wanted rows; cells are ``Text`` or values shown as ``str``.
            sort_key: when given, rows are re-sorted by it (called with the row key),
                descending when ``sort_reverse`` is set.

        """
        with self.bulk():
            for key in [k for k in self._looks if k not in rows]:
                self.remove_row(key)
                del self._looks[key]
            changes: list[tuple[str, str, Any]] = []
            for key, given in rows.items():
                cells = [as_text(c) for c in given]
                looks = tuple(_look(c) for c in cells)
                old = self._looks.get(key)
                if old is None:
                    self.add_row(*cells, key=key)
                elif old != looks:
                    changes.extend((key, self.columns[i].key, cell)
                                   for i, (before, after, cell) in enumerate(zip(old, looks, cells, strict=True))
                                   if before != after)
                self._looks[key] = looks
            self.update_cells(changes)
            if self._refit:
                self._refit = False
                self.refit_columns()
            if sort_key is not None:
                # An unplaced cursor stays on the top row as sorted (a first fill included),
                # a placed one on its row: KeyedRows.reorder.
                self.reorder(sorted(rows, key=sort_key, reverse=self.sort_reverse))
        self._tell_highlighted()

    def sync_window(self, items: Mapping[str, Any], order: Sequence[str] | None,
                    cells_of: Callable[[Any], Sequence[Any]]) -> None:
        """Make the table show exactly the rows of ``items``, formatting only those near the view.

        For tables of thousands of rows (10,000 processes): a row's cells are made by
        ``cells_of(item)`` only while the row is on screen or within a screenful of it;
        the others keep the cells they had (or none yet) and are brought up to date when
        scrolled to. Sorting is on the items, not on cells, so every tick shows the
        rows in the order of their current values. Formatting every cell of 10,000 rows
        took ~1 s a tick; this formats ~75.

        Args:
            items: row key → item, every row wanted.
            order: the row keys top to bottom (every key of ``items``), or None to keep
                rows where they are (new ones at the end).
            cells_of: an item's cells in column order (``Text`` or values shown as ``str``).

        """
        self._items, self._cells_of = items, None  # no formatting while rows move: once, at the end
        blank = (None,) * len(self.columns)
        with self.bulk():
            for key in [k for k in self._looks if k not in items]:
                self.remove_row(key)
                del self._looks[key]
            for key in items:
                if key not in self._looks:
                    self.add_row(*blank, key=key)
                    self._looks[key] = ()
            if self._refit:
                self._refit = False
                self.refit_columns()
            if order is not None:
                self.reorder(order)
            self._cells_of = cells_of
            self.format_window()
        self._tell_highlighted()

    def window(self) -> tuple[int, int]:
        """Row indexes worth formatting now: the rows on screen and a screenful either side."""
        height = max(self.size.height, 25)
        top = int(self.scroll_y)
        return max(0, top - height), top + 2 * height

    def format_window(self) -> None:
        """Bring the rows near the view up to date from the latest items (after a tick or a scroll)."""
        if self._cells_of is None:
            return
        lo, hi = self.window()
        changes: list[tuple[str, str, Any]] = []
        for key in self._order[lo:hi]:
            item = self._items.get(key)
            if item is None:
                continue
            cells = [as_text(c) for c in self._cells_of(item)]
            looks = tuple(_look(c) for c in cells)
            old = self._looks.get(key)
            if old != looks:
                changes.extend((key, self.columns[i].key, cell) for i, cell in enumerate(cells)
                               if not old or old[i] != looks[i])
                self._looks[key] = looks
        self.update_cells(changes)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Rows scrolled into view are formatted from the latest items."""
        super().watch_scroll_y(old_value, new_value)
        if self._cells_of is not None and int(old_value) != int(new_value):
            self.format_window()
