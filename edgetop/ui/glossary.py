"""Every column header and every term edgetop shows, explained in plain words: the one source.

``?`` (``screens/help.py``) lists the current screen's terms first, then the rest; the
README's glossary is written from the same entries, and ``tests/ui/test_glossary.py``
mounts every pane and detail screen and fails when a column header has no entry here.

A header means different things in different places ("State" of a domain, of a link, of
a time source), so an entry names the places (pane or screen ids) where it explains a
header; ``lookup(place, header)`` finds it. Sort markers a table may put before or after
a header (``▲``, ``▼``, ``↑``, ``↓``; `` v``, ``^`` on the console) are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Term:
    """One explained word.

    Attributes:
        name: the word as it appears on screen.
        text: what it means, in a sentence or two (units and where the number comes from).
        places: pane or screen ids where ``headers`` are column headers; empty: a general term.
        headers: the column headers this entry explains (as shown); empty: ``(name,)``.

    """

    name: str
    text: str
    places: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()

    def explains(self) -> tuple[str, ...]:
        """The headers this entry explains."""
        return self.headers or (self.name,)


_T = Term
TERMS: tuple[Term, ...] = (
    # -- general words, shown in several places
    _T("steal", "Time a virtual CPU was ready to run but the host ran something else: on a host, "
       "/proc/stat's steal (this host is itself a guest); for a guest, libvirt's vcpu delay. "
       "High steal means the CPUs are overcommitted."),
    _T("delay", "libvirt's vcpu.N.delay: time a guest's vCPU waited on a host run queue (runnable, not running). "
       "The guest's kernel reports it as steal."),
    _T("wait", "libvirt's vcpu.N.wait: time a guest's vCPU was idle or blocked in the host (halted, waiting "
       "for I/O); not a problem by itself."),
    _T("squeeze", "How far a guest's memory balloon has taken memory away: 1 - current / maximum memory. "
       "0% nothing taken; high values leave the guest short of memory."),
    _T("usable", "Memory a guest could still use without swapping, as a share of what it sees "
       "(balloon stats usable / available). Low is bad."),
    _T("balloon", "virtio-balloon: the host lends memory to a guest and takes it back; the guest's current "
       "size is what the balloon left it."),
    _T("offset", "This clock minus the reference clock; + means this clock is ahead. "
       "An offset is only meaningful with its error bound."),
    _T("pressure", "Linux PSI (/proc/pressure): the share of time some tasks were stalled waiting for CPU, "
       "memory or I/O, averaged over 10 s (avg10)."),
    _T("stale", "A value kept from an earlier tick while its source is down: greyed, with its age."),
    _T("unavailable", "The source could not be read this tick; the reason follows, and the other panes keep working."),
    _T("n/a", "Unknown: the source does not give this value (not zero)."),
    _T("B/s", "Bytes per second (KiB/s, MiB/s, GiB/s: 1024-based), as disk and guest I/O rates are shown."),
    _T("bit/s", "Bits per second, decimal (kbit/s = 1000 bit/s), as link speeds are given; "
       "the % after it is of the link's speed."),
    # -- CPU pane
    _T("CPU", "The CPU (core) number as the kernel numbers it; 'all' is every CPU together.", ("cpu",)),
    _T("Usage", "The share of time the CPU was busy, as a bar (user, system, other busy states).", ("cpu",)),
    _T("user", "Share of time running user programs (including nice).", ("cpu",)),
    _T("sys", "Share of time running the kernel for programs.", ("cpu",)),
    _T("iowait", "Share of time idle while some task waited for disk I/O.", ("cpu",)),
    _T("irq+si", "Share of time serving hardware interrupts and softirqs (network, timers).", ("cpu",)),
    _T("steal (CPU)", "Share of time this host (itself a guest) was ready but its hypervisor ran something else.",
       ("cpu",), ("steal",)),
    _T("idle", "Share of time with nothing to run.", ("cpu",)),
    _T("MHz", "The CPU's current clock frequency (cpufreq scaling_cur_freq), n/a when not reported.", ("cpu",)),
    _T("throttle", "Times the CPU was slowed down because it ran too hot (thermal_throttle counters).", ("cpu",)),
    # -- processes pane
    _T("PID", "Process id.", ("processes",)),
    _T("USER", "The account the process runs as.", ("processes",)),
    _T("S", "Process state: R running, S sleeping, D waiting for I/O (uninterruptible), Z zombie, "
       "T stopped, I idle kernel thread.", ("processes",)),
    _T("CPU% (process)", "CPU time over wall time since the last tick; 100% is one whole CPU.",
       ("processes",), ("CPU%",)),
    _T("RSS", "Resident memory: the process's pages in RAM (B, K, M, G = 1024-based).", ("processes",)),
    _T("THR", "Number of threads.", ("processes",)),
    _T("RD/s", "Bytes per second the process made the block layer read (/proc/<pid>/io read_bytes; page-cache "
       "hits not counted; K, M, G = 1024-based). n/a when unreadable (another user's process without "
       "CAP_SYS_PTRACE).", ("processes",)),
    _T("WR/s", "Bytes per second the process sent to the block layer to write (/proc/<pid>/io write_bytes: "
       "counted when its dirty pages go to disk, so it may lag the write itself).", ("processes",)),
    _T("AFFINITY", "The CPUs the process may run on (sched_getaffinity).", ("processes",)),
    _T("TIME", "CPU time used since the process started.", ("processes",)),
    _T("COMMAND", "The command line (kernel threads in brackets).", ("processes",)),
    # -- domains pane
    _T("Name", "The guest (libvirt domain) name.", ("domains",)),
    _T("State", "libvirt's domain state (running, paused, shut off, crashed …), with its reason where known.",
       ("domains",)),
    _T("vCPU", "Number of virtual CPUs of the guest.", ("domains",)),
    _T("CPU% (domain)", "Guest CPU time over wall time, per vCPU: 100% means every vCPU fully busy.",
       ("domains",), ("CPU%",)),
    _T("Steal% (domain)", "Mean delay of the guest's vCPUs: time they were ready but not running.",
       ("domains",), ("Steal%",)),
    _T("Squeeze (column)", "Balloon squeeze: 1 - current / maximum memory of the guest.", ("domains",), ("Squeeze",)),
    _T("Usable (column)", "Usable / available memory as the guest reports it through the balloon.",
       ("domains",), ("Usable",)),
    _T("Balloon (column)", "The guest's current memory size, as the balloon left it.", ("domains",), ("Balloon",)),
    _T("Host%", "The guest's CPU time as a share of all the host's CPUs.", ("domains",)),
    _T("RSS (domain)", "Host memory the guest's QEMU process holds in RAM.", ("domains",), ("RSS",)),
    _T("Disk r/w", "Bytes per second the guest read / wrote on its disks.", ("domains",)),
    _T("Net rx/tx", "Bytes per second the guest received / sent on its interfaces.", ("domains",)),
    _T("PID (domain)", "Process id of the guest's QEMU process.", ("domains",), ("PID",)),
    # -- domain detail screen
    _T("vCPU (detail)", "The virtual CPU number inside the guest.", ("domain_detail",), ("vCPU",)),
    _T("pCPU", "The host CPU this vCPU ran on last.", ("domain_detail",)),
    _T("Affinity (vCPU)", "The host CPUs this vCPU may run on (its pinning).", ("domain_detail",), ("Affinity",)),
    _T("Run%", "Share of wall time this vCPU ran.", ("domain_detail",)),
    _T("Wait%", "Share of wall time this vCPU waited in the host (see wait).", ("domain_detail",)),
    _T("Steal% (vCPU)", "Share of wall time this vCPU was ready but not running (its delay).",
       ("domain_detail",), ("Steal%",)),
    _T("Wait (history)", "Recent wait of this vCPU, as a sparkline scaled to 100%.", ("domain_detail",), ("Wait",)),
    _T("Delay (history)", "Recent delay (steal) of this vCPU, as a sparkline.", ("domain_detail",), ("Delay",)),
    _T("Delay from", "Where the delay figure comes from: libvirt's vcpu.N.delay, or the vCPU thread's "
       "schedstat in /proc.", ("domain_detail",)),
    _T("TID", "The host thread id of this vCPU.", ("domain_detail",)),
    # -- sensors pane
    _T("CHIP", "The hwmon chip or thermal zone the sensor belongs to.", ("sensors",)),
    _T("SENSOR", "The sensor's label (temp1, fan2, in0 …).", ("sensors",)),
    _T("NOW", "The current reading, with its unit (°C, RPM, V, W).", ("sensors",)),
    _T("HIGH", "The chip's high limit (warning), when it has one.", ("sensors",)),
    _T("CRIT", "The chip's critical limit, when it has one.", ("sensors",)),
    _T("LEVEL", "The reading as a bar between its limits.", ("sensors",)),
    _T("TREND", "Recent readings as a sparkline.", ("sensors",)),
    _T("NOTE", "Why a reading is flagged (alarm bit, fan stopped, no limit known).", ("sensors",)),
    # -- network pane
    _T("NAME (link)", "The interface name (and the guest that owns a tap).", ("network",), ("NAME",)),
    _T("KIND", "What the interface is: physical, bond, bridge, tap, veth, vlan …", ("network",)),
    _T("STATE (link)", "The link's operational state (up, down, lowerlayerdown …).", ("network",), ("STATE",)),
    _T("SPEED", "The negotiated link speed in bit/s (n/a for virtual links).", ("network",)),
    _T("DUPLEX", "Full or half duplex, as negotiated.", ("network",)),
    _T("MTU", "The largest packet the interface sends, in bytes.", ("network",)),
    _T("MASTER", "The bond or bridge this interface is enslaved to.", ("network",)),
    _T("RX/s", "Received per second, in bits (kb, Mb, Gb: 1000-based), then the share of the link speed "
       "where the speed is known.", ("network",)),
    _T("TX/s", "Sent per second, in bits, then the share of the link speed where the speed is known.", ("network",)),
    _T("RXpk/s", "Packets received per second (pk; K = 1024).", ("network",)),
    _T("TXpk/s", "Packets sent per second (pk; K = 1024).", ("network",)),
    _T("ERR", "Receive + transmit errors per second.", ("network",)),
    _T("DROP", "Packets dropped per second (receive + transmit).", ("network",)),
    _T("CHG", "Carrier changes since the interface came up: a flapping cable or port.", ("network",)),
    _T("MAC", "The hardware address.", ("network",)),
    # -- SNMP pane and detail
    _T("Target", "The SNMP device as named in the config.", ("snmp",)),
    _T("Host", "Its address and port.", ("snmp",)),
    _T("Status (SNMP)", "up (answering), down (no answer) or an error such as a wrong key.", ("snmp",), ("Status",)),
    _T("Latency", "How long the last poll took to answer.", ("snmp",)),
    _T("Uptime", "The device's sysUpTime: time since its agent restarted.", ("snmp",)),
    _T("Last OK", "When the device last answered.", ("snmp",)),
    _T("Info", "The device's sysDescr or the reason it is not answering.", ("snmp",)),
    _T("Kind", "What a value is (interface, sensor, counter …).", ("snmp", "snmp_detail")),
    _T("Name (SNMP)", "The value's name on the device.", ("snmp", "snmp_detail"), ("Name",)),
    _T("Value", "The value read, with its unit.", ("snmp", "snmp_detail")),
    _T("State (SNMP)", "ok, warning or critical against the thresholds.", ("snmp", "snmp_detail"), ("State",)),
    # -- time pane
    _T("Offset (column)", "This clock minus the reference (+ ahead).", ("time",), ("Offset",)),
    _T("± Error", "The bound on the offset's error (root dispersion + half the delay, or the tool's own).",
       ("time",)),
    _T("St", "Stratum: hops from a reference clock (1 is a server with its own clock; 16 unsynchronised).", ("time",)),
    _T("Offset of", "Whose offset this row is: which clock against which reference.", ("time",)),
    _T("State (time)", "The source's state as its tool reports it (selected, candidate, unreachable …).",
       ("time",), ("State",)),
    _T("Reference", "The server or clock this row compares against.", ("time",)),
    # -- services pane
    _T("UNIT", "The systemd unit (or init script) name.", ("services",)),
    _T("ACTIVE", "active, failed, inactive, activating … (systemd's ActiveState).", ("services",)),
    _T("SUB", "The finer state: running, exited, dead, auto-restart … (SubState).", ("services",)),
    _T("SINCE", "How long it has been in its active state.", ("services",)),
    _T("PID (service)", "Its main process id (none when it has no process).", ("services",), ("PID",)),
    _T("RESTARTS", "Automatic restarts since it was loaded (NRestarts): a crash loop shows here.", ("services",)),
    _T("MEMORY", "Memory of its cgroup (MemoryCurrent).", ("services",)),
    _T("DESCRIPTION", "The unit's description.", ("services",)),
    # -- checks pane
    _T("STATUS", "pass, warn, fail, or unknown when the facts could not be read.", ("checks",)),
    _T("CHECK", "What is checked about the node's set-up.", ("checks",)),
    _T("EVIDENCE", "What was seen, as read; the detail line below says how to fix it.", ("checks",)),
    # -- storage pane (one pane, six sections: a header shared by two sections explains both)
    _T("MOUNT", "Where the filesystem is mounted (its first mount point; bind mounts of it are not listed again).",
       ("storage",)),
    _T("SIZE", "The filesystem's total size (statvfs; K, M, G, T = 1024-based).", ("storage",)),
    _T("AVAIL (storage)", "Filesystems: space ordinary users can still write (statvfs; root's reserve not "
       "counted). Pools: the free space libvirt reports for the pool.", ("storage",), ("AVAIL",)),
    _T("USE% (storage)", "Filesystems: used / (used + available), as df's Use%, so it can reach 100% while root's "
       "reserve is left. Pools: allocation / capacity (n/a for a pool that is not running).",
       ("storage",), ("USE%",)),
    _T("INODE%", "Share of the filesystem's inodes (one per file or directory) in use: at 100% no file can be "
       "created even with space left. n/a where the filesystem has no fixed inode count.", ("storage",)),
    _T("FULL IN", "When the available space runs out if the used space keeps growing at the rate seen over the "
       "last reading interval (10 s or more); '-' while it is not growing or not yet known.", ("storage",)),
    _T("NOTE (storage)", "Filesystems: RO remount! (the kernel made it read-only after errors), RO, fstab rw!, "
       "vm images (holds libvirt guest images), ro, or why statvfs failed. SMART: critical warnings, failing "
       "attributes, or why the disk could not be read.", ("storage",), ("NOTE",)),
    _T("USED", "Space in use: size minus free, as df's Used.", ("storage",)),
    _T("TYPE (storage)", "Filesystems: the filesystem type (ext4, xfs, nfs4 …). Pools: the libvirt pool type "
       "(dir, logical, netfs, rbd …).", ("storage",), ("TYPE",)),
    _T("DEVICE (storage)", "Filesystems: the device or network share mounted (/dev/sda1, server:/export). SMART: "
       "the disk smartctl asked (an NVMe controller such as /dev/nvme0 for its namespaces).",
       ("storage",), ("DEVICE",)),
    _T("DISK (storage)", "Disks: the kernel's name of a whole disk, md array or device-mapper volume (with its dm "
       "name, such as the LVM volume). VM disks: the disk's name inside the guest (vda, sdb).",
       ("storage",), ("DISK",)),
    _T("READ/s", "Bytes read from the disk per second over the last interval (/proc/diskstats sectors read × 512).",
       ("storage",)),
    _T("WRITE/s", "Bytes written to the disk per second over the last interval (/proc/diskstats sectors "
       "written × 512).", ("storage",)),
    _T("R IOPS", "Reads completed per second over the last interval (/proc/diskstats).", ("storage",)),
    _T("W IOPS", "Writes completed per second over the last interval (/proc/diskstats).", ("storage",)),
    _T("R LAT", "Average time a read took over the last interval, queueing included: time spent reading / reads "
       "completed (/proc/diskstats, iostat's r_await). n/a when no read completed.", ("storage",)),
    _T("W LAT", "Average time a write took over the last interval, queueing included: time spent writing / "
       "writes completed (/proc/diskstats, iostat's w_await). n/a when no write completed.", ("storage",)),
    _T("UTIL%", "Share of the interval with at least one I/O in flight on the disk (diskstats io_ticks, iostat's "
       "%util). Near 100% a simple disk is saturated; SSDs, NVMe and arrays serve several at once.", ("storage",)),
    _T("INFL", "I/Os issued to the disk and not yet completed, right now (/proc/diskstats field 9).", ("storage",)),
    _T("HEALTH", "ok; failing (the disk's self-assessment failed or an attribute is at its threshold); "
       "unavailable (smartctl could not read it, the note says why); standby (asleep, not woken to ask).",
       ("storage",)),
    _T("WEAR", "Share of the rated life used: NVMe's Percentage Used (may pass 100%), or for an ATA SSD 100 minus "
       "a wear attribute's normalised value (177, 233, 231 or 202). n/a when the disk has neither.", ("storage",)),
    _T("TEMP", "The drive's current temperature as SMART reports it.", ("storage",)),
    _T("HOURS", "Power-on hours: how long the drive has been powered over its life (SMART).", ("storage",)),
    _T("ERRORS", "NVMe: media errors (data it could not recover). ATA: reallocated / pending sectors (attributes "
       "5 and 197, raw). Anything but 0 is a disk to watch.", ("storage",)),
    _T("MODEL", "The drive's model name as smartctl reports it.", ("storage",)),
    _T("ARRAY", "The md (software RAID) array's name, from /proc/mdstat.", ("storage",)),
    _T("LEVEL (RAID)", "The RAID level (raid1, raid5, raid10, linear …); n/a for an inactive array.",
       ("storage",), ("LEVEL",)),
    _T("STATE (storage)", "RAID: active (with read-only flags), inactive, or degraded (fewer working members "
       "than wanted, or one faulty). Pools: libvirt's pool state (running, inactive, building, degraded, "
       "inaccessible).", ("storage",), ("STATE",)),
    _T("DISKS", "Working / wanted members of the array (mdstat's [n/m]); fewer working than wanted is degraded.",
       ("storage",)),
    _T("SLOTS", "One letter per member slot as mdstat prints it: U working, _ missing or failed.", ("storage",)),
    _T("ACTION", "What the kernel is doing to the array: recovery (rebuilding a disk), resync, check, repair or "
       "reshape; delayed or pending while it waits its turn.", ("storage",)),
    _T("DONE", "How far that action has got.", ("storage",)),
    _T("LEFT", "The kernel's estimate of the time until the action finishes (mdstat's finish=).", ("storage",)),
    _T("SPEED (RAID)", "How fast the action runs, in bytes per second (mdstat's speed=).", ("storage",), ("SPEED",)),
    _T("MEMBERS", "The array's member devices: (F) faulty, (S) spare.", ("storage",)),
    _T("POOL", "The libvirt storage pool's name.", ("storage",)),
    _T("CAPACITY", "Pools: the pool's total size. VM disks: the disk's size as the guest sees it.", ("storage",)),
    _T("ALLOC", "Pools: the space given to its volumes. VM disks: the host space the disk image takes up so far "
       "(a thin image grows toward its capacity).", ("storage",)),
    _T("PATH", "Where the pool keeps its volumes (its target path; empty for pools without one).", ("storage",)),
    _T("DOMAIN", "The running guest (libvirt domain) the disk belongs to.", ("storage",)),
    _T("ERROR", "The error libvirt reports on the disk (I/O error, no space left), with 'paused' when the guest "
       "is paused on it; '-' for none.", ("storage",)),
    _T("SOURCE", "The host file or block device behind the guest's disk.", ("storage",)),
    # -- events pane
    _T("TIME (event)", "When it happened, in the node's local time; the line below the table has the date.",
       ("events",), ("TIME",)),
    _T("KIND (event)", "What sort of event (hardware, edac, thermal, oom, link, io_error, fs_error, lifecycle, "
       "service, alert …), coloured by severity; k shows one kind at a time.", ("events",), ("KIND",)),
    _T("SUBJECT", "What it is about: a device, a guest, a service unit, an alert's subject.", ("events",)),
    _T("MESSAGE", "The kernel or libvirtd log line, or a sentence about the change (whole on the line below).",
       ("events",)),
    # -- alerts pane (standing alerts, and h: the last hour's changes)
    _T("SEV", "CRIT (critical) or WARN (warning), dim when acknowledged or stale; in the history, the severity "
       "at that moment.", ("alerts",)),
    _T("IMPACT", "What the alert is about, most harmful first: hardware, links, storage, guests, services, "
       "time, pressure.", ("alerts",)),
    _T("SINCE (alert)", "The local time the alert was raised.", ("alerts",), ("SINCE",)),
    _T("FOR", "How long the alert has been standing, to the minute (<1m: raised in the last minute; "
              "the detail below the table has the seconds).", ("alerts",)),
    _T("STATE (alert)", "ack: acknowledged in this session; held: its value is back, but it stands until the "
       "hold time has passed (no flapping); stale: its source is down, this is the last known.",
       ("alerts",), ("STATE",)),
    _T("ALERT", "Where it comes from and what about (collector/subject), then the message; whole on the line "
       "below.", ("alerts",)),
    _T("TIME (alert)", "When the change happened, in the node's local time.", ("alerts",), ("TIME",)),
    _T("EVENT", "What changed: raised, escalated (warning to critical), eased (critical to warning) or cleared.",
       ("alerts",)),
    _T("LASTED", "For a cleared alert: how long it stood, from raised to cleared.", ("alerts",)),
    # -- sources screen
    _T("Collector", "One source of data (a file, a command, a connection).", ("sources",)),
    _T("Lane", "The thread it runs in: a hung source stops only its lane.", ("sources",)),
    _T("Status (source)", "ok, unavailable (with the reason) or failed.", ("sources",), ("Status",)),
    _T("Took", "How long its last run took.", ("sources",)),
    _T("Last ok", "When it last gave good data.", ("sources",)),
    _T("Reason", "Why it is unavailable or failed (the line below shows it whole).", ("sources",)),
)

_MARKERS = " ▲▼↑↓"


def _norm(header: str) -> str:
    text = header.strip(_MARKERS)
    for ascii_marker in (" v", " ^", "^"):  # the console's sort markers, where arrows are not drawn
        text = text.removesuffix(ascii_marker)
    return text.strip().lower()


def lookup(place: str, header: str) -> Term | None:
    """The entry explaining ``header`` in pane or screen ``place`` (a place's own entry first)."""
    want = _norm(header)
    general = None
    for term in TERMS:
        if want not in {_norm(h) for h in term.explains()}:
            continue
        if place in term.places:
            return term
        if not term.places and general is None:
            general = term
    return general


def terms_for(place: str) -> list[Term]:
    """The entries of ``place`` first (its column headers), then every general term."""
    return [t for t in TERMS if place in t.places] + [t for t in TERMS if not t.places]
