"""Pick a set of CPUs, seeing the topology and who uses which CPU.

Shown: NUMA node, package, core, SMT siblings, isolated and offline CPUs, the CPUs the
guests' vCPUs run on (or are pinned to), with the current affinity ticked. All of it comes
from the store: the ``topology`` collector's view and the guests through
:func:`edgetop.engine.joins.vcpu_placement`.

ASCII-safe everywhere (``[x]``/``[ ]`` marks, no box glyphs of our own), so it reads the
same on the Linux console. ``space`` toggles a CPU, ``s`` its SMT siblings with it, ``a``
every online CPU, ``enter`` applies, ``escape`` cancels.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from edgetop.collectors.topology import NAME as TOPOLOGY
from edgetop.collectors.topology import CpuTopology
from edgetop.engine import joins
from edgetop.engine.store import Store
from edgetop.model.cpulist import format_cpu_list

log = logging.getLogger(__name__)

_COLUMNS = ("SEL", "CPU", "NODE", "PKG", "CORE", "SMT", "NOTES")


def _fmt(value: int | None) -> str:
    return "-" if value is None else str(value)


class CpuPickerScreen(ModalScreen[frozenset[int] | None]):
    """Tick CPUs; dismisses with the set, or None when cancelled."""

    DEFAULT_CSS = """
    CpuPickerScreen { align: center middle; }
    #picker-body { width: 78; max-width: 100%; height: auto; max-height: 100%; border: round $accent;
                   background: $surface; padding: 0 1; }
    #picker-table { height: auto; max-height: 14; }
    #picker-buttons { height: auto; align: center middle; margin-top: 1; }
    /* Borderless buttons: the default "tall" border draws with glyphs the console font lacks. */
    #picker-buttons Button { margin: 0 2; border: none; height: 1; min-width: 16; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_cpu", "Toggle", id="picker.toggle", key_display="spc"),
        Binding("s", "toggle_siblings", "Core", id="picker.core"),
        Binding("a", "all", "All", id="picker.all"),
        Binding("enter", "apply", "Apply", id="picker.apply", priority=True),
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
    ]

    def __init__(self, title: str, current: frozenset[int], topology: CpuTopology,
                 guests: Mapping[int, list[str]] | None = None) -> None:
        """Start with ``current`` ticked; offline CPUs cannot be ticked."""
        super().__init__()
        self.title_text = title
        self.topology = topology
        self.guests = guests or {}
        self.selected: set[int] = set(current & topology.online)
        self.answer: asyncio.Future[frozenset[int] | None] = asyncio.get_running_loop().create_future()

    def compose(self) -> ComposeResult:
        """Title, the CPU table, the selection summary and buttons."""
        with Vertical(id="picker-body"):
            yield Static(Text(self.title_text, style="bold", no_wrap=True), id="picker-title")
            yield DataTable(id="picker-table", cursor_type="row", zebra_stripes=False)
            yield Static(id="picker-summary")
            with Horizontal(id="picker-buttons"):
                yield Button("Apply (enter)", id="picker-apply", variant="warning")
                yield Button("Cancel (esc)", id="picker-cancel", variant="primary")

    def on_mount(self) -> None:
        """Fill the table, one row per logical CPU (NUMA node, package, core order)."""
        table = self.query_one("#picker-table", DataTable)
        # Inline, because the app's stylesheet (which outranks DEFAULT_CSS) makes every
        # DataTable 1fr tall; a picker for 2 CPUs should not fill the screen.
        table.styles.height = "auto"
        table.styles.max_height = 14
        for col in _COLUMNS:
            table.add_column(col, key=col)
        order = sorted(self.topology.cpus, key=lambda c: (c.node or 0, c.package or 0, c.core or 0, c.cpu))
        for c in order:
            table.add_row(*self._cells(c.cpu), key=str(c.cpu))
        table.focus()
        self._summary()

    def _cells(self, cpu: int) -> tuple[Any, ...]:
        info = next(c for c in self.topology.cpus if c.cpu == cpu)
        notes = []
        if not info.online:
            notes.append("offline")
        if info.isolated:
            notes.append("isolated")
        notes.extend(self.guests.get(cpu, []))
        # Text, not str: a str cell is parsed as markup, and "[x]" would vanish as a tag.
        mark = Text("[x]" if cpu in self.selected else ("   " if not info.online else "[ ]"))
        return (mark, str(cpu), _fmt(info.node), _fmt(info.package), _fmt(info.core),
                format_cpu_list(info.siblings), Text(", ".join(notes), no_wrap=True))

    def _summary(self) -> None:
        text = Text(f"selected: {format_cpu_list(self.selected)}", style="bold" if self.selected else "bold red")
        if self.topology.isolated:
            text.append(f"   isolated: {format_cpu_list(self.topology.isolated)}", style="dim")
        self.query_one("#picker-summary", Static).update(text)

    def _redraw(self, cpus: set[int] | frozenset[int]) -> None:
        table = self.query_one("#picker-table", DataTable)
        for cpu in cpus:
            table.update_cell(str(cpu), "SEL", self._cells(cpu)[0])
        self._summary()

    def _cursor_cpu(self) -> int | None:
        table = self.query_one("#picker-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def action_toggle_cpu(self) -> None:
        """Tick or untick the CPU under the cursor (online CPUs only)."""
        cpu = self._cursor_cpu()
        if cpu is None or cpu not in self.topology.online:
            return
        self.selected ^= {cpu}
        self._redraw({cpu})

    def action_toggle_siblings(self) -> None:
        """Tick or untick the whole core (the CPU and its SMT siblings)."""
        cpu = self._cursor_cpu()
        if cpu is None:
            return
        info = next(c for c in self.topology.cpus if c.cpu == cpu)
        core = set(info.siblings & self.topology.online)
        if core <= self.selected:
            self.selected -= core
        else:
            self.selected |= core
        self._redraw(core)

    def action_all(self) -> None:
        """Tick every online CPU."""
        self.selected = set(self.topology.online)
        self._redraw(self.topology.online)

    def action_apply(self) -> None:
        """Close with the selection (an empty one is refused later with a clear reason)."""
        self._finish(frozenset(self.selected))

    def action_cancel(self) -> None:
        """Close without a selection."""
        self._finish(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Apply or cancel."""
        self._finish(frozenset(self.selected) if event.button.id == "picker-apply" else None)

    def _finish(self, value: frozenset[int] | None) -> None:
        if not self.answer.done():
            self.answer.set_result(value)
            self.dismiss(value)

    def on_unmount(self) -> None:
        """Answer None when closed some other way."""
        if not self.answer.done():
            self.answer.set_result(None)


def waiting_reason(store: Store | None) -> str:
    """Say why there is no topology to pick from: not read yet, or unavailable and why."""
    sample = store.get(TOPOLOGY) if store is not None else None
    if sample is None or sample.reading.ok:
        return "topology: waiting for the first sample"
    return f"topology {sample.reading.status}: {sample.reading.reason or 'no reason given'}"


async def pick_cpus(app: App[Any], title: str, current: frozenset[int], store: Store | None) -> frozenset[int] | None:
    """Show the picker over ``app`` and return the chosen CPUs, or None when cancelled.

    Await it in a worker (``run_worker``/``@work``) or a widget's message handler: the
    answer comes through a future the screen resolves itself. Awaited in the app's own
    loop (a plain ``async def action_*``) it would block the keys the picker needs, so
    it refuses there with a notification and returns None.

    The topology is the ``topology`` collector's view in ``store`` (sysfs is never read
    on the UI loop); before its first sample, or while it is unavailable, a notification
    says so and the answer is None.
    """
    from edgetop.ui.app_loop import on_app_loop

    if on_app_loop(app):
        # Awaiting here would block the key dispatch the picker needs: refuse loudly, never hang.
        log.error("pick_cpus awaited in the app's message loop; call it from a worker")
        app.notify("internal error: the CPU picker must run in a worker (see the log)", severity="error")
        return None
    topology = joins.topology(store) if store is not None else None
    if store is None or topology is None:
        app.notify(f"CPU picker: {waiting_reason(store)}", severity="warning", markup=False)
        return None
    screen = CpuPickerScreen(title, current, topology, joins.vcpu_placement(store))
    await app.push_screen(screen)
    return await screen.answer
