"""Fetch URLs politely and safely: async HTTP (and file:), knowing nothing of formats.

I/O module, the only httpx importer. Global and per-host concurrency limits, conditional
GET, bounded redirects and retries, a deadline and a size cap that hold against hostile
servers (trickles, endless bodies, gzip bombs), and no connection to a private address for
a URL the editor did not configure (SECURITY.md). Failures are `FetchFailure` with a kind.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import ssl
import stat
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from enum import StrEnum
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpcore
import httpx

from digestctl import __version__
from digestctl.addresses import address_kind
from digestctl.errors import FetchError
from digestctl.urls import without_login

USER_AGENT = f"digestctl/{__version__} (+https://github.com/digestctl/digestctl)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)
MAX_BYTES = 10 * 1024 * 1024

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_TRANSIENT = frozenset({408, 429, 500, 502, 503, 504})  # worth another try soon
_DECODE_STEP = 64 * 1024  # most bytes one decompression step may produce
# Headers that must not follow a redirect to another origin (as browsers and httpx do).
_CREDENTIALS = frozenset({"authorization", "proxy-authorization", "cookie"})
_BLOCKED_HINT = (
    'set user_agent = "…" (e.g. a browser\'s) for this source in sources.toml, '
    "or ask the site to allow feed readers"
)


class FetchErrorKind(StrEnum):
    DNS = "dns"
    TLS = "tls"
    TIMEOUT = "timeout"
    CONNECT = "connect"
    HTTP = "http"
    BLOCKED = "blocked"
    SIZE = "size"
    REDIRECTS = "redirects"
    PRIVATE = "private"  # a discovered URL or a redirect led to a private address
    OTHER = "other"


class FetchFailure(FetchError):
    """A fetch that failed: `reason` is one line for a person, `kind` is for programs.

    `retry_not_before` is set when the server asked us to come back later (Retry-After),
    so the caller can store it and not ask again before then.
    """

    def __init__(
        self,
        kind: FetchErrorKind,
        reason: str,
        *,
        url: str,
        status: int | None = None,
        hint: str | None = None,
        retry_not_before: datetime | None = None,
        address: str | None = None,
    ) -> None:
        super().__init__(reason, hint=hint)
        self.kind = kind
        self.reason = reason
        self.url = url
        self.status = status
        self.retry_not_before = retry_not_before
        self.address = address  # the private address a PRIVATE failure refused


@dataclass(frozen=True)
class FetchRequest:
    url: str
    etag: str | None = None  # validators from the last 200, echoed verbatim
    last_modified: str | None = None
    timeout: float = 20.0  # seconds for the whole response, redirects and body included
    user_agent: str | None = None  # None: the Fetcher's
    headers: Mapping[str, str] = field(default_factory=dict, hash=False)
    max_bytes: int = MAX_BYTES  # cap on the body after decompression
    # The editor configured this URL (sources.toml, `add`): its own address is not checked,
    # nor, when it is private, a redirect to its own origin. Anything else is checked.
    trusted: bool = False
    allow_private: bool = False  # the source's allow_private: no address is checked


@dataclass(frozen=True)
class FetchResponse:
    url: str  # the final URL, after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    content: bytes  # decompressed; empty when not_modified
    not_modified: bool
    etag: str | None  # validators to store (the request's when a 304 did not repeat them)
    last_modified: str | None
    permanent_redirect: str | None  # the URL to put in sources.toml, if it moved for good
    retry_not_before: datetime | None  # from Retry-After / Cache-Control max-age, capped
    charset: str | None  # from Content-Type only, lower-cased
    elapsed: float  # seconds for the successful attempt, redirects included
    # The request's own URL was answered from a private address (a trusted intranet URL):
    # links on its origin share its trust.
    origin_private: bool = False


class _Retry(Exception):
    """A transient failure: try again after `wait` seconds (None: our own backoff)."""

    def __init__(self, failure: FetchFailure, wait: float | None = None) -> None:
        super().__init__(failure.reason)
        self.failure = failure
        self.wait = wait


@dataclass(frozen=True)
class _Hop:
    """One HTTP exchange: a final response or a redirect to follow."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes = b""
    charset: str | None = None
    location: str | None = None
    private: bool = False  # answered from a non-public address


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Fetcher:
    """Fetches with shared limits; use as `async with Fetcher() as f: await f.fetch(req)`.

    Every fetch, including follow-up fetches a caller issues (page sources following
    item links), goes through the same global and per-host semaphores.
    """

    def __init__(
        self,
        *,
        concurrency: int = 16,
        per_host: int = 2,
        retries: int = 2,
        connect_timeout: float = 10.0,
        max_redirects: int = 5,
        user_agent: str = USER_AGENT,
        backoff: float = 1.0,
        max_retry_wait: float = 30.0,
        max_defer: timedelta = timedelta(hours=6),
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.concurrency = concurrency
        self.per_host = per_host
        self.retries = retries
        self.connect_timeout = connect_timeout
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self.backoff = backoff  # first retry waits about this long, doubling after
        self.max_retry_wait = max_retry_wait  # a longer Retry-After fails now instead
        self.max_defer = max_defer  # cap on retry_not_before
        self._clock = clock
        self._global = asyncio.Semaphore(concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        # Our semaphores bound the requests in flight; headroom covers connections
        # still closing after a cancelled (timed-out) request.
        limits = httpx.Limits(
            max_connections=concurrency * 2,
            max_keepalive_connections=concurrency * 2,
            keepalive_expiry=15.0,
        )
        # Two pools: a connection opened to a trusted (perhaps private) host is never
        # reused for a URL whose address must be checked. `transport` (tests) serves both.
        if transport is None:
            tls = httpx.create_ssl_context()  # one for both: loading certificates takes time
            backend = CheckedBackend(resolver or resolve)
            transport = httpx.AsyncHTTPTransport(verify=tls, limits=limits)
            checked: httpx.AsyncBaseTransport = _CheckedTransport(tls, limits, backend)
        else:
            checked = transport
        self._trusted_client = _client(transport)
        self._checked_client = _client(checked)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._trusted_client.aclose()
        await self._checked_client.aclose()

    async def fetch(self, req: FetchRequest) -> FetchResponse:
        """Fetch one URL; raise FetchFailure with a one-line reason if it cannot be had."""
        scheme = urlsplit(req.url).scheme.lower()
        if scheme == "file":
            return await asyncio.to_thread(_read_file, req)
        if scheme not in ("http", "https"):
            what = f"{scheme}: URLs" if scheme else "relative URLs"
            raise FetchFailure(
                FetchErrorKind.OTHER,
                f"cannot fetch {what} (only http, https and file)",
                url=without_login(req.url),
            )
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._fetch_once(req)
            except _Retry as retry:
                failure, wait = retry.failure, retry.wait
                if wait is not None and wait > self.max_retry_wait:
                    asks = f"; the server asks us to wait {_duration(wait)}"
                    raise _give_up(failure, asks, self._not_before(wait)) from None
                if attempt > self.retries:
                    tries = f" (after {attempt} attempts)" if attempt > 1 else ""
                    later = None if wait is None else self._not_before(wait)
                    raise _give_up(failure, tries, later) from None
                if wait is None:
                    wait = min(self.backoff * 2 ** (attempt - 1), self.max_retry_wait)
                    wait *= random.uniform(0.5, 1.5)  # jitter: don't retry in lockstep
                await asyncio.sleep(wait)

    async def fetch_all(
        self, requests: Iterable[FetchRequest]
    ) -> AsyncIterator[tuple[FetchRequest, FetchResponse | FetchFailure]]:
        """Fetch concurrently (within the limits); yield each result as it completes.

        A failure is data here, not an exception: one bad source never stops the others.
        """

        async def one(req: FetchRequest) -> tuple[FetchRequest, FetchResponse | FetchFailure]:
            try:
                return req, await self.fetch(req)
            except FetchFailure as e:
                return req, e

        tasks = [asyncio.ensure_future(one(req)) for req in requests]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:  # the caller stopped early: leave nothing running
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _host_limit(self, url: str) -> asyncio.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        if host not in self._hosts:
            self._hosts[host] = asyncio.Semaphore(self.per_host)
        return self._hosts[host]

    def _not_before(self, seconds: float) -> datetime:
        return self._clock() + min(timedelta(seconds=seconds), self.max_defer)

    async def _fetch_once(self, req: FetchRequest) -> FetchResponse:
        """One attempt: the request and its redirects, under one deadline."""
        loop = asyncio.get_running_loop()
        url, seen = req.url, [req.url]
        permanent: str | None = None
        only_permanent = True  # a temporary hop means the source URL must stay as it is
        started: float | None = None
        origin_private = False
        for hop_number in range(self.max_redirects + 1):
            checked = not req.allow_private and (
                not req.trusted
                # A redirect is checked, unless it stays on the origin of a trusted URL
                # that was itself answered from a private address (an intranet site).
                or (hop_number > 0 and not (origin_private and _origin(url) == _origin(req.url)))
            )
            # Host first, then the global slot: a request queued behind its host's limit
            # must not hold one of the global slots others could use.
            async with self._host_limit(url), self._global:
                if started is None:
                    started = loop.time()  # queueing does not count against the timeout
                try:
                    async with asyncio.timeout_at(started + req.timeout):
                        hop = await self._exchange(url, req, checked=checked)
                except TimeoutError:
                    raise FetchFailure(
                        FetchErrorKind.TIMEOUT,
                        f"no complete response within {_duration(req.timeout)} "
                        "(the server is too slow or stalled)",
                        url=without_login(req.url),
                        hint="if the site is just slow, raise `timeout` for this source",
                    ) from None
            if hop_number == 0:
                origin_private = hop.private
            if hop.location is None:
                response = self._response(req, hop, permanent, loop.time() - started)
                return replace(response, origin_private=origin_private)
            target = _join(hop.url, hop.location)
            if urlsplit(target).scheme.lower() not in ("http", "https"):
                raise FetchFailure(
                    FetchErrorKind.REDIRECTS,
                    f"redirected to a non-HTTP URL ({without_login(target)}); refused",
                    url=without_login(req.url),
                    status=hop.status,
                )
            if target in seen:
                loop_text = " → ".join(
                    without_login(u) for u in [*seen[seen.index(target) :], target]
                )
                raise FetchFailure(
                    FetchErrorKind.REDIRECTS,
                    f"redirect loop: {loop_text}",
                    url=without_login(req.url),
                    status=hop.status,
                    hint="the site is misconfigured; try its feed URL in a browser",
                )
            if only_permanent and hop.status in _PERMANENT:
                permanent = target
            else:
                only_permanent = False
            url = target
            seen.append(target)
        raise FetchFailure(
            FetchErrorKind.REDIRECTS,
            f"more than {self.max_redirects} redirects (last to {without_login(url)})",
            url=without_login(req.url),
            hint="put the final URL in sources.toml if it is the right one",
        )

    async def _exchange(self, url: str, req: FetchRequest, *, checked: bool) -> _Hop:
        headers = httpx.Headers(
            {
                "User-Agent": req.user_agent or self.user_agent,
                "Accept": ACCEPT,
                # Only encodings we can inflate in bounded steps (see _Inflater).
                "Accept-Encoding": "gzip, deflate",
            }
        )
        if req.etag is not None:
            headers["If-None-Match"] = req.etag
        if req.last_modified is not None:
            headers["If-Modified-Since"] = req.last_modified
        cross_origin = _origin(url) != _origin(req.url)
        for name, value in req.headers.items():
            if not (cross_origin and name.lower() in _CREDENTIALS):
                headers[name] = value
        timeout = httpx.Timeout(req.timeout, connect=min(self.connect_timeout, req.timeout))
        client = self._checked_client if checked else self._trusted_client
        try:
            async with client.stream("GET", url, headers=headers, timeout=timeout) as r:
                found = {k.lower(): v for k, v in r.headers.items()}
                final = str(r.url)
                private = _answered_privately(r)
                if r.status_code in _REDIRECTS and "location" in found:
                    return _Hop(
                        final, r.status_code, found, location=found["location"], private=private
                    )
                if r.status_code == 304 or 200 <= r.status_code < 300:
                    content = b"" if r.status_code == 304 else await _read_body(r, req, found)
                    return _Hop(
                        final, r.status_code, found, content, r.charset_encoding, private=private
                    )
                raise self._status_failure(r.status_code, found, req)
        except PrivateAddressError as e:
            raise FetchFailure(
                FetchErrorKind.PRIVATE,
                f"blocked: private address {e.address}"
                " (set allow_private = true for this source to allow)",
                url=without_login(req.url),
                address=e.address,
            ) from None
        except httpx.HTTPError as e:
            raise _transport_failure(e, url, req) from e

    def _status_failure(
        self, status: int, headers: Mapping[str, str], req: FetchRequest
    ) -> FetchFailure | _Retry:
        url = without_login(req.url)
        label = f"HTTP {status} {_phrase(status)}".rstrip()
        wait = _retry_after(headers.get("retry-after"), self._clock())
        cdn = _cdn(headers)
        via = f", via {cdn}" if cdn else ""
        if status == 403 or (status == 503 and headers.get("cf-mitigated") == "challenge"):
            return FetchFailure(
                FetchErrorKind.BLOCKED,
                f"blocked by the server ({label}{via})",
                url=url,
                status=status,
                hint=_BLOCKED_HINT,
            )
        if status == 429 and cdn and wait is None:
            # A CDN's 429 without Retry-After is bot protection, not a passing rate limit.
            return FetchFailure(
                FetchErrorKind.BLOCKED,
                f"blocked by the server ({label}{via})",
                url=url,
                status=status,
                hint=_BLOCKED_HINT,
            )
        if status in _TRANSIENT:
            blocked = status == 429 and cdn is not None
            reason = "rate limited by the server" if status == 429 else "server error"
            failure = FetchFailure(
                FetchErrorKind.BLOCKED if blocked else FetchErrorKind.HTTP,
                f"{reason} ({label}{via})",
                url=url,
                status=status,
                hint=_BLOCKED_HINT if blocked else None,
            )
            return _Retry(failure, wait)
        hints = {
            401: 'it needs a login: set headers = { Authorization = "…" } for this source',
            404: "check the URL in sources.toml; the site may have moved its feed",
            410: "the server says it is gone for good: remove this source",
        }
        return FetchFailure(
            FetchErrorKind.HTTP,
            label + (f" (via {cdn})" if cdn else ""),
            url=url,
            status=status,
            hint=hints.get(status),
        )

    def _response(
        self, req: FetchRequest, hop: _Hop, permanent: str | None, elapsed: float
    ) -> FetchResponse:
        not_modified = hop.status == 304
        etag = hop.headers.get("etag")
        last_modified = hop.headers.get("last-modified")
        if not_modified:
            # RFC 9110 §15.4.5: a 304 may omit validators; the stored ones stay valid.
            etag = etag or req.etag
            last_modified = last_modified or req.last_modified
        return FetchResponse(
            # Without user:password@: this URL is the base of the items' links, which are
            # stored, shown and published in the newsletter.
            url=without_login(hop.url),
            status=hop.status,
            headers=hop.headers,
            content=hop.content,
            not_modified=not_modified,
            etag=etag,
            last_modified=last_modified,
            permanent_redirect=permanent,
            retry_not_before=self._freshness(hop.headers),
            charset=hop.charset,
            elapsed=elapsed,
        )

    def _freshness(self, headers: Mapping[str, str]) -> datetime | None:
        """When the server allows asking again: Retry-After or max-age, whichever is later."""
        now = self._clock()
        seconds = _retry_after(headers.get("retry-after"), now) or 0.0
        directives = _cache_control(headers.get("cache-control", ""))
        # no-cache/no-store: the server wants revalidation; max-age promises nothing.
        if "no-cache" not in directives and "no-store" not in directives:
            max_age = _int(directives.get("max-age"))
            if max_age is not None:
                # RFC 9111 §4.2.3: a cache in between may already have used part of it.
                age = _int(headers.get("age")) or 0
                seconds = max(seconds, max_age - age)
        return self._not_before(seconds) if seconds > 0 else None


# -- the address check ---------------------------------------------------------------------

# Host name and port to the addresses to try, in order (getaddrinfo, or a fake in tests).
Resolver = Callable[[str, int], Awaitable[list[str]]]


class PrivateAddressError(Exception):
    """A checked connection would have reached a non-public address."""

    def __init__(self, host: str, address: str, kind: str) -> None:
        super().__init__(f"{host} resolves to {kind} address {address}")
        self.host = host
        self.address = address
        self.kind = kind


async def resolve(host: str, port: int) -> list[str]:
    """The host's addresses, as the system resolver gives them (numeric forms included:
    `2130706433` and `0x7f.1` come back as 127.0.0.1)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, resolving names itself: every address is checked, and
    the connection is made to a checked address (never to the name again, which a DNS
    server could by then answer differently: rebinding). TLS still names the host (SNI,
    certificate), since httpcore starts it with the URL's host name, not ours."""

    def __init__(
        self, resolver: Resolver, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._resolver = resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolver(host, port)
        except TimeoutError as e:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from e
        except OSError as e:  # socket.gaierror: the name does not resolve
            raise httpcore.ConnectError(str(e)) from e
        if not addresses:
            raise httpcore.ConnectError(f"{host}: Name or service not known")
        # Every address, not just the first: a name answering with one public and one
        # private address is an attack, not a misconfiguration.
        for address in addresses:
            kind = address_kind(address)
            if kind is not None:
                raise PrivateAddressError(host, address.split("%", 1)[0], kind)
        error: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as e:
                error = e
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never used for checked URLs")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool whose connections go through
    CheckedBackend (httpx has no parameter for httpcore's network backend)."""

    def __init__(
        self, tls: ssl.SSLContext, limits: httpx.Limits, backend: httpcore.AsyncNetworkBackend
    ) -> None:
        super().__init__(verify=tls, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=backend,
        )


def _client(transport: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        http1=True,
        http2=False,
        follow_redirects=False,  # followed by hand: per-host limits, loops, 301 reports
        transport=transport,
    )


def _answered_privately(r: httpx.Response) -> bool:
    """Whether the response came from a non-public address (False when unknown: a test
    transport has no socket)."""
    stream = r.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    return isinstance(peer, tuple) and bool(peer) and address_kind(str(peer[0])) is not None


async def _read_body(r: httpx.Response, req: FetchRequest, headers: Mapping[str, str]) -> bytes:
    """The body, decompressed in bounded steps, cut at req.max_bytes (raw or inflated)."""
    limit = req.max_bytes
    encoding = headers.get("content-encoding", "identity").strip().lower()
    declared = _int(headers.get("content-length"))
    if encoding == "identity" and declared is not None and declared > limit:
        raise _too_big(req, f"the server announces {_size(declared)}")
    inflater = None if encoding == "identity" else _Inflater(encoding, req)
    body = bytearray()
    wire = 0
    async for chunk in r.aiter_raw():
        wire += len(chunk)
        if wire > limit:
            raise _too_big(req, "stopped reading")
        for piece in inflater.feed(chunk) if inflater else (chunk,):
            body += piece
            if len(body) > limit:
                packed = f" unpacked from {_size(wire)} so far" if inflater else ""
                raise _too_big(req, f"stopped reading{packed}")
    if inflater:
        body += inflater.flush()
        if len(body) > limit:
            raise _too_big(req, "stopped reading")
    return bytes(body)


def _too_big(req: FetchRequest, detail: str) -> FetchFailure:
    return FetchFailure(
        FetchErrorKind.SIZE,
        f"response larger than the {_size(req.max_bytes)} limit ({detail})",
        url=without_login(req.url),
        hint="no feed or page should be this big; check the URL",
    )


class _Inflater:
    """gzip/deflate decoding that never produces more than _DECODE_STEP bytes at once.

    httpx's own decoders inflate a whole network chunk in one call: 64 KB of a gzip bomb
    becomes ~64 MB before any size check could run.
    """

    def __init__(self, encoding: str, req: FetchRequest) -> None:
        if encoding in ("gzip", "x-gzip"):
            self._wbits = zlib.MAX_WBITS | 16
        elif encoding == "deflate":
            self._wbits = zlib.MAX_WBITS  # RFC 9110 says zlib-wrapped; raw is tried too
        else:
            raise FetchFailure(
                FetchErrorKind.OTHER,
                f"the server sent Content-Encoding {encoding!r}, which we did not ask for",
                url=without_login(req.url),
            )
        self._req = req
        self._decoder = zlib.decompressobj(self._wbits)
        self._started = False
        self._done = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while not self._done:
            try:
                out = self._decoder.decompress(data, _DECODE_STEP)
            except zlib.error as e:
                if not self._started and self._wbits == zlib.MAX_WBITS:
                    # Many servers send raw deflate (RFC 1951) as "deflate".
                    self._wbits = -zlib.MAX_WBITS
                    self._decoder = zlib.decompressobj(self._wbits)
                    continue
                raise self._corrupt(e) from e
            self._started = True
            if out:
                yield out
            if self._decoder.eof:
                data = self._decoder.unused_data
                # RFC 1952 §2.2: gzip members may follow one another; anything else
                # after the end (padding, junk) is ignored, as browsers do.
                if self._wbits & 16 and data.startswith(b"\x1f\x8b"):
                    self._decoder = zlib.decompressobj(self._wbits)
                    continue
                self._done = True
                return
            data = self._decoder.unconsumed_tail
            if not data and len(out) < _DECODE_STEP:
                return

    def flush(self) -> bytes:
        if self._done:
            return b""
        try:
            return self._decoder.flush()
        except zlib.error as e:
            raise self._corrupt(e) from e

    def _corrupt(self, e: zlib.error) -> FetchFailure:
        return FetchFailure(
            FetchErrorKind.OTHER,
            f"the server sent a corrupt compressed body ({e})",
            url=without_login(self._req.url),
        )


def _read_file(req: FetchRequest) -> FetchResponse:
    """A local file as a response, with mtime validators so unchanged files cost nothing."""
    parts = urlsplit(req.url)
    if parts.netloc not in ("", "localhost"):
        raise FetchFailure(
            FetchErrorKind.OTHER,
            f"file: URL names another host ({parts.netloc}); only local files can be read",
            url=without_login(req.url),
        )
    path = Path(url2pathname(parts.path))
    hint = "check the path in sources.toml (relative paths start at the workspace)"
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            # Directories, devices (/dev/zero) and FIFOs are never feeds.
            raise FetchFailure(
                FetchErrorKind.OTHER, f"not a regular file: {path}", url=req.url, hint=hint
            )
        if info.st_size > req.max_bytes:
            raise _too_big(req, f"the file is {_size(info.st_size)}")
        etag = f'"{info.st_mtime_ns:x}-{info.st_size:x}"'
        last_modified = formatdate(info.st_mtime, usegmt=True)
        unchanged = (
            req.etag == etag
            if req.etag is not None
            else req.last_modified is not None and req.last_modified == last_modified
        )
        content = b""
        if not unchanged:
            with path.open("rb") as f:
                content = f.read(req.max_bytes + 1)
            if len(content) > req.max_bytes:
                raise _too_big(req, "the file grew while being read")
    except FileNotFoundError:
        raise FetchFailure(
            FetchErrorKind.OTHER, f"file not found: {path}", url=req.url, hint=hint
        ) from None
    except OSError as e:
        raise FetchFailure(
            FetchErrorKind.OTHER,
            f"cannot read {path}: {e.strerror or e}",
            url=req.url,
            hint="check the file's permissions",
        ) from None
    return FetchResponse(
        url=req.url,
        status=304 if unchanged else 200,
        headers={},
        content=content,
        not_modified=unchanged,
        etag=etag,
        last_modified=last_modified,
        permanent_redirect=None,
        retry_not_before=None,
        charset=None,
        elapsed=0.0,
    )


def _transport_failure(e: httpx.HTTPError, url: str, req: FetchRequest) -> FetchFailure | _Retry:
    """Classify a network-level failure; connection breaks are worth a retry."""
    parts = urlsplit(url)
    host = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname or url
    where = without_login(req.url)
    causes = list(_causes(e))
    if isinstance(e, httpx.TimeoutException):
        what = f"could not connect to {host}" if isinstance(e, httpx.ConnectTimeout) else ""
        return FetchFailure(
            FetchErrorKind.TIMEOUT,
            f"{what or 'the server stopped responding'} within the timeout",
            url=where,
            hint="if the site is just slow, raise `timeout` for this source",
        )
    if any(isinstance(c, socket.gaierror) for c in causes) or _looks_like_dns(str(e)):
        return FetchFailure(
            FetchErrorKind.DNS,
            f"host name not found: {host}",
            url=where,
            hint="check the URL's spelling; the site may be gone or the network down",
        )
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            detail = cause.verify_message or str(cause)
            return FetchFailure(
                FetchErrorKind.TLS,
                f"TLS certificate of {host} not accepted: {detail}",
                url=where,
                hint="the site's certificate is broken or expired; tell its owner",
            )
        if isinstance(cause, ssl.SSLError):
            return FetchFailure(
                FetchErrorKind.TLS,
                f"TLS handshake with {host} failed: {cause.reason or cause}",
                url=where,
                hint="check the URL's scheme (https vs http)",
            )
    if isinstance(e, httpx.ConnectError):
        return _Retry(
            FetchFailure(
                FetchErrorKind.CONNECT,
                f"could not connect to {host} ({_os_reason(causes) or e})",
                url=where,
                hint="the server may be down; it will be tried again next run",
            )
        )
    if isinstance(e, httpx.RemoteProtocolError) and not _looks_like_hangup(str(e)):
        return FetchFailure(
            # h11's message quotes the raw bytes (bytearray(b'...')): too noisy for a person.
            FetchErrorKind.OTHER,
            "the server sent malformed HTTP (not a valid response)",
            url=where,
        )
    if isinstance(e, httpx.NetworkError | httpx.RemoteProtocolError):
        return _Retry(
            FetchFailure(
                FetchErrorKind.CONNECT,
                f"the connection to {host} broke off ({_os_reason(causes) or e})",
                url=where,
            )
        )
    return FetchFailure(FetchErrorKind.OTHER, f"{type(e).__name__}: {e}", url=where)


def _causes(e: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = e
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _os_reason(causes: Iterable[BaseException]) -> str | None:
    """The OS's words for the first OSError (asyncio's own strerror repeats the address)."""
    for c in causes:
        if isinstance(c, OSError) and (c.errno or c.strerror):
            return os.strerror(c.errno).lower() if c.errno else c.strerror
    return None


def _looks_like_dns(message: str) -> bool:
    markers = (
        "Name or service not known",
        "nodename nor servname",
        "getaddrinfo failed",
        "No address associated",
        "Temporary failure in name resolution",
    )
    return any(m in message for m in markers)


def _looks_like_hangup(message: str) -> bool:
    return "peer closed" in message or "disconnected" in message.lower()


def _give_up(failure: FetchFailure, more: str, not_before: datetime | None) -> FetchFailure:
    """The failure to report after retrying, its reason extended by `more`."""
    return FetchFailure(
        failure.kind,
        failure.reason + more,
        url=failure.url,
        status=failure.status,
        hint=failure.hint,
        retry_not_before=not_before,
    )


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait per a Retry-After header: delay-seconds or an HTTP-date (RFC 9110)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _cache_control(value: str) -> dict[str, str | None]:
    directives: dict[str, str | None] = {}
    for part in value.split(","):
        name, sep, arg = part.strip().partition("=")
        if name:
            directives[name.lower()] = arg.strip().strip('"') if sep else None
    return directives


def _cdn(headers: Mapping[str, str]) -> str | None:
    """The CDN or bot shield in front of the site, when its headers say so."""
    server = headers.get("server", "").lower()
    if "cf-ray" in headers or "cloudflare" in server:
        return "Cloudflare"
    if "akamai" in server or "x-akamai-transformed" in headers:
        return "Akamai"
    if "x-sucuri-id" in headers or "sucuri" in server:
        return "Sucuri"
    if "ddos-guard" in server:
        return "DDoS-Guard"
    if "x-amz-cf-id" in headers:
        return "CloudFront"
    return None


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


def _join(base: str, location: str) -> str:
    return str(httpx.URL(base).join(location))


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    return f"{n / 1024:.0f} KB"
