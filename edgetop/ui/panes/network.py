"""Network pane: every interface with MTU and rates, bonds with LACP state, problems found."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from edgetop.collectors.bonding import Bond, lacp_state_letters
from edgetop.collectors.net_problems import Problem
from edgetop.collectors.network import InterfaceRates, NetworkView
from edgetop.collectors.sys_class_net import NetInterface
from edgetop.engine import joins
from edgetop.ui.fmt import NA, NAME_CAP, bit_rate, literal
from edgetop.ui.panes.base import Pane, status_text
from edgetop.ui.widgets.static_text import set_text
from edgetop.ui.widgets.synced_table import SyncedTable

# At 80 columns the rates with their unit and share of the link (``37.5Mb 4%``) need the
# room of MTU and MASTER: a mismatched MTU is in Problems, a bond's slaves in its line below.
_NARROW = (("name", "NAME"), ("kind", "KIND"), ("state", "STATE"), ("speed", "SPEED"),
           ("rx", "RX/s"), ("tx", "TX/s"), ("err", "ERR"))
# The MAC goes last: when a long domain name widens the table, it is what scrolls off.
_WIDE = (("name", "NAME"), ("kind", "KIND"), ("state", "STATE"), ("speed", "SPEED"), ("duplex", "DUPLEX"),
         ("mtu", "MTU"), ("master", "MASTER"), ("rx", "RX/s"), ("tx", "TX/s"), ("rxp", "RXpk/s"),
         ("txp", "TXpk/s"), ("err", "ERR"), ("drop", "DROP"), ("chg", "CHG"), ("mac", "MAC"))
# Speeds, MTUs, rates and counters line up on the right.
_RIGHT = frozenset({"speed", "mtu", "rx", "tx", "rxp", "txp", "err", "drop", "chg"})
# 80 columns: shorter kind words and domain names cut to fit.
_SHORT_KIND = {"physical": "phys", "loopback": "loop", "wireless": "wifi", "virtual": "virt", "bridge": "bridge"}
NARROW_OWNER_CHARS = 8
WIDE_FROM_COLUMNS = 120


def short_rate(per_second: float | None) -> str:
    """Format a byte or packet rate in five characters or fewer (``950``, ``12.3K``, ``1.2G``)."""
    if per_second is None:
        return NA
    value = float(per_second)
    for unit in ("", "K", "M", "G", "T"):
        if value < 1000 or unit == "T":
            return f"{value:.0f}{unit}" if unit == "" or value >= 100 else f"{value:.1f}{unit}"
        value /= 1024
    return NA  # pragma: no cover


def packet_rate(per_second: float | None) -> str:
    """Packets (the column says per second) with their unit: ``950pk``, ``12.3Kpk``."""
    return NA if per_second is None else f"{short_rate(per_second)}pk"


def short_speed(mbps: int | None) -> str:
    """Format a link speed as switch vendors print it: ``100M``, ``1G``, ``25G``."""
    if mbps is None:
        return NA
    if mbps >= 1000 and mbps % 1000 == 0:
        return f"{mbps // 1000}G"
    return f"{mbps / 1000:g}G" if mbps >= 1000 else f"{mbps}M"


def state_text(i: NetInterface) -> Text:
    """Say the link state in one word: ``off`` (admin down), ``up``, ``nocarr``, the operstate otherwise."""
    if i.admin_up is False:
        return Text("off", style="dim")
    if i.carrier is False:
        return Text("nocarr", style="bold red" if i.kind in ("physical", "bond") else "yellow")
    op = i.operstate or NA
    word = {"lowerlayerdown": "lldown", "unknown": "unkn", "notpresent": "absent"}.get(op, op)
    return Text(word, style="green" if op == "up" else "yellow")


def _sum(*values: int | None) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


class NetworkPane(Pane):
    """Interfaces, bonds and MTU/LACP/link problems."""

    PANE_ID = "network"
    TITLE = "Network"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "sort_traffic", "Busiest", id="network.sort_traffic"),
    ]
    DEFAULT_CSS = """
    NetworkPane #net-status { height: auto; }
    NetworkPane .net-table { height: 1fr; min-height: 5; }
    NetworkPane #net-details { height: auto; max-height: 45%; }
    NetworkPane #net-problems, NetworkPane #net-bonds { height: auto; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Start in name order; ``b`` sorts busiest first."""
        super().__init__(*args, **kwargs)
        self.busiest_first = False

    def compose(self) -> ComposeResult:
        """Status, the interface table (narrow or wide), then problems and bonds."""
        yield Static(id="net-status")
        yield SyncedTable(_NARROW, right=_RIGHT, id="net-table-narrow", classes="net-table", zebra_stripes=False)
        yield SyncedTable(_WIDE, right=_RIGHT, id="net-table-wide", classes="net-table", zebra_stripes=False)
        with VerticalScroll(id="net-details"):
            yield Static(id="net-problems")
            yield Static(id="net-bonds")

    def on_mount(self) -> None:
        """Pick the table for the current width."""
        self._choose_table()

    def on_resize(self) -> None:
        """Switch between the narrow and the wide table."""
        if self._choose_table():
            self.refresh_view()

    def _choose_table(self) -> bool:
        wide = (self.size.width or 80) >= WIDE_FROM_COLUMNS
        wide_table = self.query_one("#net-table-wide", SyncedTable)
        changed = bool(wide_table.display) != wide
        wide_table.display = wide
        self.query_one("#net-table-narrow", SyncedTable).display = not wide
        return changed

    def refresh_view(self) -> None:
        """Render the latest network view."""
        sample = self.store.get("network")
        banner = status_text(sample, "network")
        view: NetworkView | None = sample.last_view if sample else None
        status = Text(no_wrap=True)
        if banner is not None:
            status.append_text(banner)
        if view is None:
            set_text(self.query_one("#net-status", Static), status)
            return
        owners = joins.tap_owners(self.store)
        if banner is not None:
            status.append("  ")
        up = sum(1 for i in view.interfaces if i.operstate == "up")
        status.append(f"{len(view.interfaces)} interfaces, {up} up  ")
        for b in view.bonds:  # the bond's health on the first line: details may be scrolled away
            ups = sum(1 for s in b.slaves if s.mii_status == "up")
            status.append_text(literal(b.name, "bold"))
            status.append(f" {ups}/{len(b.slaves)} up  ", style="green" if ups == len(b.slaves) else "bold red")
        crit = sum(1 for p in view.problems if p.severity == "critical")
        if view.problems:
            status.append(f"{len(view.problems)} problems" + (f" ({crit} critical)" if crit else ""),
                          style="bold red" if crit else "bold yellow")
        else:
            status.append("no problems", style="green")
        status.append(f"  order: {'busiest first' if self.busiest_first else 'by name'} (b)", style="dim")
        set_text(self.query_one("#net-status", Static), status)
        wide = bool(self.query_one("#net-table-wide", SyncedTable).display)
        table = self.query_one("#net-table-wide" if wide else "#net-table-narrow", SyncedTable)
        rates = {i.name: view.rates.get(i.name, InterfaceRates()) for i in view.interfaces}
        stale = sample is not None and sample.view is None
        rows = {i.name: self._cells(i, rates[i.name], owners.get(i.name), wide, stale) for i in view.interfaces}
        by_name = {i.name: i for i in view.interfaces}
        table.sort_reverse = False
        table.set_sort(("rx", "tx") if self.busiest_first else None, descending=True)
        if self.busiest_first:
            table.sync(rows, sort_key=lambda k: (-((rates[k].rx_bytes_per_second or 0.0)
                                                   + (rates[k].tx_bytes_per_second or 0.0)), k))
        else:
            table.sync(rows, sort_key=lambda k: (by_name[k].kind == "loopback", k))
        set_text(self.query_one("#net-problems", Static), problems_text(view.problems, view.notes))
        set_text(self.query_one("#net-bonds", Static), bonds_text(view.bonds))

    @staticmethod
    def _cells(i: NetInterface, r: InterfaceRates, owner: str | None, wide: bool, stale: bool) -> tuple[Any, ...]:
        shown = i.name
        if owner:
            if not wide and len(owner) > NARROW_OWNER_CHARS:
                owner = owner[: NARROW_OWNER_CHARS - 1] + "…"
            shown += f" ({owner})"
        # A table cell is drawn in one style: a tap that belongs to a domain is cyan as a
        # whole (the owner alone was cyan when cells had spans); a stale reading is dim.
        style = "dim" if stale else "bold" if i.kind in ("bond", "bridge", "physical") else "cyan" if owner else ""
        name = literal(shown, style, cap=NAME_CAP)
        mtu = Text(NA if i.mtu is None else str(i.mtu))
        errors = _sum(i.rx_errors_total, i.tx_errors_total)
        drops = _sum(i.rx_dropped_total, i.tx_dropped_total)
        kind = Text(i.kind if wide else _SHORT_KIND.get(i.kind, i.kind),
                    style="dim" if i.kind in ("loopback", "virtual") else "")
        master = literal(i.master or "-", cap=NAME_CAP)
        if not wide:
            err = _sum(errors, drops)
            return (name, kind, state_text(i), short_speed(i.speed_mbps),
                    bit_rate(r.rx_bytes_per_second, i.speed_mbps), bit_rate(r.tx_bytes_per_second, i.speed_mbps),
                    Text(NA if err is None else str(err), style="yellow" if err else ""))
        return (name, kind, state_text(i), short_speed(i.speed_mbps), i.duplex or NA, mtu, master,
                bit_rate(r.rx_bytes_per_second, i.speed_mbps), bit_rate(r.tx_bytes_per_second, i.speed_mbps),
                packet_rate(r.rx_packets_per_second), packet_rate(r.tx_packets_per_second),
                Text(NA if errors is None else str(errors), style="yellow" if errors else ""),
                Text(NA if drops is None else str(drops), style="yellow" if drops else ""),
                NA if i.carrier_changes_total is None else str(i.carrier_changes_total), literal(i.mac or NA))

    def action_sort_traffic(self) -> None:
        """Toggle busiest-first order, shown from the top (as a sort chosen in any pane)."""
        self.busiest_first = not self.busiest_first
        self.refresh_view()
        for table in self.query(".net-table").results(SyncedTable):
            table.cursor_to_top()


def problems_text(problems: tuple[Problem, ...], notes: tuple[str, ...] = ()) -> Text:
    """Problems, critical first, one line each (literal names)."""
    out = Text()
    if not problems and not notes:
        return out
    out.append("Problems\n", style="bold")
    for p in sorted(problems, key=lambda p: (p.severity != "critical", p.subject)):
        out.append("CRIT " if p.severity == "critical" else "WARN ", style="bold red" if p.severity == "critical"
                   else "bold yellow")
        out.append_text(literal(p.message))
        out.append("\n")
    for note in notes:
        out.append_text(literal(f"note: {note}", "dim"))
        out.append("\n")
    return out


def bonds_text(bonds: tuple[Bond, ...]) -> Text:
    """Bond details: mode and timers, 802.3ad aggregator and partner, one line per slave.

    LACP port states are letters (actor/partner): A activity, T short timeout, G aggregatable,
    S in sync, C collecting, D distributing, F defaulted, E expired.
    """
    out = Text()
    for b in bonds:
        out.append_text(literal(b.name, "bold"))
        out.append(f"  {b.mode or NA}  mii {b.mii_status or NA}  miimon {_ms(b.miimon_ms)}  "
                   f"up/down delay {_ms(b.updelay_ms)}/{_ms(b.downdelay_ms)}")
        if b.xmit_hash_policy:
            out.append(f"  hash {b.xmit_hash_policy}")
        if b.active_slave:
            out.append("  active ")
            out.append_text(literal(b.active_slave))
        if b.primary:
            out.append("  primary ")
            out.append_text(literal(b.primary))
        out.append("\n")
        ad = b.ad
        if ad is not None:
            out.append(f"  LACP rate {ad.lacp_rate or NA}  aggregator {_n(ad.aggregator_id)} "
                       f"({_n(ad.number_of_ports)} ports)  keys {_n(ad.actor_key)}/{_n(ad.partner_key)}  partner ")
            zero = ad.partner_mac == "00:00:00:00:00:00"
            out.append_text(literal(ad.partner_mac or NA, "bold red" if zero else ""))
            out.append("\n")
        for s in b.slaves:
            bad = s.mii_status != "up"
            other_agg = ad is not None and ad.aggregator_id is not None and s.aggregator_id is not None \
                and s.aggregator_id != ad.aggregator_id
            out.append("  ")
            out.append_text(literal(s.name, "bold red" if bad else "bold yellow" if other_agg else "bold"))
            out.append(f"  {s.mii_status or NA}", style="red" if bad else "green")
            out.append(f"  {short_speed(s.speed_mbps)} {s.duplex or ''}  failures {_n(s.link_failure_count)}")
            if ad is not None:
                out.append(f"  agg {_n(s.aggregator_id)}", style="yellow" if other_agg else "")
                if s.actor_port_state is not None or s.partner_port_state is not None:
                    out.append(f"  lacp {lacp_state_letters(s.actor_port_state)}/"
                               f"{lacp_state_letters(s.partner_port_state)}")
            if s.state:
                out.append(f"  {s.state}", style="dim")
            out.append(f"  perm {s.perm_hwaddr or NA}  queue {_n(s.queue_id)}\n", style="dim")
        for what in b.hidden:
            out.append(f"  not shown to this user: {what}\n", style="yellow")
        if b.unknown_lines:
            out.append(f"  {len(b.unknown_lines)} lines this edgetop does not know (newer kernel?)\n", style="dim")
    return out


def _ms(value: int | None) -> str:
    return NA if value is None else f"{value}ms"


def _n(value: int | None) -> str:
    return NA if value is None else str(value)
