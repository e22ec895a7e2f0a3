"""systemd unit names: the grammar of systemd.unit(5), shared by the services collector and the restart action."""

from __future__ import annotations

import re

from edgetop.errors import ActionDenied

# systemd.unit(5): "Valid unit names consist of a 'unit name prefix', and a suffix
# specifying the unit type"; allowed characters are ASCII letters, digits, ':', '-',
# '_', '.', '\\' and '@' (one '@' separates a template from its instance); at most
# 255 characters including the suffix.
UNIT_SUFFIXES = (
    ".service", ".socket", ".device", ".mount", ".automount", ".swap",
    ".target", ".path", ".timer", ".slice", ".scope",
)
UNIT_NAME_MAX = 255
_UNIT_CHARS = re.compile(r"[A-Za-z0-9:_.\-@\\]+")

def normalize_unit(name: str) -> str:
    """Return the unit's full name: systemctl appends ``.service`` to a name without a type suffix."""
    return name if name.endswith(UNIT_SUFFIXES) else f"{name}.service"


def validate_unit_name(name: str) -> str:
    """Check ``name`` against systemd's unit-name grammar and return it unchanged.

    A bare name (``snmpd``) is valid: systemctl reads it as ``snmpd.service``. Names
    starting with ``-`` are refused (they look like options) except the root mount and
    slice ``-.mount``/``-.slice``.

    Raises:
        ActionDenied: the name is not a valid unit name; the message says why.

    """
    full = normalize_unit(name)
    prefix = full[: full.rindex(".")]
    if not name:
        raise ActionDenied("empty unit name")
    if len(full) > UNIT_NAME_MAX:
        raise ActionDenied(f"unit name longer than {UNIT_NAME_MAX} characters")
    if not _UNIT_CHARS.fullmatch(name):
        bad = sorted({c for c in name if not _UNIT_CHARS.fullmatch(c)})
        raise ActionDenied(f"unit name {name!r} contains characters systemd does not allow: {''.join(bad)!r}")
    if name.startswith("-") and full not in ("-.mount", "-.slice"):
        raise ActionDenied(f"unit name {name!r} starts with '-' (it would read as an option)")
    if not prefix or prefix.startswith("@") or prefix.count("@") > 1:
        raise ActionDenied(f"{name!r} is not a valid unit name (systemd.unit(5))")
    return name
