"""`digestctl items`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from digestctl.cli._common import SortOption, handle_errors, parse_since, state

if TYPE_CHECKING:
    from digestctl.models import Item
    from digestctl.picks import Archive, Placeable, Placement
    from digestctl.ranking import Ranker, Scored
    from digestctl.store import ItemLine, ItemQuery, Store
    from digestctl.workspace import Workspace

PAGE = 50  # items a terminal shows unless asked for more
TABLE_MAX = 500  # a terminal listing longer than this streams lines instead of a table


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Gather")
    @handle_errors
    def items(
        ctx: typer.Context,
        status: Annotated[
            str | None,
            typer.Option("--status", help="Only items with this status: new, picked, skipped."),
        ] = None,
        source: Annotated[
            list[str] | None,
            typer.Option(
                "--source", "-s", help="Only items from this source (repeat for any of several)."
            ),
        ] = None,
        tag: Annotated[
            list[str] | None,
            typer.Option(
                "--tag",
                "-t",
                help="Only items from sources with this tag in sources.toml (repeat for any).",
            ),
        ] = None,
        since: Annotated[
            str | None,
            typer.Option("--since", help="Only items dated since: 2026-11-01, 24h, 7d, 2w."),
        ] = None,
        search: Annotated[
            str | None,
            typer.Option(
                "--search",
                "-q",
                help="Only items whose title or summary has these words: forced labour, "
                '"forced labour" (a phrase), traffick* (a prefix), qatar OR gulf, -vacancy.',
            ),
        ] = None,
        limit: Annotated[
            int | None,
            typer.Option(
                "--limit", "-n", min=1, help=f"At most this many items (a terminal shows {PAGE})."
            ),
        ] = None,
        offset: Annotated[
            int, typer.Option("--offset", min=0, help="Skip this many items first (the next page).")
        ] = 0,
        all_items: Annotated[
            bool, typer.Option("--all", "-a", help="Every item, on a terminal too.")
        ] = False,
        sort: SortOption = "score",
        json_out: Annotated[
            bool, typer.Option("--json", help="Print a JSON array with stable keys.")
        ] = False,
        nl: Annotated[bool, typer.Option("--nl", help="Print one JSON object per line.")] = False,
        stories: Annotated[
            bool,
            typer.Option("--stories", help="One row per story: its best item, +N outlets."),
        ] = False,
    ) -> None:
        """List stored items, likeliest picks first (--sort newest: newest first); filters
        combine.

        On a terminal: a table of the first 50, and how to see the rest. Into a pipe or a
        file: every item, one per line, as it is read (--json and --nl likewise).

        JSON keys: id, source, title, url, summary, published, author, site, status,
        first_seen (dates ISO 8601 UTC, missing values null), story (the story's stable
        id), story_size (distinct sources carrying the story), draft (the draft it is
        picked in, or null), featured_in (other drafts that hold the same story), score
        (higher: likelier you pick it), why (its reasons, in words).

        Example: digestctl items --status new --since 7d --search 'traffick*' --json
        """
        import dataclasses

        from digestctl import output, picks
        from digestctl.errors import UsageError
        from digestctl.models import ItemStatus
        from digestctl.search import parse_search
        from digestctl.store import ItemQuery, Store

        if json_out and nl:
            raise UsageError("--json and --nl are two output shapes; pick one")
        if all_items and limit is not None:
            raise UsageError("--all and --limit contradict each other; pick one")
        if sort not in SORTS:
            raise UsageError(f"--sort {sort!r}: use one of {', '.join(SORTS)}")
        wanted_status = None
        if status is not None:
            try:
                wanted_status = ItemStatus(status.lower())
            except ValueError:
                raise UsageError(f"--status {status!r}: use one of new, picked, skipped") from None
        ws = state(ctx).workspace()
        groups: list[tuple[str, ...]] = []
        if source:
            groups.append(tuple(source))
        if tag:
            groups.append(_tagged_sources(ws, tag))
        query = ItemQuery(
            status=wanted_status,
            sources=tuple(groups),
            since=parse_since(since),
            search=parse_search(search) if search is not None else None,
            order="newest" if sort == "score" else sort,
            one_per_story=stories,
            limit=limit,
            offset=offset,
        )
        terminal = output.stdout_is_terminal()
        paged = terminal and not (json_out or nl or all_items)
        if paged and limit is None:
            query = dataclasses.replace(query, limit=PAGE)
        archive, current = picks.load_archive(ws), picks.current_draft_name(ws)
        with Store(ws.db_path) as store:
            ranker = None
            if json_out or nl or sort == "score":
                ranker = _load_ranker(store, ws)
            if json_out or nl:
                assert ranker is not None
                scored = _scored(store, query, ranker, by_score=sort == "score")
                rows = _json_rows(store, _placed(scored, store, archive, current))
                output.print_items_json(rows, lines=nl, pretty=terminal)
            elif paged and query.limit is not None and query.limit <= TABLE_MAX:
                _print_table_page(store, query, archive, current, ranker)
            else:
                _print_lines(store, query, archive, current, ranker, terminal=terminal, paged=paged)


SORTS = ("score", "newest", "source")
CHUNK = 500  # rows annotated (drafts, stories, scores) at a time while streaming
# By score, a selection up to this size is scored in memory (about 8 kB an item, with its
# word sets); a larger one in two passes that keep only scores and ids (flat memory).
IN_MEMORY = 20_000


def _load_ranker(store: Store, ws: Workspace) -> Ranker:
    from digestctl import output, picks
    from digestctl.ranking import load_ranker

    ranker = load_ranker(store, picks.load_config_quietly(ws))
    for message in ranker.warnings:
        output.print_note(f"warning: {message}")
    return ranker


def _scored(
    store: Store, query: ItemQuery, ranker: Ranker, *, by_score: bool
) -> Iterator[Scored[Item]]:
    """The items the query selects with their scores (and why): best first (`by_score`,
    see _by_score), else in the query's order, a chunk at a time."""
    if by_score:
        every = _whole_selection(query)
        if store.count_matching(every) <= IN_MEMORY:  # one pass: faster, memory is small
            ranked = ranker.rank(list(store.iter_items(every)))
            yield from ranked[query.offset : _end(query)]
            return
        batch: list[Item] = []
        for item in _by_score(store, query, ranker):
            batch.append(item)
            if len(batch) >= CHUNK:
                yield from ranker.rank(batch, best_first=False)
                batch = []
        yield from ranker.rank(batch, best_first=False)
        return
    batch = []
    for item in store.iter_items(query):
        batch.append(item)
        if len(batch) >= CHUNK:
            yield from ranker.rank(batch, best_first=False)
            batch = []
    yield from ranker.rank(batch, best_first=False)


def _by_score(store: Store, query: ItemQuery, ranker: Ranker) -> Iterator[Item]:
    """The query's page of items, best first: the whole selection is scored (keeping only
    scores and ids), then the page is read again a chunk at a time, in that order."""
    every = _whole_selection(query)
    if store.count_matching(every) <= IN_MEMORY:  # one pass: faster, memory is small
        items = list(store.iter_items(every))
        order = sorted((-score, n) for n, (_, score) in enumerate(ranker.scores(items)))
        yield from (items[n] for _, n in order[query.offset : _end(query)])
        return
    ranked = sorted(
        (-score, n, item_id)
        for n, (item_id, score) in enumerate(ranker.scores(store.iter_items(every)))
    )
    wanted = [item_id for _, _, item_id in ranked[query.offset : _end(query)]]
    for start in range(0, len(wanted), CHUNK):
        ids = wanted[start : start + CHUNK]
        found = store.get_items(ids)
        yield from (found[i] for i in ids if i in found)


def _whole_selection(query: ItemQuery) -> ItemQuery:
    import dataclasses

    return dataclasses.replace(query, limit=None, offset=0)


def _end(query: ItemQuery) -> int | None:
    return None if query.limit is None else query.offset + query.limit


def _json_rows(
    store: Store, placed: Iterable[tuple[Scored[Item], Placement | None]]
) -> Iterator[tuple[Any, Mapping[str, Any]]]:
    """Each item serialised by SQLite (fetched a chunk at a time), with its extra keys."""
    batch: list[tuple[Scored[Item], Placement | None]] = []

    def emit() -> Iterator[tuple[Any, Mapping[str, Any]]]:
        rows = store.items_json([s.item.id for s, _ in batch])
        for s, place in batch:
            yield (
                rows[s.item.id],
                {
                    "draft": place.draft if place else None,
                    "featured_in": list(place.featured_in) if place else [],
                    "score": s.score,
                    "why": list(s.why),
                },
            )

    for pair in placed:
        batch.append(pair)
        if len(batch) >= CHUNK:
            yield from emit()
            batch = []
    yield from emit()


def _print_table_page(
    store: Store, query: ItemQuery, archive: Archive, current: str | None, ranker: Ranker | None
) -> None:
    """One page as a table, then a footer on stderr: how many more, how to see them."""
    from digestctl import output, picks

    assert query.limit is not None
    why: dict[str, tuple[str, ...]] | None = None
    if ranker is not None:  # by score: the reasons of the page's items only
        page = list(_by_score(store, query, ranker))
        why = {s.item.id: s.why for s in ranker.rank(page, best_first=False)}
    else:
        page = list(store.iter_items(query))
    if page and len(page) < query.limit:
        total = query.offset + len(page)  # the last page: no need to count
    else:
        total = store.count_matching(query)
    if page or not total:
        covers = picks.story_covers(store, archive) if archive.by_key else {}
        in_story = {i: s for i, (s, _) in store.story_info(i.id for i in page).items()}
        output.print_items_table(
            page,
            placements=picks.placements(archive, page, current, in_story, covers),
            outlets=store.story_sizes(i.id for i in page),
            why=why,
        )
    footer = output.format_more_items(query.offset, len(page), total, query.limit)
    if footer:
        output.print_note(footer)


def _print_lines(
    store: Store,
    query: ItemQuery,
    archive: Archive,
    current: str | None,
    ranker: Ranker | None,
    *,
    terminal: bool,
    paged: bool,
) -> None:
    """Every item the query selects, one line each, written as the cursor yields them."""
    import shutil
    import sys

    from digestctl import output

    layout = output.LineLayout(
        draft_width=max(5, *(len(d.name) for d in archive.drafts)) if archive.by_key else 0,
        width=shutil.get_terminal_size().columns if terminal else None,
        color=output.use_color(sys.stdout),
    )
    lines = (
        _lines_of(store, _by_score(store, query, ranker))
        if ranker is not None
        else store.iter_item_lines(query)
    )
    shown = output.print_items_lines(_placed(lines, store, archive, current), layout)
    if not shown and not query.offset:
        output.print_note("no items match; `digestctl fetch` gathers new ones")
    elif paged and query.limit is not None:  # a long page (--limit N) on a terminal
        total = store.count_matching(query)
        footer = output.format_more_items(query.offset, shown, total, query.limit)
        if footer:
            output.print_note(footer)


def _lines_of(store: Store, items: Iterable[Item]) -> Iterator[ItemLine]:
    """Listing lines for items already read (in score order), a chunk at a time."""
    from digestctl.store import ItemLine

    batch: list[Item] = []

    def emit() -> Iterator[ItemLine]:
        sizes = store.story_sizes(i.id for i in batch)
        for i in batch:
            date = (i.published or i.first_seen).astimezone(UTC).strftime("%Y-%m-%d")
            yield ItemLine(i.id, i.url, i.status.value, i.source, date, i.title, sizes.get(i.id, 1))

    for item in items:
        batch.append(item)
        if len(batch) >= CHUNK:
            yield from emit()
            batch = []
    yield from emit()


def _tagged_sources(ws: Workspace, tags: list[str]) -> tuple[str, ...]:
    """The sources carrying any of `tags`, from sources.toml."""
    from digestctl.config import load_config
    from digestctl.errors import UsageError

    config = load_config(ws.sources_path)
    names = config.tagged(tags)
    if not names:
        known = config.tags()
        raise UsageError(
            f"--tag {', '.join(map(repr, tags))}: no source in sources.toml has "
            f"{'this tag' if len(tags) == 1 else 'these tags'}",
            hint=f"tags in use: {', '.join(known)}"
            if known
            else 'give sources tags in sources.toml: tags = ["uk"]',
        )
    return names


R_ = TypeVar("R_")


def _placed(
    rows: Iterable[R_], store: Store, archive: Archive, current: str | None
) -> Iterator[tuple[R_, Placement | None]]:
    """Each row with the drafts holding it or its story, looked up a chunk at a time (so
    that a long listing streams). A row is an item-like row or a Scored item."""
    from digestctl import picks

    if not archive.by_key:  # no draft holds anything: nothing to look up
        yield from ((r, None) for r in rows)
        return
    covers = picks.story_covers(store, archive)

    def subject(row: R_) -> Placeable:
        found: Placeable = getattr(row, "item", None) or row  # type: ignore[assignment]
        return found

    def place(batch: list[R_]) -> Iterator[tuple[R_, Placement | None]]:
        subjects = [subject(r) for r in batch]
        in_story = {i: s for i, (s, _) in store.story_info(r.id for r in subjects).items()}
        placed = picks.placements(archive, subjects, current, in_story, covers)
        return ((r, placed.get(subject(r).id)) for r in batch)

    batch: list[R_] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            yield from place(batch)
            batch = []
    yield from place(batch)
