"""fulltext: teaser or whole article in a feed, texts stored and pruned, pages fetched on
demand over the loopback server, and the reasons given when there is no text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from editorial import story
from httpserver import TestServer, static, status_code

from digestctl.config import FetchSettings
from digestctl.core import run_fetch
from digestctl.feeds import parse_feed
from digestctl.fulltext import fetch_text, get_text, is_full_article, text_from_feed
from digestctl.models import MANUAL_SOURCE, ItemText, Source, TextSource
from digestctl.store import Store

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
HTML = "text/html; charset=utf-8"
PARAGRAPH = (
    "Inspectors visited forty farms in the valley this autumn and found workers whose "
    "passports had been taken by the agencies that recruited them, the report says. "
)
FULL_BODY = "".join(f"<p>{PARAGRAPH}Paragraph {i}.</p>" for i in range(8))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "state.sqlite3")
    yield s  # type: ignore[misc]
    s.close()


# --- teaser or whole article ---------------------------------------------------------------


def test_a_long_feed_body_is_the_whole_article() -> None:
    text = text_from_feed(FULL_BODY, "https://example.org/post")
    assert text is not None
    assert text.source is TextSource.FEED
    assert text.text.count("\n\n") == 7


@pytest.mark.parametrize(
    "ending",
    [
        '<p><a href="/post">Read more</a></p>',
        "<p>The report continues… <a href='/post'>Continue reading →</a></p>",
        "<p>And the rest of it is on the site [&hellip;]</p>",
        "<p>Den ganzen Artikel gibt es hier: Weiterlesen</p>",
        "<p>La suite de l'article : lire la suite</p>",
    ],
)
def test_a_body_that_sends_the_reader_to_the_site_is_a_teaser(ending: str) -> None:
    assert text_from_feed(FULL_BODY + ending, "https://example.org/post") is None


def test_a_short_body_is_a_summary_not_the_article() -> None:
    assert text_from_feed(f"<p>{PARAGRAPH}</p>", "https://example.org/post") is None
    assert text_from_feed(None, None) is None
    assert not is_full_article("")


def test_appended_boilerplate_does_not_make_a_full_article_a_teaser() -> None:
    body = FULL_BODY + "<p>The post <a href='/p'>Farms</a> appeared first on Valley News.</p>"
    text = text_from_feed(body, "https://example.org/post")
    assert text is not None
    assert "appeared first" not in text.text


def _rss(*items: tuple[str, str]) -> bytes:
    entries = "".join(
        f"<item><title>Story {i}</title><link>https://example.org/{i}</link>"
        f"<description>Summary {i}.</description>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded></item>"
        for i, body in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>'
        f"{entries}</channel></rss>"
    ).encode()


def test_parse_feed_keeps_bodies_only_when_asked() -> None:
    data = _rss(("full", FULL_BODY))
    assert parse_feed(data).entries[0].content is None
    (entry,) = parse_feed(data, with_content=True).entries
    assert entry.content is not None
    assert "Paragraph 7" in entry.content
    assert entry.summary == "Summary full."


def test_fetch_stores_the_text_of_full_feed_entries_only(store: Store, server: TestServer) -> None:
    teaser = f"<p>{PARAGRAPH}</p><p><a href='/x'>Read more</a></p>"
    url = server.route("/feed", static(_rss(("full", FULL_BODY), ("teaser", teaser))))
    report = run_fetch(store, [Source(name="valley", url=url)], FetchSettings(), now=NOW)
    assert report.exit_code == 0
    items = {i.url: i for i in store.list_items()}
    # The body is kept as it is at fetch time and read into text when first asked for.
    assert store.get_text(items["https://example.org/full"].id) is None
    full = get_text(store, items["https://example.org/full"].id)
    assert full is not None
    assert full.source is TextSource.FEED
    assert "Paragraph 7" in full.text
    assert get_text(store, items["https://example.org/teaser"].id) is None


def test_fulltext_sources_fetch_each_new_items_page(store: Store, server: TestServer) -> None:
    page = f"<html><body><nav>Home News</nav><article>{FULL_BODY}</article></body></html>"
    article_url = server.route("/a/farms", static(page.encode(), content_type=HTML))
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<item><title>Farms</title><link>{article_url}</link>"
        "<description>Short.</description></item></channel></rss>"
    ).encode()
    url = server.route("/feed2", static(feed))
    source = Source(name="valley", url=url, fulltext=True)
    run_fetch(store, [source], FetchSettings(), now=NOW)
    (item,) = store.list_items()
    text = get_text(store, item.id)
    assert text is not None
    assert text.source is TextSource.PAGE
    assert "Home News" not in text.text
    # Fetched once: the next run finds nothing new and requests no page.
    run_fetch(store, [source], FetchSettings(), now=NOW)
    assert len(server.requests_for("/a/farms")) == 1


# --- the store -----------------------------------------------------------------------------


def test_texts_are_stored_compressed_and_pruned_by_age(store: Store) -> None:
    old, new = story(1), story(2)
    store.upsert_items([old, new], NOW)
    long_text = "A paragraph that repeats. " * 2000
    store.save_text(old.id, ItemText(long_text, long_text, TextSource.PAGE), NOW - timedelta(30))
    store.save_text(new.id, ItemText("New.", "New.", TextSource.FEED), NOW)
    assert get_text(store, old.id) == ItemText(
        long_text, long_text, TextSource.PAGE, NOW - timedelta(30)
    )
    size = store._db.execute(  # the compressed column, not the 50 KB text
        "SELECT length(text) FROM item_texts WHERE item_id = ?", (old.id,)
    ).fetchone()[0]
    assert size < len(long_text) / 20
    assert store.prune_texts(NOW - timedelta(days=7)) == 1
    assert get_text(store, old.id) is None
    assert get_text(store, new.id) is not None
    assert store.get_item(old.id).title  # the item stays


# --- on demand -----------------------------------------------------------------------------


def test_a_page_is_fetched_on_demand_once_then_read_from_the_store(
    store: Store, server: TestServer
) -> None:
    page = f"<html><body><main><article>{FULL_BODY}</article></main></body></html>"
    url = server.route("/story/on-demand", static(page.encode(), content_type=HTML))
    item = replace(story(3), url=url, source=MANUAL_SOURCE)  # trusted: loopback is the web here
    store.upsert_items([item], NOW)
    first = fetch_text(store, item.id, now=NOW)
    assert first.text is not None
    assert first.fetched
    assert first.reason is None
    again = fetch_text(store, item.id)
    assert again.text == first.text
    assert not again.fetched
    assert len(server.requests_for("/story/on-demand")) == 1


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (status_code(404), "could not be fetched"),
        (static(b"%PDF-1.7 ...", content_type="application/pdf"), "not a web page"),
        (
            static(
                b"<html><body><ul><li><a href=/a>A</a></li></ul></body></html>", content_type=HTML
            ),
            "no article text found",
        ),
    ],
)
def test_no_text_says_why(store: Store, server: TestServer, handler: object, reason: str) -> None:
    url = server.route("/story/failing", handler)  # type: ignore[arg-type]
    item = replace(story(4), url=url, source=MANUAL_SOURCE)  # trusted: loopback is the web here
    store.upsert_items([item], NOW)
    result = fetch_text(store, item.id, now=NOW)
    assert result.text is None
    assert result.reason is not None
    assert reason in result.reason
    assert get_text(store, item.id) is None


def test_fulltext_in_sources_toml_is_checked(tmp_path: Path) -> None:
    from digestctl.config import parse_config
    from digestctl.errors import ConfigError

    good = parse_config(
        '[[source]]\nurl = "https://example.org/feed"\nfulltext = true\n', tmp_path / "s"
    )
    assert good.sources[0].fulltext
    defaults = parse_config(
        '[defaults]\nfulltext = true\n[[source]]\nurl = "https://example.org/feed"\n',
        tmp_path / "s",
    )
    assert defaults.sources[0].fulltext
    with pytest.raises(ConfigError, match=r"fulltext.*must be true or false"):
        parse_config(
            '[[source]]\nurl = "https://example.org/f"\nfulltext = "yes"\n', tmp_path / "s"
        )


def test_the_review_apps_reading_view_fetches_with_the_items_source_settings(
    store: Store, server: TestServer
) -> None:
    from digestctl.config import Config
    from digestctl.review.rows import full_text

    page = f"<html><body><main><article>{FULL_BODY}</article></main></body></html>"
    url = server.route("/intranet/story", static(page.encode(), content_type=HTML))
    item = replace(story(6), url=url, source="intranet")
    store.upsert_items([item], NOW)
    # Without its source's settings the page is a link to a private address: not fetched.
    assert full_text(store, item.id) is None
    assert server.requests_for("/intranet/story") == []
    # The source is on that origin (an intranet source the editor chose): fetched.
    intranet = Source(name="intranet", url=server.url("/intranet/"))
    text = full_text(store, item.id, Config(path=Path("sources.toml"), sources=(intranet,)))
    assert text is not None
    assert "Paragraph 7." in text
