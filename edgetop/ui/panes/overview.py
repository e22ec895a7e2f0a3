"""Overview: is this node healthy? Alerts first, then one line per area and its sources."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult

from edgetop.collectors.cpu import CpuView
from edgetop.collectors.memory import MemoryView
from edgetop.engine.store import Sample
from edgetop.model.reading import Status
from edgetop.ui.fmt import coarse_duration, literal
from edgetop.ui.panes.base import Pane
from edgetop.ui.render.cpu import overview_line as cpu_line
from edgetop.ui.render.memory import overview_line as memory_line
from edgetop.ui.render.overview_lines import area_lines
from edgetop.ui.render.sections import labelled
from edgetop.ui.styles import ALERT_STYLE, STATUS_STYLE
from edgetop.ui.widgets.text_lines import TextLines


def fit_alerts(alerts: list[Text], sources: list[Text], room: int,
               total: int | None = None) -> tuple[list[Text], list[Text]]:
    """Fit the alert lines and the sources block into ``room`` lines; alerts come first.

    Everything is shown when it fits. Otherwise the sources block shrinks to its title
    (``s`` opens the sources table), and the alerts fill what is left, the last line
    saying how many more there are: on an 80x25 console a fixed count either cut the
    alerts short above empty lines or pushed the sources off the screen.

    Args:
        alerts: lines for the first alerts (all of them, or as many as could ever fit).
        sources: the sources block, its title first.
        room: lines available; 0 or less when not known yet (everything given is shown).
        total: how many alerts there are (``len(alerts)`` when None).

    """
    total = len(alerts) if total is None else total
    if room <= 0:
        fit = len(alerts) if total <= len(alerts) else len(alerts) + 1
    elif 2 + total + 1 + len(sources) <= room:  # "\nAlerts (n)", the alerts, "\n", the sources
        fit = total
    else:
        sources = sources[:1]
        fit = max(2, room - 2 - 1 - len(sources))  # at least one alert and the count of the rest
    if total <= fit and len(alerts) >= total:
        return alerts, sources
    shown = min(fit - 1, len(alerts))
    more = Text(f"  ... {total - shown} more: ! opens the Alerts pane, which lists them all", style="dim")
    return [*alerts[:shown], more], sources


class OverviewPane(Pane):
    """The first pane, and the one the kiosk returns to when an alert fires."""

    PANE_ID = "overview"
    TITLE = "Overview"

    def wants(self, sample: Sample) -> bool:
        """Every sample: the overview sums up every collector (alerts, sources, area lines)."""
        return True

    def compose(self) -> ComposeResult:
        """Health block, alerts, sources."""
        # Line by line: a tick that changes two lines repaints two lines (widgets.text_lines).
        yield TextLines(id="overview-body")

    def on_resize(self, event: events.Resize) -> None:
        """How many alerts fit depends on the height: render again at once."""
        self.refresh_view()

    def refresh_view(self) -> None:
        """Render alerts and a summary of every source."""
        out: list[Text] = []
        width = max(10, min(40, (self.size.width or 80) - 52))
        cpu_sample = self.store.get("cpu")
        cpu: CpuView | None = cpu_sample.last_view if cpu_sample else None
        mem_sample = self.store.get("memory")
        mem: MemoryView | None = mem_sample.last_view if mem_sample else None
        areas = [("CPU", cpu_line(cpu, self.store, width) if cpu is not None else None),
                 ("Mem", memory_line(mem, width) if mem is not None else None),
                 *area_lines(self.store.samples(), self.store.config.thresholds)]
        out.extend(labelled(label, line) for label, line in areas if line is not None)
        alerts = self.store.tracked_alerts()  # the Alerts pane's order: critical, then by impact
        now = self.store.alert_state.now
        alert_lines = [Text("  none: every threshold is met", style="green")] if not alerts else []
        # No more lines than the pane could ever show: a node with 1,000 squeezed guests
        # has 1,000 alerts, and building them all made switching to this pane take 180 ms.
        for tracked in alerts[:max(self.size.height, 0) or 100]:
            alert = tracked.alert
            line = Text()
            dim = "dim" if tracked.acked or tracked.stale else ""
            line.append(f"  {alert.severity.upper():8} ", style=dim or ALERT_STYLE[alert.severity])
            # How long it stands, then the acknowledgement: a glance tells new from old news.
            line.append(f"{coarse_duration(tracked.duration(now)):>6} ", style="dim")
            if tracked.acked:
                line.append("ack ", style="dim")
            line.append_text(literal(f"{alert.source}/{alert.subject}: {alert.message}", dim))
            alert_lines.append(line)
        samples = sorted(self.store.samples().items())
        ok = [name for name, sample in samples if sample.reading.status is Status.OK]
        unused = self.store.not_used()  # alternatives this node does not use: one line, not problems
        bad = len(samples) - len(ok) - len(unused)
        also = f", {len(unused)} not used" if unused else ""
        source_lines = [Text(f"Sources: {len(ok)} ok, {bad} not{also} (s for details)", style="bold")]
        if ok:
            line = Text()
            line.append("  ok ", style="green")
            line.append_text(literal(", ".join(ok), "dim"))
            source_lines.append(line)
        if unused:
            source_lines.append(Text("  not used ", style="dim").append_text(literal(", ".join(unused), "dim")))
        for name, sample in samples:
            status = sample.reading.status
            if status is Status.OK or name in unused:
                continue
            line = Text()
            line.append(f"  {status.value:11}", style=STATUS_STYLE[status])
            line.append_text(literal(f" {name:16} "))
            line.append_text(literal(sample.reading.reason or "", "dim"))
            source_lines.append(line)
        alert_lines, source_lines = fit_alerts(alert_lines, source_lines, self.size.height - len(out),
                                               max(len(alerts), len(alert_lines)))
        heading = Text.assemble((f"Alerts ({len(alerts)})", "bold"),
                                ("  critical first, then by impact (! lists them all)", "dim"))
        # The same rows as one text ending in a newline had: a blank one after the areas, after
        # the alerts and at the very end.
        self.query_one("#overview-body", TextLines).update_lines(
            [*out, Text(), heading, *alert_lines, Text(), *source_lines, Text()])
