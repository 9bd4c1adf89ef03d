"""Tests for digestctl.urls: canonical URLs, resolution, ids, link safety."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from digestctl.urls import canonicalize_url, is_safe_link, resolve_url, url_id


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM/Path", "http://example.com/Path"),
        ("https://example.com", "https://example.com/"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com:80443/a", None),
        ("http://example.com/a#section-2", "http://example.com/a"),
        ("http://example.com/a/./b/../c", "http://example.com/a/c"),
        ("http://example.com/%7euser/%e2%82%ac", "http://example.com/~user/%E2%82%AC"),
        ("http://example.com/a b", "http://example.com/a%20b"),
        ("http://example.com/café", "http://example.com/caf%C3%A9"),
        ("  http://example.com/x\n", "http://example.com/x"),
        ("http://example.com./x", "http://example.com/x"),
        ("http://user:pw@Example.com/", "http://user:pw@example.com/"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("http://[::1", None),
        ("file:///tmp/feed.xml", "file:///tmp/feed.xml"),
        ("javascript:alert(1)", None),
        ("mailto:someone@example.com", None),
        ("data:text/html,<b>x</b>", None),
        ("ftp://example.com/file", None),
        ("http:///no-host", None),
        ("relative/path", None),
        ("", None),
    ],
)
def test_canonicalize_url(url: str, expected: str | None) -> None:
    assert canonicalize_url(url) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("utm_source=rss&utm_medium=feed&id=3", "id=3"),
        ("b=2&a=1&utm_campaign=x", "b=2&a=1"),  # order is meaning for some servers
        ("UTM_Source=x&p=1", "p=1"),
        ("fbclid=1&gclid=2&mc_cid=3&mc_eid=4&_hsenc=5&_hsmi=6&mkt_tok=7", ""),
        ("yclid=1&igshid=2&ref_src=twsrc&keep=yes", "keep=yes"),
        ("utm%5Fsource=x&keep=1", "keep=1"),
        ("q=a+b&q=c%20d", "q=a+b&q=c%20d"),
        ("a=1&&b=2&", "a=1&b=2"),
        ("ref=home", "ref=home"),  # not a tracker: many sites route on it
        ("flag", "flag"),
    ],
)
def test_canonicalize_url_tracking_params(query: str, expected: str) -> None:
    result = canonicalize_url(f"https://example.com/p?{query}")
    assert result == "https://example.com/p" + (f"?{expected}" if expected else "")


def test_canonicalize_url_with_base() -> None:
    base = "https://Example.com/blog/feed/"
    assert canonicalize_url("../post-1?utm_source=x", base) == "https://example.com/blog/post-1"
    assert canonicalize_url("//cdn.example.com/x", base) == "https://cdn.example.com/x"
    assert canonicalize_url("http://other.org/", base) == "http://other.org/"
    assert canonicalize_url("javascript:void(0)", base) is None


def test_same_story_two_spellings_is_one_url() -> None:
    a = canonicalize_url("HTTPS://www.Example.com:443/news/story?utm_source=feed#comments")
    b = canonicalize_url("https://www.example.com/news/./story")
    assert a == b


@pytest.mark.parametrize(
    ("base", "href", "expected"),
    [
        ("https://ex.com/a/b/", "c", "https://ex.com/a/b/c"),
        ("https://ex.com/a/b", "../c#frag", "https://ex.com/c#frag"),
        ("https://ex.com/a/", "/root", "https://ex.com/root"),
        ("https://ex.com/a/", "//other.org/x", "https://other.org/x"),
        ("file:///data/feeds/x.xml", "y.xml", "file:///data/feeds/y.xml"),
        (None, "https://ex.com/x", "https://ex.com/x"),
        (None, "relative", None),
        ("https://ex.com/", "javascript:alert(1)", None),
        ("https://ex.com/", "  /spaced  ", "https://ex.com/spaced"),
        ("https://ex.com/", "http\n://other.org/a\tb", "http://other.org/ab"),  # fuzzing
        (None, "ht\rtps://other.org/", "https://other.org/"),
        ("https://ex.com/", "http://[bad", None),
    ],
)
def test_resolve_url(base: str | None, href: str, expected: str | None) -> None:
    assert resolve_url(base, href) == expected


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.com/x", True),
        ("HTTP://example.com", True),
        ("mailto:editor@example.com", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("vbscript:x", False),
        ("file:///etc/passwd", False),
        ("/relative", False),
        ("https:///no-host", False),
        ("", False),
    ],
)
def test_is_safe_link(url: str, safe: bool) -> None:
    assert is_safe_link(url) is safe


def test_url_id_is_short_stable_and_distinct() -> None:
    first = url_id("https://example.com/a")
    assert first == url_id("https://example.com/a")
    assert first != url_id("https://example.com/b")
    assert len(first) == 10
    assert first.isalnum()
    assert first == first.lower()
    assert url_id("\ud800 lone surrogate")  # never raises


_url_pieces = st.sampled_from(
    [*"aZ09-._~:/?#[]@!$&'()*+,;=% \t\né€\ud800", "%41", "%7e", "%2F", "..", "utm_x=1"]
)
_urls = st.builds(
    lambda scheme, host, rest: f"{scheme}://{host}{''.join(rest)}",
    st.sampled_from(["http", "HTTPS", "https", "file", "ftp", "javascript"]),
    st.sampled_from(["example.com", "Ex.COM:80", "ex.com:443", "[::1]", "a@b.org", "", "h:x"]),
    st.lists(_url_pieces, max_size=30),
)


@given(st.one_of(_urls, st.text(max_size=60)))
@example("http://ex.com/%2e%2E/a")
@example("http://ex.com/a/%2E%2E/../b")
@example("http://ex.com/?utm_source=1&%75tm_medium=2")
@example("http://[::1]@[[")
def test_canonical_urls_are_idempotent(url: str) -> None:
    once = canonicalize_url(url)
    if once is not None:
        assert canonicalize_url(once) == once
        assert "#" not in once
        assert once.split(":", 1)[0] in ("http", "https", "file")
        assert " " not in once


@given(st.one_of(_urls, st.text(max_size=60)), st.text(max_size=30))
def test_resolve_url_never_raises(base: str, href: str) -> None:
    result = resolve_url(base, href)
    assert result is None or result.split(":", 1)[0].lower() in ("http", "https", "file")


@given(st.text(max_size=60))
def test_safe_links_are_web_or_mail(url: str) -> None:
    if is_safe_link(url):
        assert (
            url.strip("".join(map(chr, range(33))))
            .lower()
            .startswith(("http://", "https://", "mailto:"))
        )
