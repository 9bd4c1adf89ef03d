"""Everything the terminal sees: rich tables and progress on stderr/stdout, JSON emitters,
one-line errors. `format_*` return text or data; `print_*` write. rich is imported lazily so
that `--json` paths start fast.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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
    from digestctl.store import ItemJson, ItemLine, SourceState


def stdout_is_terminal() -> bool:
    """Whether a person reads stdout (a table and a page), not a pipe or a file."""
    return sys.stdout.isatty()


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
        "story": item.story,
        "story_size": 1,
    }
    if extra:
        data.update(extra)
    return data


def print_items_json(
    rows: Iterable[tuple[ItemJson, Mapping[str, Any]]], *, lines: bool, pretty: bool = False
) -> None:
    """`items --json`/`--nl`, streamed: rows serialised by SQLite, each given its extra keys
    (draft, featured_in, score, why) without a round trip through Python objects. `pretty`
    indents (for a person at a terminal)."""

    def piece(row: ItemJson, extra: Mapping[str, Any]) -> str:
        return row.json[:-1] + "," + json.dumps(dict(extra), ensure_ascii=False)[1:]

    out = sys.stdout
    if pretty and not lines:
        pieces = (piece(r, e) for r, e in rows)
        _write_chunks(
            out,
            (
                ("[\n" if n == 0 else ",\n") + _indent(json.dumps(json.loads(text), indent=2))
                for n, text in enumerate(pieces)
            ),
            empty="[",
        )
        out.write("\n]\n")
    elif lines:
        _write_chunks(out, (piece(r, e) + "\n" for r, e in rows))
    else:
        _write_chunks(
            out, (("[" if n == 0 else ",") + piece(r, e) for n, (r, e) in enumerate(rows)), "["
        )
        out.write("]\n")


def _indent(text: str) -> str:
    return "  " + text.replace("\n", "\n  ")


def _write_chunks(out: TextIO, texts: Iterable[str], empty: str = "", size: int = 512) -> None:
    """Write `texts` a few hundred at a time: streamed, with few write calls. `empty` is
    written when there are none (the opening bracket the first text would have carried)."""
    chunk: list[str] = []
    wrote = False
    for text in texts:
        chunk.append(text)
        if len(chunk) >= size:
            out.write("".join(chunk))
            chunk.clear()
            wrote = True
    if chunk or not wrote:
        out.write("".join(chunk) if chunk else empty)


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
    outlets: Mapping[str, int] | None = None,
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
        more = (outlets or {}).get(item.id, 1) - 1
        if more > 0:
            title += f" [dim]+{more} outlet{'s' * (more != 1)}[/]"
        place = placed.get(item.id)
        if place is not None and place.covered:
            title += f"\n[yellow]⚠ {_escape(place.covered)}[/]"
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


# -- item lines: the streamed listing (a pipe, a file, or --all on a terminal) ------------

_ANSI = {"id": "36", "source": "35", "picked": "32", "skipped": "2", "warn": "33", "head": "1"}
LINE_SOURCE_WIDTH = 18


@dataclass(frozen=True)
class LineLayout:
    """Column widths of item lines, fixed before the first row (rows stream)."""

    draft_width: int = 0  # 0: no draft column (no draft holds anything)
    width: int | None = None  # cut titles to fit this many cells (a terminal); None: never
    color: bool = False


def _paint(text: str, style: str, color: bool) -> str:
    return f"\x1b[{_ANSI[style]}m{text}\x1b[0m" if color and style in _ANSI else text


def _cell(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def format_items_header(layout: LineLayout) -> str:
    cells = ["id".ljust(10), "date".ljust(10), "source".ljust(LINE_SOURCE_WIDTH), "status "]
    if layout.draft_width:
        cells.append("draft".ljust(layout.draft_width))
    return _paint("  ".join([*cells, "title"]), "head", layout.color)


def format_item_line(row: ItemLine, place: Placement | None, layout: LineLayout) -> str:
    """One item on one line: id, date, source, status, [draft], title (+ already featured)."""
    source = _cell(row.source, LINE_SOURCE_WIDTH)
    status = f"{row.status:<7}"
    if layout.color:
        head = (
            f"{_paint(f'{row.id:<10}', 'id', True)}  {row.date}  {_paint(source, 'source', True)}"
            f"  {_paint(status, row.status, True)}  "
        )
    else:
        head = f"{row.id:<10}  {row.date}  {source}  {status}  "
    if layout.draft_width:
        head += _cell((place.draft or "") if place else "", layout.draft_width) + "  "
    title = " ".join((row.title or row.url or "(untitled)").split())
    more = row.story_size - 1
    outlets = f" +{more} outlet{'s' * (more != 1)}" if more > 0 else ""
    warning = ""
    if place is not None and place.covered:
        warning = f"  ⚠ {place.covered}"
    if place is not None and place.featured_in:
        verb = "also in" if place.draft else "already featured in"
        warning += f"  ⚠ {verb} {', '.join(place.featured_in)}"
    if layout.width is not None:
        from rich.cells import cell_len, set_cell_size

        used = 10 + 10 + LINE_SOURCE_WIDTH + 7 + 2 * 4  # the cells before the title
        used += layout.draft_width + 2 if layout.draft_width else 0
        room = max(layout.width - used - cell_len(warning) - len(outlets) - 1, 20)
        if cell_len(title) > room:
            title = set_cell_size(title, room - 1).rstrip() + "…"
    return head + title + outlets + (_paint(warning, "warn", layout.color) if warning else "")


def print_items_lines(rows: Iterable[tuple[ItemLine, Placement | None]], layout: LineLayout) -> int:
    """Write item lines as they come (constant memory); returns how many were written."""
    count = 0

    def lines() -> Iterator[str]:
        nonlocal count
        for row, place in rows:
            if count == 0:
                yield format_items_header(layout) + "\n"
            count += 1
            yield format_item_line(row, place, layout) + "\n"

    _write_chunks(sys.stdout, lines())
    return count


def format_more_items(shown_from: int, shown: int, total: int, page: int) -> str | None:
    """The footer under a page of items: how many more there are and how to see them."""
    end = shown_from + shown
    if total <= end and shown_from == 0:
        return None
    more = total - end
    where = (
        f"showing {shown_from + 1:,}–{end:,} of {total:,} items"
        if shown
        else (f"no items past {shown_from:,} (there are {total:,})")
    )
    if more <= 0:
        return where
    return (
        f"{where}; {more:,} more: --offset {end} for the next {min(page, more):,},"
        f" --limit N for N at once, --all for every one"
    )


def print_stories_table(rows: Sequence[Mapping[str, Any]]) -> None:
    """`digestctl stories`: each story, its size, then its items indented."""
    if not rows:
        print_note("no stories with more than one item; --all lists single ones too")
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("story", style="cyan", no_wrap=True)
    table.add_column("outlets", justify="right", no_wrap=True)
    table.add_column("item", style="cyan", no_wrap=True)
    table.add_column("source", style="magenta", no_wrap=True, max_width=18)
    table.add_column("title", ratio=1)
    for row in rows:
        for n, item in enumerate(row["items"]):
            table.add_row(
                row["story"] if n == 0 else "",
                str(row["size"]) if n == 0 else "",
                item["id"],
                item["source"],
                _escape(item["title"] or item["url"] or "(untitled)"),
            )
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
                "dropped_entries": o.dropped,
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
        if o.dropped:
            print_note(
                f"{o.name}: {o.dropped} entr{'y' if o.dropped == 1 else 'ies'} with no title,"
                " link or text left out"
            )
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
