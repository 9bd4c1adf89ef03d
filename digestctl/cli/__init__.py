"""The Typer application: parse options, call the core, hand results to output. Thin.

Command modules import only typer and the standard library at the top, so that start-up
stays fast; the core, the network and rich load inside the command that needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digestctl import __version__
from digestctl.cli._common import AppState

app = typer.Typer(
    name="digestctl",
    help="Assemble a newsletter round-up from feeds and web pages.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"digestctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            envvar="DIGESTCTL_WORKSPACE",
            help="Workspace folder (default: the nearest folder upwards with a sources.toml).",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks for errors (for bug reports).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Assemble a newsletter round-up from feeds and web pages.

    A workspace holds sources.toml (what to watch), drafts/ (round-ups) and hidden state.
    Start with `digestctl init`, or `digestctl demo` to see the whole pipeline offline.
    """
    ctx.obj = AppState(workspace_dir=workspace, debug=debug)


def _register() -> None:
    from digestctl.cli import (
        add_cmd,
        demo_cmd,
        draft_cmd,
        export_cmd,
        fetch_cmd,
        items_cmd,
        pick_cmd,
        sources_cmd,
        workspace_cmd,
    )

    workspace_cmd.register(app)
    fetch_cmd.register(app)
    items_cmd.register(app)
    add_cmd.register(app)
    sources_cmd.register(app)
    pick_cmd.register(app)
    draft_cmd.register(app)
    export_cmd.register(app)
    demo_cmd.register(app)


_register()


def main() -> None:
    app()
