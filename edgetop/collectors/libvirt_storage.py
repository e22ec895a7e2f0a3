"""libvirt storage pools and each running guest's disks with their errors.

Through the libvirt connection the domains collector uses (one per URI, shared):
``virConnectListAllStoragePools`` and ``virStoragePoolGetInfo`` (state, capacity,
allocation, available), the pool XML's ``<target><path>``; per running domain,
``virDomainGetDiskErrors`` (a disk hit ``ENOSPC`` or an I/O error: QEMU paused the guest or
reported it, depending on the disk's ``error_policy``), ``virDomainGetBlockInfo``
(capacity, allocation, physical) and ``virDomainGetState`` (paused because of an I/O error).
Pure parsers and derivations below; the collect callable only asks libvirt.
"""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from typing import Any

from edgetop.collectors.libvirt_xml import domain_root
from edgetop.config_schema import Config
from edgetop.errors import ParseError
from edgetop.model.alerts import Alert, Severity, level_above
from edgetop.model.spec import CollectorSpec, Context, Metric, as_named
from edgetop.sources.libvirt_conn import LibvirtConnection, acquire, release

# virStoragePoolState (libvirt-storage.h).
POOL_STATES = {0: "inactive", 1: "building", 2: "running", 3: "degraded", 4: "inaccessible"}
# virDomainDiskErrorCode (libvirt-domain.h).
DISK_ERRORS = {0: None, 1: "I/O error", 2: "no space left"}
_PAUSED, _PAUSED_IOERROR = 3, 5  # VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_IOERROR
MAX_POOLS = 1024


@dataclass(frozen=True, slots=True)
class Pool:
    """One storage pool.

    Attributes:
        name: the pool's name (outside text).
        state: running, inactive, building, degraded, inaccessible.
        pool_type: dir, logical, netfs, rbd … (from its XML).
        target_path: where its volumes live (``dir``/``fs``/``netfs`` pools).
        capacity_bytes, allocation_bytes, available_bytes: ``virStoragePoolGetInfo``.

    """

    name: str
    state: str
    pool_type: str | None
    target_path: str | None
    capacity_bytes: int | None
    allocation_bytes: int | None
    available_bytes: int | None

    @property
    def used_ratio(self) -> float | None:
        """Allocation over capacity (None for an inactive pool, which reports 0)."""
        if not self.capacity_bytes or self.allocation_bytes is None or self.state != "running":
            return None
        return self.allocation_bytes / self.capacity_bytes


@dataclass(frozen=True, slots=True)
class DomainDisk:
    """One disk of a running guest.

    Attributes:
        domain: the guest's name (outside text).
        target: the guest's device name (``vda``).
        source: the image file or block device (outside text).
        error: I/O error, no space left, or None.
        paused_on_io_error: the guest is paused because of an I/O error.
        capacity_bytes, allocation_bytes, physical_bytes: ``virDomainGetBlockInfo``.

    """

    domain: str
    target: str
    source: str | None
    error: str | None
    paused_on_io_error: bool
    capacity_bytes: int | None = None
    allocation_bytes: int | None = None
    physical_bytes: int | None = None


def parse_pool_xml(text: str) -> tuple[str | None, str | None]:
    """(type, target path) of a pool's XML description.

    Raises:
        ParseError: a DTD, not XML, or no ``<pool>`` root.

    """
    if "<!ENTITY" in text or "<!DOCTYPE" in text:
        raise ParseError("pool XML with a DTD is refused")
    try:
        root = ET.fromstring(text)  # noqa: S314 - no DTD/entities (checked above); from libvirt itself
    except ET.ParseError as err:
        raise ParseError(f"pool XML: {err}") from err
    if root.tag != "pool":
        raise ParseError(f"pool XML root is <{root.tag}>")
    path = root.findtext("target/path")
    return root.get("type"), (path.strip() or None) if path else None


def pool_from_info(name: str, info: Any, xml: str | None) -> Pool:
    """Build a :class:`Pool` from ``virStoragePoolGetInfo``'s list and the pool's XML."""
    values = list(info) if isinstance(info, list | tuple) else []
    nums = [v if isinstance(v, int) and v >= 0 else None for v in values[:4]]
    nums += [None] * (4 - len(nums))
    pool_type, path = (None, None)
    if xml:
        with contextlib.suppress(ParseError):
            pool_type, path = parse_pool_xml(xml)
    return Pool(name=name, state=POOL_STATES.get(nums[0] if nums[0] is not None else -1, "unknown"),
                pool_type=pool_type, target_path=path, capacity_bytes=nums[1], allocation_bytes=nums[2],
                available_bytes=nums[3])


def disk_targets(xml: str) -> list[tuple[str, str | None]]:
    """(target dev, source file or device) of each ``<disk device='disk'>`` in a domain's XML."""
    root = domain_root(xml)  # refuses a DTD before parsing, as for the domains collector
    out = []
    for disk in root.iterfind("devices/disk"):
        if disk.get("device", "disk") != "disk":
            continue
        target = disk.find("target")
        dev = target.get("dev") if target is not None else None
        if not dev:
            continue
        source = disk.find("source")
        src = None
        if source is not None:
            src = source.get("file") or source.get("dev") or source.get("name") or source.get("volume")
        out.append((dev, src))
    return out


@dataclass(frozen=True, slots=True)
class StorageReading:
    """The pools and the running guests' disks."""

    pools: tuple[Pool, ...]
    disks: tuple[DomainDisk, ...]


class StorageCollector:
    """The collect callable: asks libvirt through the shared connection for pools or guest disks."""

    def __init__(self, conn: LibvirtConnection, pools: bool) -> None:
        """Collect the pools (``pools``) or the running guests' disks through ``conn``."""
        self.conn = conn
        self.pools = pools

    def __call__(self) -> StorageReading:
        """Pools, or each running domain's disks."""
        return self.conn.call(self._pools if self.pools else self._disks)  # type: ignore[no-any-return]

    def _pools(self, conn: Any) -> StorageReading:
        lv = self.conn.libvirt
        pools = []
        for p in conn.listAllStoragePools(0)[:MAX_POOLS]:
            try:
                pools.append(pool_from_info(p.name(), p.info(), p.XMLDesc(0)))
            except lv.libvirtError:  # undefined meanwhile: skip it this tick
                continue
        return StorageReading(tuple(sorted(pools, key=lambda p: p.name)), ())  # libvirt's order is a hash's

    def _disks(self, conn: Any) -> StorageReading:
        lv = self.conn.libvirt
        disks: list[DomainDisk] = []
        for dom in conn.listAllDomains(lv.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
            try:
                disks.extend(self._domain_disks(lv, dom))
            except (lv.libvirtError, ParseError):  # gone meanwhile, or XML we refuse
                continue
        return StorageReading((), tuple(sorted(disks, key=lambda d: (d.domain, d.target))))

    @staticmethod
    def _domain_disks(lv: Any, dom: Any) -> list[DomainDisk]:
        name = dom.name()
        state = dom.state()
        io_paused = isinstance(state, list | tuple) and tuple(state[:2]) == (_PAUSED, _PAUSED_IOERROR)
        errors: dict[str, int] = {}
        with contextlib.suppress(lv.libvirtError):  # not every driver implements it
            errors = dom.diskErrors() or {}
        out = []
        for target, source in disk_targets(dom.XMLDesc(0)):
            info = None
            with contextlib.suppress(lv.libvirtError):
                info = dom.blockInfo(target)
            vals = [v if isinstance(v, int) and v >= 0 else None for v in (info or [None, None, None])[:3]]
            vals += [None] * (3 - len(vals))
            out.append(DomainDisk(name, target, source, DISK_ERRORS.get(errors.get(target, 0), "error"),
                                  io_paused, vals[0], vals[1], vals[2]))
        return out


def pools_json(view: StorageReading) -> list[dict[str, Any]]:
    """The ``storage_pools`` JSON section."""
    return [asdict(p) | {"used_ratio": p.used_ratio} for p in view.pools]


def disks_json(view: StorageReading) -> list[dict[str, Any]]:
    """The ``domain_disks`` JSON section."""
    return [asdict(d) for d in view.disks]


def alerts(view: StorageReading, config: Config) -> list[Alert]:
    """A pool nearly full or not running; a guest disk with an error (no space, I/O error)."""
    out = []
    for p in view.pools:
        sev = level_above(p.used_ratio, config.thresholds.pool_used_ratio)
        if sev is not None and p.used_ratio is not None:
            out.append(Alert(sev, "storage_pools", p.name, f"storage pool {p.name} is {p.used_ratio:.0%} allocated"))
        if p.state not in ("running", "inactive"):
            out.append(Alert(Severity.WARNING, "storage_pools", p.name, f"storage pool {p.name} is {p.state}"))
    for d in view.disks:
        if d.error:
            paused = ", guest paused" if d.paused_on_io_error else ""
            out.append(Alert(Severity.CRITICAL, "domain_disks", f"{d.domain}/{d.target}",
                             f"{d.domain} disk {d.target}: {d.error}{paused}"))
    return out


def metrics(view: StorageReading) -> list[Metric]:
    """Prometheus samples; node_exporter's, libvirt's and smartctl_exporter's families under their names."""
    return as_named(_metrics(view))


def _metrics(view: StorageReading) -> list[Metric]:
    """libvirt_exporter's pool names; a per-disk error flag."""
    out = []
    for p in view.pools:
        labels = (("storage_pool", p.name),)
        for name, value, text in (
            ("libvirt_storage_pool_capacity_bytes", p.capacity_bytes, "Size of the storage pool in bytes"),
            ("libvirt_storage_pool_allocation_bytes", p.allocation_bytes, "Allocation of the storage pool in bytes"),
            ("libvirt_storage_pool_available_bytes", p.available_bytes, "Free space of the storage pool in bytes"),
        ):
            if value is not None:
                out.append(Metric(name, float(value), labels, help=text))
        out.append(Metric("libvirt_storage_pool_state", 1.0 if p.state == "running" else 0.0, labels,
                          help="1 when the storage pool is running"))
    for d in view.disks:
        out.append(Metric("libvirt_domain_block_error", 0.0 if d.error is None else 1.0,
                          (("domain", d.domain), ("target_device", d.target)),
                          help="1 when libvirt reports an error (I/O error, no space) on the disk"))
    return out


def _close(collect: Any) -> None:
    release(collect.conn)


def specs(ctx: Context) -> list[CollectorSpec]:
    """``storage_pools`` (pools) and ``domain_disks`` (guest disks), in the libvirt lane.

    Every 10 s at most: the per-domain calls cost one RPC each through libvirtd.
    """
    interval = max(10.0, ctx.config.libvirt.interval)
    timeout = ctx.config.libvirt.timeout

    return [
        CollectorSpec(name="storage_pools", lane="libvirt", json_key="storage_pools", pane="storage",
                      build=lambda c: StorageCollector(acquire(c.config.libvirt.uri), pools=True),
                      interval=interval, timeout=timeout, to_json=pools_json, empty_json=list, alerts=alerts,
                      metrics=metrics, close=_close),
        CollectorSpec(name="domain_disks", lane="libvirt", json_key="domain_disks", pane="storage",
                      build=lambda c: StorageCollector(acquire(c.config.libvirt.uri), pools=False),
                      interval=interval, timeout=timeout, to_json=disks_json, empty_json=list, alerts=alerts,
                      metrics=metrics, close=_close),
    ]
