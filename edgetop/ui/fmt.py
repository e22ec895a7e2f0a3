"""Formatting values for the screen. Names from outside are always literal ``Text``."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from edgetop.model.cpulist import format_cpu_list

NA = "n/a"


def console_mode() -> bool:
    """True on the Linux console (``TERM=linux``): 16 colours, a small font, no fancy glyphs."""
    return os.environ.get("TERM", "") == "linux" or os.environ.get("EDGETOP_ASCII") == "1"


# Widest a name from outside may make a table column (domains, users, interfaces, sensor
# labels, SNMP targets, time sources), and a longer text (commands, descriptions, values,
# evidence): columns fit their widest cell, so one 300-character domain name would push
# every other column off an 80-column screen. The full text stays in the detail views
# and the JSON snapshot.
NAME_CAP = 32
TEXT_CAP = 80
# A command line is the processes table's last column: it pushes nothing off screen, and
# scrolling right shows more of it, so it is cut only where /proc's 4 KiB would be absurd.
COMMAND_CAP = 200


def clip(value: object, cap: int) -> str:
    """``value`` as text at most ``cap`` cells wide, ending in an ellipsis when cut."""
    text = "" if value is None else str(value)
    if cap <= 0 or cell_len(text) <= cap:
        return text
    return set_cell_size(text, cap - 1) + "\u2026"


def literal(value: object, style: str = "", cap: int | None = None) -> Text:
    """Render a name from the outside world as literal text, never as markup, cut to ``cap`` cells if given."""
    text = "" if value is None else str(value)
    return Text(text if cap is None else clip(text, cap), style=style, no_wrap=True)


def pct(ratio: float | None, digits: int = 1) -> str:
    """Format a 0..1 ratio as a percentage; unknown is ``n/a``."""
    return NA if ratio is None else f"{ratio * 100:.{digits}f}%"


def num(value: float | None, digits: int = 1, unit: str = "") -> str:
    """Format a number with an optional unit; unknown is ``n/a``."""
    if value is None:
        return NA
    return f"{value:.{digits}f}{unit}"


_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def size(nbytes: float | None) -> str:
    """Format bytes in binary units (``1.5GiB``); unknown is ``n/a``."""
    if nbytes is None or not math.isfinite(nbytes):
        return NA
    value = float(nbytes)
    for unit in _UNITS:
        if abs(value) < 1024 or unit == _UNITS[-1]:
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return NA  # pragma: no cover


def rate_bytes(per_second: float | None) -> str:
    """Format a byte rate."""
    return NA if per_second is None else f"{size(per_second)}/s"


def bit_rate(bytes_per_second: float | None, speed_mbps: int | None = None, suffix: str = "") -> str:
    """A NIC's rate in bits (decimal, as link speeds are given; the column says per second) and its share of the link.

    ``950b``, ``4.6kb``, ``37.5Mb 4%``: a rate is never a bare number (issue 14), and the
    share says at a glance whether a link is full. No share when the speed is unknown
    (virtual links report none, or -1 in /sys/class/net/*/speed). ``suffix="/s"`` where
    no column header says "per second" (``37.5Mb/s 4%``).
    """
    if bytes_per_second is None:
        return NA
    bits = float(bytes_per_second) * 8
    text = NA
    for unit in ("b", "kb", "Mb", "Gb", "Tb"):
        if bits < 1000 or unit == "Tb":
            text = (f"{bits:.0f}{unit}" if unit == "b" or bits >= 100 else f"{bits:.1f}{unit}") + suffix
            break
        bits /= 1000
    if speed_mbps is not None and speed_mbps > 0:
        text += f" {bytes_per_second * 8 / (speed_mbps * 1e6):.0%}"
    return text


def duration(seconds: float | None) -> str:
    """Format a duration compactly: ``3d04h``, ``5h12m``, ``4m05s``, ``12s``."""
    if seconds is None or not math.isfinite(seconds):  # int(nan) raises: never on screen
        return NA
    s = int(seconds)
    days, rem = divmod(s, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def coarse_duration(seconds: float | None) -> str:
    """How long something has stood, to the minute: ``<1m``, ``42m``, ``5h12m``, ``3d04h``.

    For lists of standing alerts: a seconds counter on every row rewrites every row every
    second (21 lines of the demo's overview, most of the bytes edgetop sent over SSH, issue
    17), while whether an alert stands for 4m05s or 4m06s tells a technician nothing. The
    selected alert's detail keeps the seconds.
    """
    if seconds is None or not math.isfinite(seconds):
        return NA
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{int(seconds) // 60}m"
    return duration(seconds)


def age(timestamp: float | None, now: float | None = None) -> str:
    """How long ago ``timestamp`` (epoch seconds) was."""
    if timestamp is None or not math.isfinite(timestamp):
        return NA
    return duration(max(0.0, (now if now is not None else time.time()) - timestamp))


def cpu_list(cpus: Iterable[int] | None) -> str:
    """Format CPUs as the kernel's list syntax (``0-3,8``); unknown is ``n/a``, none is ``-``."""
    return NA if cpus is None else format_cpu_list(cpus)
