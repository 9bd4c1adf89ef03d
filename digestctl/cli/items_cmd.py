"""`digestctl items`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from digestctl.cli._common import handle_errors, parse_since, state

if TYPE_CHECKING:
    from digestctl.config import Config
    from digestctl.models import Item
    from digestctl.ranking import Scored
    from digestctl.store import Store


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
            str | None, typer.Option("--source", "-s", help="Only items from this source.")
        ] = None,
        since: Annotated[
            str | None,
            typer.Option("--since", help="Only items dated since: 2026-11-01, 24h, 7d, 2w."),
        ] = None,
        search: Annotated[
            str | None,
            typer.Option("--search", help="Only items whose title or summary has every word."),
        ] = None,
        limit: Annotated[
            int | None, typer.Option("--limit", "-n", min=1, help="At most this many items.")
        ] = None,
        json_out: Annotated[
            bool, typer.Option("--json", help="Print a JSON array with stable keys.")
        ] = False,
        nl: Annotated[bool, typer.Option("--nl", help="Print one JSON object per line.")] = False,
        sort: Annotated[
            str,
            typer.Option(
                "--sort",
                help="Order: score (likeliest picks first, learned from your picks and "
                "skips), newest, or source.",
            ),
        ] = "score",
    ) -> None:
        """List stored items, likeliest picks first (--sort newest: newest first).

        JSON keys: id, source, title, url, summary, published, author, site, status,
        first_seen (dates ISO 8601 UTC, missing values null), draft (the draft it is picked
        in, or null), featured_in (other drafts that hold the same story), score (higher:
        likelier you pick it), why (its reasons, in words).

        Example: digestctl items --status new --since 7d --json | jq -r '.[].url'
        """
        from digestctl import output, picks
        from digestctl.errors import UsageError
        from digestctl.models import ItemStatus
        from digestctl.store import Store

        if json_out and nl:
            raise UsageError("--json and --nl are two output shapes; pick one")
        if sort not in SORTS:
            raise UsageError(f"--sort {sort!r}: use one of {', '.join(SORTS)}")
        wanted_status = None
        if status is not None:
            try:
                wanted_status = ItemStatus(status.lower())
            except ValueError:
                raise UsageError(f"--status {status!r}: use one of new, picked, skipped") from None
        ws = state(ctx).workspace()
        filters = {
            "status": wanted_status,
            "source": source,
            "since": parse_since(since),
            "search": search,
            "limit": limit,
        }
        # Ranking orders the whole selection, so --limit applies after it, here.
        query = {**filters, "limit": None}
        with Store(ws.db_path) as store:
            found = store.list_items(**query)  # type: ignore[arg-type]
            ranked = rank_items(store, picks.load_config_quietly(ws), found, sort)
            if json_out or nl:
                by_id = {r.id: r for r in store.list_items_json(**query)}  # type: ignore[arg-type]
        shown = ranked.items[:limit] if limit is not None else ranked.items
        archive, current = picks.load_archive(ws), picks.current_draft_name(ws)
        if json_out or nl:
            rows = [by_id[i.id] for i in shown if i.id in by_id]
            placed = picks.placements(archive, rows, current)
            extras: dict[str, dict[str, object]] = {}
            for row in rows:
                p = placed.get(row.id)
                s = ranked.scores[row.id]
                extras[row.id] = {
                    "draft": p.draft if p else None,
                    "featured_in": list(p.featured_in) if p else [],
                    "score": s.score,
                    "why": list(s.why),
                }
            output.print_items_json(rows, extras, lines=nl)
        else:
            output.print_items_table(
                shown,
                placements=picks.placements(archive, shown, current),
                why={i: s.why for i, s in ranked.scores.items()} if sort == "score" else None,
            )


SORTS = ("score", "newest", "source")


@dataclass(frozen=True)
class Ranked:
    items: list[Item]  # in the order asked for
    scores: dict[str, Scored[Item]]


def rank_items(store: Store, config: Config | None, items: list[Item], sort: str) -> Ranked:
    """Score `items` (newest first, as the store lists them) and order them by `sort`:
    score (best first, ties newest first), newest, or source (then newest)."""
    from digestctl.output import print_note
    from digestctl.ranking import rank_candidates

    scored = rank_candidates(store, config, items, warn=lambda m: print_note(f"warning: {m}"))
    scores = {s.item.id: s for s in scored}
    if sort == "score":
        ordered = [s.item for s in scored]
    elif sort == "source":
        ordered = sorted(items, key=lambda i: i.source)  # stable: newest first within one
    else:
        ordered = list(items)
    return Ranked(ordered, scores)
