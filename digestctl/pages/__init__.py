"""Web pages (pure, selectolax): an article's metadata, a listing page's article links,
a home page's feeds. Everything takes a page's bytes (or text) and its URL and returns
values; no I/O.

    html       decoding, parsing, and text/chrome helpers the others share
    evidence   <meta> tags and JSON-LD gathered once per page
    dates      publication dates; authors: bylines
    metadata   PageMetadata and extract_metadata
    links      find_listing_links, check_selector
    discovery  discover_feeds, guess_feed_urls
"""

from digestctl.pages.discovery import GUESS_PATHS, DiscoveredFeed, discover_feeds, guess_feed_urls
from digestctl.pages.html import decode_html
from digestctl.pages.links import check_selector, find_listing_links
from digestctl.pages.metadata import SUMMARY_MAX_CHARS, PageMetadata, extract_metadata

__all__ = [
    "GUESS_PATHS",
    "SUMMARY_MAX_CHARS",
    "DiscoveredFeed",
    "PageMetadata",
    "check_selector",
    "decode_html",
    "discover_feeds",
    "extract_metadata",
    "find_listing_links",
    "guess_feed_urls",
]
