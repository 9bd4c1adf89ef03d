"""The Typer application: parse options, call the core, hand results to output. Thin.

Command modules import only typer and the standard library at the top, so that start-up
stays fast; the core, the network and rich load inside the command that needs them. The
`digestctl` executable builds only the command it runs (Typer turns every registered
command into a parser up front: ~10 ms for all of them); `app` is the whole application.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from digestctl import __version__
from digestctl.cli._common import AppState

# Which module registers each top-level command, in the order `--help` lists them.
COMMAND_MODULES = {
    "init": "workspace_cmd",
    "fetch": "fetch_cmd",
    "items": "items_cmd",
    "stories": "stories_cmd",
    "add": "add_cmd",
    "show": "show_cmd",
    "prune": "show_cmd",
    "pick": "pick_cmd",
    "unpick": "pick_cmd",
    "skip": "pick_cmd",
    "note": "pick_cmd",
    "move": "pick_cmd",
    "undo": "pick_cmd",
    "review": "pick_cmd",
    "export": "export_cmd",
    "templates": "export_cmd",
    "check": "export_cmd",
    "demo": "demo_cmd",
    "sources": "sources_cmd",
    "draft": "draft_cmd",
    "rank": "rank_cmd",
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"digestctl {__version__}")
        raise typer.Exit()


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


def make_app(modules: Iterable[str] | None = None) -> typer.Typer:
    """The application with the commands of `modules` (default: every command)."""
    app = typer.Typer(
        name="digestctl",
        help="Assemble a newsletter round-up from feeds and web pages.",
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    for module in dict.fromkeys(COMMAND_MODULES.values() if modules is None else modules):
        importlib.import_module(f"digestctl.cli.{module}").register(app)
    return app


def command_named(argv: Sequence[str]) -> str | None:
    """The command a command line runs, past the global options; None if there is none."""
    args = iter(argv)
    for arg in args:
        if arg in ("-w", "--workspace"):
            next(args, None)
        elif arg.startswith(("--workspace=", "-w")) or arg == "--debug":
            continue
        elif arg.startswith("-"):
            return None
        else:
            return arg
    return None


def _modules_for(argv: Sequence[str]) -> list[str] | None:
    name = command_named(argv)
    if name in COMMAND_MODULES:
        return [COMMAND_MODULES[name]]
    if name is None and "--version" in argv and not {"-h", "--help"} & set(argv):
        return []
    return None  # help, no command, or an unknown one: the whole app, to list them all


def __getattr__(name: str) -> Any:
    # `from digestctl.cli import app` (tests, embedding) gets the whole application, built
    # on first use so that the executable does not pay for it.
    if name == "app":
        globals()["app"] = make_app()
        return globals()["app"]
    raise AttributeError(name)


def main() -> None:
    make_app(_modules_for(sys.argv[1:]))()
