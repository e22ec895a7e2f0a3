"""Parsers for ``/proc/<pid>/stat`` and ``/proc/<pid>/status`` (proc(5))."""

from __future__ import annotations

from dataclasses import dataclass

from edgetop.errors import ParseError
from edgetop.model.cpulist import parse_cpu_list

# include/linux/sched.h: set for kernel threads.
PF_KTHREAD = 0x00200000


@dataclass(frozen=True, slots=True)
class PidStat:
    """Fields of ``/proc/<pid>/stat`` that edgetop uses (times in clock ticks)."""

    pid: int
    comm: str
    state: str
    ppid: int
    flags: int
    utime_ticks: int
    stime_ticks: int
    num_threads: int
    starttime_ticks: int
    rss_pages: int
    processor: int | None
    nice: int = 0
    """Field 19: the nice value, -20 (most favoured) to 19."""


def parse_pid_stat(text: str) -> PidStat:
    """Parse one ``/proc/<pid>/stat`` line.

    ``comm`` is in parentheses and may itself hold spaces and parentheses, so the
    fields are split after the *last* ``)``.

    Raises:
        ParseError: the line is truncated or malformed.

    """
    open_at, close_at = text.find("("), text.rfind(")")
    if open_at < 0 or close_at < open_at:
        raise ParseError("pid stat: no (comm)")
    rest = text[close_at + 2 :].split()
    if len(rest) < 22:
        raise ParseError(f"pid stat: {len(rest)} fields after comm, expected at least 22")
    try:
        # rest[0] is field 3 (state); field N is rest[N - 3].
        return PidStat(
            pid=int(text[:open_at]),
            comm=text[open_at + 1 : close_at],
            state=rest[0],
            ppid=int(rest[1]),
            flags=int(rest[6]),
            utime_ticks=int(rest[11]),
            stime_ticks=int(rest[12]),
            num_threads=int(rest[17]),
            starttime_ticks=int(rest[19]),
            rss_pages=int(rest[21]),
            processor=int(rest[36]) if len(rest) > 36 else None,
            nice=int(rest[16]),
        )
    except ValueError as err:
        raise ParseError(f"pid stat: non-numeric field: {err}") from err


@dataclass(frozen=True, slots=True)
class PidStatus:
    """Fields of ``/proc/<pid>/status``.

    Attributes:
        uid: the real user id.
        cpus_allowed: ``Cpus_allowed_list``, the CPU affinity.
        rss_bytes: ``VmRSS``, the resident set, as ``ps -o rss`` and ``top`` show it.
            ``rss`` in ``stat`` (field 24) reads the kernel's per-CPU counters without
            folding in what each CPU has not yet flushed (a batch of 32 pages or more
            per CPU), so on current kernels it lags. None for kernel threads and
            zombies, which have no memory map.
        threads: ``Threads``, how many the process has.

    """

    uid: int | None
    cpus_allowed: frozenset[int] | None
    rss_bytes: int | None = None
    threads: int | None = None


def _field(text: str, name: str) -> str | None:
    """The value of ``Name:`` in a status file, found without splitting every line."""
    at = text.find(f"\n{name}:")
    if at < 0:
        if not text.startswith(f"{name}:"):
            return None
        at = -1
    start = at + len(name) + 2
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]


def parse_pid_status(text: str) -> PidStatus:
    """Parse the real uid, ``Cpus_allowed_list``, ``VmRSS`` and ``Threads`` from ``/proc/<pid>/status``."""
    uid: int | None = None
    cpus: frozenset[int] | None = None
    uid_field = _field(text, "Uid")
    if uid_field is not None:
        parts = uid_field.split()
        if parts and parts[0].isascii() and parts[0].isdigit():  # "²".isdigit(), but int("²") fails
            uid = int(parts[0])
    cpus_field = _field(text, "Cpus_allowed_list")
    if cpus_field is not None:
        try:
            cpus = parse_cpu_list(cpus_field)
        except ParseError:
            cpus = None
    rss: int | None = None
    rss_field = _field(text, "VmRSS")
    if rss_field is not None:
        parts = rss_field.split()  # "   12304 kB"
        if len(parts) == 2 and parts[0].isascii() and parts[0].isdigit() and parts[1] == "kB":
            rss = int(parts[0]) * 1024
    threads_field = _field(text, "Threads")
    threads = int(threads_field.strip()) if threads_field and threads_field.strip().isascii() and (
        threads_field.strip().isdigit()) else None
    return PidStatus(uid, cpus, rss, threads)
