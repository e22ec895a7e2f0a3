"""The one runner every action goes through (docs/ARCHITECTURE.md).

    policy (read-only → refused) → validation against live facts → confirm (the UI's)
    → audit "attempt" → backend → audit outcome → result

The UI calls :meth:`Runner.refusal` before showing anything (so a missing privilege is
explained on the key press, not after a dialog), :meth:`Runner.describe` for the confirm
dialog, then :meth:`Runner.run` in a worker thread. :meth:`Runner.run` repeats the policy
checks itself: a binding that leaked past the UI's gate is still refused here, and in
read-only mode the backend is the deny backend whatever the caller passed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from edgetop.actions.audit import AuditLog, default_audit_path
from edgetop.actions.backends.base import ActionResult, Backend
from edgetop.actions.backends.deny import DenyBackend
from edgetop.actions.backends.host import HostBackend
from edgetop.actions.intents import Intent
from edgetop.actions.policy import Credentials, Policy
from edgetop.actions.session import session_refusal
from edgetop.config_schema import Config
from edgetop.errors import ActionDenied, ActionFailed, EdgetopError
from edgetop.sources.fs import ProcFS, SysFS

log = logging.getLogger(__name__)


def audit_path(config: Config, cli_path: str | None = None, euid: int | None = None) -> Path:
    """``--audit-log``, else ``actions.audit_log``, else the default for this user."""
    chosen = cli_path or config.actions.audit_log
    return Path(chosen).expanduser() if chosen else default_audit_path(euid)


class Runner:
    """Checks, audits and executes intents."""

    def __init__(self, config: Config, *, read_only: bool, procfs: ProcFS | None = None,
                 sysfs: SysFS | None = None, backend: Backend | None = None, audit: AuditLog | None = None,
                 audit_log: str | None = None, credentials: Credentials | None = None,
                 libvirt_uri: str | None = None, read_only_reason: str | None = None) -> None:
        """Create the session's runner.

        Args:
            config: the effective configuration.
            read_only: refuse everything (also true in kiosk mode).
            procfs: the rooted /proc (facts about processes).
            sysfs: the rooted /sys (online CPUs).
            backend: what executes intents; ignored in read-only mode (deny backend).
            audit: the audit log; defaults to :func:`audit_path`.
            audit_log: ``--audit-log`` from the command line.
            credentials: who we run as (tests inject an unprivileged user).
            libvirt_uri: the hypervisor URI (``--connect``), else ``config.libvirt.uri``.
            read_only_reason: why this session is read-only, when not for --read-only/--kiosk.

        """
        self.read_only = read_only
        self.procfs = procfs or ProcFS(config.procfs)
        self.sysfs = sysfs or SysFS(config.sysfs)
        uri = libvirt_uri or config.libvirt.uri
        self.policy = Policy(config, read_only=read_only, procfs=self.procfs, sysfs=self.sysfs,
                             credentials=credentials, libvirt_uri=uri, read_only_reason=read_only_reason)
        self.backend: Backend
        if read_only:
            self.backend = DenyBackend()
        else:
            self.backend = backend or HostBackend(timeout=config.actions.timeout, libvirt_uri=uri, procfs=self.procfs)
        self._audit = audit
        self._audit_cli = audit_log
        self._config = config

    @property
    def audit(self) -> AuditLog:
        """The audit log (created on first use, so a read-only session never touches it)."""
        if self._audit is None:
            self._audit = AuditLog(audit_path(self._config, self._audit_cli))
        return self._audit

    def check(self, intent: Intent, *, with_cpus: bool = True) -> None:
        """Raise ActionDenied if ``intent`` may not run now (policy, privilege, live facts)."""
        self.policy.check(intent, with_cpus=with_cpus)

    def refusal(self, intent: Intent, *, with_cpus: bool = True) -> str | None:
        """Why ``intent`` cannot run, or None when it can (no exception, for the UI)."""
        try:
            self.check(intent, with_cpus=with_cpus)
            if with_cpus:
                self.backend.describe(intent)  # e.g. "no service manager", a non-service under OpenRC
        except EdgetopError as err:
            return str(err)
        return None

    def describe(self, intent: Intent) -> str:
        """Return the exact argv or API call, for the confirm dialog."""
        return self.backend.describe(intent)

    def run(self, intent: Intent) -> ActionResult:
        """Check again, audit the attempt, execute, audit the outcome.

        Raises:
            ActionDenied: refused by policy (not audited: nothing was attempted), or the
                audit file cannot be written (no action without an audit trail), or the
                backend found the target invalid (audited as denied).
            ActionFailed: the backend failed; the message is the error text.

        """
        self.check(intent)
        try:
            self.audit.record(intent, "attempt", self.backend.describe(intent))
        except OSError as err:
            raise ActionDenied(f"cannot write the audit log {self.audit.path}: {err.strerror or err}") from err
        try:
            result = self.backend.execute(intent)
        except ActionDenied as err:
            self._record(intent, "denied", str(err))
            raise
        except ActionFailed as err:
            self._record(intent, "failure", str(err))
            raise
        except Exception as err:  # a backend bug still leaves an audited outcome
            log.exception("action backend failed")
            self._record(intent, "failure", f"{type(err).__name__}: {err}")
            raise ActionFailed(f"{type(err).__name__}: {err}") from err
        # The outcome is the target's, not the call's: a restart that ran but left the
        # unit failed is audited as a failure (issue 14).
        self._record(intent, result.outcome, result.summary)
        return result

    def _record(self, intent: Intent, outcome: str, detail: str) -> None:
        try:
            self.audit.record(intent, outcome, detail)
        except OSError:
            log.exception("audit log write failed after the action ran")


def build_runner(config: Config, *, read_only: bool, stand_in: str | None = None) -> Runner:
    """Build the session's runner from the effective config (``--audit-log`` is already merged into it).

    The session may refuse every action (``actions.session.session_refusal``): read-only,
    the demo's recordings, fixture trees; the runner then has the deny backend.
    """
    reason = session_refusal(config, read_only=False, stand_in=stand_in)
    return Runner(config, read_only=read_only or reason is not None, read_only_reason=reason)
