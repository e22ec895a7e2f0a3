"""Update a ``Static`` with new text without a new layout of the screen when none is needed.

``Static.update`` asks Textual for a layout by default: the whole screen's widgets are
arranged again (``Compositor.reflow``), every second, for each status line or banner whose
text changed, though a line that keeps its row count cannot move anything (issue 17: the
processes pane spent ~5% of its CPU on these reflows). Here an unchanged text is not sent
at all, and a changed one asks for a layout only when its height may differ: another
number of lines, or a line wider than the widget (it could wrap).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from edgetop.ui.widgets.text_lines import TextLook, text_look

_SHOWN = "_edgetop_shown"  # the attribute holding what a Static shows, set by set_text only


def set_text(widget: Static, text: Text) -> bool:
    """Show ``text`` in ``widget``; True when it changed what is shown.

    Args:
        widget: a Static whose content only this function sets (after its first update).
        text: the new content (``Text``, never markup).

    """
    look = text_look(text)
    before: tuple[TextLook, int] | None = getattr(widget, _SHOWN, None)
    lines = text.plain.count("\n") + 1
    if before is not None and before[0] == look:
        return False
    width = widget.size.width
    fits = width > 0 and all(cell_len(line) <= width for line in text.plain.split("\n"))
    widget.update(text, layout=before is None or before[1] != lines or not fits)
    setattr(widget, _SHOWN, (look, lines))
    return True
