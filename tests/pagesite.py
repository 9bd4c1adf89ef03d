"""A small news site for the loopback test server: article pages, a listing, a home page,
a feed. Shared by the tests of `add`, `sources add/remove` and page sources."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from httpserver import TestServer, static

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"


def article(
    slug: str,
    *,
    title: str | None = None,
    published: str = "2026-11-27T09:30:00+01:00",
    canonical: str | None = None,
) -> bytes:
    """An article page with a description, a date (in +01:00), an author and a site name."""
    title = title or f"Story {slug} makes the news this week"
    link = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>{escape(title)} | Example News</title>{link}
<meta name="description" content="The summary of {escape(slug)}. It has two sentences.">
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="{published}">
<meta name="author" content="Jane Doe">
</head><body><header><nav><a href="/">Home</a></nav></header>
<article><h1>{escape(title)}</h1>
<p>The body of the story, long enough to count as a paragraph of real text.</p></article>
</body></html>""".encode()


def listing(hrefs: Sequence[str], *, feeds: Sequence[tuple[str, str]] = ()) -> bytes:
    """A listing page: one <article><h2><a> per link, navigation and footer around them;
    `feeds` are (href, title) advertised with <link rel="alternate">."""
    alternates = "".join(
        f'<link rel="alternate" type="application/rss+xml" title="{escape(t)}" href="{escape(h)}">'
        for h, t in feeds
    )
    items = "".join(
        f'<article class="teaser"><h2><a href="{escape(h)}">Headline number {i} about the '
        f"week</a></h2><p>A teaser.</p></article>"
        for i, h in enumerate(hrefs, start=1)
    )
    return f"""<!doctype html><html><head><title>News | Example News</title>{alternates}</head>
<body><nav class="menu"><a href="/">Home</a><a href="/about/">About</a></nav>
<main>{items}</main>
<footer><a href="/privacy/">Privacy</a></footer></body></html>""".encode()


def rss(links: Sequence[str], title: str = "Example News") -> bytes:
    items = "".join(
        f"<item><title>Feed story {i}</title><link>{escape(link)}</link>"
        "<pubDate>Sat, 28 Nov 2026 10:00:00 GMT</pubDate></item>"
        for i, link in enumerate(links, start=1)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>https://example.org/</link>{items}</channel></rss>"
    ).encode()


def serve_articles(server: TestServer, *slugs: str) -> list[str]:
    """Route /news/SLUG for each slug; return their URLs."""
    return [server.route(f"/news/{s}", static(article(s), content_type=HTML)) for s in slugs]
