"""What every command shares: the app state on ctx.obj, error handling, option parsing."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer

from digestctl.errors import DigestError, UsageError

if TYPE_CHECKING:
    from digestctl.workspace import Workspace


# `--sort` of `items` and `review`.
SortOption = Annotated[
    str,
    typer.Option(
        "--sort",
        help="Order: score (likeliest picks first, learned from your picks and skips), "
        "newest, or source.",
    ),
]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class AppState:
    workspace_dir: Path | None = None
    debug: bool = False

    def workspace(self) -> Workspace:
        from digestctl.workspace import find_workspace

        return find_workspace(self.workspace_dir)


def state(ctx: typer.Context) -> AppState:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, AppState) else AppState()


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn a DigestError into one line on stderr and its exit code (traceback with --debug);
    Ctrl-C into a calm message: everything finished so far is saved."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        ctx = kwargs.get("ctx")
        try:
            return fn(*args, **kwargs)
        except DigestError as e:
            # Typer hands over its own Context class, not always typer.Context: duck-type it.
            if hasattr(ctx, "find_root") and state(ctx).debug:  # type: ignore[arg-type]
                raise
            from digestctl.output import print_error

            print_error(e)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            print("\ninterrupted: everything finished before Ctrl-C is saved", file=sys.stderr)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # `digestctl items | head`: the reader left; that is not an error.
            sys.stderr.close()
            raise typer.Exit(0) from None

    return wrapper


_RELATIVE = re.compile(r"^(\d+)\s*([hdw])$")


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """`--since`: an ISO date/time, or a span back from now: 24h, 7d, 2w."""
    if value is None:
        return None
    now = now or datetime.now(UTC)
    m = _RELATIVE.match(value.strip().lower())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return now - timedelta(hours=n * {"h": 1, "d": 24, "w": 168}[unit])
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(
            f"--since {value!r}: not a date", hint="use a date like 2026-11-01, or 24h, 7d, 2w"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def json_option(help_text: str = "Print JSON (a list with stable keys) instead of a table.") -> Any:
    return typer.Option(False, "--json", help=help_text)
