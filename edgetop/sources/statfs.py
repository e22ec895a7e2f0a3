"""How full a mounted filesystem is: ``statvfs(3)`` of its mount point, as ``df`` reads it.

The call goes through a function the context holds (``Context.statvfs``), so a fixture or
the demo can stand in for the host's mounts. A mount point that is gone, unreadable or
not a directory is :class:`~edgetop.errors.SourceUnavailable` with the reason in words.
``statvfs`` on a hung network filesystem blocks in the kernel: :class:`HangGuard` runs
those calls in threads of their own with a time limit.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgetop.errors import SourceUnavailable
from edgetop.sources.fs import describe_oserror


@dataclass(frozen=True, slots=True)
class FsUsage:
    """One filesystem's space and inodes, in bytes and counts.

    Attributes:
        size_bytes: ``f_blocks * f_frsize``: the filesystem's size.
        free_bytes: ``f_bfree * f_frsize``: free, including what only root may use.
        avail_bytes: ``f_bavail * f_frsize``: free for unprivileged users (what ``df`` shows).
        files: ``f_files``: inodes in total (0 where the filesystem has no fixed table, e.g. btrfs).
        files_free: ``f_ffree``: free inodes.
        readonly: ``ST_RDONLY`` is set in ``f_flag``.

    """

    size_bytes: int
    free_bytes: int
    avail_bytes: int
    files: int
    files_free: int
    readonly: bool


def statvfs_usage(path: Path) -> FsUsage:
    """``statvfs(path)`` as an :class:`FsUsage`.

    Raises:
        SourceUnavailable: the path is missing or cannot be queried.

    """
    try:
        st = os.statvfs(path)
    except OSError as err:
        raise SourceUnavailable(describe_oserror(err, path)) from err
    frsize = st.f_frsize or st.f_bsize
    return FsUsage(
        size_bytes=st.f_blocks * frsize,
        free_bytes=st.f_bfree * frsize,
        avail_bytes=st.f_bavail * frsize,
        files=st.f_files,
        files_free=st.f_ffree,
        readonly=bool(st.f_flag & os.ST_RDONLY),
    )


class HangGuard:
    """Runs ``statvfs`` of network filesystems in a thread of its own, with a time limit.

    A hard-mounted NFS share whose server is gone blocks ``statvfs`` in the kernel for
    as long as the server stays away; done in the collector's thread it would stall every
    filesystem's row. Here the call runs in a daemon thread (it never holds up the
    program's exit); past the limit the mount is reported hung, and while that call has
    not returned, the mount is not asked again: one stuck thread per stuck mount, at most.
    """

    def __init__(self, limit_seconds: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        """Give each call ``limit_seconds``."""
        self.limit_seconds = limit_seconds
        self._clock = clock
        self._pending: dict[str, float] = {}  # path -> when its still-running call started
        self._lock = threading.Lock()

    def blocked(self) -> list[str]:
        """The paths whose call has not returned yet."""
        with self._lock:
            return sorted(self._pending)

    def __call__(self, statvfs: Callable[[Path], FsUsage], path: Path) -> FsUsage:
        """``statvfs(path)`` within the limit.

        Raises:
            SourceUnavailable: the call failed, did not answer in time, or an earlier one
                is still blocked.

        """
        key = str(path)
        with self._lock:
            started = self._pending.get(key)
            if started is not None:
                raise SourceUnavailable(f"{path}: statvfs blocked for {self._clock() - started:.0f} s "
                                        "(hung network filesystem?)")
            self._pending[key] = self._clock()
        box: dict[str, Any] = {}
        done = threading.Event()

        def run() -> None:
            try:
                box["usage"] = statvfs(path)
            except SourceUnavailable as err:
                box["error"] = err
            finally:
                with self._lock:
                    self._pending.pop(key, None)
                done.set()

        threading.Thread(target=run, name="statvfs", daemon=True).start()
        if not done.wait(self.limit_seconds):
            raise SourceUnavailable(f"{path}: statvfs did not answer within {self.limit_seconds:g} s "
                                    "(hung network filesystem?)")
        if "error" in box:
            raise box["error"]
        usage: FsUsage = box["usage"]
        return usage
