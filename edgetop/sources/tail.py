"""Following a log file as ``tail -F`` does, bounded: only whole new lines, never more than a cap per read.

The first read starts at most ``first_bytes`` before the end (the recent past is what
matters, and a 10 GB log must not be read). Later reads return what was appended. A file
that was replaced (rotated: another inode) or truncated is read again from its start, at
most ``first_bytes`` of it. A path that is not a regular file (a FIFO would block a read
forever, ``/dev/zero`` never ends) is refused before it is opened.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from edgetop.errors import SourceUnavailable
from edgetop.sources.fs import describe_oserror

FIRST_BYTES = 1024 * 1024
MAX_READ_BYTES = 4 * 1024 * 1024  # appended between two reads: more than this and the oldest part is skipped


class FileTail:
    """Returns the lines appended to ``path`` since the last call."""

    def __init__(self, path: Path, first_bytes: int = FIRST_BYTES, max_read_bytes: int = MAX_READ_BYTES) -> None:
        """Follow ``path``; nothing is read before the first :meth:`read_new`."""
        self.path = path
        self.first_bytes = first_bytes
        self.max_read_bytes = max_read_bytes
        self._identity: tuple[int, int] | None = None
        self._offset = 0
        self.skipped_bytes = 0  # bytes never read because too much was appended at once

    def read_new(self) -> list[str]:
        """The whole lines appended since the last call (the last ``first_bytes`` on the first).

        Raises:
            SourceUnavailable: the file is absent, not a regular file or unreadable.

        """
        try:
            st = os.stat(self.path)
        except OSError as err:
            raise SourceUnavailable(describe_oserror(err, self.path)) from None
        if not stat.S_ISREG(st.st_mode):
            raise SourceUnavailable(f"{self.path}: refused: not a regular file")
        identity = (st.st_dev, st.st_ino)
        if identity != self._identity or st.st_size < self._offset:
            # New (or rotated, or truncated): start near its end the first time, at its start after a rotation.
            first = self._identity is None
            self._identity = identity
            self._offset = max(0, st.st_size - self.first_bytes) if first else 0
        start = max(self._offset, st.st_size - self.max_read_bytes)
        self.skipped_bytes += start - self._offset
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError as err:
            raise SourceUnavailable(describe_oserror(err, self.path)) from None
        try:
            now = os.fstat(fd)
            if (now.st_dev, now.st_ino) != identity or not stat.S_ISREG(now.st_mode):
                return []  # replaced between stat and open: read it next time
            # One byte before ``start`` too: it says whether ``start`` is at a line's beginning.
            back = 1 if start > 0 else 0
            data = os.pread(fd, st.st_size - start + back, start - back)
        except OSError as err:
            raise SourceUnavailable(describe_oserror(err, self.path)) from None
        finally:
            os.close(fd)
        mid_line = back == 1 and data[:1] != b"\n"
        data = data[back:]
        end = data.rfind(b"\n") + 1  # a line being written is read whole next time
        lines = data[:end].decode("utf-8", errors="replace").split("\n")[:-1]
        if mid_line and lines:
            lines = lines[1:]  # the tail of a line that began before ``start``
        self._offset = start + end
        return lines
