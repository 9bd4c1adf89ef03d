"""`digestctl export`, `templates` and `check`: the finished round-up, its templates, and a
last look before sending.

`export` is the command pipelines run (`digestctl export | pandoc …`), so it imports only
what rendering needs: no store, no network, no rich.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from digestctl.cli._common import handle_errors, state

if TYPE_CHECKING:
    from digestctl.checks import CheckReport
    from digestctl.drafts import Draft
    from digestctl.workspace import Workspace

PANEL = "Publish"


class ExportFormat(StrEnum):
    MD = "md"
    HTML = "html"
    TEXT = "text"
    JSON = "json"


DraftArgument = Annotated[
    str | None,
    typer.Argument(help="The draft's name (default: the current draft).", show_default=False),
]


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(export)
    app.command(rich_help_panel=PANEL)(templates)
    app.command(rich_help_panel=PANEL)(check)


# -- export ------------------------------------------------------------------------------


@handle_errors
def export(
    ctx: typer.Context,
    name: DraftArgument = None,
    fmt: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="md, html, text or json (default: from -o's extension, else md).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (atomically) instead of stdout; '-' is stdout.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            "-t",
            help="Render with this Jinja2 template file instead of the default.",
            show_default=False,
        ),
    ] = None,
    fragment: Annotated[
        bool,
        typer.Option(
            "--fragment",
            help="HTML body content only, for pasting into a newsletter service "
            "(implies --format html).",
        ),
    ] = False,
    with_text: Annotated[
        bool,
        typer.Option(
            "--with-text",
            help="JSON only: add each entry's full text (as stored; `digestctl show ID` "
            "reads one that is missing).",
        ),
    ] = False,
) -> None:
    """Export a draft as the finished round-up: Markdown, email-safe HTML, text or JSON.

    To stdout (nothing else goes there, so it pipes), or to a file with -o, whose
    extension (.md .html .txt .json) sets the format. A workspace templates/ folder
    overrides the default templates by name (see `digestctl templates`).

    \b
    Examples:
      digestctl export --format html -o issue.html
      digestctl export | pandoc -f markdown -o issue.docx
      digestctl export --fragment | pbcopy      # HTML body for a newsletter service
    """
    from digestctl import drafts

    to_file = output is not None and str(output) != "-"
    chosen = _export_format(fmt, output if to_file else None, template, fragment=fragment)
    if fragment and chosen != "html":
        from digestctl.errors import UsageError

        raise UsageError(f"--fragment applies to HTML only, not {chosen}", hint="add --format html")
    if with_text and chosen != "json":
        from digestctl.errors import UsageError

        raise UsageError(
            f"--with-text applies to JSON only, not {chosen}", hint="add --format json"
        )
    ws = state(ctx).workspace()
    path = _draft_path(ws, name)
    draft = drafts.load_draft(path)
    _refuse_empty(draft)
    for warning in _link_warnings(draft):
        _note(f"warning: {warning}")
    from digestctl.export import render_draft

    texts = _texts(ws, [e.id for e in draft.entries]) if with_text else None
    text = render_draft(
        draft,
        chosen,
        template=template,
        fragment=fragment,
        templates_dir=ws.templates_dir,
        texts=texts,
    )
    if output is None or not to_file:
        write_document(text)
        return
    _write_file(output, text)
    count = len(draft.entries)
    _note(
        f"wrote {output} ({chosen}, {count} entr{'y' if count == 1 else 'ies'} "
        f"from draft {draft.name})"
    )


def _texts(ws: Workspace, ids: list[str]) -> dict[str, str | None]:
    from digestctl.fulltext import get_text
    from digestctl.store import Store

    texts: dict[str, str | None] = {}
    with Store(ws.db_path) as store:
        found = store.get_texts(ids)
        for i in ids:
            # A feed body not read yet is read now (no network).
            text = found.get(i) or get_text(store, i)
            texts[i] = text.text if text else None
    return texts


def write_document(text: str) -> None:
    """A document on stdout as UTF-8, whatever the locale: it is a file's content (the HTML
    says utf-8), and `| pandoc` expects UTF-8 (a Latin-1 terminal must not make it fail)."""
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:
        sys.stdout.write(text)
    else:
        sys.stdout.flush()
        binary.write(text.encode("utf-8"))
        binary.flush()


def _export_format(
    fmt: ExportFormat | None, output: Path | None, template: Path | None, *, fragment: bool
) -> str:
    """--format, else what -o's extension says, else the template's (x.html.j2), else html
    for --fragment, else md. A weaker hint that disagrees is worth a warning: Markdown in
    issue.html is a slip."""
    from digestctl.export import format_from_suffix

    implied = format_from_suffix(output) if output is not None else None
    by_template = format_from_suffix(template.name.removesuffix(".j2")) if template else None
    if fmt is not None:
        chosen = fmt.value
    elif output is not None:
        if implied is None:
            from digestctl.errors import UsageError

            raise UsageError(
                f"cannot tell the export format from the file name {output.name!r}",
                hint="name it .md, .html, .txt or .json, or pass --format "
                "(for other formats: digestctl export | pandoc -f markdown -o FILE)",
            )
        chosen = implied
    else:
        chosen = by_template or ("html" if fragment else "md")
    for what, other in (("-o " + str(output), implied), ("--template", by_template)):
        if other is not None and other != chosen:
            _note(f"warning: writing {chosen} although {what} suggests {other}")
    return chosen


def _note(message: str) -> None:
    # Imported when there is something to say: output pulls in the data model.
    from digestctl.output import print_note

    print_note(message)


def _draft_path(ws: Workspace, name: str | None) -> Path:
    """The named draft, else the current one. The usual case reads one small file; anything
    amiss goes to picks.choose_draft, which owns the rules and the messages. (Importing
    picks, with the store and models behind it, would cost export ~10 ms at every start.)"""
    from digestctl.drafts import check_draft_name

    chosen = name
    if chosen is None:
        try:
            chosen = ws.current_draft_file.read_text(encoding="utf-8").strip() or None
        except OSError:
            chosen = None
    if chosen is not None:
        path = ws.drafts_dir / f"{check_draft_name(chosen)}.toml"
        if path.is_file():
            return path
    from digestctl.picks import choose_draft

    return choose_draft(ws, name).path


def _refuse_empty(draft: Draft) -> None:
    # An empty round-up is never what anyone means to send, and with -o it would replace
    # a good export: fail rather than warn.
    if not draft.entries:
        from digestctl.errors import DraftError

        raise DraftError(
            f"draft {draft.name!r} has no entries: nothing to export",
            hint="pick stories with `digestctl review` or `digestctl pick ID` first",
        )


def _link_warnings(draft: Draft) -> list[str]:
    """Entries whose link the export cannot emit (a file: or javascript: URL)."""
    from digestctl.export import safe_link

    return [
        f"entry {e.id} ({e.title or 'untitled'}): its link {e.url!r} is not http(s) or "
        "mailto, so it is exported as plain text"
        for e in draft.entries
        if e.url and safe_link(e.url) is None
    ]


def _write_file(path: Path, text: str) -> None:
    from digestctl.workspace import write_atomic

    if not path.parent.is_dir():
        from digestctl.errors import ExportError

        raise ExportError(
            f"cannot write {path}: the folder {path.parent} does not exist",
            hint="create it first, or write somewhere else",
        )
    write_atomic(path, text)  # a full or read-only disk is its WorkspaceError, in one line


# -- templates ---------------------------------------------------------------------------


@handle_errors
def templates(
    ctx: typer.Context,
    copy: Annotated[
        list[str] | None,
        typer.Option(
            "--copy",
            help="Copy a default template into templates/ to customise it: md, html, text "
            "or its file name. Repeatable.",
            show_default=False,
        ),
    ] = None,
    copy_all: Annotated[
        bool, typer.Option("--all", help="Copy every default template not yet customised.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a customised template with the default.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List the export templates, or copy a default into templates/ to customise it.

    A file in the workspace's templates/ folder overrides the default of the same name;
    {% include "default/roundup.md.j2" %} or {% extends … %} still reaches the default.
    `export --template FILE` uses any one file instead.

    JSON keys: name, format, used, path, overrides.

    \b
    Examples:
      digestctl templates --copy html     # then edit templates/roundup.html.j2
      digestctl templates --json | jq -r '.[] | select(.used == "workspace") | .path'
    """
    from digestctl import output

    ws = state(ctx).workspace()
    if copy and copy_all:
        from digestctl.errors import UsageError

        raise UsageError("--copy and --all both say what to copy; use one")
    if copy or copy_all:
        _copy_templates(ws, copy or [], force=force)
        return
    if force:
        from digestctl.errors import UsageError

        raise UsageError("--force goes with --copy or --all")
    rows = _template_rows(ws)
    if json_out:
        output.print_json(rows)
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("name", "format", "used", "path"):
        table.add_column(column, no_wrap=column != "path", overflow="fold")
    for row in rows:
        used = str(row["used"])
        style = {"workspace": "green", "unused": "dim"}.get(used)
        table.add_row(
            str(row["name"]),
            str(row["format"] or ""),
            f"[{style}]{used}[/]" if style else used,
            str(row["path"]),
        )
    output.console().print(table)
    if not any(row["used"] == "workspace" for row in rows):
        output.print_note("to customise one: digestctl templates --copy html (or md, text)")


def _template_rows(ws: Workspace) -> list[dict[str, object]]:
    """The default templates (and whether the workspace overrides them), then any other
    file in templates/ (usable with --template, or included by an override)."""
    from digestctl.export import DEFAULT_TEMPLATES, TEMPLATE_NAMES, format_from_suffix

    rows: list[dict[str, object]] = []
    for fmt, name in TEMPLATE_NAMES.items():
        custom = ws.templates_dir / name
        if custom.is_file():
            rows.append(_row(name, fmt, "workspace", custom, overrides=True))
        rows.append(
            _row(name, fmt, "unused" if custom.is_file() else "default", DEFAULT_TEMPLATES / name)
        )
    known = set(TEMPLATE_NAMES.values())
    if ws.templates_dir.is_dir():
        for path in sorted(ws.templates_dir.iterdir()):
            if path.is_file() and path.name not in known and not path.name.startswith("."):
                implied = format_from_suffix(path.name.removesuffix(".j2"))
                rows.append(_row(path.name, implied, "with --template", path))
    return rows


def _row(
    name: str, fmt: str | None, used: str, path: Path, *, overrides: bool = False
) -> dict[str, object]:
    return {"name": name, "format": fmt, "used": used, "path": str(path), "overrides": overrides}


def _copy_templates(ws: Workspace, wanted: list[str], *, force: bool) -> None:
    from digestctl.errors import ExportError, UsageError
    from digestctl.export import DEFAULT_TEMPLATES, TEMPLATE_NAMES
    from digestctl.output import print_note
    from digestctl.workspace import write_atomic

    by_word = {**TEMPLATE_NAMES, "txt": TEMPLATE_NAMES["text"], "markdown": TEMPLATE_NAMES["md"]}
    names: list[str] = []
    for word in wanted:
        name = by_word.get(word.lower(), word)
        if name not in TEMPLATE_NAMES.values():
            choices = ", ".join([*TEMPLATE_NAMES, *TEMPLATE_NAMES.values()])
            raise UsageError(f"no default template {word!r}", hint=f"choose one of {choices}")
        names.append(name)
    explicit = bool(names)
    names = list(dict.fromkeys(names or TEMPLATE_NAMES.values()))
    existing = [n for n in names if (ws.templates_dir / n).exists()]
    if existing and explicit and not force:
        raise ExportError(
            f"templates/{existing[0]} exists already (your customised copy); nothing was copied",
            hint="edit it, or pass --force to replace it with the default (losing your changes)",
        )
    ws.templates_dir.mkdir(exist_ok=True)
    copied = []
    for name in names:
        target = ws.templates_dir / name
        if name in existing and not force:
            print_note(f"kept templates/{name} (customised already; --force replaces it)")
            continue
        write_atomic(target, (DEFAULT_TEMPLATES / name).read_text(encoding="utf-8"))
        verb = "replaced" if name in existing else "copied"
        print_note(f"{verb} templates/{name} ({target})")
        copied.append(name)
    if copied:
        print_note(
            "edit it: the export now uses your copy; "
            '{% include "default/' + copied[0] + '" %} still reaches the default'
        )


# -- check -------------------------------------------------------------------------------


@handle_errors
def check(
    ctx: typer.Context,
    name: DraftArgument = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
    timeout: Annotated[
        float,
        typer.Option("--timeout", min=0.1, max=600, help="Seconds to wait for each link."),
    ] = 15.0,
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not verify links; only the editorial checks.")
    ] = False,
) -> None:
    """Look over a draft before sending: dead and moved links, stories already featured in
    another draft, entries without a note, old news, and the issue's balance (entries per
    section, source and tag).

    Every link (entries and the links inside notes and the intro) is fetched concurrently.
    Exit status: 0 all clear, 3 something needs attention.

    JSON keys: draft, path, needs_attention, attention, links, entries, balance, warnings.

    Example: digestctl check && digestctl export --format html -o issue.html
    """
    from digestctl import checks, output

    ws = state(ctx).workspace()
    path = _draft_path(ws, name)
    progress = sys.stderr.isatty() and not json_out
    report = checks.check_draft(
        ws,
        path,
        timeout=timeout,
        verify_links=not offline,
        on_start=(lambda n: output.print_note(f"checking {n} links…")) if progress else None,
    )
    if json_out:
        output.print_json(checks.format_check_report(report))
    else:
        _print_check(report)
    raise typer.Exit(report.exit_code)


def _print_check(report: CheckReport) -> None:
    from rich.markup import escape
    from rich.table import Table

    from digestctl import output
    from digestctl.checks import LinkStatus

    console = output.console()
    console.print(
        f"[bold]{escape(report.title)}[/] · draft {escape(report.draft)} · "
        f"{len(report.entries)} entries · {len(report.links)} links"
    )
    shown = [link for link in report.links if report.links_verified or link.attention]
    if shown:
        table = Table(box=None, pad_edge=False, header_style="bold", title_justify="left")
        table.add_column("link", no_wrap=True)
        table.add_column("entry", no_wrap=True, style="cyan")
        table.add_column("url / what happened", ratio=1, overflow="fold")
        colours = {
            LinkStatus.OK: "green",
            LinkStatus.REDIRECTED: "green",
            LinkStatus.SKIPPED: "dim",
        }
        for link in shown:
            colour = colours.get(link.status, "red" if link.attention else "yellow")
            detail = escape(link.url)
            if link.detail:
                detail += f"\n[{colour}]{escape(link.detail)}[/]"
            table.add_row(
                f"[{colour}]{link.status.value}[/]", escape(", ".join(link.entries)), detail
            )
        console.print()
        console.print(table)
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("entry", "section", "source", "age", "note", "title"):
        table.add_column(column, no_wrap=column != "title", ratio=1 if column == "title" else None)
    for e in report.entries:
        title = escape(e.title or e.url)
        for warning in e.warnings:
            title += f"\n[yellow]⚠ {escape(warning)}[/]"
        table.add_row(
            f"[cyan]{e.id}[/]",
            escape(e.section),
            escape(e.source or "—"),
            e.age_label,
            "yes" if e.has_note else "[yellow]no[/]",
            title,
        )
    console.print()
    console.print(table)
    console.print()
    for label, counts in (
        ("sections", report.balance.sections),
        ("sources", report.balance.sources),
        ("tags", report.balance.tags),
    ):
        if counts:
            spread = " · ".join(f"{escape(k)} {n}" for k, n in counts)
            console.print(f"[bold]{label}:[/] {spread}")
    for warning in report.warnings:
        console.print(f"[yellow]⚠ {escape(warning)}[/]")
    unverified = "" if report.links_verified else " (links not verified: --offline)"
    n = report.attention
    if n:
        console.print(
            f"[bold yellow]{n} thing{'s' * (n != 1)} need{'s' * (n == 1)} attention[/]{unverified}"
        )
    else:
        console.print(f"[bold green]all clear[/]{unverified}")
