"""The kernel clock discipline (``adjtimex``, read-only) → one clock row.

The kernel does not measure any offset itself: a daemon (chronyd, ntpd, timesyncd,
phc2sys) tells it how far off the clock is and whether it is synchronised. The row says
whether the kernel *believes* the clock is synchronised (STA_UNSYNC clear, state not
TIME_ERROR), its estimated and maximum error, a pending leap second (STA_INS/STA_DEL),
and the correction it is still slewing. Bits and units per adjtimex(2).
"""

from __future__ import annotations

import msgspec

from edgetop.collectors.ntp_types import CLOCK, LEAP_DELETE, LEAP_INSERT, LEAP_NORMAL, LEAP_UNSYNC, TimeReport, TimeRow
from edgetop.errors import ParseError
from edgetop.model.spec import Metric
from edgetop.sources.adjtimex import Timex, read_timex

# adjtimex(2) status bits.
STA_PLL = 0x0001
STA_PPSFREQ = 0x0002
STA_PPSTIME = 0x0004
STA_FLL = 0x0008
STA_INS = 0x0010
STA_DEL = 0x0020
STA_UNSYNC = 0x0040
STA_FREQHOLD = 0x0080
STA_PPSSIGNAL = 0x0100
STA_PPSJITTER = 0x0200
STA_PPSWANDER = 0x0400
STA_PPSERROR = 0x0800
STA_CLOCKERR = 0x1000
STA_NANO = 0x2000
STA_MODE = 0x4000
STA_CLK = 0x8000

_BIT_NAMES = (
    (STA_PLL, "PLL"), (STA_PPSFREQ, "PPSFREQ"), (STA_PPSTIME, "PPSTIME"), (STA_FLL, "FLL"), (STA_INS, "INS"),
    (STA_DEL, "DEL"), (STA_UNSYNC, "UNSYNC"), (STA_FREQHOLD, "FREQHOLD"), (STA_PPSSIGNAL, "PPSSIGNAL"),
    (STA_PPSJITTER, "PPSJITTER"), (STA_PPSWANDER, "PPSWANDER"), (STA_PPSERROR, "PPSERROR"),
    (STA_CLOCKERR, "CLOCKERR"), (STA_NANO, "NANO"), (STA_MODE, "MODE"), (STA_CLK, "CLK"),
)
# adjtimex(2) return values.
STATES = {0: "TIME_OK", 1: "TIME_INS", 2: "TIME_DEL", 3: "TIME_OOP", 4: "TIME_WAIT", 5: "TIME_ERROR"}
TIME_ERROR = 5
# The kernel caps maxerror at NTP_PHASE_LIMIT-ish 16 s (16,000,000 µs) once unsynchronised.
MAXERROR_CAP_US = 16_000_000


class KernelClock(msgspec.Struct, frozen=True):
    """The decoded discipline state.

    Attributes:
        state: TIME_OK … TIME_ERROR.
        flags: names of the STA_* bits set, in bit order.
        synchronized: STA_UNSYNC clear and state not TIME_ERROR.
        leap: leap status in words (from STA_INS/STA_DEL, or unsynchronised).
        pending_offset_seconds: this clock minus where the PLL steers it (the kernel's
            offset is the correction still to apply, so its sign is flipped).
        frequency_ppm: the frequency correction in ppm.
        estimated_error_seconds: esterror.
        maximum_error_seconds: maxerror.
        tai_offset_seconds: TAI−UTC, None when never set (0).

    """

    state: str
    flags: tuple[str, ...]
    synchronized: bool
    leap: str
    pending_offset_seconds: float
    frequency_ppm: float
    estimated_error_seconds: float
    maximum_error_seconds: float
    tai_offset_seconds: int | None


def decode_timex(tx: Timex) -> KernelClock:
    """Decode raw ``adjtimex`` values.

    Raises:
        ParseError: the state or errors are outside what the kernel can return.

    """
    state = STATES.get(tx.state)
    if state is None:
        raise ParseError(f"adjtimex returned unknown clock state {tx.state}")
    if tx.maxerror_us < 0 or tx.esterror_us < 0:
        raise ParseError("adjtimex returned a negative error bound")
    flags = tuple(name for bit, name in _BIT_NAMES if tx.status & bit)
    synced = not tx.status & STA_UNSYNC and tx.state != TIME_ERROR
    if not synced:
        leap = LEAP_UNSYNC
    elif tx.status & STA_INS:
        leap = LEAP_INSERT
    elif tx.status & STA_DEL:
        leap = LEAP_DELETE
    else:
        leap = LEAP_NORMAL
    scale = 1e-9 if tx.status & STA_NANO else 1e-6
    return KernelClock(
        state=state, flags=flags, synchronized=synced, leap=leap,
        pending_offset_seconds=0.0 - tx.offset * scale,
        frequency_ppm=tx.freq / 65536, estimated_error_seconds=tx.esterror_us / 1e6,
        maximum_error_seconds=tx.maxerror_us / 1e6, tai_offset_seconds=tx.tai or None,
    )


def row_from_kernel(k: KernelClock) -> TimeRow:
    """Build the kernel's row."""
    if k.synchronized:
        state = f"synchronised by a daemon, max error {k.maximum_error_seconds * 1e3:.3g} ms"
    else:
        state = f"unsynchronised ({k.state})"
    return TimeRow(
        kind="kernel", key="kernel", role=CLOCK,
        meaning="kernel: slew still pending (not vs a server)",
        # Unsynchronised, nothing steers the clock: a zero "pending correction" would read
        # as "no offset", which nobody measured.
        offset_seconds=k.pending_offset_seconds if k.synchronized else None,
        error_seconds=k.estimated_error_seconds,
        synchronized=k.synchronized, leap=k.leap, state=state,
        details=(("clock_state", k.state), ("status_flags", " ".join(k.flags) or "none"),
                 ("frequency_ppm", k.frequency_ppm), ("maximum_error_seconds", k.maximum_error_seconds),
                 ("tai_offset_seconds", k.tai_offset_seconds)),
    )


def node_timex_metrics(row: TimeRow) -> list[Metric]:
    """node_exporter's timex families from the kernel's row (collector/timex.go, same adjtimex(2) call)."""
    details = dict(row.details)
    out: list[Metric] = []

    def add(name: str, value: float | None, text: str) -> None:
        if value is not None:
            out.append(Metric(f"timex_{name}", float(value), help=text, namespace="node"))

    flags = str(details.get("status_flags", "")).split()
    status = sum(bit for bit, name in _BIT_NAMES if name in flags)
    add("sync_status", None if row.synchronized is None else float(row.synchronized),
        "Is clock synchronized to a reliable server (1 = yes, 0 = no).")
    add("offset_seconds", row.offset_seconds, "Time offset in between local system and reference clock.")
    add("estimated_error_seconds", row.error_seconds, "Estimated error in seconds.")
    maxerror = details.get("maximum_error_seconds")
    add("maxerror_seconds", maxerror if isinstance(maxerror, (int, float)) else None, "Maximum error in seconds.")
    ppm = details.get("frequency_ppm")
    # node_exporter: 1 + freq / 2^16 / 1e6 (freq is scaled ppm); edgetop already has the ppm.
    add("frequency_adjustment_ratio", 1 + ppm / 1e6 if isinstance(ppm, (int, float)) else None,
        "Local clock frequency adjustment.")
    add("status", float(status), "Value of the status array bits.")
    tai = details.get("tai_offset_seconds")
    add("tai_offset_seconds", tai if isinstance(tai, (int, float)) else 0.0,  # edgetop shows an unset 0 as unknown
        "International Atomic Time (TAI) offset.")
    return out


def collect_kernel() -> TimeReport:
    """Read the kernel's clock discipline on this host (never changes it)."""
    return TimeReport("kernel", (row_from_kernel(decode_timex(read_timex())),))
