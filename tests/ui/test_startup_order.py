"""The first frame's collectors run first: the others are imported once they have sampled (issue 17).

On the one worker thread, importing the other collectors (~0.1 s) was queued ahead of the
core collectors' first collections and held the CPU and memory lines back as long.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgetop.collectors.registry import CORE_MODULES, all_specs
from edgetop.config_schema import Config
from edgetop.demo import demo_context
from edgetop.engine.store import Sample
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui import app as app_module
from edgetop.ui.app import EdgetopApp
from edgetop.ui.widgets.text_lines import TextLines
from tests.helpers import wait_for


class Recording(EdgetopApp):
    """The real app, noting which collector each sample came from, in order."""

    CSS_PATH = str(Path(app_module.__file__).parent / "app.tcss")  # relative paths resolve from this file
    seen: list[str]

    def _on_sample(self, sample: Sample, *, paint_early: bool = True) -> None:
        self.seen.append(sample.spec.name)
        super()._on_sample(sample, paint_early=paint_early)


async def test_the_other_collectors_load_after_the_core_ones_gave_a_sample() -> None:
    ctx = demo_context(Config(), ProcFS(), SysFS())
    core = {s.name for s in all_specs(ctx, CORE_MODULES)}
    app = Recording(ctx, theme="edgetop-dark")
    app.seen = []
    async with app.run_test(size=(120, 40)):
        await wait_for(lambda: any(name not in core for name in app.seen))
        first_other = next(i for i, name in enumerate(app.seen) if name not in core)
        assert core <= set(app.seen[:first_other]), app.seen
        assert "processes" not in app.seen  # the overview does not show it


class FirstFrames(EdgetopApp):
    """The real app, noting what the overview said in each frame it composed."""

    CSS_PATH = str(Path(app_module.__file__).parent / "app.tcss")
    frames: list[str]

    loading: list[bool]

    def _display(self, screen: Any, renderable: Any) -> None:
        super()._display(screen, renderable)
        if renderable is not None and not self._batch_count:  # a frame, as the terminal gets it
            self.frames.append(self.query_one("#overview-body", TextLines).plain)
            self.loading.append(any(w.name == "load-collectors" for w in self.workers))


async def test_the_first_frame_already_shows_the_core_collectors_numbers() -> None:
    """The head start: core collections run while Textual starts; the first frame has their lines.

    Before, the first frame showed an overview without CPU, memory or sources, painted
    again ~30 ms later once the first samples came.
    """
    ctx = demo_context(Config(), ProcFS(), SysFS())
    app = FirstFrames(ctx, theme="edgetop-dark")
    app.frames, app.loading = [], []
    async with app.run_test(size=(120, 40)):
        await wait_for(lambda: bool(app.frames))
        first = app.frames[0]
        assert "CPU " in first and "Mem " in first and "Sources: " in first, first
        # The other collectors' import (~0.1 s in the worker thread) waits until it is painted:
        # begun before, it took the interpreter lock in turns with the painting.
        assert app.loading[0] is False
        await wait_for(lambda: any(w.name == "load-collectors" for w in app.workers) or app.store.get("ntp:verdict"))
