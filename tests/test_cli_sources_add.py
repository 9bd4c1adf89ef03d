"""CLI: `digestctl sources add` and `sources remove` over the loopback server, in a
workspace made by `init` (whose sources.toml is mostly comments that must survive)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from editorial import make_workspace
from httpserver import TestServer, redirect, static
from pagesite import HTML, RSS, listing, rss, serve_articles
from typer.testing import CliRunner, Result

from digestctl.cli import app
from digestctl.config import load_config
from digestctl.workspace import SOURCES_TEMPLATE, Workspace

runner = CliRunner()


def run(ws: Workspace, *args: str) -> Result:
    return runner.invoke(app, ["-w", str(ws.root), *args], env={"NO_COLOR": "1"})


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


def text(ws: Workspace) -> str:
    return ws.sources_path.read_text(encoding="utf-8")


def test_a_feed_is_appended_keeping_the_file(ws: Workspace, server: TestServer) -> None:
    url = server.route("/feed.xml", static(rss(["https://example.org/a"]), content_type=RSS))
    result = run(ws, "sources", "add", url, "--name", "wire", "--tag", "uk")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "feed 'Example News': 1 entry; newest: Feed story 1" in result.stderr
    assert f"added source 'wire' to sources.toml: {url}" in result.stderr
    assert "digestctl fetch wire" in result.stderr
    assert text(ws) == SOURCES_TEMPLATE + f'\n[[source]]\nname = "wire"\nurl = "{url}"\n' + (
        'tags = ["uk"]\n'
    )
    (listed,) = json.loads(run(ws, "sources", "--json").stdout)
    assert (listed["name"], listed["type"], listed["tags"]) == ("wire", "auto", ["uk"])


def test_a_home_page_gives_its_advertised_feed(ws: Workspace, server: TestServer) -> None:
    feeds = [("/feed.xml", "Example News"), ("/comments/feed.xml", "Comments")]
    home = server.route("/", static(listing([], feeds=feeds), content_type=HTML))
    server.route("/feed.xml", static(rss(["https://example.org/a"]), content_type=RSS))
    result = run(ws, "sources", "add", home, "--name", "example")
    assert result.exit_code == 0, result.output
    assert f"found the feed {server.url('/feed.xml')} on {home}" in result.stderr
    assert f"also offered: {server.url('/comments/feed.xml')} (Comments)" in result.stderr
    assert load_config(ws.sources_path).sources[0].url == server.url("/feed.xml")


def test_a_common_feed_path_when_none_is_advertised(ws: Workspace, server: TestServer) -> None:
    home = server.route("/", static(listing(["/news/a"]), content_type=HTML))
    server.route("/atom.xml", static(rss([]), content_type=RSS))
    result = run(ws, "sources", "add", home, "--name", "example")
    assert result.exit_code == 0, result.output
    assert f"no feed advertised on {home}; found one at {server.url('/atom.xml')}" in (
        result.stderr
    )
    assert "no entries yet" in result.stderr
    assert [r.path for r in server.requests] == ["/", "/feed", "/rss.xml", "/atom.xml"]


def test_a_listing_page_becomes_a_page_source(ws: Workspace, server: TestServer) -> None:
    page = server.route("/news/", static(listing(["/news/a", "/news/b"]), content_type=HTML))
    result = run(ws, "sources", "add", page, "--name", "news", "--links", "article h2 a")
    assert result.exit_code == 0, result.output
    assert "page source: 2 story links found with 'article h2 a', e.g." in result.stderr
    assert f"  {server.url('/news/a')}" in result.stderr.splitlines()
    assert text(ws).endswith(
        f'[[source]]\nname = "news"\nurl = "{page}"\ntype = "page"\nlinks = "article h2 a"\n'
    )
    assert [r.path for r in server.requests] == ["/news/"]  # the proof is the listing only


def test_a_page_with_no_links_and_no_feed(ws: Workspace, server: TestServer) -> None:
    page = server.route("/", static(b"<!doctype html><p>Hello.</p>", content_type=HTML))
    result = run(ws, "sources", "add", page)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {page}: no feed found (no <link rel=alternate>")
    assert '--links "CSS selector"' in result.stderr
    assert text(ws) == SOURCES_TEMPLATE


def test_duplicates_change_nothing(ws: Workspace, server: TestServer) -> None:
    url = server.route("/feed.xml", static(rss([]), content_type=RSS))
    assert run(ws, "sources", "add", url, "--name", "wire").exit_code == 0
    before = text(ws)
    line = before.splitlines().index("[[source]]") + 1
    same_url = run(ws, "sources", "add", url + "#latest", "--name", "other")
    assert same_url.exit_code == 1
    assert same_url.stderr.splitlines()[0] == (
        f"error: sources.toml:{line}: source 'wire' already watches {url}"
    )
    same_name = run(ws, "sources", "add", server.url("/other.xml"), "--name", "wire")
    assert same_name.exit_code == 1
    assert "a source named 'wire' exists already" in same_name.stderr
    assert text(ws) == before


def test_a_permanent_redirect_is_followed_and_said(ws: Workspace, server: TestServer) -> None:
    old = server.route("/rss", redirect("/feed.xml", status=301))
    new = server.route("/feed.xml", static(rss([]), content_type=RSS))
    result = run(ws, "sources", "add", old, "--name", "wire")
    assert result.exit_code == 0, result.output
    assert f"{old} moved permanently; adding its new address" in result.stderr
    assert load_config(ws.sources_path).sources[0].url == new


def test_no_check_and_bad_options(ws: Workspace, server: TestServer) -> None:
    result = run(ws, "sources", "add", "https://nowhere.invalid/feed", "--no-check")
    assert result.exit_code == 0, result.output
    assert "without checking it (--no-check)" in result.stderr
    assert load_config(ws.sources_path).sources[0].name == "nowhere"
    assert run(ws, "sources", "add", server.url("/"), "--type", "blog").exit_code == 2
    bad = run(ws, "sources", "add", server.url("/"), "--links", "h2 >> a")
    assert bad.exit_code == 2
    assert "--links 'h2 >> a' is not a CSS selector we can run" in bad.stderr
    assert not server.requests


def test_remove_keeps_the_rest_and_says_the_items_stay(ws: Workspace, server: TestServer) -> None:
    a, b, _ = serve_articles(server, "a", "b", "c")
    feed = server.route("/feed.xml", static(rss([a, b]), content_type=RSS))
    page = server.route("/news/", static(listing(["/news/c"]), content_type=HTML))
    assert run(ws, "sources", "add", feed, "--name", "wire").exit_code == 0
    with_wire = text(ws)
    assert run(ws, "sources", "add", page, "--name", "news", "--type", "page").exit_code == 0
    assert run(ws, "fetch").exit_code == 0
    result = run(ws, "sources", "remove", "news")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        f"removed source 'news' ({page}) from sources.toml; the 1 item it brought stays in"
        " the store (`digestctl items --source news`)"
    )
    assert text(ws) == with_wire
    assert len(json.loads(run(ws, "items", "--json").stdout)) == 3
    typo = run(ws, "sources", "remove", "wier")
    assert typo.exit_code == 1
    assert "no source named 'wier' (did you mean 'wire'?)" in typo.stderr
    assert run(ws, "sources", "remove", "wire").exit_code == 0
    assert text(ws) == SOURCES_TEMPLATE


def test_a_bad_links_selector_in_the_file_is_reported_with_its_line(ws: Workspace) -> None:
    ws.sources_path.write_text(
        '[[source]]\nname = "news"\nurl = "https://example.org/news/"\nlinks = "h2 a[["\n',
        encoding="utf-8",
    )
    result = run(ws, "sources")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "error: sources.toml:4: source 'news': links 'h2 a[[' is not a CSS selector we can run"
        ' (e.g. "article h2 a")'
    )
