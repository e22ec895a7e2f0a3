"""The two-line header: who and how the node is, alerts, sources, mode badges, clock."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from rich.text import Text

from edgetop.collectors.host import HostInfo
from edgetop.collectors.self_cost import SelfView
from edgetop.engine.store import Store
from edgetop.model.alerts import Severity
from edgetop.model.reading import Status
from edgetop.ui.fmt import cpu_list, duration, literal, size
from edgetop.ui.widgets.text_lines import TextLines

# Every CPU of this machine: a process allowed on all of them is not pinned, and says nothing.
HOST_CPUS = frozenset(range(os.cpu_count() or 0))
# edgetop's own CPU is shown as its share of one CPU over the last minute. One interval's
# share moves in steps of a clock tick (10 ms: 1 % of a 1 s interval), so a cost of ~1 %
# read 0.0 % one second and 2.0 % the next (utime and stime count whole ticks, proc(5)).
SELF_CPU_WINDOW_SECONDS = 60.0


class HeaderBar(TextLines):
    """Hostname, kernel, uptime, load, clock; alert count, READ-ONLY/FROZEN badges, sources.

    Lines, not a ``Static``: ``Static.update`` asks for a new layout of the whole screen,
    and the clock changes the first line every second; here only the changed line repaints.
    """

    DEFAULT_CSS = """
    HeaderBar { height: 2; background: $panel; color: $foreground; }
    """

    def __init__(self, store: Store, read_only: bool, kiosk: bool) -> None:
        """Create the header over ``store``."""
        super().__init__(id="header")
        self.store = store
        self.read_only = read_only
        self.kiosk = kiosk
        self.frozen = False
        # The wall clock; tests pin it so screenshots are reproducible.
        self.clock: Callable[[], float] = time.time

    def on_mount(self) -> None:
        """Draw at once; the app's tick redraws it every second after that."""
        self.redraw()

    @staticmethod
    def _cost(me: SelfView | None) -> Text:
        """``self 1.4% 58M @0``: edgetop's own CPU (share of one CPU, the last minute's), memory and pinning."""
        if me is None:
            return Text()
        cpu = "?" if me.cpu_ratio is None else f"{100 * me.cpu_ratio:.1f}%"
        rss = size(me.raw.rss_bytes)
        out = Text(f"  self {cpu} {rss}", style="dim")
        if me.raw.cpus is not None and me.raw.cpus != HOST_CPUS:
            out.append(f" @{cpu_list(me.raw.cpus)}")
        return out

    @staticmethod
    def _identity(host: HostInfo | None, detail: int, me: SelfView | None = None) -> Text:
        """``edgetop host kernel up … load … self …``, dropping detail as ``detail`` goes 3 → 0.

        3 is everything; 2 drops the kernel; 1 also edgetop's own cost; 0 also the 5/15-minute loads.
        """
        line = Text(no_wrap=True)
        line.append(" edgetop ", style="bold reverse")
        line.append(" ")
        if host is None:
            return line
        line.append_text(literal(host.hostname or "?", "bold"))
        if detail >= 3:
            line.append(f"  {host.kernel or '?'}")
        line.append(f"  up {duration(host.uptime_seconds)}")
        if host.load1 is not None:
            line.append(f"  load {host.load1:.2f}")
            if detail >= 1:
                line.append(f" {host.load5:.2f} {host.load15:.2f}")
        if detail >= 2:
            line.append_text(HeaderBar._cost(me))
        return line

    def _self_cpu_ratio(self) -> float | None:
        """The mean share of one CPU edgetop used over the last minute; None before a first rate."""
        count = max(1, round(SELF_CPU_WINDOW_SECONDS / self.store.config.interval))
        shares = [v for v in self.store.history("self.cpu_ratio")[-count:] if v is not None]
        return sum(shares) / len(shares) if shares else None

    def redraw(self) -> None:
        """Re-render both lines from the store."""
        width = max(20, self.size.width or 80)
        sample = self.store.get("host")
        host: HostInfo | None = sample.last_view if sample else None
        mine = self.store.get("self")
        me: SelfView | None = mine.view if mine is not None and mine.reading.ok else None
        if me is not None:
            me = SelfView(me.raw, self._self_cpu_ratio())
        now = time.localtime(self.clock())
        clock = time.strftime("%Y-%m-%d %H:%M:%S", now) if width >= 100 else time.strftime("%H:%M:%S", now)
        line1 = Text(no_wrap=True, overflow="ellipsis")
        # Drop detail until it fits beside the clock: kernel first, then edgetop's own cost,
        # then the 5/15-minute loads.
        for detail in (3, 2, 1, 0):
            line1 = self._identity(host, detail, me)
            if line1.cell_len + len(clock) + 2 <= width:
                break
        line1.truncate(max(0, width - len(clock) - 2))
        line1.append(" " * max(1, width - line1.cell_len - len(clock) - 1))
        line1.append(clock + " ", style="bold")

        line2 = Text(no_wrap=True, overflow="ellipsis")
        alerts = self.store.alerts()
        crit = sum(1 for a in alerts if a.severity is Severity.CRITICAL)
        if alerts:
            style = "bold white on red" if crit else "bold black on yellow"
            line2.append(f" {len(alerts)} ALERT{'S' if len(alerts) != 1 else ''} ", style=style)
            first = alerts[0]
            line2.append(" ")
            line2.append_text(literal(f"{first.source}/{first.subject}: {first.message}",
                                      "red" if first.severity is Severity.CRITICAL else "yellow"))
        else:
            line2.append(" no alerts ", style="bold black on green")
        counts = self.store.status_counts()
        badges = Text(no_wrap=True)
        if self.kiosk:
            badges.append(" KIOSK ", style="bold reverse")
            badges.append(" ")
        if self.read_only:
            badges.append(" READ-ONLY ", style="bold white on blue")
            badges.append(" ")
        if self.frozen:
            badges.append(" FROZEN ", style="bold black on cyan")
            badges.append(" ")
        badges.append(f"src {counts[Status.OK]} ok", style="green")
        # Alternatives this node does not use (five NTP tools beside chrony) are not problems.
        unused = len(self.store.not_used())
        if counts[Status.UNAVAILABLE] - unused:
            badges.append(f" {counts[Status.UNAVAILABLE] - unused} unav", style="yellow")
        if unused:
            badges.append(f" {unused} not used", style="dim")
        if counts[Status.FAILED]:
            badges.append(f" {counts[Status.FAILED]} fail", style="bold red")
        badges.append(" ")
        room = width - badges.cell_len
        line2.truncate(max(0, room - 1), overflow="ellipsis")
        line2.append(" " * max(1, room - line2.cell_len))
        line2.append_text(badges)
        self.update(Text("\n").join([line1, line2]))
