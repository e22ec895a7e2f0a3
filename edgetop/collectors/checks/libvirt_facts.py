"""What the set-up checks ask libvirt: who answers at the config's URI, and how each guest is set up.

One read-only connection per gathering, closed at the end: the checks run once a minute
(or once, for ``edgetop check``), so a kept connection would buy nothing, and a fresh one
tells "reachable now" rather than "reachable when the collector last reconnected".
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import msgspec

from edgetop.collectors.checks.guest_setup import GuestSetup, parse_guest_setup
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.sources.libvirt_conn import describe_error, load_libvirt

_ERR_NO_DOMAIN = 42  # VIR_ERR_NO_DOMAIN: undefined while we looked


class GuestFacts(msgspec.Struct, frozen=True):
    """One domain as the set-up checks see it.

    Attributes:
        name: the domain's name (literal; may hold any character libvirt allows).
        active: running or paused (it has a QEMU process).
        autostart: started with the host; None when libvirt would not say.
        setup: what its XML says; None when the XML could not be read or parsed.
        memory_stats: the keys ``memoryStats()`` answered for an active guest; None when
            not asked (inactive) or refused.
        error: why something of it could not be read, in words.

    """

    name: str
    active: bool
    autostart: bool | None = None
    setup: GuestSetup | None = None
    memory_stats: frozenset[str] | None = None
    error: str | None = None


class LibvirtFacts(msgspec.Struct, frozen=True):
    """The hypervisor at the config's URI and its guests; ``error`` says why there is nothing."""

    uri: str
    error: str | None = None
    hypervisor: str | None = None
    hypervisor_version: int | None = None
    daemon_version: int | None = None
    client_version: int | None = None
    host_cpus: int | None = None
    host_memory_bytes: int | None = None
    guests: tuple[GuestFacts, ...] = ()


def _attempt(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception:  # each answer is optional: a driver may not implement it
        return None


def _guest(lv: Any, dom: Any) -> GuestFacts | None:
    name = dom.name()
    try:
        active = bool(dom.isActive())
        xml = dom.XMLDesc(0)
    except lv.libvirtError as err:
        if err.get_error_code() == _ERR_NO_DOMAIN:
            return None  # undefined meanwhile: not a guest any more
        return GuestFacts(name, False, error=str(err))
    error = None
    try:
        setup: GuestSetup | None = parse_guest_setup(xml)
    except ParseError as err:
        setup, error = None, str(err)
    autostart = _attempt(dom.autostart)
    stats = None
    if active:
        answer = _attempt(dom.memoryStats)
        stats = frozenset(answer) if isinstance(answer, dict) else None
    return GuestFacts(name, active, None if autostart is None else bool(autostart), setup, stats, error)


def gather_libvirt(uri: str) -> LibvirtFacts:
    """Connect read-only to ``uri``, ask its versions and node size, and read every guest."""
    try:
        lv = load_libvirt()
    except SourceUnavailable as err:
        return LibvirtFacts(uri, error=str(err))
    client = _attempt(lv.getVersion)
    try:
        conn = lv.openReadOnly(uri)
    except lv.libvirtError as err:
        return LibvirtFacts(uri, error=describe_error(err, uri), client_version=client)
    try:
        info = _attempt(conn.getInfo)  # [arch, memory MiB, cpus, MHz, nodes, sockets, cores, threads]
        guests = []
        for dom in conn.listAllDomains(0):
            guest = _guest(lv, dom)
            if guest is not None:
                guests.append(guest)
        return LibvirtFacts(
            uri=_attempt(conn.getURI) or uri,
            hypervisor=_attempt(conn.getType),
            hypervisor_version=_attempt(conn.getVersion),
            daemon_version=_attempt(conn.getLibVersion),
            client_version=client,
            host_cpus=int(info[2]) if isinstance(info, list) and len(info) > 2 else None,
            host_memory_bytes=int(info[1]) * 1024 * 1024 if isinstance(info, list) and len(info) > 1 else None,
            guests=tuple(sorted(guests, key=lambda g: g.name)),
        )
    except lv.libvirtError as err:
        return LibvirtFacts(uri, error=describe_error(err, uri), client_version=client)
    finally:
        with contextlib.suppress(Exception):
            conn.close()


class BoundedLibvirt:
    """Gathers libvirt facts in a thread of its own, waiting at most the config's libvirt timeout.

    A libvirtd that accepts and never answers would otherwise hold every other check with
    it. A call that outlives the timeout is left to finish in its (daemon) thread, named
    ``lane-…`` so that a one-shot command exits without waiting for it, and no second call
    starts while it runs: a wedged daemon costs one thread, not one per minute.
    """

    def __init__(self, uri: str, timeout: float, gather: Callable[[str], LibvirtFacts] = gather_libvirt) -> None:
        """Ask ``uri`` with ``gather``, waiting at most ``timeout`` seconds."""
        self.uri = uri
        self.timeout = timeout
        self._gather = gather
        self._pending: Future[LibvirtFacts] | None = None
        self._since = 0.0

    def __call__(self) -> LibvirtFacts:
        """The facts, or facts whose ``error`` says that libvirt did not answer in time."""
        if self._pending is not None and not self._pending.done():
            waited = time.monotonic() - self._since
            return LibvirtFacts(self.uri, error=f"no answer: the previous call is still running after {waited:.0f} s")
        future: Future[LibvirtFacts] = Future()
        self._pending, self._since = future, time.monotonic()

        def run() -> None:
            try:
                future.set_result(self._gather(self.uri))
            except BaseException as err:  # handed to the caller, who reports it
                future.set_exception(err)

        threading.Thread(target=run, name="lane-checks-libvirt", daemon=True).start()
        try:
            return future.result(self.timeout)
        except FutureTimeout:
            return LibvirtFacts(self.uri, error=f"no answer within {self.timeout:g} s")
