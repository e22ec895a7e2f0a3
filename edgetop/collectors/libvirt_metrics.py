"""The domains' Prometheus families: the libvirt exporter lineage's names, and edgetop's own.

Grouped by name (``Family``), built in one pass over the domains: a node of 100 domains
has ~3,500 samples here, and one ``Metric`` each (name, type and help repeated on every
sample) was most of a scrape's cost of building its metrics.
"""

from __future__ import annotations

from edgetop.collectors.libvirt_stats import STATE_NAMES
from edgetop.collectors.libvirt_view import DomainsView
from edgetop.model.spec import Family, Labels, Metric, flat

Samples = list[tuple[Labels, float]]

_STATE_CODES = {name: code for code, name in STATE_NAMES.items()}

_INFO = (  # libvirt_domain_info_*: type, help
    ("domain_info_cpu_time_seconds_total", "counter", "Amount of CPU time used by the domain, in seconds."),
    ("domain_info_maximum_memory_bytes", "gauge", "Maximum allowed memory of the domain, in bytes."),
    ("domain_info_memory_usage_bytes", "gauge", "Memory usage of the domain, in bytes."),
    ("domain_info_virtual_cpus", "gauge", "Number of virtual CPUs for the domain."),
)

_MEMORY_STATS = (  # the memory_stats families, from the balloon driver: name, Balloon attribute, type, help
    ("domain_memory_stats_actual_balloon_bytes", "actual_bytes", "gauge", "Current balloon value (in bytes)."),
    ("domain_memory_stats_available_bytes", "available_bytes", "gauge",
     "Total usable memory as seen by the domain, in bytes."),
    ("domain_memory_stats_unused_bytes", "unused_bytes", "gauge",
     "Memory left completely unused by the system, in bytes."),
    ("domain_memory_stats_usable_bytes", "usable_bytes", "gauge",
     "Memory the guest can reclaim without swapping, in bytes."),
    ("domain_memory_stats_rss_bytes", "rss_bytes", "gauge",
     "Resident set size of the running domain's process, in bytes."),
    ("domain_memory_stats_disk_cache_bytes", "disk_caches_bytes", "gauge",
     "Memory the guest can reclaim from its disk caches."),
    ("domain_memory_stats_major_fault_total", "major_faults_total", "counter",
     "Page faults that needed disk IO in the guest."),
    ("domain_memory_stats_minor_fault_total", "minor_faults_total", "counter",
     "Page faults served from memory in the guest."),
)

_VCPU = (  # per vCPU, counters
    ("domain_vcpu_time_seconds_total", "Amount of CPU time used by the vCPU, in seconds."),
    ("domain_vcpu_wait_seconds_total", "Time the vCPU wants to run but the host scheduler has something else "
     "running ahead of it, in seconds."),
    ("domain_vcpu_delay_seconds_total", "Time the vCPU spent runnable but not running (the guest's steal), "
     "in seconds."),
)

_BLOCK = (  # per disk, counters
    ("domain_block_stats_read_bytes_total", "Number of bytes read from a block device, in bytes."),
    ("domain_block_stats_read_requests_total", "Number of read requests from a block device."),
    ("domain_block_stats_write_bytes_total", "Number of bytes written to a block device, in bytes."),
    ("domain_block_stats_write_requests_total", "Number of write requests to a block device."),
)

_NIC = tuple(  # per interface, counters
    (f"domain_interface_stats_{direction}_{what}_total", f"Number of {what} ({direction}) on a network interface.")
    for direction in ("receive", "transmit") for what in ("bytes", "packets", "errors", "drops"))

_RATIOS = (  # edgetop's own, per domain
    ("domain_steal_ratio", "mean vCPU delay share of wall time"),
    ("domain_balloon_squeeze_ratio", "1 - balloon actual / maximum"),
    ("domain_balloon_usable_ratio", "guest usable memory / what the guest sees"),
)


def families(v: DomainsView) -> list[Family]:
    """Per domain: the libvirt exporter's families, and edgetop's state name, steal and balloon pressure.

    Labels as Debian's prometheus-libvirt-exporter (kumina 0.2.0): ``domain`` and ``uuid``;
    block devices add ``source_file`` and ``target_device``, interfaces ``target_device``
    (kumina's ``source_bridge`` moved to an ``interface_meta`` family in the later forks).
    An unknown value is no sample; a family without samples is not exported. The families
    come in the order of their first samples, domain by domain (a shut-off first domain
    has no CPU time): the order ``to_families`` would give them sample by sample.
    """
    state_code: Samples = []
    info: list[Samples] = [[] for _ in _INFO]
    memory: list[Samples] = [[] for _ in _MEMORY_STATS]
    vcpu: list[Samples] = [[] for _ in _VCPU]
    block: list[Samples] = [[] for _ in _BLOCK]
    nic: list[Samples] = [[] for _ in _NIC]
    state: Samples = []
    ratios: list[Samples] = [[] for _ in _RATIOS]
    seen: list[Samples] = []  # each family's samples, in the order of its first sample
    for d in v.domains:
        s, b = d.stats, d.stats.balloon
        lab = (("domain", s.name), ("uuid", s.uuid))
        if not state_code:
            seen.append(state_code)
        state_code.append((lab, float(_STATE_CODES.get(s.state, 0))))
        values = (s.cpu_time_seconds_total, b.maximum_bytes, b.current_bytes, s.vcpus,
                  *[getattr(b, attr) for _, attr, _, _ in _MEMORY_STATS])
        for samples, value in zip((*info, *memory), values, strict=True):
            if value is not None:
                if not samples:
                    seen.append(samples)
                samples.append((lab, float(value)))
        for vc in s.vcpu_list:
            vlab = (*lab, ("vcpu", str(vc.id)))
            for samples, seconds in zip(vcpu, (vc.time_seconds_total, vc.wait_seconds_total, vc.delay_seconds_total),
                                        strict=True):
                if seconds is not None:
                    if not samples:
                        seen.append(samples)
                    samples.append((vlab, seconds))
        for disk in s.disks:
            dlab = (*lab, ("source_file", disk.path or ""), ("target_device", disk.name))
            for samples, value in zip(block, (disk.read_bytes_total, disk.read_requests_total, disk.write_bytes_total,
                                              disk.write_requests_total), strict=True):
                if value is not None:
                    if not samples:
                        seen.append(samples)
                    samples.append((dlab, float(value)))
        for n in s.nics:
            nlab = (*lab, ("target_device", n.name))
            for samples, value in zip(nic, (n.rx_bytes_total, n.rx_packets_total, n.rx_errors_total, n.rx_drops_total,
                                            n.tx_bytes_total, n.tx_packets_total, n.tx_errors_total, n.tx_drops_total),
                                      strict=True):
                if value is not None:
                    if not samples:
                        seen.append(samples)
                    samples.append((nlab, float(value)))
        if not state:
            seen.append(state)
        state.append(((*lab, ("state", s.state)), 1.0))
        for samples, ratio in zip(ratios, (d.steal_ratio, d.squeeze_ratio, d.usable_ratio), strict=True):
            if ratio is not None:
                if not samples:
                    seen.append(samples)
                samples.append((lab, ratio))
    made = {id(f.samples): f for f in _made(state_code, info, memory, vcpu, block, nic, state, ratios)}
    return [Family("up", [((), 1.0)], "gauge", "Whether scraping libvirt's metrics was successful.", "libvirt"),
            *[made[id(samples)] for samples in seen]]


def _made(state_code: Samples, info: list[Samples], memory: list[Samples], vcpu: list[Samples],
          block: list[Samples], nic: list[Samples], state: Samples, ratios: list[Samples]) -> list[Family]:
    """The families around the sample lists ``families`` filled."""
    out = [Family("domain_state_code", state_code, "gauge", "State of the domain (libvirt's virDomainState).",
                  "libvirt")]
    out += [Family(name, samples, kind, text, "libvirt")
            for (name, kind, text), samples in zip(_INFO, info, strict=True)]
    out += [Family(name, samples, kind, text, "libvirt")
            for (name, _, kind, text), samples in zip(_MEMORY_STATS, memory, strict=True)]
    for table, groups in ((_VCPU, vcpu), (_BLOCK, block), (_NIC, nic)):
        out += [Family(name, samples, "counter", text, "libvirt")
                for (name, text), samples in zip(table, groups, strict=True)]
    out.append(Family("domain_state", state, "gauge", "1 for the domain's current state"))
    out += [Family(name, samples, "gauge", text) for (name, text), samples in zip(_RATIOS, ratios, strict=True)]
    return out


def metrics(v: DomainsView) -> list[Metric]:
    """``families`` sample by sample (tests and tools; the exporter takes the families)."""
    return flat(families(v))
