"""The libvirt domains pane: one row per domain, keyed by UUID, updated in place.

Columns: name, state, vCPUs, CPU (of the domain's vCPUs), steal (vCPU delay), balloon
squeeze and usable share, balloon actual, host share, RSS, disk and NIC rates, QEMU pid.
``>``/``<`` step the sort column (or click a header), ``I`` inverts, ``P`` ``T`` ``M`` ``N``
sort by CPU, steal, balloon squeeze, name; ``/`` filters by name or state, ``enter``
opens the domain's detail screen. When libvirt is unreachable, the
last values stay on screen greyed under a banner that says why and when it retries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from edgetop.collectors.libvirt_view import DomainsView, DomainView
from edgetop.config_schema import Level
from edgetop.engine import joins
from edgetop.model.alerts import level_above, level_below
from edgetop.ui.fmt import NA, NAME_CAP, clip, literal, pct, rate_bytes, size
from edgetop.ui.panes.base import Pane, status_text
from edgetop.ui.styles import level_style
from edgetop.ui.widgets.fast_table import FastTable
from edgetop.ui.widgets.static_text import set_text
from edgetop.ui.widgets.table_cells import TableCell

_STATE_STYLE = {"running": "green", "paused": "yellow", "crashed": "bold red", "shutoff": "dim",
                "blocked": "cyan", "pmsuspended": "yellow", "shutdown": "yellow"}


@dataclass(frozen=True, slots=True)
class Column:
    """One table column: key, header, and how to get (display text, raw value, style) from a domain."""

    key: str
    label: str
    get: Callable[[DomainView, Any], tuple[str, Any, str]]


def _ratio(value: float | None, level: Level | None = None, below: bool = False) -> tuple[str, Any, str]:
    sev = None
    if level is not None:
        sev = level_below(value, level) if below else level_above(value, level)
    return pct(value), value, level_style(sev)


def _pair(a: float | None, b: float | None) -> tuple[str, Any, str]:
    if a is None and b is None:
        return NA, None, ""
    return f"{rate_bytes(a)} {rate_bytes(b)}", (a or 0) + (b or 0), ""


_UNFORMATTED = ("", "")  # a cell of a row not formatted yet: differs from any real (text, style)

COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", lambda d, t: (clip(d.stats.name, NAME_CAP), d.stats.name.lower(), "")),
    Column("state", "State", lambda d, t: (d.stats.state, d.stats.state, _STATE_STYLE.get(d.stats.state, ""))),
    Column("vcpus", "vCPU", lambda d, t: (NA if d.stats.vcpus is None else str(d.stats.vcpus), d.stats.vcpus, "")),
    Column("cpu", "CPU%", lambda d, t: _ratio(d.cpu_ratio)),
    Column("steal", "Steal%", lambda d, t: _ratio(d.steal_ratio, t.domain_steal_ratio)),
    Column("squeeze", "Squeeze", lambda d, t: _ratio(d.squeeze_ratio, t.balloon_squeeze_ratio)),
    Column("usable", "Usable", lambda d, t: _ratio(d.usable_ratio, t.balloon_usable_ratio_below, below=True)),
    Column("actual", "Balloon", lambda d, t: (size(d.stats.balloon.actual_bytes), d.stats.balloon.actual_bytes, "")),
    Column("host", "Host%", lambda d, t: _ratio(d.host_cpu_ratio)),
    Column("rss", "RSS", lambda d, t: (size(d.stats.balloon.rss_bytes), d.stats.balloon.rss_bytes, "")),
    Column("disk", "Disk r/w", lambda d, t: _pair(d.disk_read_bytes_per_second, d.disk_write_bytes_per_second)),
    Column("net", "Net rx/tx", lambda d, t: _pair(d.net_rx_bytes_per_second, d.net_tx_bytes_per_second)),
    Column("pid", "PID", lambda d, t: (NA if d.stats.qemu_pid is None else str(d.stats.qemu_pid),
                                       d.stats.qemu_pid, "")),
)


class DomainsPane(Pane):
    """libvirt domains: CPU, steal, balloon pressure, I/O."""

    PANE_ID: ClassVar[str] = "domains"
    TITLE: ClassVar[str] = "Domains"
    BINDINGS: ClassVar[list[BindingType]] = [
        # The same sort keys as the processes pane (htop's): > < I, and P M N T directly.
        Binding("greater_than_sign", "sort_next", "Sort>", id="domains.sort_next", key_display=">"),
        Binding("less_than_sign", "sort_previous", "Sort<", id="domains.sort_previous", key_display="<",
                show=False),
        Binding("I", "sort_reverse", "Invert", id="domains.sort_invert"),
        Binding("P", "sort_by('cpu')", "CPU", id="domains.sort_cpu", show=False),
        Binding("T", "sort_by('steal')", "Steal", id="domains.sort_steal", show=False),
        Binding("M", "sort_by('squeeze')", "Squeeze", id="domains.sort_squeeze", show=False),
        Binding("N", "sort_by('name')", "Name", id="domains.sort_name", show=False),
        Binding("slash", "filter", "Filter", id="domains.filter", key_display="/"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="domains.clear_filter"),
    ]
    DEFAULT_CSS = """
    DomainsPane #domains-filter { display: none; height: 3; }
    DomainsPane #domains-filter.shown { display: block; }
    DomainsPane #domains-banner { height: auto; }
    DomainsPane FastTable { height: 1fr; }
    """

    def __init__(self, store: Any) -> None:
        """Create the pane over ``store``."""
        super().__init__(store)
        self.filter_text = ""
        self.sort_column: str | None = None
        self.sort_reverse = False
        self._cells: dict[str, tuple[tuple[str, str], ...]] = {}
        self._stale: set[str] = set()
        self._latest: dict[str, DomainView] = {}
        self._greyed = False

    def compose(self) -> ComposeResult:
        """Banner, filter input, table."""
        yield Static(id="domains-banner", classes="banner")
        # Disabled while hidden, so it never takes the focus from the table.
        yield Input(placeholder="filter by name or state", id="domains-filter", disabled=True)
        table = FastTable(id="domains-table", zebra_stripes=True)
        for col in COLUMNS:
            table.add_column(col.label, key=col.key)
        yield table

    def on_mount(self) -> None:
        """Render whatever the store already holds."""
        self.table.on_scrolled = self._catch_up
        # A disconnect reason ends with "retrying in Ns": wrap rather than cut it off.
        self.query_one("#domains-banner", Static).styles.text_wrap = "wrap"
        self.refresh_view()

    @property
    def table(self) -> FastTable:
        """The domains table."""
        return self.query_one("#domains-table", FastTable)

    def _view(self) -> tuple[DomainsView | None, bool]:
        sample = self.store.get("domains")
        if sample is None:
            return None, False
        if sample.view is not None:
            return sample.view, False
        return sample.last_view, sample.last_view is not None

    def _banner(self, view: DomainsView | None) -> Text:
        text = status_text(self.store.get("domains"), "libvirt")
        if text is not None:
            return text
        out = Text(no_wrap=True, overflow="ellipsis")
        if view is None:
            return out
        hyp = view.hypervisor
        if hyp is not None:
            out.append(f"{hyp.name or NA} {hyp.version or ''}  ")
        running = sum(1 for d in view.domains if d.stats.state == "running")
        out.append(f"{len(view.domains)} domains, {running} running")
        # This node's own steal (it may itself be a guest) next to its guests' steal.
        host_steal = joins.host_steal_ratio(self.store)
        if host_steal is not None:
            out.append(f"  host steal {pct(host_steal)}")
        if self.filter_text:
            out.append("  filter: ")
            out.append(literal(self.filter_text, "bold"))
        if hyp is not None:  # last: a long URI (a test:/// path, qemu+ssh://…) wraps, the counts stay on line 1
            out.append("  ")
            out.append(literal(hyp.uri, "dim"))
        return out

    def _matches(self, d: DomainView) -> bool:
        f = self.filter_text.lower()
        return not f or f in d.stats.name.lower() or f in d.stats.state

    def refresh_view(self) -> None:
        """Update rows in place: remove gone domains, update changed cells, add new ones.

        Only rows on screen (plus a screenful either side) are re-formatted each tick;
        the others are marked stale and brought up to date when scrolled into view or
        before a sort. With 1,000 domains this keeps a tick's render to what is seen.
        """
        if not self.is_mounted:
            return
        view, greyed = self._view()
        set_text(self.query_one("#domains-banner", Static), self._banner(view))
        table = self.table
        wanted: dict[str, DomainView] = {}
        if view is not None:
            wanted = {d.stats.uuid: d for d in view.domains if self._matches(d)}
        self._latest, self._greyed = wanted, greyed
        with self.app.batch_update(), table.bulk():
            for key in [k for k in self._cells if k not in wanted]:
                table.remove_row(key)
                del self._cells[key]
                self._stale.discard(key)
            lo, hi = self._window()
            changes: list[tuple[str, str, Any]] = []
            for uuid, dom in wanted.items():
                if uuid not in self._cells:
                    if table.row_count >= hi:
                        self._add_unformatted(uuid, dom)
                        continue
                    values = [col.get(dom, self.store.config.thresholds) for col in COLUMNS]
                    table.add_row(*(self._cell(shown, raw, self._tone(style))
                                    for shown, raw, style in values), key=uuid)
                    self._cells[uuid] = tuple((shown, self._tone(style)) for shown, _r, style in values)
                elif lo <= table.get_row_index(uuid) < hi:
                    self._diff_row(uuid, dom, changes)
                else:
                    self._stale.add(uuid)
            table.update_cells(changes)
            if self.sort_column is not None:
                # Every tick, not only when rows come or go: values change under a sort
                # (issue 14: 32.0% above 53.4% one tick after sorting by CPU).
                self._sort()

    def _add_unformatted(self, uuid: str, dom: DomainView) -> None:
        """Add a row far below the window with its name only; the rest when it is needed.

        Formatting all 13 columns of 1,000 new rows was most of the first visit to this
        pane. The name is formatted now (its width sets the column); the other cells when
        the row scrolls into view (``_catch_up``) or a sort needs them (``_refresh_column``).
        """
        shown, raw, style = COLUMNS[0].get(dom, self.store.config.thresholds)
        style = self._tone(style)
        self.table.add_row(self._cell(shown, raw, style), *([None] * (len(COLUMNS) - 1)), key=uuid)
        self._cells[uuid] = ((shown, style), *([_UNFORMATTED] * (len(COLUMNS) - 1)))
        self._stale.add(uuid)

    def _window(self) -> tuple[int, int]:
        """Row indexes worth formatting now: the visible rows and a screenful either side."""
        table = self.table
        height = max(table.size.height, 25)
        top = int(table.scroll_y)
        return top - height, top + 2 * height

    def _diff_row(self, uuid: str, dom: DomainView, changes: list[tuple[str, str, Any]]) -> None:
        values = [col.get(dom, self.store.config.thresholds) for col in COLUMNS]
        cells = tuple((shown, self._tone(style)) for shown, _raw, style in values)
        old = self._cells[uuid]
        self._stale.discard(uuid)
        if old == cells:
            return
        for col, new, before, value in zip(COLUMNS, cells, old, values, strict=True):
            if new != before:  # only changed cells: most of a row stays as it was
                changes.append((uuid, col.key, self._cell(new[0], value[1], new[1])))
        self._cells[uuid] = cells

    def _catch_up(self) -> None:
        """Bring the stale rows now in the window up to date (after a scroll or a sort)."""
        if not self._stale:
            return
        table = self.table
        lo, hi = self._window()
        changes: list[tuple[str, str, Any]] = []
        for uuid in list(self._stale):
            dom = self._latest.get(uuid)
            if dom is None:
                self._stale.discard(uuid)
            elif lo <= table.get_row_index(uuid) < hi:
                self._diff_row(uuid, dom, changes)
        table.update_cells(changes)

    def _refresh_column(self, key: str) -> None:
        """Bring one column of every stale row up to date (the sort key, before sorting)."""
        index = next(i for i, c in enumerate(COLUMNS) if c.key == key)
        col = COLUMNS[index]
        changes: list[tuple[str, str, Any]] = []
        for uuid in self._stale:
            dom = self._latest.get(uuid)
            if dom is None:
                continue
            shown, raw, style = col.get(dom, self.store.config.thresholds)
            cell = (shown, self._tone(style))
            old = self._cells[uuid]
            if old[index] != cell:
                changes.append((uuid, key, self._cell(cell[0], raw, cell[1])))
                self._cells[uuid] = (*old[:index], cell, *old[index + 1:])
        self.table.update_cells(changes)

    def _tone(self, style: str) -> str:
        """A cell's style as shown: every cell dim while the values are the last ones kept (disconnected)."""
        return "dim" if self._greyed else style

    @staticmethod
    def _cell(shown: str, raw: Any, style: str) -> TableCell:
        return TableCell(shown, style, raw)

    def _sort(self) -> None:
        if self.sort_column is not None:
            self._refresh_column(self.sort_column)  # sort on current values, not stale ones
            column = self.sort_column
            table = self.table
            values: dict[str, Any] = {row: getattr(table.get_cell(row, column), "sort_value", None)
                                      for row in table.row_keys}
            known = [row for row, value in values.items() if value is not None]
            # Unknown values (a shut-off guest's CPU%) go last in either direction: sorting
            # busiest first must not put the domains that report nothing on top.
            order = sorted(known, key=lambda row: values[row], reverse=self.sort_reverse)
            table.reorder(order + [row for row, value in values.items() if value is None])
            table.set_sort(column, self.sort_reverse)
            self._catch_up()  # rows that moved into view

    def sort_by(self, column: str, reverse: bool | None = None) -> None:
        """Sort by ``column`` (a column key) now; numbers sort high first by default."""
        self.sort_column = column
        self.sort_reverse = (column not in ("name", "state")) if reverse is None else reverse
        self._sort()
        self.table.cursor_to_top()  # a sort chosen shows the list from its top
        self._catch_up()

    def action_sort_next(self) -> None:
        """Sort by the next column."""
        self._step_sort(1)

    def action_sort_previous(self) -> None:
        """Sort by the previous column."""
        self._step_sort(-1)

    def _step_sort(self, step: int) -> None:
        keys = [c.key for c in COLUMNS]
        if self.sort_column in keys:
            self.sort_by(keys[(keys.index(self.sort_column) + step) % len(keys)])
        else:
            self.sort_by(keys[0] if step > 0 else keys[-1])

    def action_sort_by(self, column: str) -> None:
        """Sort by ``column`` (a column key)."""
        self.sort_by(column)

    def action_sort_reverse(self) -> None:
        """Reverse the current sort."""
        if self.sort_column is None:
            self.sort_column = "name"
        self.sort_reverse = not self.sort_reverse
        self._sort()
        self.table.cursor_to_top()
        self._catch_up()

    @on(FastTable.HeaderSelected)
    def _header(self, event: FastTable.HeaderSelected) -> None:
        key = event.column_key
        if key == self.sort_column:
            self.action_sort_reverse()
        else:
            self.sort_by(key)

    def action_filter(self) -> None:
        """Show the filter input and focus it."""
        box = self.query_one("#domains-filter", Input)
        box.disabled = False
        box.add_class("shown")
        box.focus()

    def action_clear_filter(self) -> None:
        """Clear and hide the filter."""
        box = self.query_one("#domains-filter", Input)
        box.value = ""
        box.remove_class("shown")
        box.disabled = True
        self.set_filter("")
        self.table.focus()

    def set_filter(self, text: str) -> None:
        """Show only domains whose name or state contains ``text`` (case-insensitive)."""
        self.filter_text = text
        self.refresh_view()

    @on(Input.Changed, "#domains-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.set_filter(event.value)

    @on(Input.Submitted, "#domains-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.table.focus()

    @on(FastTable.RowSelected, "#domains-table")
    def _open(self, event: FastTable.RowSelected) -> None:
        from edgetop.ui.screens.domain_detail import DomainDetailScreen

        self.app.push_screen(DomainDetailScreen(self.store, event.row_key))
