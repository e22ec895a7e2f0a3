"""The kernel's CPU list syntax (``0-3,8,10-11``), read and written in one place.

It appears in ``/proc/<pid>/status`` (Cpus_allowed_list), in
``/sys/devices/system/cpu/{online,isolated}`` and, with ``^`` exclusions added, in libvirt's
cpusets; edgetop also prints it for affinities, audit lines and dialogs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from edgetop.errors import ParseError

# CONFIG_NR_CPUS is at most 8192 (arch/x86/Kconfig, MAXSMP): no valid list names a higher
# CPU, and the bound keeps a hostile "0-4000000000" from allocating gigabytes.
MAX_CPUS = 8192


def ascii_digits(text: str) -> bool:
    """Tell whether ``text`` is ASCII digits only (``str.isdigit`` also accepts ``¹`` and ``٣``)."""
    return text.isascii() and text.isdigit()


@functools.lru_cache(maxsize=256)
def parse_cpu_list(text: str) -> frozenset[int]:
    """Parse the kernel's CPU list syntax; empty (or only a newline) means no CPU.

    Cached: every process's ``Cpus_allowed_list`` is read each tick and nearly all of them
    say the same few things (``0-63``), so parsing was ~15% of the processes collector.

    Raises:
        ParseError: an item that is not ``N`` or ``N-M`` with N <= M < MAX_CPUS.

    """
    text = text.strip()
    out: set[int] = set()
    if not text:
        return frozenset()
    for raw in text.split(","):
        part = raw.strip()
        lo_s, sep, hi_s = part.partition("-")
        if not ascii_digits(lo_s) or (sep and not ascii_digits(hi_s)):
            raise ParseError(f"not a cpu list: {text!r}")
        lo = int(lo_s)
        hi = int(hi_s) if sep else lo
        if hi < lo or hi >= MAX_CPUS:
            raise ParseError(f"bad cpu range {part!r} in {text!r}")
        out.update(range(lo, hi + 1))
    return frozenset(out)


def format_cpu_list(cpus: Iterable[int]) -> str:
    """Format CPUs in the kernel's syntax (``0-3,8``); ``-`` for none. The inverse of the parser."""
    ordered = sorted(set(cpus))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts) or "-"
