"""End to end, as an editor runs it: real `digestctl` processes against the loopback
server — page sources fetched again and again (only new links followed), a site added by
its home page, a story added by hand and then met on a listing."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from editorial import DIGESTCTL, cli_env
from httpserver import TestServer, static, status_code
from pagesite import HTML, RSS, article, listing, rss, serve_articles


def digestctl(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DIGESTCTL, "-w", str(ws), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(),
        check=False,
    )


def fetch(ws: Path) -> dict[str, Any]:
    done = digestctl(ws, "fetch", "--json")
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def items(ws: Path) -> list[dict[str, Any]]:
    done = digestctl(ws, "items", "--json")
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def article_requests(server: TestServer) -> dict[str, int]:
    """How often each article page (/news/a, /news/b, …) was requested."""
    return {
        r.path: len(server.requests_for(r.path))
        for r in server.requests
        if re.fullmatch(r"/news/[a-z]", r.path)
    }


def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    done = subprocess.run(
        [*DIGESTCTL, "init", str(ws)], capture_output=True, text=True, env=cli_env(), check=False
    )
    assert done.returncode == 0, done.stderr
    return ws


def test_a_page_source_follows_only_new_links(tmp_path: Path, server: TestServer) -> None:
    serve_articles(server, "a", "b", "c")
    page = server.route("/news/", static(listing(["/news/a", "/news/b"]), content_type=HTML))
    ws = workspace(tmp_path)
    added = digestctl(ws, "sources", "add", page, "--name", "news")
    assert added.returncode == 0, added.stderr
    assert "page source: 2 story links found by the link heuristic" in added.stderr
    assert article_requests(server) == {}  # adding it reads the listing only

    first = fetch(ws)
    assert (first["new_items"], first["sources"][0]["outcome"]) == (2, "ok")
    assert article_requests(server) == {"/news/a": 1, "/news/b": 1}

    # A new story at the top of the listing: only it is fetched.
    server.route("/news/", static(listing(["/news/c", "/news/a", "/news/b"]), content_type=HTML))
    second = fetch(ws)
    assert second["new_items"] == 1
    assert article_requests(server) == {"/news/a": 1, "/news/b": 1, "/news/c": 1}
    assert len(server.requests_for("/news/")) == 3  # sources add, then two fetches

    third = fetch(ws)
    assert third["new_items"] == 0
    assert article_requests(server) == {"/news/a": 1, "/news/b": 1, "/news/c": 1}

    stored = {row["url"].rsplit("/", 1)[1]: row for row in items(ws)}
    assert sorted(stored) == ["a", "b", "c"]
    row = stored["c"]
    assert (row["source"], row["title"], row["author"], row["site"]) == (
        "news",
        "Story c makes the news this week",
        "Jane Doe",
        "Example News",
    )
    assert row["summary"] == "The summary of c. It has two sentences."
    assert row["published"] == "2026-11-27T08:30:00Z"  # the page's +01:00, in UTC


def test_an_unchanged_listing_costs_one_conditional_request(
    tmp_path: Path, server: TestServer
) -> None:
    serve_articles(server, "a")
    body = listing(["/news/a"])
    page = server.route("/news/", static(body, content_type=HTML, etag='"v1"'))
    ws = workspace(tmp_path)
    assert digestctl(ws, "sources", "add", page, "--name", "news").returncode == 0
    fetch(ws)
    second = fetch(ws)
    assert second["sources"][0]["outcome"] == "not_modified"
    assert server.requests_for("/news/")[-1].header("if-none-match") == '"v1"'
    assert article_requests(server) == {"/news/a": 1}


def test_failed_article_pages_are_tried_again_next_run(tmp_path: Path, server: TestServer) -> None:
    serve_articles(server, "a")
    server.route("/news/b", status_code(404))
    page = server.route("/news/", static(listing(["/news/a", "/news/b"]), content_type=HTML))
    ws = workspace(tmp_path)
    assert digestctl(ws, "sources", "add", page, "--name", "news").returncode == 0
    first = fetch(ws)
    assert first["new_items"] == 1
    assert "1 of 2 article pages failed" in first["sources"][0]["warnings"][0]
    server.route("/news/b", static(article("b"), content_type=HTML))
    assert fetch(ws)["new_items"] == 1
    assert article_requests(server) == {"/news/a": 1, "/news/b": 2}


def test_a_site_added_by_its_home_page_fetches_its_feed(tmp_path: Path, server: TestServer) -> None:
    a, b = serve_articles(server, "a", "b")
    home = server.route("/", static(listing([], feeds=[("/feed.xml", "News")]), content_type=HTML))
    server.route("/feed.xml", static(rss([a, b]), content_type=RSS))
    ws = workspace(tmp_path)
    added = digestctl(ws, "sources", "add", home, "--name", "example")
    assert added.returncode == 0, added.stderr
    assert f"found the feed {server.url('/feed.xml')} on {home}" in added.stderr
    assert fetch(ws)["new_items"] == 2
    assert {row["url"] for row in items(ws)} == {a, b}
    assert article_requests(server) == {}  # a feed: its stories are not fetched


def test_a_story_added_by_hand_is_not_fetched_again_from_a_listing(
    tmp_path: Path, server: TestServer
) -> None:
    a, _ = serve_articles(server, "a", "b")
    page = server.route("/news/", static(listing(["/news/a", "/news/b"]), content_type=HTML))
    ws = workspace(tmp_path)
    added = digestctl(ws, "add", a + "?utm_source=mail", "--json")
    assert added.returncode == 0, added.stderr
    manual = json.loads(added.stdout)
    assert digestctl(ws, "sources", "add", page, "--name", "news").returncode == 0
    assert fetch(ws)["new_items"] == 1
    assert article_requests(server) == {"/news/a": 1, "/news/b": 1}
    by_url = {row["url"]: row for row in items(ws)}
    assert by_url[a]["id"] == manual["id"]
    assert by_url[a]["source"] == "manual"
