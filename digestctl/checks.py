"""Before sending: verify a draft's links through the fetcher and list what an editor should
look at (dead or moved links, stories already featured, entries without a note, old news),
with the issue's balance. Reads the workspace and the network; no terminal.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digestctl import drafts
from digestctl.drafts import Draft, DraftEntry

if TYPE_CHECKING:
    from digestctl.fetch import FetchFailure, FetchResponse
    from digestctl.fetcher import FetcherLike
    from digestctl.picks import Archive, Window
    from digestctl.workspace import Workspace

# Enough to see the status and the redirects; a page is not read to its end. A larger body
# stops the read (a "size" failure), which still proves the link alive.
LINK_MAX_BYTES = 256 * 1024
UNTAGGED = "(untagged)"
NO_SOURCE = "(no source)"
INTRO = "intro"  # stands for the draft's intro where entry ids name a link's place


class LinkStatus(StrEnum):
    OK = "ok"
    REDIRECTED = "redirected"  # a temporary redirect: the link is fine as it is
    MOVED = "moved"  # permanently redirected: update the link
    DEAD = "dead"  # 4xx/5xx, DNS, refused, timeout, TLS, redirect loop
    BLOCKED = "blocked"  # the server refuses robots (403, bot walls): check it by hand
    UNSAFE = "unsafe"  # not http(s)/mailto: the export prints it as plain text
    PRIVATE = "private"  # leads to a private address: not fetched (SECURITY.md)
    SKIPPED = "skipped"  # mailto: nothing to fetch


_FINE = frozenset({LinkStatus.OK, LinkStatus.REDIRECTED, LinkStatus.SKIPPED})


@dataclass(frozen=True)
class LinkCheck:
    url: str
    entries: tuple[str, ...]  # ids of the entries linking to it ("intro" for the intro)
    status: LinkStatus
    http_status: int | None = None
    final_url: str | None = None  # where redirects led, when somewhere else
    detail: str = ""  # one line for a person
    kind: str | None = None  # the fetch failure's kind, for scripts
    elapsed: float | None = None

    @property
    def attention(self) -> bool:
        return self.status not in _FINE


@dataclass(frozen=True)
class EntryCheck:
    id: str
    title: str
    url: str
    section: str
    source: str
    tags: tuple[str, ...]
    published: datetime | None
    age: timedelta | None  # before the check; None when undated
    has_note: bool
    featured_in: tuple[str, ...]  # other drafts with the same story
    warnings: tuple[str, ...]

    @property
    def age_label(self) -> str:
        return format_age(self.age)


@dataclass(frozen=True)
class Balance:
    """How the issue is spread: (name, entries) pairs, sections in draft order, the rest
    most entries first."""

    sections: tuple[tuple[str, int], ...]
    sources: tuple[tuple[str, int], ...]
    tags: tuple[tuple[str, int], ...]  # empty when sources.toml could not be read


@dataclass(frozen=True)
class CheckReport:
    draft: str
    path: Path
    title: str
    links: tuple[LinkCheck, ...]
    entries: tuple[EntryCheck, ...]
    balance: Balance
    warnings: tuple[str, ...]  # about the whole issue: no entries, unreadable files
    checked_at: datetime
    links_verified: bool = True

    @property
    def attention(self) -> int:
        """How many things need a person: bad links, entry warnings, issue warnings."""
        return (
            sum(link.attention for link in self.links)
            + sum(len(e.warnings) for e in self.entries)
            + len(self.warnings)
        )

    @property
    def exit_code(self) -> int:
        return 3 if self.attention else 0


def check_draft(
    ws: Workspace,
    path: Path,
    *,
    timeout: float = 15.0,
    verify_links: bool = True,
    fetcher: FetcherLike | None = None,
    now: datetime | None = None,
    on_start: Callable[[int], None] | None = None,
) -> CheckReport:
    """Everything `digestctl check` reports about the draft at `path`. `on_start` hears
    how many links are about to be fetched."""
    from digestctl.picks import issue_window, load_archive

    now = now or datetime.now(UTC)
    draft = drafts.load_draft(path)
    warnings: list[str] = []
    tags, concurrency, per_host, intranet = _source_tags(ws, warnings)
    archive = load_archive(ws)
    warnings += [f"unreadable draft: {p}" for p in archive.problems]
    if not draft.entries:
        warnings.append("the draft has no entries yet")
    window = issue_window(archive, draft, now=now)
    entries = review_entries(draft, archive, tags, window, now)
    places = draft_links(draft)
    if verify_links:
        if on_start is not None:
            on_start(len(places))
        sources = {e.id: e.source for e in draft.entries}
        links = asyncio.run(
            verify(
                places,
                fetcher=fetcher,
                timeout=timeout,
                concurrency=concurrency,
                per_host=per_host,
                # Links of entries whose source has allow_private = true.
                allow_private={
                    url
                    for url, where in places.items()
                    if any(sources.get(w) in intranet for w in where)
                },
            )
        )
        warnings += _offline_warning(links)
    else:
        links = [_unfetched(url, where) for url, where in places.items()]
    return CheckReport(
        draft=draft.name,
        path=path,
        title=draft.title,
        links=tuple(links),
        entries=entries,
        balance=balance(draft, tags),
        warnings=tuple(warnings),
        checked_at=now,
        links_verified=verify_links,
    )


def _source_tags(
    ws: Workspace, warnings: list[str]
) -> tuple[dict[str, tuple[str, ...]], int, int, frozenset[str]]:
    """Tags by source name, the fetch limits and the sources with allow_private = true,
    from sources.toml. A broken file costs the per-tag balance only, with a warning."""
    from digestctl.config import load_config
    from digestctl.errors import ConfigError

    try:
        config = load_config(ws.sources_path)
    except ConfigError as e:
        first = e.problems[0] if e.problems else e.message
        warnings.append(f"cannot read tags from sources.toml ({first}); per-tag balance left out")
        return {}, 16, 2, frozenset()
    tags = {s.name: s.tags for s in config.sources}
    intranet = frozenset(s.name for s in config.sources if s.allow_private)
    return tags, config.fetch.concurrency, config.fetch.per_host, intranet


# -- links -------------------------------------------------------------------------------


def draft_links(draft: Draft) -> dict[str, tuple[str, ...]]:
    """Every link of the draft (entry URLs, links and images in notes and the intro), in
    reading order, each with the entries it appears in. Pure."""
    found: dict[str, list[str]] = {}

    def add(url: str, where: str) -> None:
        url = url.strip()
        if url:
            places = found.setdefault(url, [])
            if where not in places:
                places.append(where)

    for url in markdown_links(draft.intro):
        add(url, INTRO)
    for name in draft.sections:
        for entry in draft.entries_in(name):
            add(entry.url, entry.id)
            for url in markdown_links(entry.note):
                add(url, entry.id)
    return {url: tuple(where) for url, where in found.items()}


def markdown_links(text: str) -> list[str]:
    """The link and image targets of Markdown text, in order. Pure."""
    if "](" not in text and "<" not in text and "]:" not in text:
        return []
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False})
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # report all, even unsafe
    urls: list[str] = []
    for token in md.parse(text):
        for child in token.children or ():
            if child.type == "link_open":
                urls.append(str(child.attrGet("href") or ""))
            elif child.type == "image":
                urls.append(str(child.attrGet("src") or ""))
    return [u for u in urls if u]


async def verify(
    places: Mapping[str, Sequence[str]],
    *,
    fetcher: FetcherLike | None = None,
    timeout: float = 15.0,
    concurrency: int = 16,
    per_host: int = 2,
    allow_private: Collection[str] = (),
) -> list[LinkCheck]:
    """Fetch every http(s) link concurrently (within the fetcher's limits); the others are
    judged by their scheme. Results keep the order of `places`. A link leading to a private
    address is not fetched (PRIVATE), unless it is in `allow_private`."""
    if fetcher is None:
        from digestctl.fetch import Fetcher

        # One retry, soon: a transient 503 gets a second chance without stalling the check.
        async with Fetcher(
            concurrency=concurrency, per_host=per_host, retries=1, backoff=0.5, max_retry_wait=5
        ) as own:
            return await verify(places, fetcher=own, timeout=timeout, allow_private=allow_private)
    return list(
        await asyncio.gather(
            *(
                _verify_one(url, tuple(where), fetcher, timeout, url in allow_private)
                for url, where in places.items()
            )
        )
    )


async def _verify_one(
    url: str, where: tuple[str, ...], fetcher: FetcherLike, timeout: float, allow_private: bool
) -> LinkCheck:
    from digestctl.fetch import FetchErrorKind, FetchFailure, FetchRequest

    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "mailto":
        return LinkCheck(url, where, LinkStatus.SKIPPED, detail="e-mail address: not fetched")
    if scheme not in ("http", "https"):
        return _unsafe(url, where)
    # Links in a draft came from feeds and pages: checked, like any discovered URL.
    request = FetchRequest(
        url, timeout=timeout, max_bytes=LINK_MAX_BYTES, allow_private=allow_private
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        response = await fetcher.fetch(request)
    except FetchFailure as e:
        elapsed = loop.time() - started
        if e.kind is FetchErrorKind.SIZE:
            return LinkCheck(url, where, LinkStatus.OK, detail="", elapsed=elapsed)
        return _failed(url, where, e, elapsed)
    return _answered(url, where, response, loop.time() - started)


def _answered(
    url: str, where: tuple[str, ...], response: FetchResponse, elapsed: float
) -> LinkCheck:
    if response.permanent_redirect is not None:
        return LinkCheck(
            url,
            where,
            LinkStatus.MOVED,
            response.status,
            response.url,
            f"moved permanently to {response.url}: update the link",
            elapsed=elapsed,
        )
    if not _same_url(response.url, url):
        return LinkCheck(
            url,
            where,
            LinkStatus.REDIRECTED,
            response.status,
            response.url,
            f"redirects (temporarily) to {response.url}",
            elapsed=elapsed,
        )
    return LinkCheck(url, where, LinkStatus.OK, response.status, elapsed=elapsed)


def _same_url(a: str, b: str) -> bool:
    """Whether the fetcher ended where it began: the HTTP client drops the #fragment and
    writes "https://host" as "https://host/" and "é" as "%C3%A9" — none of them a redirect."""
    from urllib.parse import unquote, urlsplit

    def key(url: str) -> tuple[str, str, str, str]:
        parts = urlsplit(url)
        return (
            parts.scheme.lower(),
            parts.netloc.lower(),
            unquote(parts.path or "/"),
            unquote(parts.query),
        )

    return key(a) == key(b)


def _failed(url: str, where: tuple[str, ...], e: FetchFailure, elapsed: float) -> LinkCheck:
    from digestctl.fetch import FetchErrorKind

    if e.kind is FetchErrorKind.PRIVATE:
        return LinkCheck(
            url,
            where,
            LinkStatus.PRIVATE,
            e.status,
            None,
            f"not checked: private address {e.address}"
            " (set allow_private = true for its source to allow)",
            str(e.kind),
            elapsed,
        )
    blocked = e.kind is FetchErrorKind.BLOCKED
    status = LinkStatus.BLOCKED if blocked else LinkStatus.DEAD
    detail = e.reason + ("; it may open in a browser: check it by hand" if blocked else "")
    return LinkCheck(url, where, status, e.status, None, detail, str(e.kind), elapsed)


def _offline_warning(links: Sequence[LinkCheck]) -> list[str]:
    """When no web link could even be reached, the network is the likelier culprit."""
    fetched = [link for link in links if link.status not in (LinkStatus.UNSAFE, LinkStatus.SKIPPED)]
    unreachable = [link for link in fetched if link.kind in ("dns", "connect")]
    if len(fetched) >= 2 and len(unreachable) == len(fetched):
        return ["no link could be reached (DNS or connection failures): is this machine offline?"]
    return []


def _unsafe(url: str, where: tuple[str, ...]) -> LinkCheck:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    what = f"a {scheme}: link" if scheme else "not an absolute link"
    return LinkCheck(
        url,
        where,
        LinkStatus.UNSAFE,
        detail=f"{what}: readers cannot open it, and the export prints it as plain text",
    )


def _unfetched(url: str, where: Sequence[str]) -> LinkCheck:
    """--offline: the scheme is all we judge."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme in ("http", "https"):
        return LinkCheck(url, tuple(where), LinkStatus.SKIPPED, detail="not verified (--offline)")
    if scheme == "mailto":
        return LinkCheck(url, tuple(where), LinkStatus.SKIPPED, detail="e-mail address")
    return _unsafe(url, tuple(where))


# -- entries and balance -----------------------------------------------------------------


def review_entries(
    draft: Draft,
    archive: Archive,
    tags: Mapping[str, tuple[str, ...]],
    window: Window,
    now: datetime,
) -> tuple[EntryCheck, ...]:
    """Each entry in reading order, with what the editor should look at. Pure."""
    checked = []
    for name in draft.sections:
        lead = name == draft.lead_section
        for e in draft.entries_in(name):
            featured = archive.featured_in(e.id, e.url, current=draft.name)
            checked.append(
                EntryCheck(
                    id=e.id,
                    title=e.title,
                    url=e.url,
                    section=e.section,
                    source=e.source,
                    tags=tags.get(e.source, ()),
                    published=e.published,
                    age=now - e.published if e.published else None,
                    has_note=bool(e.note.strip()),
                    featured_in=featured,
                    warnings=tuple(_entry_warnings(e, lead, featured, archive, window)),
                )
            )
    return tuple(checked)


def _entry_warnings(
    e: DraftEntry, lead: bool, featured: Sequence[str], archive: Archive, window: Window
) -> Iterable[str]:
    if not e.note.strip():
        yield (
            "no note: the lead story shows only the fetched summary"
            if lead
            else "no note: the round-up shows its title and the fetched summary"
        )
    if featured:
        dated = []
        for name in featured:
            info = archive.info(name)
            dated.append(f"{name} ({info.date})" if info and info.date else name)
        yield f"already featured in draft {', '.join(dated)}"
    if e.published and window.start and e.published < window.start:
        yield (
            f"published {e.published:%Y-%m-%d}, before the previous issue "
            f"(draft {window.previous}, {window.start:%Y-%m-%d}): old news?"
        )


def balance(draft: Draft, tags: Mapping[str, tuple[str, ...]]) -> Balance:
    """Entries per section (every section, in order), per source and per tag. Pure."""
    sections = tuple((name, len(draft.entries_in(name))) for name in draft.sections)
    sources = Counter(e.source or NO_SOURCE for e in draft.entries)
    tag_counts: Counter[str] = Counter()
    if tags:
        for e in draft.entries:
            tag_counts.update(tags.get(e.source) or (UNTAGGED,))
    return Balance(sections, _most_first(sources), _most_first(tag_counts))


def _most_first(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    # Ties by name, with "(untagged)" and "(no source)" after the real names.
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].startswith("("), kv[0])))


def format_age(age: timedelta | None) -> str:
    """An age as "3d", "5h" or "40m"; "undated" without a date, "future" when ahead."""
    if age is None:
        return "undated"
    seconds = age.total_seconds()
    if seconds < 0:
        return "future"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return "now"


# -- JSON --------------------------------------------------------------------------------


def format_check_report(report: CheckReport) -> dict[str, Any]:
    """The stable JSON shape of `digestctl check --json`."""

    def iso(value: datetime | None) -> str | None:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None

    return {
        "draft": report.draft,
        "path": str(report.path),
        "title": report.title,
        "checked_at": iso(report.checked_at),
        "needs_attention": report.attention > 0,
        "attention": report.attention,
        "links_verified": report.links_verified,
        "links": [
            {
                "url": link.url,
                "entries": list(link.entries),
                "status": link.status.value,
                "http_status": link.http_status,
                "final_url": link.final_url,
                "detail": link.detail,
                "error_kind": link.kind,
                "needs_attention": link.attention,
                "elapsed": round(link.elapsed, 3) if link.elapsed is not None else None,
            }
            for link in report.links
        ],
        "entries": [
            {
                "id": e.id,
                "title": e.title,
                "url": e.url,
                "section": e.section,
                "source": e.source,
                "tags": list(e.tags),
                "published": iso(e.published),
                "age_days": round(e.age.total_seconds() / 86400, 1) if e.age else None,
                "has_note": e.has_note,
                "featured_in": list(e.featured_in),
                "warnings": list(e.warnings),
            }
            for e in report.entries
        ],
        "balance": {
            "sections": dict(report.balance.sections),
            "sources": dict(report.balance.sources),
            "tags": dict(report.balance.tags),
        },
        "warnings": list(report.warnings),
    }
