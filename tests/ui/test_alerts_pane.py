"""The Alerts pane: every standing alert in order, scrolls at 80x25, acknowledge, the hour's history."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from edgetop.config_schema import AlertsConfig, Config
from edgetop.model.alerts import Alert, Impact, Severity
from edgetop.ui.panes.alerts import AlertsPane, row_key
from edgetop.ui.widgets.synced_table import SyncedTable
from tests.helpers import fake_spec
from tests.ui.harness import PaneHarness, cell, reading

MANY = [Alert(Severity.WARNING, "domains", f"guest{n:02d}", f"balloon squeezed {30 + n}% below maximum")
        for n in range(25)]
FAN = Alert(Severity.WARNING, "sensors", "nct6775/fan2", "fan alarm raised by the chip")
PAUSED = Alert(Severity.CRITICAL, "domains", "[red]hmi", "domain paused by libvirt (I/O error)", kind="paused",
               impact=Impact.GUESTS)


def spec_raising(alerts: list[Alert], name: str) -> Any:
    return fake_spec(name=name, alerts=lambda view, config: alerts if view else [])


DOMAINS = spec_raising([*MANY, PAUSED], "domains")
SENSORS = spec_raising([FAN], "sensors")


def feed(app: PaneHarness, spec: Any, value: Any, at: float) -> None:
    app.store.update(spec, reading(spec.name, value, monotonic=at, timestamp=1_700_000_000.0 + at))
    app.pane.refresh_view()


async def test_worst_first_every_row_reachable_at_80x25_and_names_literal() -> None:
    app = PaneHarness(AlertsPane)
    async with app.run_test(size=(80, 25)) as pilot:
        feed(app, DOMAINS, 1, 10.0)
        feed(app, SENSORS, 1, 11.0)
        await pilot.pause()
        table = app.pane.query_one("#alerts-table", SyncedTable)
        order = table.row_keys_in_order()
        assert order[0] == row_key(PAUSED.key)  # critical first
        assert order[1] == row_key(FAN.key)  # then hardware before pressure, though raised later
        assert len(order) == 27
        assert cell(table, row_key(PAUSED.key), "alert").startswith("domains/[red]hmi: domain paused")
        assert cell(table, row_key(PAUSED.key), "impact") == "guests"
        table.focus()
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_key == order[-1]  # the last of 27 rows is reachable on a 25-line screen
        detail = str(app.pane.query_one("#alerts-detail", Static).render())
        assert "guest24" in detail and "raised" in detail


async def test_acknowledge_marks_and_sinks_the_alert_and_a_second_press_takes_it_back() -> None:
    app = PaneHarness(AlertsPane)
    async with app.run_test(size=(100, 30)) as pilot:
        feed(app, DOMAINS, 1, 10.0)
        await pilot.pause()
        table = app.pane.query_one("#alerts-table", SyncedTable)
        table.focus()
        assert table.cursor_key == row_key(PAUSED.key)
        await pilot.press("a")
        await pilot.pause()
        assert cell(table, row_key(PAUSED.key), "state") == "ack"
        assert table.row_keys_in_order()[-1] == row_key(PAUSED.key)  # acknowledged: listed last, not hidden
        assert app.store.tracked_alerts()[-1].acked
        table.move_cursor(len(MANY))
        await pilot.press("a")
        await pilot.pause()
        assert not any(t.acked for t in app.store.tracked_alerts())


async def test_history_lists_raised_and_cleared_with_how_long_it_lasted() -> None:
    app = PaneHarness(AlertsPane, Config(alerts=AlertsConfig(hold_seconds=0.0)))
    async with app.run_test(size=(100, 30)) as pilot:
        feed(app, SENSORS, 1, 10.0)
        feed(app, SENSORS, 0, 75.0)  # the fan runs again 65 s later
        app.pane.query_one("#alerts-table", SyncedTable).focus()
        await pilot.press("h")
        await pilot.pause()
        history = app.pane.query_one("#alerts-history", SyncedTable)
        assert history.display and not app.pane.query_one("#alerts-table", SyncedTable).display
        rows = [[cell(history, key, c) for c in ("event", "severity", "lasted")] for key in history.row_keys_in_order()]
        assert rows == [["cleared", "WARN", "1m05s"], ["raised", "WARN", ""]]  # newest first
        status = str(app.pane.query_one("#alerts-status", Static).render())
        assert "2 changes in the last hour" in status


async def test_the_kiosk_does_not_acknowledge() -> None:
    app = PaneHarness(AlertsPane)
    app.kiosk = True  # type: ignore[attr-defined]
    async with app.run_test(size=(80, 25)) as pilot:
        feed(app, DOMAINS, 1, 10.0)
        await pilot.pause()
        app.pane.query_one("#alerts-table", SyncedTable).focus()
        await pilot.press("a")  # the binding is the pane's: Textual asks the pane, not the app
        await pilot.pause()
        assert not any(t.acked for t in app.store.tracked_alerts())
        app.pane.action_acknowledge()  # nor through the action itself (a palette, a remapped key)
        await pilot.pause()  # a notification is a message to the app
        assert not any(t.acked for t in app.store.tracked_alerts())
        assert "kiosk does not acknowledge" in " ".join(str(n.message) for n in app._notifications)
