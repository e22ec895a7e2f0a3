"""The fleet table brought to each round, touching only the rows and cells that changed.

Every node has a row; the filter only says which are shown (:meth:`FastTable.show`). A node
the round reused (the same object: its rows did not change), or made again with the same
readings (a new scrape, the same values), keeps its cells but the age of its last scrape;
the cells of a node whose readings changed are made in the round's worker thread
(:meth:`RowPainter.prepare`), and a ``Text`` only for a cell whose text or style changed.
So a round of 1,000 nodes costs the view's thread little, and the table repaints only rows
on screen that changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from edgetop.fleet.model import FleetNode, FleetView
from edgetop.ui.fleet_rows import COLUMNS, Cell, cell_values, row_inputs, seen_value, text_of
from edgetop.ui.widgets.fast_table import FastTable

Prepared = dict[str, tuple[FleetNode, dict[str, Cell]]]
"""Name → a node and its cells but ``seen``, made in the round's thread."""


class RowPainter:
    """What the fleet table shows of each node, and the cells made ahead for the next round."""

    def __init__(self) -> None:
        """Nothing drawn yet."""
        # Name → the node last drawn, whether greyed, and its cells as the table has them.
        self.drawn: dict[str, tuple[FleetNode, bool, dict[str, Text]]] = {}
        self._prepared_from: dict[str, FleetNode] = {}  # the round's thread's own (see prepare)

    def prepare(self, view: FleetView) -> Prepared:
        """In the round's thread: the cells of the nodes whose readings changed (all but their age).

        Making them is most of drawing a round (~50 µs a row); the view's thread then only
        compares and sets them, and answers keys meanwhile. Only the round's thread calls
        this (one round at a time).
        """
        if not view.available:
            return {}
        out: Prepared = {}
        last = self._prepared_from
        for node in view.nodes:
            before = last.get(node.name)
            if before is node or (before is not None and row_inputs(before) == row_inputs(node)):
                continue
            values = cell_values(node, view.at_unix)
            del values["seen"]  # the clock's: the view's thread makes it when it draws
            out[node.name] = (node, values)
        self._prepared_from = {node.name: node for node in view.nodes}
        return out

    def paint(self, table: FastTable, nodes: Sequence[FleetNode], now: float, stale: bool,
              prepared: Prepared) -> None:
        """Bring ``table`` to ``nodes`` (every node of the round, worst first); the caller shows the filtered ones."""
        names = {n.name for n in nodes}
        if len(self.drawn) > len(names) or any(k not in names for k in self.drawn):  # nodes left the fleet
            table.remove_rows([k for k in self.drawn if k not in names])
            self.drawn = {k: v for k, v in self.drawn.items() if k in names}
        changes: list[tuple[str, str, Text]] = []
        refit = False
        for node in nodes:
            drawn = self.drawn.get(node.name)
            if drawn is not None and drawn[1] == stale and (
                    drawn[0] is node or row_inputs(drawn[0]) == row_inputs(node)):
                row, values = drawn[2], {"seen": seen_value(node, now, stale)}
            else:
                row = dict(drawn[2]) if drawn is not None else {}
                made = prepared.get(node.name)
                if made is not None and made[0] is node and not stale:
                    values = made[1] | {"seen": seen_value(node, now)}
                else:
                    values = cell_values(node, now, stale)
            for key, value in values.items():
                was = row.get(key)
                if was is None or was.plain != value[0] or was.style != value[1]:
                    row[key] = text_of(value)
                    if drawn is not None:
                        changes.append((node.name, key, row[key]))
                        refit = refit or was is None or len(value[0]) < len(was.plain)
            if drawn is None:
                table.add_row(*(row[k] for k, _label, _right in COLUMNS), key=node.name)
            self.drawn[node.name] = (node, stale, row)
        table.update_cells(changes)
        if refit:  # a cell narrowed: fit the columns again (rows removed do it themselves)
            table.refit_columns()
