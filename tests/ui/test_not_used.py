"""Time tools this node does not use are "not used", not problems: header and sources view (issue 14)."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from edgetop.collectors import ntp
from edgetop.config_schema import Config
from edgetop.engine.store import Store
from edgetop.model.reading import Status
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.screens.sources import SourcesScreen
from edgetop.ui.widgets.header import HeaderBar
from edgetop.ui.widgets.synced_table import SyncedTable
from tests.helpers import fake_spec, reading, wait_for


def filled_store() -> Store:
    store = Store(Config())
    store.update(fake_spec("ntp:chrony", optional=True), reading("ntp:chrony", 1, Status.OK, None))
    for kind in ("ntpd", "timesyncd", "sntp", "ptp"):
        store.update(fake_spec(f"ntp:{kind}", optional=True),
                     reading(f"ntp:{kind}", None, Status.UNAVAILABLE, f"{kind} absent"))
    store.update(fake_spec("snmp:ups"), reading("snmp:ups", None, Status.UNAVAILABLE, "no answer within 2 s"))
    return store


class HeaderApp(App[None]):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield HeaderBar(self.store, read_only=False, kiosk=False)


def test_ntp_tools_are_optional_but_the_kernel_clock_is_not() -> None:
    specs = {s.name: s for s in ntp.specs(Context(config=Config(), procfs=ProcFS(), sysfs=SysFS()))}
    assert not specs["ntp:kernel"].optional and not specs["ntp:verdict"].optional
    assert specs["ntp:chrony"].optional and specs["ntp:ptp"].optional


async def test_header_counts_unused_tools_apart_from_real_outages() -> None:
    store = filled_store()
    assert store.not_used() == ["ntp:ntpd", "ntp:ptp", "ntp:sntp", "ntp:timesyncd"]
    app = HeaderApp(store)
    async with app.run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        header = app.query_one(HeaderBar)
        header.redraw()
        line = header.plain.splitlines()[1]
        assert line.rstrip().endswith("src 1 ok 1 unav 4 not used"), line


async def test_sources_view_says_not_used() -> None:
    store = filled_store()
    app = HeaderApp(store)
    async with app.run_test(size=(80, 25)) as pilot:
        await app.push_screen(SourcesScreen(store))
        table = app.screen.query_one("#sources-table", SyncedTable)
        await wait_for(lambda: table.row_count == 6)
        await pilot.pause()
        status = {key: Text.from_markup(str(table.get_cell(key, "status"))).plain
                  for key in ("ntp:ptp", "snmp:ups", "ntp:chrony")}
        assert status == {"ntp:ptp": "not used", "snmp:ups": "unavailable", "ntp:chrony": "ok"}
        # It opens on the first real problem, whose whole reason is shown below the table.
        assert table.cursor_key == "snmp:ups"
        assert "snmp:ups: no answer within 2 s" in str(app.screen.query_one("#sources-reason").render())


async def test_overview_lists_unused_tools_on_one_line() -> None:
    from edgetop.ui.panes.overview import OverviewPane
    from tests.ui.harness import PaneHarness

    app = PaneHarness(OverviewPane)
    app.store = filled_store()
    app.pane = OverviewPane(app.store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.pane.refresh_view()
        await pilot.pause()
        from tests.ui.test_services_actions import screen_text

        shown = screen_text(app).replace("\xa0", " ")
        assert "Sources: 1 ok, 1 not, 4 not used (s for details)" in shown
        assert "not used ntp:ntpd, ntp:ptp, ntp:sntp, ntp:timesyncd" in shown
        assert "ptp absent" not in shown and "no answer within 2 s" in shown  # only real outages with reasons
