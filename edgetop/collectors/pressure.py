"""Pressure stall information: ``/proc/pressure/{cpu,memory,io}``.

Format (Documentation/accounting/psi.rst)::

    some avg10=0.00 avg60=0.00 avg300=0.00 total=0
    full avg10=0.00 avg60=0.00 avg300=0.00 total=0

``avg*`` are percentages of wall time over 10/60/300 s; ``total`` is microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgetop.errors import ParseError
from edgetop.sources.fs import ProcFS


@dataclass(frozen=True, slots=True)
class PressureLine:
    """One ``some`` or ``full`` line."""

    avg10: float
    avg60: float
    avg300: float
    stall_seconds_total: float


@dataclass(frozen=True, slots=True)
class Pressure:
    """PSI of one resource; ``full`` is None for cpu on older kernels."""

    some: PressureLine
    full: PressureLine | None


def parse_pressure(text: str) -> Pressure:
    """Parse a ``/proc/pressure/*`` file.

    Raises:
        ParseError: the text has no ``some`` line or a malformed field.

    """
    lines: dict[str, PressureLine] = {}
    for raw in text.splitlines():
        parts = raw.split()
        if not parts or parts[0] not in ("some", "full"):
            continue
        fields: dict[str, str] = {}
        for item in parts[1:]:
            key, sep, value = item.partition("=")
            if not sep:
                raise ParseError(f"pressure: malformed field {item!r}")
            fields[key] = value
        try:
            lines[parts[0]] = PressureLine(
                float(fields["avg10"]), float(fields["avg60"]), float(fields["avg300"]), int(fields["total"]) / 1e6
            )
        except (KeyError, ValueError) as err:
            raise ParseError(f"pressure: bad {parts[0]} line: {raw!r}") from err
    if "some" not in lines:
        raise ParseError("pressure: no 'some' line")
    return Pressure(lines["some"], lines.get("full"))


def read_pressure(fs: ProcFS, resource: str) -> Pressure | None:
    """Read PSI for ``resource``; None when the kernel has no PSI (CONFIG_PSI off)."""
    text = fs.read_optional(f"pressure/{resource}")
    if text is None:
        return None
    try:
        return parse_pressure(text)
    except ParseError:
        return None
