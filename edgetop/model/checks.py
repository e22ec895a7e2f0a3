"""A check of the node's set-up: its verdict, the evidence it saw, and the fix in words.

``edgetop check``, the snapshot's ``checks`` section, the ``edgetop_check_status`` gauge
and (later) the Checks pane all show the same :class:`Check` records. A check never
changes the node; its ``fix`` tells a technician what to do, in one or two sentences.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

import msgspec


class CheckStatus(enum.StrEnum):
    """A check's verdict."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"  # the facts it needs could not be read: says nothing about the node


# The ``edgetop_check_status`` gauge: higher is worse; unknown is apart (-1), so that
# ``max by (instance)`` over the gauge is the node's worst known verdict.
STATUS_GAUGE: dict[CheckStatus, float] = {
    CheckStatus.PASS: 0.0, CheckStatus.WARN: 1.0, CheckStatus.FAIL: 2.0, CheckStatus.UNKNOWN: -1.0,
}
STATUS_HELP = "Set-up check verdict: 0 pass, 1 warn, 2 fail, -1 unknown (the facts could not be read)"

# ``edgetop check`` exit codes (README "Checking the node's set-up").
EXIT_PASS = 0
EXIT_WARN = 1
EXIT_FAIL = 2
EXIT_CANNOT_CHECK = 3  # the checks could not run (bad flag or config): as a Nagios plugin's UNKNOWN


class Check(msgspec.Struct, frozen=True):
    """One check's result.

    Attributes:
        id: ``area.name`` (``virt.dev_kvm``); the area is the part before the dot.
        title: what is checked, in a few words.
        status: pass, warn, fail or unknown.
        evidence: what it saw, literally: the file and its value, or the API's answer.
        fix: what to do, in one or two sentences; None when it passes.

    """

    id: str
    title: str
    status: CheckStatus
    evidence: str
    fix: str | None = None

    @property
    def area(self) -> str:
        """The part of the id before the dot (``virt``, ``libvirt``, ``host`` …)."""
        return self.id.split(".", 1)[0]

    def to_json(self) -> dict[str, Any]:
        """The JSON form: one entry of the snapshot's ``checks`` list."""
        return {"id": self.id, "area": self.area, "title": self.title, "status": str(self.status),
                "evidence": self.evidence, "fix": self.fix}


class CheckId(msgspec.Struct, frozen=True):
    """A check's identity: makes its results, so that id and title are written once.

    ``DEV_KVM.fail("/dev/kvm does not exist", "Load kvm_intel …")``.
    """

    id: str
    title: str

    def passed(self, evidence: str) -> Check:
        """The check passes; ``evidence`` says why."""
        return Check(self.id, self.title, CheckStatus.PASS, evidence)

    def warn(self, evidence: str, fix: str) -> Check:
        """Something to look at: the node works, but not as a KVM edge node should."""
        return Check(self.id, self.title, CheckStatus.WARN, evidence, fix)

    def fail(self, evidence: str, fix: str) -> Check:
        """The node is not fit for its job until this is fixed."""
        return Check(self.id, self.title, CheckStatus.FAIL, evidence, fix)

    def unknown(self, evidence: str, fix: str | None = None) -> Check:
        """The facts could not be read; ``fix`` may say how to let the check see them."""
        return Check(self.id, self.title, CheckStatus.UNKNOWN, evidence, fix)


def counts(checks: Iterable[Check]) -> dict[str, int]:
    """How many checks have each status, every status present (``{"pass": 3, "warn": 1, …}``)."""
    out = {str(s): 0 for s in CheckStatus}
    for check in checks:
        out[str(check.status)] += 1
    return out


def exit_code(checks: Iterable[Check]) -> int:
    """0 when nothing warns or fails, 1 on a warning, 2 on a failure (unknown counts as neither)."""
    statuses = {c.status for c in checks}
    if CheckStatus.FAIL in statuses:
        return EXIT_FAIL
    if CheckStatus.WARN in statuses:
        return EXIT_WARN
    return EXIT_PASS
