"""What the Linux console can draw: every character on screen mapped to the console font's repertoire.

On the console (``TERM=linux``) each character is looked up in the loaded font's Unicode
table; one the font lacks is drawn as the font's replacement glyph or as garbage. Debian's
default is console-setup's **Lat15-Fixed16** (``/usr/share/consolefonts/Lat15-Fixed16.psf.gz``,
a PSF1 font of 256 glyphs whose Unicode table maps 528 code points). ``REPERTOIRE`` below
is that table, read from the font file (console-setup 1.221, Debian 12), as ranges.

It has ``…``, the light, heavy, double and rounded box drawing (U+2500-257F, so Textual's
rounded dialog corners are drawable), ``█░▒``, ``•■●▲▼``, the arrows and Latin-1, but no
eighth blocks (``▁▔▏▕``, sparkline ramps), no half blocks (``▀▄▌▐``), no ``▓``, no
braille, and only the Greek letters that look Latin (no ``Ω``).

So, in console mode, the app's last line filter (:class:`ConsoleGlyphs`) replaces every
character outside the repertoire, cell for cell (a wide character by as many ``?``):

========================  ===================  ======================================
characters                drawn as             why
========================  ===================  ======================================
``▔ ▀``                   ``¯`` (U+00AF)       a line at the top of the cell
``▁ ▂ ▃ ▄``               ``_``                a line at the bottom
``▏ ▎ ▍ ▌ ▐ ▕``           ``│`` (U+2502)       a thin vertical edge (Textual borders)
``▅ ▆ ▇ ▉ ▊ ▋``           ``█``                mostly filled
``▓``                     ``▒``                the densest shade the font has
braille U+2800-28FF       ``.``                a dot pattern
``⭘ ○ ◯``                 ``o``
``◆ ◇ ◦``                 ``•``
``□``                     ``■``
``✓ ✔``                   ``v``
``⏎ ⇥``                   ``>``                key names use words (``app.get_key_display``)
accented letters          the base letter      NFKD decomposition, when that is drawable
anything else (``Ω``)     ``?``                a name keeps its length; the JSON has it whole
========================  ===================  ======================================
"""

from __future__ import annotations

import bisect
import unicodedata

from rich.cells import get_character_cell_size
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

# Lat15-Fixed16's Unicode table as (first, last) code point ranges (read from the font).
REPERTOIRE: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E), (0x00A0, 0x00FF), (0x0110, 0x0110), (0x011E, 0x011F), (0x0130, 0x0131),
    (0x0152, 0x0153), (0x015E, 0x0161), (0x0178, 0x0178), (0x017D, 0x017E), (0x0192, 0x0192),
    (0x02C6, 0x02C6), (0x02C9, 0x02C9), (0x02DC, 0x02DC), (0x0391, 0x0392), (0x0395, 0x0397),
    (0x0399, 0x039A), (0x039C, 0x039D), (0x039F, 0x039F), (0x03A1, 0x03A1), (0x03A4, 0x03A4),
    (0x03A7, 0x03A7), (0x03BC, 0x03BC), (0x03C0, 0x03C0), (0x0401, 0x0401), (0x0405, 0x0408),
    (0x0410, 0x0410), (0x0412, 0x0412), (0x0415, 0x0415), (0x041A, 0x041A), (0x041C, 0x041E),
    (0x0420, 0x0422), (0x0425, 0x0425), (0x0430, 0x0430), (0x0435, 0x0435), (0x043E, 0x043E),
    (0x0440, 0x0441), (0x0443, 0x0443), (0x0445, 0x0445), (0x0451, 0x0451), (0x0455, 0x0458),
    (0x04AE, 0x04AE), (0x2000, 0x200A), (0x2010, 0x2015), (0x2018, 0x201A), (0x201C, 0x201E),
    (0x2020, 0x2022), (0x2026, 0x2026), (0x202F, 0x2030), (0x2039, 0x203A), (0x203C, 0x203C),
    (0x207F, 0x207F), (0x20A7, 0x20A7), (0x20AC, 0x20AC), (0x20AE, 0x20AE), (0x2116, 0x2116),
    (0x2122, 0x2122), (0x212A, 0x212B), (0x2190, 0x2193), (0x2205, 0x2205), (0x2208, 0x2208),
    (0x2212, 0x2212), (0x221E, 0x221E), (0x2229, 0x2229), (0x2248, 0x2248), (0x2260, 0x2261),
    (0x2264, 0x2265), (0x226A, 0x226B), (0x2295, 0x2296), (0x2298, 0x2299), (0x229B, 0x229C),
    (0x2460, 0x2468), (0x24B6, 0x24EA), (0x2500, 0x257F), (0x2588, 0x2588), (0x2591, 0x2592),
    (0x25A0, 0x25A0), (0x25AE, 0x25AE), (0x25B2, 0x25B2), (0x25B4, 0x25B4), (0x25B6, 0x25B6),
    (0x25B8, 0x25B8), (0x25BC, 0x25BC), (0x25BE, 0x25BE), (0x25C0, 0x25C0), (0x25C2, 0x25C2),
    (0x25C8, 0x25C8), (0x25CF, 0x25CF), (0x2610, 0x2612), (0x2666, 0x2666), (0x2717, 0x2718),
    (0x2BBD, 0x2BBD), (0xFFFD, 0xFFFD),
)
_STARTS = [first for first, _last in REPERTOIRE]

# The table in the module docstring: what the console draws instead.
REPLACEMENTS: dict[str, str] = {
    **dict.fromkeys("▔▀", "¯"), **dict.fromkeys("▁▂▃▄", "_"), **dict.fromkeys("▏▎▍▌▐▕", "│"),
    **dict.fromkeys("▅▆▇▉▊▋", "█"), "▓": "▒", **dict.fromkeys("⭘○◯", "o"), **dict.fromkeys("◆◇◦", "•"),
    "□": "■", **dict.fromkeys("✓✔", "v"), **dict.fromkeys("⏎⇥", ">"),
}
UNKNOWN = "?"


def drawable(char: str) -> bool:
    """Tell whether Lat15-Fixed16 has a glyph for ``char``."""
    cp = ord(char)
    i = bisect.bisect_right(_STARTS, cp) - 1
    return i >= 0 and REPERTOIRE[i][0] <= cp <= REPERTOIRE[i][1]


_CACHE: dict[str, str] = {}


def console_char(char: str) -> str:
    """``char`` as the console can draw it, in as many cells as it takes (see the module's table)."""
    hit = _CACHE.get(char)
    if hit is not None:
        return hit
    if drawable(char) or get_character_cell_size(char) == 0:
        out = char  # zero-width marks: the control filter has already dropped what must go
    elif char in REPLACEMENTS:
        out = REPLACEMENTS[char]
    elif 0x2800 <= ord(char) <= 0x28FF:
        out = "."
    else:
        base = unicodedata.normalize("NFKD", char)[:1]
        width = get_character_cell_size(char)
        out = base if width == 1 and base and drawable(base) and base != char else UNKNOWN * max(1, width)
    if len(_CACHE) < 4096:
        _CACHE[char] = out
    return out


def to_console(text: str) -> str:
    """``text`` with every character the console font lacks replaced, cell for cell."""
    if text.isascii():
        return text
    return "".join(console_char(c) for c in text)


class ConsoleGlyphs(LineFilter):
    """A Textual line filter for the Linux console: only characters Lat15-Fixed16 can draw."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        """Return ``segments`` mapped to the console's repertoire (the same list when nothing changes)."""
        out: list[Segment] | None = None
        for index, segment in enumerate(segments):
            if segment.control is not None or segment.text.isascii():
                continue
            text = to_console(segment.text)
            if text != segment.text:
                if out is None:
                    out = list(segments)
                out[index] = Segment(text, segment.style)
        return segments if out is None else out
