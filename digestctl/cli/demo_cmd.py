"""`digestctl demo`: the whole pipeline, offline, on the samples bundled in the package."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from digestctl.cli._common import handle_errors


class DemoFormat(StrEnum):
    MD = "md"
    HTML = "html"


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Workspace")(demo)


@handle_errors
def demo(
    ctx: typer.Context,
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="Where to make the demo workspace (default: a new temporary folder).",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        DemoFormat,
        typer.Option("--format", "-f", case_sensitive=False, help="The round-up's format."),
    ] = DemoFormat.MD,
) -> None:
    """See the whole pipeline in one command, offline: make a workspace over sample feeds
    and pages bundled with digestctl, fetch them, pick a lead story and a round-up with
    the editor's notes, and print the exported round-up.

    The round-up goes to stdout; what happens goes to stderr. The workspace stays, to
    explore (`digestctl items`, `review`, `export --format html -o issue.html`).

    Example: digestctl demo ~/digestctl-demo > issue.md
    """
    import tempfile

    from digestctl.cli.export_cmd import write_document
    from digestctl.demo import run_demo
    from digestctl.export import render_draft
    from digestctl.output import print_note

    root = directory if directory is not None else Path(tempfile.mkdtemp(prefix="digestctl-demo-"))
    result = run_demo(root, progress=lambda line: print_note(f"demo: {line}"))
    ws = result.workspace
    text = render_draft(result.draft, fmt.value, templates_dir=ws.templates_dir)
    print_note(f"demo: the round-up as {'Markdown' if fmt is DemoFormat.MD else 'HTML'}:\n")
    write_document(text)
    print_note(
        f"\ndemo: explore it: cd {ws.root}\n"
        "  digestctl items                 the candidates fetched\n"
        "  digestctl draft show            the draft, as the export reads it\n"
        "  digestctl review                pick, skip and annotate, one key per decision\n"
        "  digestctl check --offline       what to look at before sending\n"
        "  digestctl export --format html -o issue.html"
    )
