"""Everything the terminal sees: rich tables and progress on stderr/stdout, JSON emitters,
one-line errors. `format_*` return text or data; `print_*` write. rich is imported lazily so
that `--json` paths start fast.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from digestctl.errors import DigestError
from digestctl.models import Item
from digestctl.urls import without_login

if TYPE_CHECKING:
    from rich.console import Console

    from digestctl.core import FetchReport, SourceOutcome
    from digestctl.models import Source
    from digestctl.picks import Placement
    from digestctl.store import ItemJson, SourceState


def use_color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, no_color="NO_COLOR" in os.environ, highlight=False, soft_wrap=False)


def print_error(e: DigestError | str) -> None:
    """One actionable line on stderr (plus an indented hint)."""
    lines = str(e).splitlines() or ["error"]
    red = use_color(sys.stderr)
    for i, line in enumerate(lines):
        if line.startswith("  hint:"):
            text = f"\x1b[2m{line}\x1b[0m" if red else line
        elif i == 0 or not line.startswith(" "):
            text = f"\x1b[31merror:\x1b[0m {line}" if red else f"error: {line}"
        else:
            text = line
        print(text, file=sys.stderr)


def print_note(message: str) -> None:
    """A human-facing message: stderr, so stdout stays data."""
    print(message, file=sys.stderr)


# -- JSON --------------------------------------------------------------------------------


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def format_item(item: Item, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The stable JSON shape of an item (keys documented in the README)."""
    data: dict[str, Any] = {
        "id": item.id,
        "source": item.source,
        "title": item.title,
        "url": item.url,
        "summary": item.summary,
        "published": iso(item.published),
        "author": item.author,
        "site": item.site,
        "status": item.status.value,
        "first_seen": iso(item.first_seen),
    }
    if extra:
        data.update(extra)
    return data


def print_items_json(
    rows: Sequence[ItemJson], extras: Mapping[str, Mapping[str, Any]], *, lines: bool
) -> None:
    """`items --json`/`--nl`: rows serialised by SQLite, each given its `extras` keys
    (or DEFAULT_ITEM_EXTRAS) without a round trip through Python objects."""
    default_tail = "," + json.dumps(DEFAULT_ITEM_EXTRAS)[1:]
    pieces = [
        row.json[:-1]
        + (
            "," + json.dumps(dict(extras[row.id]), ensure_ascii=False)[1:]
            if row.id in extras
            else default_tail
        )
        for row in rows
    ]
    if lines:
        sys.stdout.write("".join(p + "\n" for p in pieces))
    elif sys.stdout.isatty():
        print_json([json.loads(p) for p in pieces])
    else:
        sys.stdout.write("[" + ",".join(pieces) + "]\n")


DEFAULT_ITEM_EXTRAS: Mapping[str, Any] = {"draft": None, "featured_in": []}


def print_json(data: Any, *, lines: bool = False) -> None:
    """JSON on stdout: one document, or with `lines` one object per line (for `jq -c`, `wc`)."""
    out = sys.stdout
    if lines and isinstance(data, list):
        out.write("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in data))
    else:
        # Indented for a person; compact for a pipe, where the C encoder is ~5x faster.
        indent = 2 if out.isatty() else None
        out.write(json.dumps(data, ensure_ascii=False, indent=indent) + "\n")


# -- tables ------------------------------------------------------------------------------


def _ago(dt: datetime | None, now: datetime | None = None) -> str:
    if dt is None:
        return "never"
    seconds = ((now or datetime.now(UTC)) - dt).total_seconds()
    if seconds < 0:
        return dt.strftime("%Y-%m-%d")
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return "just now"


def print_items_table(
    items: Sequence[Item],
    notes: Mapping[str, str] | None = None,
    placements: Mapping[str, Placement] | None = None,
    why: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """`placements` (item id -> the draft it is in, other drafts holding the same story)
    adds a draft column and an "already featured" warning under the title; `why` (item id
    -> the reasons for its rank) a dim line of reasons under it."""
    if not items:
        print_note("no items match; `digestctl fetch` gathers new ones")
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("source", style="magenta", no_wrap=True, max_width=18)
    table.add_column("status", no_wrap=True)
    placed = placements or {}
    if placed:
        table.add_column("draft", no_wrap=True)
    table.add_column("title", ratio=1)
    styles = {"new": "", "picked": "green", "skipped": "dim"}
    for item in items:
        date = (item.published or item.first_seen).strftime("%Y-%m-%d")
        title = _escape(item.title or item.url or "(untitled)")
        note = (notes or {}).get(item.id)
        if note:
            title += f"\n[yellow]{_escape(note)}[/]"
        place = placed.get(item.id)
        if place is not None and place.featured_in:
            verb = "also in" if place.draft else "already featured in"
            title += f"\n[bold yellow]⚠ {verb} {_escape(', '.join(place.featured_in))}[/]"
        reasons = (why or {}).get(item.id)
        if reasons:
            title += f"\n[dim]{_escape(' · '.join(reasons[:2]))}[/]"
        status = item.status.value
        cells = [
            item.id,
            date,
            item.source,
            f"[{styles[status]}]{status}[/]" if styles.get(status) else status,
        ]
        if placed:
            cells.append(_escape(place.draft or "") if place else "")
        table.add_row(*cells, title)
    console().print(table)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def print_sources_table(
    sources: Sequence[Source], states: Mapping[str, SourceState], now: datetime | None = None
) -> None:
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("name", no_wrap=True, style="magenta")
    table.add_column("type", no_wrap=True)
    table.add_column("items", no_wrap=True, justify="right")
    table.add_column("last success", no_wrap=True)
    table.add_column("status", ratio=1, min_width=12)
    table.add_column("url", ratio=1, overflow="fold", min_width=20)
    for s in sources:
        st = states.get(s.name)
        if st is None or st.last_attempt is None:
            status = "[dim]not fetched yet[/]"
        elif st.last_error:
            status = f"[red]{_escape(st.last_error)}[/] ({st.consecutive_failures}×)"
        else:
            status = "[green]ok[/]"
        if st is not None and st.moved_to:
            status += f"\n[yellow]moved permanently to {_escape(st.moved_to)}[/]"
        table.add_row(
            s.name,
            s.type.value,
            str(st.items if st else 0),
            _ago(st.last_success if st else None, now),
            status,
            _escape(without_login(s.url)),
        )
    console().print(table)


@contextmanager
def fetch_progress(total: int, enabled: bool) -> Iterator[Any]:
    """A progress bar on stderr while sources complete; yields a callback for each outcome."""
    if not enabled or total == 0:
        yield lambda outcome: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("fetching"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("", total=total)

        def advance(outcome: SourceOutcome) -> None:
            progress.update(task, advance=1, description=outcome.name)

        yield advance


def format_fetch_report(report: FetchReport) -> dict[str, Any]:
    return {
        "elapsed": round(report.elapsed, 3),
        "new_items": report.new_items,
        "failed": len(report.failed),
        "exit_code": report.exit_code,
        "sources": [
            {
                "name": o.name,
                "url": without_login(o.url),
                "outcome": o.outcome.value,
                "new": o.new,
                "seen": o.seen,
                "filtered": o.filtered,
                "duplicates": o.duplicates,
                "error": o.error,
                "error_kind": o.error_kind,
                "moved_to": o.moved_to,
                "consecutive_failures": o.consecutive_failures,
                "needs_attention": o.alert,
                "elapsed": round(o.elapsed, 3),
                "warnings": list(o.warnings),
            }
            for o in report.outcomes
        ],
    }


def format_failure_line(o: SourceOutcome) -> str:
    streak = (
        f" (failing {o.consecutive_failures} runs in a row)" if o.consecutive_failures > 1 else ""
    )
    return f"{o.name}: {o.error}{streak}"


def print_fetch_summary(report: FetchReport, *, table: bool) -> None:
    """A table of what each source brought (on a terminal), then failures, moves, totals."""
    if table:
        from rich.table import Table

        t = Table(box=None, pad_edge=False, header_style="bold")
        for name in ("source", "new", "seen", "result"):
            t.add_column(name, justify="right" if name in ("new", "seen") else "left")
        labels = {
            "ok": "[green]ok[/]",
            "not_modified": "[dim]unchanged (304)[/]",
            "not_due": "[dim]not due yet (server asked to wait; --force to override)[/]",
        }
        for o in report.outcomes:
            label = labels.get(o.outcome.value) or f"[red]{_escape(o.error or 'failed')}[/]"
            t.add_row(o.name, str(o.new), str(o.seen), label)
        console(stderr=True).print(t)
    for o in report.outcomes:
        if o.moved_to:
            print_note(
                f"{o.name}: moved permanently to {o.moved_to} — update its url in sources.toml"
            )
        for w in o.warnings:
            print_note(f"{o.name}: {w}")
    for o in report.failed:
        if not table:
            print_note(f"failed: {format_failure_line(o)}")
    print_note(
        f"{report.new_items} new item{'s' * (report.new_items != 1)} from "
        f"{len(report.outcomes) - len(report.failed)}/{len(report.outcomes)} sources "
        f"in {report.elapsed:.1f}s" + (f"; {len(report.failed)} failed" if report.failed else "")
    )


def print_cron_alerts(report: FetchReport) -> None:
    """--quiet: only what needs a person — sources failing for a while, and moved feeds."""
    for o in report.outcomes:
        if o.outcome.value == "failed" and o.alert:
            print_note(f"digestctl: {format_failure_line(o)}")
        elif o.moved_to:
            print_note(
                f"digestctl: {o.name}: moved permanently to {o.moved_to} — update sources.toml"
            )
