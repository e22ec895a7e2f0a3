"""An HTTP/1.0 server for ``/metrics`` that a crowd of clients can neither starve nor bloat.

``ThreadingHTTPServer`` started one thread per connection and set no socket timeout:
600 idle connections made 620 threads and 600 file descriptors until the clients chose
to leave, and a client leaving mid-response printed a traceback on stderr. Here one
thread runs its own asyncio loop (apart from the engine's, so neither can stall the
other): a connection costs a socket and a coroutine, never a thread. The bounds:

- at most ``max_connections`` are open; at the limit a new connection displaces the
  oldest one still waiting for its request, so idle clients lose and a scraper, which
  sends its request as soon as it connects, still gets its answer;
- the request head must arrive within ``timeout`` seconds of the accept however slowly
  it trickles (a slowloris client is dropped then, not kept alive byte by byte), and
  the client must take the response within ``timeout`` seconds;
- a request head over 64 KiB is dropped;
- with TLS (``ssl_context``), the handshake must end within ``timeout`` seconds too;
- answers are rendered by a pool of ``RENDER_THREADS`` threads, never more, so a slow
  render (or a bcrypt check) never stalls accepting, reading or the deadlines above.

Parsing and answering stay the standard library's ``BaseHTTPRequestHandler``, run over
the bytes already read. A client that goes away is logged at debug level, never printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from typing import Any

log = logging.getLogger(__name__)

HEAD_LIMIT = 64 * 1024
MAX_CONNECTIONS = 64
TIMEOUT = 5.0
RENDER_THREADS = 2
_LIMIT_WARNING_EVERY = 60.0  # seconds between log warnings about the connection limit


class BufferedRequestHandler(BaseHTTPRequestHandler):
    """``BaseHTTPRequestHandler`` over a request head already read; the answer goes to a buffer.

    Subclasses define ``do_GET`` as for ``http.server``. One request per connection
    (HTTP/1.0), so the response is complete when ``handle`` returns.
    """

    def __init__(self, head: bytes, client_address: Any) -> None:
        # Not BaseRequestHandler.__init__, which reads from a socket: the head is already
        # here, so run the same handle() over memory buffers.
        self.client_address = client_address
        self.rfile = io.BytesIO(head)
        self._out = io.BytesIO()
        self.wfile = self._out
        self.handle()

    def response(self) -> bytes:
        """Everything the handler wrote: status line, headers and body."""
        return self._out.getvalue()

    def log_message(self, format: str, *args: Any) -> None:
        """Requests and errors go to the log file at debug level, not to stderr."""
        log.debug("%s %s", self.address_string(), format % args)


class BoundedHTTPServer:
    """Serve ``handler_class`` on ``host:port`` from one thread, within the bounds above.

    The socket is bound in the constructor, so a busy port fails in the caller
    (``OSError``) before anything starts; ``start`` and ``shutdown`` run and stop the thread.
    """

    def __init__(self, handler_class: type[BufferedRequestHandler], host: str, port: int, *,
                 max_connections: int = MAX_CONNECTIONS, timeout: float = TIMEOUT,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        """Bind and listen on ``host:port`` (an IPv6 address when ``host`` holds a colon); TLS with ``ssl_context``."""
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        try:
            # As http.server does: a restarted exporter rebinds at once over old TIME_WAITs.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(128)
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self.server_address: tuple[str, int] = sock.getsockname()[:2]
        self._handler_class = handler_class
        self._max_connections = max_connections
        self._timeout = timeout
        self._ssl = ssl_context
        self._pool = ThreadPoolExecutor(max_workers=RENDER_THREADS, thread_name_prefix="metrics-render")
        self._loop = asyncio.new_event_loop()
        # A TLS client that leaves mid-handshake makes asyncio report an error through the
        # loop's handler, which would print it: log it at debug level instead.
        self._loop.set_exception_handler(
            lambda loop, context: log.debug("metrics: %s", context.get("message") or context.get("exception")))
        self._stop: asyncio.Future[None] = self._loop.create_future()
        self._open: set[asyncio.StreamWriter] = set()
        self._waiting: dict[asyncio.StreamWriter, None] = {}  # no request yet, oldest first
        self._tasks: set[asyncio.Task[None]] = set()
        self._warned_at = -_LIMIT_WARNING_EVERY
        self._thread = threading.Thread(target=self._run, name="metrics-http", daemon=True)

    @property
    def open_connections(self) -> int:
        """How many connections are open now (read from another thread: a snapshot)."""
        return len(self._open)

    def start(self) -> None:
        """Start serving in the ``metrics-http`` thread."""
        self._thread.start()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Close the listening socket and every connection; wait for the thread."""
        if self._thread.ident is None:  # never started: only the socket and the loop to release
            self._sock.close()
            self._loop.close()
            self._pool.shutdown(wait=False)
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed already: the thread is ending or gone
            self._loop.call_soon_threadsafe(self._stop_soon)
        self._thread.join(timeout)
        self._pool.shutdown(wait=False)

    def _stop_soon(self) -> None:
        if not self._stop.done():
            self._stop.set_result(None)

    def _run(self) -> None:
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._sock.close()  # closed already by the asyncio server unless it failed to start
            self._loop.close()

    async def _serve(self) -> None:
        server = await asyncio.start_server(
            self._connection, sock=self._sock, limit=HEAD_LIMIT, ssl=self._ssl,
            ssl_handshake_timeout=self._timeout if self._ssl is not None else None,
            ssl_shutdown_timeout=self._timeout if self._ssl is not None else None)
        try:
            await self._stop
        finally:
            server.close()
            for writer in list(self._open):
                writer.transport.abort()
            if self._tasks:  # aborted connections see EOF and end; let them, briefly
                await asyncio.wait(self._tasks, timeout=1.0)
            await server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        peer = writer.get_extra_info("peername")
        if not self._admit(writer, peer):
            return
        try:
            head = await self._read_head(reader, peer)
            self._waiting.pop(writer, None)
            if head is None:
                writer.transport.abort()
                return
            handler_class = self._handler_class
            response = await asyncio.get_running_loop().run_in_executor(
                self._pool, lambda: handler_class(head, peer).response())
            # Nothing stays buffered in the process: drain() returns once the kernel has it
            # all, so close() below cannot leave a response waiting on a client that stopped reading.
            writer.transport.set_write_buffer_limits(high=0)
            writer.write(response)
            async with asyncio.timeout(self._timeout):
                await writer.drain()
            writer.close()
        except TimeoutError:
            log.debug("%s: no complete exchange within %s s, dropped", peer, self._timeout)
            writer.transport.abort()
        except ConnectionError as err:  # reset, broken pipe: the client left; nothing to tell anyone
            log.debug("%s went away: %s", peer, err)
            writer.transport.abort()
        except Exception:
            log.exception("metrics request from %s", peer)
            writer.transport.abort()
        finally:
            self._waiting.pop(writer, None)
            self._open.discard(writer)
            if task is not None:
                self._tasks.discard(task)

    def _admit(self, writer: asyncio.StreamWriter, peer: Any) -> bool:
        """Count ``writer`` in; at the limit, make room by dropping the oldest idle connection."""
        if len(self._open) >= self._max_connections:
            now = time.monotonic()
            if now - self._warned_at >= _LIMIT_WARNING_EVERY:
                self._warned_at = now
                log.warning("metrics: %d connections open (the limit); dropping the oldest idle ones",
                            len(self._open))
            if not self._waiting:  # every open one is being answered: this one waits its turn elsewhere
                log.debug("%s: connection limit reached, closed", peer)
                writer.transport.abort()
                return False
            oldest = next(iter(self._waiting))
            del self._waiting[oldest]
            log.debug("%s: idle at the connection limit, closed", oldest.get_extra_info("peername"))
            oldest.transport.abort()  # its reader sees EOF; its task ends and leaves _open
            self._open.discard(oldest)
        self._open.add(writer)
        self._waiting[writer] = None
        return True

    async def _read_head(self, reader: asyncio.StreamReader, peer: Any) -> bytes | None:
        """The request line and headers, or None if the client left or sent too much."""
        head = bytearray()
        async with asyncio.timeout(self._timeout):  # one deadline for the whole head, not per read
            while True:
                try:
                    line = await reader.readline()
                except ValueError:  # one line longer than the stream's limit (HEAD_LIMIT)
                    line = b"\n" * (HEAD_LIMIT + 1)
                if len(head) + len(line) > HEAD_LIMIT:
                    log.debug("%s: request head over %d bytes, dropped", peer, HEAD_LIMIT)
                    return None
                if not line.endswith(b"\n"):  # EOF first: the client left, or was dropped at the limit
                    return None
                head += line
                # A blank line ends the headers; an HTTP/0.9 request is its request line alone.
                if line in (b"\r\n", b"\n") or (len(head) == len(line) and len(line.split()) < 3):
                    return bytes(head)
