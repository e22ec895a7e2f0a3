"""Processes pane: keyed rows updated in place, sort by any column, filter, affinity.

A :class:`~edgetop.ui.panes.table.TablePane`: the skeleton keeps the rows and sorts
them; this module says what a row shows, how it filters, and the ``a`` key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input

from edgetop.collectors.processes import ProcessesView, ProcessRow
from edgetop.ui.fmt import COMMAND_CAP, NA, NAME_CAP, cpu_list, literal, size
from edgetop.ui.gate import MutationGate
from edgetop.ui.panes.table import TablePane, column_sort_bindings

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


def _time(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}:{secs:05.2f}"


class ProcessesPane(MutationGate, TablePane):
    """Every process (kernel threads hidden unless asked)."""

    PANE_ID = "processes"
    TITLE = "Processes"
    COLUMNS = _COLUMNS
    RIGHT = _RIGHT
    ZEBRA = True
    SORTS = SORTS
    DESCENDING = frozenset({"cpu", "rss", "threads", "time"})  # numbers largest first; names A to Z
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="processes.filter", key_display="/"),
        *column_sort_bindings("processes"),
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

    def compose(self) -> ComposeResult:
        """Status line, table, and the filter input (hidden until ``/``)."""
        yield from super().compose()
        yield Input(placeholder="filter: command, user or pid (Enter to keep, Esc to clear)", id="processes-filter")

    def on_mount(self) -> None:
        """The filter input shows only while filtering."""
        self.query_one("#processes-filter", Input).display = False

    def items(self, view: ProcessesView) -> dict[str, ProcessRow]:
        """The processes shown, in pid order (ties in a sort, such as every idle process, stay in pid order)."""
        needle = self.filter_text.lower()
        shown: dict[str, ProcessRow] = {}
        for r in sorted(view.processes, key=lambda r: r.pid):
            if r.kernel_thread and not self.show_kernel_threads:
                continue
            if needle and needle not in r.command.lower() and needle not in r.user.lower() and needle != str(r.pid):
                continue
            shown[str(r.pid)] = r
        return shown

    def summary(self, view: ProcessesView, items: Mapping[str, ProcessRow]) -> Text:
        """How many are shown of how many, the sort, the filter."""
        line = Text(f"{len(items)} shown of {view.count} ({view.kernel_threads} kernel threads"
                    f"{'' if self.show_kernel_threads else ' hidden, K shows'})  sort: {self.sort_column}"
                    f"{' desc' if self.sort_reverse else ''}")
        if self.filter_text:
            line.append("  filter: ")
            line.append_text(literal(self.filter_text, "bold"))
        return line

    def cells(self, r: ProcessRow, stale: bool) -> tuple[Any, ...]:
        """PID, user, state, CPU% (bold red from 90%), RSS, threads, affinity, time, command."""
        cpu = NA if r.cpu_ratio is None else f"{r.cpu_ratio * 100:.1f}"
        return (
            str(r.pid), literal(r.user, cap=NAME_CAP), r.state,
            Text(cpu, style="bold red" if (r.cpu_ratio or 0) >= 0.9 else ""),
            size(r.rss_bytes), str(r.threads), cpu_list(r.affinity), _time(r.cpu_seconds_total),
            literal(r.command, "dim" if r.kernel_thread else "", cap=COMMAND_CAP),
        )

    def selected_row(self) -> ProcessRow | None:
        """The process under the cursor."""
        row: ProcessRow | None = self.selected()
        return row

    # --------------------------------------------------------------- actions
    def action_filter(self) -> None:
        """Show the filter input."""
        box = self.query_one("#processes-filter", Input)
        box.display = True
        box.value = self.filter_text
        box.focus()

    @on(Input.Changed, "#processes-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.refresh_view()

    @on(Input.Submitted, "#processes-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.input.display = False
        self.table.focus()

    def action_clear_filter(self) -> None:
        """Clear and hide the filter."""
        box = self.query_one("#processes-filter", Input)
        box.value = ""
        box.display = False
        self.filter_text = ""
        self.table.focus()
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
