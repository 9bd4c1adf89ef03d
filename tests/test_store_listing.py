"""Listing queries in the store: filters in SQL that combine, pages, order, and search with
the FTS5 index (and the word scan where SQLite has no FTS5)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digestctl import store as store_module
from digestctl.models import ItemStatus
from digestctl.search import parse_search
from digestctl.store import ItemQuery, NewItem, Store

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

TEXTS = {  # n: (title, summary)
    1: ("Forced labour on Italian farms", "Workers say wages were withheld."),
    2: ("Trafficking ring broken up in Leeds", "Police arrested six people."),
    3: ("Traffickers target Ukrainian refugees", "A report on forced recruitment."),
    4: ("Labour market figures", "Unemployment fell; forced to say more, the minister declined."),
    5: ("Café owners fined for wage theft", None),
    6: ("Vacancy: trafficking researcher", "Apply by Friday."),
    7: (None, "An untitled item about labourers in Qatar."),
}


def item(n: int, source: str = "a", **kw: object) -> NewItem:
    title, summary = TEXTS.get(n, (f"Item {n}", None))
    fields: dict[str, object] = {
        "id": f"id{n:05d}",
        "key": f"https://example.org/{n}",
        "source": source,
        "title": title,
        "url": f"https://example.org/{n}",
        "summary": summary,
        "published": NOW - timedelta(hours=n),
        "author": None,
        "site": "example.org",
    }
    fields.update(kw)
    return NewItem(**fields)  # type: ignore[arg-type]


@pytest.fixture(params=["fts5", "scan"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A store with the seven TEXTS items, with the FTS5 index and without it."""
    if request.param == "scan":
        mp = request.getfixturevalue("monkeypatch")
        mp.setattr(store_module, "fts5_available", lambda db: False)
    with Store(tmp_path / "state.sqlite3") as s:
        assert s.search_index == (request.param == "fts5")
        s.upsert_items([item(n, source="a" if n % 2 else "b") for n in TEXTS], NOW)
        yield s


def ids(s: Store, search: str | None = None, **kw: object) -> list[int]:
    q = ItemQuery(search=parse_search(search) if search else None, **kw)  # type: ignore[arg-type]
    return [int(i.id[2:]) for i in s.iter_items(q)]


def test_filters_combine(store: Store) -> None:
    store.set_status(["id00001", "id00003"], ItemStatus.PICKED)
    store.upsert_items([item(2, source="c")], NOW)  # item 2 is now from b and c
    assert ids(store) == [1, 2, 3, 4, 5, 6, 7]
    assert ids(store, status=ItemStatus.PICKED) == [1, 3]
    assert ids(store, sources=(("b",),)) == [2, 4, 6]
    assert ids(store, sources=(("c", "a"),)) == [1, 2, 3, 5, 7]
    # Two groups (--source and --tag): both must hold.
    assert ids(store, sources=(("b",), ("c",))) == [2]
    assert ids(store, since=NOW - timedelta(hours=3)) == [1, 2, 3]
    assert ids(store, "forced") == [1, 3, 4]
    assert ids(store, "forced", status=ItemStatus.PICKED, since=NOW - timedelta(hours=2)) == [1]
    assert ids(store, "forced", sources=(("b",),)) == [4]
    assert ids(store, sources=((),)) == []
    query = ItemQuery(search=parse_search("forced"), limit=1, offset=1)
    assert store.count_matching(query) == 3  # whatever the page


def test_pages_follow_one_total_order(store: Store) -> None:
    # Same date for many items: ties break by first seen, then id, so pages never overlap.
    store.upsert_items([item(n, published=NOW) for n in range(10, 40)], NOW)
    everything = [i.id for i in store.iter_items(ItemQuery())]
    paged = [
        i.id
        for offset in range(0, 40, 7)
        for i in store.iter_items(ItemQuery(limit=7, offset=offset))
    ]
    assert paged == everything
    assert len(everything) == 37
    assert [i.id for i in store.iter_items(ItemQuery(offset=35))] == everything[35:]


def test_the_order_is_a_key_callers_choose(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        store_module.ITEM_ORDERS, "oldest", "coalesce(published, first_seen), first_seen, id"
    )
    assert ids(store, order="oldest") == [7, 6, 5, 4, 3, 2, 1]
    with pytest.raises(ValueError, match="unknown item order"):
        ids(store, order="best")


def test_search_words_phrases_prefixes_or_not(store: Store) -> None:
    assert ids(store, "FORCED Labour") == [1, 4]  # every word, any case
    assert ids(store, '"forced labour"') == [1]  # the phrase
    assert ids(store, "traffick*") == [2, 3, 6]
    assert ids(store, "traffick* -vacancy") == [2, 3]
    assert ids(store, "leeds OR qatar") == [2, 7]
    assert ids(store, "wage*") == [1, 5]
    assert ids(store, "-labour* -forced") == [2, 5, 6]
    assert ids(store, '"report on forced"') == [3]  # summaries are searched too


def test_search_index_reads_words_not_substrings(store: Store) -> None:
    if not store.search_index:
        pytest.skip("the word scan matches substrings (documented)")
    assert ids(store, "labour") == [1, 4]  # not "labourers"
    assert ids(store, "labour*") == [1, 4, 7]
    assert ids(store, "cafe") == [5]  # accents ignored
    assert ids(store, "traffick") == []


def test_search_text_is_never_fts_syntax(store: Store) -> None:
    for query in ["NEAR(forced", "title:forced", "forced AND", "^forced", "forced + (", "a*b*"]:
        ids(store, query)  # no sqlite3.OperationalError
    assert ids(store, "(forced)") == [1, 3, 4]


def test_the_index_follows_new_and_changed_items(store: Store) -> None:
    store.upsert_items([item(50, title=None, summary=None)], NOW)
    assert ids(store, "smuggling") == []
    # Seen again with a title (stored only where none was): the index learns it.
    store.upsert_items([item(50, title="Smuggling gangs", summary="Boats.")], NOW)
    assert ids(store, "smuggling") == [50]
    store._db.execute("DELETE FROM items WHERE id = 'id00050'")
    assert ids(store, "smuggling") == []
    if store.search_index:
        check = "INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)"
        store._db.execute(check)  # raises if the index disagrees with `items`


def _before_search_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make Store build the schema as it was before the search index migration."""
    n = store_module._MIGRATIONS.index(store_module._add_search_index)
    monkeypatch.setattr(store_module, "_MIGRATIONS", store_module._MIGRATIONS[:n])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", n)
    monkeypatch.setattr(Store, "_sync_search_index", lambda self: None)


def test_migration_indexes_items_stored_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.sqlite3"
    with monkeypatch.context() as m:
        _before_search_index(m)
        with Store(path) as old:
            old.upsert_items([item(n) for n in TEXTS], NOW)
            assert not old._db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'items_fts'"
            ).fetchone()
    # The migration alone (not the open-time repair) indexes what is there.
    monkeypatch.setattr(
        Store, "_sync_search_index", lambda self: setattr(self, "search_index", True)
    )
    with Store(path) as s:
        assert s._db.execute("PRAGMA user_version").fetchone()[0] == store_module.SCHEMA_VERSION
        assert ids(s, "traffick*") == [2, 3, 6]
        assert ids(s, "traffick") == []  # the index answers, not the scan


def test_a_store_moved_between_sqlite_builds_keeps_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.sqlite3"
    with Store(path) as s:
        s.upsert_items([item(1)], NOW)
    # Opened where SQLite has no FTS5: the index's triggers would fail every write
    # ("no such module: fts5"), so they go; searches scan.
    with monkeypatch.context() as m:
        m.setattr(store_module, "fts5_available", lambda db: False)
        with Store(path) as s:
            assert not s.search_index
            s.upsert_items([item(2)], NOW)
            assert ids(s, "traffick*") == [2]
    # Back where FTS5 is: the index is rebuilt, with what was stored meanwhile.
    with Store(path) as s:
        assert s.search_index
        assert ids(s, "traffick*") == [2]
        assert ids(s, "traffick") == []  # the index answers, not the scan
        s.upsert_items([item(3)], NOW)
        assert ids(s, "traffick*") == [2, 3]


def test_fts5_detection_matches_this_sqlite(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "probe.sqlite3")
    try:
        db.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        expected = True
    except sqlite3.OperationalError:
        expected = False
    assert store_module.fts5_available(db) is expected
    db.close()


def test_listing_lines_agree_with_items(store: Store) -> None:
    store.upsert_items([item(60, published=None)], NOW + timedelta(days=2))
    query = ItemQuery(search=parse_search("-nothing"))
    full = list(store.iter_items(query))
    lines = list(store.iter_item_lines(query))
    assert [(r.id, r.url, r.status, r.source, r.title) for r in lines] == [
        (i.id, i.url, i.status, i.source, i.title) for i in full
    ]
    assert [r.date for r in lines] == [
        (i.published or i.first_seen).strftime("%Y-%m-%d") for i in full
    ]
    assert lines[0].date == "2026-12-01"  # first seen, for want of a publication date
