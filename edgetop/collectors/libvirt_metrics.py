"""The domains' Prometheus families: the libvirt exporter lineage's names, and edgetop's own.

Grouped by name (``Family``): a node of 100 domains has ~3,500 samples here, and one
``Metric`` each (name, type and help repeated on every sample, grouped again by name at
the scrape) was most of a scrape's cost of building its metrics. Each family is a column
of label sets and one of values, each read in one pass (``map``) over the domains or
their devices.
"""

from __future__ import annotations

from functools import lru_cache
from operator import attrgetter

from edgetop.collectors.libvirt_stats import STATE_NAMES, DiskStats, NicStats, VcpuStats
from edgetop.collectors.libvirt_view import DomainsView
from edgetop.model.spec import Family, Labels, Metric, flat, known

_STATE_CODES = {name: code for code, name in STATE_NAMES.items()}
_KEPT = 16384  # label sets kept per kind (domains, vCPUs, disks, interfaces, states)

_INFO = (  # libvirt_domain_info_*: type, help, where the value is (DomainStats or Balloon attribute)
    ("domain_info_cpu_time_seconds_total", "counter", "Amount of CPU time used by the domain, in seconds.",
     "cpu_time_seconds_total"),
    ("domain_info_maximum_memory_bytes", "gauge", "Maximum allowed memory of the domain, in bytes.",
     "balloon.maximum_bytes"),
    ("domain_info_memory_usage_bytes", "gauge", "Memory usage of the domain, in bytes.", "balloon.current_bytes"),
    ("domain_info_virtual_cpus", "gauge", "Number of virtual CPUs for the domain.", "vcpus"),
)

_MEMORY_STATS = (  # the memory_stats families, from the balloon driver: name, type, help, DomainStats attribute
    ("domain_memory_stats_actual_balloon_bytes", "gauge", "Current balloon value (in bytes).",
     "balloon.actual_bytes"),
    ("domain_memory_stats_available_bytes", "gauge", "Total usable memory as seen by the domain, in bytes.",
     "balloon.available_bytes"),
    ("domain_memory_stats_unused_bytes", "gauge", "Memory left completely unused by the system, in bytes.",
     "balloon.unused_bytes"),
    ("domain_memory_stats_usable_bytes", "gauge", "Memory the guest can reclaim without swapping, in bytes.",
     "balloon.usable_bytes"),
    ("domain_memory_stats_rss_bytes", "gauge", "Resident set size of the running domain's process, in bytes.",
     "balloon.rss_bytes"),
    ("domain_memory_stats_disk_cache_bytes", "gauge", "Memory the guest can reclaim from its disk caches.",
     "balloon.disk_caches_bytes"),
    ("domain_memory_stats_major_fault_total", "counter", "Page faults that needed disk IO in the guest.",
     "balloon.major_faults_total"),
    ("domain_memory_stats_minor_fault_total", "counter", "Page faults served from memory in the guest.",
     "balloon.minor_faults_total"),
)

_VCPU = (  # per vCPU, counters: name, help, VcpuStats attribute
    ("domain_vcpu_time_seconds_total", "Amount of CPU time used by the vCPU, in seconds.", "time_seconds_total"),
    ("domain_vcpu_wait_seconds_total", "Time the vCPU wants to run but the host scheduler has something else "
     "running ahead of it, in seconds.", "wait_seconds_total"),
    ("domain_vcpu_delay_seconds_total", "Time the vCPU spent runnable but not running (the guest's steal), "
     "in seconds.", "delay_seconds_total"),
)

_BLOCK = (  # per disk, counters: name, help, DiskStats attribute
    ("domain_block_stats_read_bytes_total", "Number of bytes read from a block device, in bytes.",
     "read_bytes_total"),
    ("domain_block_stats_read_requests_total", "Number of read requests from a block device.",
     "read_requests_total"),
    ("domain_block_stats_write_bytes_total", "Number of bytes written to a block device, in bytes.",
     "write_bytes_total"),
    ("domain_block_stats_write_requests_total", "Number of write requests to a block device.",
     "write_requests_total"),
)

_NIC = tuple(  # per interface, counters: name, help, NicStats attribute
    (f"domain_interface_stats_{direction}_{what}_total", f"Number of {what} ({direction}) on a network interface.",
     f"{short}_{what}_total")
    for direction, short in (("receive", "rx"), ("transmit", "tx")) for what in ("bytes", "packets", "errors", "drops"))

_RATIOS = (  # edgetop's own, per domain: name, help, DomainView attribute
    ("domain_steal_ratio", "mean vCPU delay share of wall time", "steal_ratio"),
    ("domain_balloon_squeeze_ratio", "1 - balloon actual / maximum", "squeeze_ratio"),
    ("domain_balloon_usable_ratio", "guest usable memory / what the guest sees", "usable_ratio"),
)


def families(v: DomainsView) -> list[Family]:
    """Per domain: the libvirt exporter's families, and edgetop's state name, steal and balloon pressure.

    Labels as Debian's prometheus-libvirt-exporter (kumina 0.2.0): ``domain`` and ``uuid``;
    block devices add ``source_file`` and ``target_device``, interfaces ``target_device``
    (kumina's ``source_bridge`` moved to an ``interface_meta`` family in the later forks).
    An unknown value is no sample; a family without samples is not exported. The families
    come in the order of their first samples, domain by domain and device by device (a
    shut-off first domain has no CPU time): the order ``to_families`` gives them one by one.
    """
    stats = [d.stats for d in v.domains]
    labels = [_labels(s.name, s.uuid) for s in stats]
    states = [_state_labels(s.name, s.uuid, s.state) for s in stats]
    # A family's first sample's labels → its domain and device: where the family first shows.
    where: dict[Labels, tuple[int, int]] = {lab: (i, 0) for i, lab in enumerate(labels)}
    where.update((lab, (i, 0)) for i, lab in enumerate(states))
    vcpus: list[tuple[Labels, VcpuStats]] = []
    disks: list[tuple[Labels, DiskStats]] = []
    nics: list[tuple[Labels, NicStats]] = []
    for i, s in enumerate(stats):
        for n, vc in enumerate(s.vcpu_list):
            vcpus.append((lab := _vcpu_labels(s.name, s.uuid, vc.id), vc))
            where[lab] = (i, n)
        for n, disk in enumerate(s.disks):
            disks.append((lab := _disk_labels(s.name, s.uuid, disk.path or "", disk.name), disk))
            where[lab] = (i, n)
        for n, nic in enumerate(s.nics):
            nics.append((lab := _nic_labels(s.name, s.uuid, nic.name), nic))
            where[lab] = (i, n)
    # Each family with its place among one domain's samples: group (domain, vCPUs, disks,
    # interfaces, domain again), then its rank in the group.
    made = [(Family("domain_state_code", labels, [float(_STATE_CODES.get(s.state, 0)) for s in stats], "gauge",
                    "State of the domain (libvirt's virDomainState).", "libvirt"), 0, 0)]
    for rank, (name, kind, text, attr) in enumerate((*_INFO, *_MEMORY_STATS)):
        made.append((Family(name, *known(labels, map(attrgetter(attr), stats)), kind, text, "libvirt"), 0, 1 + rank))
    for group, devices, table in ((1, vcpus, _VCPU), (2, disks, _BLOCK), (3, nics, _NIC)):
        device_labels = [lab for lab, _ in devices]
        objects = [device for _, device in devices]
        for rank, (name, text, attr) in enumerate(table):
            made.append((Family(name, *known(device_labels, map(attrgetter(attr), objects)), "counter", text,
                                "libvirt"), group, rank))
    made.append((Family("domain_state", states, [1.0] * len(states), "gauge", "1 for the domain's current state"),
                 4, 0))
    for rank, (name, text, attr) in enumerate(_RATIOS):
        made.append((Family(name, *known(labels, map(attrgetter(attr), v.domains)), "gauge", text), 4, 1 + rank))

    def first_seen(entry: tuple[Family, int, int]) -> tuple[int, int, int, int]:
        family, group, rank = entry
        domain, device = where[family.labels[0]]
        return domain, group, device, rank

    shown = sorted((entry for entry in made if entry[0].labels), key=first_seen)
    return [Family("up", [()], [1.0], "gauge", "Whether scraping libvirt's metrics was successful.", "libvirt"),
            *[family for family, _, _ in shown]]


# Label sets, one object per series for as long as it lasts: a scrape's families then carry
# the very tuples the last scrape's did, which the renderer's comparison with the last
# scrape's labels passes by identity (``TextRenderer``). Bounded: least recently used go first.
@lru_cache(maxsize=_KEPT)
def _labels(name: str, uuid: str) -> Labels:
    return (("domain", name), ("uuid", uuid))


@lru_cache(maxsize=_KEPT)
def _vcpu_labels(name: str, uuid: str, vcpu: int) -> Labels:
    return (*_labels(name, uuid), ("vcpu", str(vcpu)))


@lru_cache(maxsize=_KEPT)
def _disk_labels(name: str, uuid: str, source: str, target: str) -> Labels:
    return (*_labels(name, uuid), ("source_file", source), ("target_device", target))


@lru_cache(maxsize=_KEPT)
def _nic_labels(name: str, uuid: str, target: str) -> Labels:
    return (*_labels(name, uuid), ("target_device", target))


@lru_cache(maxsize=_KEPT)
def _state_labels(name: str, uuid: str, state: str) -> Labels:
    return (*_labels(name, uuid), ("state", state))


def metrics(v: DomainsView) -> list[Metric]:
    """``families`` sample by sample (tests and tools; the exporter takes the families)."""
    return flat(families(v))
