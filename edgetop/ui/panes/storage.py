"""Storage pane: filesystems, disk I/O, SMART, md RAID, libvirt pools and guest disks.

One table at a time (``v`` shows the next section, ``V`` the previous), so each keeps
columns of its own and fits 80x25; the strip above it names every section with its
row count and, in red, how many of its rows have a problem, so a degraded array or a
guest disk error shows whichever section is on screen. Each section is one collector
(``ui/render/storage_rows.py``); a section whose collector is down shows
``unavailable: reason`` and keeps its last rows greyed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from edgetop.collectors.filesystems import FilesystemsReading
from edgetop.collectors.libvirt_storage import StorageReading
from edgetop.ui.panes.base import Pane, status_text
from edgetop.ui.render.storage_rows import SECTIONS, Section, images_holders, smart_note
from edgetop.ui.widgets.static_text import set_text
from edgetop.ui.widgets.synced_table import SyncedTable

# What an empty section means, said instead of an empty table.
_EMPTY = {
    "filesystems": "no real filesystems mounted",
    "disks": "no whole disks in /proc/diskstats",
    "smart": "no SMART-capable disks (virtio, md and dm devices have no SMART of their own)",
    "raid": "no md arrays",
    "storage_pools": "no libvirt storage pools defined",
    "domain_disks": "no running guests with disks",
}
_NO_MD = "no md arrays (/proc/mdstat absent: the md driver is not loaded)"


class StoragePane(Pane):
    """The storage sections, one table at a time."""

    PANE_ID = "storage"
    TITLE = "Storage"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "next_section", "Section", id="storage.next_section"),
        Binding("V", "previous_section", "Section<", id="storage.previous_section", show=False),
    ]
    DEFAULT_CSS = """
    StoragePane #storage-status, StoragePane #storage-sections, StoragePane #storage-note { height: auto; }
    StoragePane .storage-table { height: 1fr; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Start on the filesystems."""
        super().__init__(*args, **kwargs)
        self.section = 0

    def compose(self) -> ComposeResult:
        """The status line, the section strip, one table per section (one shown), a note line."""
        yield Static(id="storage-status", classes="banner")
        yield Static(id="storage-sections")
        for s in SECTIONS:
            yield SyncedTable(s.columns, right=s.right, id=f"storage-{s.source}", classes="storage-table",
                              zebra_stripes=False)
        yield Static(id="storage-note")

    def on_mount(self) -> None:
        """Show the current section's table only."""
        self._show()

    @property
    def current(self) -> Section:
        """The section on screen."""
        return SECTIONS[self.section]

    def table(self, source: str | None = None) -> SyncedTable:
        """The table of ``source`` (default: the section on screen)."""
        return self.query_one(f"#storage-{source or self.current.source}", SyncedTable)

    def _show(self) -> None:
        for s in SECTIONS:
            self.table(s.source).display = s is self.current

    def show_section(self, source: str) -> None:
        """Show the section of collector ``source``."""
        self.section = next(i for i, s in enumerate(SECTIONS) if s.source == source)
        self._show()
        self.refresh_view()

    def action_next_section(self) -> None:
        """Show the next section."""
        self.show_section(SECTIONS[(self.section + 1) % len(SECTIONS)].source)

    def action_previous_section(self) -> None:
        """Show the previous section."""
        self.show_section(SECTIONS[(self.section - 1) % len(SECTIONS)].source)

    def refresh_view(self) -> None:
        """Render the strip from every section, then the shown section's status and rows."""
        thresholds = self.store.config.thresholds
        strip = Text(no_wrap=True)
        for i, s in enumerate(SECTIONS):
            sample = self.store.get(s.source)
            view = sample.last_view if sample else None
            label = s.title if view is None else f"{s.title} {s.size(view)}"
            if strip:
                strip.append("  ")
            shown = i == self.section
            strip.append(f"[{label}]" if shown else label, style="bold reverse" if shown else "")
            problems = len({a.subject for a in sample.alerts}) if sample is not None else 0
            if problems:
                strip.append(f" {problems}!", style="bold red")
            elif sample is not None and sample.view is None:
                strip.append(" ?", style="yellow")
        set_text(self.query_one("#storage-sections", Static), strip)
        self._render_section(thresholds)

    def _render_section(self, thresholds: Any) -> None:
        s = self.current
        sample = self.store.get(s.source)
        view = sample.last_view if sample else None
        status = Text(no_wrap=True)
        banner = status_text(sample, s.source)
        if banner is not None:
            status.append_text(banner)
        note = Text(no_wrap=True)
        if view is not None:
            if s.size(view) == 0:
                present = getattr(view, "present", True)
                note.append(_EMPTY[s.source] if present else _NO_MD, style="dim")
            elif s.source == "smart" and (denied := smart_note(view)):
                note.append(denied, style="yellow")
            rows = s.rows(view, thresholds, self._images())
            if sample is not None and sample.view is None:  # the last good rows, greyed
                rows = {k: tuple(Text(c.plain if isinstance(c, Text) else str(c), style="dim") for c in cells)
                        for k, cells in rows.items()}
            with self.app.batch_update():
                self.table().sync(rows)
        set_text(self.query_one("#storage-status", Static), status)
        set_text(self.query_one("#storage-note", Static), note)
        self.query_one("#storage-status", Static).display = bool(status)
        self.query_one("#storage-note", Static).display = bool(note)

    def _images(self) -> set[str]:
        """Filesystems holding libvirt images: the default directory, and the pools' target paths."""
        fs_sample, pool_sample = self.store.get("filesystems"), self.store.get("storage_pools")
        fs: FilesystemsReading | None = fs_sample.last_view if fs_sample else None
        pools: StorageReading | None = pool_sample.last_view if pool_sample else None
        if fs is None:
            return set()
        return images_holders(fs, [p.target_path for p in (pools.pools if pools else ()) if p.target_path])
