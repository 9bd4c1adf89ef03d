"""digestctl.pages.dates: when an article was published, from metadata, the page and the
URL, written in several languages and time zones; copyright years and future dates are
not publication dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from digestctl.pages import extract_metadata

URL = "https://news.example.org/story"
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def published(
    head: str = "", body: str = "", url: str = URL, lang: str | None = None
) -> date | None:
    open_tag = f'<html lang="{lang}">' if lang else "<html>"
    html = f"<!DOCTYPE html>{open_tag}<head>{head}</head><body>{body}</body></html>"
    found = extract_metadata(html, url, now=NOW).published
    return found.date() if found else None


def article(*blocks: str) -> str:
    return "<article><h1>A headline of some length</h1>" + "".join(blocks) + "</article>"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # The day the page shows, in the zone it names: not the UTC day.
        ("Sat, 09 Oct 2010 21:15:45 EST", date(2010, 10, 9)),
        ("September 13, 2011, 8:50 PM EDT", date(2011, 9, 13)),
        ("20180619T055000+0900", date(2018, 6, 19)),
        ("2021-01-03T17:40:00EET", date(2021, 1, 3)),
        ("2016-06-13T1603Z", date(2016, 6, 13)),
    ],
)
def test_declared_dates_keep_the_zone_the_page_names(value: str, expected: date) -> None:
    assert published(f'<meta name="publish_date" content="{value}">') == expected


@pytest.mark.parametrize(
    "name",
    [
        "article:published_time",
        "og:article:published_time",
        "publish_date",
        "pub_date",
        "article_date_original",
        "sailthru.date",
        "parsely-pub-date",
        "DC.date.issued",
        "citation_publication_date",
    ],
)
def test_news_cms_date_meta_names(name: str) -> None:
    assert published(f'<meta name="{name}" content="2019-11-20">') == date(2019, 11, 20)


def test_json_ld_date_published_not_date_modified() -> None:
    ld = (
        '<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", '
        '"dateModified": "2023-11-07T02:22:09Z", "datePublished": "2023-11-06T13:00:15Z"}]}'
        "</script>"
    )
    assert published(ld) == date(2023, 11, 6)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Montag, 23. Juli 2017", "de", date(2017, 7, 23)),
        ("Publié le 1er mars 2024 à 10h", "fr", date(2024, 3, 1)),
        ("12 gennaio 2024", "it", date(2024, 1, 12)),
        ("5. března 2024", "cs", date(2024, 3, 5)),
        ("الأحد، 04 آب/اغسطس 2013، آخر تحديث 02:21", "ar", date(2013, 8, 4)),
        ("15 يناير 2023", "ar", date(2023, 1, 15)),
        ("2018年6月19日（火）", "ja", date(2018, 6, 19)),
        ("（2018/6/18 14:10）", "ja", date(2018, 6, 18)),
        ("2013년 10월 24일", "ko", date(2013, 10, 24)),
        ("2013.10.24 03:00", "ko", date(2013, 10, 24)),
    ],
)
def test_dates_printed_in_several_languages(text: str, lang: str, expected: date) -> None:
    body = article(f'<div class="date">{text}</div><p>Text.</p>')
    assert published("", body, lang=lang) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("es", date(2014, 1, 8)), ("en-GB", date(2014, 1, 8)), ("en-US", date(2014, 8, 1))],
)
def test_slashed_dates_read_in_the_pages_language(lang: str, expected: date) -> None:
    body = article('<p class="autor">Patricio Candia | Palma | 08/01/2014</p><p>Texto.</p>')
    assert published("", body, lang=lang) == expected


def test_slashed_date_in_english_of_no_country_is_not_guessed() -> None:
    body = article('<p class="date">08/01/2014</p><p>Text.</p>')
    assert published("", body, lang="en") is None


def test_short_year_in_a_date_element() -> None:
    body = article('<span class="publish-time">8/17/13 11:04am</span><p>Text.</p>')
    assert published("", body, lang="en") == date(2013, 8, 17)


def test_date_in_the_title_attribute_of_a_date_element() -> None:
    body = article(
        '<span class="articleDate">Published: <span class="published" '
        'title="11/18/2011 8:27:07 AM">yesterday</span></span><p>Text.</p>'
    )
    assert published("", body) == date(2011, 11, 18)


def test_drupal_submitted_line() -> None:
    body = article('<span class="submitted-by">Submitted on Mon, 2019-01-21 13:49</span>')
    assert published("", body, lang="th") == date(2019, 1, 21)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://www.cnn.com/2010/POLITICS/08/13/democrats.social.security/", date(2010, 8, 13)),
        ("http://arabic.cnn.com/2013/middle_east/8/3/syria.clashes/", date(2013, 8, 3)),
        ("http://news.example.com/3/all/20131023/58406128/1", date(2013, 10, 23)),
    ],
)
def test_dates_in_the_url_path_as_a_last_resort(url: str, expected: date) -> None:
    assert published("", article("<p>Text.</p>"), url=url) == expected


def test_a_date_on_the_page_outranks_a_loose_url_date() -> None:
    body = article('<span class="date">2013-10-24 03:00:00</span><p>Text.</p>')
    assert published("", body, url="http://news.example.com/3/all/20131023/1") == date(2013, 10, 24)


def test_copyright_years_are_not_publication_dates() -> None:
    body = article("<p>Text.</p>") + "<footer>© 2011 Microsoft. All rights reserved.</footer>"
    assert published("", body) is None


def test_future_dates_are_not_believed() -> None:
    head = '<meta property="article:published_time" content="2099-01-01T00:00:00Z">'
    assert published(head, article('<time datetime="2024-05-30">May 30</time>')) == date(
        2024, 5, 30
    )


def test_date_modified_only_when_nothing_else_dates_the_page() -> None:
    ld = (
        '<script type="application/ld+json">{"@type": "BlogPosting", '
        '"dateModified": "2023-11-07T02:22:09Z"}</script>'
    )
    assert published(ld, article("<p>Text.</p>")) == date(2023, 11, 7)
    shown = article('<time datetime="2023-10-01">1 October</time><p>Text.</p>')
    assert published(ld, shown) == date(2023, 10, 1)


def test_dates_in_a_list_of_other_articles_below_the_story_are_not_its_date() -> None:
    story = "<p>To be recited by corporate managers each morning in front of a mirror.</p>" * 8
    related = "<p>SUGGESTED READS: An HR Manager Responds by Rick Stoeckel (5/17/2007)</p>"
    body = (
        f"<div><h1>The Middle Manager's Oath.</h1><p>BY Christopher Mah</p>{story}{related}</div>"
    )
    assert published("", body, lang="en") is None
