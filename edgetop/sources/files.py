"""Reading small files that may be hostile: config files and the secrets they name.

A path given by a user may be a FIFO (reading blocks until a writer comes), a device
(``/dev/zero`` never ends; opening a watchdog starts it), or huge. Only regular files
are read, size-capped before a byte is read, and never with a blocking open.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFDIR: "a directory", stat.S_IFSOCK: "a socket"}


class FileRefused(Exception):
    """A file was not read: not a regular file, too large, or unreadable; the message says why.

    The message does not repeat the path: the caller names the file (and the key).
    """


def read_small_file(path: Path, limit: int) -> str:
    """Read a regular UTF-8 file of at most ``limit`` bytes, without ever blocking.

    ``stat`` first, so that a device is refused before it is opened (opening one may
    have effects: a watchdog starts counting); then open with ``O_NONBLOCK`` (a FIFO
    swapped in meanwhile cannot block) and check with ``fstat`` that it is still the
    same regular file; then read at most ``limit + 1`` bytes.

    Raises:
        FileNotFoundError: it does not exist.
        FileRefused: it is not a regular file, is too large, changed, is not UTF-8 or
            cannot be read; the message says which.

    """
    try:
        before = os.stat(path)
    except FileNotFoundError:
        raise
    except OSError as err:
        raise FileRefused(str(err.strerror)) from None
    _check_regular(path, before, limit)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as err:
        raise FileRefused(str(err.strerror)) from None
    try:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
            raise FileRefused("it was replaced while being opened")
        _check_regular(path, now, limit)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise FileRefused(str(err.strerror)) from None
    finally:
        os.close(fd)
    if size > limit:
        raise FileRefused(f"it grew past {size_text(limit)} while being read")
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused("not UTF-8 text") from None


def _check_regular(path: Path, st: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(st.st_mode):
        kind = _KINDS.get(stat.S_IFMT(st.st_mode), "not a file")
        via = f"a symlink to {os.path.realpath(path)}, " if os.path.islink(path) else ""
        raise FileRefused(f"{via}{kind}, not a regular file")
    if st.st_size > limit:
        raise FileRefused(f"{size_text(st.st_size)}, more than the {size_text(limit)} allowed")


def size_text(n: int) -> str:
    """``512 bytes``, ``4.0 KiB``, ``1.0 MiB``."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB"
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n} bytes"
