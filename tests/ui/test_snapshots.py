"""SVG snapshots of the foundation's panes from deterministic data (pytest-textual-snapshot).

The store is filled from two committed samples of a real VM (tests/fixtures/hosts/vm-steal),
so every number, bar and sparkline is the same on every run. Update after a reviewed
change of the screen with ``pytest tests/ui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import time

import pytest

from edgetop.collectors import cpu, host, memory, processes
from edgetop.config_schema import Config
from edgetop.engine.store import Store
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.app import EdgetopApp
from tests.helpers import FIXTURES, reading

FIXTURE = FIXTURES / "hosts" / "vm-steal"
NOON = time.mktime((2026, 11, 23, 12, 0, 0, 0, 0, -1))


def filled_store(config: Config) -> tuple[Context, Store, list]:
    """Two samples, one second apart, of each foundation collector over the fixture."""
    store = Store(config)
    specs = []
    for i, sample in enumerate(("sample1", "sample2")):
        ctx = Context(config=config, procfs=ProcFS(FIXTURE / sample / "proc"), sysfs=SysFS(FIXTURE / sample / "sys"))
        for module in (host, cpu, memory, processes):
            for spec in module.specs(ctx):
                value = spec.build(ctx)()
                store.update(spec, reading(spec.name, value, monotonic=1000.0 + i, timestamp=NOON + i))
                if i == 0:
                    specs.append(spec)
    return ctx, store, specs


def make_app(read_only: bool = False, kiosk: bool = False) -> EdgetopApp:
    config = Config()
    ctx, store, specs = filled_store(config)
    app = EdgetopApp(ctx, specs, read_only=read_only, kiosk=kiosk, start_engine=False, store=store,
                     theme="edgetop-dark")
    return app


async def _pinned_clock(pilot) -> None:  # type: ignore[no-untyped-def]
    pilot.app.header.clock = lambda: NOON
    pilot.app.header.redraw()
    await pilot.pause()


@pytest.mark.parametrize(("keys", "size"), [
    ((), (120, 40)), (("2",), (120, 40)), (("3",), (120, 40)), (("4",), (120, 40)),
    ((), (80, 25)), (("4",), (80, 25)),
])
def test_foundation_panes(snap_compare, keys: tuple[str, ...], size: tuple[int, int]) -> None:
    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _pinned_clock(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        pilot.app._refresh_active()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=before)


def test_read_only_header(snap_compare) -> None:
    assert snap_compare(make_app(read_only=True), terminal_size=(120, 40), run_before=_pinned_clock)


def test_console_ascii_glyphs(snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDGETOP_ASCII", "1")

    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _pinned_clock(pilot)
        await pilot.press("2")
        await pilot.pause()
        pilot.app._refresh_active()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 25), run_before=before)
