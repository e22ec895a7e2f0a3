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


def as_text(cell: Any) -> Text:
    """A FastTable cell: ``Text`` as given, anything else as its literal ``str`` (never markup)."""
    return cell if isinstance(cell, Text) else Text(str(cell))


def _look(cell: Text) -> Hashable:
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
        had_cursor = self.cursor_key is not None
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
                self.reorder(sorted(rows, key=sort_key, reverse=self.sort_reverse))
                if not had_cursor:
                    # A first fill: the cursor starts on the top row as sorted, not on
                    # whichever row happened to be added first.
                    self.cursor_row = 0
                    self.scroll_to(y=0, animate=False, immediate=True)
        self._tell_highlighted()
