"""A real snmpd stopped while the engine and the SNMP pane run: last values kept greyed, then recovery."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from edgetop.collectors import snmp
from edgetop.config_schema import Config, SnmpConfig
from edgetop.engine.lanes import Engine
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.panes.snmp import SnmpPane
from edgetop.ui.screens.snmp_detail import SnmpDetailScreen
from edgetop.ui.widgets.synced_table import SyncedTable
from tests.integration.snmpd_fixture import PrivateSnmpd
from tests.ui.harness import PaneHarness, plain

pytestmark = pytest.mark.daemon
INTERVAL = 2.0


async def _until(ready: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until ``ready()`` held (checked every 50 ms while the app runs)."""
    started = time.monotonic()
    while not ready():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def _port_rows(table: SyncedTable) -> list[str]:
    return [k for k in table.row_keys_in_order() if k.startswith("if:")]


async def test_a_stopped_agent_keeps_its_last_values_greyed_and_recovers(tmp_path: Path) -> None:
    agent = PrivateSnmpd(tmp_path / "agent")
    agent.start()
    target = agent.target("u-sha256-aes128", name="switch", interval=INTERVAL, timeout=0.5,
                          profiles=("system", "if-mib"))
    config = Config(snmp=SnmpConfig(targets=(target,)))
    ctx = Context(config=config, procfs=ProcFS("/proc"), sysfs=SysFS("/sys"))
    app = PaneHarness(SnmpPane, config)
    try:
        async with app.run_test(size=(80, 25)) as pilot:
            engine = Engine(ctx, snmp.specs(ctx), store=app.store)
            runner = asyncio.create_task(engine.run_forever(lambda sample: app.pane.refresh_view()))
            try:
                values = app.pane.values
                status = lambda: plain(app.pane.targets.get_row("snmp:switch")[2])  # noqa: E731
                await _until(lambda: app.pane.targets.row_count == 1 and status() == "up" and _port_rows(values),
                             15, "the first answer with its ports")
                ports = _port_rows(values)
                lo = next(k for k in ports if plain(values.get_row(k)[1]) == "lo")
                assert "dim" not in str(values.get_row(lo)[1].style)

                agent.stop()
                took = await _until(lambda: status() == "down", 2 * INTERVAL + 0.5, "status down")
                print(f"down shown {took:.2f} s after the agent stopped")
                rows = values.row_keys_in_order()
                assert rows[:2] == ["status:error", "status:kept"], rows
                assert plain(values.get_row("status:error")[0]) == "down"
                assert "host down" in plain(values.get_row("status:error")[2])
                assert "ago" in plain(values.get_row("status:kept")[2])
                assert _port_rows(values) == ports  # every port still listed ...
                assert all(str(c.style) == "dim" for c in values.get_row(lo))  # ... greyed
                assert plain(values.get_row(lo)[1]) == "lo"
                # The snapshot stays honest: down, no values, when it last answered.
                sample = app.store.get("snmp:switch")
                assert sample is not None and sample.view is not None
                doc = sample.spec.to_json(sample.view)[0]
                assert doc["status"] == "down" and doc["interfaces"] == [] and doc["last_up_timestamp"] is not None
                # The detail screen keeps them too.
                await app.push_screen(SnmpDetailScreen(app.store, "snmp:switch"))
                await pilot.pause()
                detail = app.screen.query_one("#snmp-detail-values", SyncedTable)
                assert _port_rows(detail) == ports and "status:kept" in detail.row_keys_in_order()
                app.pop_screen()

                agent.start()
                await _until(lambda: status() == "up", 15, "recovery without a restart")
                await _until(lambda: "status:kept" not in values.row_keys_in_order(), 5, "values current again")
                assert "dim" not in str(values.get_row(_port_rows(values)[0])[1].style)
            finally:
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner
                engine.close()
    finally:
        agent.stop()
