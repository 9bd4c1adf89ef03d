"""`digestctl add URL`: a story found elsewhere, into the store (and the draft with --pick)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from digestctl.cli._common import handle_errors, state
from digestctl.models import MANUAL_SOURCE

if TYPE_CHECKING:
    from digestctl.models import Item
    from digestctl.picks import Placement


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Gather")
    @handle_errors
    def add(
        ctx: typer.Context,
        url: Annotated[str, typer.Argument(help="The story's web address (http or https).")],
        json_out: Annotated[
            bool, typer.Option("--json", help="Print the item as JSON (the keys of items --json).")
        ] = False,
        pick: Annotated[
            bool, typer.Option("--pick", help="Also put it in the draft, as `digestctl pick`.")
        ] = False,
        note: Annotated[
            str | None,
            typer.Option("--note", help="Pick it with this note (Markdown).", show_default=False),
        ] = None,
        draft: Annotated[
            str | None,
            typer.Option(
                "--draft",
                "-d",
                help="Pick it into this draft (default: the current one).",
                show_default=False,
            ),
        ] = None,
        section: Annotated[
            str | None,
            typer.Option("--section", help="Pick it into this section.", show_default=False),
        ] = None,
        lead: Annotated[bool, typer.Option("--lead", help="Pick it as the lead story.")] = False,
        again: Annotated[
            bool,
            typer.Option("--again", help="Pick it even though an earlier draft has it."),
        ] = False,
    ) -> None:
        """Add a story found elsewhere: fetch its page and store it as a candidate.

        Title, summary, date and author come from the page; the item's source is
        `manual`. The same story added twice (tracking parameters, #fragments, redirects
        aside) is one item. --note, --draft, --section and --lead imply --pick: the story
        goes in the draft as with `digestctl pick`. Only web pages: a feed is added with
        `digestctl sources add`.

        \b
        Examples:
          digestctl add https://example.org/news/report-launch
          digestctl add https://example.org/news/report-launch --note "Read the *numbers*."
        """
        from digestctl import adding, output, picks
        from digestctl.errors import DraftError, UsageError
        from digestctl.store import Store

        if lead and section is not None:
            raise UsageError("--lead and --section both say where it goes; use one")
        picking = pick or lead or any(x is not None for x in (note, draft, section))
        ws = state(ctx).workspace()
        if draft is not None:
            picks.choose_draft(ws, draft)  # a draft named but missing fails before the fetch
        with Store(ws.db_path) as store:
            added = adding.add_story(store, url)
            item = added.item
            if added.created:
                output.print_note(f"added {item.id} (source {MANUAL_SOURCE})")
            else:
                output.print_note(
                    f"already stored: {item.id} (from {item.source}, first seen "
                    f"{item.first_seen:%Y-%m-%d}, {item.status.value})"
                )
            if picking:
                from digestctl.cli.pick_cmd import print_picked

                try:
                    print_picked(
                        picks.pick_items(
                            ws,
                            store,
                            [item.id],
                            draft=draft,
                            section=section,
                            note=note,
                            lead=lead,
                            again=again,
                        )
                    )
                except (picks.AlreadyFeatured, picks.StoryInDraft) as e:
                    raise DraftError(
                        e.message.replace("it was not picked", "it is stored, but not picked"),
                        hint=e.hint,
                    ) from None
                item = store.get_item(item.id)
            size = store.story_sizes([item.id]).get(item.id, 1)
            if json_out:
                from digestctl.ranking import rank_candidates

                (scored,) = rank_candidates(store, picks.load_config_quietly(ws), [item])
        current = picks.current_draft_name(ws)
        placement = picks.placements(picks.load_archive(ws), [item], current).get(item.id)
        if placement is not None and not picking:
            holding = [placement.draft] if placement.draft else []
            holding += placement.featured_in
            output.print_note(f"note: this story is already in draft {', '.join(holding)}")
        if json_out:
            output.print_json(
                output.format_item(
                    item,
                    {
                        "story_size": size,
                        "draft": placement.draft if placement else None,
                        "featured_in": list(placement.featured_in) if placement else [],
                        "score": scored.score,
                        "why": list(scored.why),
                    },
                )
            )
        else:
            print_item(item, placement)
            if not picking and placement is None:
                output.print_note(f"`digestctl pick {item.id}` puts it in the draft")


def format_item_fields(item: Item, placement: Placement | None) -> list[tuple[str, str]]:
    """The item as (label, value) rows, for the panel or plain lines."""
    rows: list[tuple[str, str | None]] = [
        ("title", item.title or "(no title found)"),
        ("site", item.site),
        ("date", item.published.strftime("%Y-%m-%d %H:%M UTC") if item.published else None),
        ("author", item.author),
        ("summary", item.summary),
        ("url", item.url),
        ("id", item.id),
        ("status", item.status.value),
    ]
    if placement is not None and placement.draft:
        rows.append(("draft", placement.draft))
    if placement is not None and placement.featured_in:
        rows.append(("featured in", ", ".join(placement.featured_in)))
    return [(label, value) for label, value in rows if value]


def print_item(item: Item, placement: Placement | None) -> None:
    """A panel on a terminal; `label: value` lines when stdout is a pipe or a file."""
    rows = format_item_fields(item, placement)
    if not sys.stdout.isatty():
        for label, value in rows:
            typer.echo(f"{label}: {value}")
        return
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    from digestctl.output import console

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    styles: dict[str, Any] = {"id": "cyan", "url": "blue", "featured in": "yellow"}
    for label, value in rows[1:]:
        grid.add_row(
            label, f"[{styles[label]}]{escape(value)}[/]" if label in styles else escape(value)
        )
    console().print(Panel(grid, title=escape(rows[0][1]), title_align="left", expand=False))
