"""The fetch pipeline with a fake fetcher: per-source isolation, filters, state, alerts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digestctl.config import FetchSettings
from digestctl.core import Outcome, run_fetch, select_entries
from digestctl.fetch import FetchErrorKind, FetchFailure, FetchRequest, FetchResponse
from digestctl.models import FeedEntry, Source
from digestctl.store import Store

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def rss(*items: tuple[str, str, str]) -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>{d}</description>"
        f"<pubDate>Sat, 28 Nov 2026 10:00:00 GMT</pubDate></item>"
        for t, link, d in items
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>'
    return f"{head}{body}</channel></rss>".encode()


class FakeFetcher:
    """Answers from a table: bytes for 200, an int for a status, an exception to raise."""

    def __init__(self, routes: Mapping[str, bytes | int | Exception]) -> None:
        self.routes = dict(routes)
        self.requests: list[FetchRequest] = []

    async def fetch(self, req: FetchRequest) -> FetchResponse:
        self.requests.append(req)
        answer = self.routes[req.url]
        if isinstance(answer, Exception):
            raise answer
        not_modified = answer == 304
        return FetchResponse(
            url=req.url,
            status=304 if not_modified else 200,
            headers={"content-type": "application/rss+xml"},
            content=b"" if not_modified else answer,  # type: ignore[arg-type]
            not_modified=not_modified,
            etag='"v1"',
            last_modified=None,
            permanent_redirect=None,
            retry_not_before=None,
            charset=None,
            elapsed=0.01,
        )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "state.sqlite3")
    yield s  # type: ignore[misc]
    s.close()


def src(name: str, **kw: object) -> Source:
    return Source(name=name, url=f"https://{name}.example/feed", **kw)  # type: ignore[arg-type]


def test_one_failing_source_does_not_stop_the_others(store: Store) -> None:
    fetcher = FakeFetcher(
        {
            "https://good.example/feed": rss(("A story", "https://good.example/a", "Text.")),
            "https://dead.example/feed": FetchFailure(
                FetchErrorKind.BLOCKED, "blocked by the server (HTTP 403)", url="x"
            ),
            "https://junk.example/feed": b"\x00\x01 not a feed",
        }
    )
    report = run_fetch(
        store, [src("good"), src("dead"), src("junk")], FetchSettings(), now=NOW, fetcher=fetcher
    )
    outcomes = {o.name: o for o in report.outcomes}
    assert outcomes["good"].outcome is Outcome.OK
    assert outcomes["good"].new == 1
    assert outcomes["dead"].error_kind == "blocked"
    assert "403" in (outcomes["dead"].error or "")
    assert outcomes["junk"].outcome is Outcome.FAILED
    assert report.exit_code == 3
    assert store.count_items() == 1
    states = store.list_source_states()
    assert states["dead"].consecutive_failures == 1
    assert states["good"].etag == '"v1"'


def test_validators_are_sent_back_and_304_costs_nothing(store: Store) -> None:
    fetcher = FakeFetcher({"https://a.example/feed": rss(("T", "https://a.example/1", "S."))})
    run_fetch(store, [src("a")], FetchSettings(), now=NOW, fetcher=fetcher)
    fetcher.routes["https://a.example/feed"] = 304
    report = run_fetch(store, [src("a")], FetchSettings(), now=NOW, fetcher=fetcher)
    assert fetcher.requests[-1].etag == '"v1"'
    assert report.outcomes[0].outcome is Outcome.NOT_MODIFIED
    assert report.exit_code == 0


def test_alert_only_after_three_failures_or_a_day(store: Store) -> None:
    boom = FetchFailure(FetchErrorKind.CONNECT, "connection refused", url="x")
    fetcher = FakeFetcher({"https://a.example/feed": boom})
    alerts = [
        run_fetch(
            store, [src("a")], FetchSettings(), now=NOW + timedelta(minutes=n), fetcher=fetcher
        )
        .outcomes[0]
        .alert
        for n in range(3)
    ]
    assert alerts == [False, False, True]
    assert run_fetch(store, [src("a")], FetchSettings(), fetcher=fetcher).exit_code == 1


def test_not_due_unless_forced(store: Store) -> None:
    store.record_success(
        "a",
        "https://a.example/feed",
        NOW,
        etag=None,
        last_modified=None,
        retry_not_before=NOW + timedelta(hours=1),
        moved_to=None,
    )
    fetcher = FakeFetcher({"https://a.example/feed": rss()})
    report = run_fetch(store, [src("a")], FetchSettings(), now=NOW, fetcher=fetcher)
    assert report.outcomes[0].outcome is Outcome.NOT_DUE
    assert fetcher.requests == []
    forced = run_fetch(store, [src("a")], FetchSettings(), now=NOW, force=True, fetcher=fetcher)
    assert forced.outcomes[0].outcome is Outcome.OK


def test_include_exclude_and_max_items() -> None:
    entries = [
        FeedEntry(
            title=f"Trafficking story {n}", url=f"https://x/{n}", published=NOW - timedelta(days=n)
        )
        for n in range(5)
    ] + [FeedEntry(title="Vacancy: trafficking officer", url="https://x/job", published=NOW)]
    source = Source(
        name="s", url="https://x/", include=("TRAFFICKING",), exclude=("vacancy",), max_items=3
    )
    kept, filtered = select_entries(entries, source)
    assert [e.url for e in kept] == ["https://x/0", "https://x/1", "https://x/2"]
    assert filtered == 3


def test_new_items_join_stories_at_fetch(store: Store) -> None:
    fetcher = FakeFetcher(
        {
            "https://a.example/feed": rss(
                (
                    "Baltimore bridge collapses after being hit by cargo ship",
                    "https://a.example/1",
                    "Six construction workers are missing after the collapse.",
                ),
                ("Council approves new bus lanes", "https://a.example/2", "Works start in May."),
            ),
            "https://b.example/feed": rss(
                (
                    "Baltimore's Key Bridge collapses after ship strikes it",
                    "https://b.example/1",
                    "A container ship hit a support column of the Francis Scott Key Bridge.",
                ),
            ),
        }
    )
    report = run_fetch(store, [src("a"), src("b")], FetchSettings(), now=NOW, fetcher=fetcher)
    stories = {i.url: i.story for i in store.list_items()}
    assert stories["https://b.example/1"] == stories["https://a.example/1"] is not None
    assert stories["https://a.example/2"] not in (None, stories["https://a.example/1"])
    # The item that joined another source's story is counted, in whichever source it came.
    assert sum(o.duplicates for o in report.outcomes) == 1
