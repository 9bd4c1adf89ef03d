"""A real HTTP/1.1 server on loopback for tests and benchmarks, scripted per path.

An asyncio loop in a background thread speaks HTTP over raw streams, so handlers can
misbehave the way servers in the wild do: stall, trickle, never end, reset mid-body,
send gzip bombs or malformed bytes. Every request is logged for assertions.

    server = TestServer()            # or TestServer(hosts=["127.0.0.2", "127.0.0.3"])
    server.start()
    url = server.route("/feed.xml", static(b"<rss/>", etag='"v1"'))
    ...
    assert server.requests_for("/feed.xml")[0].header("if-none-match") == '"v1"'
    server.stop()

`python tests/httpserver.py DIR --host 127.0.0.5 --port 8000` serves a directory by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gzip as gzip_module
import http
import itertools
import mimetypes
import socket
import struct
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

Headers = Mapping[str, str] | Iterable[tuple[str, str]]


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    target: str  # path and query, as sent
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]  # in order, names as sent
    host: str  # the local address the connection arrived on
    port: int
    connection: int  # serial number of the TCP connection (to observe keep-alive)
    time: float  # time.monotonic() when the request head was read

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


class Responder:
    """Writes one response; lets a handler stream, stall or break the connection."""

    def __init__(
        self,
        writer: asyncio.StreamWriter,
        request: Request,
        on_finish: Callable[[], None] | None = None,
    ) -> None:
        self._writer = writer
        self._on_finish = on_finish
        self.request = request
        self.started = False
        self.keep_alive = (request.header("connection") or "").lower() != "close"

    async def send(self, status: int = 200, body: bytes = b"", headers: Headers = ()) -> None:
        """A complete response; Content-Length is added unless `headers` set it."""
        items = _header_items(headers)
        if not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in items):
            items.append(("Content-Length", str(len(body))))
        head = self._head(status, items)
        self.finish()  # before the bytes leave: the client may send its next request at once
        await self.write(head if self.request.method == "HEAD" else head + body)

    async def start(self, status: int, headers: Headers = ()) -> None:
        """The status line and headers. Without Content-Length the body ends at close."""
        await self.write(self._head(status, _header_items(headers)))

    def finish(self) -> None:
        """Stop counting this request as active (also done when the handler returns)."""
        if self._on_finish is not None:
            self._on_finish()
            self._on_finish = None

    def _head(self, status: int, items: list[tuple[str, str]]) -> bytes:
        names = {k.lower() for k, _ in items}
        if "content-length" not in names and "transfer-encoding" not in names:
            self.keep_alive = False
        if not self.keep_alive and "connection" not in names:
            items.append(("Connection", "close"))
        if "date" not in names:
            items.append(("Date", formatdate(usegmt=True)))
        lines = [f"HTTP/1.1 {status} {_phrase(status)}"]
        lines += [f"{k}: {v}" for k, v in items]
        self.started = True
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def write(self, data: bytes) -> None:
        """Send bytes now; raises ConnectionError once the client has gone away."""
        if data:
            self._writer.write(data)
        await self._writer.drain()

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), as a crashing server does."""
        sock = self._writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.keep_alive = False
        self._writer.transport.abort()


Handler = Callable[[Request, Responder], Awaitable[None]]


class _Counts:
    """Requests in progress and their peaks, per address and overall."""

    def __init__(self, hosts: Iterable[str]) -> None:
        self.active = dict.fromkeys(hosts, 0)
        self.peak = dict.fromkeys(hosts, 0)
        self.active_total = self.peak_total = 0

    def begin(self, host: str) -> Callable[[], None]:
        """Count a request as in progress; the returned function ends it."""
        self.active[host] += 1
        self.active_total += 1
        self.peak[host] = max(self.peak[host], self.active[host])
        self.peak_total = max(self.peak_total, self.active_total)

        def end() -> None:
            self.active[host] -= 1
            self.active_total -= 1

        return end


class TestServer:
    """HTTP/1.1 on one or more loopback addresses, routes shared, run in a thread."""

    __test__ = False  # not a pytest test class

    def __init__(
        self, hosts: Sequence[str] = ("127.0.0.1",), *, port: int = 0, latency: float = 0.0
    ) -> None:
        self.hosts = list(hosts)
        self.latency = latency  # seconds added before every response, like a distant server
        self.ports: dict[str, int] = {}
        self.requests: list[Request] = []
        self.errors: list[str] = []  # handler crashes: a test-server bug, not a test result
        self._port = port
        self._routes: dict[str, Handler] = {}
        self.fallback: Handler = not_found  # for paths without a route
        self._counts = _Counts(self.hosts)
        self._connections = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._servers: list[asyncio.Server] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------

    def start(self) -> TestServer:
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._bind())
            except OSError as e:
                failure.append(e)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="test-http-server", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        future.result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = None

    def __enter__(self) -> TestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _bind(self) -> None:
        for host in self.hosts:
            server = await asyncio.start_server(
                self._serve_connection, host, self._port, backlog=1024
            )
            self._servers.append(server)
            self.ports[host] = server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()

    # -- routes and observations -----------------------------------------------------

    @property
    def host(self) -> str:
        return self.hosts[0]

    def url(self, path: str = "/", host: str | None = None) -> str:
        host = host or self.hosts[0]
        return f"http://{host}:{self.ports[host]}{path}"

    def route(self, path: str, handler: Handler, host: str | None = None) -> str:
        """Serve `path` (query ignored) with `handler` on every address; return its URL.

        Routes may change at any time while the server runs.
        """
        if not self.ports:
            raise RuntimeError("start the server before adding routes (their URLs need ports)")
        if not path.startswith("/"):
            raise ValueError(f"route path must start with '/': {path!r}")
        self._routes[path] = handler
        return self.url(path, host)

    def requests_for(self, path: str) -> list[Request]:
        return [r for r in list(self.requests) if r.path == path]

    def peak_active(self, host: str | None = None) -> int:
        """Most requests in progress at once (on `host`, or overall) since reset()."""
        return self._counts.peak_total if host is None else self._counts.peak[host]

    def reset(self) -> None:
        """Forget routes, the request log, peaks and errors (between tests)."""
        self._routes.clear()
        self.fallback = not_found
        self.requests.clear()
        self.errors.clear()
        # Fresh counters: requests from earlier tests still running (a 3 s stall, a
        # trickle) end on the old ones and cannot inflate this test's peaks.
        self._counts = _Counts(self.hosts)

    # -- the protocol ----------------------------------------------------------------

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        host, port = writer.get_extra_info("sockname")[:2]
        connection = next(self._connections)
        try:
            while True:
                request = await _read_request(reader, host, port, connection)
                if request is None:
                    break
                self.requests.append(request)
                responder = Responder(writer, request, self._counts.begin(host))
                if not await self._respond(request, responder):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away; that is what several tests are about
        except asyncio.CancelledError:
            # stop(): end quietly (Python 3.11's start_server callback would log a
            # cancelled task as an error).
            pass
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(ConnectionError, RuntimeError):
                writer.close()

    async def _respond(self, request: Request, responder: Responder) -> bool:
        """Run the handler; return whether the connection may serve another request."""
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            handler = self._routes.get(request.path, self.fallback)
            await handler(request, responder)
            if not responder.started:
                return False  # the handler chose to hang up without a response
        except ConnectionError:
            raise
        except Exception as e:
            self.errors.append(f"{request.method} {request.target}: {e!r}")
            if not responder.started:
                await responder.send(500, b"test server handler crashed")
            return False
        finally:
            responder.finish()
        return responder.keep_alive


async def _read_request(
    reader: asyncio.StreamReader, host: str, port: int, connection: int
) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, _version = lines[0].split(" ", 2)
    except ValueError:
        return None
    headers = tuple(
        (name.strip(), value.strip())
        for name, sep, value in (line.partition(":") for line in lines[1:] if line)
        if sep
    )
    length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
    if length:
        await reader.readexactly(length)
    path, _, query = target.partition("?")
    return Request(method, target, path, query, headers, host, port, connection, time.monotonic())


def _header_items(headers: Headers) -> list[tuple[str, str]]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(k), str(v)) for k, v in pairs]


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Whatever"


def _etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison, a list of tags or '*'."""
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in if_none_match.split(","))


def _not_modified_since(if_modified_since: str, last_modified: str) -> bool:
    if if_modified_since == last_modified:
        return True
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False


# -- handlers --------------------------------------------------------------------------


async def not_found(request: Request, responder: Responder) -> None:
    await responder.send(404, b"no route", {"Content-Type": "text/plain"})


def static(
    body: bytes = b"",
    *,
    status: int = 200,
    content_type: str | None = "application/rss+xml; charset=utf-8",
    headers: Headers = (),
    etag: str | None = None,
    last_modified: str | None = None,
    delay: float = 0.0,
    gzip: bool = False,
) -> Handler:
    """Fixed bytes, with validators answered by 304 and gzip when the client accepts it."""
    extra = _header_items(headers)
    packed = gzip_module.compress(body) if gzip else b""

    async def handle(request: Request, responder: Responder) -> None:
        if delay:
            await asyncio.sleep(delay)
        items = list(extra)
        if content_type is not None:
            items.append(("Content-Type", content_type))
        if etag is not None:
            items.append(("ETag", etag))
        if last_modified is not None:
            items.append(("Last-Modified", last_modified))
        inm, ims = request.header("if-none-match"), request.header("if-modified-since")
        # RFC 9110 §13.2.2: If-Modified-Since is ignored when If-None-Match is present.
        if inm is not None:
            fresh = etag is not None and _etag_matches(inm, etag)
        else:
            fresh = ims is not None and last_modified is not None
            fresh = fresh and _not_modified_since(ims or "", last_modified or "")
        if fresh and status == 200:
            cached = [(k, v) for k, v in items if k.lower() != "content-type"]
            await responder.send(304, b"", cached)
            return
        payload = body
        if gzip and "gzip" in (request.header("accept-encoding") or ""):
            payload = packed
            items += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        await responder.send(status, payload, items)

    return handle


def status_code(
    code: int,
    *,
    retry_after: str | int | None = None,
    headers: Headers = (),
    body: bytes | None = None,
) -> Handler:
    """An error (or any) status with a short text body and optional Retry-After."""
    items = _header_items(headers)
    if retry_after is not None:
        items.append(("Retry-After", str(retry_after)))
    text = body if body is not None else f"{code} {_phrase(code)}\n".encode()
    return static(text, status=code, content_type="text/plain", headers=items)


def redirect(location: str, status: int = 302) -> Handler:
    """A redirect to `location` (absolute or relative, sent verbatim)."""
    return static(b"", status=status, content_type=None, headers={"Location": location})


def sequence(*handlers: Handler) -> Handler:
    """The n-th request gets the n-th handler; the last one repeats."""
    if not handlers:
        raise ValueError("sequence() needs at least one handler")
    calls = itertools.count()

    async def handle(request: Request, responder: Responder) -> None:
        await handlers[min(next(calls), len(handlers) - 1)](request, responder)

    return handle


def endless(
    chunk: bytes = b"<item><title>again</title></item>\n" * 256,
    *,
    content_type: str = "application/rss+xml",
    chunked: bool = False,
) -> Handler:
    """A body that never ends (close-delimited, or chunked) until the client hangs up."""

    async def handle(request: Request, responder: Responder) -> None:
        items = [("Content-Type", content_type)]
        if chunked:
            items.append(("Transfer-Encoding", "chunked"))
        await responder.start(200, items)

        def framed(data: bytes) -> bytes:
            return b"%x\r\n%s\r\n" % (len(data), data) if chunked else data

        await responder.write(framed(b"<?xml version='1.0'?><rss><channel>\n"))
        frame = framed(chunk)
        while True:
            await responder.write(frame)

    return handle


def trickle(body: bytes, interval: float = 1.0, *, content_type: str = "text/xml") -> Handler:
    """Announces the whole length, then sends one byte every `interval` seconds."""

    async def handle(request: Request, responder: Responder) -> None:
        await responder.start(
            200, [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        )
        for i in range(len(body)):
            await responder.write(body[i : i + 1])
            await asyncio.sleep(interval)

    return handle


def reset_mid_body(
    body: bytes, after: int | None = None, *, content_type: str = "text/xml"
) -> Handler:
    """Announces the whole length, sends `after` bytes (default half), then a TCP RST."""

    async def handle(request: Request, responder: Responder) -> None:
        cut = len(body) // 2 if after is None else after
        await responder.start(
            200, [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        )
        await responder.write(body[:cut])
        await asyncio.sleep(0.05)  # let the partial body reach the client first
        responder.reset()

    return handle


def hang_up() -> Handler:
    """Reads the request, then closes the connection without a byte of response."""

    async def handle(request: Request, responder: Responder) -> None:
        responder.keep_alive = False

    return handle


def raw(data: bytes) -> Handler:
    """Writes `data` verbatim as the whole response (malformed HTTP), then closes."""

    async def handle(request: Request, responder: Responder) -> None:
        responder.started = True
        responder.keep_alive = False
        await responder.write(data)

    return handle


_BOMB_BLOCK = 1 << 20  # one MiB of zeros per repeated deflate block


@functools.cache
def _zeros_deflate_block() -> bytes:
    # Compressed from an empty window and ended by a full flush, this block is
    # byte-aligned and self-contained, so repeating it is a valid deflate stream.
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(bytes(_BOMB_BLOCK)) + compressor.flush(zlib.Z_FULL_FLUSH)


@functools.cache
def _zeros_crc32(blocks: int) -> int:
    zeros, crc = bytes(_BOMB_BLOCK), 0
    for _ in range(blocks):
        crc = zlib.crc32(zeros, crc)
    return crc


def gzip_bomb(inflated: int = 1 << 30, *, content_type: str = "application/rss+xml") -> Handler:
    """A valid gzip body of zeros: about 1 KB on the wire per MiB, `inflated` bytes unpacked.

    `inflated` is rounded up to whole MiB. Sent as Content-Encoding: gzip whatever the
    client asked for, as a hostile server would.
    """
    blocks = max(1, -(-inflated // _BOMB_BLOCK))
    block = _zeros_deflate_block()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    length = len(header) + len(block) * blocks + len(final) + 8

    async def handle(request: Request, responder: Responder) -> None:
        await responder.start(
            200,
            [
                ("Content-Type", content_type),
                ("Content-Encoding", "gzip"),
                ("Content-Length", str(length)),
            ],
        )
        await responder.write(header)
        for _ in range(blocks):
            await responder.write(block)
        trailer = struct.pack("<II", _zeros_crc32(blocks), (blocks * _BOMB_BLOCK) & 0xFFFFFFFF)
        await responder.write(final + trailer)

    return handle


def directory(root: Path) -> Handler:
    """Files under `root` by request path, with Last-Modified validators (for __main__)."""

    async def handle(request: Request, responder: Responder) -> None:
        path = (root / request.path.lstrip("/")).resolve()
        if not path.is_file() or not path.is_relative_to(root.resolve()):
            await not_found(request, responder)
            return
        stamp = formatdate(path.stat().st_mtime, usegmt=True)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        await static(path.read_bytes(), content_type=kind, last_modified=stamp)(request, responder)

    return handle


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a directory the way tests do.")
    parser.add_argument("root", type=Path)
    parser.add_argument("--host", default="127.0.0.1", help="any loopback address, e.g. 127.0.0.5")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    args = parser.parse_args()
    server = TestServer([args.host], port=args.port, latency=args.latency)
    server.fallback = directory(args.root)
    server.start()
    print(f"serving {args.root} at {server.url()} (Ctrl-C stops)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
