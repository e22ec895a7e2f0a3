"""A tiny Textual app that mounts one pane over a store, for Pilot tests of panes."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from textual.app import App, ComposeResult
from textual.filter import LineFilter

from edgetop.config_schema import Config
from edgetop.engine.store import Sample, Store
from edgetop.model.reading import Reading, Status
from edgetop.model.spec import CollectorSpec
from edgetop.ui.panes.base import Pane
from edgetop.ui.safe_output import DropControlCharacters


def reading(name: str, value: Any = None, status: Status = Status.OK, reason: str | None = None,
            monotonic: float | None = None) -> Reading:
    """Build a reading as the engine would."""
    return Reading(name, status, value if status is Status.OK else None, reason, 0.001, time.time(),
                   time.monotonic() if monotonic is None else monotonic)


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
