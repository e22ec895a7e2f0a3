"""The base class every pane derives from.

A collector's spec names the pane that shows it (``CollectorSpec.pane`` is a
``PANE_ID``); the app calls :meth:`Pane.refresh_view` when such a collector has a new
sample and the pane is visible (hidden panes do not render), and once when the pane
becomes visible. A pane reads ``self.store`` and nothing else. Table panes build on
:class:`~edgetop.ui.panes.table.TablePane`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.containers import Vertical

from edgetop.engine.store import Sample, Store
from edgetop.model.reading import Status
from edgetop.ui.fmt import age
from edgetop.ui.styles import BANNER_STYLE


class Pane(Vertical):
    """A top-level view switched with tab/shift+tab or its number key."""

    PANE_ID: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""

    def __init__(self, store: Store) -> None:
        """Create the pane over ``store``."""
        super().__init__(id=self.PANE_ID)
        self.store = store

    def wants(self, sample: Sample) -> bool:
        """Tell whether ``sample`` concerns this pane: its collector's spec names this pane."""
        return sample.spec.pane == self.PANE_ID

    def samples(self) -> list[Sample]:
        """The latest samples this pane wants, in registry order."""
        return [s for s in self.store.samples().values() if self.wants(s)]

    def refresh_view(self) -> None:
        """Re-render from the store. Subclasses override."""

    def latest(self, collector: str) -> tuple[Any, Text | None]:
        """Return the last good view of ``collector`` and the banner to show above it.

        The view is None before the first good reading; the banner is None while the
        source is ok, else ``unavailable: <reason>`` (with the age of the greyed values).
        """
        sample = self.store.get(collector)
        return (sample.last_view if sample else None), status_text(sample, collector)


def status_text(sample: Sample | None, what: str) -> Text | None:
    """A one-line banner for a source that is not ok, or None when it is.

    ``unavailable: <reason>`` (with the age of the values still shown, if any), as
    every pane shows it (docs/ARCHITECTURE.md); literal text, since reasons may quote names from outside.
    """
    if sample is None:
        return Text(f"{what}: waiting for the first sample", style="dim")
    if sample.reading.status is Status.OK:
        return None
    style = BANNER_STYLE.get(sample.reading.status, "bold red")
    text = Text(f"{what} {sample.reading.status}: {sample.reading.reason}", style=style)
    if sample.last_view is not None:
        text.append(f"  (last values from {age(sample.last_ok_timestamp)} ago, greyed)", style="dim")
    return text
