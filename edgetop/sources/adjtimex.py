"""Read the kernel clock discipline with ``adjtimex(2)``, read-only (``modes = 0``).

adjtimex(2): "If the modes field is zero, no settings are adjusted" and any user may
call it so; the result is the clock state (TIME_OK … TIME_ERROR) and ``struct timex``.
Only the fields edgetop uses are returned, as plain integers for the pure decoder in
:mod:`edgetop.collectors.ntp_kernel`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

import msgspec

from edgetop.errors import SourceUnavailable


class _Timeval(ctypes.Structure):
    _fields_ = (("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long))


class _Timex(ctypes.Structure):
    """``struct timex`` as glibc's <sys/timex.h> lays it out (natural alignment)."""

    _fields_ = (
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time", _Timeval),
        ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long),
        ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long),
        ("tai", ctypes.c_int),
        ("_reserved", ctypes.c_int * 11),  # glibc's eleven anonymous "int :32" fields
    )


class Timex(msgspec.Struct, frozen=True):
    """The raw values of one read-only ``adjtimex`` call.

    Attributes:
        state: the return value (TIME_OK 0, INS 1, DEL 2, OOP 3, WAIT 4, ERROR 5).
        status: the STA_* bits.
        offset: remaining PLL offset, in ns when STA_NANO is set, else µs.
        freq: frequency offset in ppm with a 16-bit fraction.
        maxerror_us: maximum error, µs.
        esterror_us: estimated error, µs.
        tai: TAI−UTC in seconds (0 when never set).

    """

    state: int
    status: int
    offset: int
    freq: int
    maxerror_us: int
    esterror_us: int
    tai: int


_libc: ctypes.CDLL | None = None


def read_timex() -> Timex:
    """Call ``adjtimex`` with ``modes = 0`` and return the values.

    Raises:
        SourceUnavailable: libc has no ``adjtimex`` (not Linux) or the call failed.

    """
    global _libc  # noqa: PLW0603 - one handle for the life of the process
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        except OSError as err:
            raise SourceUnavailable(f"cannot load libc: {err}") from err
    func = getattr(_libc, "adjtimex", None)
    if func is None:
        raise SourceUnavailable("adjtimex is not available on this system")
    tx = _Timex()
    tx.modes = 0  # read only: never adjust the clock
    state = func(ctypes.byref(tx))
    if state < 0:
        errno_value = ctypes.get_errno()
        raise SourceUnavailable(f"adjtimex failed: {os.strerror(errno_value)}")
    return Timex(state, tx.status, tx.offset, tx.freq, tx.maxerror, tx.esterror, tx.tai)
