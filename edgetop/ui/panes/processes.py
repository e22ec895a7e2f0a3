"""Processes pane: keyed rows updated in place, sort by any column, tree, search, follow, actions.

A :class:`~edgetop.ui.panes.table.TablePane`: the skeleton keeps the rows sorted every
tick and the cursor on its pid; this module says what a row shows, how it filters,
the tree view (``t``), search (``/``, ``n``), follow (``F``), and the keys that act on
the process under the cursor: ``a`` (affinity), ``k`` (SIGTERM, then SIGKILL after a
second confirm), ``R`` (renice). A QEMU process is labelled with its guest's name.
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
from edgetop.ui.fmt import COMMAND_CAP, NA, NAME_CAP, clip, cpu_list, literal, size
from edgetop.ui.gate import MutationGate
from edgetop.ui.panes.table import TablePane, column_sort_bindings
from edgetop.ui.render.process_tree import tree_order
from edgetop.ui.widgets.synced_table import SyncedTable
from edgetop.ui.widgets.table_cells import TableCell

_COLUMNS = (("pid", "PID"), ("user", "USER"), ("state", "S"), ("cpu", "CPU%"), ("rss", "RSS"),
            ("threads", "THR"), ("read", "RD/s"), ("write", "WR/s"), ("affinity", "AFFINITY"), ("time", "TIME"),
            ("command", "COMMAND"))

# Numbers line up on the right, as in top.
_RIGHT = frozenset({"pid", "cpu", "rss", "threads", "read", "write", "time"})


WIDE_FROM_COLUMNS = 110
"""Below this width the I/O columns are hidden: at 80 columns they left the command 8 cells."""
_WIDE_ONLY = frozenset({"read", "write"})


def _io(value: float | None) -> float:
    return value if value is not None else -1.0  # unknown sorts below an idle 0 B/s

# How each column sorts (on the model, not on the formatted cell).
SORTS: dict[str, Callable[[ProcessRow], Any]] = {
    "pid": lambda r: r.pid,
    "user": lambda r: r.user,
    "state": lambda r: r.state,
    "cpu": lambda r: r.cpu_ratio if r.cpu_ratio is not None else -1.0,
    "rss": lambda r: r.rss_bytes,
    "threads": lambda r: r.threads,
    "read": lambda r: _io(r.io_read_bytes_per_second),
    "write": lambda r: _io(r.io_write_bytes_per_second),
    "affinity": lambda r: (len(r.affinity) if r.affinity is not None else 1 << 30, sorted(r.affinity or ())),
    "time": lambda r: r.cpu_seconds_total,
    "command": lambda r: r.command.lower(),
}


def io_rate(per_second: float | None) -> str:
    """A block I/O rate in bytes per second (the unit is in the header): ``n/a`` when unreadable."""
    if per_second is None:
        return NA
    return "0" if per_second == 0 else size(per_second).removesuffix("B").removesuffix("i")


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
    DESCENDING = frozenset({"cpu", "rss", "threads", "read", "write", "time"})  # numbers largest first
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="processes.search", key_display="/"),
        Binding("n", "search_next", "Next match", id="processes.search_next", show=False),
        Binding("backslash", "filter", "Filter", id="processes.filter", key_display="\\"),
        Binding("t", "toggle_tree", "Tree", id="processes.toggle_tree"),
        Binding("F", "follow", "Follow", id="processes.follow"),
        Binding("k", "signal_process", "Kill", id="processes.signal_process"),
        Binding("R", "renice_process", "Nice", id="processes.renice_process"),
        *column_sort_bindings("processes"),
        Binding("P", "sort_by('cpu')", "CPU", id="processes.sort_cpu", show=False),
        Binding("M", "sort_by('rss')", "Mem", id="processes.sort_memory", show=False),
        Binding("N", "sort_by('pid')", "PID", id="processes.sort_pid", show=False),
        Binding("T", "sort_by('time')", "Time", id="processes.sort_time", show=False),
        Binding("K", "toggle_kernel_threads", "Kthreads", id="processes.toggle_kernel_threads"),
        Binding("a", "pin_process", "Affinity", id="processes.pin_process"),
        Binding("escape", "clear_filter", "Clear filter", id="processes.clear_filter", show=False),
    ]
    SEARCH_PROMPT = "search: command, user, pid or guest (Enter keeps it, n next match, Esc closes)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Start sorted by CPU, busiest first."""
        super().__init__(*args, **kwargs)
        self.sort_column = "cpu"
        self.sort_reverse = True
        self.filter_text = ""
        self.search_text = ""
        self.search_missed = False
        self.tree_view = False
        self.follow_target: tuple[int, int] | None = None  # (pid, start ticks) of the followed process
        self._prefix: dict[str, str] = {}
        self._tree_order: dict[str, int] = {}
        self._items_cache: tuple[tuple[int, str, bool], ProcessesView, dict[str, ProcessRow]] | None = None
        self.show_kernel_threads = self.store.config.show_kernel_threads

    def compose(self) -> ComposeResult:
        """Status line, table, and the filter and search inputs (hidden until used)."""
        yield from super().compose()
        yield Input(placeholder="filter: command, user or pid (Enter to keep, Esc to clear)", id="processes-filter")
        yield Input(placeholder=self.SEARCH_PROMPT, id="processes-search")

    def on_mount(self) -> None:
        """The inputs show only while in use."""
        self.query_one("#processes-filter", Input).display = False
        self.query_one("#processes-search", Input).display = False
        self._fit_columns()

    def on_resize(self) -> None:
        """Hide or show the I/O columns for the new width."""
        self._fit_columns()

    def _fit_columns(self) -> None:
        wide = (self.app.size.width or 80) >= WIDE_FROM_COLUMNS
        self.table.set_hidden(frozenset() if wide else _WIDE_ONLY)

    def items(self, view: ProcessesView) -> dict[str, ProcessRow]:
        """The processes shown, in pid order (ties in a sort, such as every idle process, stay in pid order).

        Kept while the view and the filter are the same: a sort key or the tree toggle
        then costs only the sort (10,000 rows: ~40 ms less per key).
        """
        cache_key = (id(view), self.filter_text, self.show_kernel_threads)
        if self._items_cache is not None and self._items_cache[0] == cache_key and self._items_cache[1] is view:
            return self._items_cache[2]
        needle = self.filter_text.lower()
        shown: dict[str, ProcessRow] = {}
        for r in sorted(view.processes, key=lambda r: r.pid):
            if r.kernel_thread and not self.show_kernel_threads:
                continue
            if needle and not _matches(r, needle):
                continue
            shown[str(r.pid)] = r
        self._items_cache = (cache_key, view, shown)
        return shown

    def ordering(self, items: Mapping[str, ProcessRow]) -> tuple[Callable[[str], Any] | None, bool]:
        """The tree's own order in tree view (siblings sorted by the sort column), else the column sort."""
        if self.tree_view:
            sort = self.SORTS.get(self.sort_column or "pid", SORTS["pid"])
            order, self._prefix = tree_order(items, lambda r: (sort(r), r.pid), reverse=self.sort_reverse)
            self._tree_order = {key: n for n, key in enumerate(order)}
            return self._tree_order.__getitem__, False
        return super().ordering(items)

    def summary(self, view: ProcessesView, items: Mapping[str, ProcessRow]) -> Text:
        """How many are shown of how many, the sort, the filter."""
        line = Text(f"{len(items)} shown of {view.count} ({view.kernel_threads} kernel threads"
                    f"{'' if self.show_kernel_threads else ' hidden, K shows'})"
                    f"{'  tree' if self.tree_view else ''}")
        if self.filter_text:
            line.append("  filter: ")
            line.append_text(literal(self.filter_text, "bold"))
        if self.search_text:
            line.append("  search: ")
            line.append_text(literal(self.search_text, "bold"))
            if self.search_missed:
                line.append(" (no match)", style="yellow")
        if self.follow_target is not None:
            line.append(f"  following {self.follow_target[0]}", style="bold")
        return line

    def cells(self, r: ProcessRow, stale: bool) -> tuple[Any, ...]:
        """PID, user, state, CPU% (bold red from 90%), RSS, threads, I/O, affinity, time, command.

        The command starts with the tree's branches in tree view, and with ``vm:NAME`` for
        a QEMU process (at 80 columns its path alone, ``/usr/bin/qemu-syst``, says nothing).
        """
        cpu = NA if r.cpu_ratio is None else f"{r.cpu_ratio * 100:.1f}"
        command = r.command if r.domain is None else f"vm:{r.domain} {r.command}"
        if self.tree_view:
            command = self._prefix.get(str(r.pid), "") + command
        # TableCell, not Text: plain text in one style is all the table draws, and a Text
        # costs ~5 µs to build (11 a row, each tick, for every row near the view).
        return (
            TableCell(str(r.pid)), TableCell(clip(r.user, NAME_CAP)), TableCell(r.state),
            TableCell(cpu, "bold red" if (r.cpu_ratio or 0) >= 0.9 else ""),
            TableCell(size(r.rss_bytes)), TableCell(str(r.threads)),
            TableCell(io_rate(r.io_read_bytes_per_second), "dim" if r.io_read_bytes_per_second is None else ""),
            TableCell(io_rate(r.io_write_bytes_per_second), "dim" if r.io_write_bytes_per_second is None else ""),
            TableCell(cpu_list(r.affinity)), TableCell(_time(r.cpu_seconds_total)),
            TableCell(clip(command, COMMAND_CAP), "dim" if r.kernel_thread else ""),
        )

    def refresh_view(self) -> None:
        """Render, then put the cursor back on the followed process (or say it has gone)."""
        super().refresh_view()
        if self.follow_target is not None:
            self._keep_following()

    def sort_by(self, column: str) -> None:
        """Sort from the top, unless a process is followed: then the cursor stays on it."""
        super().sort_by(column)
        self._keep_following()

    def action_sort_invert(self) -> None:
        """Reverse the order (the followed process keeps the cursor)."""
        super().action_sort_invert()
        self._keep_following()

    def selected_row(self) -> ProcessRow | None:
        """The process under the cursor."""
        row: ProcessRow | None = self.selected()
        return row

    # --------------------------------------------------------------- follow
    def action_follow(self) -> None:
        """Follow the process under the cursor (again: stop following)."""
        if self.follow_target is not None:
            self.follow_target = None
            self.app.notify("follow off", timeout=2)
            self.refresh_view()
            return
        row = self.selected_row()
        if row is None:
            self.app.notify("no process selected", severity="warning")
            return
        self.follow_target = (row.pid, row.start_ticks)
        # Following says "this row" as a key would: an unplaced cursor would go back to the
        # first row at the next re-sort, and that other row under it would end following.
        self.table.cursor_placed = True
        self.app.notify(f"following {row.pid}: the cursor stays on it; F or a cursor key stops", timeout=4)
        self.refresh_view()

    def _keep_following(self) -> None:
        if self.follow_target is None:
            return
        pid, start = self.follow_target
        row = self.shown.get(str(pid))
        if row is not None and row.start_ticks == start:
            table = self.table
            index = table.get_row_index(str(pid))
            if index != table.cursor_row:
                table.move_cursor(index)
            return
        sample = self.store.get(self.source)
        view = sample.last_view if sample is not None else None
        alive = view is not None and any(p.pid == pid and p.start_ticks == start for p in view.processes)
        if not alive:  # hidden by the filter or the kernel-thread toggle: still followed
            self.follow_target = None
            self.app.notify(f"followed process {pid} has exited", severity="warning", timeout=6)

    @on(SyncedTable.RowHighlighted, "#processes-table")
    def _cursor_moved(self, event: SyncedTable.RowHighlighted) -> None:
        # The table keeps the cursor on its pid, so another row under it while the followed
        # one is still shown means a cursor key moved it: that ends following, as in htop.
        if self.follow_target is not None and event.row_key != str(self.follow_target[0]) \
                and str(self.follow_target[0]) in self.shown:
            self.follow_target = None
            self.app.notify("follow off", timeout=2)

    # --------------------------------------------------------------- search and tree
    def action_search(self) -> None:
        """Show the search input: the cursor jumps to the first match as you type."""
        box = self.query_one("#processes-search", Input)
        box.display = True
        box.value = self.search_text
        box.focus()

    @on(Input.Changed, "#processes-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.search_text = event.value.strip()
        self._jump(0)

    @on(Input.Submitted, "#processes-search")
    def _search_done(self, event: Input.Submitted) -> None:
        event.input.display = False
        self.table.focus()

    def action_search_next(self) -> None:
        """The next row that matches the search, wrapping at the end."""
        if not self.search_text:
            self.action_search()
            return
        self._jump(1)

    def _jump(self, start: int) -> None:
        """Move the cursor to the first match from ``start`` rows below it (0: the cursor row itself)."""
        needle = self.search_text.lower()
        table = self.table
        keys = table.row_keys
        self.search_missed = False
        if needle and keys:
            for step in range(start, len(keys) + start):
                key = keys[(table.cursor_row + step) % len(keys)]
                row = self.shown.get(key)
                if row is not None and _matches(row, needle):
                    table.move_cursor(table.get_row_index(key))
                    break
            else:
                self.search_missed = True
        self.refresh_view()

    def action_toggle_tree(self) -> None:
        """Tree view on or off: parents above their children, siblings in the sort order."""
        self.tree_view = not self.tree_view
        self.refresh_view()

    # --------------------------------------------------------------- actions
    def _label(self, row: ProcessRow) -> str:
        name = row.command.split(" ", 1)[0].rsplit("/", 1)[-1][:40] or "?"
        return f"({name}{', guest ' + row.domain[:40] if row.domain else ''})"

    def action_signal_process(self) -> None:
        """SIGTERM to the process under the cursor after a confirm; SIGKILL only after a second one."""
        row = self.selected_row()
        if row is None:
            self.app.notify("no process selected", severity="warning")
            return
        from edgetop.ui.process_actions import start_signal

        start_signal(self.app, row.pid, row.start_ticks, self._label(row))

    def action_renice_process(self) -> None:
        """Ask a nice value for the process under the cursor, then confirm and set it."""
        row = self.selected_row()
        if row is None:
            self.app.notify("no process selected", severity="warning")
            return
        from edgetop.ui.process_actions import start_renice

        start_renice(self.app, row.pid, row.start_ticks, self._label(row))

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
        """Close the search if it is open, else clear and hide the filter."""
        search = self.query_one("#processes-search", Input)
        if search.display or self.search_text:
            search.display = False
            self.search_text, self.search_missed = "", False
            self.table.focus()
            self.refresh_view()
            return
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


def _matches(row: ProcessRow, needle: str) -> bool:
    """``needle`` (lower case) in the command, the user or the guest name, or the pid itself."""
    return (needle in row.command.lower() or needle in row.user.lower() or needle == str(row.pid)
            or (row.domain is not None and needle in row.domain.lower()))
