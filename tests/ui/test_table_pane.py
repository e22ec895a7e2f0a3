"""The pane skeleton: a new table pane is one subclass; a pane learns of samples from the specs.

``StoragePane`` below is what a wave-two pane looks like: columns, ``items``, ``cells``,
optionally ``summary`` and ``SORTS``. The tests drive it through the same harness as the
real panes, and check that every collector names a pane that exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType

from edgetop.collectors.registry import all_specs
from edgetop.config_schema import Config
from edgetop.demo import demo_context
from edgetop.engine.store import Store
from edgetop.model.reading import Status
from edgetop.model.spec import CollectorSpec
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.fmt import literal, pct
from edgetop.ui.pane_list import PANES
from edgetop.ui.panes.table import TablePane, column_sort_bindings
from edgetop.ui.widgets.synced_table import SyncedTable

from .harness import PaneHarness, reading


@dataclass(frozen=True)
class Device:
    name: str
    util_ratio: float | None


@dataclass(frozen=True)
class StorageView:
    devices: tuple[Device, ...]


class StoragePane(TablePane):
    """A whole table pane in a dozen lines."""

    PANE_ID = "storage"
    TITLE = "Storage"
    COLUMNS = (("device", "DEVICE"), ("util", "UTIL%"))
    RIGHT = frozenset({"util"})
    SORTS: ClassVar[Mapping[str, Any]] = {"device": lambda d: d.name, "util": lambda d: d.util_ratio or 0.0}
    DESCENDING = frozenset({"util"})
    BINDINGS: ClassVar[list[BindingType]] = column_sort_bindings("storage")

    def items(self, view: StorageView) -> dict[str, Device]:
        return {d.name: d for d in view.devices}

    def cells(self, d: Device, stale: bool) -> tuple[Any, ...]:
        return (literal(d.name, "dim" if stale else ""), pct(d.util_ratio))

    def summary(self, view: StorageView, items: Mapping[str, Device]) -> Text:
        return Text(f"{len(items)} devices")


SPEC = CollectorSpec(name="storage", lane="local", json_key="storage", pane="storage", build=lambda ctx: lambda: None)
OTHER = CollectorSpec(name="cpu", lane="local", json_key="cpu", pane="cpu", build=lambda ctx: lambda: None)
VIEW = StorageView((Device("sdb", 0.10), Device("nvme0n1", 0.75), Device("sda", 0.40)))


def status_of(app: PaneHarness) -> str:
    return str(app.pane.query_one("#storage-status").render())


async def test_a_new_table_pane_shows_rows_status_and_sorts() -> None:
    app = PaneHarness(StoragePane)
    async with app.run_test(size=(80, 24)) as pilot:
        app.pane.refresh_view()
        assert status_of(app) == "storage: waiting for the first sample"
        app.feed(SPEC, VIEW)
        await pilot.pause()
        table = app.pane.query_one("#storage-table", SyncedTable)
        assert table.row_keys_in_order() == ["sdb", "nvme0n1", "sda"]  # as they came: no sort chosen
        assert status_of(app) == "3 devices"
        await pilot.press("greater_than_sign")  # first sortable column: device, A to Z
        assert table.row_keys_in_order() == ["nvme0n1", "sda", "sdb"]
        await pilot.press("greater_than_sign")  # util, busiest first
        assert app.pane.sort_column == "util" and app.pane.sort_reverse
        assert table.row_keys_in_order() == ["nvme0n1", "sda", "sdb"]
        await pilot.press("I")
        assert table.row_keys_in_order() == ["sdb", "sda", "nvme0n1"]
        assert app.pane.selected() == Device("sdb", 0.10)


async def test_unavailable_keeps_the_last_rows_greyed_under_the_banner() -> None:
    app = PaneHarness(StoragePane)
    async with app.run_test(size=(80, 24)) as pilot:
        app.feed(SPEC, VIEW)
        app.feed(SPEC, status=Status.FAILED, reason="smartctl: permission denied")
        await pilot.pause()
        status = status_of(app)
        assert status.startswith("storage failed: smartctl: permission denied")
        assert status.endswith("3 devices")
        table = app.pane.query_one("#storage-table", SyncedTable)
        assert table.row_count == 3 and str(table.get_row("sda")[0].style) == "dim"


def test_a_pane_wants_the_samples_whose_spec_names_it() -> None:
    store = Store(Config())
    pane = StoragePane(store)
    mine, other = store.update(SPEC, reading("storage", VIEW)), store.update(OTHER, reading("cpu", 1))
    assert pane.wants(mine) and not pane.wants(other)
    assert pane.samples() == [mine]


def test_every_collector_names_a_pane_that_exists_and_every_pane_has_one() -> None:
    ctx = demo_context(Config(), ProcFS(), SysFS())
    specs = all_specs(ctx)
    pane_ids = {e.pane_id for e in PANES}
    assert sorted({s.pane for s in specs} - pane_ids) == []
    shown = {s.pane for s in specs}
    # The overview and the Alerts pane sum up every collector; every other pane shows one of its own.
    assert sorted(pane_ids - shown - {"overview", "alerts"}) == []
    store = Store(ctx.config)
    overview = next(e for e in PANES if e.pane_id == "overview").load()(store)
    samples = [store.update(spec, reading(spec.name, None)) for spec in specs]
    assert all(overview.wants(s) for s in samples)
