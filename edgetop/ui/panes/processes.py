"""Processes pane: keyed rows updated in place, sort by any column, filter, affinity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from edgetop.collectors.processes import ProcessesView, ProcessRow
from edgetop.ui.fmt import NA, cpu_list, literal, size
from edgetop.ui.gate import MutationGate
from edgetop.ui.panes.base import Pane
from edgetop.ui.widgets.synced_table import SyncedTable

_COLUMNS = (("pid", "PID"), ("user", "USER"), ("state", "S"), ("cpu", "CPU%"), ("rss", "RSS"),
            ("threads", "THR"), ("affinity", "AFFINITY"), ("time", "TIME"), ("command", "COMMAND"))

_RIGHT = frozenset({"pid", "cpu", "rss", "threads", "time"})  # numbers line up on the right, as in top

# How each column sorts (on the model, not on the formatted cell).
SORTS: dict[str, Callable[[ProcessRow], Any]] = {
    "pid": lambda r: r.pid,
    "user": lambda r: r.user,
    "state": lambda r: r.state,
    "cpu": lambda r: r.cpu_ratio if r.cpu_ratio is not None else -1.0,
    "rss": lambda r: r.rss_bytes,
    "threads": lambda r: r.threads,
    "affinity": lambda r: (len(r.affinity) if r.affinity is not None else 1 << 30, sorted(r.affinity or ())),
    "time": lambda r: r.cpu_seconds_total,
    "command": lambda r: r.command.lower(),
}
# Numbers read best largest first; names A to Z.
_DESCENDING = {"cpu", "rss", "threads", "time"}


def _time(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}:{secs:05.2f}"


class ProcessesPane(MutationGate, Pane):
    """Every process (kernel threads hidden unless asked)."""

    PANE_ID = "processes"
    TITLE = "Processes"
    COLLECTORS = ("processes",)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="processes.filter", key_display="/"),
        Binding("greater_than_sign", "sort_next", "Sort>", id="processes.sort_next", key_display=">"),
        Binding("less_than_sign", "sort_previous", "Sort<", id="processes.sort_previous", key_display="<", show=False),
        Binding("I", "sort_invert", "Invert", id="processes.sort_invert"),
        Binding("P", "sort_by('cpu')", "CPU", id="processes.sort_cpu", show=False),
        Binding("M", "sort_by('rss')", "Mem", id="processes.sort_memory", show=False),
        Binding("N", "sort_by('pid')", "PID", id="processes.sort_pid", show=False),
        Binding("T", "sort_by('time')", "Time", id="processes.sort_time", show=False),
        Binding("K", "toggle_kernel_threads", "Kthreads", id="processes.toggle_kernel_threads"),
        Binding("a", "pin_process", "Affinity", id="processes.pin_process"),
        Binding("escape", "clear_filter", "Clear filter", id="processes.clear_filter", show=False),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Start sorted by CPU, busiest first."""
        super().__init__(*args, **kwargs)
        self.sort_column = "cpu"
        self.sort_reverse = True
        self.filter_text = ""
        self.show_kernel_threads = self.store.config.show_kernel_threads
        self._rows: dict[str, ProcessRow] = {}

    def compose(self) -> ComposeResult:
        """Status line, table, and the filter input (hidden until ``/``)."""
        yield Static(id="proc-status", classes="banner")
        yield SyncedTable(_COLUMNS, right=_RIGHT, id="proc-table")
        yield Input(placeholder="filter: command, user or pid (Enter to keep, Esc to clear)", id="proc-filter")

    def on_mount(self) -> None:
        """The filter input shows only while filtering."""
        self.query_one("#proc-filter", Input).display = False

    def refresh_view(self) -> None:
        """Apply filter and sort to the latest view and sync the table."""
        view: ProcessesView | None
        view, banner = self.latest("processes")
        status = self.query_one("#proc-status", Static)
        if view is None:
            status.update(banner or Text(""))
            return
        needle = self.filter_text.lower()
        shown: dict[str, ProcessRow] = {}
        for r in view.processes:
            if r.kernel_thread and not self.show_kernel_threads:
                continue
            if needle and needle not in r.command.lower() and needle not in r.user.lower() and needle != str(r.pid):
                continue
            shown[str(r.pid)] = r
        self._rows = shown
        line = Text(no_wrap=True)
        if banner is not None:
            line.append_text(banner)
            line.append("  ")
        line.append(f"{len(shown)} shown of {view.count} ({view.kernel_threads} kernel threads"
                    f"{'' if self.show_kernel_threads else ' hidden, K shows'})  sort: {self.sort_column}"
                    f"{' desc' if self.sort_reverse else ''}")
        if self.filter_text:
            line.append("  filter: ")
            line.append_text(literal(self.filter_text, "bold"))
        status.update(line)
        table = self.query_one("#proc-table", SyncedTable)
        table.sort_reverse = self.sort_reverse
        sort = SORTS[self.sort_column]
        table.sync({k: self._cells(r) for k, r in shown.items()}, sort_key=lambda k: (sort(shown[k]), shown[k].pid))

    @staticmethod
    def _cells(r: ProcessRow) -> tuple[Any, ...]:
        cpu = NA if r.cpu_ratio is None else f"{r.cpu_ratio * 100:.1f}"
        return (
            str(r.pid), literal(r.user), r.state,
            Text(cpu, style="bold red" if (r.cpu_ratio or 0) >= 0.9 else ""),
            size(r.rss_bytes), str(r.threads), cpu_list(r.affinity), _time(r.cpu_seconds_total),
            literal(r.command, "dim" if r.kernel_thread else ""),
        )

    def selected_row(self) -> ProcessRow | None:
        """The process under the cursor."""
        table = self.query_one("#proc-table", SyncedTable)
        key = table.cursor_key
        return None if key is None else self._rows.get(key)

    # --------------------------------------------------------------- actions
    def action_filter(self) -> None:
        """Show the filter input."""
        box = self.query_one("#proc-filter", Input)
        box.display = True
        box.value = self.filter_text
        box.focus()

    @on(Input.Changed, "#proc-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.refresh_view()

    @on(Input.Submitted, "#proc-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.input.display = False
        self.query_one("#proc-table", SyncedTable).focus()

    def action_clear_filter(self) -> None:
        """Clear and hide the filter."""
        box = self.query_one("#proc-filter", Input)
        box.value = ""
        box.display = False
        self.filter_text = ""
        self.query_one("#proc-table", SyncedTable).focus()
        self.refresh_view()

    def action_sort_by(self, column: str) -> None:
        """Sort by ``column`` in its natural direction."""
        self.sort_column = column
        self.sort_reverse = column in _DESCENDING
        self.refresh_view()

    def _cycle(self, step: int) -> None:
        keys = [k for k, _ in _COLUMNS]
        self.action_sort_by(keys[(keys.index(self.sort_column) + step) % len(keys)])

    def action_sort_next(self) -> None:
        """Sort by the next column."""
        self._cycle(1)

    def action_sort_previous(self) -> None:
        """Sort by the previous column."""
        self._cycle(-1)

    def action_sort_invert(self) -> None:
        """Reverse the sort order."""
        self.sort_reverse = not self.sort_reverse
        self.refresh_view()

    def action_toggle_kernel_threads(self) -> None:
        """Show or hide kernel threads."""
        self.show_kernel_threads = not self.show_kernel_threads
        self.refresh_view()

    def action_pin_process(self) -> None:
        """Pick CPUs for the selected process and ask the runner to pin every thread of it.

        A plain method that starts a worker: actions run on the app's message loop, and a
        picker awaited there would never receive its own keys. The glue checks privileges
        before the picker opens, so a refusal comes at once, not after choosing CPUs.
        """
        row = self.selected_row()
        if row is None:
            self.app.notify("no process selected", severity="warning")
            return
        from edgetop.ui.action_glue import start_pin_process

        start_pin_process(self.app, row.pid, f"CPU affinity of {row.pid} {row.command[:40]}",
                          frozenset(row.affinity or ()), self.store)
