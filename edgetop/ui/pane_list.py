"""Which panes the app shows, in order, with their number keys.

Panes are imported when first shown, so start-up pays only for the overview. The first
ten panes have the number keys 1…9, 0; later ones have none: ``g`` (go to) and tab reach
every pane. A new pane is one module (a ``TablePane`` subclass when it is a table of one
collector's rows, see ``panes/table.py``) and one line here; its collectors' specs name it
(``CollectorSpec.pane``), which is how it learns of their samples.
"""

from __future__ import annotations

import importlib

import msgspec

from edgetop.ui.panes.base import Pane


class PaneEntry(msgspec.Struct, frozen=True):
    """One pane: where its class lives, its id, title and number key ("" for none)."""

    module: str
    class_name: str
    pane_id: str
    title: str
    key: str = ""

    def load(self) -> type[Pane]:
        """Import the pane class."""
        cls: type[Pane] = getattr(importlib.import_module(self.module), self.class_name)
        return cls


# One line per pane.
PANES: tuple[PaneEntry, ...] = (
    PaneEntry("edgetop.ui.panes.overview", "OverviewPane", "overview", "Overview", "1"),
    PaneEntry("edgetop.ui.panes.cpu", "CpuPane", "cpu", "CPU", "2"),
    PaneEntry("edgetop.ui.panes.memory", "MemoryPane", "memory", "Memory", "3"),
    PaneEntry("edgetop.ui.panes.processes", "ProcessesPane", "processes", "Processes", "4"),
    PaneEntry("edgetop.ui.panes.domains", "DomainsPane", "domains", "Domains", "5"),
    PaneEntry("edgetop.ui.panes.sensors", "SensorsPane", "sensors", "Sensors", "6"),
    PaneEntry("edgetop.ui.panes.network", "NetworkPane", "network", "Network", "7"),
    PaneEntry("edgetop.ui.panes.snmp", "SnmpPane", "snmp", "SNMP", "8"),
    PaneEntry("edgetop.ui.panes.time", "TimePane", "time", "Time", "9"),
    PaneEntry("edgetop.ui.panes.services", "ServicesPane", "services", "Services", "0"),
    PaneEntry("edgetop.ui.panes.checks", "ChecksPane", "checks", "Checks"),
    PaneEntry("edgetop.ui.panes.storage", "StoragePane", "storage", "Storage"),
    PaneEntry("edgetop.ui.panes.events", "EventsPane", "events", "Events"),
    PaneEntry("edgetop.ui.panes.alerts", "AlertsPane", "alerts", "Alerts"),
)
