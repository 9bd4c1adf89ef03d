"""`digestctl sources` (list, import, OPML export)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digestctl.cli._common import handle_errors, state

sources_app = typer.Typer(
    help="List, add, remove and import sources.", invoke_without_command=True, no_args_is_help=False
)


def register(app: typer.Typer) -> None:
    app.add_typer(sources_app, name="sources", rich_help_panel="Workspace")


@sources_app.callback()
@handle_errors
def sources(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    opml: Annotated[bool, typer.Option("--opml", help="Print the sources as OPML.")] = False,
) -> None:
    """List sources with their health: last success, last error, item count.

    JSON keys: name, url, type, tags, items, last_attempt, last_success, last_error,
    error_kind, consecutive_failures, moved_to.

    Example: digestctl sources --json | jq -r '.[] | select(.last_error) | .name'
    """
    if ctx.invoked_subcommand is not None:
        return
    from digestctl import output
    from digestctl.config import load_config
    from digestctl.errors import UsageError
    from digestctl.opml import format_opml
    from digestctl.store import Store
    from digestctl.urls import without_login

    if json_out and opml:
        raise UsageError("--json and --opml are two output formats; pick one")
    ws = state(ctx).workspace()
    config = load_config(ws.sources_path)
    if opml:
        typer.echo(format_opml(config.sources), nl=False)
        return
    with Store(ws.db_path) as store:
        states = store.list_source_states()
    if json_out:
        rows = []
        for s in config.sources:
            st = states.get(s.name)
            rows.append(
                {
                    "name": s.name,
                    "url": without_login(s.url),
                    "type": s.type.value,
                    "tags": list(s.tags),
                    "items": st.items if st else 0,
                    "last_attempt": output.iso(st.last_attempt) if st else None,
                    "last_success": output.iso(st.last_success) if st else None,
                    "last_error": st.last_error if st else None,
                    "error_kind": st.error_kind if st else None,
                    "consecutive_failures": st.consecutive_failures if st else 0,
                    "moved_to": st.moved_to if st else None,
                }
            )
        output.print_json(rows)
    else:
        output.print_sources_table(config.sources, states)
        if not config.sources:
            output.print_note("no sources yet: `digestctl sources add URL`")


@sources_app.command("import")
@handle_errors
def import_opml(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An OPML file exported from a feed reader.")],
) -> None:
    """Append the feeds of an OPML file to sources.toml (folders become tags).

    Feeds already present (same URL) are skipped; your comments in sources.toml are kept.

    Example: digestctl sources import ~/Downloads/feedly.opml
    """
    from digestctl.config import _name_from_url, load_config
    from digestctl.errors import ConfigError
    from digestctl.opml import parse_opml
    from digestctl.output import print_note
    from digestctl.sourcesfile import append_sources

    ws = state(ctx).workspace()
    try:
        data = file.read_bytes()
    except OSError as e:
        raise ConfigError([f"{file}: cannot read: {e.strerror}"]) from None
    outlines = parse_opml(data, label=str(file))
    config = load_config(ws.sources_path)
    known_urls = {s.url for s in config.sources}
    taken: dict[str, object] = {s.name: None for s in config.sources}
    tables = []
    for o in outlines:
        if o.url in known_urls:
            continue
        known_urls.add(o.url)
        name = _name_from_url(o.url, taken)
        taken[name] = None
        tables.append({"name": name, "url": o.url, "tags": list(o.tags)})
    if tables:
        append_sources(config, tables)
    skipped = len(outlines) - len(tables)
    print_note(
        f"added {len(tables)} source{'s' * (len(tables) != 1)} to {ws.sources_path.name}"
        + (f" ({skipped} already there)" if skipped else "")
    )


@sources_app.command("add")
@handle_errors
def add(
    ctx: typer.Context,
    url: Annotated[
        str, typer.Argument(help="A feed, a site's home page, or a page listing stories.")
    ],
    name: Annotated[
        str | None,
        typer.Option(
            "--name", help="Its name (default: from the site's host).", show_default=False
        ),
    ] = None,
    type_: Annotated[
        str,
        typer.Option("--type", help="auto (find out), feed, or page.", show_default=False),
    ] = "auto",
    links: Annotated[
        str | None,
        typer.Option(
            "--links",
            help="CSS selector for the story links of a page source (implies --type page).",
            show_default=False,
        ),
    ] = None,
    tags: Annotated[
        list[str] | None,
        typer.Option("--tag", help="A tag for your own grouping (repeatable).", show_default=False),
    ] = None,
    no_check: Annotated[
        bool,
        typer.Option("--no-check", help="Write it as given, without fetching or discovery."),
    ] = False,
) -> None:
    """Add a feed, a site (its feed is found for you) or a listing page to sources.toml.

    A feed is added as it is. For a web page, the feed it advertises with
    <link rel="alternate"> is used, else one at a common address (/feed, /rss.xml, …);
    with none, the page becomes a page source whose story links are found by --links or
    a heuristic. The source is fetched once to prove it works (`digestctl fetch` then
    gathers its items). A permanent redirect adds the new address. Your text and comments
    in sources.toml are kept.

    \b
    Examples:
      digestctl sources add https://globalinitiative.net/      # its feed is found
      digestctl sources add https://www.kalayaan.org.uk/news/ --links "article h2 a"
    """
    from digestctl import adding
    from digestctl.config import load_config
    from digestctl.errors import UsageError
    from digestctl.models import SourceType
    from digestctl.output import print_note

    try:
        kind = SourceType(type_.lower())
    except ValueError:
        raise UsageError(f"--type {type_!r}: use auto, feed or page") from None
    ws = state(ctx).workspace()
    config = load_config(ws.sources_path)
    plan = adding.plan_source(
        config, url, name=name, kind=kind, links=links, tags=tags or (), check=not no_check
    )
    if plan.moved_from:
        print_note(f"{plan.moved_from} moved permanently; adding its new address")
    if plan.discovered == "link":
        print_note(f"found the feed {plan.url} on {plan.page_url}")
        for other in plan.other_feeds:
            title = f" ({other.title})" if other.title else ""
            print_note(f"  also offered: {other.url}{title}")
        if plan.other_feeds:
            print_note("  (add another with `digestctl sources add URL --name NAME`)")
    elif plan.discovered == "guess":
        print_note(f"no feed advertised on {plan.page_url}; found one at {plan.url}")
    if plan.kind is SourceType.FEED:
        label = f"feed {plan.title!r}" if plan.title else "feed"
        newest = f"; newest: {plan.samples[0]}" if plan.samples else ""
        print_note(f"{label}: {plan.found} entr{'y' if plan.found == 1 else 'ies'}{newest}")
    elif plan.kind is SourceType.PAGE:
        how = f"with {links!r}" if links else "by the link heuristic"
        print_note(f"page source: {plan.found} story links found {how}, e.g.")
        for sample in plan.samples:
            print_note(f"  {sample}")
    for n in plan.notes:
        print_note(f"note: {n}")
    adding.save_source(config, plan)
    checked = "" if plan.kind is not SourceType.AUTO else " without checking it (--no-check)"
    print_note(f"added source {plan.name!r} to {ws.sources_path.name}{checked}: {plan.url}")
    print_note(f"next: `digestctl fetch {plan.name}` gathers its items")


@sources_app.command("remove")
@handle_errors
def remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The source's name (see `digestctl sources`).")],
) -> None:
    """Take a source out of sources.toml; the items it brought stay in the store.

    Only its [[source]] table and the comment lines right above it go; the rest of the
    file stays as it is.

    Example: digestctl sources remove kalayaan
    """
    from digestctl.config import load_config
    from digestctl.output import print_note
    from digestctl.sourcesfile import remove_source
    from digestctl.store import Store

    ws = state(ctx).workspace()
    source = remove_source(load_config(ws.sources_path), name)
    count = 0
    if ws.db_path.exists():
        with Store(ws.db_path) as store:
            st = store.list_source_states().get(name)
            count = st.items if st else 0
    kept = (
        f"; the {count} item{'s' * (count != 1)} it brought stay{'s' * (count == 1)} in the"
        f" store (`digestctl items --source {name}`)"
        if count
        else ""
    )
    print_note(f"removed source {name!r} ({source.url}) from {ws.sources_path.name}{kept}")
