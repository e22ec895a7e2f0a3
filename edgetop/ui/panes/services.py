"""Services pane: the configured units' state, since when, main PID, restarts, memory; ``r`` restarts.

``r`` builds a :class:`~edgetop.actions.intents.RestartService` and hands it to the app's
``request_action`` (pre-check, confirm dialog with the exact command, audit, result).
Read-only and kiosk modes hide the key (``MutationGate``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from edgetop.actions.intents import RestartService
from edgetop.collectors.services import ServicesReading, ServiceState
from edgetop.ui.fmt import NA, NAME_CAP, TEXT_CAP, age, literal, size
from edgetop.ui.gate import MutationGate
from edgetop.ui.panes.table import TablePane

_COLUMNS = (("unit", "UNIT"), ("active", "ACTIVE"), ("sub", "SUB"), ("since", "SINCE"), ("pid", "PID"),
            ("restarts", "RESTARTS"), ("memory", "MEMORY"), ("description", "DESCRIPTION"))
_RIGHT = frozenset({"since", "pid", "restarts", "memory"})  # numbers and durations line up on the right

_ACTIVE_STYLE = {"active": "green", "failed": "bold red", "activating": "yellow", "deactivating": "yellow",
                 "reloading": "yellow", "inactive": "dim"}


def cells(s: ServiceState) -> tuple[Any, ...]:
    """One row's cells; names and descriptions from outside are literal text."""
    load_problem = s.load_state if s.load_state in ("not-found", "masked", "invalid-name", "error") else None
    active = load_problem or s.active_state or NA
    style = "bold yellow" if load_problem else _ACTIVE_STYLE.get(s.active_state or "", "")
    since = age(s.active_enter_timestamp_seconds) if s.active_enter_timestamp_seconds else NA
    return (
        literal(s.name if s.unit in (s.name, f"{s.name}.service") else f"{s.name} ({s.unit})", cap=NAME_CAP),
        Text(active, style=style),
        literal(s.sub_state or NA, cap=NAME_CAP),
        since,
        NA if s.main_pid is None else str(s.main_pid),
        Text(NA if s.restarts_total is None else str(s.restarts_total),
             style="yellow" if (s.restarts_total or 0) > 0 else ""),
        size(s.memory_bytes),
        literal(s.description or "", "dim", cap=TEXT_CAP),
    )


class ServicesPane(MutationGate, TablePane):
    """The service units named in the config, in config order."""

    PANE_ID = "services"
    TITLE = "Services"
    COLUMNS = _COLUMNS
    RIGHT = _RIGHT
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "restart_service", "Restart", id="services.restart_service"),
    ]

    def items(self, view: ServicesReading) -> dict[str, ServiceState]:
        """Every configured unit by its configured name."""
        return {s.name: s for s in view.services}

    def cells(self, s: ServiceState, stale: bool) -> tuple[Any, ...]:
        """One unit's row."""
        return cells(s)

    def summary(self, view: ServicesReading, items: Mapping[str, ServiceState]) -> Text:
        """How many units, through which manager, how many failed."""
        line = Text(f"{len(view.services)} units via {view.manager}")
        failed = sum(1 for s in view.services if s.active_state == "failed")
        if failed:
            line.append(f", {failed} failed", style="bold red")
        return line

    def selected_name(self) -> str | None:
        """Return the configured name of the unit under the cursor."""
        return self.table.cursor_key

    def action_restart_service(self) -> None:
        """Ask the app to restart the selected unit (pre-check, confirm, audit, result)."""
        name = self.selected_name()
        if name is None:
            self.app.notify("no service selected", severity="warning")
            return
        request = getattr(self.app, "request_action", None)
        if request is None:
            self.app.notify("actions are not available here", severity="error")
            return
        # A worker keeps the pane responsive while systemctl runs (up to actions.timeout).
        self.run_worker(request(RestartService(name)), group="actions", exit_on_error=False)
