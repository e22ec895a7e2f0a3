"""The skeleton of a table pane: a status line over one SyncedTable, fed by one collector.

A new table pane is one module with a subclass that names its columns and says how its
collector's view becomes rows, plus one line in ``ui/pane_list.py``::

    class StoragePane(TablePane):
        PANE_ID = "storage"          # also the collector shown, unless SOURCE says otherwise
        TITLE = "Storage"
        COLUMNS = (("device", "DEVICE"), ("util", "UTIL%"))
        RIGHT = frozenset({"util"})

        def items(self, view):
            return {d.name: d for d in view.devices}

        def cells(self, d, stale):
            return (literal(d.name), pct(d.util_ratio))

The status line is ``unavailable: <reason>`` while the collector is not ok (the last
good values stay on screen), followed by the pane's :meth:`TablePane.summary`. Panes with
``SORTS`` sort by column: ``sort_by(column)``, next/previous column and invert, bound in
the pane's own key scope with :func:`column_sort_bindings`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from edgetop.engine.store import Store
from edgetop.ui.panes.base import Pane, status_text
from edgetop.ui.widgets.static_text import set_text
from edgetop.ui.widgets.synced_table import SyncedTable


def column_sort_bindings(scope: str) -> list[BindingType]:
    """``>``/``<`` (next/previous sort column) and ``I`` (invert), with ids in ``scope``."""
    return [
        Binding("greater_than_sign", "sort_next", "Sort>", id=f"{scope}.sort_next", key_display=">"),
        Binding("less_than_sign", "sort_previous", "Sort<", id=f"{scope}.sort_previous", key_display="<",
                show=False),
        Binding("I", "sort_invert", "Invert", id=f"{scope}.sort_invert"),
    ]


class TablePane(Pane):
    """A status line and one table of the rows of one collector's view."""

    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = ()
    """(key, label) of each column, left to right."""
    RIGHT: ClassVar[frozenset[str]] = frozenset()
    """Column keys shown right-justified (numbers)."""
    ZEBRA: ClassVar[bool] = False
    SOURCE: ClassVar[str] = ""
    """The collector whose view the table shows; ``PANE_ID`` when empty."""
    BANNER_JOIN: ClassVar[str] = "  "
    """What goes between the ``unavailable`` banner and the summary (``"\\n"``: a line of its own)."""
    SORTS: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}
    """Column key → the sort value of an item; the columns that can be sorted by."""
    DESCENDING: ClassVar[frozenset[str]] = frozenset()
    """Columns that sort largest first when chosen (numbers); the others A to Z."""

    def __init__(self, store: Store) -> None:
        """Create the pane over ``store``; rows keep their order until a sort is chosen."""
        super().__init__(store)
        self.sort_column: str | None = None
        self.sort_reverse = False
        self.shown: dict[str, Any] = {}  # row key → item, as last synced

    # ------------------------------------------------------------ for subclasses
    def items(self, view: Any) -> Mapping[str, Any]:
        """Row key → item (the model a row shows), in display order before any sort."""
        raise NotImplementedError

    def cells(self, item: Any, stale: bool) -> Sequence[Any]:
        """One row's cells in column order; ``stale`` while the values are the last good ones."""
        raise NotImplementedError

    def summary(self, view: Any, items: Mapping[str, Any]) -> Text:
        """The status line after the banner (counts, the current order, a filter…)."""
        return Text()

    def sort_key(self, items: Mapping[str, Any]) -> Callable[[str], Any] | None:
        """How rows are ordered: by ``SORTS[sort_column]``, ties in item order; None keeps rows as they came."""
        sort = self.SORTS.get(self.sort_column or "")
        if sort is None:
            return None
        position = {key: n for n, key in enumerate(items)}
        return lambda key: (sort(items[key]), position[key])

    def marked(self) -> tuple[str | None, bool]:
        """The column the header marks as the sort key, and whether it sorts descending."""
        return (self.sort_column if self.sort_column in self.SORTS else None), self.sort_reverse

    def ordering(self, items: Mapping[str, Any]) -> tuple[Callable[[str], Any] | None, bool]:
        """The sort key for the table and whether it sorts descending (a tree view orders rows itself)."""
        return self.sort_key(items), self.sort_reverse

    # ------------------------------------------------------------ the skeleton
    @property
    def source(self) -> str:
        """The name of the collector shown."""
        return self.SOURCE or self.PANE_ID

    def compose(self) -> ComposeResult:
        """The status line over the table."""
        yield Static(id=f"{self.PANE_ID}-status", classes="banner")
        yield SyncedTable(self.COLUMNS, right=self.RIGHT, id=f"{self.PANE_ID}-table", zebra_stripes=self.ZEBRA)

    @property
    def table(self) -> SyncedTable:
        """The table."""
        return self.query_one(f"#{self.PANE_ID}-table", SyncedTable)

    @property
    def status(self) -> Static:
        """The status line."""
        return self.query_one(f"#{self.PANE_ID}-status", Static)

    def selected(self) -> Any | None:
        """The item under the cursor (None when the table is empty)."""
        key = self.table.cursor_key
        return None if key is None else self.shown.get(key)

    def refresh_view(self) -> None:
        """Render the collector's latest view: the status line, then the rows (only differences)."""
        sample = self.store.get(self.source)
        view = sample.last_view if sample is not None else None
        line = Text(no_wrap=True)
        banner = status_text(sample, self.source)
        if banner is not None:
            line.append_text(banner)
        if sample is None or view is None:
            set_text(self.status, line)
            return
        items = self.items(view)
        self.shown = dict(items)
        if banner is not None:
            line.append(self.BANNER_JOIN)
        line.append_text(self.summary(view, items))
        set_text(self.status, line)
        stale = sample.view is None
        table = self.table
        with self.app.batch_update():
            key, reverse = self.ordering(items)
            table.set_sort(*self.marked())
            # Re-sorted every tick on the items' values (stable: ties keep item order),
            # so the order shown is the order of the values shown; the table keeps the
            # cursor on the first row or, once the user moved it, on its row (KeyedRows),
            # and formats only the rows near the view.
            order = None if key is None else sorted(items, key=key, reverse=reverse)
            table.sync_window(items, order, lambda item: self.cells(item, stale))

    # ------------------------------------------------------------ column sorting
    def sort_by(self, column: str) -> None:
        """Sort by ``column`` in its natural direction (``DESCENDING`` largest first), from the top.

        The cursor goes to the first row and stays there on later ticks until a key moves
        it: a sort chosen is a request to see the list from its top.
        """
        self.sort_column = column
        self.sort_reverse = column in self.DESCENDING
        self.refresh_view()
        self.table.cursor_to_top()

    def action_sort_by(self, column: str) -> None:
        """Sort by ``column``."""
        self.sort_by(column)

    def _step_sort(self, step: int) -> None:
        keys = [key for key, _label in self.COLUMNS if key in self.SORTS]
        if not keys:
            return
        if self.sort_column in keys:
            self.sort_by(keys[(keys.index(self.sort_column) + step) % len(keys)])
        else:
            self.sort_by(keys[0] if step > 0 else keys[-1])

    def action_sort_next(self) -> None:
        """Sort by the next column."""
        self._step_sort(1)

    def action_sort_previous(self) -> None:
        """Sort by the previous column."""
        self._step_sort(-1)

    def action_sort_invert(self) -> None:
        """Reverse the sort order, from the top."""
        self.sort_reverse = not self.sort_reverse
        self.refresh_view()
        self.table.cursor_to_top()
