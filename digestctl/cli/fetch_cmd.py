"""`digestctl fetch`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from digestctl.cli._common import handle_errors, state


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Gather")
    @handle_errors
    def fetch(
        ctx: typer.Context,
        sources: Annotated[
            list[str] | None,
            typer.Argument(help="Source names to fetch (default: all).", show_default=False),
        ] = None,
        quiet: Annotated[
            bool,
            typer.Option(
                "--quiet",
                "-q",
                help="For cron: print only what needs a person (a source failing 3 runs in a "
                "row or for over a day, a feed that moved).",
            ),
        ] = False,
        json_out: Annotated[
            bool, typer.Option("--json", help="Print a summary object on stdout.")
        ] = False,
        force: Annotated[
            bool,
            typer.Option("--force", help="Fetch even sources whose server asked us to wait."),
        ] = False,
    ) -> None:
        """Fetch every source concurrently and remember new items.

        Exit status: 0 all sources fine, 3 some failed (the rest were saved), 1 none could
        be fetched. Only one fetch runs at a time per workspace.

        \b
        Example (crontab, hourly; cron mails you only what needs a person):
          0 * * * *  digestctl -w ~/newsletter fetch --quiet
        """
        from digestctl import output
        from digestctl.config import load_config
        from digestctl.core import run_fetch
        from digestctl.errors import ConfigError
        from digestctl.store import Store
        from digestctl.workspace import exclusive_lock

        ws = state(ctx).workspace()
        config = load_config(ws.sources_path)
        chosen = config.select(sources or [])
        if not chosen:
            raise ConfigError(
                [f"{ws.sources_path}: no sources to fetch"],
                hint="add one with `digestctl sources add URL` (or edit sources.toml)",
            )
        ws.ensure_state_dir()
        interactive = sys.stderr.isatty() and not quiet and not json_out
        with (
            exclusive_lock(ws.state_dir / "fetch.lock", "another `digestctl fetch`"),
            Store(ws.db_path) as store,
            output.fetch_progress(len(chosen), interactive) as advance,
        ):
            report = run_fetch(store, chosen, config.fetch, force=force, on_outcome=advance)
        if json_out:
            output.print_json(output.format_fetch_report(report))
            if not quiet:
                for o in report.failed:
                    output.print_note(f"failed: {output.format_failure_line(o)}")
        elif quiet:
            output.print_cron_alerts(report)
        else:
            output.print_fetch_summary(report, table=interactive)
        raise typer.Exit(report.exit_code)
