"""The backend for a writable session: dispatches each intent to the right mechanism.

Restarts go to systemd, OpenRC or sysvinit (detected when the restart runs); process
pinning to sched_setaffinity; signals to a pidfd; renice to setpriority; vCPU pinning
to libvirt on its own read-write connection.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from edgetop.actions.backends.affinity import AffinityBackend
from edgetop.actions.backends.base import ActionResult
from edgetop.actions.backends.libvirt_pin import LibvirtPinBackend
from edgetop.actions.backends.rc import RcBackend
from edgetop.actions.backends.renice import ReniceBackend
from edgetop.actions.backends.signal import SignalBackend
from edgetop.actions.backends.systemd import SystemdBackend
from edgetop.actions.intents import Intent, PinProcess, PinVcpu, ReniceProcess, RestartService, SignalProcess
from edgetop.errors import ActionFailed, SourceUnavailable
from edgetop.sources.fs import ProcFS
from edgetop.sources.services import SYSTEMD, detect_manager


class HostBackend:
    """Executes intents on this host."""

    def __init__(self, *, timeout: float, libvirt_uri: str, procfs: ProcFS | None = None,
                 root: Path = Path("/"), clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        """Build the sub-backends; nothing is opened or run yet (``clock``/``sleep``: the settle wait's)."""
        self.procfs = procfs or ProcFS()
        self.timeout = timeout
        self.root = root
        self.clock = clock
        self.sleep = sleep
        self.affinity = AffinityBackend(self.procfs)
        self.libvirt = LibvirtPinBackend(libvirt_uri)
        self.signal = SignalBackend(self.procfs)
        self.renice = ReniceBackend(self.procfs)

    def _services(self) -> SystemdBackend | RcBackend:
        try:
            manager = detect_manager(self.root)
        except SourceUnavailable as err:
            raise ActionFailed(str(err)) from err
        if manager == SYSTEMD:
            return SystemdBackend(self.timeout, self.procfs, clock=self.clock, sleep=self.sleep)
        return RcBackend(manager, self.timeout)

    def describe(self, intent: Intent) -> str:
        """Return the exact command or call."""
        if isinstance(intent, RestartService):
            return self._services().describe(intent)
        if isinstance(intent, PinProcess):
            return self.affinity.describe(intent)
        if isinstance(intent, SignalProcess):
            return self.signal.describe(intent)
        if isinstance(intent, ReniceProcess):
            return self.renice.describe(intent)
        return self.libvirt.describe(intent)

    def execute(self, intent: Intent) -> ActionResult:
        """Run the intent."""
        if isinstance(intent, RestartService):
            return self._services().restart(intent)
        if isinstance(intent, PinProcess):
            return self.affinity.pin(intent)
        if isinstance(intent, PinVcpu):
            return self.libvirt.pin(intent)
        if isinstance(intent, SignalProcess):
            return self.signal.send(intent)
        if isinstance(intent, ReniceProcess):
            return self.renice.renice(intent)
        raise ActionFailed(f"unknown action {type(intent).__name__}")  # pragma: no cover
