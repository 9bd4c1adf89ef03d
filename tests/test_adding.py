"""adding.py: stories by URL, source discovery and proof, and line-exact edits of
sources.toml — over the loopback server, with the store and config in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpserver import TestServer, redirect, static, status_code
from pagesite import HTML, RSS, article, listing, rss, serve_articles

from digestctl import adding, sourcesfile
from digestctl.config import Config, load_config
from digestctl.errors import ConfigError, FetchError, ParseError, UsageError
from digestctl.models import SourceType
from digestctl.store import Store

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "state.sqlite3") as s:
        yield s


@pytest.fixture
def config(tmp_path: Path) -> Config:
    path = tmp_path / "sources.toml"
    path.write_text("# my sources\n[defaults]\ntimeout = 5\n", encoding="utf-8")
    return load_config(path)


def reload(config: Config) -> Config:
    return load_config(config.path)


# -- URLs as typed -----------------------------------------------------------------------


def test_story_urls_must_be_web_addresses() -> None:
    assert adding.check_story_url("  https://example.org/a  ") == "https://example.org/a"
    for bad, hint in [
        ("example.org/story", "https://example.org/story"),
        ("file:///etc/passwd", "address bar"),
        ("ftp://example.org/x", "address bar"),
        ("http://", "address bar"),
    ]:
        with pytest.raises(UsageError) as e:
            adding.check_story_url(bad)
        assert hint in str(e.value)


def test_source_urls_may_be_files(tmp_path: Path) -> None:
    saved = tmp_path / "saved.xml"
    saved.write_bytes(rss([]))
    assert adding.check_source_url("saved.xml", tmp_path) == saved.resolve().as_uri()
    assert adding.check_source_url("http://h.example/f", tmp_path) == "http://h.example/f"
    with pytest.raises(UsageError, match=r"did you mean https://news\.example/feed"):
        adding.check_source_url("news.example/feed", tmp_path)
    with pytest.raises(UsageError):
        adding.check_source_url("missing.xml", tmp_path)


# -- one story ---------------------------------------------------------------------------


def test_add_story_extracts_and_stores_a_manual_candidate(store: Store, server: TestServer) -> None:
    (url,) = serve_articles(server, "one")
    added = adding.add_story(store, url + "?utm_source=x#comments", now=NOW)
    assert (added.created, added.fetched) == (True, True)
    item = added.item
    assert (item.source, item.url, item.site, item.author) == (
        "manual",
        url,
        "Example News",
        "Jane Doe",
    )
    assert item.title == "Story one makes the news this week"
    assert item.summary == "The summary of one. It has two sentences."
    assert item.published == datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    assert item.published.tzinfo is UTC


def test_the_same_story_twice_is_one_item_and_costs_no_request(
    store: Store, server: TestServer
) -> None:
    (url,) = serve_articles(server, "one")
    first = adding.add_story(store, url, now=NOW)
    again = adding.add_story(store, url + "?utm_campaign=mail&fbclid=1#top", now=NOW)
    assert (again.created, again.fetched) == (False, False)
    assert again.item.id == first.item.id
    assert len(server.requests_for("/news/one")) == 1
    assert store.item_sources(first.item.id) == ["manual"]


def test_a_redirect_or_canonical_link_finds_the_stored_story(
    store: Store, server: TestServer
) -> None:
    (url,) = serve_articles(server, "one")
    short = server.route("/s/1", redirect("/news/one"))
    amp = server.route("/amp/one", static(article("one", canonical=url), content_type=HTML))
    stored = adding.add_story(store, url, now=NOW).item
    via_redirect = adding.add_story(store, short, now=NOW)
    via_canonical = adding.add_story(store, amp, now=NOW)
    assert (via_redirect.created, via_canonical.created) == (False, False)
    assert via_redirect.item.id == via_canonical.item.id == stored.id


def test_a_home_page_canonical_is_not_trusted(store: Store, server: TestServer) -> None:
    home = server.url("/")
    a = server.route("/news/a", static(article("a", canonical=home), content_type=HTML))
    b = server.route("/news/b", static(article("b", canonical=home), content_type=HTML))
    ids = {adding.add_story(store, u, now=NOW).item.id for u in (a, b)}
    assert len(ids) == 2


def test_a_story_from_a_feed_gains_the_manual_source(store: Store, server: TestServer) -> None:
    from digestctl.core import to_new_item
    from digestctl.models import FeedEntry

    (url,) = serve_articles(server, "one")
    store.upsert_items([to_new_item(FeedEntry(title="From the feed", url=url), "wire", None)], NOW)
    added = adding.add_story(store, url, now=NOW)
    assert not added.created
    assert added.item.source == "wire"
    assert added.item.title == "From the feed"
    assert sorted(store.item_sources(added.item.id)) == ["manual", "wire"]


def test_feeds_and_files_are_not_stories(store: Store, server: TestServer) -> None:
    feed = server.route("/feed.xml", static(rss(["https://example.org/a"]), content_type=RSS))
    pdf = server.route("/r.pdf", static(b"%PDF-1.7 ...", content_type="application/pdf"))
    with pytest.raises(UsageError, match="is a feed") as e:
        adding.add_story(store, feed, now=NOW)
    assert f"digestctl sources add {feed}" in str(e.value)
    with pytest.raises(ParseError, match="not a web page"):
        adding.add_story(store, pdf, now=NOW)
    assert store.count_items() == 0


def test_fetch_errors_name_the_url_and_a_fitting_hint(store: Store, server: TestServer) -> None:
    gone = server.route("/gone", status_code(404))
    with pytest.raises(FetchError) as e:
        adding.add_story(store, gone, now=NOW)
    assert str(e.value).startswith(f"{gone}: HTTP 404")
    assert "sources.toml" not in str(e.value)


# -- one source --------------------------------------------------------------------------


def test_a_feed_is_added_as_it_is(config: Config, server: TestServer) -> None:
    url = server.route("/feed.xml", static(rss(["https://example.org/a"]), content_type=RSS))
    plan = adding.plan_source(config, url, tags=["uk", "uk", "ngo"])
    assert plan.kind is SourceType.FEED
    assert dict(plan.table) == {"name": "127-0-0-1", "url": url, "tags": ["uk", "ngo"]}
    assert (plan.title, plan.found, plan.samples) == ("Example News", 1, ("Feed story 1",))
    assert plan.discovered is None


def test_advertised_feeds_best_first_others_listed(config: Config, server: TestServer) -> None:
    feeds = [("/comments/feed", "Comments"), ("/broken.xml", "Main"), ("/feed.xml", "Also")]
    home = server.route("/", static(listing([], feeds=feeds), content_type=HTML))
    server.route("/broken.xml", static(b"<html>oops</html>", content_type=RSS))
    server.route("/feed.xml", static(rss([]), content_type=RSS))
    plan = adding.plan_source(config, home, name="site")
    assert plan.url == server.url("/feed.xml")
    assert (plan.discovered, plan.page_url, plan.kind) == ("link", home, SourceType.FEED)
    assert [f.url for f in plan.other_feeds] == [
        server.url("/broken.xml"),
        server.url("/comments/feed"),
    ]
    assert any("no entries yet" in n for n in plan.notes)
    assert not server.requests_for("/comments/feed")  # found before the secondary feed
    assert not server.requests_for("/rss.xml")  # no guessing once one was found


def test_common_paths_are_tried_when_nothing_is_advertised(
    config: Config, server: TestServer
) -> None:
    page = server.route("/blog/", static(listing(["/blog/a"]), content_type=HTML))
    server.route("/blog/feed", redirect("/blog/feed/", status=301))
    server.route("/blog/feed/", static(b"<!doctype html><p>soft 404", content_type=HTML))
    server.route("/blog/rss.xml", static(rss(["https://example.org/a"]), content_type=RSS))
    plan = adding.plan_source(config, page)
    assert (plan.kind, plan.discovered) == (SourceType.FEED, "guess")
    assert plan.url == server.url("/blog/rss.xml")
    assert not server.requests_for("/atom.xml")  # the first feed found wins


def test_a_failing_site_stops_the_guessing(config: Config, server: TestServer) -> None:
    page = server.route("/", static(listing(["/news/a"]), content_type=HTML))
    server.fallback = status_code(503)
    server.route("/news/a", static(article("a"), content_type=HTML))
    plan = adding.plan_source(config, page, name="site", fetcher=_NoRetryFetcher())
    assert plan.kind is SourceType.PAGE
    guesses = [r for r in server.requests if r.path not in ("/", "/news/a")]
    assert len(guesses) == 1


class _NoRetryFetcher:
    """The real fetcher without retries (a 503 would otherwise be retried with backoff)."""

    async def fetch(self, req):  # type: ignore[no-untyped-def]
        from digestctl.fetch import Fetcher

        async with Fetcher(retries=0) as f:
            return await f.fetch(req)


def test_a_page_without_a_feed_is_a_page_source(config: Config, server: TestServer) -> None:
    page = server.route("/news/", static(listing(["/news/a", "/news/b"]), content_type=HTML))
    plan = adding.plan_source(config, page, name="news")
    assert plan.kind is SourceType.PAGE
    assert dict(plan.table) == {"name": "news", "url": page, "type": "page"}
    assert plan.samples == (server.url("/news/a"), server.url("/news/b"))
    guessed = [r.path for r in server.requests if r.path != "/news/"]
    assert guessed[:2] == ["/news/feed", "/news/rss.xml"]  # under the page's folder
    assert len(guessed) == 6  # not at the site's root: its feed may be another selection
    server.requests.clear()
    selected = adding.plan_source(config, page, name="news", links="article h2 a")
    assert dict(selected.table)["links"] == "article h2 a"
    assert [r.path for r in server.requests] == ["/news/"]  # --links: a page, no discovery


def test_no_feed_and_no_links_says_what_to_pass(config: Config, server: TestServer) -> None:
    page = server.route("/", static(b"<!doctype html><p>Nothing here.</p>", content_type=HTML))
    with pytest.raises(ParseError, match="no feed found") as e:
        adding.plan_source(config, page)
    assert "--links" in str(e.value)
    with pytest.raises(ParseError, match="with links = 'h2 a'") as e:
        adding.plan_source(config, page, links="h2 a")
    assert "selector" in str(e.value)


def test_a_web_page_never_leads_to_a_local_file(
    config: Config, server: TestServer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_bytes(rss(["https://example.org/a"]))
    page = server.route(
        "/", static(listing(["/news/a"], feeds=[(secret.as_uri(), "x")]), content_type=HTML)
    )
    plan = adding.plan_source(config, page, name="site")
    assert plan.kind is SourceType.PAGE
    assert plan.url == page


def test_a_permanent_redirect_adds_the_new_address(config: Config, server: TestServer) -> None:
    old = server.route("/old.xml", redirect("/new.xml", status=301))
    new = server.route("/new.xml", static(rss([]), content_type=RSS))
    plan = adding.plan_source(config, old)
    assert (plan.url, plan.moved_from) == (new, old)
    temporary = server.route("/tmp.xml", redirect("/new.xml", status=302))
    assert adding.plan_source(config, temporary, name="t").url == temporary


def test_a_login_in_the_url_stays_in_the_written_url(config: Config, server: TestServer) -> None:
    home = server.route("/", static(listing([], feeds=[("/feed.xml", "Main")]), content_type=HTML))
    server.route("/feed.xml", static(rss([]), content_type=RSS))
    plan = adding.plan_source(config, home.replace("http://", "http://ed:pw@"), name="members")
    assert plan.url == server.url("/feed.xml").replace("http://", "http://ed:pw@")
    assert server.requests_for("/feed.xml")[0].header("authorization") == "Basic ZWQ6cHc="


def test_duplicates_and_bad_options_fail_before_any_request(
    config: Config, server: TestServer
) -> None:
    url = server.route("/feed.xml", static(rss([]), content_type=RSS))
    adding.save_source(config, adding.plan_source(config, url, name="wire"))
    config = reload(config)
    server.requests.clear()
    for kwargs, error, text in [
        ({"name": "wire"}, ConfigError, "sources.toml:5: a source named 'wire' exists already"),
        ({"name": "x y"}, UsageError, "--name 'x y'"),
        ({"links": "a[["}, UsageError, "not a CSS selector"),
        ({"links": "a", "kind": SourceType.FEED}, UsageError, "--links is for page sources"),
        ({"name": "other"}, ConfigError, "source 'wire' already watches"),
    ]:
        with pytest.raises(error) as e:
            adding.plan_source(config, url + "#x", **kwargs)  # type: ignore[arg-type]
        assert text in str(e.value)
    assert not server.requests


def test_a_discovered_feed_already_watched_says_how_to_add_the_page(
    config: Config, server: TestServer
) -> None:
    feed = server.route("/news/feed.xml", static(rss([]), content_type=RSS))
    news = server.route("/news/", static(listing(["/news/a"]), content_type=HTML))
    adding.save_source(config, adding.plan_source(config, feed, name="wire"))
    with pytest.raises(ConfigError) as e:
        adding.plan_source(reload(config), news)
    assert f"the feed found for {news}" in str(e.value)
    assert "--type page" in str(e.value)
    plan = adding.plan_source(reload(config), news, kind=SourceType.PAGE)
    assert plan.kind is SourceType.PAGE


def test_no_check_writes_what_was_given(config: Config) -> None:
    plan = adding.plan_source(
        config, "https://nowhere.invalid/news/", kind=SourceType.PAGE, links="h2 a", check=False
    )
    assert plan.kind is SourceType.AUTO
    assert dict(plan.table) == {
        "name": "nowhere",
        "url": "https://nowhere.invalid/news/",
        "type": "page",
        "links": "h2 a",
    }


def test_defaults_apply_to_the_proof_fetch(config: Config, server: TestServer) -> None:
    config.path.write_text(
        '[defaults]\nuser_agent = "Browser/1.0"\nheaders = { "Accept-Language" = "fr" }\n',
        encoding="utf-8",
    )
    url = server.route("/feed.xml", static(rss([]), content_type=RSS))
    adding.plan_source(reload(config), url)
    (req,) = server.requests_for("/feed.xml")
    assert (req.header("user-agent"), req.header("accept-language")) == ("Browser/1.0", "fr")


# -- editing sources.toml ----------------------------------------------------------------

KEPT = """\
# My sources. Keep this comment.
[defaults]
timeout = 10  # seconds

# The wire: fast, noisy.
[[source]]
name = "wire"   # short
url = "https://wire.example/feed"

# Kalayaan has no feed.
# Two lines about it.
[[source]]
name = "kalayaan"
url = "https://kalayaan.example/news/"
type = "page"
links = "article h2 a"
[source.headers]
Accept-Language = "en"

[[source]]
url = "https://blog.example/feed"
include = [
    "trafficking",
]
"""


def test_save_appends_after_a_blank_line_keeping_every_line(config: Config) -> None:
    config.path.write_text(KEPT, encoding="utf-8")
    plan = adding.SourcePlan(
        {"name": "new", "url": 'https://n.example/?q="x"', "tags": ["a"]},
        SourceType.FEED,
        "https://n.example/",
    )
    adding.save_source(reload(config), plan)
    text = config.path.read_text(encoding="utf-8")
    assert text.startswith(KEPT)
    assert text[len(KEPT) :] == (
        '\n[[source]]\nname = "new"\nurl = "https://n.example/?q=\\"x\\""\ntags = ["a"]\n'
    )
    assert reload(config).sources[-1].url == 'https://n.example/?q="x"'


def test_remove_takes_the_table_its_comments_and_sub_tables(config: Config) -> None:
    config.path.write_text(KEPT, encoding="utf-8")
    removed = sourcesfile.remove_source(reload(config), "kalayaan")
    assert removed.url == "https://kalayaan.example/news/"
    text = config.path.read_text(encoding="utf-8")
    assert text == KEPT.replace(
        '# Kalayaan has no feed.\n# Two lines about it.\n[[source]]\nname = "kalayaan"\n'
        'url = "https://kalayaan.example/news/"\ntype = "page"\nlinks = "article h2 a"\n'
        '[source.headers]\nAccept-Language = "en"\n\n',
        "",
    )
    assert [s.name for s in reload(config).sources] == ["wire", "blog"]


def test_remove_by_a_derived_name_and_the_last_table(config: Config) -> None:
    config.path.write_text(KEPT, encoding="utf-8")
    sourcesfile.remove_source(reload(config), "blog")  # no name = line: named after its host
    text = config.path.read_text(encoding="utf-8")
    assert text.endswith('links = "article h2 a"\n[source.headers]\nAccept-Language = "en"\n')
    sourcesfile.remove_source(reload(config), "wire")
    assert "# The wire" not in config.path.read_text(encoding="utf-8")
    assert config.path.read_text(encoding="utf-8").startswith(
        "# My sources. Keep this comment.\n[defaults]\ntimeout = 10  # seconds\n\n# Kalayaan"
    )


def test_remove_an_unknown_name_suggests_one(config: Config) -> None:
    config.path.write_text(KEPT, encoding="utf-8")
    with pytest.raises(ConfigError, match="did you mean 'kalayaan'"):
        sourcesfile.remove_source(reload(config), "kalayan")
    assert config.path.read_text(encoding="utf-8") == KEPT


def test_a_multiline_string_that_looks_like_a_table_is_not_one(config: Config) -> None:
    config.path.write_text(
        '[[source]]\nname = "a"\nurl = "https://a.example/"\nuser_agent = """\n'
        '[[source]]\n"""\n\n[[source]]\nname = "b"\nurl = "https://b.example/"\n',
        encoding="utf-8",
    )
    sourcesfile.remove_source(reload(config), "b")
    assert [s.name for s in reload(config).sources] == ["a"]
    assert '"""\n[[source]]\n"""' in config.path.read_text(encoding="utf-8")


def test_escape_sequences_in_links_never_reach_the_terminal_or_the_file(
    config: Config, server: TestServer
) -> None:
    page = server.route(
        "/news/", static(listing(["/news/a\x1b[2Jb", "/news/c"]), content_type=HTML)
    )
    plan = adding.plan_source(config, page, kind=SourceType.PAGE, name="news")
    assert plan.samples[0] == server.url("/news/a%1B[2Jb")
    home = server.route(
        "/", static(listing([], feeds=[("/feed\x1b[31m.xml", "Main")]), content_type=HTML)
    )
    server.route("/feed%1B[31m.xml", static(rss([]), content_type=RSS))
    found = adding.plan_source(config, home, name="site")
    assert found.url == server.url("/feed%1B[31m.xml")


def test_hints_speak_to_someone_adding(store: Store, config: Config, server: TestServer) -> None:
    login = server.route("/members", status_code(401))
    with pytest.raises(FetchError) as e:
        adding.add_story(store, login, now=NOW)
    assert "digestctl draft edit" in str(e.value)
    with pytest.raises(FetchError) as e:
        adding.plan_source(config, login, name="members")
    assert "--no-check" in str(e.value)
    with pytest.raises(FetchError) as e:
        adding.add_story(store, "http://127.0.0.1:9/story", now=NOW, fetcher=_NoRetryFetcher())
    assert str(e.value).endswith("hint: the site is slow or down; try again later")


def test_toml_values_are_written_inline_as_a_person_would() -> None:
    import tomllib

    value = {"tags": ["a", 'b "q"'], "headers": {"Accept-Language": "en", "x y": "1"}, "n": 3}
    line = "\n".join(f"{k} = {sourcesfile.toml_value(v)}" for k, v in value.items())
    assert line.splitlines()[0] == 'tags = ["a", "b \\"q\\""]'
    assert tomllib.loads(line) == value
