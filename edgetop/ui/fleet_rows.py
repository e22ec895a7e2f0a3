"""The fleet table's columns and cells, and a node's detail, as ``Text`` (names always literal).

Pure functions of a :class:`~edgetop.fleet.model.FleetNode`: the app and the tests render
the same cells. ASCII only but ``°`` (in the Linux console's font), so one set serves
every terminal.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text

from edgetop.fleet.model import FleetNode, NodeState
from edgetop.model.alerts import Severity
from edgetop.ui.fmt import NA, TEXT_CAP, age, clip, literal, pct
from edgetop.ui.styles import HEALTH_OK, SEVERITY_STYLE

STALE_STYLE = "dim"
STATE_WORD = {NodeState.DOWN: "DOWN", NodeState.CRITICAL: "CRIT", NodeState.WARNING: "WARN", NodeState.OK: "ok"}
STATE_STYLE = {NodeState.DOWN: "bold reverse red", NodeState.CRITICAL: SEVERITY_STYLE[Severity.CRITICAL],
               NodeState.WARNING: SEVERITY_STYLE[Severity.WARNING], NodeState.OK: HEALTH_OK}
WARN, BAD = SEVERITY_STYLE[Severity.WARNING], SEVERITY_STYLE[Severity.CRITICAL]
NODE_CAP = 24
SITE_CAP = 12

# (key, header, right-justified), in the order of importance.
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("node", "NODE", False), ("site", "SITE", False), ("state", "STATE", False), ("alerts", "ALERTS", True),
    ("vm_steal", "VMSTEAL", True), ("host_steal", "STEAL", True), ("temp", "TEMP/LIM", True),
    ("net", "NET", False), ("ntp", "NTP", True), ("snmp", "SNMP", True), ("fs", "FS", True),
    ("version", "VERSION", False), ("seen", "SEEN", True),
)


def hidden_columns(width: int) -> frozenset[str]:
    """The columns a terminal ``width`` cells wide leaves out (every one is in the detail)."""
    if width >= 120:
        return frozenset()
    if width >= 100:
        return frozenset({"version", "snmp"})
    return frozenset({"version", "snmp", "host_steal", "vm_steal"})


Cell = tuple[str, str]
"""A cell as its plain text and its one style: a ``Text`` is made only for a cell that changed."""


def _t(text: str, style: str = "") -> Cell:
    return text, style


def text_of(cell: Cell) -> Text:
    """The ``Text`` the table shows for ``cell`` (never parsed as markup)."""
    return Text(cell[0], style=cell[1], no_wrap=True)


def _count(value: int | None, style: str) -> Cell:
    if value is None:
        return _t(NA, STALE_STYLE)
    return _t(str(value), style if value else "")


def _temp(node: FleetNode) -> Cell:
    s = node.hottest_sensor
    if s is None:
        return _t(NA, STALE_STYLE)
    limit = "-" if s.limit_celsius is None else f"{s.limit_celsius:.0f}"
    style = BAD if s.over_critical else WARN if s.over_limit else ""
    return _t(f"{s.celsius:.0f}/{limit}°C", style)


def _ntp(node: FleetNode) -> Cell:
    off = node.ntp_offset_seconds
    text = NA if off is None else f"{off * 1000:+.1f}ms" if abs(off) < 1 else f"{off:+.1f}s"
    if node.ntp_synchronised is False:
        return _t(f"unsync {text}" if off is not None else "unsync", WARN)
    return _t(text, WARN if off is not None and abs(off) > 0.1 else "")


def _seen(node: FleetNode, now: float) -> Cell:
    """How old the last scrape is; for a node that stopped reporting, the time it stopped (local)."""
    if node.reporting:
        return _t(age(node.last_scrape_unix, now))
    if node.not_reporting_since_unix is None:
        return _t("unknown", BAD)
    return _t(time.strftime("%H:%M:%S", time.localtime(node.not_reporting_since_unix)), BAD)


def _net(node: FleetNode) -> Cell:
    """``B1 M3``: bond slaves down, interfaces with a mismatched MTU; ``ok`` when neither."""
    if not node.reporting:
        return _t(NA, STALE_STYLE)
    parts = [f"B{len(node.bond_slaves_down)}" if node.bond_slaves_down else "",
             f"M{node.mtu_mismatches}" if node.mtu_mismatches else ""]
    text = " ".join(p for p in parts if p)
    return _t(text or "ok", WARN if text else "")


def _alerts(node: FleetNode) -> Cell:
    """``7/18``: critical/warning alerts the node raised itself."""
    if node.alerts_critical is None or node.alerts_warning is None:
        return _t(NA, STALE_STYLE)
    style = BAD if node.alerts_critical else WARN if node.alerts_warning else ""
    return _t(f"{node.alerts_critical}/{node.alerts_warning}", style)


def row_inputs(node: FleetNode) -> tuple[object, ...]:
    """What :func:`cell_values` reads of ``node`` but for the ``seen`` cell: equal inputs, equal cells.

    A node is made again at each of its scrapes for its new last-scrape time alone, most of
    the time; its other cells are then kept (a row's cells cost ~0.1 ms to make).
    """
    return (node.name, node.site, node.state, node.reporting, node.alerts_critical, node.alerts_warning,
            node.domain_steal, node.host_steal_ratio, node.hottest_sensor, node.bond_slaves_down,
            node.network_problems, node.ntp_offset_seconds, node.ntp_synchronised, node.snmp_targets_down,
            node.fullest_filesystem, node.version)


def seen_value(node: FleetNode, now: float, stale: bool = False) -> Cell:
    """The ``seen`` cell alone: the one cell of a row that moves with the clock."""
    plain, style = _seen(node, now)
    return plain, STALE_STYLE if stale else style


def cell_values(node: FleetNode, now: float, stale: bool = False) -> dict[str, Cell]:
    """The row of ``node`` by column key as (text, style); every cell dim when ``stale`` (Prometheus unavailable)."""
    steal = node.domain_steal
    fs = node.fullest_filesystem
    out = {
        "node": (clip(node.name, NODE_CAP), "bold" if node.state is not NodeState.OK else ""),
        "site": (clip(node.site or "", SITE_CAP), ""),
        "state": _t(STATE_WORD[node.state], STATE_STYLE[node.state]),
        "alerts": _alerts(node),
        "vm_steal": _t(pct(steal.ratio) if steal else NA, WARN if steal and steal.ratio > 0.1 else ""),
        "host_steal": _t(pct(node.host_steal_ratio), WARN if (node.host_steal_ratio or 0) > 0.1 else ""),
        "temp": _temp(node),
        "net": _net(node),
        "ntp": _ntp(node),
        "snmp": _count(len(node.snmp_targets_down) if node.reporting else None, WARN),
        "fs": _t(pct(fs.used_ratio, 0) if fs else NA, BAD if fs and fs.used_ratio >= 0.9 else ""),
        "version": (clip(node.version or NA, 16), ""),
        "seen": _seen(node, now),
    }
    if stale:
        return {key: (plain, STALE_STYLE) for key, (plain, _style) in out.items()}
    return out


def cells(node: FleetNode, now: float, stale: bool = False) -> dict[str, Text]:
    """The row of ``node`` by column key, as the table shows it (see :func:`cell_values`)."""
    return {key: text_of(cell) for key, cell in cell_values(node, now, stale).items()}


def matches(node: FleetNode, needle: str) -> bool:
    """The ``/`` filter: ``needle`` (any case) in the node's name or its site."""
    n = needle.casefold().strip()
    return not n or n in node.name.casefold() or n in (node.site or "").casefold()


def detail_lines(node: FleetNode, now: float, site_label: str) -> Sequence[Text]:
    """What ``enter`` shows: state and faults, every reading of the round, the alerts, the way in."""
    lines: list[Text] = []

    def line(label: str, value: str | Text, style: str = "") -> None:
        text = Text(f"{label:<20}", style="bold", no_wrap=True)
        text.append_text(value if isinstance(value, Text) else literal(value, style, cap=TEXT_CAP))
        lines.append(text)

    line("node", node.name)
    line(site_label, node.site or NA)
    line("state", text_of(_t(STATE_WORD[node.state], STATE_STYLE[node.state])))
    line("last scrape", f"{age(node.last_scrape_unix, now)} ago" if node.last_scrape_unix else NA)
    if not node.reporting:
        line("not reporting since", _seen(node, now)[0], BAD)
    line("edgetop version", node.version or NA)
    line("reach it with", node.command, "bold")
    lines.append(Text(""))
    lines.append(Text("Faults", style="bold underline"))
    lines.extend(literal(f"  {p}", BAD if not node.reporting else WARN, cap=TEXT_CAP + 2) for p in node.problems)
    if not node.problems:
        lines.append(Text("  none named", style=HEALTH_OK))
    lines.append(Text(""))
    lines.append(Text("Readings", style="bold underline"))
    line("alerts", f"{_n(node.alerts_critical)} critical, {_n(node.alerts_warning)} warning")
    steal = node.domain_steal
    line("worst guest steal", f"{pct(steal.ratio)} {steal.domain}" if steal else NA)
    line("host steal", pct(node.host_steal_ratio))
    s = node.hottest_sensor
    line("hottest sensor", f"{s.name} {s.celsius:.1f} °C, {s.limit_kind or 'no'} limit "
         f"{'-' if s.limit_celsius is None else f'{s.limit_celsius:.1f} °C'}" if s else NA)
    line("bond slaves down", ", ".join(f"{b}/{sl}" for b, sl in node.bond_slaves_down) or "none")
    line("network problems", ", ".join(f"{k} {v}" for k, v in sorted(node.network_problems.items())) or "none")
    verdict = {True: "synchronised", False: "not synchronised", None: "verdict unknown"}[node.ntp_synchronised]
    line("NTP", f"{_ntp(node)[0]}, {verdict}")
    line("SNMP targets down", ", ".join(node.snmp_targets_down) or "none")
    fs = node.fullest_filesystem
    line("fullest filesystem", f"{fs.mountpoint} {pct(fs.used_ratio, 0)} used" if fs else NA)
    lines.append(Text(""))
    lines.append(Text("Prometheus alerts (ALERTS)", style="bold underline"))
    for a in node.prometheus_alerts:
        style = BAD if a.severity == "critical" and a.state == "firing" else WARN if a.state == "firing" else "dim"
        lines.append(literal(f"  {a.state:<8} {a.severity or '-':<9} {a.name} {a.subject}", style, cap=TEXT_CAP + 2))
    if not node.prometheus_alerts:
        lines.append(Text("  none (or no alerting rules loaded)", style="dim"))
    return lines


def _n(value: int | None) -> str:
    return NA if value is None else str(value)
