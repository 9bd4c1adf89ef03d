"""`digestctl show ID`: an item's metadata and full text (the reading view); `digestctl
prune`: drop stored full texts."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from digestctl.cli._common import handle_errors, state

if TYPE_CHECKING:
    from digestctl.fulltext import TextResult
    from digestctl.models import Item, Source
    from digestctl.workspace import Workspace


class TextFormat(StrEnum):
    TEXT = "text"
    MD = "md"


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Gather")
    @handle_errors
    def show(
        ctx: typer.Context,
        item_id: Annotated[str, typer.Argument(help="The item's id (a unique prefix will do).")],
        json_out: Annotated[
            bool,
            typer.Option("--json", help="Print a JSON object: the keys of items --json + text."),
        ] = False,
        fmt: Annotated[
            TextFormat,
            typer.Option(
                "--format",
                "-f",
                case_sensitive=False,
                help="text (plain paragraphs) or md (Markdown: headings, lists, links).",
            ),
        ] = TextFormat.TEXT,
        refresh: Annotated[
            bool, typer.Option("--refresh", help="Fetch the page again, even if a text is stored.")
        ] = False,
        offline: Annotated[
            bool, typer.Option("--offline", help="Only what is stored: never fetch the page.")
        ] = False,
    ) -> None:
        """Read an item: its metadata and its full text, clean.

        The text is the feed's own full content when the feed carries the whole article,
        else the main text of the item's page (fetched now the first time, then kept).
        On a terminal it opens in a pager ($PAGER). When the page cannot be fetched or
        holds no article, says why and shows the summary.

        JSON keys: those of `items --json`, plus text (plain, paragraphs separated by
        blank lines, or null), text_source ("feed", "page" or null), markdown, and
        text_error (why there is no text, or null).

        \b
        Examples:
          digestctl show 3fk2
          digestctl show 3fk2 --format md > story.md
          digestctl show 3fk2 --json | jq -r .text
        """
        from digestctl import output
        from digestctl.errors import UsageError
        from digestctl.fulltext import TextResult, fetch_text, get_text
        from digestctl.store import Store

        if offline and refresh:
            raise UsageError("--offline and --refresh contradict each other; use one")
        ws = state(ctx).workspace()
        with Store(ws.db_path) as store:
            (full_id,) = store.resolve_ids([item_id])
            item = store.get_item(full_id)
            if offline:
                stored = get_text(store, full_id)
                result = TextResult(stored, None if stored else "no text stored (--offline)")
            else:
                source, settings = _source_of(ws, item)
                result = fetch_text(
                    store, full_id, source=source, settings=settings, refresh=refresh
                )
            if json_out:
                from digestctl import picks
                from digestctl.ranking import rank_candidates

                (scored,) = rank_candidates(store, picks.load_config_quietly(ws), [item])
                extra = {
                    "story_size": store.story_sizes([item.id]).get(item.id, 1),
                    "score": scored.score,
                    "why": list(scored.why),
                }
        if json_out:
            output.print_json(format_show_json(item, result, extra))
            return
        if result.text is None:
            output.print_note(f"no full text for {item.id}: {result.reason}; showing the summary")
        document = format_show(item, result, markdown=fmt is TextFormat.MD)
        if sys.stdout.isatty():
            _page(document, markdown=fmt is TextFormat.MD and result.text is not None)
        else:
            from digestctl.cli.export_cmd import write_document

            write_document(document)

    @app.command(rich_help_panel="Gather")
    @handle_errors
    def prune(
        ctx: typer.Context,
        texts_older_than: Annotated[
            int,
            typer.Option(
                "--texts-older-than",
                min=0,
                metavar="DAYS",
                help="Drop full texts stored more than this many days ago.",
            ),
        ],
    ) -> None:
        """Drop stored full texts older than some days, to keep the store small.

        Items, picks and notes stay; `digestctl show ID` fetches a dropped text again.

        Example: digestctl prune --texts-older-than 90
        """
        from datetime import UTC, datetime, timedelta

        from digestctl import output
        from digestctl.store import Store

        ws = state(ctx).workspace()
        cutoff = datetime.now(UTC) - timedelta(days=texts_older_than)
        with Store(ws.db_path) as store:
            dropped = store.prune_texts(cutoff)
        output.print_note(
            f"dropped {dropped} full text{'' if dropped == 1 else 's'} stored before "
            f"{cutoff:%Y-%m-%d %H:%M} UTC"
        )


def _source_of(ws: Workspace, item: Item) -> tuple[Source | None, Any]:
    """The item's source from sources.toml (its timeout, user agent and login headers
    apply to its pages) and the fetch limits; neither when the file cannot be read."""
    from digestctl.config import FetchSettings, load_config
    from digestctl.errors import DigestError

    try:
        config = load_config(ws.sources_path)
    except DigestError:
        return None, FetchSettings()
    source = next((s for s in config.sources if s.name == item.source), None)
    return source, config.fetch


def format_show_json(
    item: Item, result: TextResult, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The item's keys (as in `items --json`, with `extra`: story_size, score, why), then
    its text."""
    from digestctl.output import format_item

    text = result.text
    return format_item(
        item,
        {
            **(extra or {}),
            "text": text.text if text else None,
            "text_source": text.source.value if text else None,
            "markdown": text.markdown if text else None,
            "text_error": result.reason,
        },
    )


def format_show(item: Item, result: TextResult, *, markdown: bool) -> str:
    """The reading view as one document: title, a line of metadata, the address, then
    the text (or the summary and why there is no text)."""
    meta = [
        part
        for part in (
            item.site or item.source,
            f"{item.published:%Y-%m-%d}" if item.published else None,
            item.author,
        )
        if part
    ]
    title = item.title or "(no title)"
    head = [f"# {title}" if markdown else title, " · ".join(meta)]
    if item.url:
        head.append(f"<{item.url}>" if markdown else item.url)
    text = result.text
    if text is not None:
        body = text.markdown if markdown else text.text
    else:
        why = f"(no full text: {result.reason})"
        body = "\n\n".join(part for part in (item.summary, why) if part)
    return "\n".join(line for line in head if line) + "\n\n" + body + "\n"


def _page(document: str, *, markdown: bool) -> None:
    """Show a document through the pager ($PAGER, as git and man do), styled by rich when
    the pager passes colours through (less -R)."""
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(highlight=False, no_color="NO_COLOR" in os.environ)
    pager = os.environ.get("PAGER", "")
    styles = "-R" in pager or "-r" in pager or "R" in os.environ.get("LESS", "")
    with console.pager(styles=styles):
        if markdown:
            console.print(Markdown(document, hyperlinks=False))
        else:
            console.print(document, markup=False, emoji=False)
