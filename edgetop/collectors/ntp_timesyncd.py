"""systemd-timesyncd: ``timedatectl show`` (NTPSynchronized) and ``timedatectl timesync-status``.

The row exists only while timesyncd answers ``timesync-status``: ``NTPSynchronized`` alone
is the kernel's STA_UNSYNC as timedated reads it, whichever daemon set it.

``show-timesync`` prints the last NTP packet's timestamps only to the second, so the
offset comes from ``timesync-status``, which timesyncd computes as RFC 4330's θ
(server minus this host) and prints with a sign in systemd's timespan units (``-1.072ms``,
``206us``, ``1min 4s``); the row negates it to "this clock minus the server".
"""

from __future__ import annotations

import re

import msgspec

from edgetop.collectors.ntp_types import CLOCK, LEAP_DELETE, LEAP_INSERT, LEAP_NORMAL, LEAP_UNSYNC, TimeReport, TimeRow
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.sources.process import HOST_COMMANDS, CommandRunner, first_line

# systemd's format_timespan units (src/basic/time-util.c), longest names first.
_UNITS = (("month", 2_629_800.0), ("min", 60.0), ("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("ns", 1e-9),
          ("y", 31_557_600.0), ("w", 604_800.0), ("d", 86_400.0), ("h", 3_600.0), ("s", 1.0))
_PART = re.compile(r"(\d+(?:\.\d+)?)(month|min|ms|us|µs|ns|y|w|d|h|s)")
_LEAP = {"normal": LEAP_NORMAL, "leap-second-insert": LEAP_INSERT, "insert": LEAP_INSERT,
         "leap-second-delete": LEAP_DELETE, "delete": LEAP_DELETE, "not-synchronized": LEAP_UNSYNC,
         "unknown": LEAP_UNSYNC}


class TimesyncStatus(msgspec.Struct, frozen=True):
    """What timesyncd says about its current server and the clock."""

    server: str | None
    leap: str | None
    stratum: int | None
    offset_seconds: float | None
    delay_seconds: float | None
    jitter_seconds: float | None
    root_distance_seconds: float | None
    packet_count: int | None


def parse_timespan(text: str) -> float:
    """Parse a systemd timespan (``1min 4s``, ``-1.072ms``, ``0``) into seconds.

    Raises:
        ParseError: not a timespan.

    """
    s = text.strip()
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-").strip()
    if s in ("0", ""):
        if not s:
            raise ParseError("empty timespan")
        return 0.0
    total, pos = 0.0, 0
    for m in _PART.finditer(s):
        if s[pos:m.start()].strip():
            raise ParseError(f"bad timespan {text[:40]!r}")
        total += float(m.group(1)) * dict(_UNITS)[m.group(2)]
        pos = m.end()
    if pos == 0 or s[pos:].strip():
        raise ParseError(f"bad timespan {text[:40]!r}")
    return sign * total


def parse_show(text: str) -> dict[str, str]:
    """Parse ``timedatectl show`` (``Key=value`` lines)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.isidentifier():
            out[key] = value
    return out


def parse_timesync_status(text: str) -> TimesyncStatus:
    """Parse ``timedatectl timesync-status`` (systemd 239 and later).

    Raises:
        ParseError: no ``Server:`` line, or a value is garbled.

    """
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            values.setdefault(key.strip(), value.strip())
    if "Server" not in values:
        raise ParseError("timesync-status: no Server line")
    server = values["Server"].split(" ", 1)[0]

    def span(key: str) -> float | None:
        raw = values.get(key)
        return None if raw is None else parse_timespan(raw.split("(", 1)[0])

    leap_raw = values.get("Leap")
    leap = None if leap_raw is None else _LEAP.get(leap_raw.lower())
    if leap_raw is not None and leap is None:
        raise ParseError(f"timesync-status: unknown leap {leap_raw[:30]!r}")
    try:
        stratum = int(values["Stratum"]) if "Stratum" in values else None
        packets = int(values["Packet count"]) if "Packet count" in values else None
    except ValueError as err:
        raise ParseError(f"timesync-status: {err}") from err
    offset = span("Offset")
    return TimesyncStatus(
        server=None if server in ("n/a", "") else server, leap=leap, stratum=stratum,
        offset_seconds=None if offset is None else 0.0 - offset, delay_seconds=span("Delay"),
        jitter_seconds=span("Jitter"), root_distance_seconds=span("Root distance"), packet_count=packets,
    )


def row_from_timesyncd(show: dict[str, str], status: TimesyncStatus | None) -> TimeRow:
    """Build the timesyncd clock row."""
    synced = show.get("NTPSynchronized") == "yes"
    if show.get("NTP") == "no":
        state = "NTP disabled (timedatectl set-ntp false)"
    elif status is None or status.server is None:
        state = "no server contacted yet"
    else:
        state = "synchronised" if synced else "not synchronised"
    return TimeRow(
        kind="timesyncd", key="timesyncd", role=CLOCK, meaning="timesyncd: system clock vs its server",
        offset_seconds=None if status is None else status.offset_seconds,
        error_seconds=None if status is None else status.root_distance_seconds,
        synchronized=synced, stratum=None if status is None else status.stratum,
        reference=None if status is None else status.server, leap=None if status is None else status.leap,
        state=state, delay_seconds=None if status is None else status.delay_seconds,
        details=() if status is None else (("jitter_seconds", status.jitter_seconds),
                                           ("packet_count", status.packet_count)),
    )


def collect_timesyncd(timeout: float, run: CommandRunner = HOST_COMMANDS) -> TimeReport:
    """Ask systemd-timedated/timesyncd through timedatectl.

    Raises:
        SourceUnavailable: timedatectl is absent or cannot reach systemd (no system bus).

    """
    show = run(["timedatectl", "show"], timeout)
    if show.returncode != 0:
        why = first_line(show.stderr) or f"timedatectl exited with {show.returncode}"
        raise SourceUnavailable(f"timedatectl cannot reach systemd: {why}")
    values = parse_show(show.stdout)
    status = run(["timedatectl", "timesync-status"], timeout)
    if status.returncode != 0:
        # timedated's NTPSynchronized is the kernel's flag, set by whichever daemon runs
        # (chronyd too): without timesyncd answering it says nothing about timesyncd.
        why = first_line(status.stderr) or f"timedatectl exited with {status.returncode}"
        raise SourceUnavailable(f"systemd-timesyncd not running ({why})")
    return TimeReport("timesyncd", (row_from_timesyncd(values, parse_timesync_status(status.stdout)),))
