"""`digestctl items`."""

from __future__ import annotations

from typing import Annotated

import typer

from digestctl.cli._common import handle_errors, parse_since, state


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
        stories: Annotated[
            bool,
            typer.Option("--stories", help="One row per story: its best item, +N outlets."),
        ] = False,
    ) -> None:
        """List stored items, newest first.

        JSON keys: id, source, title, url, summary, published, author, site, status,
        first_seen (dates ISO 8601 UTC, missing values null), story (the story's stable
        id), story_size (distinct sources carrying the story), draft (the draft it is
        picked in, or null), featured_in (other drafts that hold the same story).

        Example: digestctl items --status new --since 7d --json | jq -r '.[].url'
        """
        from digestctl import output, picks
        from digestctl.errors import UsageError
        from digestctl.models import ItemStatus
        from digestctl.store import Store

        if json_out and nl:
            raise UsageError("--json and --nl are two output shapes; pick one")
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
        archive, current = picks.load_archive(ws), picks.current_draft_name(ws)
        with Store(ws.db_path) as store:
            if json_out or nl:
                rows = store.list_items_json(**filters)  # type: ignore[arg-type]
                ids = [r.id for r in rows]
            else:
                found = store.list_items(**filters)  # type: ignore[arg-type]
                ids = [i.id for i in found]
            info = store.story_info(ids) if archive.by_key or stories else {}
            covers = picks.story_covers(store, archive) if archive.by_key else {}
            outlets = store.story_sizes(ids) if not (json_out or nl) else {}
            if stories:
                statuses = {r.id: r.status for r in (rows if json_out or nl else found)}
                best = picks.story_leaders(ids, info, statuses)
        in_story = {i: s for i, (s, _) in info.items()}
        if json_out or nl:
            if stories:
                rows = [r for r in rows if r.id in best]
            placed = picks.placements(archive, rows, current, in_story, covers)
            extras = {
                item_id: {"draft": p.draft, "featured_in": list(p.featured_in)}
                for item_id, p in placed.items()
            }
            output.print_items_json(rows, extras, lines=nl)
        else:
            if stories:
                found = [i for i in found if i.id in best]
            output.print_items_table(
                found,
                placements=picks.placements(archive, found, current, in_story, covers),
                outlets=outlets,
            )
