"""Checks that reuse another pane's verdict: time (the NTP verdict and offsets) and network problems.

They read the same views and alerts the Time and Network panes show, so a check and a pane
never disagree. Those views need their collectors' live samples (the NTP verdict waits for
every time source of a round; bond flaps need two samples), so the engine joins them
(:mod:`edgetop.engine.checks_join`); here are only the pure functions over them.
"""

from __future__ import annotations

from collections.abc import Sequence

from edgetop.collectors.network import NetworkView
from edgetop.collectors.ntp import NO_SOURCE, SYNCHRONISED, WAITING, Verdict
from edgetop.model.alerts import Alert, Severity
from edgetop.model.checks import Check, CheckId

TIME_SYNC = CheckId("time.sync", "clock synchronised, offset within the thresholds")
NETWORK = CheckId("network.problems", "no bond, MTU or link problem")
STORAGE_SPACE = CheckId("storage.space", "filesystems and libvirt pools have room, none remounted read-only, "
                                         "no guest disk error")
STORAGE_RAID = CheckId("storage.raid", "no md array degraded or inactive")
STORAGE_SMART = CheckId("storage.smart", "no disk failing or worn out by its own SMART report")
CHECKS = (TIME_SYNC, NETWORK, STORAGE_SPACE, STORAGE_RAID, STORAGE_SMART)
MAX_SHOWN = 5


def _alerts(alerts: Sequence[Alert]) -> str:
    shown = [f"{a.severity}: {a.subject}: {a.message}" for a in alerts[:MAX_SHOWN]]
    return "; ".join(shown) + (f"; and {len(alerts) - MAX_SHOWN} more" if len(alerts) > MAX_SHOWN else "")


def check_time(verdict: Verdict | None, alerts: Sequence[Alert], why_unknown: str | None = None) -> Check:
    """The Time pane's verdict and its alerts: a critical alert fails, a warning warns.

    Args:
        verdict: the ``ntp:verdict`` view, None when it has none.
        alerts: every alert of the ``ntp:*`` collectors (offset, stratum, leap, no source).
        why_unknown: why there is no verdict, when there is none.

    """
    if verdict is None or verdict.verdict == WAITING:
        return TIME_SYNC.unknown(why_unknown or "the time sources have not answered yet")
    by = f" by {verdict.by}" if verdict.by else ""
    evidence = f"{verdict.verdict}{by} ({verdict.reachable_sources} reachable sources)"
    if alerts:
        evidence += "; " + _alerts(alerts)
    if any(a.severity is Severity.CRITICAL for a in alerts) or verdict.verdict == NO_SOURCE:
        return TIME_SYNC.fail(evidence, "Give the node a time source it can reach (chrony with a local NTP server, "
                                        "or PTP); the Time pane shows each source and why it is down.")
    if alerts or verdict.verdict != SYNCHRONISED:
        return TIME_SYNC.warn(evidence, "Look at the Time pane: synchronise the clock (chronyc sources -v) and bring "
                                        "the offset under the ntp_offset_seconds threshold.")
    return TIME_SYNC.passed(evidence)


def check_network(view: NetworkView | None, why_unknown: str | None = None) -> Check:
    """The Network pane's problems: a critical one (bond without slaves or partner) fails, others warn."""
    if view is None:
        return NETWORK.unknown(why_unknown or "the network collector has not run")
    where = f"{len(view.interfaces)} interfaces, {len(view.bonds)} bonds"
    if not view.problems:
        return NETWORK.passed(f"no problem across {where}")
    shown = "; ".join(f"{p.severity}: {p.subject}: {p.message}" for p in view.problems[:MAX_SHOWN])
    more = len(view.problems) - MAX_SHOWN
    evidence = f"{where}: {shown}" + (f"; and {more} more" if more > 0 else "")
    if any(p.severity == "critical" for p in view.problems):
        return NETWORK.fail(evidence, "Fix the link named first (cable, switch port, LACP on the switch); the "
                                      "Network pane shows every interface and bond slave.")
    return NETWORK.warn(evidence, "Look at the Network pane: align MTUs along each path and bond slaves' speeds, "
                                  "and check the switch ports.")


# Storage: the checks are the Storage pane's alerts, collector by collector (the pane's strip
# counts the same alerts), so a check and the pane never disagree.
_STORAGE_FIX = {
    "storage.space": ("Free space (or grow the filesystem or pool) before guests pause on ENOSPC; for a read-only "
                      "remount, read the kernel log, fsck the filesystem and remount it. The Storage pane names "
                      "each one."),
    "storage.raid": "Replace the failed member (mdadm --manage /dev/mdN --add /dev/sdX) and watch the rebuild in "
                    "the Storage pane's RAID section.",
    "storage.smart": "Plan to replace the disk; back up what it holds. The Storage pane's SMART section shows "
                     "wear, errors and critical warnings.",
}


def check_storage(check: CheckId, seen: Sequence[str], alerts: Sequence[Alert],
                  why_unknown: str | None = None) -> Check:
    """One storage check from its collectors' alerts: a critical alert fails, a warning warns.

    Args:
        check: ``storage.space``, ``storage.raid`` or ``storage.smart``.
        seen: what the collectors saw, in words (``5 filesystems``), empty when none has a view.
        alerts: those collectors' alerts.
        why_unknown: why none of them has a view.

    """
    if not seen:
        return check.unknown(why_unknown or "the storage collectors have not run")
    evidence = ", ".join(seen)
    if alerts:
        evidence += ": " + _alerts(alerts)
    fix = _STORAGE_FIX[check.id]
    if any(a.severity is Severity.CRITICAL for a in alerts):
        return check.fail(evidence, fix)
    if alerts:
        return check.warn(evidence, fix)
    return check.passed(evidence)
