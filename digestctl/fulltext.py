"""An item's full text: from its feed entry when that is the whole article, else from its
page, fetched on demand (or at fetch time for `fulltext = true` sources) through the same
fetcher as everything else. Pure helpers decide; the I/O edges take a store and a fetcher.

The hook for other views (the review app's reading view): `get_text(store, item_id)`
reads what is stored; `fetch_text(store, item_id)` also fetches the page when nothing is.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from digestctl.errors import DigestError
from digestctl.models import Item, ItemText, Source, TextSource

if TYPE_CHECKING:
    from digestctl.config import FetchSettings
    from digestctl.fetcher import FetcherLike
    from digestctl.store import Store

__all__ = [
    "MIN_FULL_WORDS",
    "TextResult",
    "fetch_item_text",
    "fetch_text",
    "get_text",
    "is_full_article",
    "text_from_feed",
    "text_from_page",
    "text_from_stored_body",
]

# A feed body shorter than this is a summary or a teaser, not the article.
MIN_FULL_WORDS = 150
_TEASER_END = re.compile(
    r"(read more|read the (full|whole|rest)[\w ]*|continue reading[\w ]*|keep reading|"
    r"weiterlesen|mehr lesen|lire la suite|lire plus|leer más|seguir leyendo|"
    r"continua a leggere|leggi tutto|číst dál|číst více|اقرأ المزيد|阅读全文|続きを読む|"
    r"\[(…|\.\.\.|&hellip;)\]|…|\.\.\.)\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TextResult:
    """An item's text, or why there is none (`reason`, a sentence a person can act on)."""

    text: ItemText | None
    reason: str | None = None
    fetched: bool = False  # the page was requested just now


def _words(text: str) -> int:
    cjk = len(re.findall(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]", text))
    return len(text.split()) + cjk // 2


def is_full_article(text: str) -> bool:
    """Whether a feed entry's body text is the whole article: long enough, and not a
    teaser that ends by sending the reader to the site ("Read more", "[…]"). Pure."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if not paragraphs or _words(text) < MIN_FULL_WORDS:
        return False
    return not _TEASER_END.search(paragraphs[-1].strip()[-120:])


def text_from_feed(content: str | None, url: str | None) -> ItemText | None:
    """The article's text from a feed entry's body markup, if the body is the whole
    article; None for a summary or a teaser. Pure."""
    if not content:
        return None
    from digestctl.pages.article import extract_fragment, fragment_ending

    article = extract_fragment(content, url or "")
    if article is None or not is_full_article(article.text):
        return None
    # A teaser's "Read more" is furniture the extraction removes: look before it does.
    if _TEASER_END.search(fragment_ending(content)):
        return None
    return ItemText(article.text, article.markdown, TextSource.FEED)


def text_from_page(html: bytes, url: str, charset: str | None = None) -> ItemText | None:
    """The main text of a fetched web page; None when it holds no article. Pure."""
    from digestctl.pages import decode_html
    from digestctl.pages.article import extract_article

    article = extract_article(decode_html(html, charset), url)
    if article is None:
        return None
    return ItemText(article.text, article.markdown, TextSource.PAGE)


def text_from_stored_body(store: Store, item_id: str) -> ItemText | None:
    """The text of the feed body stored with the item, when it is the whole article;
    stored as the item's text once read. No network."""
    body = store.get_body(item_id)
    if body is None:
        return None
    item = store.get_item(item_id)
    text = text_from_feed(body, item.url)
    if text is not None:
        stamped = ItemText(text.text, text.markdown, text.source, datetime.now(UTC))
        store.save_text(item_id, stamped, stamped.fetched or datetime.now(UTC))
        return stamped
    return None


def get_text(store: Store, item_id: str) -> ItemText | None:
    """The item's full text if it is at hand (stored, or in its stored feed body); no
    network. The hook for views that must not wait (the review app's list)."""
    return store.get_text(item_id) or text_from_stored_body(store, item_id)


async def fetch_item_text(
    fetcher: FetcherLike,
    store: Store,
    item: Item,
    *,
    source: Source | None = None,
    max_bytes: int | None = None,
    now: datetime | None = None,
) -> TextResult:
    """Fetch the item's page, extract its text and store it; a failure is a reason."""
    from digestctl.fetch import MAX_BYTES, FetchRequest
    from digestctl.models import MANUAL_SOURCE
    from digestctl.origins import same_origin, with_login

    url = item.url
    if not url or not url.lower().startswith(("http://", "https://", "file:")):
        return TextResult(None, "the item has no web address to read its text from")
    headers: dict[str, str] = {}
    if source is not None:
        url, headers = with_login(url, source)
    # The private-address rule (SECURITY.md): a story the editor added by hand is as
    # trusted as the URL they typed; a source's item is trusted on the source's own origin,
    # and any other address is checked unless the source says allow_private.
    trusted = item.source == MANUAL_SOURCE or (source is not None and same_origin(url, source.url))
    request = FetchRequest(
        url=url,
        timeout=source.timeout if source is not None else 20.0,
        user_agent=source.user_agent if source is not None else None,
        headers=headers,
        max_bytes=max_bytes or MAX_BYTES,
        trusted=trusted,
        allow_private=source.allow_private if source is not None else False,
    )
    try:
        response = await fetcher.fetch(request)
    except DigestError as e:
        reason = " ".join(e.message.split())
        hint = f" ({e.hint})" if e.hint else ""
        return TextResult(None, f"its page could not be fetched: {reason}{hint}", fetched=True)
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind and kind not in {"text/html", "application/xhtml+xml", "text/plain"}:
        return TextResult(None, f"its page is not a web page ({kind})", fetched=True)
    text = await asyncio.to_thread(text_from_page, response.content, response.url, response.charset)
    if text is None:
        return TextResult(
            None,
            "no article text found on its page (a listing, a login or paywall page, "
            "or a page built by scripts)",
            fetched=True,
        )
    stamped = ItemText(text.text, text.markdown, text.source, now or datetime.now(UTC))
    store.save_text(item.id, stamped, stamped.fetched or datetime.now(UTC))
    return TextResult(stamped, fetched=True)


def fetch_text(
    store: Store,
    item_id: str,
    *,
    source: Source | None = None,
    settings: FetchSettings | None = None,
    fetcher: FetcherLike | None = None,
    refresh: bool = False,
    now: datetime | None = None,
) -> TextResult:
    """The item's full text: stored, else its page fetched now (and stored)."""
    if not refresh and (stored := get_text(store, item_id)) is not None:
        return TextResult(stored)
    item = store.get_item(item_id)

    async def go() -> TextResult:
        if fetcher is not None:
            return await fetch_item_text(fetcher, store, item, source=source, now=now)
        from digestctl.config import FetchSettings
        from digestctl.fetch import Fetcher

        limits = settings or FetchSettings()
        # One retry: a person is waiting, and can ask again.
        async with Fetcher(
            concurrency=limits.concurrency, per_host=limits.per_host, retries=1
        ) as f:
            return await fetch_item_text(
                f, store, item, source=source, max_bytes=limits.max_bytes, now=now
            )

    return asyncio.run(go())
