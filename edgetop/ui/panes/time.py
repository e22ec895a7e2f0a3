"""The time pane: is this node's clock synchronised, and every offset with what it means.

Top: the verdict (synchronised / unsynchronised / no time source) and the sign rule,
then a sparkline of the main source's offset magnitude. Below, one row per source and
per server it listens to, each naming whose offset it is ("chrony: system clock vs
reference", "SNTP: this host vs 10.0.0.1"), coloured against
``thresholds.ntp_offset_seconds``. A kind that is absent is a dim row saying why
("unavailable: ntpq not installed"): that is not an alarm unless nothing works.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from edgetop.collectors.ntp import NO_SOURCE, SYNCHRONISED, UNSYNCHRONISED, WAITING, Verdict, decide
from edgetop.collectors.ntp_types import CLOCK, KINDS, TimeReport, TimeRow
from edgetop.config_schema import Config
from edgetop.engine.store import Sample
from edgetop.model.alerts import level_above
from edgetop.model.reading import Status
from edgetop.ui.fmt import NA, NAME_CAP, TEXT_CAP, console_mode, literal
from edgetop.ui.panes.base import Pane
from edgetop.ui.styles import level_style
from edgetop.ui.widgets.glyphs import spark_top, sparkline
from edgetop.ui.widgets.static_text import set_text
from edgetop.ui.widgets.synced_table import SyncedTable

# Numbers first: at 80 columns the long "whose offset" text must not push them off-screen.
COLUMNS = (("offset", "Offset"), ("error", "± Error"), ("stratum", "St"), ("meaning", "Offset of"),
           ("state", "State"), ("reference", "Reference"))
RIGHT = frozenset({"offset", "error", "stratum"})  # numbers line up on the right, units and all
VERDICT_STYLE = {SYNCHRONISED: "bold green", UNSYNCHRONISED: "bold yellow", NO_SOURCE: "bold red", WAITING: "dim"}
LEGEND = "offset = this clock minus the reference; + means this clock is ahead"
SPARK_WIDTH = 40
_OFFSET_ALERT_KINDS = frozenset({"chrony", "ntpd", "timesyncd", "ptp", "sntp"})


def seconds_text(value: float | None, signed: bool = True) -> str:
    """Format seconds with a unit that keeps 3-4 significant digits: ``+412µs``, ``-1.25ms``, ``+2.003s``."""
    if value is None:
        return NA
    micro = "us" if console_mode() else "µs"
    sign = ("+" if value >= 0 else "-") if signed else ""
    mag = abs(value)
    if mag >= 1:
        return f"{sign}{mag:.3f}s"
    if mag >= 1e-3:
        return f"{sign}{mag * 1e3:.2f}ms"
    if mag >= 1e-6:
        return f"{sign}{mag * 1e6:.0f}{micro}"
    return f"{sign}{mag * 1e9:.0f}ns"


def _state_style(row: TimeRow) -> str:
    state = row.state or ""
    if row.synchronized or state in ("selected", "answered", "combined", "candidate"):
        return "green"
    if state.startswith(("unreachable", "bad answer", "kiss-of-death", "falseticker")) or row.reachable is False:
        return "bold red"
    if row.synchronized is False:
        return "yellow"
    return ""


# The meaning is ours ("chrony: system clock vs reference") plus, at times, a server name.
MEANING_CAP = NAME_CAP + 16


def _cell(value: object, style: str = "", cap: int = NAME_CAP) -> Text:
    """Build a literal cell in one style (never markup: server names come from outside), cut to ``cap`` cells."""
    return literal(value, style, cap=cap)


def row_cells(row: TimeRow, config: Config, greyed: bool = False) -> tuple[Text, ...]:
    """Return the cells of one source row; names from outside are literal text."""
    dim = "dim" if greyed else ""
    offset_style = dim
    if not greyed and row.offset_seconds is not None and (row.role == CLOCK or row.kind == "sntp") \
            and row.kind in _OFFSET_ALERT_KINDS:
        sev = level_above(abs(row.offset_seconds), config.thresholds.ntp_offset_seconds)
        offset_style = level_style(sev)
    state = row.state or NA
    if row.reach is not None:
        state = f"{state} reach {row.reach:03o}"
    return (
        _cell(seconds_text(row.offset_seconds), offset_style),
        _cell(seconds_text(row.error_seconds, signed=False), dim or "dim"),
        _cell(NA if row.stratum is None else str(row.stratum), dim),
        _cell(row.meaning, dim or ("bold" if row.role == CLOCK else ""), MEANING_CAP),
        _cell(state, dim or _state_style(row)),
        _cell(row.reference or "", dim),
    )


def absent_cells(kind: str, sample: Sample) -> tuple[Text, ...]:
    """Return the cells of a kind whose collector is unavailable or failed."""
    style = "dim" if sample.reading.status is Status.UNAVAILABLE else "bold red"
    words = f"{kind}: {sample.reading.status}: {sample.reading.reason or NA}"
    return (_cell(NA, "dim"), _cell(""), _cell(""), _cell(words, style, TEXT_CAP),
            _cell(str(sample.reading.status), style), _cell(""))


def detail_text(row: TimeRow | None) -> Text:
    """Return the highlighted row's further values (``rms offset 241ns  frequency -0.007 ppm …``)."""
    if row is None:
        return Text("")
    text = Text(no_wrap=False)
    text.append(row.meaning, style="bold")
    for name, value in row.details:
        if name.endswith("_unix") or value is None:
            continue
        label = name.removesuffix("_seconds").removesuffix("_ppm").replace("_", " ")
        if name.endswith("_seconds") and isinstance(value, (int, float)) and not isinstance(value, bool):
            # Intervals (poll, last rx, update interval) read better as plain seconds.
            offset = name.endswith("offset_seconds")
            shown = f"{value:g}s" if value >= 1 and not offset else seconds_text(float(value), signed=offset)
        elif name.endswith("_ppm") and isinstance(value, (int, float)):
            shown = f"{value:+.3f} ppm"
        else:
            shown = str(value)
        text.append(f"  {label} ", style="dim")
        text.append(shown)  # literal: versions and flags come from outside
    return text


class TimePane(Pane):
    """NTP/PTP sources: the verdict, each offset with its meaning, and a sparkline."""

    PANE_ID: ClassVar[str] = "time"
    TITLE: ClassVar[str] = "Time"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "sort_offset", "Sort |offset|", id="time.sort_offset"),
    ]
    DEFAULT_CSS = """
    TimePane #time-verdict { height: auto; }
    TimePane #time-spark { height: auto; }
    TimePane #time-sources { height: 1fr; }
    TimePane #time-detail { height: auto; max-height: 3; }
    """

    def __init__(self, store: Any) -> None:
        """Create the pane over ``store``."""
        super().__init__(store)
        self.sort_by_offset = False
        self.highlighted: str | None = None
        self._shown: dict[str, TimeRow] = {}

    def compose(self) -> ComposeResult:
        """Verdict, sparkline, sources table."""
        yield Static(id="time-verdict")
        yield Static(id="time-spark")
        yield SyncedTable(COLUMNS, right=RIGHT, id="time-sources", zebra_stripes=True)
        yield Static(id="time-detail")

    def on_mount(self) -> None:
        """Render whatever the store already holds."""
        self.refresh_view()

    @property
    def table(self) -> SyncedTable:
        """The sources table (row key: the row's key, or ``absent:<kind>``)."""
        return self.query_one("#time-sources", SyncedTable)

    def _reports(self, samples: dict[str, Sample]) -> dict[str, tuple[TimeReport | None, bool, Sample]]:
        """Per kind: the report to show, whether it is greyed (last good), and the sample."""
        out: dict[str, tuple[TimeReport | None, bool, Sample]] = {}
        for kind in KINDS:
            sample = samples.get(f"ntp:{kind}")
            if sample is None:
                continue
            if sample.view is not None:
                out[kind] = (sample.view, False, sample)
            else:
                out[kind] = (sample.last_view, sample.last_view is not None, sample)
        return out

    def verdict(self, samples: dict[str, Sample]) -> Verdict:
        """Return the engine's verdict when it has one, else one decided from the rows shown."""
        sample = samples.get("ntp:verdict")
        if sample is not None and isinstance(sample.view, Verdict) and sample.view.verdict != WAITING:
            return sample.view
        latest = {kind: (s.view, s.reading.reason) for kind in KINDS if (s := samples.get(f"ntp:{kind}")) is not None}
        return decide(latest)

    def verdict_text(self, verdict: Verdict) -> Text:
        """Return the verdict line and the sign legend."""
        text = Text(verdict.verdict.upper(), style=VERDICT_STYLE.get(verdict.verdict, ""), no_wrap=True)
        if verdict.by:
            text.append(" via ")
            text.append(verdict.by)  # literal: may quote a server name
        if verdict.verdict != WAITING:
            text.append(f"  ({verdict.reachable_sources} answering)", style="dim")
        text.append("\n" + LEGEND, style="dim")
        return text

    def main_row(self, reports: dict[str, tuple[TimeReport | None, bool, Sample]]) -> TimeRow | None:
        """Pick the row whose offset the sparkline follows: a synchronised daemon, else any with an offset."""
        rows = [r for rep, greyed, _ in reports.values() if rep is not None and not greyed for r in rep.rows]
        daemons = [r for r in rows if r.role == CLOCK and r.kind != "kernel"]
        choices = ([r for r in daemons if r.synchronized and r.offset_seconds is not None],
                   [r for r in daemons if r.offset_seconds is not None],
                   [r for r in rows if r.kind == "sntp" and r.offset_seconds is not None])
        return next((found[0] for found in choices if found), None)

    def spark_text(self, row: TimeRow | None) -> Text:
        """Return the offset sparkline of ``row`` (magnitude), with its latest value and meaning."""
        if row is None:
            return Text("offset history: no source with an offset yet", style="dim", no_wrap=True)
        series = self.store.history(f"ntp:{row.kind}.offset:{row.key}")
        known = [v for v in series if v is not None]
        text = Text("|offset| ", style="dim", no_wrap=True)
        # Scaled to the offset warning level, not to the series' own maximum: a steady 2 ms
        # offset drew a full bar, as if pegged (issue 14). Larger offsets raise the top.
        top = spark_top(known, self.store.config.thresholds.ntp_offset_seconds.warn)
        if top:
            scale = f"{top * 1000:.0f}ms" if top < 1 else f"{top:.1f}s"
            text.append(f"0-{scale} ", style="dim")  # the scale, before the line
        text.append(sparkline(series, SPARK_WIDTH, top=top), style="cyan")
        text.append(f" now {seconds_text(row.offset_seconds)}")
        if known:
            text.append(f" max {seconds_text(max(known), signed=False)}", style="dim")
        text.append("  ")
        text.append(row.meaning, style="dim")
        return text

    def rows(self, reports: dict[str, tuple[TimeReport | None, bool, Sample]]) -> dict[str, tuple[Text, ...]]:
        """Return every table row: clock rows first, then servers, then kinds without data."""
        config = self.store.config
        clocks: dict[str, tuple[Text, ...]] = {}
        peers: dict[str, tuple[Text, ...]] = {}
        absent: dict[str, tuple[Text, ...]] = {}
        for kind, (report, greyed, sample) in reports.items():
            if report is None or greyed:
                # Say why; a source that worked before keeps its last rows, greyed.
                absent[f"absent:{kind}"] = absent_cells(kind, sample)
            if report is None:
                continue
            for row in report.rows:
                (clocks if row.role == CLOCK else peers)[row.key] = row_cells(row, config, greyed)
        return {**clocks, **peers, **absent}

    def refresh_view(self) -> None:
        """Update the verdict, the sparkline and the table (by row key, in one batch)."""
        if not self.is_mounted:
            return
        samples = {s.spec.name: s for s in self.samples()}
        reports = self._reports(samples)
        offsets = {r.key: abs(r.offset_seconds) for rep, _, _ in reports.values() if rep is not None
                   for r in rep.rows if r.offset_seconds is not None}
        with self.app.batch_update():
            set_text(self.query_one("#time-verdict", Static), self.verdict_text(self.verdict(samples)))
            set_text(self.query_one("#time-spark", Static), self.spark_text(self.main_row(reports)))
            rows = self.rows(reports)
            # The structural order (clocks, servers, absent kinds) is kept as sources come
            # and go; the table only redraws when the order actually changed.
            position = {key: i for i, key in enumerate(rows)}
            self.table.set_sort("offset" if self.sort_by_offset else None, descending=True)
            if self.sort_by_offset:
                self.table.sync(rows, sort_key=lambda key: (-offsets.get(key, -1.0), position[key]))
            else:
                self.table.sync(rows, sort_key=position.__getitem__)
            self._shown = {r.key: r for rep, _, _ in reports.values() if rep is not None for r in rep.rows}
            self._update_detail()

    def _update_detail(self) -> None:
        set_text(self.query_one("#time-detail", Static), detail_text(self._shown.get(self.highlighted or "")))

    @on(SyncedTable.RowHighlighted, "#time-sources")
    def _row_highlighted(self, event: SyncedTable.RowHighlighted) -> None:
        self.highlighted = event.row_key
        self._update_detail()

    def action_sort_offset(self) -> None:
        """Toggle sorting rows by offset magnitude, largest first; shown from the top (as any sort chosen)."""
        self.sort_by_offset = not self.sort_by_offset
        self.notify("sorted by |offset|" if self.sort_by_offset else "sorted by source", timeout=2)
        self.refresh_view()
        self.table.cursor_to_top()
