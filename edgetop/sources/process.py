"""The one way edgetop runs a program: argv only, C locale, a deadline, a size cap, the whole group killed.

Every command edgetop runs (chronyc, ntpq, timedatectl, pmc, systemctl, rc-service,
service) goes through :func:`run_command`, for reading and for actions alike:

- an argv list, never a shell, with stdin closed so that no password prompt can take
  the terminal;
- ``LC_ALL=C``/``LANG=C``: numbers, dates and messages in the form the parsers expect;
- its own session (``setsid``), so a timeout kills the whole process group: a hung
  ``systemctl`` often leaves children holding the output pipes, and killing only the
  direct child would leave us waiting for EOF forever;
- output read as it comes and capped: a broken host can make a tool print without end
  (``ntpq -pn`` with thousands of peers), and memory is the node's, not ours;
- failures as clear kinds, all :class:`~edgetop.errors.SourceUnavailable` (a source that
  is absent, in words), so a collector needs no handling of its own.

Collectors get the runner through their context (``Context.run``): a recording can stand
in for the host's tools (``--demo``, tests) without any collector knowing.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from edgetop.errors import SourceUnavailable

# Enough for any answer edgetop parses (chronyc, systemctl show of every configured unit,
# ntpq with hundreds of peers); beyond it the tool is misbehaving and is stopped.
MAX_OUTPUT_BYTES = 4 * 1024 * 1024
_READ_CHUNK = 65536


@dataclass(frozen=True, slots=True)
class Completed:
    """What a finished command printed and how it exited."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class CommandError(SourceUnavailable):
    """A command could not give an answer; ``kind`` says why in one word."""

    kind: ClassVar[str] = "error"

    def __init__(self, argv: Sequence[str], message: str) -> None:
        super().__init__(message)
        self.argv = tuple(argv)


class ToolMissing(CommandError):
    """The program is not installed (not on PATH)."""

    kind = "missing"


class CannotRun(CommandError):
    """The program exists but could not be started (permission, bad binary)."""

    kind = "cannot_run"


class CommandTimeout(CommandError):
    """The command did not finish in time; its process group was killed."""

    kind = "timeout"

    def __init__(self, argv: Sequence[str], timeout: float) -> None:
        super().__init__(argv, f"{argv[0]} did not finish within {timeout:g} s and was killed")
        self.timeout = timeout


class OutputTooLarge(CommandError):
    """The command printed more than the cap; its process group was killed."""

    kind = "too_large"


class CommandRunner(Protocol):
    """Runs an argv with a timeout: this host's programs, or a recording that stands in for them."""

    def __call__(self, argv: Sequence[str], timeout: float) -> Completed:
        """Run ``argv`` and return what it printed (raises :class:`CommandError`)."""
        ...

    def installed(self, tool: str) -> bool:
        """Tell whether ``tool`` can be run."""
        ...


def run_command(argv: Sequence[str], timeout: float, *, max_output_bytes: int = MAX_OUTPUT_BYTES) -> Completed:
    """Run ``argv`` (no shell) and wait at most ``timeout`` seconds for it and its output.

    Raises:
        ToolMissing: ``argv[0]`` is not installed.
        CannotRun: it could not be started.
        CommandTimeout: it outlived ``timeout`` (its process group is killed).
        OutputTooLarge: it printed more than ``max_output_bytes`` (its process group is killed).

    """
    args = [str(a) for a in argv]
    if not args:
        raise ValueError("empty argv")
    tool = args[0]
    if shutil.which(tool) is None:
        raise ToolMissing(args, f"{tool} not installed")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    deadline = time.monotonic() + timeout
    try:
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            start_new_session=True,  # its own process group, so a timeout can kill all of it
        )
    except OSError as err:
        raise CannotRun(args, f"cannot run {tool}: {err.strerror or err}") from err
    try:
        out, err_out = _read_all(proc, args, deadline, max_output_bytes, timeout)
        remaining = deadline - time.monotonic()
        try:
            returncode = proc.wait(timeout=max(0.0, remaining))
        except subprocess.TimeoutExpired:  # closed its output but kept running
            raise CommandTimeout(args, timeout) from None
    except CommandError:
        _kill_group(proc)
        raise
    return Completed(tuple(args), returncode, out.decode("utf-8", "replace"), err_out.decode("utf-8", "replace"))


class HostCommands:
    """The programs of this host, run by :func:`run_command`."""

    def __call__(self, argv: Sequence[str], timeout: float) -> Completed:
        """Run ``argv`` on this host (see :func:`run_command`)."""
        return run_command(argv, timeout)

    def installed(self, tool: str) -> bool:
        """Tell whether ``tool`` is on PATH."""
        return shutil.which(tool) is not None


HOST_COMMANDS = HostCommands()


def _read_all(
    proc: subprocess.Popen[bytes], argv: list[str], deadline: float, cap: int, timeout: float
) -> tuple[bytes, bytes]:
    """Read stdout and stderr until both close, the deadline passes or the cap is reached."""
    if proc.stdout is None or proc.stderr is None:  # pragma: no cover - both are PIPE above
        raise CannotRun(argv, f"cannot read {argv[0]}'s output")
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    chunks: dict[int, list[bytes]] = {out_fd: [], err_fd: []}
    total = 0
    with selectors.DefaultSelector() as selector:
        for stream in (proc.stdout, proc.stderr):
            os.set_blocking(stream.fileno(), False)
            selector.register(stream.fileno(), selectors.EVENT_READ)
        open_fds = len(chunks)
        while open_fds:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CommandTimeout(argv, timeout)
            for key, _ in selector.select(remaining):
                fd = int(key.fd)
                try:
                    data = os.read(fd, _READ_CHUNK)
                except BlockingIOError:
                    continue
                if not data:
                    selector.unregister(fd)
                    open_fds -= 1
                    continue
                total += len(data)
                if total > cap:
                    raise OutputTooLarge(argv, f"{argv[0]} printed more than {cap // 1024} KiB and was stopped")
                chunks[fd].append(data)
    proc.stdout.close()
    proc.stderr.close()
    return b"".join(chunks[out_fd]), b"".join(chunks[err_fd])


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def first_line(text: str) -> str:
    """Return the first non-empty line of ``text``, stripped and capped (for error messages)."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""
