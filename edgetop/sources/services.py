"""Which service manager runs this host; shared by the services collector (read) and the restart backends (write).

Their commands run through :func:`edgetop.sources.process.run_command`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from edgetop.errors import SourceUnavailable
from edgetop.sources.process import HOST_COMMANDS

SYSTEMD = "systemd"
OPENRC = "openrc"
SYSVINIT = "sysvinit"


def detect_manager(root: Path = Path("/"), installed: Callable[[str], bool] = HOST_COMMANDS.installed) -> str:
    """Name the service manager that runs this host.

    systemd is detected as ``sd_booted(3)`` does (``/run/systemd/system`` exists), OpenRC
    by ``/run/openrc`` (its state directory), sysvinit by PID 1 being ``init`` with
    ``/etc/init.d``. A tool on PATH alone proves nothing: Debian ships ``systemctl``
    even where PID 1 is something else.

    Raises:
        SourceUnavailable: no service manager runs here; the message says what PID 1 is.

    """
    if (root / "run/systemd/system").is_dir() and installed("systemctl"):
        return SYSTEMD
    if (root / "run/openrc").is_dir() and installed("rc-service"):
        return OPENRC
    try:
        pid1 = (root / "proc/1/comm").read_text().strip()
    except OSError:
        pid1 = "unknown"
    if pid1 == "init" and (root / "etc/init.d").is_dir() and installed("service"):
        return SYSVINIT
    raise SourceUnavailable(
        f"no service manager: PID 1 is {pid1!r}, no /run/systemd/system, no /run/openrc"
    )
