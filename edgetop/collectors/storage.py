"""The Storage pane's collectors, registered as one module (``collectors/registry.py``).

Filesystems, disk I/O, md RAID and SMART are read on this host (the ``storage`` lane);
libvirt's storage pools and the guests' disks through the shared libvirt connection
(the ``libvirt`` lane). Each has a module of its own with its pure parsers.
"""

from __future__ import annotations

from edgetop.collectors import diskstats, filesystems, libvirt_storage, mdstat, smart
from edgetop.model.spec import CollectorSpec, Context


def specs(ctx: Context) -> list[CollectorSpec]:
    """Every storage spec, in the pane's section order."""
    return [filesystems.spec(ctx), diskstats.spec(ctx), smart.spec(ctx), mdstat.spec(ctx),
            *libvirt_storage.specs(ctx)]
