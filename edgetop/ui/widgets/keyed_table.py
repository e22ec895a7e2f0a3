"""Update a DataTable by row key: remove vanished rows, update changed cells, add new ones.

Re-adding every row each second makes Textual re-measure and re-render the whole table;
touching only changed cells keeps a 1 s refresh cheap (dolphie does the same).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey


def _identity(cell: Any) -> Hashable:
    """Return what makes a cell look different.

    ``Text.__eq__`` ignores the base style, so a cell that only turned red would
    compare equal and never be redrawn.
    """
    if isinstance(cell, Text):
        return (cell.plain, str(cell.style), tuple(cell.spans))
    return cell  # type: ignore[no-any-return]


def reorder_rows(table: DataTable[Any], keys: Sequence[str]) -> bool:
    """Show ``table``'s rows in the order of ``keys`` (every current row key), cheaply.

    ``DataTable.sort`` bumps the table's update count, which throws away every cached
    cell render although no cell changed; re-rendering ~40 visible rows of 13 cells then
    took 100-180 ms with 1,000 domains. A reorder changes only positions, so only the
    caches keyed by position (lines, rows with their cursor and hover, offsets, the
    ordered row list) are dropped; cell renders, keyed by row and column, are kept.

    Returns:
        True when the order changed (and a refresh was scheduled).

    """
    current = [str(row.key.value) for row in table.ordered_rows]
    if list(keys) == current:
        return False
    table._row_locations = TwoWayDict({RowKey(k): i for i, k in enumerate(keys)})
    for cache in (table._line_cache, table._row_render_cache, table._row_renderable_cache,
                  table._offset_cache, table._ordered_row_cache):
        cache.clear()
    table.refresh()
    return True


class KeyedTable(DataTable[Any]):
    """A DataTable that remembers its cells and applies only differences."""

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        """``columns`` is a list of (key, label)."""
        super().__init__(**kwargs)
        self._column_keys = [key for key, _ in columns]
        self._labels = dict(columns)
        self._cells: dict[str, tuple[Hashable, ...]] = {}
        self.sort_column: str | None = None
        self.sort_reverse = False

    def on_mount(self) -> None:
        """Create the columns."""
        for key in self._column_keys:
            self.add_column(self._labels[key], key=key)

    def sync(self, rows: Mapping[str, Sequence[Any]], sort_key: Callable[[str], Any] | None = None) -> None:
        """Make the table show exactly ``rows`` (row key → cells in column order).

        Args:
            rows: the wanted rows.
            sort_key: when given, rows are re-sorted by it (called with the row key).

        """
        for key in [k for k in self._cells if k not in rows]:
            self.remove_row(key)
            del self._cells[key]
        added = False
        changed: set[RowKey] = set()
        for key, given in rows.items():
            cells = tuple(given)
            seen = tuple(_identity(c) for c in cells)
            old = self._cells.get(key)
            if old is None:
                self.add_row(*cells, key=key)
                added = True
            elif old != seen:
                row_key = RowKey(key)
                for column, (before, after) in enumerate(zip(old, seen, strict=True)):
                    if before != after:
                        self._data[row_key][ColumnKey(self._column_keys[column])] = cells[column]
                changed.add(row_key)
            self._cells[key] = seen
        if changed:
            self._forget_rows(changed)
        if sort_key is not None:
            self.order_by(sorted(rows, key=sort_key, reverse=self.sort_reverse))
        elif added:
            self.refresh()

    def _forget_rows(self, rows: set[RowKey]) -> None:
        """Drop the cached renders of ``rows`` only, then repaint.

        ``DataTable.update_cell`` bumps the table-wide update count, which makes every
        visible cell render again; with a process list where a few dozen CPU% cells
        change each second that was most of edgetop's CPU time. Cell and row renders
        are keyed by row, so only the changed rows' entries are dropped (and the caches
        keyed by position, which are cheap to rebuild from the kept row renders).
        """
        by_row: tuple[Any, ...] = (self._cell_render_cache, self._row_render_cache)
        for cache in by_row:
            for cache_key in [k for k in cache.keys() if k[0] in rows]:  # noqa: SIM118 - LRUCache is not iterable
                cache.discard(cache_key)
        self._line_cache.clear()
        self._row_renderable_cache.clear()
        self.refresh()

    def order_by(self, keys: Sequence[str]) -> None:
        """Show rows in the order of ``keys`` (all current row keys), refreshing only if it changed.

        DataTable.sort hands the key function cell values, not row keys; sorting on the
        pane's own model (raw numbers, not formatted cells) needs the row key, so the
        row locations are set the way DataTable.sort itself sets them.
        """
        reorder_rows(self, keys)

    def row_keys_in_order(self) -> list[str]:
        """Row keys top to bottom as shown."""
        return [str(row.key.value) for row in self.ordered_rows]
