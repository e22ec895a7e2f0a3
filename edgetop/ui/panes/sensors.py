"""Sensors pane: every temperature and fan with its limits, a threshold bar and a trend."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from edgetop.collectors.sensors import Sensor, SensorsReading
from edgetop.model.alerts import Severity
from edgetop.ui.fmt import NA, NAME_CAP, TEXT_CAP, age, console_mode, literal
from edgetop.ui.panes.table import TablePane
from edgetop.ui.styles import OK_STYLE, level_style
from edgetop.ui.widgets.glyphs import sparkline

_COLUMNS = (("chip", "CHIP"), ("sensor", "SENSOR"), ("now", "NOW"), ("high", "HIGH"), ("crit", "CRIT"),
            ("bar", "LEVEL"), ("trend", "TREND"), ("note", "NOTE"))
_RIGHT = frozenset({"now", "high", "crit"})  # temperatures and speeds line up on the right
# Chips whose device name tells drives apart (nvme0, nvme1) better than the chip name.
_DEVICE_NAMED = ("nvme", "drivetemp")  # nvme0, sda


def severity(s: Sensor) -> Severity | None:
    """``critical``/``warning`` when the sensor is at a threshold or alarmed, else None."""
    if s.kind == "fan":
        return Severity.WARNING if s.alarm else None
    if s.celsius is None:
        return None
    if (s.critical_celsius is not None and s.celsius >= s.critical_celsius) or s.alarm:
        return Severity.CRITICAL
    if s.high_celsius is not None and s.celsius >= s.high_celsius:
        return Severity.WARNING
    return None


def threshold_bar(s: Sensor, width: int, ascii_only: bool | None = None) -> Text:
    """Draw a bar from 0 °C to the critical limit (or 100 °C) with ``|`` marks at high and critical."""
    if s.kind != "temp" or s.celsius is None or width <= 0:
        return Text(" " * max(width, 0))
    full, empty = ("#", ".") if (console_mode() if ascii_only is None else ascii_only) else ("█", "░")
    top = max(v for v in (s.critical_celsius, s.high_celsius, 100.0, s.celsius) if v is not None)

    def cell(value: float | None) -> int | None:
        return None if value is None else min(width - 1, max(0, round(value / top * width) - 1))

    filled = round(max(0.0, s.celsius) / top * width)
    marks = {cell(s.high_celsius): "yellow", cell(s.critical_celsius): "red"}
    style = level_style(severity(s), OK_STYLE).replace("bold ", "")
    out = Text(no_wrap=True)
    for i in range(width):
        if i in marks:
            out.append("|", style=marks[i])
        elif i < filled:
            out.append(full, style=style)
        else:
            out.append(empty, style="dim")
    return out


def _deg(value: float | None) -> str:
    return NA if value is None else f"{value:.0f}"


class SensorsPane(TablePane):
    """Temperatures and fans: hwmon chips, thermal zones, CPU throttle counts."""

    PANE_ID = "sensors"
    TITLE = "Sensors"
    COLUMNS = _COLUMNS
    RIGHT = _RIGHT
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "sort_hottest", "Hottest", id="sensors.sort_hottest"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Start in chip order; ``t`` sorts hottest first."""
        super().__init__(*args, **kwargs)
        self.hottest_first = False
        self._narrow = True

    def on_resize(self) -> None:
        """Redraw bars and trends at the width that now fits."""
        if self._narrow != self._is_narrow():
            self.refresh_view()

    def _is_narrow(self) -> bool:
        return (self.size.width or 80) < 110

    def refresh_view(self) -> None:
        """Render the latest sensors reading, bars and trends as wide as the pane allows."""
        self._narrow = self._is_narrow()
        super().refresh_view()

    def items(self, view: SensorsReading) -> dict[str, Sensor]:
        """Every sensor, in the collector's (chip) order."""
        return {s.id: s for s in view.sensors}

    def summary(self, view: SensorsReading, items: Mapping[str, Sensor]) -> Text:
        """Counts, the hottest sensor, unreadable ones, the order."""
        line = Text(f"{sum(1 for s in view.sensors if s.kind == 'temp' and not s.gone)} temperatures, "
                    f"{sum(1 for s in view.sensors if s.kind == 'fan' and not s.gone)} fans")
        temps = [s for s in view.sensors if s.kind == "temp" and s.celsius is not None]
        hot = max(temps, key=lambda s: s.celsius or 0.0, default=None)
        if hot is not None:
            line.append("  hottest ")
            line.append_text(literal(f"{hot.label} {hot.celsius:.0f} °C", level_style(severity(hot), OK_STYLE)))
        gone = sum(1 for s in view.sensors if s.gone)
        if gone:
            line.append(f"  {gone} gone", style="bold yellow")
        bad = [s for s in view.sensors if s.status != "ok" and not s.gone]
        if bad:
            line.append(f"  {len(bad)} not readable", style="yellow")
        line.append(f"  order: {'hottest first' if self.hottest_first else 'by chip'} (t)", style="dim")
        return line

    def marked(self) -> tuple[str | None, bool]:
        """Hottest first marks the NOW column; chip order marks none."""
        return ("now", True) if self.hottest_first else (None, False)

    def sort_key(self, items: Mapping[str, Sensor]) -> Callable[[str], Any]:
        """Chip order, or hottest first (ties in chip order)."""
        order = {key: n for n, key in enumerate(items)}
        if self.hottest_first:
            return lambda k: (-(items[k].celsius or -1000.0), order[k])
        return order.__getitem__

    def cells(self, s: Sensor, stale: bool) -> tuple[Any, ...]:
        """Chip, label, reading, limits, level bar, trend, notes (all dim while stale)."""
        return self._cells(s, 5 if self._narrow else 20, stale)

    def _cells(self, s: Sensor, width: int, stale: bool) -> tuple[Any, ...]:
        chip = s.device if s.chip in _DEVICE_NAMED and s.device else s.chip
        sev = severity(s)
        dim = "dim" if stale else ""
        if s.gone:  # vanished: say so where the value was; the note has its last one
            now = Text("gone", style=dim or "bold yellow")
            high, crit = Text(""), Text("")
            bar, trend_values = Text(" " * width), self.store.history(f"sensors.{s.id}")
        elif s.kind == "fan":
            now = Text(NA if s.rpm is None else f"{s.rpm:.0f}rpm", style=dim or level_style(sev, OK_STYLE))
            high = Text("")
            crit = Text("")
            bar, trend_values = Text(" " * width), self.store.history(f"sensors.{s.id}")
        else:
            now = Text(NA if s.celsius is None else f"{s.celsius:.1f}°C", style=dim or level_style(sev, OK_STYLE))
            limits = "italic" if s.thresholds_from == "config" else ""
            high, crit = Text(_deg(s.high_celsius), style=limits), Text(_deg(s.critical_celsius), style=limits)
            # A table cell is drawn in one style: the bar takes the severity colour; the
            # high and critical marks still show as "|".
            bar = Text(threshold_bar(s, width).plain, style=level_style(sev, OK_STYLE).replace("bold ", ""))
            trend_values = self.store.history(f"sensors.{s.id}")
        return (literal(chip, cap=NAME_CAP), literal(s.label, cap=NAME_CAP), now, high, crit, bar,
                Text(_trend(trend_values, width), style="cyan"), self._note(s))

    @staticmethod
    def _note(s: Sensor) -> Text:
        """The sensor's remarks, in the colour of the most serious one (a cell has one style)."""
        if s.status != "ok":
            # Gone: the NOW column says so; the note keeps the last value and its age.
            text = "vanished (files gone)" if s.gone else f"{s.status}: {s.reason or ''}"
            last = s.last_celsius if s.kind == "temp" else s.last_rpm
            if last is not None and s.last_seen_timestamp is not None:
                unit = " °C" if s.kind == "temp" else "rpm"
                text += f"; last {last:.1f}{unit} {age(s.last_seen_timestamp)} ago"
            return literal(text, "yellow", cap=TEXT_CAP)
        words = []
        if s.alarm:
            words.append("ALARM")
        if s.kind == "fan" and s.min_rpm is not None:
            words.append(f"min {s.min_rpm:.0f}rpm")
        if s.throttle_count_total:
            words.append(f"throttled {s.throttle_count_total}x")
        elif s.throttle_count_total == 0:
            words.append("no throttling")
        if s.thresholds_from == "config":
            words.append("limits from config")
        style = "bold red" if s.alarm else "yellow" if s.throttle_count_total else "dim"
        return Text(" ".join(words), style=style, no_wrap=True)

    def action_sort_hottest(self) -> None:
        """Toggle hottest-first order."""
        self.hottest_first = not self.hottest_first
        self.refresh_view()


def _trend(values: Sequence[float | None], width: int) -> str:
    """Draw the variation (min..max) as a sparkline, so 55→60 °C is visible, not a flat top row."""
    known = [v for v in values if v is not None]
    if not known:
        return " " * width
    # At least 5 units of span: a steady 60 °C is a low line, not a wall of full cells.
    low = min(known) - 1.0
    return sparkline([None if v is None else v - low for v in values], width, top=max(max(known) - low, 5.0))
