"""For Pilot tests of panes and widgets: a tiny app that mounts one pane over a store, and cell text.

``reading`` (from ``tests/helpers.py``) is importable from here too, as pane tests always were.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.filter import LineFilter

from edgetop.config_schema import Config
from edgetop.demo import demo_context
from edgetop.engine.store import Sample, Store
from edgetop.model.reading import Status
from edgetop.model.spec import CollectorSpec
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.panes.base import Pane
from edgetop.ui.safe_output import DropControlCharacters
from edgetop.ui.widgets.fast_table import FastTable
from edgetop.ui.widgets.table_cells import TableCell
from tests.helpers import reading

__all__ = ["PaneHarness", "cell", "demo_collect", "line_text", "plain", "reading"]

_DROP_CONTROLS = DropControlCharacters()


class PaneHarness(App[None]):
    """Mounts ``pane_cls`` over a fresh store; ``feed`` stores a reading and re-renders."""

    def __init__(self, pane_cls: type[Pane], config: Config | None = None) -> None:
        super().__init__()
        self.store = Store(config or Config())
        self.pane = pane_cls(self.store)

    def compose(self) -> ComposeResult:
        yield self.pane

    def get_line_filters(self) -> Sequence[LineFilter]:
        # As EdgetopApp: panes are tested through the same last guard on their output.
        return [*super().get_line_filters(), _DROP_CONTROLS]

    def feed(self, spec: CollectorSpec, value: Any = None, status: Status = Status.OK,
             reason: str | None = None, monotonic: float | None = None) -> Sample:
        sample = self.store.update(spec, reading(spec.name, value, status, reason, monotonic))
        self.pane.refresh_view()
        return sample


def plain(value: object) -> str:
    """A cell's characters: a Text's or TableCell's plain text, anything else as ``str``."""
    if isinstance(value, (Text, TableCell)):
        return value.plain
    return str(value)


def cell(table: FastTable, row: str, column: str) -> str:
    """The characters of one cell of ``table`` (a FastTable or a SyncedTable)."""
    return plain(table.get_cell(row, column))


def line_text(table: FastTable, y: int) -> str:
    """The characters of rendered line ``y`` of ``table``, as shown."""
    return "".join(seg.text for seg in table.render_line(y))


def demo_collect(module: ModuleType, tmp_path: Path, kind: type) -> tuple[CollectorSpec, Any]:
    """The one spec of collector ``module`` and a reading of its bundled demo data (a ``kind``)."""
    ctx = demo_context(Config(), ProcFS(tmp_path), SysFS(tmp_path))
    (spec,) = module.specs(ctx)
    value = spec.build(ctx)()
    assert isinstance(value, kind)
    return spec, value
