"""`digestctl items`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Annotated, Protocol, TypeVar

import typer

from digestctl.cli._common import handle_errors, parse_since, state

if TYPE_CHECKING:
    from digestctl.picks import Archive, Placement
    from digestctl.store import ItemQuery, Store
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
        sort: Annotated[
            str, typer.Option("--sort", help="Order: newest (by date published, else first seen).")
        ] = "newest",
        json_out: Annotated[
            bool, typer.Option("--json", help="Print a JSON array with stable keys.")
        ] = False,
        nl: Annotated[bool, typer.Option("--nl", help="Print one JSON object per line.")] = False,
        stories: Annotated[
            bool,
            typer.Option("--stories", help="One row per story: its best item, +N outlets."),
        ] = False,
    ) -> None:
        """List stored items, newest first; filters combine.

        On a terminal: a table of the first 50, and how to see the rest. Into a pipe or a
        file: every item, one per line, as it is read (--json and --nl likewise).

        JSON keys: id, source, title, url, summary, published, author, site, status,
        first_seen (dates ISO 8601 UTC, missing values null), story (the story's stable
        id), story_size (distinct sources carrying the story), draft (the draft it is
        picked in, or null), featured_in (other drafts that hold the same story).

        Example: digestctl items --status new --since 7d --search 'traffick*' --json
        """
        import dataclasses

        from digestctl import output, picks
        from digestctl.errors import UsageError
        from digestctl.models import ItemStatus
        from digestctl.search import parse_search
        from digestctl.store import ITEM_ORDERS, ItemQuery, Store

        if json_out and nl:
            raise UsageError("--json and --nl are two output shapes; pick one")
        if all_items and limit is not None:
            raise UsageError("--all and --limit contradict each other; pick one")
        if sort not in ITEM_ORDERS:
            raise UsageError(f"--sort {sort!r}: use one of {', '.join(ITEM_ORDERS)}")
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
            order=sort,
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
            if json_out or nl:
                rows = _placed(store.iter_items_json(query), store, archive, current)
                output.print_items_json(rows, lines=nl, pretty=terminal)
            elif paged and query.limit is not None and query.limit <= TABLE_MAX:
                _print_table_page(store, query, archive, current)
            else:
                _print_lines(store, query, archive, current, terminal=terminal, paged=paged)


def _print_table_page(
    store: Store, query: ItemQuery, archive: Archive, current: str | None
) -> None:
    """One page as a table, then a footer on stderr: how many more, how to see them."""
    from digestctl import output, picks

    assert query.limit is not None
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
        )
    footer = output.format_more_items(query.offset, len(page), total, query.limit)
    if footer:
        output.print_note(footer)


def _print_lines(
    store: Store,
    query: ItemQuery,
    archive: Archive,
    current: str | None,
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
    shown = output.print_items_lines(
        _placed(store.iter_item_lines(query), store, archive, current), layout
    )
    if not shown and not query.offset:
        output.print_note("no items match; `digestctl fetch` gathers new ones")
    elif paged and query.limit is not None:  # a long page (--limit N) on a terminal
        total = store.count_matching(query)
        footer = output.format_more_items(query.offset, shown, total, query.limit)
        if footer:
            output.print_note(footer)


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


class _Row(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def status(self) -> str: ...


R = TypeVar("R", bound=_Row)


def _placed(
    rows: Iterable[R], store: Store, archive: Archive, current: str | None, chunk: int = 500
) -> Iterator[tuple[R, Placement | None]]:
    """Each row with the drafts holding it or its story, looked up a chunk at a time (so
    that a long listing streams)."""
    from digestctl import picks

    if not archive.by_key:  # no draft holds anything: nothing to look up
        yield from ((r, None) for r in rows)
        return
    covers = picks.story_covers(store, archive)

    def place(batch: list[R]) -> Iterator[tuple[R, Placement | None]]:
        in_story = {i: s for i, (s, _) in store.story_info(r.id for r in batch).items()}
        placed = picks.placements(archive, batch, current, in_story, covers)
        return ((r, placed.get(r.id)) for r in batch)

    batch: list[R] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            yield from place(batch)
            batch = []
    yield from place(batch)
