"""Pictures of the review app's main screens at 80x24 and 120x40 (pytest-textual-snapshot:
SVGs in tests/__snapshots__/, compared on every run; `pytest --snapshot-update` after a
deliberate change, then look at the new pictures before committing them)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from editorial import NOW, link_story, make_workspace, story

from digestctl import picks
from digestctl.review.app import ReviewApp
from digestctl.review.rows import load_rows
from digestctl.store import NewItem, Store
from digestctl.workspace import Workspace

SOURCES = ("wire", "coalition", "rights-monitor", "community-desk")


def outlet(n: int, source: str) -> NewItem:
    url = f"https://{source}.example.net/{n}"
    base = story(n)
    return replace(
        base,
        id=f"{source[:4]}{n:06d}",
        key=url,
        url=url,
        source=source,
        summary=f"{source} on story {n}: the same news, told again.",
        published=NOW - timedelta(hours=n, minutes=7),
    )


@pytest.fixture
def app(tmp_path: Path) -> Iterator[ReviewApp]:
    ws: Workspace = make_workspace(tmp_path / "ws")
    picks.new_draft(ws, "issue-1", day=date(2026, 11, 29))
    items = [
        replace(
            story(n, source=SOURCES[n % len(SOURCES)]),
            author="A. Writer" if n % 2 else None,
        )
        for n in range(1, 41)
    ]
    with Store(ws.db_path) as store:
        store.upsert_items(items, NOW)
        store.upsert_items([outlet(2, "herald"), outlet(2, "courier")], NOW)
        link_story(store, story(2).id, outlet(2, "herald").id, outlet(2, "courier").id)
        plan = picks.plan_review(ws, store, with_candidates=False, now=NOW)
        assert plan.archive is not None
        rows = load_rows(store, plan.window)
        yield ReviewApp(plan.desk, rows, plan.window, archive=plan.archive, poll_seconds=0)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_list_and_preview(app: ReviewApp, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_after_a_pick_a_skip_and_two_marks(
    app: ReviewApp, snap_compare: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(app, press=["p", "s", "space", "space", "z"], terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_search_box(app: ReviewApp, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app, press=["slash", *"story 1"], terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_help(app: ReviewApp, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app, press=["question_mark"], terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_draft(app: ReviewApp, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app, press=["p", "l", "j", "p", "d"], terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_reading_view(app: ReviewApp, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app, press=["r"], terminal_size=size)
