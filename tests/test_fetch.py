"""digestctl.fetch against a real loopback server (tests/httpserver.py).

httpx.MockTransport only stands in for failures a loopback server cannot stage (DNS).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
import tracemalloc
import zlib
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpserver import (
    Request,
    Responder,
    TestServer,
    endless,
    gzip_bomb,
    hang_up,
    raw,
    redirect,
    reset_mid_body,
    sequence,
    static,
    status_code,
    trickle,
)

from digestctl.errors import FetchError
from digestctl.fetch import (
    USER_AGENT,
    Fetcher,
    FetchErrorKind,
    FetchFailure,
    FetchRequest,
    FetchResponse,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FEED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def fetch(req: FetchRequest | str, **options: Any) -> FetchResponse:
    """One fetch with a fresh Fetcher; fast retries unless the test says otherwise. The
    request stands for a source's URL in sources.toml, so it is trusted (its redirects to
    other origins are checked: tests/test_fetch_ssrf.py)."""
    request = FetchRequest(req) if isinstance(req, str) else req
    request = replace(request, trusted=True)

    async def go() -> FetchResponse:
        async with Fetcher(**{"backoff": 0.01, "clock": lambda: NOW, **options}) as f:
            return await f.fetch(request)

    result: FetchResponse = run(go())
    return result


def failure(req: FetchRequest | str, **options: Any) -> FetchFailure:
    with pytest.raises(FetchFailure) as info:
        fetch(req, **options)
    return info.value


# -- success, headers, validators ----------------------------------------------------


def test_200_body_headers_and_validators(server: TestServer) -> None:
    url = server.route(
        "/feed.xml",
        static(
            FEED,
            content_type="application/rss+xml; charset=ISO-8859-1",
            etag='W/"abc-123"',
            last_modified="Mon, 02 Mar 2026 10:00:00 GMT",
        ),
    )
    r = fetch(url)
    assert (r.status, r.content, r.url, r.not_modified) == (200, FEED, url, False)
    assert r.etag == 'W/"abc-123"'
    assert r.last_modified == "Mon, 02 Mar 2026 10:00:00 GMT"
    assert r.charset == "iso-8859-1"  # as declared (lower-cased); decoding is the parser's job
    assert r.headers["content-type"] == "application/rss+xml; charset=ISO-8859-1"
    assert r.permanent_redirect is None
    assert r.retry_not_before is None
    assert r.elapsed > 0
    (sent,) = server.requests_for("/feed.xml")
    assert sent.header("user-agent") == USER_AGENT
    assert USER_AGENT.startswith("digestctl/")
    assert "(+https://github.com/digestctl/digestctl)" in USER_AGENT
    assert sent.header("accept-encoding") == "gzip, deflate"
    assert sent.header("if-none-match") is None
    assert sent.header("if-modified-since") is None


def test_user_agent_and_headers_per_request(server: TestServer) -> None:
    url = server.route("/ua", static(FEED))
    fetch(FetchRequest(url, user_agent="Mozilla/5.0 test", headers={"X-Token": "t1"}))
    (sent,) = server.requests_for("/ua")
    assert sent.header("user-agent") == "Mozilla/5.0 test"
    assert sent.header("x-token") == "t1"


def test_304_round_trip_echoes_validators_verbatim(server: TestServer) -> None:
    etag, stamp = 'W/"5f2-17d:gzip"', "Mon, 02 Mar 2026 10:00:00 GMT"
    url = server.route("/c.xml", static(FEED, etag=etag, last_modified=stamp))
    first = fetch(url)
    second = fetch(FetchRequest(url, etag=first.etag, last_modified=first.last_modified))
    assert second.not_modified
    assert (second.status, second.content) == (304, b"")
    assert (second.etag, second.last_modified) == (etag, stamp)
    sent = server.requests_for("/c.xml")[1]
    assert sent.header("if-none-match") == etag
    assert sent.header("if-modified-since") == stamp


def test_304_without_validators_keeps_the_stored_ones(server: TestServer) -> None:
    async def bare_304(request: Request, responder: Responder) -> None:
        await responder.send(304)

    url = server.route("/bare", bare_304)
    r = fetch(FetchRequest(url, etag='"e1"', last_modified="Sun, 01 Mar 2026 00:00:00 GMT"))
    assert r.not_modified
    assert (r.etag, r.last_modified) == ('"e1"', "Sun, 01 Mar 2026 00:00:00 GMT")


def test_if_modified_since_alone(server: TestServer) -> None:
    stamp = "Mon, 02 Mar 2026 10:00:00 GMT"
    url = server.route("/lm", static(FEED, last_modified=stamp))
    assert fetch(FetchRequest(url, last_modified=stamp)).not_modified
    assert not fetch(FetchRequest(url, last_modified="Sun, 01 Mar 2026 00:00:00 GMT")).not_modified


def test_new_validators_on_every_200(server: TestServer) -> None:
    url = server.route("/v", static(FEED, etag='"v2"'))
    r = fetch(FetchRequest(url, etag='"v1"'))
    assert (r.status, r.etag, r.content) == (200, '"v2"', FEED)


# -- content encodings ----------------------------------------------------------------


def test_gzip_is_decoded(server: TestServer) -> None:
    url = server.route("/gz", static(FEED * 100, gzip=True))
    r = fetch(url)
    assert r.content == FEED * 100
    assert r.headers["content-encoding"] == "gzip"


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_deflate_is_decoded_in_both_flavours(server: TestServer, wbits: int) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    packed = compressor.compress(FEED) + compressor.flush()
    url = server.route("/deflate", static(packed, headers={"Content-Encoding": "deflate"}))
    assert fetch(url).content == FEED


def test_concatenated_gzip_members(server: TestServer) -> None:
    import gzip

    body = gzip.compress(b"<rss>") + gzip.compress(b"</rss>")
    url = server.route("/members", static(body, headers={"Content-Encoding": "gzip"}))
    assert fetch(url).content == b"<rss></rss>"


def test_corrupt_gzip_is_an_error(server: TestServer) -> None:
    url = server.route("/bad-gz", static(b"\x1f\x8bnot gzip", headers={"Content-Encoding": "gzip"}))
    err = failure(url)
    assert err.kind is FetchErrorKind.OTHER
    assert "corrupt compressed body" in err.reason


def test_unrequested_encoding_is_refused(server: TestServer) -> None:
    url = server.route("/br", static(b"\x0b\x02\x80hi\x03", headers={"Content-Encoding": "br"}))
    err = failure(url)
    assert err.kind is FetchErrorKind.OTHER
    assert "'br'" in err.reason


def test_small_gzip_bomb_inflates_exactly(server: TestServer) -> None:
    # Checks the bomb is a valid gzip stream, and that bounded inflation loses nothing.
    url = server.route("/small-bomb", gzip_bomb(3 << 20))
    r = fetch(FetchRequest(url, max_bytes=4 << 20))
    assert r.content == bytes(3 << 20)


# -- size caps ------------------------------------------------------------------------


def test_endless_body_is_cut_at_the_cap(server: TestServer) -> None:
    url = server.route("/endless", endless())
    started = time.monotonic()
    err = failure(FetchRequest(url, max_bytes=1 << 20, timeout=10))
    assert err.kind is FetchErrorKind.SIZE
    assert "1 MB limit" in err.reason
    assert time.monotonic() - started < 5
    assert len(server.requests_for("/endless")) == 1  # not retried


def test_endless_chunked_body_is_cut_at_the_cap(server: TestServer) -> None:
    url = server.route("/endless-chunked", endless(chunked=True))
    assert failure(FetchRequest(url, max_bytes=1 << 20)).kind is FetchErrorKind.SIZE


def test_gzip_bomb_is_stopped_with_bounded_memory(server: TestServer) -> None:
    url = server.route("/bomb", gzip_bomb(1 << 30))  # ~1 MB on the wire, 1 GiB inflated
    tracemalloc.start()
    try:
        err = failure(FetchRequest(url, max_bytes=1 << 20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.kind is FetchErrorKind.SIZE
    assert "unpacked" in err.reason
    assert peak < 8 << 20, f"peak {peak / 2**20:.1f} MiB while refusing a 1 MiB-capped bomb"


def test_announced_length_over_the_cap_is_refused_unread(server: TestServer) -> None:
    url = server.route("/big", static(bytes(2 << 20)))
    err = failure(FetchRequest(url, max_bytes=1 << 20))
    assert err.kind is FetchErrorKind.SIZE
    assert "announces 2 MB" in err.reason


def test_body_at_exactly_the_cap_is_fine(server: TestServer) -> None:
    url = server.route("/exact", static(bytes(1000)))
    assert len(fetch(FetchRequest(url, max_bytes=1000)).content) == 1000


# -- redirects ------------------------------------------------------------------------


def test_permanent_redirects_report_the_new_url(server: TestServer) -> None:
    server.route("/old", redirect("/older", 301))
    server.route("/older", redirect(server.url("/new"), 308))
    new = server.route("/new", static(FEED))
    r = fetch(server.url("/old"))
    assert (r.url, r.content, r.permanent_redirect) == (new, FEED, new)


def test_permanent_then_temporary_reports_the_permanent_target(server: TestServer) -> None:
    server.route("/moved", redirect("/canonical", 301))
    server.route("/canonical", redirect("/today", 302))
    server.route("/today", static(FEED))
    r = fetch(server.url("/moved"))
    assert r.url == server.url("/today")
    assert r.permanent_redirect == server.url("/canonical")


@pytest.mark.parametrize("status", [302, 303, 307])
def test_temporary_redirect_first_reports_nothing(server: TestServer, status: int) -> None:
    server.route("/tmp", redirect("/perm", status))
    server.route("/perm", redirect("/final", 301))
    server.route("/final", static(FEED))
    r = fetch(server.url("/tmp"))
    assert r.url == server.url("/final")
    assert r.permanent_redirect is None


def test_validators_follow_redirects(server: TestServer) -> None:
    server.route("/r", redirect("/target", 307))
    server.route("/target", static(FEED, etag='"t"'))
    assert fetch(FetchRequest(server.url("/r"), etag='"t"')).not_modified
    assert server.requests_for("/target")[0].header("if-none-match") == '"t"'


def test_redirect_loop(server: TestServer) -> None:
    server.route("/a", redirect("/b", 302))
    server.route("/b", redirect("/a", 302))
    err = failure(server.url("/a"))
    assert err.kind is FetchErrorKind.REDIRECTS
    assert err.reason.startswith("redirect loop: ")
    assert err.reason.count("→") == 2
    assert len(server.requests) == 2


def test_at_most_five_redirects(server: TestServer) -> None:
    for i in range(7):
        server.route(f"/hop{i}", redirect(f"/hop{i + 1}", 302))
    server.route("/hop7", static(FEED))
    err = failure(server.url("/hop0"))
    assert err.kind is FetchErrorKind.REDIRECTS
    assert "more than 5 redirects" in err.reason
    assert len(server.requests) == 6
    assert fetch(server.url("/hop2")).content == FEED  # exactly five is fine


def test_redirect_to_a_local_file_is_refused(server: TestServer) -> None:
    url = server.route("/sneaky", redirect("file:///etc/passwd", 302))
    err = failure(url)
    assert err.kind is FetchErrorKind.REDIRECTS
    assert "non-HTTP" in err.reason


def test_credentials_do_not_follow_a_redirect_to_another_host(hosts: TestServer) -> None:
    a, b = hosts.hosts[:2]
    hosts.route("/to-b", redirect(hosts.url("/landing", host=b), 302))
    hosts.route("/landing", static(FEED))
    headers = {"Authorization": "Bearer s3cret", "X-Other": "kept"}
    # allow_private: the other host is on loopback too, which a redirect may not reach.
    fetch(FetchRequest(hosts.url("/to-b", host=a), headers=headers, allow_private=True))
    (first,) = hosts.requests_for("/to-b")
    (landed,) = hosts.requests_for("/landing")
    assert first.header("authorization") == "Bearer s3cret"
    assert landed.header("authorization") is None
    assert landed.header("x-other") == "kept"


# -- statuses, blocking and retries ---------------------------------------------------


def test_403_is_blocked_with_a_user_agent_hint(server: TestServer) -> None:
    url = server.route("/forbidden", status_code(403))
    err = failure(url)
    assert (err.kind, err.status) == (FetchErrorKind.BLOCKED, 403)
    assert err.reason == "blocked by the server (HTTP 403 Forbidden)"
    assert err.hint is not None
    assert 'set user_agent = "…"' in err.hint
    assert "sources.toml" in err.hint
    assert isinstance(err, FetchError)  # the shared tree: exit codes, one-line messages
    assert len(server.requests) == 1  # never retried


@pytest.mark.parametrize(
    ("headers", "cdn"),
    [({"Server": "cloudflare"}, "Cloudflare"), ({"CF-RAY": "8a1b-LHR"}, "Cloudflare")],
)
def test_cdn_429_without_retry_after_is_blocked(
    server: TestServer, headers: dict[str, str], cdn: str
) -> None:
    url = server.route("/cdn", status_code(429, headers=headers))
    err = failure(url)
    assert (err.kind, err.status) == (FetchErrorKind.BLOCKED, 429)
    assert cdn in err.reason
    assert len(server.requests) == 1


def test_cloudflare_challenge_is_blocked(server: TestServer) -> None:
    headers = {"Server": "cloudflare", "cf-mitigated": "challenge"}
    err = failure(server.route("/challenge", status_code(503, headers=headers)))
    assert err.kind is FetchErrorKind.BLOCKED
    assert len(server.requests) == 1


def test_429_retry_after_is_honoured_then_succeeds(server: TestServer) -> None:
    url = server.route("/busy", sequence(status_code(429, retry_after=1), static(FEED)))
    assert fetch(url, backoff=0.0).content == FEED
    first, second = server.requests_for("/busy")
    assert 0.9 < second.time - first.time < 2.5


def test_429_retry_after_beyond_the_bound_fails_now_with_the_time(server: TestServer) -> None:
    url = server.route("/later", status_code(429, retry_after=3600))
    err = failure(url)
    assert (err.kind, err.status) == (FetchErrorKind.HTTP, 429)
    assert err.reason.startswith("rate limited by the server (HTTP 429")
    assert err.reason.endswith("; the server asks us to wait 60 min")
    assert err.retry_not_before == NOW + timedelta(hours=1)
    assert len(server.requests) == 1


def test_retry_after_as_http_date(server: TestServer) -> None:
    when = format_datetime(NOW + timedelta(minutes=10), usegmt=True)
    err = failure(server.route("/date", status_code(503, retry_after=when)))
    assert err.retry_not_before == NOW + timedelta(minutes=10)


def test_retry_after_is_capped_when_stored(server: TestServer) -> None:
    err = failure(server.route("/forever", status_code(503, retry_after=10**9)))
    assert err.retry_not_before == NOW + timedelta(hours=6)


def test_5xx_is_retried_until_success(server: TestServer) -> None:
    url = server.route(
        "/flaky", sequence(status_code(500), status_code(502), static(FEED, etag='"ok"'))
    )
    r = fetch(url, retries=2)
    assert (r.content, r.etag) == (FEED, '"ok"')
    assert len(server.requests) == 3


def test_5xx_retries_give_up_with_one_line(server: TestServer) -> None:
    url = server.route("/down", status_code(503))
    err = failure(url, retries=2)
    assert (err.kind, err.status) == (FetchErrorKind.HTTP, 503)
    assert err.reason == "server error (HTTP 503 Service Unavailable) (after 3 attempts)"
    assert "\n" not in err.reason
    assert len(server.requests) == 3


def test_backoff_grows_between_retries(server: TestServer) -> None:
    url = server.route("/slowly", status_code(500))
    failure(url, retries=2, backoff=0.2)
    t = [r.time for r in server.requests]
    assert t[1] - t[0] >= 0.09  # 0.2 s ± 50 % jitter
    assert t[2] - t[1] >= 0.19  # doubled


@pytest.mark.parametrize(("status", "hint"), [(404, "moved"), (410, "remove"), (401, "login")])
def test_client_errors_are_not_retried(server: TestServer, status: int, hint: str) -> None:
    err = failure(server.route("/x", status_code(status)))
    assert (err.kind, err.status) == (FetchErrorKind.HTTP, status)
    assert hint in (err.hint or "")
    assert len(server.requests) == 1


def test_credentials_in_the_url_never_reach_messages(server: TestServer) -> None:
    server.route("/private", status_code(404))
    port = server.ports[server.host]
    err = failure(f"http://editor:hunter2@127.0.0.1:{port}/private")
    assert "hunter2" not in str(err)
    assert "hunter2" not in err.url
    assert server.requests[0].header("authorization") is not None  # yet they were used


# -- timeouts and broken connections --------------------------------------------------


def test_trickling_body_is_cut_by_the_deadline(server: TestServer) -> None:
    url = server.route("/trickle", trickle(FEED, interval=0.1))
    started = time.monotonic()
    err = failure(FetchRequest(url, timeout=0.5))
    took = time.monotonic() - started
    assert err.kind is FetchErrorKind.TIMEOUT
    assert "within 0.5 s" in err.reason
    assert 0.45 < took < 1.5
    assert len(server.requests) == 1  # a slow server is not asked again


def test_slow_headers_time_out(server: TestServer) -> None:
    url = server.route("/stall", static(FEED, delay=3))
    started = time.monotonic()
    assert failure(FetchRequest(url, timeout=0.3)).kind is FetchErrorKind.TIMEOUT
    assert time.monotonic() - started < 1.5


def test_deadline_covers_the_whole_redirect_chain(server: TestServer) -> None:
    server.route("/slow-hop", sequence(static(b"", status=302, headers={"Location": "/slow2"})))
    server.route("/slow2", static(FEED, delay=0.4))
    assert fetch(FetchRequest(server.url("/slow-hop"), timeout=1)).content == FEED
    err = failure(FetchRequest(server.url("/slow-hop"), timeout=0.3))
    assert err.kind is FetchErrorKind.TIMEOUT


def test_reset_mid_body_is_retried_then_reported(server: TestServer) -> None:
    url = server.route("/reset", reset_mid_body(FEED * 200))
    err = failure(url, retries=1)
    assert err.kind is FetchErrorKind.CONNECT
    assert "broke off" in err.reason
    assert err.reason.endswith("(after 2 attempts)")
    assert len(server.requests) == 2


def test_reset_once_then_success(server: TestServer) -> None:
    url = server.route("/reset-once", sequence(reset_mid_body(FEED * 200), static(FEED)))
    assert fetch(url).content == FEED


def test_hang_up_without_response(server: TestServer) -> None:
    err = failure(server.route("/hangup", hang_up()), retries=0)
    assert err.kind is FetchErrorKind.CONNECT


def test_malformed_http(server: TestServer) -> None:
    err = failure(server.route("/garbage", raw(b"SPDY/9 bonjour\r\n\r\n")))
    assert err.kind is FetchErrorKind.OTHER
    assert "malformed HTTP" in err.reason
    assert len(server.requests) == 1


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        err = failure(f"http://127.0.0.1:{port}/feed", retries=1)
    assert err.kind is FetchErrorKind.CONNECT
    assert f"could not connect to 127.0.0.1:{port} (connection refused)" in err.reason


def test_tls_to_a_server_that_does_not_speak_it() -> None:
    async def scenario() -> FetchFailure:
        async def plain(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            writer.close()

        plain_server = await asyncio.start_server(plain, "127.0.0.1", 0)
        port = plain_server.sockets[0].getsockname()[1]
        try:
            async with Fetcher(backoff=0.01) as f:
                with pytest.raises(FetchFailure) as info:
                    await f.fetch(FetchRequest(f"https://127.0.0.1:{port}/feed", trusted=True))
        finally:
            plain_server.close()
            await plain_server.wait_closed()
        return info.value

    err = run(scenario())
    assert err.kind is FetchErrorKind.TLS
    assert err.reason.startswith("TLS handshake with 127.0.0.1")


# -- concurrency ------------------------------------------------------------------------


def fetch_many(
    urls: list[str], **options: Any
) -> list[tuple[FetchRequest, FetchResponse | FetchFailure]]:
    async def go() -> list[tuple[FetchRequest, FetchResponse | FetchFailure]]:
        async with Fetcher(**options) as f:
            return [
                result async for result in f.fetch_all(FetchRequest(u, trusted=True) for u in urls)
            ]

    results: list[tuple[FetchRequest, FetchResponse | FetchFailure]] = run(go())
    return results


def test_per_host_limit_is_respected(server: TestServer) -> None:
    urls = [server.route(f"/p{i}", static(FEED, delay=0.1)) for i in range(8)]
    results = fetch_many(urls, per_host=2)
    assert all(isinstance(r, FetchResponse) for _, r in results)
    assert server.peak_active(server.host) == 2


def test_global_limit_across_hosts(hosts: TestServer) -> None:
    urls = [
        hosts.route(f"/g{i}", static(FEED, delay=0.1), host=hosts.hosts[i % 4]) for i in range(12)
    ]
    fetch_many(urls, concurrency=3, per_host=2)
    assert hosts.peak_active() == 3
    assert max(hosts.peak_active(h) for h in hosts.hosts) <= 2


def test_hosts_run_in_parallel(hosts: TestServer) -> None:
    urls = [
        hosts.route(f"/h{i}", static(FEED, delay=0.2), host=h) for i, h in enumerate(hosts.hosts)
    ]
    started = time.monotonic()
    fetch_many(urls, per_host=1)
    assert time.monotonic() - started < 0.6  # four hosts at once, not one after another
    assert hosts.peak_active() == 4


def test_a_busy_host_does_not_hold_global_slots(hosts: TestServer) -> None:
    a, b = hosts.hosts[:2]
    urls = [hosts.route(f"/busy{i}", static(FEED, delay=0.3), host=a) for i in range(3)]
    other = hosts.route("/other", static(FEED), host=b)

    async def go() -> float:
        async with Fetcher(concurrency=2, per_host=1) as f:
            slow = [asyncio.ensure_future(f.fetch(FetchRequest(u, trusted=True))) for u in urls]
            await asyncio.sleep(0.05)
            started = time.monotonic()
            await f.fetch(FetchRequest(other, trusted=True))
            took = time.monotonic() - started
            await asyncio.gather(*slow)
            return took

    assert run(go()) < 0.2


def test_fetch_all_stopped_early_leaves_nothing_running(server: TestServer) -> None:
    urls = [server.route(f"/early{i}", static(FEED, delay=0.05 * i)) for i in range(4)]

    async def go() -> list[asyncio.Task[Any]]:
        async with Fetcher() as f:
            results = f.fetch_all(FetchRequest(u, trusted=True) for u in urls)
            async for _ in results:
                break
            await results.aclose()
        return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    assert run(go()) == []


def test_fetch_all_reports_failures_as_data(server: TestServer) -> None:
    good = server.route("/good", static(FEED))
    bad = server.route("/bad", status_code(404))
    results = dict(fetch_many([good, bad, good]))
    assert isinstance(results[FetchRequest(good, trusted=True)], FetchResponse)
    outcome = results[FetchRequest(bad, trusted=True)]
    assert isinstance(outcome, FetchFailure)
    assert outcome.status == 404


# -- freshness ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "after"),
    [
        ({"Cache-Control": "public, max-age=600"}, timedelta(minutes=10)),
        ({"Cache-Control": "max-age=600", "Age": "100"}, timedelta(seconds=500)),
        ({"Cache-Control": "max-age=99999999"}, timedelta(hours=6)),
        ({"Cache-Control": "no-cache, max-age=600"}, None),
        ({"Cache-Control": "max-age=0"}, None),
        ({"Retry-After": "120"}, timedelta(minutes=2)),
        ({"Retry-After": "900", "Cache-Control": "max-age=60"}, timedelta(minutes=15)),
        ({"Cache-Control": "max-age=soon"}, None),
    ],
)
def test_retry_not_before_on_success(
    server: TestServer, headers: dict[str, str], after: timedelta | None
) -> None:
    r = fetch(server.route("/fresh", static(FEED, headers=headers)))
    assert r.retry_not_before == (None if after is None else NOW + after)


def test_retry_not_before_on_304(server: TestServer) -> None:
    url = server.route(
        "/fresh304", static(FEED, etag='"1"', headers={"Cache-Control": "max-age=60"})
    )
    r = fetch(FetchRequest(url, etag='"1"'))
    assert r.not_modified
    assert r.retry_not_before == NOW + timedelta(minutes=1)


# -- file: URLs ---------------------------------------------------------------------------


def test_file_url(tmp_path: Path) -> None:
    path = tmp_path / "saved feed.xml"
    path.write_bytes(FEED)
    r = fetch(path.as_uri())
    assert (r.status, r.content, r.not_modified) == (200, FEED, False)
    again = fetch(FetchRequest(path.as_uri(), etag=r.etag, last_modified=r.last_modified))
    assert again.not_modified
    assert again.content == b""
    path.write_bytes(FEED + b"\n")
    assert fetch(FetchRequest(path.as_uri(), etag=r.etag)).content == FEED + b"\n"


def test_missing_file(tmp_path: Path) -> None:
    err = failure((tmp_path / "nope.xml").as_uri())
    assert err.kind is FetchErrorKind.OTHER
    assert err.reason == f"file not found: {tmp_path / 'nope.xml'}"
    assert "sources.toml" in (err.hint or "")


def test_file_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(bytes(2000))
    assert failure(FetchRequest(path.as_uri(), max_bytes=1000)).kind is FetchErrorKind.SIZE


@pytest.mark.parametrize("target", ["dir", "/dev/zero"])
def test_file_that_is_not_a_regular_file(tmp_path: Path, target: str) -> None:
    path = tmp_path if target == "dir" else Path(target)
    if not path.exists():
        pytest.skip(f"{path} does not exist here")
    err = failure(path.as_uri())
    assert err.reason.startswith("not a regular file")


def test_file_url_on_another_host() -> None:
    assert "another host" in failure("file://fileserver/share/feed.xml").reason


def test_unsupported_scheme() -> None:
    err = failure("ftp://example.org/feed.xml")
    assert err.kind is FetchErrorKind.OTHER
    assert err.reason == "cannot fetch ftp: URLs (only http, https and file)"


# -- failures a loopback server cannot stage --------------------------------------------


def mock_fetch(handler: Callable[[httpx.Request], httpx.Response]) -> FetchFailure:
    return failure("https://feeds.example.org/rss", transport=httpx.MockTransport(handler))


def test_dns_failure_is_not_retried() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        cause = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        raise httpx.ConnectError("[Errno -2] Name or service not known") from cause

    err = mock_fetch(handler)
    assert err.kind is FetchErrorKind.DNS
    assert err.reason == "host name not found: feeds.example.org"
    assert len(calls) == 1


def test_tls_certificate_failure() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        cause = ssl.SSLCertVerificationError(1, "certificate verify failed")
        cause.verify_message = "certificate has expired"
        raise httpx.ConnectError("certificate verify failed") from cause

    err = mock_fetch(handler)
    assert err.kind is FetchErrorKind.TLS
    assert err.reason == (
        "TLS certificate of feeds.example.org not accepted: certificate has expired"
    )
