"""Text from the outside world that tries to reorder, hide or overflow what the terminal shows."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from rich.cells import get_character_cell_size
from rich.text import Text
from textual.widgets import Static

from edgetop.config_schema import Config
from edgetop.engine.store import Store
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.app import EdgetopApp
from edgetop.ui.safe_output import UNSAFE, clean
from edgetop.ui.widgets.synced_table import SyncedTable

BIDI = ["\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
        "\u2066", "\u2067", "\u2068", "\u2069"]
# "vm-" RLO "gnp.exe" reads "vm-exe.png" where bidi is applied; an isolate and an override left open.
SPOOF = "vm-\u202egnp.exe"
HIDDEN = "sw\u200bitch\u2060-1\ufeff\U000e0041\U000e0042\u2066x\u2028y\u202d"
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "mi-khaham": the ZWNJ is part of the spelling
DEVANAGARI = "\u0915\u094d\u200d\u0937"  # ka, virama, ZWJ, ssa: the ZWJ asks for the half form


@pytest.mark.parametrize(("text", "expected"), [
    (SPOOF, "vm-gnp.exe"),
    ("".join(f"a{c}" for c in BIDI) + "b", "a" * len(BIDI) + "b"),
    (HIDDEN, "switch-1xy"),
    ("eth\u200d0", "eth0"),  # a joiner between ASCII only makes a name differ invisibly
    ("\u200cvm\u200d", "vm"),
    ("\U0001f468\u200d\U0001f469", "\U0001f468\U0001f469"),  # emoji: Rich reserved 2 + 2 cells
    (PERSIAN, PERSIAN),
    (DEVANAGARI, DEVANAGARI),
    ("plain-name \u00e9\u0301", "plain-name \u00e9\u0301"),  # combining marks are not format characters
])
def test_clean(text: str, expected: str) -> None:
    assert clean(text) == expected


def _format_characters() -> list[str]:
    return [chr(c) for c in range(sys.maxunicode + 1)
            if unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp")]


def test_every_zero_width_format_character_goes_and_nothing_with_a_width() -> None:
    """Against this Python's Unicode tables: no format character Rich draws zero-wide is missed.

    The ones Rich draws one cell wide (the soft hyphen, the Arabic number signs) are visible
    and stay: removing them would shift the columns after them.
    """
    for char in _format_characters():
        width = get_character_cell_size(char)
        if char in "\u200c\u200d":
            continue
        if width == 0:
            assert clean(f"a{char}b") == "ab", f"U+{ord(char):04X} {unicodedata.name(char, '?')} is kept"
        else:
            assert clean(f"a{char}b") == f"a{char}b", f"U+{ord(char):04X} has a width and is removed"
    removed = [chr(c) for c in range(0xA0, sys.maxunicode + 1) if UNSAFE.match(chr(c))]
    assert removed and all(get_character_cell_size(c) == 0 for c in removed)  # the layout does not move


async def test_the_app_never_paints_bidi_or_invisible_characters() -> None:
    ctx = Context(Config(), ProcFS(), SysFS())
    app = EdgetopApp(ctx, [], start_engine=False, store=Store(Config()))
    async with app.run_test(size=(100, 30)) as pilot:
        table = SyncedTable([("name", "Name"), ("what", "What")], id="evil-table")
        await app.screen.mount(Static(Text(f"static {SPOOF} {HIDDEN} {PERSIAN}"), id="evil-static"), table)
        table.sync({"x": (f"cell {SPOOF}", HIDDEN), "y": (PERSIAN, "eth\u200d0")})
        await pilot.pause()
        written = app.screen._compositor.render_update(full=True).render_segments(app.console)
    assert "static vm-gnp.exe switch-1xy" in written and "cell vm-gnp.exe" in written
    assert "eth0" in written
    assert written.count(PERSIAN) == 2  # the word keeps its non-joiner, in the Static and in the table
    leaked = {f"U+{ord(c):04X}" for c in written if c >= "\xa0" and UNSAFE.match(c)}
    assert leaked == {"U+200C"} and written.count("\u200c") == 2  # the Persian word's, nothing else
