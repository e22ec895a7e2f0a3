r"""The last guard between text from the outside world and the terminal: no control characters.

Names come from everywhere: a domain name (libvirt refuses only ``/`` and newlines), an
interface name (the kernel allows ESC), a hwmon label, a unit description, an alert that
quotes any of them. Neither Rich nor Textual removes ESC or the C1 controls when text is
drawn (they drop only BEL, BS, VT, FF and CR), so a name holding ``ESC ] 2 ; … BEL`` retitled
the terminal and ``ESC [ 2 J`` cleared it: checked in tmux with a Static and a table cell.
Sources that can say so mark what they replaced (the processes collector shows ``?``);
this filter runs on every line Textual paints, so nothing that slipped past them reaches
the terminal.

Unicode has controls of its own that reach the terminal just as raw. The bidi controls
(U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) reorder what follows them in a
terminal that applies the bidi algorithm (Konsole, mlterm, VTE with bidi on): a domain
named ``vm-\u202egnp.exe`` reads as ``vm-exe.png``, and an override left open runs on into
the next cells of the row. The other invisible format characters (zero-width space, word
joiner, BOM, invisible operators, tag characters, the interlinear annotation marks, the
line and paragraph separators) hide text or split names that look the same, and
terminals disagree on their width, which shifts every column after them. All go.

The zero-width joiner and non-joiner (U+200D, U+200C) stay only between two non-ASCII
letters or marks, where they change how a word in Persian or an Indic script is spelled
and shaped. Anywhere else they do nothing a reader needs: in ``eth\u200d0`` they only make a
name differ invisibly from ``eth0``, and in an emoji sequence they would let a terminal
that joins emoji draw one glyph where Rich reserved two, shifting the rest of the row.

Removed, not replaced: Rich counts every one of these characters as zero cells wide, so
removing them keeps every column where the layout put it (a visible escape would have to
be added before the layout, where the sources mark what they replaced).
"""

from __future__ import annotations

import re
import unicodedata

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

# C0 controls, DEL and the C1 controls (U+0080-U+009F: U+009B is an 8-bit CSI that some
# terminals obey even in UTF-8 mode).
C0_C1 = "\x00-\x1f\x7f-\x9f"
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Unicode 15.1's format characters (category Cf) that Rich draws zero cells wide, apart
# from the bidi controls and the joiners; then the line and paragraph separators.
INVISIBLE_FORMAT = (
    "\u180e\u200b\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
    "\u2028\u2029"
)
JOINERS = "\u200c\u200d"
UNSAFE = re.compile(f"[{C0_C1}{BIDI_CONTROLS}{INVISIBLE_FORMAT}{JOINERS}]")


def _shapes(char: str) -> bool:
    """A non-ASCII letter or mark: a script in which a joiner can change a word's shape."""
    return char > "\x7f" and unicodedata.category(char)[0] in "LM"


def _keep(match: re.Match[str]) -> str:
    char, text, at = match.group(), match.string, match.start()
    if char in JOINERS and 0 < at < len(text) - 1 and _shapes(text[at - 1]) and _shapes(text[at + 1]):
        return char
    return ""


def clean(text: str) -> str:
    """``text`` without control, bidi and invisible format characters (joiners kept only inside words)."""
    return UNSAFE.sub(_keep, text) if UNSAFE.search(text) else text


class DropControlCharacters(LineFilter):
    """A Textual line filter that removes control, bidi and invisible format characters from every segment."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        """Return ``segments`` with those characters removed from their text (the same list when clean)."""
        out: list[Segment] | None = None
        for index, segment in enumerate(segments):
            if segment.control is None and UNSAFE.search(segment.text):
                text = clean(segment.text)
                if text == segment.text:  # only joiners that a word needs
                    continue
                if out is None:
                    out = list(segments)
                out[index] = Segment(text, segment.style)
        return segments if out is None else out
