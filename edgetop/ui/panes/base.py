"""The base class every pane derives from.

A pane names the collectors it shows; the app calls :meth:`Pane.refresh_view` when one
of them has a new sample and the pane is visible (hidden panes do not render), and
once when the pane becomes visible. A pane reads ``self.store`` and nothing else.
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
    COLLECTORS: ClassVar[tuple[str, ...]] = ()
    """Collector names this pane shows; a name ending in ``:`` matches a prefix (``snmp:``)."""

    def __init__(self, store: Store) -> None:
        """Create the pane over ``store``."""
        super().__init__(id=self.PANE_ID)
        self.store = store

    def wants(self, collector: str) -> bool:
        """Tell whether a new sample of ``collector`` concerns this pane."""
        return any(collector == c or (c.endswith(":") and collector.startswith(c)) for c in self.COLLECTORS)

    def samples(self) -> list[Sample]:
        """The latest samples of this pane's collectors, in registry order."""
        return [s for name, s in self.store.samples().items() if self.wants(name)]

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
    DESIGN §3 asks; literal text, since reasons may quote names from outside.
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
