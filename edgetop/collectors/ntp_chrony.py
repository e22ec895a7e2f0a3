"""chrony: ``chronyc -c -m tracking sources sourcestats`` → one clock row plus one row per server.

The CSV field order is chronyc's (chronyc(1), unchanged from 3.x to 4.x):

* tracking (14): refid hex, reference name/address, stratum, ref time, system time
  correction, last offset, RMS offset, frequency ppm, residual freq ppm, skew ppm, root
  delay, root dispersion, update interval, leap status;
* sources (10): mode (``^`` server, ``=`` peer, ``#`` refclock), state (``*`` selected,
  ``+`` combined, ``-`` not combined, ``?`` unreachable, ``x`` falseticker, ``~`` too
  variable), name, stratum, log2 poll, reach (octal), last rx seconds, adjusted offset,
  measured offset, error;
* sourcestats (8): name, samples, runs, span, frequency, freq skew, offset, std dev.

With ``-m`` the three outputs follow each other; lines are told apart by their field
count. Error lines (``501 Not authorised``, ``506 Cannot talk to daemon``) are kept.
"""

from __future__ import annotations

import math
import re

import msgspec

from edgetop.collectors.ntp_types import (
    CLOCK,
    LEAP_DELETE,
    LEAP_INSERT,
    LEAP_NORMAL,
    LEAP_UNSYNC,
    PEER,
    TimeReport,
    TimeRow,
)
from edgetop.config_schema import ChronyConfig
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.sources import chronyc
from edgetop.sources.process import HOST_COMMANDS, CommandRunner

_LEAP = {"Normal": LEAP_NORMAL, "Insert second": LEAP_INSERT, "Delete second": LEAP_DELETE,
         "Not synchronised": LEAP_UNSYNC}
_STATE = {"*": "selected", "+": "combined", "-": "not combined", "?": "unreachable",
          "x": "falseticker", "~": "too variable"}
_MODE = {"^": "server", "=": "peer", "#": "refclock"}
# chrony's refid for its own "local" reference (127.127.1.1): the node is free-running.
LOCAL_REFID = "7F7F0101"
_ERROR_LINE = re.compile(r"^5\d\d\s")


class ChronyTracking(msgspec.Struct, frozen=True):
    """``chronyc -c tracking``. Offsets are this clock minus true time (positive: ahead)."""

    refid: str
    reference: str
    stratum: int
    ref_time_seconds: float
    system_offset_seconds: float
    last_offset_seconds: float
    rms_offset_seconds: float
    frequency_ppm: float
    residual_frequency_ppm: float
    skew_ppm: float
    root_delay_seconds: float
    root_dispersion_seconds: float
    update_interval_seconds: float
    leap: str


class ChronySource(msgspec.Struct, frozen=True):
    """One line of ``chronyc -c sources`` (joined with its ``sourcestats`` line)."""

    mode: str
    state: str
    name: str
    stratum: int
    poll_log2: int
    reach: int
    last_rx_seconds: float | None
    offset_seconds: float
    measured_offset_seconds: float
    error_seconds: float
    std_dev_seconds: float | None = None


class ChronyOutput(msgspec.Struct, frozen=True):
    """Everything one chronyc run printed."""

    tracking: ChronyTracking | None
    sources: tuple[ChronySource, ...]
    errors: tuple[str, ...]


def _float(value: str, what: str) -> float:
    try:
        out = float(value)
    except ValueError as err:
        raise ParseError(f"chronyc: {what} is not a number: {value[:40]!r}") from err
    if not math.isfinite(out):
        raise ParseError(f"chronyc: {what} is not finite: {value[:40]!r}")
    return out


def _int(value: str, what: str, base: int = 10) -> int:
    try:
        return int(value, base)
    except ValueError as err:
        raise ParseError(f"chronyc: {what} is not an integer: {value[:40]!r}") from err


def _tracking(f: list[str]) -> ChronyTracking:
    refid = f[0].upper()
    if not re.fullmatch(r"[0-9A-F]{1,8}", refid):
        raise ParseError(f"chronyc tracking: bad reference id {f[0][:20]!r}")
    leap = _LEAP.get(f[13])
    if leap is None:
        raise ParseError(f"chronyc tracking: unknown leap status {f[13][:40]!r}")
    return ChronyTracking(
        refid=refid,
        reference=f[1],
        stratum=_int(f[2], "stratum"),
        ref_time_seconds=_float(f[3], "ref time"),
        # chronyc -c prints the correction still to apply: negative when the clock is
        # fast ("System time : … seconds fast of NTP time"), so negate it.
        system_offset_seconds=0.0 - _float(f[4], "system time"),
        last_offset_seconds=_float(f[5], "last offset"),
        rms_offset_seconds=_float(f[6], "RMS offset"),
        frequency_ppm=_float(f[7], "frequency"),
        residual_frequency_ppm=_float(f[8], "residual frequency"),
        skew_ppm=_float(f[9], "skew"),
        root_delay_seconds=_float(f[10], "root delay"),
        root_dispersion_seconds=_float(f[11], "root dispersion"),
        update_interval_seconds=_float(f[12], "update interval"),
        leap=leap,
    )


def _source(f: list[str]) -> ChronySource:
    mode, state = _MODE.get(f[0]), _STATE.get(f[1])
    if mode is None or state is None:
        raise ParseError(f"chronyc sources: unknown mode/state {f[0][:3]!r}/{f[1][:3]!r}")
    if not f[2]:
        raise ParseError("chronyc sources: empty source name")
    reach = _int(f[5], "reach", 8)
    if not 0 <= reach <= 0o377:
        raise ParseError(f"chronyc sources: reach out of range: {f[5][:10]!r}")
    last_rx = _float(f[6], "last rx")
    return ChronySource(
        mode=mode, state=state, name=f[2], stratum=_int(f[3], "stratum"), poll_log2=_int(f[4], "poll"),
        reach=reach,
        # chrony prints 4294967295 (2^32-1) for "never received".
        last_rx_seconds=None if last_rx >= 2**32 - 1 else last_rx,
        offset_seconds=_float(f[7], "offset"), measured_offset_seconds=_float(f[8], "measured offset"),
        error_seconds=_float(f[9], "error"),
    )


def parse_chronyc(text: str) -> ChronyOutput:
    """Parse the CSV of ``chronyc -c -m tracking sources sourcestats``.

    Raises:
        ParseError: a line has a known field count but bad values, or an unknown count.

    """
    tracking: ChronyTracking | None = None
    sources: list[ChronySource] = []
    stddev: dict[str, float] = {}
    errors: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _ERROR_LINE.match(line):
            errors.append(line[:200])
            continue
        fields = line.split(",")
        if len(fields) == 14:
            if tracking is not None:
                raise ParseError("chronyc: two tracking lines")
            tracking = _tracking(fields)
        elif len(fields) == 10:
            sources.append(_source(fields))
        elif len(fields) == 8:
            stddev[fields[0]] = _float(fields[7], "std dev")
        else:
            raise ParseError(f"chronyc: unexpected line with {len(fields)} fields: {line[:60]!r}")
    joined = tuple(
        msgspec.structs.replace(s, std_dev_seconds=stddev.get(s.name)) for s in sources
    )
    return ChronyOutput(tracking, joined, tuple(errors))


def synchronized(t: ChronyTracking) -> bool:
    """Tell whether chronyd follows an outside reference: leap status known and not its own local clock."""
    return t.leap != LEAP_UNSYNC and t.refid not in (LOCAL_REFID, "00000000") and t.stratum > 0


def rows_from_chrony(out: ChronyOutput) -> TimeReport:
    """Turn parsed output into rows: the system clock first, then each server."""
    t = out.tracking
    if t is None:
        raise ParseError("chronyc printed no tracking line")
    if t.refid == LOCAL_REFID:
        reference, state = "local clock (local stratum)", "free-running"
    elif t.refid == "00000000":
        reference, state = None, "no reference"
    else:
        reference, state = t.reference or t.refid, "synchronised" if synchronized(t) else "not synchronised"
    if out.errors:  # e.g. tracking answered but a later command got "501 Not authorised"
        state = f"{state}; chronyd said {out.errors[0]}"
    rows = [TimeRow(
        kind="chrony", key="chrony", role=CLOCK, meaning="chrony: system clock vs reference",
        # Free-running on "local stratum" there is no reference to be off from.
        offset_seconds=t.system_offset_seconds if t.stratum > 0 and t.refid != LOCAL_REFID else None,
        # chrony's own bound on the clock error: root dispersion + half the root delay.
        error_seconds=t.root_dispersion_seconds + t.root_delay_seconds / 2,
        synchronized=synchronized(t), stratum=t.stratum if t.stratum > 0 else None,
        reference=reference, leap=t.leap, state=state, delay_seconds=t.root_delay_seconds,
        details=(("last_offset_seconds", t.last_offset_seconds), ("rms_offset_seconds", t.rms_offset_seconds),
                 ("frequency_ppm", t.frequency_ppm), ("residual_frequency_ppm", t.residual_frequency_ppm),
                 ("skew_ppm", t.skew_ppm), ("root_dispersion_seconds", t.root_dispersion_seconds),
                 ("update_interval_seconds", t.update_interval_seconds), ("ref_time_unix", t.ref_time_seconds)),
    )]
    for s in out.sources:
        rows.append(TimeRow(
            kind="chrony", key=f"chrony/{s.name}", role=PEER,
            meaning=f"chrony: system clock vs {s.mode} {s.name}",
            offset_seconds=s.offset_seconds if s.reach else None,
            error_seconds=s.error_seconds if s.reach else None,
            stratum=s.stratum if s.stratum > 0 else None, reference=s.name,
            reachable=s.reach != 0 and s.state != "unreachable", state=s.state, reach=s.reach,
            details=(("poll_seconds", 2.0 ** s.poll_log2), ("last_rx_seconds", s.last_rx_seconds),
                     ("measured_offset_seconds", s.measured_offset_seconds if s.reach else None),
                     ("std_dev_seconds", s.std_dev_seconds)),
        ))
    return TimeReport("chrony", tuple(rows))


def collect_chrony(cfg: ChronyConfig, timeout: float, run: CommandRunner = HOST_COMMANDS) -> TimeReport:
    """Ask chronyd (through chronyc) and report its rows.

    Raises:
        SourceUnavailable: chronyc is absent, chronyd does not answer or refuses us.

    """
    return report_from_text(chronyc.query(cfg, timeout, run=run), chronyc.where(cfg))


def report_from_text(text: str, where: str) -> TimeReport:
    """Parse chronyc output, turning daemon refusals into an unavailable source."""
    out = parse_chronyc(text)
    if out.tracking is None:
        why = out.errors[0] if out.errors else "no tracking data"
        raise SourceUnavailable(f"chronyd at {where}: {why}")
    return rows_from_chrony(out)
