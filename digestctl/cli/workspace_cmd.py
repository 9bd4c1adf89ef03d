"""`digestctl init`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digestctl.cli._common import handle_errors


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Workspace")
    @handle_errors
    def init(
        ctx: typer.Context,
        directory: Annotated[
            Path, typer.Argument(help="Where to create the workspace.", show_default=False)
        ] = Path("."),
    ) -> None:
        """Create a workspace: sources.toml (a commented template), drafts/, state.

        Safe to run again: nothing that exists is overwritten.

        Example: digestctl init ~/newsletter && cd ~/newsletter
        """
        from digestctl.output import print_note
        from digestctl.workspace import init_workspace

        ws, made = init_workspace(directory)
        if made:
            print_note(f"initialised workspace {ws.root}: made {', '.join(made)}")
        else:
            print_note(f"{ws.root} is already a workspace; nothing changed")
        print_note("next: add sources with `digestctl sources add URL`, then `digestctl fetch`")
