"""Why no action can run in this session at all, if so: one answer for the runner and the UI.

The runner refuses with it (layer 2) and the UI hides mutating keys and says it when one
is pressed (layer 1), so both always agree: ``--read-only``/``--kiosk``, recordings that
stand in for this host (``--demo``), or fixture roots. Kept apart from ``runner.py`` so the
UI can ask without importing the backends at start-up.
"""

from __future__ import annotations

from pathlib import Path

from edgetop.config_schema import Config

READ_ONLY_REASON = "edgetop is read-only (--read-only or --kiosk): no action can run"


def session_refusal(config: Config, *, read_only: bool, stand_in: str | None = None) -> str | None:
    """Return why every action is refused in this session, or None when actions may run.

    Recordings standing in for this host (``stand_in``: the demo) and fixture trees make the
    session read-only: what is on screen is not this host, so a restart or a pid picked
    there would hit an unrelated real service or process.
    """
    if stand_in:
        return f"{stand_in}: what is shown is not all this host's, so no action can run"
    if Path(config.procfs) != Path("/proc") or Path(config.sysfs) != Path("/sys"):
        return "edgetop reads a fixture tree (--procfs/--sysfs): actions on the real host are disabled"
    if read_only:
        return READ_ONLY_REASON
    return None
