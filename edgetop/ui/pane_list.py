"""Which panes the app shows, in order, with their number keys."""

from __future__ import annotations

import importlib
import logging

from edgetop.ui.panes.base import Pane

log = logging.getLogger(__name__)

# (module, class, number key). One line per pane.
PANES: tuple[tuple[str, str, str], ...] = (
    ("edgetop.ui.panes.overview", "OverviewPane", "1"),
    ("edgetop.ui.panes.cpu", "CpuPane", "2"),
    ("edgetop.ui.panes.memory", "MemoryPane", "3"),
    ("edgetop.ui.panes.processes", "ProcessesPane", "4"),
    ("edgetop.ui.panes.domains", "DomainsPane", "5"),
    ("edgetop.ui.panes.sensors", "SensorsPane", "6"),
    ("edgetop.ui.panes.network", "NetworkPane", "7"),
    ("edgetop.ui.panes.snmp", "SnmpPane", "8"),
    ("edgetop.ui.panes.time", "TimePane", "9"),
    ("edgetop.ui.panes.services", "ServicesPane", "0"),
)


def pane_classes() -> list[tuple[type[Pane], str]]:
    """Import every pane class; a pane that fails to import is logged and left out."""
    out: list[tuple[type[Pane], str]] = []
    for module_name, class_name, key in PANES:
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            log.exception("pane %s.%s is not available", module_name, class_name)
            continue
        out.append((cls, key))
    return out
