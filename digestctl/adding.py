"""Adding by URL: one story (`digestctl add`) or one source (`digestctl sources add/remove`).

Fetch, tell a feed from a web page, discover a site's feed, and prove a source works before
sources.toml changes. Network through the fetcher passed in (or a Fetcher), state through
the store and sources.toml; no terminal.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from digestctl.config import Config, FetchSettings, _name_from_url, parse_config, valid_name
from digestctl.core import to_new_item
from digestctl.errors import ConfigError, FetchError, ParseError, UsageError
from digestctl.models import MANUAL_SOURCE, FeedEntry, Item, ParsedFeed, Source, SourceType
from digestctl.sourcesfile import append_sources, appended
from digestctl.urls import canonicalize_url, without_login

if TYPE_CHECKING:
    from digestctl.fetch import FetchRequest, FetchResponse
    from digestctl.fetcher import FetcherLike
    from digestctl.pages import DiscoveredFeed
    from digestctl.store import Store

T = TypeVar("T")

# Advertised feeds tried before giving up on them (a page may list dozens of category feeds).
MAX_ADVERTISED = 5
# A guessed feed address gets less patience than the page itself: most simply 404.
GUESS_TIMEOUT = 10.0
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_LOOKS_LIKE_HOST = re.compile(
    r"^(?:localhost|[\d.]+|[\w.-]+\.[a-z]{2,})(?::\d+)?(?:/|$)", re.IGNORECASE
)


# -- URLs as typed -------------------------------------------------------------------------


def check_story_url(url: str) -> str:
    """The address of a story on the web (http or https), as typed; else a UsageError."""
    value = url.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() in ("http", "https") and parts.hostname:
        return value
    raise UsageError(
        f"{value!r} is not a web address: `add` takes the http(s) address of a story",
        hint=_scheme_hint(value) or "copy the address from the browser's address bar",
    )


def check_source_url(url: str, cwd: Path) -> str:
    """An http(s) URL, a file: URL, or an existing local file (made an absolute file: URL,
    so sources.toml means the same file wherever it is read from)."""
    value = url.strip()
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https") and parts.hostname:
        return value
    if scheme == "file":
        return value
    local = Path(value).expanduser()
    local = local if local.is_absolute() else cwd / local
    if len(scheme) <= 1 and local.is_file():  # no scheme, or a Windows drive letter
        return local.resolve().as_uri()
    raise UsageError(
        f"{value!r} is not a feed or page address (http, https, file: or a saved file)",
        hint=_scheme_hint(value) or "check the address; a saved file must exist",
    )


def _scheme_hint(value: str) -> str | None:
    if "://" not in value and _LOOKS_LIKE_HOST.match(value):
        return f"did you mean https://{value} ?"
    return None


# -- fetching --------------------------------------------------------------------------------


def _run(
    fetcher: FetcherLike | None,
    settings: FetchSettings,
    work: Callable[[FetcherLike], Awaitable[T]],
) -> T:
    async def go() -> T:
        if fetcher is not None:
            return await work(fetcher)
        from digestctl.fetch import Fetcher

        # One retry, not fetch's two: a person is waiting, and can run the command again.
        async with Fetcher(
            concurrency=settings.concurrency, per_host=settings.per_host, retries=1
        ) as f:
            return await work(f)

    return asyncio.run(go())


async def _fetch(fetcher: FetcherLike, req: FetchRequest, *, for_source: bool) -> FetchResponse:
    """Fetch, with the URL named in the error (fetch's reasons say what, not where) and a
    hint for someone adding it (fetch's hints speak of a source already in sources.toml)."""
    try:
        return await fetcher.fetch(req)
    except FetchError as e:
        where = getattr(e, "url", None) or req.url
        if str(getattr(e, "kind", "")) == "private":
            # The typed URL is trusted; only a redirect can have led here.
            raise FetchError(
                f"{where}: redirects to a private address ({getattr(e, 'address', '?')}): blocked",
                hint="if that is right (an intranet site), use the address it redirects to"
                + (
                    ", or add it with --no-check and set allow_private = true" if for_source else ""
                ),
            ) from e
        raise FetchError(f"{where}: {e.message}", hint=_hint_for(e, for_source)) from e


def _hint_for(e: FetchError, for_source: bool) -> str | None:
    kind, status = str(getattr(e, "kind", "")), getattr(e, "status", None)
    if kind == "blocked" or status == 401:
        if for_source:
            return (
                "the site wants a login or turns away programs: add it with --no-check, "
                'then give it headers = { Authorization = "…" } or a browser\'s user_agent'
                " in sources.toml"
            )
        return (
            "the site wants a login or turns away programs; put the story in the draft by "
            "hand with `digestctl draft edit`"
        )
    if kind in ("timeout", "connect"):
        return "the site is slow or down; try again later"
    if e.hint and re.search(r"\bsources?\b|next run", e.hint):
        return "check the address: open it in a browser"
    return e.hint


def _kind(response: FetchResponse) -> str | None:
    """ "feed", "html" or None, from the bytes first (servers mislabel feeds), then the type."""
    from digestctl.feeds import sniff_format

    sniffed = sniff_format(response.content)
    if sniffed is not None:
        return sniffed
    return "html" if _content_type(response) in _HTML_TYPES else None


def _content_type(response: FetchResponse) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _what_it_is(response: FetchResponse) -> str:
    kind = _content_type(response)
    return f"{kind} content" if kind else "no recognisable content"


# -- one story: `digestctl add` ------------------------------------------------------------


@dataclass(frozen=True)
class AddedStory:
    item: Item
    created: bool  # False: the same story (same canonical URL) was stored already
    fetched: bool  # False: known by the URL as typed, so nothing was requested


def add_story(
    store: Store,
    url: str,
    *,
    now: datetime | None = None,
    fetcher: FetcherLike | None = None,
    settings: FetchSettings | None = None,
    timeout: float = 20.0,
) -> AddedStory:
    """Store the story at `url` as a candidate of source `manual`: one request, the page's
    metadata extracted. A story stored already (same canonical URL as typed, after
    redirects, or by the page's canonical link) is that item, not a new one."""
    from digestctl.fetch import FetchRequest

    url = check_story_url(url)
    now = now or datetime.now(UTC)
    settings = settings or FetchSettings()
    typed_key = canonicalize_url(url) or url
    if store.get_item_by_key(typed_key) is not None:
        return AddedStory(_store_story(store, typed_key, None, now), created=False, fetched=False)
    # Typed by the editor: trusted, whatever its address (its redirects are checked).
    request = FetchRequest(url=url, timeout=timeout, max_bytes=settings.max_bytes, trusted=True)
    response = _run(fetcher, settings, lambda f: _fetch(f, request, for_source=False))
    kind = _kind(response)
    if kind == "feed":
        raise UsageError(
            f"{url} is a feed, not a story",
            hint=f"to watch it, add it as a source: `digestctl sources add {url}`",
        )
    if kind != "html":
        raise ParseError(
            f"{url}: not a web page ({_what_it_is(response)})",
            hint="`add` reads HTML pages; for a PDF or other file, add the page that links "
            "to it, or write the entry into the draft with `digestctl draft edit`",
        )
    from digestctl.pages import extract_metadata

    meta = extract_metadata(response.content, response.url, charset=response.charset)
    keys = _story_keys(typed_key, response.url, meta.url)
    key = next((k for k in keys if store.get_item_by_key(k) is not None), None)
    from digestctl.fulltext import text_from_page

    # The text of the page just fetched is kept: `show` needs no second request.
    text = text_from_page(response.content, response.url, response.charset)
    entry = FeedEntry(
        title=meta.title,
        url=key or keys[0],
        summary=meta.summary,
        published=meta.published.astimezone(UTC) if meta.published else None,
        author=meta.author,
        image=meta.image,
        text=replace(text, fetched=now) if text else None,
    )
    site = meta.site or _host(response.url)
    return AddedStory(
        _store_story(store, key or keys[0], entry, now, site), created=key is None, fetched=True
    )


def _story_keys(typed_key: str, final_url: str, canonical: str | None) -> list[str]:
    """The keys the story may be stored under, the one to store it under first: the page's
    canonical link, the address after redirects, the address typed."""
    final = canonicalize_url(final_url) or final_url
    keys = [final, typed_key]
    page = canonicalize_url(canonical) if canonical else None
    # Some sites declare their home page canonical on every article: trust a canonical
    # link only when it names a page at least as specific as the one fetched.
    if (
        page is not None
        and page.startswith(("http://", "https://"))
        and (urlsplit(page).path not in ("", "/") or urlsplit(final).path in ("", "/"))
    ):
        keys.insert(0, page)
    return list(dict.fromkeys(keys))


def _store_story(
    store: Store, key: str, entry: FeedEntry | None, now: datetime, site: str | None = None
) -> Item:
    # Upserting a story stored already records `manual` among its sources, refreshes
    # last_seen and fills fields it lacked; the item keeps its id, source and status.
    new = to_new_item(entry or FeedEntry(url=key), MANUAL_SOURCE, site)
    store.upsert_items([new], now)
    from digestctl.stories.sync import assign_stories

    assign_stories(store, now)  # a story found elsewhere joins the news it reports
    item = store.get_item_by_key(new.key)
    assert item is not None
    return item


def _host(url: str) -> str | None:
    host = urlsplit(url).hostname
    return host.removeprefix("www.") if host else None


# -- one source: `digestctl sources add` -----------------------------------------------------


@dataclass(frozen=True)
class SourcePlan:
    """What `sources add` found, and the [[source]] table it will append."""

    table: Mapping[str, Any]  # keys in the order they are written
    kind: SourceType  # what it proved to be (AUTO: not checked, --no-check)
    typed_url: str
    page_url: str | None = None  # the page a feed was discovered on
    moved_from: str | None = None  # the URL that redirected permanently to the one written
    discovered: str | None = None  # "link" (<link rel=alternate>) or "guess" (a common path)
    title: str | None = None  # the feed's title
    found: int = 0  # entries in the feed, or item links on the listing page
    samples: tuple[str, ...] = ()  # a few entry titles or links, for the editor to judge
    other_feeds: tuple[DiscoveredFeed, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return str(self.table["name"])

    @property
    def url(self) -> str:
        return str(self.table["url"])


@dataclass(frozen=True)
class _Found:
    kind: SourceType
    url: str
    page_url: str | None = None
    moved_from: str | None = None
    discovered: str | None = None
    feed: ParsedFeed | None = None
    links: tuple[str, ...] = ()
    other_feeds: tuple[DiscoveredFeed, ...] = ()
    notes: tuple[str, ...] = ()


def plan_source(
    config: Config,
    url: str,
    *,
    name: str | None = None,
    kind: SourceType = SourceType.AUTO,
    links: str | None = None,
    tags: Sequence[str] = (),
    check: bool = True,
    cwd: Path | None = None,
    fetcher: FetcherLike | None = None,
) -> SourcePlan:
    """Work out the [[source]] table for `url`: a feed as it is, a home page's feed
    (advertised, else at a common path), else the page as a listing; fetched once to
    prove it works (unless `check` is False). Nothing is written."""
    if links is not None and kind is SourceType.FEED:
        raise UsageError("--links is for page sources; drop --type feed or --links")
    if links is not None:
        _check_links(links)
    for tag in tags:
        if not tag.strip():
            raise UsageError("--tag must not be empty")
    if name is not None:
        _check_new_name(config, name)
    typed = check_source_url(url, cwd or Path.cwd())
    _refuse_known_url(config, typed)
    wanted = SourceType.PAGE if links is not None and kind is SourceType.AUTO else kind
    taken = {s.name: None for s in config.sources}

    def table_for(at: str, proved: SourceType, named_after: str) -> dict[str, Any]:
        table: dict[str, Any] = {"name": name or _name_from_url(named_after, taken), "url": at}
        # A page source says so; a feed needs no type (auto sniffs it) unless one was asked for.
        if proved is SourceType.PAGE or kind is not SourceType.AUTO:
            table["type"] = proved.value
        if links is not None:
            table["links"] = links
        if tags:
            table["tags"] = list(dict.fromkeys(tags))
        return table

    first = table_for(typed, wanted, typed)
    source = source_with_defaults(config, first)
    if not check:
        return SourcePlan(first, SourceType.AUTO, typed)
    settings = config.fetch
    found = _run(fetcher, settings, lambda f: _probe(f, source, settings.max_bytes))
    if found.page_url:
        _refuse_known_url(config, found.page_url)
    _refuse_known_url(config, found.url, found_on=found.page_url)
    # A discovered feed is named after its site's page, not after the feed's address.
    named_after = (found.page_url or found.url) if found.discovered else found.url
    table = table_for(found.url, found.kind, named_after)
    source_with_defaults(config, table)  # the final table is valid too
    feed = found.feed
    notes = found.notes
    if feed is not None and not feed.entries:
        notes += ("the feed has no entries yet; it may be new, or not the one you want",)
    return SourcePlan(
        table=table,
        kind=found.kind,
        typed_url=typed,
        page_url=found.page_url,
        moved_from=found.moved_from,
        discovered=found.discovered,
        title=feed.title if feed else None,
        found=len(feed.entries) if feed else len(found.links),
        samples=tuple(
            [e.title or e.url or "(untitled)" for e in feed.entries[:3]]
            if feed
            else found.links[:3]
        ),
        other_feeds=found.other_feeds,
        notes=notes,
    )


def _check_links(selector: str) -> None:
    from digestctl.pages import check_selector

    if not selector.strip():
        raise UsageError("--links must not be empty", hint="e.g. --links 'article h2 a'")
    try:
        check_selector(selector)
    except ParseError:
        raise UsageError(
            f"--links {selector!r} is not a CSS selector we can run",
            hint="e.g. --links 'article h2 a' (the <a> elements, or elements holding them)",
        ) from None


def _check_new_name(config: Config, name: str) -> None:
    if not valid_name(name):
        raise UsageError(
            f"--name {name!r}: use letters, digits, '-', '_' and '.' only (it is typed in commands)"
        )
    for s in config.sources:
        if s.name == name:
            raise ConfigError(
                [f"{_where(config, s)}: a source named {name!r} exists already ({s.url})"],
                hint="choose another --name; nothing was changed",
            )


def _refuse_known_url(config: Config, url: str, *, found_on: str | None = None) -> None:
    wanted = canonicalize_url(url) or url
    for s in config.sources:
        if (canonicalize_url(s.url) or s.url) != wanted:
            continue
        if found_on is None:
            raise ConfigError(
                [f"{_where(config, s)}: source {s.name!r} already watches {s.url}"],
                hint="nothing was changed; `digestctl sources` lists your sources",
            )
        raise ConfigError(
            [
                f"{_where(config, s)}: source {s.name!r} already watches {s.url}, "
                f"the feed found for {found_on}"
            ],
            hint="nothing was changed; to read the page itself instead, add it with "
            '--type page (or --links "CSS selector")',
        )


def _where(config: Config, s: Source) -> str:
    return f"{config.path.name}:{s.line}" if s.line else config.path.name


def source_with_defaults(config: Config, table: Mapping[str, Any]) -> Source:
    """The Source that `table` appended to sources.toml will be, [defaults] applied (so the
    proof fetch uses the timeout, user agent and headers that `fetch` will)."""
    text = appended(config.path.read_text(encoding="utf-8"), table)
    try:
        parsed = parse_config(text, config.path)
    except ConfigError as e:
        # Options are checked before this, so this is a problem the table shares with
        # the file's [defaults]; say which option made it.
        raise UsageError(
            f"the new source would not be valid: {e.problems[-1]}",
            hint="check the options given (and [defaults] in sources.toml)",
        ) from None
    return parsed.sources[-1]


async def _probe(fetcher: FetcherLike, source: Source, max_bytes: int) -> _Found:
    blocked: list[str] = []
    found = await _probe_blocking(fetcher, source, max_bytes, blocked)
    return replace(found, notes=found.notes + tuple(f"not followed: {b}" for b in blocked))


async def _probe_blocking(
    fetcher: FetcherLike, source: Source, max_bytes: int, blocked: list[str]
) -> _Found:
    """_probe, with the addresses found on the page that led to a private address (not
    fetched) added to `blocked`."""
    from digestctl.fetch import FetchRequest
    from digestctl.origins import vouched_for, with_login
    from digestctl.pages import discover_feeds, guess_feed_urls

    page: FetchResponse | None = None  # once fetched, the typed URL's answer

    def request(url: str, timeout: float | None = None) -> FetchRequest:
        at, headers = with_login(url, source)
        return FetchRequest(
            url=at,
            timeout=min(source.timeout, timeout) if timeout else source.timeout,
            user_agent=source.user_agent,
            headers=headers,
            max_bytes=max_bytes,
            # The typed URL is the editor's; addresses found on its page are checked.
            trusted=page is None or vouched_for(url, source, page),
            allow_private=source.allow_private,
        )

    response = await _fetch(fetcher, request(source.url), for_source=True)
    page = response
    moved = response.permanent_redirect
    here = _with_userinfo(moved, source.url) if moved else source.url
    moved_from = source.url if moved else None
    kind = _kind(response)
    if source.type is SourceType.FEED or (source.type is SourceType.AUTO and kind == "feed"):
        if kind == "html":
            raise ParseError(
                f"{source.url} is a web page, not a feed",
                hint="drop --type feed: its feed is then looked for on the page",
            )
        return _Found(SourceType.FEED, here, moved_from=moved_from, feed=_parse(response))
    if kind != "html":
        raise ParseError(
            f"{source.url}: not a feed or a web page ({_what_it_is(response)})",
            hint="check the address: it should open a feed or a page listing stories",
        )
    advertised = [
        replace(f, url=_printable(f.url))
        for f in discover_feeds(response.content, response.url)
        if _may_follow(f.url, response)
    ]
    if source.type is SourceType.PAGE:
        links = _listing_links(response, source.links)
        notes: tuple[str, ...] = ()
        if advertised:
            notes = (f"the page advertises a feed, usually steadier: {advertised[0].url}",)
        return _Found(SourceType.PAGE, here, moved_from=moved_from, links=tuple(links), notes=notes)

    tried: list[str] = []
    for offered in advertised[:MAX_ADVERTISED]:
        feed = await _try_feed(fetcher, request(offered.url), tried, blocked)
        if feed is not None:
            return _Found(
                SourceType.FEED,
                feed[0],
                page_url=here,
                moved_from=moved_from,
                discovered="link",
                feed=feed[1],
                other_feeds=tuple(f for f in advertised if f is not offered),
            )
    guesses = [g for g in guess_feed_urls(response.url) if g not in tried]
    for guess in guesses:
        try:
            feed = await _try_feed(fetcher, request(guess, GUESS_TIMEOUT), tried, blocked)
        except _StopGuessing:
            break
        if feed is not None:
            return _Found(
                SourceType.FEED,
                feed[0],
                page_url=here,
                moved_from=moved_from,
                discovered="guess",
                feed=feed[1],
            )
    try:
        links = _listing_links(response, source.links)
    except ParseError:
        looked = "its advertised feeds failed" if advertised else "no <link rel=alternate>"
        if guesses:
            looked += ", none at /feed, /rss.xml and other common paths"
        raise ParseError(
            f"{response.url}: no feed found ({looked}), and no story links found on the page",
            hint='if the page lists stories, pass --links "CSS selector" (e.g. "article h2 a")'
            " to read it as a page source",
        ) from None
    return _Found(SourceType.PAGE, here, moved_from=moved_from, links=tuple(links))


def _listing_links(response: FetchResponse, selector: str | None) -> list[str]:
    from digestctl.listing import item_links

    try:
        return [_printable(link) for link in item_links(response, selector)]
    except ParseError as e:
        raise ParseError(
            e.message,
            hint='pass --links "CSS selector" (e.g. "article h2 a") naming the story links'
            if selector is None
            else "check the selector against the page's HTML (the browser's inspector helps)",
        ) from None


class _StopGuessing(Exception):
    """The site is failing (timeouts, 5xx): guessing further paths would only wait more."""


async def _try_feed(
    fetcher: FetcherLike, req: FetchRequest, tried: list[str], blocked: list[str]
) -> tuple[str, ParsedFeed] | None:
    """(URL to write, parsed feed) if `req` answers with a feed; None if it does not."""
    tried.append(req.url)
    try:
        response = await fetcher.fetch(req)
    except FetchError as e:
        if str(getattr(e, "kind", "")) == "private":
            # A page pointing at an internal address: not followed, and said so.
            blocked.append(f"{_printable(without_login(req.url))}: {e.message}")
            return None
        status = getattr(e, "status", None)
        if status is not None and 400 <= status < 500:
            return None  # not there (404), or not for us: try the next address
        raise _StopGuessing from e
    if _kind(response) != "feed":
        return None  # a soft 404: the home page again, or an HTML error page
    try:
        feed = _parse(response)
    except ParseError:
        return None
    moved = response.permanent_redirect
    return (_with_userinfo(moved, req.url) if moved else req.url), feed


def _parse(response: FetchResponse) -> ParsedFeed:
    from digestctl.feeds import parse_feed

    try:
        return parse_feed(
            response.content, url=response.url, content_type=response.headers.get("content-type")
        )
    except ParseError as e:
        raise ParseError(f"{response.url}: {e.message}", hint=e.hint) from e


def _may_follow(url: str, page: FetchResponse) -> bool:
    # A web page may name any address; only a local page may lead to a local file.
    scheme = urlsplit(url).scheme.lower()
    return scheme in ("http", "https") or (scheme == "file" and page.url.startswith("file:"))


def _printable(url: str) -> str:
    """`url` with control characters and spaces percent-encoded: a page's links are shown
    on the terminal and written to sources.toml, and an escape sequence must do neither."""
    return _UNPRINTABLE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), url)


_UNPRINTABLE = re.compile(r"[\x00-\x20\x7f-\x9f]")


def _with_userinfo(url: str, like: str) -> str:
    """`url` with the user:password@ of `like` when both are on the same origin (responses
    never carry it, but the table must, or the next fetch goes without its login)."""
    a, b = urlsplit(like), urlsplit(url)
    userinfo, at, _ = a.netloc.rpartition("@")
    if not at or "@" in b.netloc or (a.hostname, a.port) != (b.hostname, b.port):
        return url
    return b._replace(netloc=f"{userinfo}@{b.netloc}").geturl()


def save_source(config: Config, plan: SourcePlan) -> None:
    """Append the plan's [[source]] table to sources.toml, keeping every existing line."""
    append_sources(config, [plan.table])
