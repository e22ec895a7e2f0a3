"""The ``checks`` collector: gathers the node's set-up facts, then runs every check over them.

Collecting reads the facts through the context (rooted ``/proc``, ``/sys`` and host root,
commands through ``ctx.run``, one read-only libvirt connection); deriving the view is the
pure part: each check is a function of those facts. It runs on its own lane, once a
minute: a set-up changes rarely, and a slow libvirt or ``dmesg`` must not delay any pane.
The time and network checks reuse their panes' verdicts and are joined by the engine
(:mod:`edgetop.engine.checks_join`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from edgetop.collectors.checks import guests, host, joined, kernel_log, libvirtd, monitor, virt
from edgetop.collectors.checks.host import HostFacts
from edgetop.collectors.checks.kernel_log import LogRead
from edgetop.collectors.checks.libvirt_facts import BoundedLibvirt, LibvirtFacts
from edgetop.collectors.checks.libvirtd import LibvirtdFacts
from edgetop.collectors.checks.monitor import MonitorFacts
from edgetop.collectors.checks.virt import VirtFacts
from edgetop.model.checks import STATUS_GAUGE, STATUS_HELP, Check, CheckId
from edgetop.model.spec import CollectorSpec, Context, Metric

INTERVAL_SECONDS = 60.0
TIMEOUT_SECONDS = 30.0

# Every check, in the order they are shown: the collector's, then the joined ones.
OWN: tuple[CheckId, ...] = (*virt.CHECKS, *libvirtd.CHECKS, *kernel_log.CHECKS, *host.CHECKS, *guests.CHECKS,
                            *monitor.CHECKS)
CATALOGUE: tuple[CheckId, ...] = (*OWN, *joined.CHECKS)


class NodeFacts(msgspec.Struct, frozen=True):
    """Everything the collector's checks look at, read in one go."""

    virt: VirtFacts
    libvirt: LibvirtFacts
    daemon: LibvirtdFacts
    kernel_log: tuple[LogRead, ...]
    host: HostFacts
    monitor: MonitorFacts


def gather(ctx: Context, libvirt: Callable[[], LibvirtFacts] | None = None) -> NodeFacts:
    """Read every fact the checks need, through the context only.

    Args:
        ctx: the context.
        libvirt: asks libvirt (default: a bounded call to the config's URI, made now).

    """
    ask = libvirt or BoundedLibvirt(ctx.config.libvirt.uri, ctx.config.libvirt.timeout)
    return NodeFacts(
        virt=virt.gather_virt(ctx.procfs, ctx.host_root, ctx.run),
        libvirt=ask(),
        daemon=libvirtd.gather_libvirtd(ctx.procfs, ctx.host_root),
        kernel_log=kernel_log.gather_kernel_log(ctx.run, ctx.host_root),
        host=host.gather_host(ctx.procfs, ctx.sysfs),
        monitor=monitor.gather_monitor(ctx.procfs),
    )


def run_checks(f: NodeFacts) -> tuple[Check, ...]:
    """Every check of the collector over ``f`` (pure), in :data:`OWN` order."""
    return (
        *virt.run_checks(f.virt),
        *libvirtd.run_checks(f.libvirt, f.daemon),
        kernel_log.check_mac_denials(f.kernel_log),
        *host.run_checks(f.host, f.libvirt, monitor.watched_by(f.monitor)),
        *guests.run_checks(f.libvirt),
        *monitor.run_checks(f.monitor, f.libvirt),
    )


def derive_checks(prev: Any, cur: NodeFacts, elapsed: float) -> tuple[Check, ...]:
    """The view: the checks over the latest facts (no rates: a check needs one sample)."""
    return run_checks(cur)


def checks_json(view: Iterable[Check]) -> list[dict[str, Any]]:
    """The snapshot's ``checks`` entries."""
    return [c.to_json() for c in view]


def check_metrics(view: Iterable[Check]) -> list[Metric]:
    """``edgetop_check_status{check=ID}``: 0 pass, 1 warn, 2 fail, -1 unknown."""
    return [Metric("check_status", STATUS_GAUGE[c.status], (("check", c.id),), help=STATUS_HELP) for c in view]


def _build(ctx: Context) -> Callable[[], NodeFacts]:
    libvirt = BoundedLibvirt(ctx.config.libvirt.uri, ctx.config.libvirt.timeout)  # kept: it knows a hung call
    return lambda: gather(ctx, libvirt)


def specs(ctx: Context) -> list[CollectorSpec]:
    """The ``checks`` collector, on its own lane."""
    return [CollectorSpec(
        name="checks", lane="checks", json_key="checks", pane="checks", build=_build,
        interval=INTERVAL_SECONDS, timeout=TIMEOUT_SECONDS, derive=derive_checks, to_json=checks_json,
        empty_json=list, metrics=check_metrics,
    )]
