"""Page sources: a listing page's article links, followed and extracted into entries.

Orchestration only (the network through the fetcher passed in, HTML through digestctl.pages):
links already stored are not fetched again, and every article request goes through the
same fetcher, so the global and per-host limits hold.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from digestctl.errors import DigestError, FetchError, ParseError
from digestctl.models import FeedEntry, Source
from digestctl.origins import vouched_for, with_login
from digestctl.urls import canonicalize_url, is_safe_link

if TYPE_CHECKING:
    from digestctl.fetch import FetchResponse
    from digestctl.fetcher import FetcherLike
    from digestctl.store import Store


def item_links(listing: FetchResponse, selector: str | None) -> list[str]:
    """The article links of a fetched listing page; ParseError (with the `links` hint) when
    there are none."""
    from digestctl.pages import find_listing_links

    # Follow only links of the listing's own kind: a web page must never make us read a
    # local file (file: links are followed only from a local listing, e.g. the samples).
    local = listing.url.startswith("file:")
    links = [
        link
        for link in find_listing_links(listing.content, listing.url, selector)
        if link.startswith("file:") == local
        and (local or is_safe_link(link))
        and not link.startswith("mailto:")
    ]
    if not links:
        where = f"with links = {selector!r}" if selector else "by the link heuristic"
        raise ParseError(
            f"no item links found on the listing page {listing.url} {where}",
            hint='set links = "CSS selector" (e.g. "article h2 a") for this source in'
            " sources.toml, or use its feed if it has one",
        )
    return links


async def entries_from_listing(
    fetcher: FetcherLike, store: Store, source: Source, listing: FetchResponse, max_bytes: int
) -> tuple[list[FeedEntry], str | None, list[str]]:
    """Entries for the listing's new article links; returns (entries, site name, warnings)."""
    from digestctl.fetch import FetchRequest
    from digestctl.fulltext import text_from_page
    from digestctl.pages import extract_metadata

    links = item_links(listing, source.links)
    keyed = [(link, canonicalize_url(link) or link) for link in links]
    known = store.known_keys(key for _, key in keyed)
    fresh = [link for link, key in keyed if key not in known][: source.max_items]

    async def fetch_article(link: str) -> FetchResponse:
        url, headers = with_login(link, source)
        return await fetcher.fetch(
            FetchRequest(
                url=url,
                timeout=source.timeout,
                user_agent=source.user_agent,
                headers=headers,
                max_bytes=max_bytes,
                trusted=vouched_for(link, source, listing),
                allow_private=source.allow_private,
            )
        )

    answers = await asyncio.gather(*(fetch_article(link) for link in fresh), return_exceptions=True)
    entries: list[FeedEntry] = []
    failures: list[str] = []
    blocked: list[str] = []
    site: str | None = None
    for link, answer in zip(fresh, answers, strict=True):
        if isinstance(answer, DigestError):
            message = f"{link}: {' '.join(str(answer).split())}"
            (blocked if str(getattr(answer, "kind", "")) == "private" else failures).append(message)
            continue
        if isinstance(answer, BaseException):
            raise answer
        meta = extract_metadata(answer.content, answer.url, charset=answer.charset)
        # The page is at hand: its text costs no request (shown by `show`).
        text = text_from_page(answer.content, answer.url, answer.charset)
        site = site or meta.site
        # The listing's link is the item's identity: it is what the next run will see.
        entries.append(
            FeedEntry(
                title=meta.title,
                url=link,
                summary=meta.summary,
                # FeedEntry promises UTC; pages keep the offset they were published in.
                published=meta.published.astimezone(UTC) if meta.published else None,
                author=meta.author,
                image=meta.image,
                text=replace(text, fetched=datetime.now(UTC)) if text else None,
            )
        )
    if fresh and not entries:
        first = (failures or blocked)[0]
        raise FetchError(f"none of the {len(fresh)} article pages could be fetched: {first}")
    warnings = []
    if blocked:
        # Not stored, so seen again next run, and reported again: the editor decides.
        if len(blocked) == 1:
            warnings.append(f"1 article link not fetched: {blocked[0]}")
        else:
            warnings.append(
                f"{len(blocked)} of {len(fresh)} article links not fetched, e.g. {blocked[0]}"
            )
    if failures:
        warnings.append(
            f"{len(failures)} of {len(fresh)} article pages failed (tried again next run),"
            f" e.g. {failures[0]}"
        )
    return entries, site, warnings
