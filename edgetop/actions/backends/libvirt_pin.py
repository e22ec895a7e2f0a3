"""Pin a domain's vCPU: ``virDomainPinVcpuFlags(vcpu, cpumap, VIR_DOMAIN_AFFECT_LIVE)``.

The read-write connection is opened here, for this one call, and closed at once; the
collectors' connection is read-only and read-only mode never builds this backend (the
runner uses the deny backend), so no read-write connection ever exists there.

The libvirt test driver rejects the LIVE flag ("unsupported flags (0x1) in function
testDomainPinVcpuFlags") but implements ``virDomainPinVcpu``, which the API documents
as changing the running domain: on that one error we fall back to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edgetop.actions.backends.base import ActionResult
from edgetop.actions.intents import PinVcpu
from edgetop.errors import ActionDenied, ActionFailed
from edgetop.model.cpulist import format_cpu_list


def _libvirt() -> Any:
    import libvirt  # lazy: edgetop runs without libvirt installed

    return libvirt


class LibvirtPinBackend:
    """Pins vCPUs through a short-lived read-write libvirt connection."""

    def __init__(self, uri: str, opener: Callable[[str], Any] | None = None) -> None:
        """Connect to ``uri`` only when pinning; ``opener`` defaults to ``libvirt.open``."""
        self.uri = uri
        self.opener = opener
        self.last_api = ""

    def describe(self, intent: PinVcpu) -> str:
        """Return the exact API call."""
        return (f"virDomainPinVcpuFlags(domain {intent.domain!r}, vcpu {intent.vcpu}, "
                f"cpus {{{format_cpu_list(intent.cpus)}}}, VIR_DOMAIN_AFFECT_LIVE) "
                f"on a new read-write connection to {self.uri}")

    def pin(self, intent: PinVcpu) -> ActionResult:
        """Open, validate against the hypervisor's facts, pin, read back, close.

        Raises:
            ActionDenied: the domain, vCPU or CPUs do not exist or the domain is not running.
            ActionFailed: libvirt refused (its message is kept).

        """
        libvirt = _libvirt()
        try:
            conn = (self.opener or libvirt.open)(self.uri)
        except libvirt.libvirtError as err:
            raise ActionFailed(f"cannot open a read-write connection to {self.uri}: {err}") from err
        try:
            return self._pin(libvirt, conn, intent)
        except libvirt.libvirtError as err:
            raise ActionFailed(f"libvirt: {err}") from err
        finally:
            conn.close()

    def _pin(self, libvirt: Any, conn: Any, intent: PinVcpu) -> ActionResult:
        try:
            dom = conn.lookupByName(intent.domain)
        except libvirt.libvirtError as err:
            raise ActionDenied(f"no domain {intent.domain!r} on {self.uri}") from err
        if not dom.isActive():
            raise ActionDenied(f"domain {intent.domain!r} is not running: live pinning needs a running guest")
        ncpus, online_map, _ = conn.getCPUMap()
        online = {i for i, up in enumerate(online_map) if up}
        bad = set(intent.cpus) - online
        if bad:
            raise ActionDenied(f"host CPU {format_cpu_list(bad)} not online on {self.uri} "
                               f"(online: {format_cpu_list(online)})")
        nvcpus = len(dom.vcpus()[0])
        if intent.vcpu >= nvcpus:
            raise ActionDenied(f"domain {intent.domain!r} has {nvcpus} vCPU(s): no vCPU {intent.vcpu}")
        cpumap = tuple(i in intent.cpus for i in range(ncpus))
        try:
            dom.pinVcpuFlags(intent.vcpu, cpumap, libvirt.VIR_DOMAIN_AFFECT_LIVE)
            self.last_api = "virDomainPinVcpuFlags(LIVE)"
        except libvirt.libvirtError as err:
            if "unsupported flags" not in str(err):
                raise
            dom.pinVcpu(intent.vcpu, cpumap)
            self.last_api = "virDomainPinVcpu"
        applied = frozenset(i for i, on in enumerate(dom.vcpus()[1][intent.vcpu]) if on)
        summary = f"{intent.domain} vCPU {intent.vcpu} now on host CPUs {format_cpu_list(applied)}"
        if applied != intent.cpus:
            summary += f" (asked for {format_cpu_list(intent.cpus)})"
        return ActionResult(intent, summary, (("api", self.last_api), ("affinity", format_cpu_list(applied))))
