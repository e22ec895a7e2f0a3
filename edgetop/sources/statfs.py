"""How full a mounted filesystem is: ``statvfs(3)`` of its mount point, as ``df`` reads it.

The call goes through a function the context holds (``Context.statvfs``), so a fixture or
the demo can stand in for the host's mounts. A mount point that is gone, unreadable or
not a directory is :class:`~edgetop.errors.SourceUnavailable` with the reason in words.
``statvfs`` on a hung network filesystem blocks in the kernel: the lane's timeout bounds
the collector, and only real filesystems (no NFS by default) are asked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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
