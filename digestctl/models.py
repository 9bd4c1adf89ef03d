"""The data model shared by every layer: frozen dataclasses, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

MANUAL_SOURCE = "manual"  # the source of stories added by hand (`digestctl add`)


class SourceType(StrEnum):
    AUTO = "auto"
    FEED = "feed"
    PAGE = "page"


class ItemStatus(StrEnum):
    NEW = "new"
    PICKED = "picked"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Source:
    """One `[[source]]` of sources.toml, with `[defaults]` applied."""

    name: str
    url: str  # absolute http(s) or file: URL (relative paths are resolved by config)
    type: SourceType = SourceType.AUTO
    tags: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    timeout: float = 20.0
    max_items: int = 50
    links: str | None = None  # CSS selector for item links on a listing page
    user_agent: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # Links and redirects may reach private addresses (an intranet source); see SECURITY.md.
    allow_private: bool = False
    weight: float = 1.0  # ranking: how much likelier (or less) its items are picked
    line: int | None = None  # where it stands in sources.toml, for messages
    fulltext: bool = False  # fetch each new item's page for its text at fetch time


@dataclass(frozen=True)
class FeedEntry:
    """One entry as parsed from a feed or extracted from a page, before storage.

    Text fields are clean plain text; dates are timezone-aware UTC.
    """

    title: str | None = None
    url: str | None = None  # absolute, as found (canonicalised by the store layer)
    summary: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    author: str | None = None
    guid: str | None = None
    image: str | None = None
    content: str | None = None  # the entry's full body as markup (feeds parsed with content)
    text: ItemText | None = None  # the article's text, when the page was at hand


class TextSource(StrEnum):
    """Where an item's full text came from."""

    FEED = "feed"  # the feed entry's own full content
    PAGE = "page"  # the item's web page, its main text extracted


@dataclass(frozen=True)
class ItemText:
    """An item's full text: `text` plain (paragraphs separated by blank lines), `markdown`
    with headings, lists, links and emphasis."""

    text: str
    markdown: str
    source: TextSource
    fetched: datetime | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """What feeds.parse_feed returns."""

    format: str  # e.g. "rss2.0", "rss1.0", "atom1.0", "json1.1"
    title: str | None
    link: str | None  # the site's home page
    entries: tuple[FeedEntry, ...]
    dropped: int = 0  # entries left out for holding nothing usable (no title, link or text)
    warnings: tuple[str, ...] = ()  # what was wrong but read anyway (an encoding, say)


@dataclass(frozen=True)
class Item:
    """A stored candidate link."""

    id: str  # short, stable, derived from the canonical URL (or the fallback key)
    source: str
    title: str | None
    url: str | None
    summary: str | None
    published: datetime | None
    author: str | None
    site: str | None
    status: ItemStatus
    first_seen: datetime
    last_seen: datetime
    image: str | None = None
    tags: tuple[str, ...] = ()
    story: str | None = None  # the story it belongs to (the id of the story's first item)
