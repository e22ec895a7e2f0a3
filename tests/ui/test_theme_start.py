"""Starting with a theme gives what switching to it gives, without re-styling before the first frame.

``EdgetopApp`` applies a dark theme before the app runs by setting the stylesheet's variables
and the theme classes itself (``_apply_theme_before_start``): Textual's theme watcher would
queue a re-parse of every stylesheet and a re-style of every widget (issue 17: first frame).
If Textual's watcher ever does more, these tests say so: for every shipped theme, the app that
started with it and the app that switched to it while running must agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.filter import ANSIToTruecolor

from edgetop.config_schema import Config
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.theming import load_themes
from edgetop.ui import app as app_module
from edgetop.ui.app import EdgetopApp

THEMES = sorted(spec.name for spec in load_themes()[0])


class Counting(EdgetopApp):
    """The real app, counting Textual's CSS refreshes (a re-parse and re-style each)."""

    CSS_PATH = str(Path(app_module.__file__).parent / "app.tcss")  # relative paths resolve from this file
    css_refreshes = 0

    def refresh_css(self, animate: bool = True) -> None:
        self.css_refreshes += 1
        super().refresh_css(animate)


def _look(app: EdgetopApp) -> dict[str, Any]:
    """What a theme decides: CSS variables, theme classes, the ANSI palette, and a painted colour."""
    ansi = [f for f in app._filters if isinstance(f, ANSIToTruecolor)]
    return {
        "variables": app.get_css_variables(),
        "classes": sorted(c for c in app.classes if c.startswith("-theme-") or c.endswith("-mode")),
        "ansi": [f._terminal_theme for f in ansi],
        "header": (app.header.styles.background, app.header.styles.color),
        "screen": app.screen.styles.background,
    }


@pytest.mark.parametrize("name", THEMES)
async def test_starting_with_a_theme_looks_like_switching_to_it(name: str) -> None:
    ctx = Context(config=Config(), procfs=ProcFS(), sysfs=SysFS())
    started = Counting(ctx, [], theme=name, start_engine=False)
    async with started.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert started.theme == name
        seen = _look(started)
        refreshes = started.css_refreshes
    switched = Counting(ctx, [], start_engine=False)
    async with switched.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        switched.theme = name
        await pilot.pause()
        assert _look(switched) == seen
    if started.get_theme(name).dark:  # type: ignore[union-attr]
        assert refreshes == 0  # nothing parsed twice before the first frame
