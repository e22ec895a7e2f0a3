"""Console mode draws only what the Linux console's font (Lat15-Fixed16) has.

The repertoire is checked against the real font file (console-setup-linux, in the
Makefile's APT_TEST), so the table cannot drift from what the console draws.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.color import Color

from edgetop.model.spec import Context
from edgetop.ui.app import EdgetopApp
from edgetop.ui.console_font import REPERTOIRE, ConsoleGlyphs, drawable, to_console

FONT = Path("/usr/share/consolefonts/Lat15-Fixed16.psf.gz")


def font_code_points(path: Path) -> set[int]:
    """The code points a PSF1 font's Unicode table maps (0xFFFF ends a glyph's list, 0xFFFE starts sequences)."""
    data = gzip.decompress(path.read_bytes())
    assert data[:2] == b"\x36\x04", "not a PSF1 font"
    glyphs = 512 if data[2] & 1 else 256
    table = data[4 + glyphs * data[3]:]
    out: set[int] = set()
    in_sequence = False
    for (value,) in struct.iter_unpack("<H", table[: len(table) // 2 * 2]):
        if value == 0xFFFF:
            in_sequence = False
        elif value == 0xFFFE:
            in_sequence = True
        elif not in_sequence:
            out.add(value)
    return out


def test_repertoire_is_the_fonts() -> None:
    ours = {cp for first, last in REPERTOIRE for cp in range(first, last + 1)}
    assert ours == font_code_points(FONT)


@pytest.mark.parametrize(("text", "shown"), [
    ("lab-Ω", "lab-?"),                      # the demo's name: outside the font, length kept
    ("…╭─╮│╰╯", "…╭─╮│╰╯"),                  # in the font: kept
    ("▁▔▀▄", "_¯¯_"),                        # Textual's tall borders and half blocks
    ("▌▐▏▕", "││││"), ("▓", "▒"), ("⭘◆✓", "o•v"),
    ("café Łódź", "café ?ódz"),              # ó is Latin-1; ź has a base letter; Ł none
    ("日本", "????"),                         # wide: as many cells as before
    ("plain ascii", "plain ascii"),
])
def test_to_console(text: str, shown: str) -> None:
    assert to_console(text) == shown
    assert all(drawable(c) for c in to_console(text))


def test_filter_keeps_styles_and_unchanged_lines() -> None:
    style = Style(bold=True)
    clean = [Segment("ok …", style)]
    assert ConsoleGlyphs().apply(clean, Color(0, 0, 0)) is clean
    (seg,) = ConsoleGlyphs().apply([Segment("Ω▁", style)], Color(0, 0, 0))
    assert seg.text == "?_" and seg.style == style


def test_app_uses_the_filter_only_on_the_console(live_ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "linux")
    assert any(isinstance(f, ConsoleGlyphs) for f in EdgetopApp(live_ctx, [], start_engine=False).get_line_filters())
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("EDGETOP_ASCII", raising=False)
    assert not any(isinstance(f, ConsoleGlyphs)
                   for f in EdgetopApp(live_ctx, [], start_engine=False).get_line_filters())
