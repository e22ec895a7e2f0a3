"""How to reach the service manager: which one runs here, and running its tools safely.

Shared by the services collector (read) and the restart backends (write). Every command
is an argv list run without a shell, with stdin closed (no password prompt can steal
the terminal) and a timeout that kills the whole process group: a hung ``systemctl``
often leaves children holding the output pipes, so killing only the direct child
would leave us waiting for EOF forever.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from edgetop.errors import SourceUnavailable

SYSTEMD = "systemd"
OPENRC = "openrc"
SYSVINIT = "sysvinit"


@dataclass(frozen=True, slots=True)
class Completed:
    """What a finished command returned."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class CommandTimeout(Exception):
    """The command did not finish in time; its process group was killed."""

    def __init__(self, argv: Sequence[str], timeout: float) -> None:
        super().__init__(f"{argv[0]} did not finish within {timeout:g} s and was killed")
        self.argv = tuple(argv)
        self.timeout = timeout


def run_argv(argv: Sequence[str], timeout: float, env: dict[str, str] | None = None) -> Completed:
    """Run ``argv`` (no shell) and wait at most ``timeout`` seconds.

    Raises:
        CommandTimeout: the command outlived the timeout (its process group is killed).
        FileNotFoundError: the program is not installed.

    """
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # its own process group, so a timeout can kill all of it
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise CommandTimeout(argv, timeout) from None
    return Completed(tuple(argv), proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def detect_manager(root: Path = Path("/"), which: Callable[[str], str | None] = shutil.which) -> str:
    """Name the service manager that runs this host.

    systemd is detected as ``sd_booted(3)`` does (``/run/systemd/system`` exists), OpenRC
    by ``/run/openrc`` (its state directory), sysvinit by PID 1 being ``init`` with
    ``/etc/init.d``. A tool on PATH alone proves nothing: Debian ships ``systemctl``
    even where PID 1 is something else.

    Raises:
        SourceUnavailable: no service manager runs here; the message says what PID 1 is.

    """
    if (root / "run/systemd/system").is_dir() and which("systemctl"):
        return SYSTEMD
    if (root / "run/openrc").is_dir() and which("rc-service"):
        return OPENRC
    try:
        pid1 = (root / "proc/1/comm").read_text().strip()
    except OSError:
        pid1 = "unknown"
    if pid1 == "init" and (root / "etc/init.d").is_dir() and which("service"):
        return SYSVINIT
    raise SourceUnavailable(
        f"no service manager: PID 1 is {pid1!r}, no /run/systemd/system, no /run/openrc"
    )
