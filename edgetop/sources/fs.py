"""Rooted views of ``/proc`` and ``/sys``.

Like node_exporter's ``--path.procfs``/``--path.sysfs``, every read goes through a root
so that the whole program runs against a fixture tree. Missing files and permission
errors become :class:`~edgetop.errors.SourceUnavailable` with a readable reason.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from edgetop.errors import SourceUnavailable

# Cap every read: sysfs attributes are one page at most, /proc files we parse are
# small; a runaway file must not make a collector allocate without bound. It must stay
# below KMALLOC_MAX_SIZE (4 MiB on x86): /proc/sys handlers refuse larger reads with
# ENOMEM (fs/proc/proc_sysctl.c, proc_sys_call_handler).
MAX_READ_BYTES = 1024 * 1024
_CHUNK = 65536  # bytes asked for per read

_ABSENT_ERRNOS = {errno.ENOENT, errno.ENOTDIR, errno.ESRCH, errno.ENODEV, errno.ENXIO}


def describe_oserror(err: OSError, path: Path | str) -> str:
    """Say in words why ``path`` could not be read."""
    if err.errno in _ABSENT_ERRNOS:
        return f"{path} does not exist"
    if err.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied reading {path}"
    if err.errno in (errno.EAGAIN, errno.ENODATA, errno.EIO):
        return f"{path}: the driver returned {errno.errorcode.get(err.errno or 0, err.errno)}"
    return f"{path}: {err.strerror or err}"


class RootedFS:
    """A read-only view of a directory tree such as ``/proc`` or ``/sys``."""

    def __init__(self, root: str | Path) -> None:
        """Create a view rooted at ``root`` (``/proc``, ``/sys`` or a fixture)."""
        self.root = Path(root)
        self._prefix = str(self.root).rstrip("/") + "/"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.root)!r})"

    def path(self, rel: str) -> Path:
        """Return the absolute path of ``rel`` (a path relative to the root)."""
        return self.root / rel.lstrip("/")

    def str_path(self, rel: str) -> str:
        """Return the absolute path of ``rel`` as a string, for the reads every tick makes.

        ``Path`` parses its argument into parts and ``sys.intern``s each one (CPython 3.11,
        ``pathlib._parse_args``): an interface, hwmon or pid directory named on every tick
        churns the interpreter's table of interned strings, which then grows and is copied
        (1.9 MB measured in a soak), and the parsing costs more than the read. ``path`` stays
        for messages and the few calls made once.
        """
        return self._prefix + rel.lstrip("/")

    def exists(self, rel: str) -> bool:
        """Tell whether ``rel`` exists under the root."""
        return os.path.exists(self.str_path(rel))

    def read_text(self, rel: str, *, one_record: bool = False) -> str:
        """Read a whole file as text.

        Args:
            rel: the path under the root.
            one_record: the kernel makes the file in one piece (``single_open`` seq files such
                as ``/proc/PID/stat``, ``status``, ``io``, and ``cmdline``): a read that
                returns less than it asked for is then the end, and no second read is made
                to find the EOF. (Not for files of many records, such as ``maps`` or
                ``/proc/net/*``: seq_file hands those out one kernel buffer per read.)

        Raises:
            SourceUnavailable: the file is missing, unreadable, or the driver refused.

        """
        p = self.str_path(rel)
        # os.open/os.read: no buffered file object per read; the process collector reads
        # hundreds of small files a second and the wrapper was most of its cost. Its reads
        # are one record each: asking again for the EOF doubled the read calls (a third of
        # the time spent reading every process).
        try:
            fd = os.open(p, os.O_RDONLY | os.O_CLOEXEC)
            try:
                chunks = []
                size = 0
                while size < MAX_READ_BYTES:
                    chunk = os.read(fd, _CHUNK)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                    if one_record and len(chunk) < _CHUNK:
                        break
            finally:
                os.close(fd)
        except OSError as err:
            raise SourceUnavailable(describe_oserror(err, p)) from err
        return b"".join(chunks).decode("utf-8", errors="replace")

    def read_optional(self, rel: str, *, one_record: bool = False) -> str | None:
        """Read a file (see :meth:`read_text`), or return None when it is absent or unreadable."""
        try:
            return self.read_text(rel, one_record=one_record)
        except SourceUnavailable:
            return None

    def read_int(self, rel: str) -> int | None:
        """Read a file holding one integer; None when absent, unreadable or not a number."""
        text = self.read_optional(rel)
        if text is None:
            return None
        try:
            return int(text.strip())
        except ValueError:
            return None

    def read_str(self, rel: str) -> str | None:
        """Read a one-line attribute, stripped; None when absent or unreadable."""
        text = self.read_optional(rel)
        return None if text is None else text.strip()

    def listdir(self, rel: str = "") -> list[str]:
        """List a directory, sorted; an absent directory is an empty list."""
        try:
            return sorted(os.listdir(self.str_path(rel)))
        except OSError:
            return []

    def readlink(self, rel: str) -> str | None:
        """Return a symlink's target, or None."""
        try:
            return os.readlink(self.str_path(rel))
        except OSError:
            return None


class ProcFS(RootedFS):
    """``/proc`` or a fixture standing in for it."""

    def __init__(self, root: str | Path = "/proc") -> None:
        """Create a view of ``root`` (default ``/proc``)."""
        super().__init__(root)


class SysFS(RootedFS):
    """``/sys`` or a fixture standing in for it."""

    def __init__(self, root: str | Path = "/sys") -> None:
        """Create a view of ``root`` (default ``/sys``)."""
        super().__init__(root)
