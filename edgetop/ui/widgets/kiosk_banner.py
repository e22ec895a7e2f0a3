"""The kiosk's status word: OK / DEGRADED / CRITICAL, big enough to read across a room.

Letters are drawn with the full block ``█`` in the letter colour on a field of the status
colour: the Linux console's Lat15 font has the full block (not the half blocks ``▀▄``,
see /work/shared/FIELD-NOTES.md), and the glyph keeps the word readable where colours are
few or absent. Each letter is 5 rows of 4 (or 3) "pixels", a pixel two cells wide because
a character cell is about twice as tall as it is wide. The whole banner is the
status colour: red only when something is critical, so the largest red area on a rack
screen is a fault. Under it, one line names the worst standing alerts; the kiosk keeps
cycling through the panes below it.
"""

from __future__ import annotations

from rich.text import Text

from edgetop.engine.alert_state import TrackedAlert
from edgetop.engine.store import Store
from edgetop.model.alerts import Severity
from edgetop.ui.fmt import clip
from edgetop.ui.widgets.text_lines import TextLines

# 5-row bitmaps of the letters the three words use ('#' is lit).
FONT: dict[str, tuple[str, ...]] = {
    "O": (".##.", "#..#", "#..#", "#..#", ".##."),
    "K": ("#..#", "#.#.", "##..", "#.#.", "#..#"),
    "D": ("###.", "#..#", "#..#", "#..#", "###."),
    "E": ("####", "#...", "###.", "#...", "####"),
    "G": (".###", "#...", "#.##", "#..#", ".###"),
    "R": ("###.", "#..#", "###.", "#.#.", "#..#"),
    "A": (".##.", "#..#", "####", "#..#", "#..#"),
    "C": (".###", "#...", "#...", "#...", ".###"),
    "I": ("###", ".#.", ".#.", ".#.", "###"),
    "T": ("###", ".#.", ".#.", ".#.", ".#."),
    "L": ("#...", "#...", "#...", "#...", "####"),
}
ROWS = 5
PIXEL = 2  # cells per pixel, across

BLOCK = "\u2588"  # █, in the console font
# Field and letter colours per status: plain ANSI colours every console has.
LOOK: dict[str, tuple[str, str]] = {
    "OK": ("on green", "black"),
    "DEGRADED": ("on yellow", "black"),
    "CRITICAL": ("on red", "bright_white"),
}


def node_status(tracked: list[TrackedAlert]) -> str:
    """CRITICAL when a critical alert stands (acknowledged or not: it is still true), DEGRADED for warnings, else OK."""
    if any(t.alert.severity is Severity.CRITICAL for t in tracked):
        return "CRITICAL"
    return "DEGRADED" if tracked else "OK"


def word_width(word: str) -> int:
    """Cells the big ``word`` takes (one blank pixel between letters)."""
    return sum((len(FONT[c][0]) + 1) * PIXEL for c in word) - PIXEL


def big_word(word: str, width: int) -> list[Text]:
    """``word`` in big letters, centred on a full-width field of its status colour; plain text when too narrow."""
    field, ink = LOOK.get(word, ("on blue", "black"))
    if word_width(word) > width or any(c not in FONT for c in word):
        line = Text(f" {word} ".center(width), style=f"bold {field}")
        return [Text(" " * width, style=field), line, Text(" " * width, style=field)]
    left = (width - word_width(word)) // 2
    out = []
    for row in range(ROWS):
        line = Text(" " * left, style=field)
        for n, c in enumerate(word):
            if n:
                line.append(" " * PIXEL, style=field)
            for px in FONT[c][row]:
                line.append((BLOCK if px == "#" else " ") * PIXEL, style=f"{ink} {field}")
        line.append(" " * (width - line.cell_len), style=field)
        out.append(line)
    return out


def alerts_line(tracked: list[TrackedAlert], width: int) -> Text:
    """The status word and the worst standing alerts on one line: ``CRITICAL 2 critical, 15 warning: …``."""
    word = node_status(tracked)
    if not tracked:
        return Text(f"{word}: every threshold is met".center(width), style="green")
    crit = sum(1 for t in tracked if t.alert.severity is Severity.CRITICAL)
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f" {word} ", style=f"bold {LOOK[word][0]}")
    out.append(f" {crit} critical, {len(tracked) - crit} warning: ", style="bold")
    for n, t in enumerate(tracked):
        if out.cell_len >= width:
            break
        if n:
            out.append("; ")
        style = "bold red" if t.alert.severity is Severity.CRITICAL else "yellow"
        # Names from outside: appended as plain text (never markup), cut short.
        out.append(clip(f"{t.alert.subject}: {t.alert.message}", 60), style=style)
    out.truncate(width, overflow="ellipsis")
    return out


class KioskBanner(TextLines):
    """The status word over the panes, and the worst alerts under it (kiosk mode only).

    Lines, not a ``Static``: redrawn every second, it repaints only the lines that changed
    and asks for no new layout unless its height changes (a pause note comes or goes).
    """

    DEFAULT_CSS = """
    KioskBanner { height: auto; }
    """

    def __init__(self, store: Store) -> None:
        """Show the status of ``store``'s standing alerts."""
        super().__init__(id="kiosk-banner")
        self.store = store
        self.paused_note = ""

    def on_mount(self) -> None:
        """Draw at once; the app's tick redraws it after that."""
        self.redraw()

    def redraw(self) -> None:
        """Render the word, the alerts line and, while cycling is paused, how long for."""
        width = max(20, self.size.width or 80)
        tracked = self.store.tracked_alerts()
        lines = big_word(node_status(tracked), width)
        lines.append(alerts_line(tracked, width))
        if self.paused_note:
            lines.append(Text(self.paused_note, style="bold reverse"))
        self.update(Text("\n").join(lines))
