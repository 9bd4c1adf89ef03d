"""Feed discovery: the feeds a page advertises, and common feed paths to guess (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from digestctl.pages.html import base_url, parse_html
from digestctl.text import clean_title
from digestctl.urls import resolve_url


@dataclass(frozen=True)
class DiscoveredFeed:
    """A feed a page advertises with <link rel="alternate">."""

    url: str
    title: str | None
    type: str  # "rss", "atom" or "json"


# --- feed discovery -----------------------------------------------------------------------

_FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/rdf+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
}
# Types that are feeds only when the link says so (WordPress labels its REST API
# application/json too).
_MAYBE_FEED_TYPES = {
    "application/json": "json",
    "application/xml": "rss",
    "text/xml": "rss",
    "application/x.atom+xml": "atom",
    "application/x-atom+xml": "atom",
}
_SECONDARY_FEED = re.compile(
    r"comment|/category/|/tag/|/author/|/topics?/|[?&](?:cat|tag)=|/wp-json/", re.I
)
GUESS_PATHS = ("feed", "rss.xml", "atom.xml", "index.xml", "feed.xml", "rss")


def discover_feeds(html: bytes | str, url: str) -> list[DiscoveredFeed]:
    """Feeds a page advertises with <link rel="alternate">, best first.

    The site's main feed comes before comments, category, tag and author feeds;
    otherwise the page's own order is kept.
    """
    tree = parse_html(html, url)
    base = base_url(tree, url)
    found: list[tuple[int, int, DiscoveredFeed]] = []
    seen: set[str] = set()
    for index, node in enumerate(tree.css("link[href]")):
        attrs = node.attributes
        rels = (attrs.get("rel") or "").lower().split()
        if "alternate" not in rels and "feed" not in rels:
            continue
        mime = (attrs.get("type") or "").split(";")[0].strip().lower()
        href = (attrs.get("href") or "").strip()
        title = clean_title(attrs.get("title") or "") or None
        kind = _FEED_TYPES.get(mime)
        if kind is None and mime in _MAYBE_FEED_TYPES:
            hint = f"{href} {title or ''}".lower()
            if any(word in hint for word in ("feed", "rss", "atom")) and "oembed" not in hint:
                kind = _MAYBE_FEED_TYPES[mime]
        resolved = resolve_url(base, href) if href else None
        if kind is None or not resolved or resolved in seen:
            continue
        seen.add(resolved)
        rank = 1 if _SECONDARY_FEED.search(f"{resolved} {title or ''}") else 0
        found.append((rank, index, DiscoveredFeed(resolved, title, kind)))
    found.sort(key=lambda entry: (entry[0], entry[1]))
    return [feed for _, _, feed in found]


def guess_feed_urls(url: str) -> list[str]:
    """Common feed addresses to try for a site without <link rel="alternate">.

    Paths under the page's own directory: `/feed` (WordPress), `/rss.xml` (Drupal),
    `/atom.xml`, `/index.xml` (Hugo), `/feed.xml` (Jekyll), `/rss`. The site root is tried
    only for a home page: for a listing deeper in the site (/news/, /reports/) the root's
    feed is often another selection, and must not silently replace the page the editor chose.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return []
    root = f"{parts.scheme}://{parts.netloc}/"
    directory = parts.path.rsplit("/", 1)[0].strip("/")
    bases = [f"{root}{directory}/"] if directory else [root]
    return [base + path for base in bases for path in GUESS_PATHS]
