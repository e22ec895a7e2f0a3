"""Render screenshots/*.svg from the demo: every pane at 120x40, and the console look at 80x25.

Usage: python tools/screenshots.py   (``make screenshots``)
The demo adds bundled domains, sensors and bonds to this machine's live CPU, memory and
processes, so the pictures show every pane with something in it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"


async def shoot(size: tuple[int, int], suffix: str, panes: list[tuple[str, ...]]) -> list[Path]:
    """Start the demo at ``size``, visit ``panes`` by their keys, save one SVG each."""
    from edgetop.collectors.registry import all_specs
    from edgetop.config import load_config
    from edgetop.demo import demo_context
    from edgetop.sources.fs import ProcFS, SysFS
    from edgetop.ui.app import EdgetopApp

    demo_config = ROOT / "contrib" / "edgetop.demo.yaml"
    cfg = load_config(str(demo_config)) if demo_config.exists() else load_config()
    ctx = demo_context(cfg, ProcFS(), SysFS())
    app = EdgetopApp(ctx, all_specs(ctx), theme="edgetop-console" if "console" in suffix else "edgetop-dark")
    written = []
    async with app.run_test(size=size) as pilot:
        await asyncio.sleep(3.5)  # two samples of every local collector: rates are real
        for keys in panes:
            await pilot.press(*keys)
            await asyncio.sleep(1.3)
            pane = app.active_pane()
            name = pane.PANE_ID if pane else keys[0]
            path = OUT / f"{name}-{suffix}.svg"
            app.save_screenshot(filename=path.name, path=str(OUT))
            written.append(path)
    return written


async def shoot_fleet() -> Path:
    """``edgetop fleet`` at 120x40 against answers recorded from a real Prometheus (tests/fixtures/fleet/).

    A real HTTP server on loopback replays them (tests/fleet/replay.py), their times moved to now.
    """
    import time

    from edgetop.config_schema import FleetConfig
    from edgetop.fleet.connect import fleet_settings
    from edgetop.ui.fleet_app import FleetApp
    from tests.fleet.replay import Replay, recorded, replay_server

    path = OUT / "fleet.svg"
    with replay_server(Replay(recorded("one-stopped.json", time.time()))) as replay:
        settings = fleet_settings(FleetConfig(), replay.url, None, 60.0, None)
        app = FleetApp(settings, theme="edgetop-dark")
        async with app.run_test(size=(120, 40)) as pilot:
            while app.table.row_count < 3:
                await asyncio.sleep(0.1)
            await pilot.press("down")  # the cursor on the faulty node, under the one that stopped
            await asyncio.sleep(0.3)
            app.save_screenshot(filename=path.name, path=str(OUT))
        settings.client.close()
    return path


def main() -> int:
    """Write every screenshot and list them."""
    OUT.mkdir(exist_ok=True)
    sys.path.insert(0, str(ROOT))
    checks = ("g", "c", "h", "e", "enter")  # the eleventh pane has no number key: the go-to list
    storage = ("g", "s", "t", "o", "r", "enter")
    events = ("g", "e", "v", "e", "n", "enter")
    alerts = ("g", "a", "l", "e", "r", "enter")
    files = asyncio.run(shoot((120, 40), "120x40",
                              [(k,) for k in "1234567890"] + [checks, storage, events, alerts]))
    files.append(asyncio.run(shoot_fleet()))
    os.environ["EDGETOP_ASCII"] = "1"  # the Linux console's glyph set
    from edgetop.ui.console import apply_console_mode

    apply_console_mode()
    files += asyncio.run(shoot((80, 25), "console-80x25", [("1",), ("2",), ("4",), ("5",), checks, storage, alerts]))
    for f in files:
        print(f.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
