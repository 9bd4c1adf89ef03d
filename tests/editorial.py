"""Helpers for the editorial tests: a workspace with items stored straight into the store."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digestctl.models import ItemStatus
from digestctl.store import NewItem, Store
from digestctl.urls import url_id
from digestctl.workspace import Workspace, init_workspace

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def make_workspace(root: Path) -> Workspace:
    return init_workspace(root)[0]


def story(n: int, *, source: str = "wire", published: datetime | None = None) -> NewItem:
    url = f"https://news.example.org/2026/story-{n}"
    return NewItem(
        id=url_id(url),
        key=url,
        source=source,
        title=f"Story number {n} about the week's events",
        url=url,
        summary=f"Summary of story {n}. It has two sentences.",
        published=published if published is not None else NOW - timedelta(hours=n),
        author=None,
        site="news.example.org",
    )


def seed(ws: Workspace, count: int, *, first: int = 1, now: datetime = NOW) -> list[str]:
    """Store `count` stories (story `first` newest); return their ids, newest first."""
    items = [story(n) for n in range(first, first + count)]
    with Store(ws.db_path) as store:
        store.upsert_items(items, now)
    return [i.id for i in items]


def statuses(ws: Workspace) -> dict[str, ItemStatus]:
    with Store(ws.db_path) as store:
        return {i.id: i.status for i in store.list_items()}


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a digestctl subprocess: no colour, no stray workspace."""
    env = {k: v for k, v in os.environ.items() if k != "DIGESTCTL_WORKSPACE"}
    env.update({"NO_COLOR": "1", "TERM": "xterm", "PYTHONUNBUFFERED": "1"}, **extra)
    return env


DIGESTCTL = [sys.executable, "-m", "digestctl"]


def link_story(store: Store, *item_ids: str, now: datetime | None = None) -> None:
    """Put stored items into one story (the first one's), as clustering would: for tests
    about what a story does, not how one is found (tests/test_stories.py is about that)."""
    from digestctl.store import StoryChanges

    founder = item_ids[0]
    store.save_stories(
        StoryChanges(
            assigned=[(i, founder, "", b"") for i in item_ids],
            founded=[(founder, 0)],
            merges=[],
        ),
        now or datetime.now(UTC),
    )
