"""A kept-open, read-only libvirt connection that reconnects with backoff.

Collection uses ``virConnectOpenReadOnly`` through libvirt-python (never the ``virsh``
command). The module is imported lazily so that edgetop runs without it; the libvirt
lane then reports how to install it. When a call fails because the connection dropped
(libvirtd restarted, socket gone), the connection is closed and re-opened on a later
tick, waiting 1, 2, 4 … up to 30 s between attempts; meanwhile every collection raises
``SourceUnavailable("disconnected: <reason>, retrying in Ns")``.

Both libvirt specs (domains, hypervisor) share one connection per URI (:func:`acquire`);
libvirt connections are thread-safe, so the lane's threads may use it concurrently.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from edgetop.errors import SourceUnavailable

INSTALL_HINT = "libvirt-python is not installed: pip install libvirt-python (needs libvirt-dev)"
LIBRARY_HINT = "the libvirt library cannot be loaded: install it (Debian, Ubuntu: apt install libvirt0)"
BACKOFF_INITIAL_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0

_module: dict[str, ModuleType] = {}
_module_lock = threading.Lock()


def load_libvirt() -> ModuleType:
    """Import libvirt-python once, silencing its default error printer.

    libvirt's default error handler prints every error on stderr; Textual draws the
    screen on stderr, so those lines would corrupt it. Errors still raise libvirtError.

    Raises:
        SourceUnavailable: the module is not installed.

    """
    with _module_lock:
        if "libvirt" not in _module:
            try:
                import libvirt
            except ImportError as err:
                missing = isinstance(err, ModuleNotFoundError) and err.name in ("libvirt", "libvirtmod")
                # Otherwise the binding is there and the C library it links to is not
                # (the offline bundle installs the binding, the node's packages the library).
                raise SourceUnavailable(INSTALL_HINT if missing else f"{LIBRARY_HINT} ({err})") from err
            libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
            _module["libvirt"] = libvirt
        return _module["libvirt"]


def start_event_loop() -> bool:
    """Run libvirt's default event loop in a daemon thread (once per process).

    With an event loop registered before a connection opens, libvirt sends keepalives
    on remote connections (a dead link is noticed in ~30 s instead of hanging until TCP
    gives up), reports a closed connection through the close callback at once, and
    delivers domain lifecycle events. ``libvirtaio`` would need the app's asyncio loop,
    which the collectors (in the libvirt lane's threads) do not own; this thread fits
    the lane model. Returns False when the implementation cannot be registered.
    """
    lv = load_libvirt()
    with _module_lock:
        if "events" not in _module:
            try:
                lv.virEventRegisterDefaultImpl()
            except Exception:  # another implementation (libvirtaio) may own the loop already
                return False
            threading.Thread(target=_run_events, args=(lv,), name="libvirt-events", daemon=True).start()
            _module["events"] = lv
        return True


def _run_events(lv: ModuleType) -> None:
    while True:
        try:
            lv.virEventRunDefaultImpl()
        except Exception:  # never spin on a broken loop
            time.sleep(1.0)


# virConnectCloseReason (libvirt-host.h); CLIENT is our own close(), not news.
_CLOSE_REASONS = {0: "connection error", 1: "end of file: libvirtd went away", 2: "keepalive timeout"}
_CLOSE_CLIENT = 3


# libvirt error codes (virterror.h) that mean "the connection is gone".
_ERR_INTERNAL, _ERR_NO_CONNECT, _ERR_SYSTEM, _ERR_RPC, _ERR_AUTH_FAILED = 1, 5, 38, 39, 45
_ERR_NO_DOMAIN = 42
_DROP_WORDS = ("client socket is closed", "end of file", "connection reset", "broken pipe",
               "cannot recv data", "cannot write data", "not connected", "is closed", "no connection")


def describe_error(err: BaseException, uri: str) -> str:
    """Say in words why talking to ``uri`` failed, with what to do where we know it."""
    msg = str(err).strip() or type(err).__name__
    low = msg.lower()
    if "permission denied" in low:
        sock = re.search(r"'([^']+sock[^']*)'", msg)
        where = f" on {sock.group(1)}" if sock else ""
        return (f"permission denied{where}: add the user to the 'libvirt' group "
                "(usermod -aG libvirt USER, then log in again)")
    if "no such file or directory" in low and "socket" in low:
        return f"cannot reach libvirtd: {msg} (is libvirtd running?)"
    if "connection refused" in low:
        return f"libvirtd refused the connection for {uri}: {msg}"
    return msg


def is_connection_error(err: BaseException, conn: Any | None = None) -> bool:
    """Tell whether a libvirt error means the connection itself is lost."""
    code = err.get_error_code() if hasattr(err, "get_error_code") else None
    low = str(err).lower()
    if code in (_ERR_NO_CONNECT, _ERR_SYSTEM, _ERR_RPC) or any(w in low for w in _DROP_WORDS):
        return True
    if code == _ERR_INTERNAL and conn is not None:
        try:
            return not conn.isAlive()
        except Exception:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Hypervisor:
    """Who we are talking to."""

    name: str | None
    version: str | None
    uri: str
    library_version: str | None
    host_cpus: int | None


def version_text(n: Any) -> str | None:
    """The version number libvirt gives (1_000_000 * major + 1_000 * minor + release) as ``9.0.0``; None if not one."""
    if not isinstance(n, int) or n <= 0:
        return None
    return f"{n // 1_000_000}.{n // 1000 % 1000}.{n % 1000}"


def library_version() -> str:
    """The version of the libvirt library loaded in this process (``9.0.0``), for ``--version``.

    Raises:
        SourceUnavailable: the binding or the library is missing.

    """
    return version_text(load_libvirt().getVersion()) or "unknown"


class LibvirtConnection:
    """One read-only connection, opened on demand and re-opened after it drops."""

    def __init__(self, uri: str, clock: Callable[[], float] = time.monotonic,
                 backoff_initial: float = BACKOFF_INITIAL_SECONDS, backoff_max: float = BACKOFF_MAX_SECONDS) -> None:
        """Prepare a connection to ``uri``; nothing is opened yet."""
        self.uri = uri
        self._clock = clock
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._lock = threading.Lock()
        self._conn: Any | None = None
        self._ever_connected = False
        self._reason: str | None = None
        self._backoff = 0.0
        self._next_attempt = 0.0
        self.hypervisor: Hypervisor | None = None
        self.connects = 0
        self.lifecycle_events = 0
        """Domain lifecycle events seen (started, stopped, paused, defined …): a change counter."""
        self.listeners: list[Callable[[], None]] = []
        """Called (in libvirt's event thread) after each lifecycle event: a hook to collect early."""
        self._closed_reason: str | None = None  # set by libvirt's close callback (event thread)

    @property
    def libvirt(self) -> ModuleType:
        """The libvirt module (raises SourceUnavailable when missing)."""
        return load_libvirt()

    def _waiting(self) -> SourceUnavailable:
        wait = max(0, math.ceil(self._next_attempt - self._clock()))
        prefix = "disconnected" if self._ever_connected else f"cannot connect to {self.uri}"
        return SourceUnavailable(f"{prefix}: {self._reason}, retrying in {wait}s")

    def _schedule_retry(self, reason: str) -> None:
        self._reason = reason
        self._backoff = self._backoff_initial if self._backoff <= 0 else min(self._backoff * 2, self._backoff_max)
        self._next_attempt = self._clock() + self._backoff

    def get(self) -> Any:
        """Return the open ``virConnect``, opening it if due.

        Raises:
            SourceUnavailable: libvirt-python is missing, or the connection is down and
                the next attempt is not due yet or failed.

        """
        lv = load_libvirt()
        closed = self._closed_reason
        if closed is not None and self._conn is not None:
            raise self.lost(ConnectionError(closed))
        events = start_event_loop()
        with self._lock:
            if self._conn is not None:
                return self._conn
            if self._reason is not None and self._clock() < self._next_attempt:
                raise self._waiting()
            try:
                conn = lv.openReadOnly(self.uri)
            except lv.libvirtError as err:
                self._schedule_retry(describe_error(err, self.uri))
                raise self._waiting() from err
            if conn is None:  # old bindings returned None instead of raising
                self._schedule_retry("openReadOnly returned nothing")
                raise self._waiting()
            self._conn = conn
            self._ever_connected = True
            self._reason, self._backoff, self._closed_reason = None, 0.0, None
            self.connects += 1
            self.hypervisor = self._describe(conn)
            if events:
                self._subscribe(lv, conn)
            return conn

    def _subscribe(self, lv: ModuleType, conn: Any) -> None:
        """Ask for the close callback and lifecycle events (each optional per driver)."""
        with contextlib.suppress(lv.libvirtError):
            conn.registerCloseCallback(self._on_close, None)
        with contextlib.suppress(lv.libvirtError):
            conn.domainEventRegisterAny(None, lv.VIR_DOMAIN_EVENT_ID_LIFECYCLE, self._on_lifecycle, None)

    def _on_close(self, _conn: Any, reason: int, _opaque: Any) -> None:
        # Runs in the event thread, possibly inside our own close(): take no lock here.
        if reason != _CLOSE_CLIENT:
            self._closed_reason = _CLOSE_REASONS.get(reason, f"closed (reason {reason})")

    def _on_lifecycle(self, _conn: Any, _dom: Any, _event: int, _detail: int, _opaque: Any) -> None:
        self.lifecycle_events += 1
        for listener in list(self.listeners):
            with contextlib.suppress(Exception):  # a listener's bug must not stop libvirt's event loop
                listener()

    def _describe(self, conn: Any) -> Hypervisor:
        def attempt(fn: Callable[[], Any]) -> Any:
            try:
                return fn()
            except Exception:  # each field is optional: a driver may not implement it
                return None

        # Not conn.getHostname(): libvirtd resolves the canonical name through DNS, which
        # on an edge node without DNS stalled the first tick for 5 s (seen in the KVM test).
        info = attempt(conn.getInfo)
        return Hypervisor(
            name=attempt(conn.getType),
            version=None,  # filled by fill_version(): the QEMU driver's first answer can take seconds
            uri=attempt(conn.getURI) or self.uri,
            library_version=version_text(attempt(conn.getLibVersion)),
            host_cpus=info[2] if isinstance(info, list | tuple) and len(info) > 2 else None,
        )

    def fill_version(self) -> Hypervisor | None:
        """Ask the hypervisor's version once per connection and record it.

        Kept out of :meth:`get`: on a freshly started QEMU driver ``getVersion`` probes
        the emulator's capabilities (4.5 s in the KVM test), and the domains collector,
        which does not need it, must not wait for that. The hypervisor spec calls this.
        """
        hyp = self.hypervisor
        if hyp is None or hyp.version is not None:
            return hyp
        number = self.call(lambda c: c.getVersion())
        with self._lock:
            if self.hypervisor is hyp:  # not reconnected meanwhile
                self.hypervisor = dataclasses.replace(hyp, version=version_text(number) or "unknown")
            return self.hypervisor

    def lost(self, err: BaseException) -> SourceUnavailable:
        """Record that the connection dropped; return the error to raise."""
        with self._lock:
            old, self._conn = self._conn, None
            self._backoff = 0.0
            self._schedule_retry(describe_error(err, self.uri))
            if old is not None:
                _quietly_close(old)
            return self._waiting()

    def call(self, fn: Callable[[Any], Any]) -> Any:
        """Run ``fn(conn)``; a dropped connection becomes SourceUnavailable ``disconnected: …``."""
        conn = self.get()
        lv = self.libvirt
        try:
            return fn(conn)
        except lv.libvirtError as err:
            if is_connection_error(err, conn):
                raise self.lost(err) from err
            raise

    def close(self) -> None:
        """Close the connection (it is re-opened by the next :meth:`get`)."""
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            _quietly_close(conn)


def _quietly_close(conn: Any) -> None:
    """Close a connection that may already be dead; closing must never raise."""
    with contextlib.suppress(Exception):
        conn.unregisterCloseCallback()
    with contextlib.suppress(Exception):  # the daemon may already be gone
        conn.close()


_shared: dict[str, tuple[LibvirtConnection, int]] = {}
_shared_lock = threading.Lock()


def acquire(uri: str) -> LibvirtConnection:
    """Return the shared connection for ``uri`` (counted; pair with :func:`release`)."""
    with _shared_lock:
        conn, count = _shared.get(uri, (None, 0))
        if conn is None:
            conn = LibvirtConnection(uri)
        _shared[uri] = (conn, count + 1)
        return conn


def release(conn: LibvirtConnection) -> None:
    """Drop one reference; the last one closes the connection."""
    with _shared_lock:
        held, count = _shared.get(conn.uri, (None, 0))
        if held is not conn:
            conn.close()
            return
        if count <= 1:
            del _shared[conn.uri]
            conn.close()
        else:
            _shared[conn.uri] = (conn, count - 1)
