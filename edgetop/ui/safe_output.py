"""The last guard between text from the outside world and the terminal: no control characters.

Names come from everywhere: a domain name (libvirt refuses only ``/`` and newlines), an
interface name (the kernel allows ESC), a hwmon label, a unit description, an alert that
quotes any of them. Neither Rich nor Textual removes ESC or the C1 controls when text is
drawn (they drop only BEL, BS, VT, FF and CR), so a name holding ``ESC ] 2 ; … BEL`` retitled
the terminal and ``ESC [ 2 J`` cleared it: checked in tmux with a Static and a table cell.
Sources that can say so mark what they replaced (the processes collector shows ``?``);
this filter runs on every line Textual paints, so nothing that slipped past them reaches
the terminal.

Removed, not replaced: Rich counts these characters as zero cells wide, so removing them
keeps every column where the layout put it.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

# C0 controls, DEL and the C1 controls (U+0080-U+009F: U+009B is an 8-bit CSI that some
# terminals obey even in UTF-8 mode).
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")


class DropControlCharacters(LineFilter):
    """A Textual line filter that removes control characters from every painted segment."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        """Return ``segments`` with control characters removed from their text (the same list when clean)."""
        out: list[Segment] | None = None
        for index, segment in enumerate(segments):
            if segment.control is None and CONTROL_CHARACTERS.search(segment.text):
                if out is None:
                    out = list(segments)
                out[index] = Segment(CONTROL_CHARACTERS.sub("", segment.text), segment.style)
        return segments if out is None else out
