"""`digestctl draft new|list|show|edit|use`: the round-ups in drafts/."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from digestctl.cli._common import handle_errors, state

if TYPE_CHECKING:
    from datetime import date

draft_app = typer.Typer(help="Start, list, read, edit and choose drafts.", no_args_is_help=True)

NameArgument = Annotated[
    str | None,
    typer.Argument(help="The draft's name (default: the current draft).", show_default=False),
]


def register(app: typer.Typer) -> None:
    app.add_typer(draft_app, name="draft", rich_help_panel="Edit")


@draft_app.command("new")
@handle_errors
def new(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Its name: letters, digits, '.', '_', '-'.")],
    title: Annotated[
        str | None, typer.Option("--title", "-t", help="Its title (default: from the date).")
    ] = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="The issue's date, e.g. 2026-11-29 (default: today)."),
    ] = None,
) -> None:
    """Start a draft; it becomes the current draft.

    Example: digestctl draft new 2026-12-06 --title "Round-up: 6 December 2026"
    """
    from digestctl import picks
    from digestctl.output import print_note

    day = _parse_date(date)
    ws = state(ctx).workspace()
    made = picks.new_draft(ws, name, title=title, day=day)
    print_note(f"started draft {made.name} (drafts/{made.name}.toml); it is now the current draft")


def _parse_date(value: str | None) -> date | None:
    import datetime as dt

    from digestctl.errors import UsageError

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(
            f"--date {value!r}: not a date", hint="use a date like 2026-11-29"
        ) from None


@draft_app.command("list")
@handle_errors
def list_drafts(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List the drafts, newest first; the current one is marked.

    JSON keys: name, title, date, entries, current, path, modified.

    Example: digestctl draft list --json | jq -r '.[0].name'
    """
    from digestctl import output, picks

    ws = state(ctx).workspace()
    archive = picks.load_archive(ws)
    current = picks.current_draft_name(ws)
    rows = [
        {
            "name": d.name,
            "title": d.title,
            "date": d.date.isoformat() if d.date else None,
            "entries": d.entries,
            "current": d.name == current,
            "path": str(d.path),
            "modified": output.iso(d.modified),
        }
        for d in reversed(archive.drafts)
    ]
    for problem in archive.problems:
        output.print_note(f"warning: {problem}")
    if json_out:
        output.print_json(rows)
        return
    if not rows:
        output.print_note("no drafts yet: `digestctl draft new NAME`, or just `digestctl pick ID`")
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("", "name", "date", "entries", "title"):
        table.add_column(column, no_wrap=column != "title")
    for row in rows:
        table.add_row(
            "*" if row["current"] else "",
            str(row["name"]),
            str(row["date"] or ""),
            str(row["entries"]),
            str(row["title"]),
        )
    output.console().print(table)


@draft_app.command("show")
@handle_errors
def show(ctx: typer.Context, name: NameArgument = None) -> None:
    """Read a draft as the export will read it (Markdown; rendered on a terminal).

    Example: digestctl draft show | less -R
    """
    from digestctl import output, picks
    from digestctl.drafts import load_draft
    from digestctl.export import render_draft

    ws = state(ctx).workspace()
    choice = picks.choose_draft(ws, name)
    draft = load_draft(choice.path)
    text = render_draft(draft, "md", templates_dir=ws.templates_dir)
    if sys.stdout.isatty():
        from rich.markdown import Markdown

        output.console().print(Markdown(text, hyperlinks=True))
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


@draft_app.command("edit")
@handle_errors
def edit(ctx: typer.Context, name: NameArgument = None) -> None:
    """Edit a draft's TOML in $VISUAL / $EDITOR; it is checked before it is saved.

    An invalid file is never saved: you are offered to reopen it, and your text is kept
    in .digestctl/ until it is. Entries you delete are unpicked; reorder [[entry]] blocks
    to reorder the round-up.

    Example: EDITOR=nano digestctl draft edit
    """
    from digestctl import picks
    from digestctl.drafts import display_path, loads_draft, save_draft_text
    from digestctl.editor import run_editor
    from digestctl.errors import DraftError
    from digestctl.output import print_error, print_note
    from digestctl.store import Store
    from digestctl.workspace import write_atomic

    ws = state(ctx).workspace()
    choice = picks.choose_draft(ws, name)
    original = choice.path.read_text(encoding="utf-8")
    ws.ensure_state_dir()
    copy = ws.state_dir / f"edit-{choice.name}.toml"
    base = ws.state_dir / f"edit-{choice.name}.base.toml"  # the draft as the edit began
    if copy.exists() and copy.read_text(encoding="utf-8") != original:
        print_note(f"an earlier edit of {choice.name} was not saved: it is in {copy}")
        if base.exists() and base.read_text(encoding="utf-8") != original:
            print_note(
                f"warning: {display_path(choice.path)} has changed since that edit began "
                f"(compare: diff {base} {choice.path}); saving it replaces those changes"
            )
        if not _ask("continue from it?"):
            copy.unlink()
    if not copy.exists():
        write_atomic(base, original)
        write_atomic(copy, original)

    def done() -> None:
        copy.unlink()
        base.unlink(missing_ok=True)

    while True:
        run_editor(copy)
        text = copy.read_text(encoding="utf-8")
        if text == original:
            done()
            print_note("no changes")
            return
        try:
            loads_draft(text, path=display_path(choice.path))
        except DraftError as e:
            print_error(e)
            if _ask("reopen the editor to fix it?"):
                continue
            print_note(
                f"not saved; your edit is kept in {copy} (`digestctl draft edit` resumes it)"
            )
            raise typer.Exit(1) from None
        try:
            save_draft_text(choice.path, text, if_unchanged=original)
        except DraftError as e:
            raise DraftError(
                e.message, hint=f"your version is kept in {copy}; merge it into the new file"
            ) from None
        done()
        break
    with Store(ws.db_path) as store:
        repair = picks.reconcile(ws, store)
    print_note(f"saved {display_path(choice.path)}")
    if repair.released:
        print_note(f"{len(repair.released)} deleted entries: their items are new again")
    if repair.picked:
        print_note(f"{len(repair.picked)} added entries: their items are marked picked")


def _ask(question: str) -> bool:
    try:
        return typer.confirm(question, default=True, err=True)
    except typer.Abort:  # no answer: stdin closed or not a terminal
        return False


@draft_app.command("use")
@handle_errors
def use(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The draft to make current.")]
) -> None:
    """Make a draft the current one: pick, review, note and export use it by default.

    Example: digestctl draft use 2026-11-29
    """
    from digestctl import picks
    from digestctl.output import print_note

    ws = state(ctx).workspace()
    choice = picks.choose_draft(ws, name)
    picks.set_current_draft(ws, choice.name)
    print_note(f"the current draft is now {choice.name}")
