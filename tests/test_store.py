"""The SQLite store: dedup, listing, source state, migrations, concurrency."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digestctl.errors import StoreError, UsageError
from digestctl.models import ItemStatus
from digestctl.store import SCHEMA_VERSION, NewItem, Store
from digestctl.stories.sync import assign_stories

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def new_item(n: int, source: str = "s", **kw: object) -> NewItem:
    fields: dict[str, object] = {
        "id": f"id{n:04d}",
        "key": f"https://example.org/{n}",
        "source": source,
        "title": f"Title {n}",
        "url": f"https://example.org/{n}",
        "summary": f"Summary {n}.",
        "published": NOW - timedelta(hours=n),
        "author": None,
        "site": "example.org",
    }
    fields.update(kw)
    return NewItem(**fields)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "state.sqlite3")
    yield s  # type: ignore[misc]
    s.close()


def test_same_key_is_one_item_across_sources(store: Store) -> None:
    first = store.upsert_items([new_item(1), new_item(2)], NOW)
    assert first.new == ("id0001", "id0002")
    again = store.upsert_items([new_item(1, source="other", id="zzz")], NOW + timedelta(hours=1))
    assert (again.new, again.seen) == ((), 1)
    assert store.count_items() == 2
    assert store.item_sources("id0001") == ["s", "other"]
    assert store.get_item("id0001").last_seen == NOW + timedelta(hours=1)


def test_same_title_from_another_source_is_one_story(store: Store) -> None:
    title = "Court upholds landmark verdict against Chiquita"
    store.upsert_items([new_item(1, title=title), new_item(3, title="Unrelated budget talks")], NOW)
    store.upsert_items([new_item(2, source="b", title=title)], NOW)
    run = assign_stories(store, NOW)
    assert run.assigned == {"id0001": "id0001", "id0003": "id0003", "id0002": "id0001"}
    assert store.story_sizes(["id0001", "id0002", "id0003"]) == {
        "id0001": 2,
        "id0002": 2,
        "id0003": 1,
    }
    # The same link from a third source: one item, and its story is carried by three.
    store.upsert_items([new_item(1, source="c", title=title)], NOW)
    assert store.story_sizes(["id0002"]) == {"id0002": 3}
    rows = {r.id: json.loads(r.json) for r in store.list_items_json()}
    assert (rows["id0002"]["story"], rows["id0002"]["story_size"]) == ("id0001", 3)


def test_list_filters_and_order(store: Store) -> None:
    store.upsert_items([new_item(n, source="a" if n % 2 else "b") for n in range(1, 7)], NOW)
    assert [i.id for i in store.list_items()] == [f"id000{n}" for n in range(1, 7)]
    assert [i.id for i in store.list_items(source="a")] == ["id0001", "id0003", "id0005"]
    assert [i.id for i in store.list_items(since=NOW - timedelta(hours=2))] == ["id0001", "id0002"]
    assert [i.id for i in store.list_items(limit=2)] == ["id0001", "id0002"]
    assert [i.id for i in store.list_items(search="title 3")] == ["id0003"]
    assert store.list_items(search="100%") == []
    store.set_status(["id0002"], ItemStatus.PICKED)
    assert [i.id for i in store.list_items(status=ItemStatus.PICKED)] == ["id0002"]


def test_resolve_ids_prefixes(store: Store) -> None:
    store.upsert_items([new_item(1, id="abc123"), new_item(2, id="abd456")], NOW)
    assert store.resolve_ids(["abc", "abd4"]) == ["abc123", "abd456"]
    with pytest.raises(UsageError, match="ambiguous"):
        store.resolve_ids(["ab"])
    with pytest.raises(UsageError, match="no item"):
        store.resolve_ids(["zz"])


def test_source_state_success_and_failures(store: Store) -> None:
    store.record_success(
        "s",
        "https://a.org/",
        NOW,
        etag='"v1"',
        last_modified="x",
        retry_not_before=None,
        moved_to=None,
    )
    st = store.record_failure("s", "https://a.org/", NOW, error="boom", kind="http")
    st = store.record_failure(
        "s", "https://a.org/", NOW + timedelta(hours=1), error="boom", kind="http"
    )
    assert (st.consecutive_failures, st.failing_since, st.etag) == (2, NOW, '"v1"')
    # A 304 carries no validators: the stored ones stay.
    store.record_success(
        "s",
        "https://a.org/",
        NOW,
        etag=None,
        last_modified=None,
        retry_not_before=None,
        moved_to=None,
    )
    st = store.get_source_state("s")
    assert (st.consecutive_failures, st.last_error, st.etag, st.failing_since) == (
        0,
        None,
        '"v1"',
        None,
    )


def test_schema_version_and_newer_schema_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    Store(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer digestctl"):
        Store(path)


def test_garbage_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError, match="cannot open the state database"):
        Store(path)


def _writer(path: str, start: int) -> None:
    with Store(Path(path)) as s:
        for n in range(start, start + 50):
            s.upsert_items([new_item(n)], NOW)
            s.set_status([f"id{n:04d}"], ItemStatus.PICKED)


def test_two_processes_write_without_database_locked(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    Store(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), start)) for start in (0, 100)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with Store(path) as s:
        assert s.count_items() == 100
        assert len(s.list_items(status=ItemStatus.PICKED)) == 100
        assert s.integrity_ok()


def test_sqlite_json_matches_the_python_item_shape(store: Store) -> None:
    import json

    from digestctl.output import format_item

    tricky = new_item(9, title='Quotes " and \\ and \u00e9 and \x01', summary=None, author="A\nB")
    store.upsert_items([new_item(1), tricky], NOW)
    from_sql = [json.loads(r.json) for r in store.list_items_json()]
    from_python = [format_item(i) for i in store.list_items()]
    assert from_sql == from_python
    assert [r.id for r in store.list_items_json(search="quotes")] == ["id0009"]


# -- the decisions log -------------------------------------------------------------------


def test_decisions_are_logged_with_the_status_and_undone_newest_batch_first(
    store: Store,
) -> None:
    from digestctl.store import LoggedDecision

    store.upsert_items([new_item(1), new_item(2), new_item(3)], NOW)
    new, picked, skipped = ItemStatus.NEW, ItemStatus.PICKED, ItemStatus.SKIPPED
    first = store.record_decision(
        [
            LoggedDecision("id0001", "pick", "issue", new, picked),
            LoggedDecision("id0002", "pick", "issue", new, picked),
        ],
        NOW,
    )
    (second,) = store.record_decision([LoggedDecision("id0003", "skip", None, new, skipped)], NOW)
    assert [d.batch for d in first] == [1, 1]
    assert second.batch == 2
    assert store.get_item("id0003").status is skipped  # set with the log, not apart
    assert [d.item_id for d in store.last_decisions()] == ["id0003", "id0002", "id0001"]
    assert store.last_decisions(1)[0].made_at == NOW

    restored: list[list[str]] = []
    undone = store.undo_last(NOW, lambda batch: restored.append([d.item_id for d in batch]))
    assert [d.item_id for d in undone] == ["id0003"]
    assert store.get_item("id0003").status is new
    undone = store.undo_last(NOW, lambda batch: restored.append([d.item_id for d in batch]))
    assert restored == [["id0003"], ["id0002", "id0001"]]  # a whole batch, newest first
    assert {store.get_item(i).status for i in ("id0001", "id0002")} == {new}
    assert store.undo_last(NOW, lambda batch: None) == []
    assert store.last_decisions() == []
    logged = store.last_decisions(None, include_undone=True)
    assert len(logged) == 3
    assert all(d.undone_at == NOW for d in logged)


def test_a_failed_restore_leaves_the_batch_in_effect(store: Store) -> None:
    from digestctl.store import LoggedDecision

    store.upsert_items([new_item(1)], NOW)
    store.record_decision(
        [LoggedDecision("id0001", "pick", "issue", ItemStatus.NEW, ItemStatus.PICKED)], NOW
    )

    def broken(batch: object) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.undo_last(NOW, broken)
    assert store.get_item("id0001").status is ItemStatus.PICKED
    assert len(store.last_decisions()) == 1


def test_an_older_database_gains_the_log_and_keeps_its_items(tmp_path: Path) -> None:
    from digestctl import store as store_module

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    store_module._MIGRATIONS[0](db)  # the first schema, as the first release made it
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO items (id, key, source, status, first_seen, last_seen)"
        " VALUES ('a1', 'k', 's', 'picked', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')"
    )
    db.commit()
    db.close()
    with Store(path) as opened:
        assert opened.get_item("a1").status is ItemStatus.PICKED
        assert opened.last_decisions() == []
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    check.close()


def test_an_upgraded_store_gets_stories_on_the_next_run(tmp_path: Path) -> None:
    from digestctl import store as store_module

    path = tmp_path / "state.sqlite3"
    before = store_module._MIGRATIONS.index(store_module._add_stories)
    db = sqlite3.connect(path, isolation_level=None)
    for migrate in store_module._MIGRATIONS[:before]:
        migrate(db)
    db.execute(f"PRAGMA user_version = {before}")
    title = "Court upholds landmark verdict against Chiquita"
    for n, source in ((1, "a"), (2, "b")):
        db.execute(
            "INSERT INTO items (id, key, source, title, status, first_seen, last_seen)"
            " VALUES (?, ?, ?, ?, 'new', '2026-11-29T12:00:00Z', '2026-11-29T12:00:00Z')",
            (f"old{n}", f"https://example.org/{n}", source, title),
        )
        db.execute(
            "INSERT INTO item_sources VALUES (?, ?, '2026-11-29T12:00:00Z')", (f"old{n}", source)
        )
    db.close()
    with Store(path) as upgraded:
        assert {i.story for i in upgraded.list_items()} == {None}  # kept, not yet clustered
        assign_stories(upgraded, NOW)
        assert [i.story for i in upgraded.list_items()] == ["old1", "old1"]
        assert upgraded.story_sizes(["old2"]) == {"old2": 2}
