"""Set-up checks over other collectors' live samples: the Time, Network and Storage panes' verdicts.

The ``checks`` collector's own checks arrive as its view. These two need what only the
store has: the NTP verdict (which waits for every time source of a round, with their
alerts) and the network view (bond flaps need two samples). Computing them here from
the same views and alerts the panes show is what keeps a check and a pane from ever
disagreeing. The snapshot, the exporter and ``edgetop check`` add them after the collector's.
"""

from __future__ import annotations

from collections.abc import Mapping

from edgetop.collectors.checks.collector import OWN
from edgetop.collectors.checks.joined import (
    STORAGE_RAID,
    STORAGE_SMART,
    STORAGE_SPACE,
    check_network,
    check_storage,
    check_time,
)
from edgetop.engine.store import Sample
from edgetop.model.alerts import Alert
from edgetop.model.checks import Check, CheckId

# Each storage check: its collectors and what a view of each counts (the attribute, its word).
_STORAGE: tuple[tuple[CheckId, tuple[tuple[str, str, str], ...]], ...] = (
    (STORAGE_SPACE, (("filesystems", "filesystems", "filesystems"), ("storage_pools", "pools", "libvirt pools"),
                     ("domain_disks", "disks", "guest disks"))),
    (STORAGE_RAID, (("raid", "arrays", "md arrays"),)),
    (STORAGE_SMART, (("smart", "devices", "SMART devices"),)),
)


def _why(sample: Sample | None, name: str) -> str:
    if sample is None:
        return f"the {name} collector has not run"
    return f"{name}: {sample.reading.reason or sample.reading.status}"


def joined_checks(samples: Mapping[str, Sample]) -> tuple[Check, ...]:
    """``time.sync`` and ``network.problems`` from the latest ``ntp:*`` and ``network`` samples."""
    verdict = samples.get("ntp:verdict")
    ntp_alerts = [a for name, s in sorted(samples.items()) if name.startswith("ntp:") for a in s.alerts]
    network = samples.get("network")
    return (
        check_time(verdict.view if verdict else None, ntp_alerts, _why(verdict, "ntp:verdict")),
        check_network(network.view if network else None, _why(network, "network")),
        *(_storage(check, parts, samples) for check, parts in _STORAGE),
    )


def _storage(check: CheckId, parts: tuple[tuple[str, str, str], ...], samples: Mapping[str, Sample]) -> Check:
    """A storage check from the Storage pane's own samples: what each view holds, and their alerts."""
    seen: list[str] = []
    alerts: list[Alert] = []
    why: list[str] = []
    for name, attr, word in parts:
        sample = samples.get(name)
        if sample is None or sample.view is None:
            why.append(_why(sample, name))
            continue
        seen.append(f"{len(getattr(sample.view, attr))} {word}")
        alerts.extend(sample.alerts)
    return check_storage(check, seen, alerts, "; ".join(why))


def node_checks(samples: Mapping[str, Sample]) -> tuple[Check, ...]:
    """Every check: the ``checks`` collector's latest view, then the joined ones.

    When the collector ran but has no view (it failed, or did not answer in time), each
    of its checks is listed as unknown with the reason, so that none silently goes missing.
    """
    own = samples.get("checks")
    if own is None:
        mine: tuple[Check, ...] = ()
    elif own.view is not None:
        mine = tuple(own.view)
    else:
        mine = tuple(c.unknown(f"the checks collector gave no answer: {_why(own, 'checks')}") for c in OWN)
    return (*mine, *joined_checks(samples))
