"""`digestctl stories`: list stories, merge, split, rebuild."""

from __future__ import annotations

from typing import Annotated

import typer

from digestctl.cli._common import handle_errors, parse_since, state

stories_app = typer.Typer(
    help="Stories: the same news from several outlets, as one.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def register(app: typer.Typer) -> None:
    app.add_typer(stories_app, name="stories", rich_help_panel="Gather")


@stories_app.callback()
@handle_errors
def stories(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only stories with items dated since: 2026-11-01, 7d."),
    ] = None,
    all_stories: Annotated[
        bool, typer.Option("--all", help="Single-item stories too (default: 2+ items).")
    ] = False,
) -> None:
    """List stories with their items, newest first.

    JSON keys: story, size (distinct sources), items (each: id, source, sources, title,
    url, published, status).

    Example: digestctl stories --since 3d --json | jq '.[] | select(.size > 3) | .story'
    """
    if ctx.invoked_subcommand is not None:
        return
    from digestctl import output
    from digestctl.store import Store

    ws = state(ctx).workspace()
    with Store(ws.db_path) as store:
        found = store.list_items(since=parse_since(since))
        order = list(dict.fromkeys(i.story or i.id for i in found))
        members = store.story_members(order)
    rows = []
    for story in order:
        items = members.get(story) or []
        if not items or (len(items) < 2 and not all_stories):
            continue
        size = len({s for m in items for s in m.sources})
        rows.append(
            {
                "story": story,
                "size": size,
                "items": [
                    {
                        "id": m.id,
                        "source": m.source,
                        "sources": list(m.sources),
                        "title": m.title,
                        "url": m.url,
                        "published": m.published.strftime("%Y-%m-%dT%H:%M:%SZ")
                        if m.published
                        else None,
                        "status": m.status.value,
                    }
                    for m in items
                ],
            }
        )
    if json_out:
        output.print_json(rows)
    else:
        output.print_stories_table(rows)


@stories_app.command()
@handle_errors
def merge(
    ctx: typer.Context,
    first: Annotated[str, typer.Argument(help="A story id, or an item id of it.")],
    second: Annotated[str, typer.Argument(help="Another story id, or an item id of it.")],
) -> None:
    """Make two stories one. Remembered: later fetches and `stories rebuild` keep it.

    Example: digestctl stories merge 3fk2 9xq1
    """
    from datetime import UTC, datetime

    from digestctl.errors import UsageError
    from digestctl.output import print_note
    from digestctl.store import Store

    ws = state(ctx).workspace()
    with Store(ws.db_path) as store:
        a, b = store.resolve_story(first), store.resolve_story(second)
        if a == b:
            raise UsageError(f"{first} and {second} are one story ({a}) already")
        kept = store.merge_stories(a, b, datetime.now(UTC))
    print_note(f"merged stories {a} and {b} into {kept}")


@stories_app.command()
@handle_errors
def split(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(help="The item to take out of its story.")],
) -> None:
    """Take an item out of its story into one of its own. Remembered: it does not join
    that story's items again, in later fetches or `stories rebuild`.

    Example: digestctl stories split 9xq1
    """
    from datetime import UTC, datetime

    from digestctl.errors import UsageError
    from digestctl.output import print_note
    from digestctl.store import Store

    ws = state(ctx).workspace()
    with Store(ws.db_path) as store:
        (item_id,) = store.resolve_ids([item])
        story = store.story_of(item_id)
        if story is None:
            raise UsageError(f"item {item_id} has no story yet", hint="run `digestctl fetch`")
        own, rest = store.split_item(item_id, datetime.now(UTC))
    if rest is None:
        print_note(f"{item_id} is alone in its story already; it will stay apart")
    else:
        print_note(f"{item_id} is now a story of its own ({own}); the others stay in {rest}")


@stories_app.command()
@handle_errors
def rebuild(ctx: typer.Context) -> None:
    """Re-cluster every item from scratch, keeping your merges and splits.

    Example: digestctl stories rebuild
    """
    from datetime import UTC, datetime

    from digestctl.output import print_note
    from digestctl.store import Store
    from digestctl.stories.sync import rebuild_stories

    ws = state(ctx).workspace()
    with Store(ws.db_path) as store:
        run = rebuild_stories(store, datetime.now(UTC))
        stories = len(set(run.assigned.values()))
    print_note(f"rebuilt: {len(run.assigned)} items in {stories} stories")
