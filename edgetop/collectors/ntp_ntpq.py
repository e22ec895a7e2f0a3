"""ntpd / ntpsec: ``ntpq -c rv`` (system variables) and ``ntpq -pn`` (peers).

ntpq's offsets are in milliseconds and are the *peer's* (or the combined server's)
offset relative to this host (ntpq(1): "offset of server relative to this host"), so
positive means this clock is behind; rows negate them to edgetop's "this clock minus
reference". The system status word's top two bits are the leap indicator; 11 means the
daemon is not synchronised (RFC 5905 figure 9).
"""

from __future__ import annotations

import re

import msgspec

from edgetop.collectors.ntp_types import CLOCK, LEAP_BY_CODE, PEER, TimeReport, TimeRow
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.sources.process import HOST_COMMANDS, CommandRunner, first_line

_PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s]*)')
# ntpq -p tally codes (ntpq(1) "Peers").
TALLY = {" ": "rejected", "x": "falseticker", ".": "excess", "-": "outlier", "+": "candidate",
         "#": "backup", "*": "selected", "o": "selected (PPS)"}
_TIMESPAN = re.compile(r"^(\d+)([mhd]?)$")


class NtpSystem(msgspec.Struct, frozen=True):
    """``ntpq -c rv``: the daemon's view of the system clock."""

    leap: str
    stratum: int | None
    refid: str | None
    offset_seconds: float | None
    root_delay_seconds: float | None
    root_dispersion_seconds: float | None
    version: str | None


class NtpPeer(msgspec.Struct, frozen=True):
    """One ``ntpq -pn`` line."""

    tally: str
    remote: str
    refid: str
    stratum: int
    kind: str
    poll_seconds: int
    reach: int
    delay_seconds: float
    offset_seconds: float
    jitter_seconds: float


def _num(values: dict[str, str], key: str) -> float | None:
    raw = values.get(key)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError as err:
        raise ParseError(f"ntpq rv: {key} is not a number: {raw[:30]!r}") from err


def parse_ntpq_rv(text: str) -> NtpSystem:
    """Parse ``ntpq -c rv`` (ntp 4.2.8 and ntpsec print the same names).

    Raises:
        ParseError: no ``leap`` nor ``status`` variable, or a number is garbled.

    """
    values: dict[str, str] = {}
    for m in _PAIR.finditer(text):
        values.setdefault(m.group(1), m.group(2).strip('"'))
    leap_bits = values.get("leap")
    if leap_bits is None and "status" in values:
        try:
            leap_bits = format(int(values["status"], 16) >> 14, "02b")
        except ValueError as err:
            raise ParseError(f"ntpq rv: bad status word {values['status'][:10]!r}") from err
    if leap_bits not in ("00", "01", "10", "11", "0", "1", "2", "3"):
        raise ParseError("ntpq rv: no leap indicator (is this ntpq -c rv output?)")
    leap = LEAP_BY_CODE[int(leap_bits, 2) if len(leap_bits) == 2 else int(leap_bits)]
    stratum = _num(values, "stratum")
    offset_ms = _num(values, "offset")
    delay_ms, disp_ms = _num(values, "rootdelay"), _num(values, "rootdisp")
    return NtpSystem(
        leap=leap, stratum=int(stratum) if stratum is not None else None, refid=values.get("refid") or None,
        offset_seconds=None if offset_ms is None else 0.0 - offset_ms / 1000,
        root_delay_seconds=None if delay_ms is None else delay_ms / 1000,
        root_dispersion_seconds=None if disp_ms is None else disp_ms / 1000, version=values.get("version"),
    )


def _seconds(token: str) -> int:
    """Read an ntpq interval, abbreviated when long: ``1h``, ``2d``, ``5m`` (ntpsec), plain seconds otherwise."""
    m = _TIMESPAN.match(token)
    if not m:
        raise ParseError(f"ntpq -p: bad interval {token[:12]!r}")
    return int(m.group(1)) * {"": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def parse_ntpq_peers(text: str) -> tuple[NtpPeer, ...]:
    """Parse ``ntpq -pn``; a remote too long for its column is alone on its line.

    Raises:
        ParseError: a peer line has the wrong number of fields or garbled numbers.

    """
    peers: list[NtpPeer] = []
    held: str | None = None
    held_tally = " "
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("remote") or set(line.strip()) == {"="}:
            continue
        tally = line[0]
        if tally not in TALLY:
            raise ParseError(f"ntpq -p: unknown tally code {tally!r}")
        fields = line[1:].split()
        if held is not None and line.startswith(" ") and len(fields) == 9:
            fields = [held, *fields]
            tally, held = held_tally, None
        elif len(fields) == 1:
            held, held_tally = fields[0], tally
            continue
        if len(fields) != 10:
            raise ParseError(f"ntpq -p: {len(fields)} fields in {line.strip()[:60]!r}")
        remote, refid, st, kind, _when, poll, reach, delay, offset, jitter = fields
        try:
            peers.append(NtpPeer(
                tally=TALLY[tally], remote=remote, refid=refid, stratum=int(st), kind=kind,
                poll_seconds=_seconds(poll), reach=int(reach, 8), delay_seconds=float(delay) / 1000,
                offset_seconds=0.0 - float(offset) / 1000, jitter_seconds=float(jitter) / 1000,
            ))
        except ValueError as err:
            raise ParseError(f"ntpq -p: bad number in {line.strip()[:60]!r}") from err
    if held is not None:
        raise ParseError(f"ntpq -p: remote {held[:40]!r} without its values")
    return tuple(peers)


def rows_from_ntpq(system: NtpSystem, peers: tuple[NtpPeer, ...]) -> TimeReport:
    """Build the daemon's clock row, then one row per real peer (pool placeholders skipped)."""
    synced = system.leap != LEAP_BY_CODE[3] and system.stratum is not None and system.stratum < 16
    rows = [TimeRow(
        kind="ntpd", key="ntpd", role=CLOCK, meaning="ntpd: system clock vs its system peer",
        offset_seconds=system.offset_seconds if synced else None,
        error_seconds=None if system.root_dispersion_seconds is None else
        system.root_dispersion_seconds + (system.root_delay_seconds or 0.0) / 2,
        synchronized=synced, stratum=system.stratum if synced else None, reference=system.refid,
        leap=system.leap, state="synchronised" if synced else "not synchronised",
        delay_seconds=system.root_delay_seconds,
        details=(("root_dispersion_seconds", system.root_dispersion_seconds), ("version", system.version)),
    )]
    for p in peers:
        if p.kind == "p":  # a pool entry: a placeholder that spawns real associations
            continue
        rows.append(TimeRow(
            kind="ntpd", key=f"ntpd/{p.remote}", role=PEER, meaning=f"ntpd: system clock vs {p.remote}",
            offset_seconds=p.offset_seconds if p.reach else None, error_seconds=p.jitter_seconds,
            stratum=p.stratum if p.stratum < 16 else None, reference=p.refid,
            reachable=p.reach != 0, state=p.tally, reach=p.reach, delay_seconds=p.delay_seconds,
            details=(("poll_seconds", p.poll_seconds), ("jitter_seconds", p.jitter_seconds), ("type", p.kind)),
        ))
    return TimeReport("ntpd", tuple(rows))


def collect_ntpq(timeout: float, host: str | None = None, run: CommandRunner = HOST_COMMANDS) -> TimeReport:
    """Ask ntpd through ntpq.

    Raises:
        SourceUnavailable: ntpq is not installed, or ntpd does not answer.

    """
    target = [host] if host else []
    rv = run(["ntpq", "-n", "-c", "rv", *target], timeout)
    if rv.returncode != 0 or "associd=" not in rv.stdout:
        why = first_line(rv.stderr) or first_line(rv.stdout) or f"ntpq exited with {rv.returncode}"
        raise SourceUnavailable(f"ntpd not answering: {why}")
    peers = run(["ntpq", "-pn", *target], timeout)
    return rows_from_ntpq(parse_ntpq_rv(rv.stdout), parse_ntpq_peers(peers.stdout))
