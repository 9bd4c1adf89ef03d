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
                    "url": s.url,
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
        append_sources(ws.sources_path, tables)
    skipped = len(outlines) - len(tables)
    print_note(
        f"added {len(tables)} source{'s' * (len(tables) != 1)} to {ws.sources_path.name}"
        + (f" ({skipped} already there)" if skipped else "")
    )
