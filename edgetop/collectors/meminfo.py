"""``/proc/meminfo`` and ``/proc/vmstat`` parsers (proc(5)).

meminfo values are in kB (KiB, despite the unit) except the HugePages_* counts.
"""

from __future__ import annotations

from edgetop.errors import ParseError


def parse_meminfo(text: str) -> dict[str, int]:
    """Parse ``/proc/meminfo`` into bytes (``kB`` lines) or plain counts.

    Raises:
        ParseError: no ``MemTotal`` line, or a line with a non-numeric value.

    """
    out: dict[str, int] = {}
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        if not sep:
            continue
        parts = rest.split()
        if not parts:
            raise ParseError(f"meminfo: {key} has no value")
        try:
            value = int(parts[0])
        except ValueError as err:
            raise ParseError(f"meminfo: {key} is not a number: {parts[0]!r}") from err
        out[key.strip()] = value * 1024 if len(parts) > 1 and parts[1] == "kB" else value
    if "MemTotal" not in out:
        raise ParseError("meminfo: no MemTotal line")
    return out


def parse_vmstat(text: str) -> dict[str, int]:
    """Parse ``/proc/vmstat`` (``name value`` per line); malformed lines are skipped."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            out[parts[0]] = int(parts[1])
    return out
