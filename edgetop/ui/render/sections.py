"""Section renderers for text panes: a pane's text is a list of sections, one after another.

A section is a ``Text`` of one or more lines without a trailing newline; :func:`join`
stacks them. Sections that more than one pane draws (pressure lines) live here; the
others next to the data they draw (``render/cpu.py``, ``render/memory.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from edgetop.collectors.pressure import Pressure
from edgetop.config_schema import Level
from edgetop.ui.styles import above_style


def join(sections: Iterable[Text | None]) -> Text:
    """Stack ``sections`` one line after another; None is left out, an empty Text is a blank line."""
    out = Text(no_wrap=True)
    for n, section in enumerate(s for s in sections if s is not None):
        if n:
            out.append("\n")
        out.append_text(section)
    return out


def heading(label: str) -> Text:
    """A line that starts with ``label`` in bold.

    Only the label is bold: ``Text(label, style="bold")`` would make bold the base style
    of everything appended after it.
    """
    out = Text()
    out.append(label, style="bold")
    return out


def labelled(label: str, line: Text, width: int = 9) -> Text:
    """``line`` after a bold label padded to ``width`` (the overview's ``CPU      …`` lines)."""
    out = heading(f"{label:<{width}}")
    out.append_text(line)
    return out


def psi_line(resource: str, pressure: Pressure | None, level: Level, *, windows: bool = False) -> Text:
    """``PSI cpu some 1.0% 0.5% 0.2%  full 0.0%``: pressure stall averages, ``some`` coloured by ``level``.

    Args:
        resource: what stalls (``cpu``, ``memory``, ``io``).
        pressure: the kernel's averages; None without CONFIG_PSI.
        level: the threshold of ``some avg10``.
        windows: name the averaging windows after the three ``some`` values.

    """
    out = heading(f"PSI {resource} ")
    if pressure is None:
        out.append("n/a (kernel without CONFIG_PSI)", style="dim")
        return out
    some = pressure.some
    out.append(f"some {some.avg10:.1f}% {some.avg60:.1f}% {some.avg300:.1f}%" + (" (10s/60s/300s)" if windows else ""),
               style=above_style(some.avg10, level))
    if pressure.full is not None:
        out.append(f"  full {pressure.full.avg10:.1f}%")
    return out
