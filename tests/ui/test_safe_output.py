"""No control character from a name reaches the terminal, whichever widget draws it."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.widgets import Static

from edgetop.config_schema import Config
from edgetop.engine.store import Store
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.app import EdgetopApp
from edgetop.ui.safe_output import DropControlCharacters
from edgetop.ui.widgets.synced_table import SyncedTable

# Retitle the terminal (OSC 2 ... BEL), clear it (CSI 2 J), and an 8-bit CSI (U+009B).
EVIL = "A\x1b]2;PWNED\x07B\x1b[2JC\x9b31mD\x7f"


def test_filter_removes_controls_and_leaves_clean_lines_alone() -> None:
    f = DropControlCharacters()
    clean = [Segment("plain", Style(bold=True)), Segment("text")]
    assert f.apply(clean, Color(0, 0, 0)) is clean
    out = f.apply([Segment(EVIL, Style(bold=True)), Segment("ok")], Color(0, 0, 0))
    assert [s.text for s in out] == ["A]2;PWNEDB[2JC31mD", "ok"] and out[0].style == Style(bold=True)


async def test_the_app_never_writes_a_names_control_characters() -> None:
    ctx = Context(Config(), ProcFS(), SysFS())
    app = EdgetopApp(ctx, [], start_engine=False, store=Store(Config()))
    async with app.run_test(size=(100, 30)) as pilot:
        table = SyncedTable([("name", "Name")], id="evil-table")
        await app.screen.mount(Static(Text("static " + EVIL), id="evil-static"), table)
        table.sync({"x": ("cell " + EVIL,)})
        await pilot.pause()
        written = app.screen._compositor.render_update(full=True).render_segments(app.console)
        assert "static A]2;PWNEDB[2JC31mD" in written and "cell A]2;PWNEDB[2JC31mD" in written
        assert "\x1b]" not in written and "\x07" not in written and "\x9b" not in written
        assert "\x1b[2J" not in written and "\x7f" not in written
