"""Reading the kernel's log records from ``/dev/kmsg``, or from a file that stands in for it.

``/dev/kmsg`` (Documentation/ABI/testing/dev-kmsg) gives one record per ``read()``:
``prio,seq,usec,flags;text`` and a newline, followed by continuation lines (`` KEY=value``). Each open
file descriptor keeps its own position, so reading never consumes anything for ``dmesg`` or
journald, and this module never writes to it or clears the buffer (no ``SYSLOG_ACTION_CLEAR``).
A read with ``O_NONBLOCK`` fails with ``EAGAIN`` once every record has been read, and with
``EPIPE`` when the records at our position were overwritten in the ring buffer (the next read
goes on with the oldest record still there). Opening it is refused with ``EPERM`` when
``kernel.dmesg_restrict=1`` and the process lacks ``CAP_SYSLOG``.

A regular file stands in for the device (fixtures, the demo): records one after another,
read from where the last call stopped, as a tail would. Anything else (a FIFO, ``/dev/zero``,
a file over the size cap) is refused before a byte is read.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from edgetop.errors import SourceUnavailable
from edgetop.sources.files import size_text

KMSG_DEVICE = (1, 11)  # /dev/kmsg is the memory driver's minor 11 (Documentation/admin-guide/devices.txt)
RECORD_BYTES = 8192  # a record is at most ~1 KiB of text plus its dictionary; a smaller buffer gives EINVAL
MAX_RECORDS_PER_READ = 20_000  # one call reads at most this many records; the rest wait for the next one
MAX_FILE_BYTES = 32 * 1024 * 1024  # a stand-in file larger than this is refused

RESTRICTED_HINT = ("the kernel log is restricted to CAP_SYSLOG (kernel.dmesg_restrict=1): "
                   "run edgetop as root or with CAP_SYSLOG to see kernel events")


@dataclass(frozen=True, slots=True)
class KmsgChunk:
    """What one call read.

    Attributes:
        records: the raw records, oldest first (the text of each, continuation lines included).
        overwritten: how many times the kernel said records were lost before we read them (EPIPE).
        device: True when read from the kernel's device, False from a stand-in file.
        more: True when the call stopped at :data:`MAX_RECORDS_PER_READ` with records left.

    """

    records: tuple[str, ...]
    overwritten: int
    device: bool
    more: bool = False


class KmsgReader:
    """Follows the kernel log at ``path``: each :meth:`read_new` returns the records since the last."""

    def __init__(self, path: Path, max_file_bytes: int = MAX_FILE_BYTES) -> None:
        """Prepare to read ``path``; nothing is opened before the first :meth:`read_new`."""
        self.path = path
        self.max_file_bytes = max_file_bytes
        self._fd: int | None = None
        self._device = False
        self._identity: tuple[int, int] | None = None
        self._offset = 0

    def close(self) -> None:
        """Close the descriptor, if open."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def read_new(self) -> KmsgChunk:
        """The records written since the last call (every record in the buffer on the first).

        Raises:
            SourceUnavailable: the log cannot be read (absent, restricted, refused); the
                message says why in words a technician can act on.

        """
        fd = self._fd if self._fd is not None else self._open()
        try:
            return self._read_device(fd) if self._device else self._read_file(fd)
        except OSError as err:
            self.close()
            raise SourceUnavailable(f"{self.path}: {_why(err)}") from None

    def _open(self) -> int:
        try:
            st = os.stat(self.path)
        except OSError as err:
            raise SourceUnavailable(f"{self.path}: {_why(err)}") from None
        self._check(st)
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError as err:
            raise SourceUnavailable(f"{self.path}: {_why(err)}") from None
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            os.close(fd)
            raise SourceUnavailable(f"{self.path}: refused: it was replaced while being opened")
        self._fd, self._device = fd, stat.S_ISCHR(st.st_mode)
        self._identity, self._offset = (st.st_dev, st.st_ino), 0
        return fd

    def _check(self, st: os.stat_result) -> None:
        """Refuse anything but the kmsg device or a regular file under the cap, before opening it."""
        if stat.S_ISCHR(st.st_mode):
            dev = (os.major(st.st_rdev), os.minor(st.st_rdev))
            if dev != KMSG_DEVICE:
                raise SourceUnavailable(f"{self.path}: refused: character device {dev[0]}:{dev[1]} is not "
                                        f"the kernel log (/dev/kmsg is {KMSG_DEVICE[0]}:{KMSG_DEVICE[1]})")
            return
        if not stat.S_ISREG(st.st_mode):
            kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "not a regular file or the kmsg device"
            raise SourceUnavailable(f"{self.path}: refused: {kind}")
        if st.st_size > self.max_file_bytes:
            raise SourceUnavailable(f"{self.path}: refused: {size_text(st.st_size)}, more than the "
                                    f"{size_text(self.max_file_bytes)} allowed")

    def _read_device(self, fd: int) -> KmsgChunk:
        records: list[str] = []
        overwritten = 0
        while len(records) < MAX_RECORDS_PER_READ:
            try:
                data = os.read(fd, RECORD_BYTES)
            except BlockingIOError:  # EAGAIN: every record has been read
                return KmsgChunk(tuple(records), overwritten, device=True)
            except BrokenPipeError:  # EPIPE: records at our position were overwritten; go on
                overwritten += 1
                continue
            if not data:
                break
            records.append(data.decode("utf-8", errors="replace"))
        return KmsgChunk(tuple(records), overwritten, device=True, more=len(records) >= MAX_RECORDS_PER_READ)

    def _read_file(self, fd: int) -> KmsgChunk:
        st = os.stat(self.path)
        if (st.st_dev, st.st_ino) != self._identity:  # replaced (rotated, a new fixture): start over
            self.close()
            fd = self._open()
            st = os.fstat(fd)
        self._check(st)
        if st.st_size < self._offset:  # truncated: start over
            self._offset = 0
        data = os.pread(fd, min(st.st_size - self._offset, self.max_file_bytes), self._offset)
        end = data.rfind(b"\n") + 1  # only whole lines: a record being written is read next time
        self._offset += end
        text = data[:end].decode("utf-8", errors="replace")
        return KmsgChunk(tuple(split_records(text)), 0, device=False)


def split_records(text: str) -> list[str]:
    """Split a stream of records as ``/dev/kmsg`` prints them: a line starting with a space continues the last."""
    records: list[str] = []
    for line in text.split("\n"):
        if not line:
            continue
        if line[0] == " " and records:
            records[-1] += "\n" + line
        else:
            records.append(line)
    return records


def _why(err: OSError) -> str:
    if err.errno == errno.EPERM:  # what devkmsg_open answers without CAP_SYSLOG under dmesg_restrict
        return f"{os.strerror(err.errno)}: {RESTRICTED_HINT}"
    if err.errno == errno.EACCES:
        return f"{os.strerror(err.errno)}: this user may not read it"
    if err.errno == errno.ENOENT:
        return "does not exist (no kernel log device here)"
    return os.strerror(err.errno) if err.errno else str(err)
