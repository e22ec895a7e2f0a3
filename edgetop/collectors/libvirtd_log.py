"""libvirtd's log on the Events pane: its error lines of the last hour, tailed, bounded.

libvirtd writes ``2020-01-24 14:42:15.219+0000: 5688: error : virNetSocketReadWire:1806 :
End of file while reading data: Input/output error`` (time with its UTC offset, thread,
level, function:line, message; libvirt's docs/logging.html). Where it writes is its
``log_outputs`` setting in ``/etc/libvirt/libvirtd.conf`` (``"1:file:/var/log/libvirt/libvirtd.log"``;
the first ``file:`` output is followed), else ``/var/log/libvirt/libvirtd.log``. Both are
looked up under the context's ``host_root``. Only ``error`` lines become events: the ones
a technician is sent to this log for ("monitor socket did not show up", "Failed to connect
socket", "Cannot access storage file") are errors.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import msgspec

from edgetop.collectors.kmsg import MAX_EVENTS, EventsView, events_metrics, severe_alerts, to_json
from edgetop.config_schema import Config
from edgetop.errors import SourceUnavailable
from edgetop.model.alerts import Alert
from edgetop.model.events import WINDOW_SECONDS, Event, cap_text
from edgetop.model.spec import Collect, CollectorSpec, Context, Metric
from edgetop.sources.files import FileRefused, read_small_file
from edgetop.sources.tail import FileTail

CONF = "etc/libvirt/libvirtd.conf"
DEFAULT_LOG = "/var/log/libvirt/libvirtd.log"
_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d{4}): (\d+): (\w+) : (?:([\w.]+):\d+ : )?(.*)$")
_OUTPUTS = re.compile(r'^\s*log_outputs\s*=\s*"([^"]*)"', re.MULTILINE)
# The errors that stop guests: alerted on, as the kernel's severe events are.
_CRITICAL = re.compile(r"monitor socket did not show up|failed to connect to the hypervisor|Failed to connect socket"
                       r"|Cannot access storage file|No space left on device|internal error", re.IGNORECASE)


def log_path(conf_text: str | None) -> str:
    """The file libvirtd logs to, from ``libvirtd.conf``'s text (None: no config file)."""
    if conf_text:
        for match in _OUTPUTS.finditer(conf_text):
            for output in match.group(1).split():
                # "level:file:path" (libvirt's logging.html); the path may hold no spaces.
                parts = output.split(":", 2)
                if len(parts) == 3 and parts[1] == "file" and parts[2].startswith("/"):
                    return parts[2]
    return DEFAULT_LOG


def _stamp(match: re.Match[str]) -> float | None:
    stamp, offset = match.group(1), match.group(2)
    try:
        return datetime.strptime(f"{stamp}{offset}", "%Y-%m-%d %H:%M:%S.%f%z" if "." in stamp
                                 else "%Y-%m-%d %H:%M:%S%z").timestamp()
    except ValueError:
        return None


def line_time(line: str) -> float | None:
    """The Unix time a log line was written, whatever its level; None when not in the format."""
    match = _LINE.match(line.strip())
    return None if match is None else _stamp(match)


def parse_line(line: str) -> Event | None:
    """An event from one log line at level ``error``; None for other levels and lines not in the format."""
    match = _LINE.match(line.strip())
    if match is None or match.group(4) != "error":
        return None
    when = _stamp(match)
    if when is None:
        return None
    function, message = match.group(5), match.group(6)
    severity = "critical" if _CRITICAL.search(message) else "warning"
    subject = cap_text(function or "libvirtd", 60)
    text = message if message.isprintable() else "".join(c if c.isprintable() else "?" for c in message)
    return Event(when, "libvirtd", "libvirtd.log", subject, cap_text(text), severity)


class LibvirtdLog:
    """The collect callable: tails the log and keeps the error events of the last hour."""

    def __init__(self, host_root: Path, wall: Callable[[], float] = time.time, *, replay: bool = False) -> None:
        """Follow libvirtd's log under ``host_root`` (its path from ``libvirtd.conf``).

        ``replay``: the log is a recording standing in for the host's (``--demo``): it is
        shifted so that its last line was written at the first read, as the kernel's is.
        """
        conf = host_root / CONF
        try:
            conf_text: str | None = read_small_file(conf, 256 * 1024)
        except (FileNotFoundError, FileRefused):
            conf_text = None
        self.path = host_root / log_path(conf_text).lstrip("/")
        self.tail = FileTail(self.path)
        self.wall = wall
        self.window: deque[Event] = deque(maxlen=MAX_EVENTS)
        self.lines_read = 0
        self.replay = replay
        self._shift: float | None = None if replay else 0.0

    def __call__(self) -> EventsView:
        """Read the lines appended since the last call."""
        try:
            lines = self.tail.read_new()
        except SourceUnavailable as err:
            if not self.path.exists() and not self.path.is_symlink():
                # Debian's libvirtd logs to the journal unless log_outputs names a file.
                raise SourceUnavailable(f"{err}: libvirtd writes no log file here (set log_outputs="
                                        f'"3:file:{DEFAULT_LOG}" in libvirtd.conf to see its errors)') from None
            raise
        now = self.wall()
        self.lines_read += len(lines)
        events = [e for e in map(parse_line, lines) if e is not None]
        if self._shift is None:  # a recording: its last line was written now
            last = next((t for t in map(line_time, reversed(lines)) if t is not None), None)
            self._shift = now - last if last is not None else 0.0
        for event in events:
            self.window.append(msgspec.structs.replace(event, time=event.time + self._shift) if self._shift else event)
        horizon = now - WINDOW_SECONDS
        while self.window and self.window[0].time < horizon:
            self.window.popleft()
        note = (f"{self.tail.skipped_bytes} bytes skipped (written faster than read)"
                if self.tail.skipped_bytes else None)
        return EventsView(tuple(self.window), now, str(self.path),
                          self.lines_read, 0, note)


def alerts(view: EventsView, config: Config) -> list[Alert]:
    """Errors of libvirtd that stop guests, in the last 15 minutes."""
    return [a for a in severe_alerts(view, "libvirtd.log", ("libvirtd",)) if a.severity == "critical"]


def metrics(view: EventsView) -> list[Metric]:
    """Events of the last hour per kind (only ``libvirtd`` is ever non-zero here)."""
    return events_metrics(view, "libvirtd.log", ("libvirtd",))


def _build(ctx: Context) -> Collect:
    return LibvirtdLog(ctx.host_root, replay=ctx.stand_in is not None)


def specs(ctx: Context) -> list[CollectorSpec]:
    """The libvirtd log collector: every 5 s at most."""
    return [CollectorSpec(
        name="events:libvirtd", lane="local", json_key="events", pane="events", build=_build,
        interval=max(5.0, ctx.config.interval), to_json=to_json, empty_json=list, alerts=alerts, metrics=metrics,
    )]
