"""The fetch pipeline: config → fetch → parse/extract → store. Knows nothing of the terminal.

One source's failure is data (a `SourceOutcome` with `error` set), never an exception that
stops the others. The store is written source by source in short transactions, so an
interrupted run keeps what it finished and never holds the database for long.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from digestctl.errors import DigestError, FetchError, ParseError
from digestctl.models import FeedEntry, Source, SourceType
from digestctl.store import NewItem, SourceState, Store
from digestctl.urls import canonicalize_url, url_id

if TYPE_CHECKING:
    from digestctl.config import FetchSettings
    from digestctl.fetch import FetchResponse
    from digestctl.fetcher import FetcherLike as FetcherLike  # its old home; callers still use it

# A source failing this many runs in a row, or for this long, needs a person (cron alerts).
ALERT_AFTER_FAILURES = 3
ALERT_AFTER = timedelta(days=1)


class Outcome(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    NOT_DUE = "not_due"  # the server asked us to wait (Retry-After / max-age); --force overrides
    FAILED = "failed"


@dataclass(frozen=True)
class SourceOutcome:
    name: str
    url: str
    outcome: Outcome
    new: int = 0
    seen: int = 0
    filtered: int = 0
    duplicates: int = 0  # new items that joined a story another source already carries
    dropped: int = 0  # entries holding nothing usable (no title, link or text)
    error: str | None = None
    error_kind: str | None = None
    moved_to: str | None = None  # a permanent redirect: the URL to put in sources.toml
    alert: bool = False  # failing long enough that a person should look
    consecutive_failures: int = 0
    elapsed: float = 0.0
    warnings: tuple[str, ...] = ()
    new_ids: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class FetchReport:
    outcomes: tuple[SourceOutcome, ...]
    elapsed: float

    @property
    def failed(self) -> tuple[SourceOutcome, ...]:
        return tuple(o for o in self.outcomes if o.outcome is Outcome.FAILED)

    @property
    def new_items(self) -> int:
        return sum(o.new for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        """0 all fine, 3 partial (some failed, the rest saved), 1 nothing could be fetched."""
        if not self.failed:
            return 0
        return 1 if len(self.failed) == len(self.outcomes) else 3


@dataclass
class _Context:
    store: Store
    fetcher: FetcherLike
    now: datetime
    force: bool
    max_bytes: int
    on_outcome: Callable[[SourceOutcome], None] | None = None
    outcomes: list[SourceOutcome] = field(default_factory=list)


def run_fetch(
    store: Store,
    sources: Sequence[Source],
    settings: FetchSettings,
    *,
    force: bool = False,
    now: datetime | None = None,
    on_outcome: Callable[[SourceOutcome], None] | None = None,
    fetcher: FetcherLike | None = None,
) -> FetchReport:
    """Fetch every source concurrently and store what they hold."""
    started = time.perf_counter()

    async def go() -> list[SourceOutcome]:
        from digestctl.fetch import Fetcher

        ctx_now = now or datetime.now(UTC)
        if fetcher is not None:
            ctx = _Context(store, fetcher, ctx_now, force, settings.max_bytes, on_outcome)
            await asyncio.gather(*(_fetch_source(ctx, s) for s in sources))
            return ctx.outcomes
        async with Fetcher(concurrency=settings.concurrency, per_host=settings.per_host) as f:
            ctx = _Context(store, f, ctx_now, force, settings.max_bytes, on_outcome)
            await asyncio.gather(*(_fetch_source(ctx, s) for s in sources))
            return ctx.outcomes

    outcomes = asyncio.run(go())
    outcomes = _with_stories(store, outcomes, now or datetime.now(UTC))
    order = {s.name: i for i, s in enumerate(sources)}
    outcomes.sort(key=lambda o: order.get(o.name, 0))
    return FetchReport(tuple(outcomes), time.perf_counter() - started)


def _with_stories(
    store: Store, outcomes: list[SourceOutcome], now: datetime
) -> list[SourceOutcome]:
    """New items join stories (after every source is stored: one pass over the window's
    index); each outcome then counts its new items that joined another source's story."""
    from digestctl.stories.sync import assign_stories

    run = assign_stories(store, now)
    if not run.joined:
        return outcomes
    stories = {i: s for i, s in run.assigned.items() if s != i}
    sizes = store.story_sizes(i for o in outcomes for i in o.new_ids if i in stories)
    return [
        replace(o, duplicates=sum(sizes.get(i, 1) > 1 for i in o.new_ids)) if o.new_ids else o
        for o in outcomes
    ]


async def _fetch_source(ctx: _Context, source: Source) -> None:
    started = time.perf_counter()
    try:
        outcome = await _fetch_source_unguarded(ctx, source)
    except DigestError as e:
        message = f"{e.message} — {e.hint}" if e.hint else e.message
        outcome = _failure(ctx, source, message, _kind_of(e), getattr(e, "retry_not_before", None))
    except Exception as e:
        # A bug in one source's handling must not stop the others; it is reported as such.
        outcome = _failure(ctx, source, f"internal error: {type(e).__name__}: {e}", "bug", None)
    outcome = _with_elapsed(outcome, time.perf_counter() - started)
    ctx.outcomes.append(outcome)
    if ctx.on_outcome is not None:
        ctx.on_outcome(outcome)


def _with_elapsed(o: SourceOutcome, elapsed: float) -> SourceOutcome:
    return replace(o, elapsed=elapsed)


async def _fetch_source_unguarded(ctx: _Context, source: Source) -> SourceOutcome:
    from digestctl.fetch import FetchRequest

    state = ctx.store.get_source_state(source.name)
    if (
        not ctx.force
        and state.retry_not_before is not None
        and state.retry_not_before > ctx.now
        and state.url == source.url
    ):
        return SourceOutcome(source.name, source.url, Outcome.NOT_DUE)
    same_url = state.url == source.url
    request = FetchRequest(
        url=source.url,
        etag=state.etag if same_url else None,
        last_modified=state.last_modified if same_url else None,
        timeout=source.timeout,
        user_agent=source.user_agent,
        headers=dict(source.headers),
        max_bytes=ctx.max_bytes,
        trusted=True,  # the editor's own URL; its redirects are still checked
        allow_private=source.allow_private,
    )
    ctx.store.record_attempt(source.name, source.url, ctx.now)
    response = await ctx.fetcher.fetch(request)
    moved_to = response.permanent_redirect
    if response.not_modified:
        _record_success(ctx, source, response)
        return SourceOutcome(source.name, source.url, Outcome.NOT_MODIFIED, moved_to=moved_to)

    entries, site, warnings, dropped = await _entries_of(ctx, source, response)
    usable = [e for e in entries if e.title or e.url or e.summary]
    dropped += len(entries) - len(usable)
    kept, filtered = select_entries(usable, source)
    if any(e.content for e in kept):
        known = ctx.store.keys_with_text(item_key(e, source.name) for e in kept if e.content)
        kept = with_feed_bodies(kept, source.name, known)
    items = [to_new_item(e, source.name, site) for e in kept]
    result = ctx.store.upsert_items(items, ctx.now)
    if source.fulltext and result.new:
        warnings += await _fetch_page_texts(ctx, source, result.new)
    _record_success(ctx, source, response)
    return SourceOutcome(
        source.name,
        source.url,
        Outcome.OK,
        new=len(result.new),
        seen=result.seen,
        filtered=filtered,
        dropped=dropped,
        moved_to=moved_to,
        warnings=tuple(warnings),
        new_ids=result.new,
    )


# A feed body shorter than this cannot hold the MIN_FULL_WORDS of a whole article.
MIN_BODY_CHARS = 600


def with_feed_bodies(entries: Sequence[FeedEntry], source: str, known: set[str]) -> list[FeedEntry]:
    """Keep the feed body only of entries without a text or body stored (`known` keys: a
    feed repeats its entries on every fetch) and long enough to be a whole article. The
    body is stored as it is and read into text when first shown: extracting every new
    entry at fetch time would cost a cron run a millisecond or two per entry. Pure."""
    out = []
    for entry in entries:
        body = entry.content
        if body is not None and (len(body) < MIN_BODY_CHARS or item_key(entry, source) in known):
            entry = replace(entry, content=None)
        out.append(entry)
    return out


async def _fetch_page_texts(ctx: _Context, source: Source, new_ids: Sequence[str]) -> list[str]:
    """`fulltext = true`: each new item's page, fetched now for its text (one request per
    item, through the same fetcher and its limits). Failures are warnings: `show` tries
    again later."""
    from digestctl.fulltext import fetch_item_text, text_from_stored_body

    stored = ctx.store.has_texts(new_ids)
    # A feed that carries whole articles needs no page request.
    missing = [
        i for i in new_ids if i not in stored and text_from_stored_body(ctx.store, i) is None
    ]
    items = [ctx.store.get_item(i) for i in missing]
    results = await asyncio.gather(
        *(
            fetch_item_text(
                ctx.fetcher, ctx.store, item, source=source, max_bytes=ctx.max_bytes, now=ctx.now
            )
            for item in items
        )
    )
    failed = [(item, r.reason) for item, r in zip(items, results, strict=True) if r.text is None]
    if not failed:
        return []
    item, reason = failed[0]
    return [f"{len(failed)} of {len(items)} full texts not read, e.g. {item.url}: {reason}"]


def _record_success(ctx: _Context, source: Source, response: FetchResponse) -> None:
    ctx.store.record_success(
        source.name,
        source.url,
        ctx.now,
        etag=response.etag,
        last_modified=response.last_modified,
        retry_not_before=response.retry_not_before,
        moved_to=response.permanent_redirect,
    )


async def _entries_of(
    ctx: _Context, source: Source, response: FetchResponse
) -> tuple[list[FeedEntry], str | None, list[str], int]:
    """The entries a response holds (a feed parsed, or a listing page's articles
    extracted), the site's name, warnings, and how many entries held nothing usable."""
    from digestctl.feeds import parse_feed, sniff_format

    kind = source.type
    if kind is SourceType.AUTO:
        sniffed = sniff_format(response.content)
        if sniffed == "feed":
            kind = SourceType.FEED
        elif sniffed == "html":
            kind = SourceType.PAGE
        else:
            raise ParseError(
                "not a feed or a web page (nothing recognisable in the response)",
                hint="check the url in sources.toml",
            )
    if kind is SourceType.FEED:
        content_type = response.headers.get("content-type")
        # Off the event loop: a large feed takes a while to parse, and other sources'
        # requests (and their timeouts) must keep running meanwhile.
        feed = await asyncio.to_thread(
            parse_feed,
            response.content,
            url=response.url,
            content_type=content_type,
            with_content=True,
        )
        return (
            list(feed.entries),
            feed.title or _host(response.url),
            list(feed.warnings),
            feed.dropped,
        )
    from digestctl.listing import entries_from_listing

    entries, site, warnings = await entries_from_listing(
        ctx.fetcher, ctx.store, source, response, ctx.max_bytes
    )
    return entries, site or _host(response.url), warnings, 0


def _failure(
    ctx: _Context, source: Source, error: str, kind: str, retry_not_before: datetime | None
) -> SourceOutcome:
    error = " ".join(error.split())  # one line, always
    state = ctx.store.record_failure(
        source.name,
        source.url,
        ctx.now,
        error=error,
        kind=kind,
        retry_not_before=retry_not_before,
    )
    return SourceOutcome(
        source.name,
        source.url,
        Outcome.FAILED,
        error=error,
        error_kind=kind,
        alert=needs_attention(state, ctx.now),
        consecutive_failures=state.consecutive_failures,
    )


def needs_attention(state: SourceState, now: datetime) -> bool:
    """A failure a person should hear about from cron: not a transient blip."""
    if state.consecutive_failures >= ALERT_AFTER_FAILURES:
        return True
    return state.failing_since is not None and now - state.failing_since >= ALERT_AFTER


def _kind_of(e: DigestError) -> str:
    kind = getattr(e, "kind", None)
    if kind is not None:
        return str(kind)
    if isinstance(e, ParseError):
        return "parse"
    if isinstance(e, FetchError):
        return "fetch"
    return "error"


def select_entries(entries: Iterable[FeedEntry], source: Source) -> tuple[list[FeedEntry], int]:
    """Apply include/exclude keywords, then keep the newest `max_items`. Pure."""
    include = [k.casefold() for k in source.include]
    exclude = [k.casefold() for k in source.exclude]
    kept: list[FeedEntry] = []
    filtered = 0
    for e in entries:
        if not (e.title or e.url or e.summary):
            continue
        text = f"{e.title or ''} {e.summary or ''}".casefold()
        if (include and not any(k in text for k in include)) or any(k in text for k in exclude):
            filtered += 1
            continue
        kept.append(e)
    # Feeds list newest first, mostly; sort to be sure, undated entries keep their order last.
    dated = sorted((e for e in kept if _date(e)), key=lambda e: _date(e) or _EPOCH, reverse=True)
    undated = [e for e in kept if not _date(e)]
    newest = (dated + undated)[: source.max_items]
    return newest, filtered + len(kept) - len(newest)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _date(e: FeedEntry) -> datetime | None:
    return e.published or e.updated


def item_key(entry: FeedEntry, source: str) -> str:
    """The identity of an entry: its canonical URL; without a link, its feed id, else
    source + title + date (so a link-less entry is still seen once, not every run)."""
    if entry.url:
        canonical = canonicalize_url(entry.url)
        if canonical:
            return canonical
    if entry.guid:
        return f"guid:{source}:{entry.guid}"
    stamp = _date(entry)
    return f"entry:{source}:{entry.title or ''}:{stamp.isoformat() if stamp else ''}"


def to_new_item(entry: FeedEntry, source: str, site: str | None) -> NewItem:
    key = item_key(entry, source)
    url = canonicalize_url(entry.url) if entry.url else None
    return NewItem(
        id=url_id(key),
        key=key,
        source=source,
        title=entry.title,
        url=url if url and not url.startswith("file:") else (entry.url or None),
        summary=entry.summary,
        published=entry.published or entry.updated,
        author=entry.author,
        site=site,
        image=entry.image,
        text=entry.text,
        body=entry.content,
    )


def _host(url: str) -> str | None:
    host = urlsplit(url).hostname
    return host.removeprefix("www.") if host else None
