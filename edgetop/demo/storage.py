"""The demo node's storage: recorded statvfs answers, moving disk counters, one guest disk error.

The demo's mountinfo, diskstats and mdstat are files under ``demo/procfs``; its SMART
answers are real ``smartctl --json`` recordings under ``demo/storage/smartctl`` (see the
README there). What a file cannot do is move or answer ``statvfs``:

- :class:`RecordedStatvfs` answers ``statvfs`` for the demo's mount points from
  ``storage/statvfs.json``; the images filesystem fills at its recorded rate from the
  demo's start, so its time-to-full counts down.
- :class:`MovingDisks` adds smooth, time-based I/O to the recorded diskstats counters.
- :class:`OneDiskError` keeps one of the libvirt test driver's disk errors: the test driver
  reports an error on every disk of every guest (it fabricates them), which is not a node
  anyone would run.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import msgspec

from edgetop.errors import SourceUnavailable
from edgetop.model.spec import Collect
from edgetop.sources.statfs import FsUsage

if TYPE_CHECKING:  # types only: importing these collectors before the first frame cost ~13 ms
    from edgetop.collectors.diskstats import DiskCounters, DisksReading
    from edgetop.collectors.libvirt_storage import StorageReading

# The guest disk whose error the demo keeps (the database's data disk ran out of space).
ERROR_DISK = ("db-postgres", "vdb")
# Per demo disk: (read B/s, write B/s, average request bytes, ms per request, busy share).
_LOAD = {
    "nvme0n1": (2.0e6, 6.0e6, 65536, 0.2, 0.05),
    "sda": (9.0e6, 14.0e6, 131072, 0.8, 0.35), "sdb": (8.5e6, 14.0e6, 131072, 0.9, 0.36),
    "md0": (17.5e6, 14.0e6, 131072, 0.0, 0.0),
    "sdc": (0.5e6, 3.0e6, 262144, 7.5, 0.22), "md1": (0.5e6, 3.0e6, 262144, 0.0, 0.0),
}


class RecordedStatvfs:
    """``statvfs`` of the demo's mount points, from ``storage/statvfs.json`` under the demo's root."""

    def __init__(self, demo_dir: Path, clock: Callable[[], float] = time.monotonic) -> None:
        """Answer for the mount points recorded in ``demo_dir/storage/statvfs.json``."""
        self._root = demo_dir / "root"
        self._clock = clock
        self._start = clock()
        self._table: dict[str, dict[str, Any]] = json.loads(
            (demo_dir / "storage" / "statvfs.json").read_text(encoding="utf-8"))

    def __call__(self, path: Path) -> FsUsage:
        """The recorded usage of the mount point at ``path`` (under the demo's root).

        Raises:
            SourceUnavailable: no recording for this mount point.

        """
        try:
            mountpoint = "/" + str(Path(path).relative_to(self._root)).strip(".").strip("/")
        except ValueError:
            raise SourceUnavailable(f"{path} is outside the demo's root") from None
        entry = self._table.get(mountpoint)
        if entry is None:
            raise SourceUnavailable(f"{mountpoint}: no statvfs recording in the demo")
        grown = int(entry.get("fill_bytes_per_second", 0) * (self._clock() - self._start))
        grown = min(grown, int(entry["avail_bytes"]))  # full stops at full
        return FsUsage(size_bytes=int(entry["size_bytes"]), free_bytes=int(entry["free_bytes"]) - grown,
                       avail_bytes=int(entry["avail_bytes"]) - grown, files=int(entry["files"]),
                       files_free=int(entry["files_free"]), readonly=bool(entry.get("readonly", False)))


class MovingDisks:
    """The ``disks`` collect callable with smooth, time-based I/O added to the recorded counters."""

    def __init__(self, collect: Collect, clock: Callable[[], float] = time.monotonic) -> None:
        """Wrap ``collect``; the added I/O starts now."""
        self._collect = collect
        self._clock = clock
        self._start = clock()

    def __call__(self) -> DisksReading:
        """Read the recording, then add what each disk did since the demo started."""
        raw = cast("DisksReading", self._collect())
        t = self._clock() - self._start
        return msgspec.structs.replace(raw, disks=tuple(self._moved(d, t) for d in raw.disks))

    @staticmethod
    def _moved(d: DiskCounters, t: float) -> DiskCounters:
        load = _LOAD.get(d.name)
        if load is None:
            return d
        rd, wr, req, ms, busy = load
        # A slow wave (period ~2 min) so rates and utilisation visibly change.
        wave = t + 20.0 * (1 - math.cos(t / 20.0))
        read_b, write_b = rd * wave, wr * wave
        reads, writes = int(read_b / req), int(write_b / req)
        return msgspec.structs.replace(
            d, reads_total=d.reads_total + reads, writes_total=d.writes_total + writes,
            read_sectors_total=d.read_sectors_total + int(read_b / 512),
            write_sectors_total=d.write_sectors_total + int(write_b / 512),
            read_ms_total=d.read_ms_total + int(reads * ms), write_ms_total=d.write_ms_total + int(writes * ms * 1.5),
            io_ms_total=d.io_ms_total + int(busy * 1000 * wave), in_flight=1 if busy > 0.3 else 0,
        )

    def __getattr__(self, name: str) -> Any:
        """Forward what the spec uses besides calling it."""
        return getattr(self._collect, name)


class OneDiskError:
    """The ``domain_disks`` collect callable with every test-driver disk error cleared but one."""

    def __init__(self, collect: Collect) -> None:
        """Wrap ``collect``."""
        self._collect = collect

    def __call__(self) -> StorageReading:
        """The guest disks with only ``ERROR_DISK``'s error, as "no space left"."""
        raw = cast("StorageReading", self._collect())
        disks = tuple(replace(d, error="no space left" if (d.domain, d.target) == ERROR_DISK else None)
                      for d in raw.disks)
        return replace(raw, disks=disks)

    def __getattr__(self, name: str) -> Any:
        """Forward ``conn`` (closed by the spec's ``close``) and the rest."""
        return getattr(self._collect, name)
