"""The collector contract: what a collector gets (Context) and what it declares (CollectorSpec).

A collector module exports ``specs(ctx) -> list[CollectorSpec]``. A spec says which lane
runs it, how to build its collect callable (which may hold a source such as a libvirt
connection, never data), how two raw samples become a view, and how that view becomes
JSON, alerts, metrics and sparkline series. The engine runs specs; it never needs to
know a collector by name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from edgetop.config_schema import Config
from edgetop.model.alerts import Alert
from edgetop.sources.fs import ProcFS, SysFS

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"


@dataclass(frozen=True)
class Context:
    """What a collector may use to build itself.

    Attributes:
        config: the effective configuration.
        procfs: the rooted /proc.
        sysfs: the rooted /sys.
        demo: True with ``--demo``: bundled demo data stands in for what the host lacks.
        demo_dir: where the bundled demo data lives.

    """

    config: Config
    procfs: ProcFS
    sysfs: SysFS
    demo: bool = False
    demo_dir: Path = DEMO_DIR


@dataclass(frozen=True, slots=True)
class Metric:
    """One Prometheus sample. ``name`` without the ``edgetop_`` prefix; units in the name."""

    name: str
    value: float
    labels: tuple[tuple[str, str], ...] = ()
    kind: str = "gauge"  # gauge or counter
    help: str = ""


class Collect(Protocol):
    """A zero-argument collect callable; sync ones run in a thread, async ones on the loop."""

    def __call__(self) -> Any | Awaitable[Any]:
        """Collect once and return the raw dataclass (or raise SourceUnavailable).

        A collect callable may also offer ``subscribe(callback)``: the engine then calls
        it again as soon as ``callback`` fires (from any thread), not only every interval.
        """


def _keep(prev: Any, cur: Any, elapsed: float) -> Any:
    return cur


def _no_alerts(view: Any, config: Config) -> list[Alert]:
    return []


def _no_metrics(view: Any) -> list[Metric]:
    return []


def _no_history(view: Any) -> dict[str, float | None]:
    return {}


@dataclass(frozen=True, kw_only=True)
class CollectorSpec:
    """How the engine runs one collector and uses what it returns.

    Attributes:
        name: unique name (``cpu``, ``snmp:core-switch``); shown in the sources view.
        lane: the lane that runs it (``local``, ``libvirt``, ``snmp``, ``ntp``, ``services``).
        json_key: the snapshot's top-level key; specs sharing a key are merged (lists
            concatenated, mappings updated). None keeps the view inside edgetop: no
            snapshot section or ``sources`` entry, no Prometheus samples (not even
            ``collector_up``); for facts other views join on, such as the CPU topology.
        pane: the UI pane that renders it.
        build: makes the collect callable from the context (opens sources lazily).
        interval: seconds between runs; None uses ``config.interval``.
        timeout: how long one run may take before it counts as "no answer"; None uses
            ``max(5, 2 * interval)``.
        derive: ``(previous raw or None, current raw, elapsed seconds) -> view``.
        to_json: view -> the JSON section (DESIGN §8).
        empty_json: the JSON section when there is no view (``[]`` or ``{}``).
        alerts: view, config -> alerts.
        metrics: view -> Prometheus samples.
        history: view -> named series to keep in history rings (for sparklines).
        close: releases what ``build`` opened, given the collect callable.

    """

    name: str
    lane: str
    json_key: str | None
    pane: str
    build: Callable[[Context], Collect]
    interval: float | None = None
    timeout: float | None = None
    derive: Callable[[Any, Any, float], Any] = _keep
    to_json: Callable[[Any], Any] = lambda view: view
    empty_json: Callable[[], Any] = field(default=dict)
    alerts: Callable[[Any, Config], list[Alert]] = _no_alerts
    metrics: Callable[[Any], list[Metric]] = _no_metrics
    history: Callable[[Any], dict[str, float | None]] = _no_history
    close: Callable[[Collect], None] | None = None
