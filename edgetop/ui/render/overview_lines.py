"""One line per area for the overview: is it healthy, in words a technician reads at a glance.

These are presentation, so they live in the UI layer and read the collectors' views; an
area whose collector is absent or down is left out (its source line says why), except the
domains: a node with no hypervisor says so on its Domains line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from rich.text import Text

from edgetop.config_schema import Thresholds
from edgetop.engine.store import Sample
from edgetop.model.alerts import level_above
from edgetop.model.checks import CheckStatus
from edgetop.ui.styles import HEALTH_BAD as _BAD
from edgetop.ui.styles import HEALTH_OK as _OK
from edgetop.ui.styles import HEALTH_WARN as _WARN
from edgetop.ui.styles import level_style

Line = tuple[str, Text]


def _states(values: Iterable[str]) -> str:
    counts = Counter(values)
    return ", ".join(f"{n} {state}" for state, n in counts.most_common())


def domains_line(view: Any, thresholds: Thresholds | None = None) -> Text | None:
    """Domains by state and the worst vCPU steal, coloured as its alert (``thresholds.domain_steal_ratio``)."""
    domains = view.domains
    if not domains:
        return Text("no domains defined", style="dim")
    out = Text(_states(d.stats.state for d in domains))
    stolen = [(d.steal_ratio, d.stats.name) for d in domains if d.steal_ratio is not None]
    if stolen:
        ratio, name = max(stolen)
        # The same value against the same level as the domain's steal alert: the overview
        # must not show in plain text what is a critical alert elsewhere (issue 14).
        sev = level_above(ratio, (thresholds or Thresholds()).domain_steal_ratio)
        out.append("; worst steal ")
        out.append(f"{ratio:.1%}", style=level_style(sev))
        out.append(" (")
        out.append(name)  # a domain name: literal text
        out.append(")")
    if any(d.stats.state == "crashed" for d in domains):
        out.style = _BAD
    elif any(d.stats.state == "paused" for d in domains):
        out.style = _WARN  # a frozen guest (its alert, in the Alerts pane, says why)
    return out


def sensors_line(view: Any) -> Text | None:
    """The hottest sensor against its limits."""
    temps = [s for s in view.sensors if s.kind == "temp" and s.celsius is not None]
    if not temps:
        return None
    hot = max(temps, key=lambda s: s.celsius)
    style = _OK
    if hot.critical_celsius is not None and hot.celsius >= hot.critical_celsius:
        style = _BAD
    elif hot.high_celsius is not None and hot.celsius >= hot.high_celsius:
        style = _WARN
    out = Text(f"{len(temps)} temperatures; hottest {hot.celsius:.0f} °C ", style=style)
    out.append(f"{hot.chip}/{hot.label}")
    return out


def network_line(view: Any) -> Text | None:
    """Interfaces up, bonds' slaves up, problems found."""
    up = sum(1 for i in view.interfaces if i.operstate == "up")
    out = Text(f"{up} of {len(view.interfaces)} interfaces up")
    for bond in view.bonds:
        slaves_up = sum(1 for s in bond.slaves if s.mii_status == "up")
        out.append(f"; {bond.name} {slaves_up}/{len(bond.slaves)} slaves up",
                   style=_OK if slaves_up == len(bond.slaves) else _WARN)
    if view.problems:
        out.append(f"; {len(view.problems)} problems", style=_WARN)
    return out


def time_line(view: Any) -> Text | None:
    """The NTP verdict and which source makes it."""
    style = _OK if view.synchronized else _BAD if view.synchronized is False else "dim"
    out = Text(str(view.verdict), style=style)
    if view.by:
        out.append(f" via {view.by}")
    return out


def services_line(view: Any) -> Text | None:
    """Services by active state."""
    if not view.services:
        return None
    out = Text(_states(s.active_state or "unknown" for s in view.services))
    if any(s.active_state == "failed" for s in view.services):
        out.style = _BAD
    return out


def snmp_line(views: list[Any]) -> Text | None:
    """How many SNMP targets answer."""
    if not views:
        return None
    up = sum(1 for v in views if v.status == "up")
    return Text(f"{up} of {len(views)} targets answering", style=_OK if up == len(views) else _WARN)


# Collector name → (label, line maker); SNMP has one collector per target.
SINGLE: dict[str, tuple[str, Callable[[Any], Text | None]]] = {
    "domains": ("Domains", domains_line),
    "sensors": ("Sensors", sensors_line),
    "network": ("Network", network_line),
    "ntp:verdict": ("Time", time_line),
    "services": ("Services", services_line),
}


# The storage collectors, in the order their problems are named on the storage line.
STORAGE_SOURCES = ("filesystems", "raid", "smart", "storage_pools", "domain_disks", "disks")
_STORAGE_WORDS = {"filesystems": "fs", "storage_pools": "pool", "domain_disks": "guest disk"}


def storage_line(samples: dict[str, Sample]) -> Text | None:
    """The fullest filesystem, then every storage alert counted by collector (the Storage pane names them).

    Duck-typed over the views: importing the storage collectors would slow the first frame.
    """
    fs = samples.get("filesystems")
    present = [samples[n] for n in STORAGE_SOURCES if n in samples and samples[n].view is not None]
    if not present:
        return None
    out = Text()
    if fs is not None and fs.view is not None and fs.view.filesystems:
        known = [f for f in fs.view.filesystems if f.used_ratio is not None]
        if known:
            full = max(known, key=lambda f: f.used_ratio)
            out.append("fullest ")
            out.append(full.mountpoint)  # a mount point: literal text
            out.append(f" {full.used_ratio:.0%}")
    alerts = [a for s in present for a in s.alerts]
    if alerts:
        words = Counter(_STORAGE_WORDS.get(a.source, a.source) for a in alerts)
        out.append("; " if out else "")
        out.append("alerts: " + ", ".join(f"{n} {word}" for word, n in words.items()),
                   style=_BAD if any(a.severity == "critical" for a in alerts) else _WARN)
    elif out:
        out.append("; no storage alerts")
        out.stylize(_OK)
    return out or None


def checks_line(samples: dict[str, Sample]) -> Text | None:
    """How many set-up checks fail or warn (the Checks pane lists them with the fix)."""
    own = samples.get("checks")
    if own is None or own.view is None:
        return None
    # Imported here, not at the top: the checks' modules cost ~0.1 s, and the overview is
    # the first frame; by the time a checks sample exists the collector has loaded them.
    from edgetop.engine.checks_join import node_checks

    checks = node_checks(samples)
    fail = sum(1 for c in checks if c.status is CheckStatus.FAIL)
    warn = sum(1 for c in checks if c.status is CheckStatus.WARN)
    if not fail and not warn:
        return Text(f"all {len(checks)} known checks pass", style=_OK)
    out = Text(f"{fail} failed, {warn} warning of {len(checks)}", style=_BAD if fail else _WARN)
    out.append("  (g: Checks pane, or edgetop check)", style="dim")
    return out


def no_domains_line(sample: Sample) -> Text:
    """Why there are no domains: the hypervisor's reason (no libvirtd, no socket …) instead of no line."""
    reason = sample.reading.reason or str(sample.reading.status)
    if sample.last_view is not None:  # it worked before: the hypervisor went away
        return Text(f"unavailable: {reason}", style=_WARN)
    return Text(f"no domains: {reason}", style="dim")


def area_lines(samples: dict[str, Sample], thresholds: Thresholds | None = None) -> list[Line]:
    """The summary lines for every area that has a current view, in a fixed order.

    The domains line stays when libvirt is down or absent, saying why: on a node with no
    hypervisor, a missing line reads as "nothing to see" rather than "cannot see".
    """
    out: list[Line] = []
    for name, (label, make) in SINGLE.items():
        sample = samples.get(name)
        if name == "domains" and sample is not None and sample.view is None:
            out.append((label, no_domains_line(sample)))
            continue
        if sample is None or sample.view is None:
            continue
        line = domains_line(sample.view, thresholds) if name == "domains" else make(sample.view)
        if line is not None:
            out.append((label, line))
    snmp = snmp_line([s.view for n, s in sorted(samples.items()) if n.startswith("snmp:") and s.view is not None])
    if snmp is not None:
        out.append(("SNMP", snmp))
    storage = storage_line(samples)
    if storage is not None:
        out.append(("Storage", storage))
    checks = checks_line(samples)
    if checks is not None:
        out.append(("Checks", checks))
    return out
