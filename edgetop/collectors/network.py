"""The ``network`` collector: interfaces, bonds and the problems found across them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from typing import Any

import msgspec

from edgetop.collectors.bonding import Bond, collect_bonds
from edgetop.collectors.net_problems import Problem, find_problems, flapping
from edgetop.collectors.sys_class_net import NetInterface, collect_interfaces
from edgetop.config_schema import Config
from edgetop.errors import SourceUnavailable
from edgetop.model.alerts import Alert, Severity
from edgetop.model.derive import rate
from edgetop.model.spec import CollectorSpec, Context, Metric
from edgetop.sources.fs import ProcFS, SysFS

# A flap is one rising sample; keep it on screen and in alerts long enough to be seen.
FLAP_HOLD_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class NetworkReading:
    """One raw sample: interfaces with counter totals, bonds, problems of this sample."""

    interfaces: tuple[NetInterface, ...]
    bonds: tuple[Bond, ...]
    problems: tuple[Problem, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InterfaceRates:
    """Per-second rates of one interface; None until two samples exist."""

    rx_bytes_per_second: float | None = None
    tx_bytes_per_second: float | None = None
    rx_packets_per_second: float | None = None
    tx_packets_per_second: float | None = None


@dataclass(frozen=True, slots=True)
class NetworkView:
    """What panes and exporters see: the sample, rates by interface, all problems."""

    interfaces: tuple[NetInterface, ...]
    rates: dict[str, InterfaceRates]
    bonds: tuple[Bond, ...]
    problems: tuple[Problem, ...]
    notes: tuple[str, ...] = ()


def collect_network(procfs: ProcFS, sysfs: SysFS, config: Config) -> NetworkReading:
    """Read interfaces and bonds and check them.

    Raises:
        SourceUnavailable: there is no ``class/net`` to read.

    """
    if not sysfs.listdir("class/net"):
        raise SourceUnavailable(f"no network interfaces under {sysfs.path('class/net')}")
    ignore = config.network.ignore
    interfaces = [i for i in collect_interfaces(sysfs) if not any(fnmatchcase(i.name, p) for p in ignore)]
    bonds, notes = collect_bonds(procfs, sysfs)
    problems = find_problems(interfaces, bonds, config.network.expected_speed_mbps)
    return NetworkReading(tuple(interfaces), tuple(bonds), tuple(problems), tuple(notes))


class NetworkDeriver:
    """Rates from two samples, plus slave flaps held for :data:`FLAP_HOLD_SECONDS`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Create a deriver with an empty flap memory."""
        self._clock = clock
        self._flaps: dict[str, tuple[Problem, float]] = {}

    def __call__(self, prev: NetworkReading | None, cur: NetworkReading, elapsed: float) -> NetworkView:
        """Derive the view of ``cur``."""
        before = {i.name: i for i in prev.interfaces} if prev else {}
        rates: dict[str, InterfaceRates] = {}
        for i in cur.interfaces:
            p = before.get(i.name)
            if p is None:
                rates[i.name] = InterfaceRates()
                continue
            rates[i.name] = InterfaceRates(
                rate(p.rx_bytes_total, i.rx_bytes_total, elapsed), rate(p.tx_bytes_total, i.tx_bytes_total, elapsed),
                rate(p.rx_packets_total, i.rx_packets_total, elapsed),
                rate(p.tx_packets_total, i.tx_packets_total, elapsed),
            )
        now = self._clock()
        if prev is not None:
            for problem in flapping(prev.bonds, cur.bonds):
                self._flaps[problem.subject] = (problem, now)
        self._flaps = {k: v for k, v in self._flaps.items() if now - v[1] < FLAP_HOLD_SECONDS}
        problems = cur.problems + tuple(p for p, _ in self._flaps.values())
        return NetworkView(cur.interfaces, rates, cur.bonds, problems, cur.notes)


def network_json(view: NetworkView) -> dict[str, Any]:
    """Return the ``network`` section: interfaces (with rates), bonds, problems."""
    interfaces = []
    for i in view.interfaces:
        row = asdict(i)
        row.update(asdict(view.rates.get(i.name, InterfaceRates())))
        interfaces.append(row)
    return {
        "interfaces": interfaces,
        "bonds": [asdict(b) for b in view.bonds],
        "problems": [msgspec.structs.asdict(p) for p in view.problems],
        "notes": list(view.notes),
    }


def network_alerts(view: NetworkView, config: Config) -> list[Alert]:
    """One alert per problem."""
    return [Alert(Severity(p.severity), "network", p.subject, p.message) for p in view.problems]


def _iface_metrics(i: NetInterface) -> list[Metric]:
    """node_exporter's netclass and netdev families (label ``device``), and edgetop's kind and admin state.

    Speed in bytes per second as node_exporter gives it (sysfs ``speed`` is Mb/s:
    × 125000), so ``node_network_speed_bytes`` panels and rules work unchanged.
    """
    node = (("device", i.name),)
    out: list[Metric] = [Metric("network_info", 1.0, (("device", i.name), ("kind", i.kind)),
                                help="1 for every interface; kind: physical, bond, bridge, vlan, tap...")]
    gauges: tuple[tuple[str, float | int | bool | None, str], ...] = (
        ("network_mtu_bytes", i.mtu, "Network device property: mtu_bytes"),
        ("network_speed_bytes", None if i.speed_mbps is None else i.speed_mbps * 125000,
         "Network device property: speed_bytes"),
        ("network_carrier", i.carrier, "Network device property: carrier"),
        ("network_up", None if i.operstate is None else i.operstate == "up",
         "Value is 1 if operstate is 'up', 0 otherwise."),
    )
    for name, value, text in gauges:
        if value is not None:
            out.append(Metric(name, float(value), node, help=text, namespace="node"))
    if i.admin_up is not None:
        out.append(Metric("network_admin_up", float(i.admin_up), (("device", i.name),),
                          help="1 when administratively up (IFF_UP)"))
    counters = (
        ("network_receive_bytes_total", i.rx_bytes_total, "bytes"),
        ("network_transmit_bytes_total", i.tx_bytes_total, "bytes"),
        ("network_receive_packets_total", i.rx_packets_total, "packets"),
        ("network_transmit_packets_total", i.tx_packets_total, "packets"),
        ("network_receive_errs_total", i.rx_errors_total, "errs"),
        ("network_transmit_errs_total", i.tx_errors_total, "errs"),
        ("network_receive_drop_total", i.rx_dropped_total, "drop"),
        ("network_transmit_drop_total", i.tx_dropped_total, "drop"),
        ("network_carrier_changes_total", i.carrier_changes_total, "carrier_changes_total"),
    )
    for name, count, field_name in counters:
        if count is not None:
            text = ("Network device property: carrier_changes_total" if field_name == "carrier_changes_total"
                    else f"Network device statistic {name.split('_')[1]}_{field_name}.")
            out.append(Metric(name, float(count), node, kind="counter", help=text, namespace="node"))
    return out


def network_metrics(view: NetworkView) -> list[Metric]:
    """Prometheus samples for interfaces, bonds (node_exporter's bonding families), bond slaves, problems."""
    out: list[Metric] = []
    for i in view.interfaces:
        out.extend(_iface_metrics(i))
    for b in view.bonds:
        up = sum(1 for s in b.slaves if s.mii_status == "up")
        master = (("master", b.name),)
        out.append(Metric("bonding_slaves", float(len(b.slaves)), master,
                          help="Number of configured slaves per bonding interface.", namespace="node"))
        out.append(Metric("bonding_active", float(up), master,
                          help="Number of active slaves per bonding interface.", namespace="node"))
        for s in b.slaves:
            labels = (("bond", b.name), ("slave", s.name))
            if s.mii_status is not None:
                out.append(Metric("bond_slave_up", 1.0 if s.mii_status == "up" else 0.0, labels,
                                  help="1 when the slave's MII status is up"))
            if s.link_failure_count is not None:
                out.append(Metric("bond_slave_link_failures_total", float(s.link_failure_count), labels,
                                  kind="counter", help="Link failures since the slave was enslaved"))
            if b.ad is not None and b.ad.aggregator_id is not None and s.aggregator_id is not None:
                out.append(Metric("bond_slave_in_active_aggregator", 1.0 if s.aggregator_id == b.ad.aggregator_id
                                  else 0.0, labels, help="802.3ad: 1 when the port is in the active aggregator"))
    kinds: dict[str, int] = {}
    for p in view.problems:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    for kind, count in sorted(kinds.items()):
        out.append(Metric("network_problems", float(count), (("kind", kind),), help="Problems found, by kind"))
    return out


def network_history(view: NetworkView) -> dict[str, float | None]:
    """Byte rates per interface, for sparklines (``rx:eth0``, ``tx:eth0``)."""
    out: dict[str, float | None] = {}
    for name, r in view.rates.items():
        out[f"rx:{name}"] = r.rx_bytes_per_second
        out[f"tx:{name}"] = r.tx_bytes_per_second
    return out


def _build(ctx: Context) -> Callable[[], NetworkReading]:
    procfs, sysfs = ctx.device_roots()
    config = ctx.config
    return lambda: collect_network(procfs, sysfs, config)


def specs(ctx: Context) -> list[CollectorSpec]:
    """Return the ``network`` collector, on the local lane."""
    return [CollectorSpec(
        name="network", lane="local", json_key="network", pane="network", build=_build,
        derive=NetworkDeriver(), to_json=network_json,
        empty_json=lambda: {"interfaces": [], "bonds": [], "problems": []},
        alerts=network_alerts, metrics=network_metrics, history=network_history,
    )]
