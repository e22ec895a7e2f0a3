"""The Prometheus HTTP API, for ``edgetop fleet``: instant queries, bounded and timed out.

Standard library only (``urllib``): the fleet view asks a handful of instant queries per
round, so a connection pool would buy nothing a person could see. Every request has a
deadline, answers are size-capped before they are parsed, and a round's queries run on a
small fixed pool (a central Prometheus serves many people; one view must not flood it).

Credentials come from files, read at every round (so a rotated token is picked up
without a restart), through :func:`edgetop.sources.files.read_small_file`: regular files
only, size-capped, never a blocking open. Nothing here logs or returns a secret: error
texts name the file and the HTTP status, never a header or the URL's user part.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from concurrent.futures import CancelledError, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from edgetop.errors import SourceUnavailable
from edgetop.sources.files import FileRefused, read_small_file
from edgetop.sources.prometheus_rows import Row, Series, decode, rows, vector

MAX_SECRET_BYTES = 4096  # a bearer token or a password: far below a page
MAX_ANSWER_BYTES = 64 * 1024 * 1024  # 1,000 nodes' sensors are a few MB; beyond this is a mistake
DEFAULT_TIMEOUT_SECONDS = 5.0
DEFAULT_CONCURRENCY = 4

__all__ = ["Credentials", "PrometheusClient", "Row", "Series", "check_url"]


@dataclass(frozen=True)
class Credentials:
    """How to authenticate: basic auth (user and a password file) or a bearer token file; or none."""

    user: str | None = None
    password_file: str | None = None
    bearer_token_file: str | None = None

    def header(self) -> str | None:
        """The ``Authorization`` header's value, the files read now; None without credentials.

        Raises:
            SourceUnavailable: a file is missing, not a regular file, too large or not text
                (the message names the file, never its content).

        """
        if self.bearer_token_file:
            return "Bearer " + _secret(self.bearer_token_file)
        if self.user is not None:
            password = _secret(self.password_file) if self.password_file else ""
            pair = f"{self.user}:{password}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        return None


def _secret(path: str) -> str:
    try:
        return read_small_file(Path(path), MAX_SECRET_BYTES).strip()
    except FileNotFoundError:
        raise SourceUnavailable(f"cannot read {path}: no such file") from None
    except FileRefused as err:
        raise SourceUnavailable(f"cannot read {path}: {err}") from None


def check_url(url: str) -> str:
    """Return ``url`` without a trailing slash if it is a usable Prometheus base URL.

    Raises:
        ValueError: not http(s), no host, or a user part (credentials belong in files, where
            they are not shown by ``ps`` or kept in shell history).

    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("the Prometheus URL must start with http:// or https://")
    if not parts.hostname:
        raise ValueError("the Prometheus URL names no host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("put credentials in fleet.password_file or fleet.bearer_token_file, not in the URL")
    if parts.query or parts.fragment:
        raise ValueError("the Prometheus URL must not have a query or a fragment")
    return url.rstrip("/")


class PrometheusClient:
    """Instant queries against one Prometheus server.

    Args:
        url: the base URL (``http://prometheus:9090``, or with a path prefix).
        credentials: basic auth or a bearer token, from files.
        ca_file: the CA bundle that signed the server's certificate (https).
        timeout: seconds for each request, connect and answer together.
        concurrency: at most this many requests at once.

    """

    def __init__(self, url: str, *, credentials: Credentials | None = None, ca_file: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_SECONDS, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        """Check the URL and build the TLS context; nothing is sent yet."""
        self.url = check_url(url)
        self.credentials = credentials or Credentials()
        self.timeout = timeout
        context: ssl.SSLContext | None = None
        if self.url.startswith("https://"):
            try:
                context = ssl.create_default_context(cafile=ca_file)
            except (OSError, ssl.SSLError) as err:
                raise ValueError(f"cannot use the CA file {ca_file}: {err}") from None
        # No proxy from the environment: a fleet view talks to the one server it was given.
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))
        self._opener = urllib.request.build_opener(*handlers)
        self._pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="fleet-query")
        # By query name: the last answer read, as (expr, labels, answer without its time, rows).
        self._last: dict[str, tuple[str, tuple[str, ...] | None, bytes, list[Row]]] = {}

    def close(self) -> None:
        """Stop the pool; a request still running finishes in its thread."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def query(self, expr: str, at: float | None = None, auth: str | None = None) -> list[Series]:
        """Run one instant query; its result vector.

        Args:
            expr: PromQL.
            at: evaluation time (unix seconds); now if None.
            auth: the ``Authorization`` header (from :meth:`Credentials.header`); read now if None.

        Raises:
            SourceUnavailable: unreachable, timed out, refused, or not an instant vector;
                the message says which in a few words.

        """
        return vector(decode(self._post(expr, at, auth)))

    def query_rows(self, expr: str, labels: tuple[str, ...] | None, at: float | None = None,
                   auth: str | None = None) -> list[Row]:
        """Run one instant query; one row per series: the values of ``labels``, then the value's text.

        Args:
            expr: PromQL.
            labels: the label names to read, in this order; None for every label (a dict).
            at: evaluation time (unix seconds); now if None.
            auth: the ``Authorization`` header; read now if None.

        Raises:
            SourceUnavailable: as :meth:`query`.

        """
        return rows(self._post(expr, at, auth), labels)

    def _query_named(self, name: str, expr: str, labels: tuple[str, ...] | None, at: float, auth: str) -> list[Row]:
        """:meth:`query_rows`, reusing the rows of ``name``'s last answer when only its evaluation time changed.

        Between two scrapes Prometheus answers the same samples (a sensor's limits, a node
        scraped every 15 s asked every 5 s): the answer is then the last one but for the
        time written in each sample, and is not read again. The rows are shared: read only.
        """
        raw = self._post(expr, at, auth)
        timeless = _without_time(raw)
        last = self._last.get(name)
        if last is not None and last[:3] == (expr, labels, timeless):
            return last[3]
        found = rows(raw, labels)
        self._last[name] = (expr, labels, timeless, found)
        return found

    def query_many(self, exprs: Mapping[str, str], at: float | None = None,
                   labels: Mapping[str, tuple[str, ...] | None] | None = None,
                   ) -> dict[str, list[Row] | SourceUnavailable]:
        """Run every query at the same instant on the bounded pool; each name's rows or its error.

        Each name's rows hold the labels ``labels`` gives for it (see :meth:`query_rows`); a
        name it does not list, or no ``labels`` at all, is read whole (a dict of every label).
        The credentials are read once for the round. A failure reading them fails every query
        with the same reason (the caller shows it once).
        """
        when = time.time() if at is None else at
        wanted = labels or {}
        try:
            header = self.credentials.header() or ""
        except SourceUnavailable as err:
            return dict.fromkeys(exprs, err)
        try:
            futures = {name: self._pool.submit(self._query_named, name, expr, wanted.get(name), when, header)
                       for name, expr in exprs.items()}
        except RuntimeError:  # the pool is shut down: the client was closed before this round began
            return dict.fromkeys(exprs, SourceUnavailable("cancelled"))
        out: dict[str, list[Row] | SourceUnavailable] = {}
        for name, future in futures.items():
            try:
                out[name] = future.result()
            except SourceUnavailable as err:
                out[name] = err
            except CancelledError:  # the client was closed meanwhile (the view is ending)
                out[name] = SourceUnavailable("cancelled")
        return out

    def _post(self, expr: str, at: float | None, auth: str | None) -> bytes:
        header = auth if auth is not None else self.credentials.header()
        params = {"query": expr, "time": f"{time.time() if at is None else at:.3f}"}
        body = urllib.parse.urlencode(params).encode()
        # POST: 1,000 node names in a matcher would pass a GET URL's length limits.
        req = urllib.request.Request(f"{self.url}/api/v1/query", data=body, method="POST",  # noqa: S310 - http(s) only
                                     headers={"Content-Type": "application/x-www-form-urlencoded",
                                              "Accept": "application/json"})
        if header:
            req.add_unredirected_header("Authorization", header)
        return self._fetch(req)

    def _fetch(self, req: urllib.request.Request) -> bytes:
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                raw = resp.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as err:
            raise SourceUnavailable(_http_reason(err)) from None
        except urllib.error.URLError as err:
            raise SourceUnavailable(_network_reason(err.reason)) from None
        except TimeoutError:
            raise SourceUnavailable(f"no answer within {self.timeout:g} s") from None
        except (OSError, ValueError) as err:  # a reset mid-answer, a bad chunk
            raise SourceUnavailable(_network_reason(err)) from None
        if len(raw) > MAX_ANSWER_BYTES:
            raise SourceUnavailable(f"answer larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MiB")
        return bytes(raw)


def _without_time(raw: bytes) -> bytes:
    """``raw`` with the evaluation time taken out of each sample (``"value":[<time>,"1"]`` → ``"value":[,"1"]``).

    An instant query writes its one evaluation time in every sample. ``"value":[`` cannot
    occur inside a JSON string (its quotes would be escaped), so only samples are touched.
    """
    start = raw.find(b'"value":[')
    if start < 0:
        return raw
    start += len(b'"value":[')
    end = raw.find(b",", start)
    if end < 0:
        return raw
    return raw.replace(b'"value":[' + raw[start:end + 1], b'"value":[,')


def _http_reason(err: urllib.error.HTTPError) -> str:
    """``HTTP 401 Unauthorized``, with Prometheus's own error text when it gave one (never a header)."""
    detail = ""
    try:
        body = json.loads(err.read(64 * 1024))
        if isinstance(body, dict) and body.get("error"):
            detail = f": {str(body['error'])[:200]}"
    except (OSError, ValueError):
        pass
    return f"HTTP {err.code} {err.reason}{detail}"


def _network_reason(reason: object) -> str:
    """A few words for a network failure: ``connection refused``, ``timed out``, ``TLS: ...``."""
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(reason, ssl.SSLError):
        return f"TLS: {reason.reason or reason}"
    if isinstance(reason, socket.gaierror):
        return f"cannot resolve the host: {reason.strerror}"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror[:1].lower() + reason.strerror[1:]
    return str(reason)[:200] or type(reason).__name__
