"""``s``: every collector with its lane, status, reason, duration and last success."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import Static

from edgetop.engine.store import Store
from edgetop.model.reading import Status
from edgetop.ui.fmt import age, literal
from edgetop.ui.styles import STATUS_STYLE
from edgetop.ui.widgets.synced_table import SyncedTable
from edgetop.ui.widgets.table_cells import ELLIPSIS, fit

COLUMNS = [("collector", "Collector"), ("lane", "Lane"), ("status", "Status"), ("took", "Took"),
           ("last ok", "Last ok"), ("reason", "Reason")]
IDLE_REASON = "read only while its pane is on screen"
MIN_REASON = 12  # cells the reason column keeps however narrow the dialog gets (then it scrolls)
DETAIL_LINES = 4


class SourcesScreen(ModalScreen[None]):
    """A table of collectors and their state; refreshed every second while open.

    A reason can be a paragraph (an SNMP error, a libvirt socket path): in the table it is
    cut to the width left in the dialog with an ellipsis, one line per collector, and the
    highlighted collector's reason is shown in full, wrapped, below the table.
    """

    HELP_PLACE = "sources"  # which glossary entries ? shows first

    DEFAULT_CSS = """
    SourcesScreen { align: center middle; }
    #sources-body { width: 96%; height: 90%; border: round $accent; background: $surface; }
    #sources-table { height: 1fr; }
    #sources-reason { height: auto; max-height: 4; padding: 0 1; }  /* DETAIL_LINES */
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,s,q", "dismiss", "Close", id="sources.close")]

    def __init__(self, store: Store) -> None:
        """Show the collectors in ``store``."""
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        """Title, table and the highlighted collector's reason."""
        with Vertical(id="sources-body"):
            yield Static(Text("Sources: each collector, its lane and state", style="bold"))
            yield SyncedTable(COLUMNS, id="sources-table")
            yield Static(id="sources-reason")

    def on_mount(self) -> None:
        """Fill, start on the first source with a problem (its whole reason shows below), keep fresh."""
        self.fill()
        table = self.query_one("#sources-table", SyncedTable)
        keys = table.row_keys_in_order()
        problem = next((k for k in keys if self._problem(k)), None)
        if problem is not None:
            table.move_cursor(row=keys.index(problem))
            self._show_reason(problem)
        self.set_interval(1.0, self.fill)

    def _problem(self, name: str) -> bool:
        """A source that is down and not merely an alternative this node does not use."""
        sample = self.store.get(name)
        return sample is not None and sample.reading.status is not Status.OK and not (
            sample.spec.optional and sample.reading.status is Status.UNAVAILABLE)

    def on_resize(self, event: Resize) -> None:
        """Fit the reasons to the new width once the table has its new size."""
        self.call_after_refresh(self.fill)

    def _reason_width(self, table: SyncedTable) -> int:
        """Cells left for the reason: the table's width less the other columns and their padding."""
        others = sum(col.width + 2 for col in table.columns if col.key != "reason")
        return max(MIN_REASON, table.scrollable_content_region.width - others - 2)

    def fill(self) -> None:
        """Bring the rows up to date (a few dozen at most); the cursor stays on its collector."""
        table = self.query_one("#sources-table", SyncedTable)
        samples = sorted(self.store.samples().items())
        for _ in range(2):  # the reason's width depends on the other columns, which this sync may widen
            width = self._reason_width(table)
            rows = {}
            for name, sample in samples:
                r = sample.reading
                reason = r.reason or ""
                status = Text(str(r.status), style=STATUS_STYLE[r.status])
                if sample.spec.optional and r.status is Status.UNAVAILABLE:
                    status = Text("not used", style="dim")  # an alternative this node does not use
                rows[name] = (
                    literal(name), literal(sample.spec.lane), status,
                    Text(f"{r.duration_seconds * 1000:.1f}ms"), Text(age(sample.last_ok_timestamp)),
                    literal(fit(reason, width) if cell_len(reason) > width else reason),
                )
            # An on-demand collector (processes) waiting for its pane has no sample: listed
            # as idle, not left out, so the view still names every source.
            for spec in getattr(self.app, "specs", ()):
                if spec.on_demand and spec.name not in rows:
                    rows[spec.name] = (literal(spec.name), literal(spec.lane), Text("idle", style="dim"),
                                       Text(""), Text(""), literal(fit(IDLE_REASON, width)))
            table.sync(rows, sort_key=str)
            if self._reason_width(table) == width:
                break
        self._show_reason(table.cursor_key)

    @on(SyncedTable.RowHighlighted, "#sources-table")
    def _highlighted(self, event: SyncedTable.RowHighlighted) -> None:
        self._show_reason(event.row_key)

    def _show_reason(self, name: str | None) -> None:
        """The whole reason of collector ``name``, wrapped to the dialog (empty when it has none)."""
        sample = self.store.get(name) if name else None
        reason = sample.reading.reason if sample is not None else None
        detail = self.query_one("#sources-reason", Static)
        if not reason:
            detail.update("")
            return
        text = Text.assemble((f"{name}: ", "bold"), reason)
        width = max(1, detail.content_region.width)
        lines = list(text.wrap(self.app.console, width))
        if len(lines) > DETAIL_LINES:  # a reason longer than the space below the table says it is cut
            lines = lines[:DETAIL_LINES]
            lines[-1].truncate(width - 1)
            lines[-1].append(ELLIPSIS)
        detail.update(Text("\n").join(lines))

    async def action_dismiss(self, result: None = None) -> None:
        """Close."""
        self.dismiss(result)
