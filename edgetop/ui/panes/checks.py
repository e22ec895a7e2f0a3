"""Checks pane: the node's set-up against what a KVM edge node needs, worst first, with the fix.

One row per check (``edgetop check`` prints the same list): its verdict, its id and what it
saw. The highlighted check's title, whole evidence and fix are shown below the table. The
list is the ``checks`` collector's view plus the checks joined from the Time and Network
panes' own verdicts (:func:`edgetop.engine.checks_join.joined_checks`), so a check and a
pane never disagree; the pane therefore also listens to those two collectors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Static

from edgetop.engine.checks_join import joined_checks
from edgetop.engine.store import Sample
from edgetop.model.checks import Check, CheckStatus
from edgetop.ui.fmt import TEXT_CAP, literal
from edgetop.ui.panes.table import TablePane
from edgetop.ui.styles import CHECK_STYLE
from edgetop.ui.widgets.synced_table import SyncedTable

# Worst first: what fails, what warns, what could not be told, what passes.
_ORDER = {CheckStatus.FAIL: 0, CheckStatus.WARN: 1, CheckStatus.UNKNOWN: 2, CheckStatus.PASS: 3}
# The joined checks come from these collectors' views (engine/checks_join.py).
_JOINED_FROM = ("ntp:verdict", "network")
EVIDENCE_MAX = 300  # cells of evidence in a row; the detail below shows all of it


class ChecksPane(TablePane):
    """Every set-up check, worst first; the highlighted one's fix below."""

    PANE_ID = "checks"
    TITLE = "Checks"
    COLUMNS = (("status", "STATUS"), ("check", "CHECK"), ("evidence", "EVIDENCE"))

    def compose(self) -> ComposeResult:
        """The status line, the table, and the highlighted check's detail."""
        yield from super().compose()
        yield Static(id="checks-detail", classes="detail")

    def wants(self, sample: Sample) -> bool:
        """The checks collector's samples, and those the joined checks are made of."""
        return super().wants(sample) or sample.spec.name in _JOINED_FROM

    def items(self, view: Any) -> Mapping[str, Check]:
        """Every check (the collector's last good ones and the joined ones), worst first, then by id.

        While the collector is down its last checks stay, greyed under the ``unavailable``
        banner, as every pane keeps its last values; the snapshot and the exporter say
        ``unknown`` instead (:func:`~edgetop.engine.checks_join.node_checks`).
        """
        checks = sorted((*view, *joined_checks(self.store.samples())), key=lambda c: (_ORDER[c.status], c.id))
        return {c.id: c for c in checks}

    def cells(self, item: Check, stale: bool) -> tuple[Any, ...]:
        """Verdict, id and evidence; evidence is literal (it may quote guest names and log lines)."""
        evidence = item.evidence if len(item.evidence) <= EVIDENCE_MAX else item.evidence[: EVIDENCE_MAX - 1] + "…"
        style = "dim" if stale else CHECK_STYLE[item.status]
        return (Text(str(item.status), style=style), literal(item.id),
                literal(evidence, "dim" if stale else "", cap=TEXT_CAP))

    def summary(self, view: Any, items: Mapping[str, Any]) -> Text:
        """How many checks of each verdict."""
        counts = {s: 0 for s in _ORDER}
        for check in items.values():
            counts[check.status] += 1
        out = Text()
        for status in _ORDER:
            if counts[status]:
                out.append(f"{counts[status]} {status}  ", style=CHECK_STYLE[status])
        out.append("(the highlighted check's fix is below)", style="dim")
        return out

    def refresh_view(self) -> None:
        """Render the rows, then the detail of the check under the cursor."""
        super().refresh_view()
        self._show_detail(self.table.cursor_key)

    @on(SyncedTable.RowHighlighted, "#checks-table")
    def _highlighted(self, event: SyncedTable.RowHighlighted) -> None:
        self._show_detail(event.row_key)

    def _show_detail(self, key: str | None) -> None:
        check = self.shown.get(key) if key is not None else None
        detail = self.query_one("#checks-detail", Static)
        if check is None:
            detail.update("")
            return
        out = Text.assemble((check.id, "bold"), ": ", check.title, "\n", ("saw: ", "dim"), check.evidence)
        if check.fix:
            out.append("\nfix: ", style="bold")
            out.append(check.fix)
        detail.update(out)
