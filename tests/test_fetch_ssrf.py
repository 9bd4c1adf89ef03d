"""Server-side request forgery: what a stranger's content points to is checked at connect
time; what the editor configured is trusted (SECURITY.md).

Only loopback traffic: the source is on 127.0.0.1, the "internal" targets are 127.0.0.2,
127.0.0.3 (the multi-host server) and `localhost` on another port. Other address ranges
and DNS rebinding are tested with a fake resolver and a fake network backend.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpcore
import pytest
from httpserver import TestServer, redirect, static
from typer.testing import CliRunner, Result

from digestctl.cli import app
from digestctl.fetch import (
    CheckedBackend,
    Fetcher,
    FetchErrorKind,
    FetchFailure,
    FetchRequest,
    FetchResponse,
    PrivateAddressError,
)
from digestctl.models import Source
from digestctl.origins import vouched_for
from digestctl.workspace import init_workspace

runner = CliRunner()
HTML = "text/html; charset=utf-8"
SECRET = b"<html><head><title>Internal admin panel</title></head><body>secret</body></html>"


def article(title: str) -> bytes:
    return (
        f"<html><head><title>{title}</title><meta name='description' content='About {title}.'>"
        f"</head><body><article><p>{title} body.</p></article></body></html>"
    ).encode()


@pytest.fixture(scope="module")
def other_port() -> Iterator[TestServer]:
    """A second server on 127.0.0.1, reached as `localhost` (another origin)."""
    with TestServer() as server:
        yield server


@pytest.fixture
def internal(hosts: TestServer, other_port: TestServer) -> dict[str, str]:
    """Internal pages: on 127.0.0.2, 127.0.0.3 and localhost:<other port>."""
    other_port.reset()
    a, b = hosts.hosts[0], hosts.hosts[1]
    assert (a, b) == ("127.0.0.2", "127.0.0.3")
    return {
        "a": hosts.route("/secret-a", static(SECRET, content_type=HTML), host=a),
        "b": hosts.route("/secret-b", static(SECRET, content_type=HTML), host=b),
        "localhost": other_port.route("/secret-l", static(SECRET, content_type=HTML)).replace(
            "127.0.0.1", "localhost"
        ),
    }


def internal_requests(hosts: TestServer, other_port: TestServer) -> list[str]:
    return [r.path for r in [*hosts.requests, *other_port.requests] if "secret" in r.path]


def workspace(tmp_path: Path, sources: str) -> Path:
    ws = init_workspace(tmp_path / "ws")[0]
    ws.sources_path.write_text(sources, encoding="utf-8")
    return ws.root


def cli(ws: Path, *args: str) -> Result:
    return runner.invoke(app, ["-w", str(ws), *args])


def fetch_json(ws: Path) -> tuple[int, dict[str, Any]]:
    result = cli(ws, "fetch", "--json")
    report: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, report


def page_source(url: str, *, allow_private: bool = False) -> str:
    extra = "allow_private = true\n" if allow_private else ""
    return f'[[source]]\nname = "site"\nurl = "{url}"\ntype = "page"\nlinks = "a"\n{extra}'


def listing_with_internal_links(server: TestServer, internal: dict[str, str]) -> str:
    server.route("/news/one", static(article("Story one"), content_type=HTML))
    server.route("/news/two", static(article("Story two"), content_type=HTML))
    port = internal["localhost"].split(":")[2].split("/")[0]
    links = [
        "/news/one",
        internal["a"],
        internal["b"],
        internal["localhost"],
        # Other spellings of 127.0.0.1: judged by the address they resolve to.
        f"http://2130706433:{port}/secret-l",
        f"http://0x7f.1:{port}/secret-l",
        f"http://[::ffff:127.0.0.1]:{port}/secret-l",
        "/news/two",
    ]
    body = "".join(f'<a href="{link}">link</a>' for link in links)
    return server.route(
        "/news/", static(f"<html><body>{body}</body></html>".encode(), content_type=HTML)
    )


# -- end to end: fetch, check, add ---------------------------------------------------------


def test_listing_links_to_private_addresses_are_blocked_and_reported(
    tmp_path: Path, server: TestServer, hosts: TestServer, other_port: TestServer, internal: Any
) -> None:
    url = listing_with_internal_links(server, internal)
    ws = workspace(tmp_path, page_source(url))
    code, report = fetch_json(ws)
    assert code == 0  # the rest of the source completes
    (outcome,) = report["sources"]
    assert outcome["outcome"] == "ok"
    assert outcome["new"] == 2  # the two same-origin stories
    assert internal_requests(hosts, other_port) == []
    (warning,) = outcome["warnings"]
    assert "6 of 8 article links not fetched" in warning
    assert "blocked: private address 127.0.0.2" in warning
    assert "set allow_private = true for this source to allow" in warning
    titles = {i["title"] for i in json.loads(cli(ws, "items", "--json").stdout)}
    assert titles == {"Story one", "Story two"}
    # On a terminal too (stderr carries the report when stdout is not one).
    again = cli(ws, "fetch", "--force")
    assert "blocked: private address" in again.output


def test_allow_private_lets_an_intranet_source_follow_them(
    tmp_path: Path, server: TestServer, hosts: TestServer, other_port: TestServer, internal: Any
) -> None:
    url = listing_with_internal_links(server, internal)
    ws = workspace(tmp_path, "[defaults]\nallow_private = true\n\n" + page_source(url))
    code, report = fetch_json(ws)
    assert code == 0, report
    assert report["sources"][0]["warnings"] == []
    assert report["sources"][0]["new"] == 8  # each spelling of localhost is its own URL
    assert sorted(set(internal_requests(hosts, other_port))) == [
        "/secret-a",
        "/secret-b",
        "/secret-l",
    ]


def test_a_redirect_to_a_private_address_is_blocked(
    tmp_path: Path, server: TestServer, hosts: TestServer, other_port: TestServer, internal: Any
) -> None:
    server.route("/news/fine", static(article("Fine story"), content_type=HTML))
    server.route("/news/one-hop", redirect(internal["a"], 302))
    server.route("/news/two-hop", redirect("/news/two-hop-b", 302))
    server.route("/news/two-hop-b", redirect(internal["localhost"], 301))
    body = b'<a href="/news/fine">a</a><a href="/news/one-hop">b</a><a href="/news/two-hop">c</a>'
    url = server.route("/news/", static(body, content_type=HTML))
    ws = workspace(tmp_path, page_source(url))
    code, report = fetch_json(ws)
    assert code == 0
    assert report["sources"][0]["new"] == 1
    assert "2 of 3 article links not fetched" in report["sources"][0]["warnings"][0]
    assert internal_requests(hosts, other_port) == []
    # The same-origin hop of the two-hop chain was followed; the private one was not.
    assert len(server.requests_for("/news/two-hop-b")) == 1


def test_a_configured_source_redirecting_to_a_private_address_fails(
    tmp_path: Path, server: TestServer, hosts: TestServer, internal: Any
) -> None:
    feed = hosts.route(
        "/feed.xml", static(b"<rss version='2.0'><channel/></rss>"), host="127.0.0.2"
    )
    url = server.route("/feed", redirect(feed, 301))
    ws = workspace(tmp_path, f'[[source]]\nname = "moved"\nurl = "{url}"\n')
    code, report = fetch_json(ws)
    assert code == 1
    (outcome,) = report["sources"]
    assert outcome["outcome"] == "failed"
    assert outcome["error_kind"] == "private"
    assert outcome["error"] == (
        "blocked: private address 127.0.0.2 (set allow_private = true for this source to allow)"
    )
    assert hosts.requests_for("/feed.xml") == []
    (state,) = json.loads(cli(ws, "sources", "--json").stdout)
    assert state["last_error"] == outcome["error"]
    # The switch: the same source with allow_private follows the redirect.
    ws.joinpath("sources.toml").write_text(
        f'[[source]]\nname = "moved"\nurl = "{url}"\nallow_private = true\n', encoding="utf-8"
    )
    code, report = fetch_json(ws)
    assert code == 0, report
    assert len(hosts.requests_for("/feed.xml")) == 1


def test_adding_a_private_url_by_hand_is_allowed(
    tmp_path: Path, hosts: TestServer, internal: Any
) -> None:
    ws = workspace(tmp_path, "")
    story = hosts.route("/story", static(article("Intranet story"), content_type=HTML), "127.0.0.2")
    added = cli(ws, "add", story, "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["title"] == "Intranet story"
    rss = b"<rss version='2.0'><channel><title>Intranet</title><item><title>x</title>"
    rss += b"<link>http://127.0.0.3/x</link></item></channel></rss>"
    feed = hosts.route(
        "/intranet.xml", static(rss, content_type="application/rss+xml"), "127.0.0.3"
    )
    done = cli(ws, "sources", "add", feed)
    assert done.exit_code == 0, done.output
    assert feed in ws.joinpath("sources.toml").read_text(encoding="utf-8")
    # What the typed URL redirects to is still checked.
    hop = hosts.route("/hop", redirect(internal["b"], 302), "127.0.0.2")
    refused = cli(ws, "add", hop)
    assert refused.exit_code == 1
    assert f"{hop}: redirects to a private address (127.0.0.3): blocked" in refused.stderr


def test_check_does_not_verify_private_links(
    tmp_path: Path, server: TestServer, hosts: TestServer, other_port: TestServer, internal: Any
) -> None:
    from digestctl import picks
    from digestctl.drafts import Draft, DraftEntry, save_draft
    from digestctl.workspace import Workspace

    ws = workspace(tmp_path, '[[source]]\nname = "wire"\nurl = "https://wire.example.org/"\n')
    workspace_ = Workspace(ws)
    entry = DraftEntry(
        id="e1", url=internal["a"], title="t", note="n", section="Round-up", source="wire"
    )
    save_draft(
        workspace_.drafts_dir / "issue.toml", Draft(name="issue", title="Issue", entries=(entry,))
    )
    picks.set_current_draft(workspace_, "issue")
    result = cli(ws, "check", "--json")
    assert result.exit_code == 3  # needs a look, not healthy
    (link,) = json.loads(result.stdout)["links"]
    assert link["status"] == "private"
    assert link["detail"].startswith("not checked: private address 127.0.0.2")
    assert link["needs_attention"] is True
    assert internal_requests(hosts, other_port) == []
    # allow_private on the entry's source: checked as before.
    ws.joinpath("sources.toml").write_text(
        '[[source]]\nname = "wire"\nurl = "https://wire.example.org/"\nallow_private = true\n',
        encoding="utf-8",
    )
    (link,) = json.loads(cli(ws, "check", "--json").stdout)["links"]
    assert link["status"] == "ok"


# -- the fetcher ---------------------------------------------------------------------------


def fetch(req: FetchRequest, **options: Any) -> FetchResponse:
    async def go() -> FetchResponse:
        async with Fetcher(backoff=0.01, **options) as f:
            return await f.fetch(req)

    result: FetchResponse = asyncio.run(go())
    return result


def test_a_trusted_private_connection_is_never_reused_for_a_checked_url(
    hosts: TestServer,
) -> None:
    trusted = hosts.route("/t", static(SECRET, content_type=HTML), host="127.0.0.2")
    checked = hosts.route("/c", static(SECRET, content_type=HTML), host="127.0.0.2")

    async def go() -> FetchFailure:
        async with Fetcher() as f:
            first = await f.fetch(FetchRequest(trusted, trusted=True))
            assert first.origin_private
            with pytest.raises(FetchFailure) as info:
                await f.fetch(FetchRequest(checked))  # same host, same port: a warm connection
            return info.value

    failure = asyncio.run(go())
    assert failure.kind is FetchErrorKind.PRIVATE
    assert failure.address == "127.0.0.2"
    assert hosts.requests_for("/c") == []


def test_names_are_checked_by_what_they_resolve_to(hosts: TestServer) -> None:
    url = hosts.route("/n", static(SECRET, content_type=HTML), host="127.0.0.2")
    port = url.split(":")[2].split("/")[0]

    async def resolver(host: str, port: int) -> list[str]:
        return {"intranet.example.com": ["127.0.0.2"]}[host]

    with pytest.raises(FetchFailure) as info:
        fetch(FetchRequest(f"http://intranet.example.com:{port}/n"), resolver=resolver)
    assert info.value.kind is FetchErrorKind.PRIVATE
    assert hosts.requests_for("/n") == []


def test_a_name_that_does_not_resolve_is_a_dns_failure() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(FetchFailure) as info:
        fetch(FetchRequest("http://nowhere.example.com/feed"), resolver=resolver, retries=0)
    assert info.value.kind is FetchErrorKind.DNS


def test_same_origin_links_are_trusted_only_for_a_private_source() -> None:
    source = Source(name="s", url="http://intranet.example:8080/news/")
    answer = FetchResponse(
        url=source.url,
        status=200,
        headers={},
        content=b"",
        not_modified=False,
        etag=None,
        last_modified=None,
        permanent_redirect=None,
        retry_not_before=None,
        charset=None,
        elapsed=0.0,
        origin_private=True,
    )
    assert vouched_for("http://intranet.example:8080/news/a", source, answer)
    assert not vouched_for("http://intranet.example/news/a", source, answer)  # another port
    assert not vouched_for("https://intranet.example:8080/a", source, answer)  # scheme
    assert not vouched_for("http://other.example:8080/a", source, answer)
    public = FetchResponse(**{**answer.__dict__, "origin_private": False})
    assert not vouched_for("http://intranet.example:8080/news/a", source, public)


# -- connect-time checks, with a fake resolver and a fake network ------------------------


class FakeStream(httpcore.AsyncNetworkStream):
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        pass

    async def aclose(self) -> None:
        pass


class FakeNetwork(httpcore.AsyncNetworkBackend):
    """Records where connections go; never touches the network."""

    def __init__(self, refuse: set[str] | None = None) -> None:
        self.connected: list[str] = []
        self.refuse = refuse or set()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connected.append(host)
        if host in self.refuse:
            raise httpcore.ConnectError("connection refused")
        return FakeStream()


def connect(backend: CheckedBackend, host: str = "news.example.com") -> None:
    asyncio.run(backend.connect_tcp(host, 443, timeout=5))


def test_the_connection_goes_to_the_checked_address_not_the_name_again() -> None:
    # A rebinding DNS server: public for the check, private a moment later.
    answers = iter([["93.184.216.34"], ["169.254.169.254"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    network = FakeNetwork()
    backend = CheckedBackend(rebinding, network)
    connect(backend)
    assert network.connected == ["93.184.216.34"]  # the address checked, not the name
    with pytest.raises(PrivateAddressError) as info:
        connect(backend)  # the next connection resolves (and checks) again
    assert info.value.address == "169.254.169.254"
    assert network.connected == ["93.184.216.34"]


def test_one_private_address_among_public_ones_blocks_the_name() -> None:
    async def mixed(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "2606:2800:220:1::1", "10.0.0.7"]

    network = FakeNetwork()
    with pytest.raises(PrivateAddressError, match=r"10\.0\.0\.7"):
        connect(CheckedBackend(mixed, network))
    assert network.connected == []


def test_the_next_checked_address_is_tried_when_one_refuses() -> None:
    async def two(host: str, port: int) -> list[str]:
        return ["2606:2800:220:1::1", "93.184.216.34"]

    network = FakeNetwork(refuse={"2606:2800:220:1::1"})
    connect(CheckedBackend(two, network))
    assert network.connected == ["2606:2800:220:1::1", "93.184.216.34"]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "169.254.169.254",
        "10.1.2.3",
        "172.31.0.1",
        "192.168.1.1",
        "0.0.0.0",
        "::1",
        "fd00::1",
        "fe80::1%eth0",
        "::ffff:127.0.0.1",
        "::127.0.0.1",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:c0a8:0101::1",  # 6to4 of 192.168.1.1
    ],
)
def test_every_form_of_a_private_address_is_blocked(address: str) -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return [address]

    network = FakeNetwork()
    with pytest.raises(PrivateAddressError):
        connect(CheckedBackend(resolver, network))
    assert network.connected == []


def test_sources_add_does_not_follow_a_page_to_a_private_feed(
    tmp_path: Path, server: TestServer, hosts: TestServer, internal: Any
) -> None:
    rss = b"<rss version='2.0'><channel><title>Own feed</title><item><title>x</title>"
    rss += b"<link>http://example.org/x</link></item></channel></rss>"
    elsewhere = hosts.route("/feed.xml", static(rss, content_type="application/rss+xml"))
    server.route("/site/feed", static(rss, content_type="application/rss+xml"))
    page = (
        f'<html><head><link rel="alternate" type="application/rss+xml" href="{elsewhere}">'
        "</head><body><p>Home</p></body></html>"
    ).encode()
    url = server.route("/site/", static(page, content_type=HTML))
    ws = workspace(tmp_path, "")
    done = cli(ws, "sources", "add", url)
    assert done.exit_code == 0, done.output
    assert f"not followed: {elsewhere}: blocked: private address 127.0.0.2" in done.stderr
    assert hosts.requests_for("/feed.xml") == []
    # Its own origin's feed (the source is on a private address the editor typed) is fine.
    assert server.url("/site/feed") in ws.joinpath("sources.toml").read_text(encoding="utf-8")


def test_proxy_variables_cannot_route_around_the_check(
    server: TestServer, hosts: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing listens on the "proxy": were it used, every request would fail to connect.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.9:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.9:9")
    url = server.route("/direct", static(SECRET, content_type=HTML))
    assert fetch(FetchRequest(url, trusted=True)).status == 200
    inside = hosts.route("/p", static(SECRET, content_type=HTML), host="127.0.0.2")
    with pytest.raises(FetchFailure) as info:
        fetch(FetchRequest(inside))
    assert info.value.kind is FetchErrorKind.PRIVATE
