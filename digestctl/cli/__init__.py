"""The Typer application: parse options, call the core, hand results to output."""

from __future__ import annotations

import typer

from digestctl import __version__

app = typer.Typer(
    name="digestctl",
    help="Assemble a newsletter round-up from feeds and web pages.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"digestctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Assemble a newsletter round-up from feeds and web pages."""


def main() -> None:
    app()
