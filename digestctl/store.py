"""SQLite state: items, per-source fetch state. The only module that imports sqlite3.

WAL mode with a busy timeout and short transactions, so a cron `fetch` and an editor's
`review` share the database without "database is locked". The schema carries a version;
`_MIGRATIONS[n]` upgrades version n to n+1 in place (an editor's picks are never dropped).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from digestctl.errors import StoreError, UsageError
from digestctl.models import Item, ItemStatus

BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class NewItem:
    """An entry ready to be stored: key and id computed, text clean."""

    id: str
    key: str  # canonical URL, or a fallback key for entries without a link
    source: str
    title: str | None
    url: str | None
    summary: str | None
    published: datetime | None
    author: str | None
    site: str | None
    image: str | None = None
    title_key: str | None = None  # normalised title, to spot one story under two URLs


class ItemJson(NamedTuple):
    """An item serialised by SQLite, with what is needed to annotate it."""

    id: str
    url: str | None
    status: str  # an ItemStatus value (compares equal to the enum member)
    json: str


class ReviewRowData(NamedTuple):
    """One item for the review app, as SQLite returns it (dates as stored ISO text)."""

    rowid: int
    id: str
    status: str
    source: str
    title: str | None
    url: str | None
    summary: str | None
    author: str | None
    date: str  # published, else first seen
    published: str | None
    duplicate_of: str | None
    outlets: str | None  # other sources with this URL, tab-separated


@dataclass(frozen=True)
class SourceState:
    name: str
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    error_kind: str | None = None
    consecutive_failures: int = 0
    failing_since: datetime | None = None
    retry_not_before: datetime | None = None
    moved_to: str | None = None
    items: int = 0


@dataclass(frozen=True)
class UpsertResult:
    new: tuple[str, ...]  # ids of items seen for the first time
    seen: int  # entries that matched an item already stored
    duplicates: int  # new items that look like a story already stored from another source


def _v0_to_v1(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE items (
            id          TEXT PRIMARY KEY,
            key         TEXT NOT NULL UNIQUE,
            source      TEXT NOT NULL,
            title       TEXT,
            url         TEXT,
            summary     TEXT,
            published   TEXT,
            author      TEXT,
            site        TEXT,
            image       TEXT,
            status      TEXT NOT NULL DEFAULT 'new',
            first_seen  TEXT NOT NULL,
            last_seen   TEXT NOT NULL,
            title_key   TEXT,
            duplicate_of TEXT
        );
        CREATE INDEX items_by_date ON items (coalesce(published, first_seen) DESC);
        CREATE INDEX items_by_title ON items (title_key);
        CREATE TABLE item_sources (
            item_id     TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            source      TEXT NOT NULL,
            first_seen  TEXT NOT NULL,
            PRIMARY KEY (item_id, source)
        ) WITHOUT ROWID;
        CREATE TABLE sources (
            name                 TEXT PRIMARY KEY,
            url                  TEXT,
            etag                 TEXT,
            last_modified        TEXT,
            last_attempt         TEXT,
            last_success         TEXT,
            last_error           TEXT,
            error_kind           TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            failing_since        TEXT,
            retry_not_before     TEXT,
            moved_to             TEXT
        );
        """,
    )


def _run_script(db: sqlite3.Connection, script: str) -> None:
    # Not executescript(): it commits first, and a migration must be one transaction.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


_MIGRATIONS = [_v0_to_v1]
SCHEMA_VERSION = len(_MIGRATIONS)

_NEWEST_FIRST = "ORDER BY coalesce(published, first_seen) DESC, first_seen DESC, id"
# The keys and order of `items --json` (output.format_item is the same shape in Python).
_ITEM_JSON = (
    "json_object('id', id, 'source', source, 'title', title, 'url', url, 'summary', summary,"
    " 'published', published, 'author', author, 'site', site, 'status', status,"
    " 'first_seen', first_seen)"
)

_ITEM_COLUMNS = (
    "id, source, title, url, summary, published, author, site, status, first_seen, last_seen, image"
)


class Store:
    """An open state database. Use as a context manager, or call close()."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we open transactions ourselves, short and explicit.
            self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise StoreError(
                f"{path}: cannot open the state database: {e}",
                hint="if the file is damaged, move it aside; `digestctl fetch` rebuilds items",
            ) from e

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        # BEGIN IMMEDIATE takes the write lock up front, so a busy database waits (busy
        # timeout) at the start rather than failing halfway through.
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise StoreError(f"{self.path}: {e}", hint="another digestctl is writing; retry") from e
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException as e:
            # A failed COMMIT (disk full, I/O error) may already have rolled back.
            if self._db.in_transaction:
                with suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            if isinstance(e, sqlite3.Error):
                # Disk full, read-only folder, I/O error: a person's problem, not a bug.
                raise StoreError(
                    f"{self.path}: cannot save to the state database: {e}",
                    hint=f"check free disk space and that {self.path.parent} is writable; "
                    "what was saved before is intact",
                ) from e
            raise

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: made by a newer digestctl (schema {version} > {SCHEMA_VERSION})",
                hint="upgrade digestctl",
            )
        while version < SCHEMA_VERSION:
            with self._write() as db:
                # Re-read inside the write lock: a concurrent process may have migrated.
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version >= SCHEMA_VERSION:
                    break
                _MIGRATIONS[version](db)
                db.execute(f"PRAGMA user_version = {version + 1}")
                version += 1

    # -- items ---------------------------------------------------------------------------

    def upsert_items(self, items: Sequence[NewItem], now: datetime) -> UpsertResult:
        """Store a source's entries; one story seen again (same key) is one item."""
        new: list[str] = []
        seen = duplicates = 0
        stamp = _iso(now)
        with self._write() as db:
            for it in items:
                row = db.execute("SELECT id FROM items WHERE key = ?", (it.key,)).fetchone()
                if row is not None:
                    seen += 1
                    db.execute(
                        "UPDATE items SET last_seen = ?, title = coalesce(title, ?),"
                        " summary = coalesce(summary, ?), published = coalesce(published, ?),"
                        " author = coalesce(author, ?), image = coalesce(image, ?) WHERE id = ?",
                        (
                            stamp,
                            it.title,
                            it.summary,
                            _iso(it.published),
                            it.author,
                            it.image,
                            row[0],
                        ),
                    )
                    item_id = row[0]
                else:
                    item_id = self._free_id(db, it.id, it.key)
                    duplicate_of = self._same_story(db, it)
                    duplicates += duplicate_of is not None
                    db.execute(
                        "INSERT INTO items (id, key, source, title, url, summary, published,"
                        " author, site, image, status, first_seen, last_seen, title_key,"
                        " duplicate_of) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            item_id,
                            it.key,
                            it.source,
                            it.title,
                            it.url,
                            it.summary,
                            _iso(it.published),
                            it.author,
                            it.site,
                            it.image,
                            ItemStatus.NEW.value,
                            stamp,
                            stamp,
                            it.title_key,
                            duplicate_of,
                        ),
                    )
                    new.append(item_id)
                db.execute(
                    "INSERT OR IGNORE INTO item_sources VALUES (?, ?, ?)",
                    (item_id, it.source, stamp),
                )
        return UpsertResult(tuple(new), seen, duplicates)

    @staticmethod
    def _free_id(db: sqlite3.Connection, wanted: str, key: str) -> str:
        # Ids are a short hash of the key; on the rare collision, extend deterministically.
        candidate, n = wanted, 1
        while db.execute("SELECT 1 FROM items WHERE id = ?", (candidate,)).fetchone():
            candidate, n = f"{wanted}{n}", n + 1
        return candidate

    @staticmethod
    def _same_story(db: sqlite3.Connection, it: NewItem) -> str | None:
        if not it.title_key:
            return None
        row = db.execute(
            "SELECT id FROM items WHERE title_key = ? AND source != ? AND duplicate_of IS NULL"
            " ORDER BY first_seen LIMIT 1",
            (it.title_key, it.source),
        ).fetchone()
        return row[0] if row else None

    def known_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these keys are stored already (page sources skip fetching those)."""
        wanted = list(keys)
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self._db.execute(f"SELECT key FROM items WHERE key IN ({marks})", chunk)
            )
        return found

    def list_items(
        self,
        *,
        status: ItemStatus | None = None,
        source: str | None = None,
        since: datetime | None = None,
        search: str | None = None,
        limit: int | None = None,
        include_duplicates: bool = True,
    ) -> list[Item]:
        """Items newest first (by publication date, else first seen)."""
        where, args = _item_filter(status, source, since, search, include_duplicates)
        sql = f"SELECT {_ITEM_COLUMNS} FROM items WHERE {where} {_NEWEST_FIRST}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_item(r) for r in self._db.execute(sql, args)]

    def list_items_json(
        self,
        *,
        status: ItemStatus | None = None,
        source: str | None = None,
        since: datetime | None = None,
        search: str | None = None,
        limit: int | None = None,
    ) -> list[ItemJson]:
        """As list_items, each item already serialised by SQLite in the `items --json` shape.

        `items --json` over a large store spends most of its time building objects only to
        serialise them again; SQLite writes the same JSON in C, several times faster.
        """
        where, args = _item_filter(status, source, since, search, True)
        sql = f"SELECT id, url, status, {_ITEM_JSON} FROM items WHERE {where} {_NEWEST_FIRST}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [ItemJson(*r) for r in self._db.execute(sql, args)]

    def get_item(self, item_id: str) -> Item:
        row = self._db.execute(
            f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)
        ).fetchone()
        if row is None:
            raise UsageError(f"no item with id {item_id!r}", hint="`digestctl items` lists them")
        return _item(row)

    def get_item_by_key(self, key: str) -> Item | None:
        row = self._db.execute(
            f"SELECT {_ITEM_COLUMNS} FROM items WHERE key = ?", (key,)
        ).fetchone()
        return _item(row) if row else None

    def resolve_ids(self, prefixes: Sequence[str]) -> list[str]:
        """Full ids for unique prefixes; an unknown or ambiguous one fails before any change."""
        resolved: list[str] = []
        for prefix in prefixes:
            p = prefix.strip().lower()
            escaped = p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            rows = self._db.execute(
                "SELECT id FROM items WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 6",
                (escaped + "%",),
            ).fetchall()
            exact = [r[0] for r in rows if r[0] == p]
            if exact:
                resolved.append(exact[0])
            elif not rows:
                raise UsageError(f"no item with id {prefix!r}", hint="`digestctl items` lists ids")
            elif len(rows) > 1:
                shown = ", ".join(r[0] for r in rows[:5])
                raise UsageError(
                    f"id {prefix!r} is ambiguous: it starts {shown}{'…' if len(rows) > 5 else ''}",
                    hint="type more characters of the id",
                )
            else:
                resolved.append(rows[0][0])
        return resolved

    def set_status(self, ids: Sequence[str], status: ItemStatus) -> None:
        with self._write() as db:
            db.executemany(
                "UPDATE items SET status = ? WHERE id = ?", [(status.value, i) for i in ids]
            )

    def item_sources(self, item_id: str) -> list[str]:
        return [
            r[0]
            for r in self._db.execute(
                "SELECT source FROM item_sources WHERE item_id = ? ORDER BY first_seen", (item_id,)
            )
        ]

    def duplicate_of(self, item_id: str) -> str | None:
        row = self._db.execute("SELECT duplicate_of FROM items WHERE id = ?", (item_id,)).fetchone()
        return row[0] if row else None

    def count_items(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM items").fetchone()[0])

    # -- the review app's rows: one query, plain tuples --------------------------------

    def list_review_rows(
        self, *, since: datetime | None = None, statuses: Sequence[ItemStatus] = ()
    ) -> list[ReviewRowData]:
        """Every item of the window (all statuses, or only `statuses`) as plain tuples,
        newest first, in one query: the review app builds its rows from these without an
        object per column or a query per item. `since` keeps items published or first
        seen from then on (picks.in_window). `outlets` lists the other sources that
        carried the same URL, tab-separated."""
        where: list[str] = ["1"]
        args: list[str] = []
        if since is not None:
            stamp = _iso_required(since)
            where.append("(coalesce(published, first_seen) >= ? OR first_seen >= ?)")
            args += [stamp, stamp]
        if statuses:
            where.append(f"status IN ({','.join('?' * len(statuses))})")
            args += [s.value for s in statuses]
        sql = (
            "SELECT rowid, id, status, source, title, url, summary, author,"
            " coalesce(published, first_seen), published, duplicate_of,"
            " (SELECT group_concat(s.source, char(9)) FROM item_sources s"
            "  WHERE s.item_id = items.id AND s.source != items.source)"
            f" FROM items WHERE {' AND '.join(where)} {_NEWEST_FIRST}"
        )
        make = tuple.__new__  # the NamedTuple without its argument parsing, per row
        return [make(ReviewRowData, r) for r in self._db.execute(sql, args)]

    def item_watermark(self) -> int:
        """A number that grows with every item stored (SQLite's rowid)."""
        return int(self._db.execute("SELECT coalesce(max(rowid), 0) FROM items").fetchone()[0])

    def count_items_after(self, watermark: int) -> int:
        """Items stored since `item_watermark()` returned `watermark` (a rowid range: cheap
        enough to ask every few seconds)."""
        return int(
            self._db.execute("SELECT count(*) FROM items WHERE rowid > ?", (watermark,)).fetchone()[
                0
            ]
        )

    # -- sources -------------------------------------------------------------------------

    def get_source_state(self, name: str) -> SourceState:
        row = self._db.execute(f"SELECT {_SOURCE_COLUMNS} FROM sources WHERE name = ?", (name,))
        found = row.fetchone()
        return _source_state(found) if found else SourceState(name)

    def list_source_states(self) -> dict[str, SourceState]:
        counts = dict(
            self._db.execute("SELECT source, count(*) FROM item_sources GROUP BY source").fetchall()
        )
        return {
            r[0]: replace(_source_state(r), items=counts.get(r[0], 0))
            for r in self._db.execute(f"SELECT {_SOURCE_COLUMNS} FROM sources")
        }

    def record_attempt(self, name: str, url: str, now: datetime) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO sources (name, url, last_attempt) VALUES (?, ?, ?)"
                " ON CONFLICT(name) DO UPDATE SET last_attempt = excluded.last_attempt,"
                " url = excluded.url",
                (name, url, _iso(now)),
            )

    def record_success(
        self,
        name: str,
        url: str,
        now: datetime,
        *,
        etag: str | None,
        last_modified: str | None,
        retry_not_before: datetime | None,
        moved_to: str | None,
    ) -> None:
        """A fetch succeeded (200 or 304). Validators are replaced on every response that
        carries them: a 304 may omit them, so absent ones keep their stored value."""
        with self._write() as db:
            db.execute(
                "INSERT INTO sources (name, url, etag, last_modified, last_attempt, last_success,"
                " retry_not_before, moved_to) VALUES (?,?,?,?,?,?,?,?)"
                " ON CONFLICT(name) DO UPDATE SET url = excluded.url,"
                " etag = coalesce(excluded.etag, etag),"
                " last_modified = coalesce(excluded.last_modified, last_modified),"
                " last_attempt = excluded.last_attempt, last_success = excluded.last_success,"
                " last_error = NULL, error_kind = NULL, consecutive_failures = 0,"
                " failing_since = NULL, retry_not_before = excluded.retry_not_before,"
                " moved_to = excluded.moved_to",
                (
                    name,
                    url,
                    etag,
                    last_modified,
                    _iso(now),
                    _iso(now),
                    _iso(retry_not_before),
                    moved_to,
                ),
            )

    def record_failure(
        self,
        name: str,
        url: str,
        now: datetime,
        *,
        error: str,
        kind: str,
        retry_not_before: datetime | None = None,
    ) -> SourceState:
        """A fetch failed; returns the updated state (for deciding whether to alert)."""
        with self._write() as db:
            db.execute(
                "INSERT INTO sources (name, url, last_attempt, last_error, error_kind,"
                " consecutive_failures, failing_since, retry_not_before)"
                " VALUES (?,?,?,?,?,1,?,?)"
                " ON CONFLICT(name) DO UPDATE SET url = excluded.url,"
                " last_attempt = excluded.last_attempt, last_error = excluded.last_error,"
                " error_kind = excluded.error_kind,"
                " consecutive_failures = consecutive_failures + 1,"
                " failing_since = coalesce(failing_since, excluded.failing_since),"
                " retry_not_before = excluded.retry_not_before",
                (name, url, _iso(now), error, kind, _iso(now), _iso(retry_not_before)),
            )
        return self.get_source_state(name)

    def forget_source_validators(self, name: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE sources SET etag = NULL, last_modified = NULL, retry_not_before = NULL"
                " WHERE name = ?",
                (name,),
            )

    def integrity_ok(self) -> bool:
        return bool(self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


_SOURCE_COLUMNS = (
    "name, url, etag, last_modified, last_attempt, last_success, last_error, error_kind,"
    " consecutive_failures, failing_since, retry_not_before, moved_to"
)


def _item_filter(
    status: ItemStatus | None,
    source: str | None,
    since: datetime | None,
    search: str | None,
    include_duplicates: bool,
) -> tuple[str, list[str]]:
    where: list[str] = ["1"]
    args: list[str] = []
    if status is not None:
        where.append("status = ?")
        args.append(status.value)
    if source is not None:
        where.append("id IN (SELECT item_id FROM item_sources WHERE source = ?)")
        args.append(source)
    if since is not None:
        where.append("coalesce(published, first_seen) >= ?")
        args.append(_iso_required(since))
    for word in (search or "").split():
        where.append("(title LIKE ? ESCAPE '\\' OR summary LIKE ? ESCAPE '\\')")
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        args += [pattern, pattern]
    if not include_duplicates:
        where.append("duplicate_of IS NULL")
    return " AND ".join(where), args


def _source_state(r: Sequence[object]) -> SourceState:
    return SourceState(
        name=str(r[0]),
        url=_opt(r[1]),
        etag=_opt(r[2]),
        last_modified=_opt(r[3]),
        last_attempt=_dt(r[4]),
        last_success=_dt(r[5]),
        last_error=_opt(r[6]),
        error_kind=_opt(r[7]),
        consecutive_failures=int(r[8]),  # type: ignore[call-overload]
        failing_since=_dt(r[9]),
        retry_not_before=_dt(r[10]),
        moved_to=_opt(r[11]),
    )


def _item(r: Sequence[object]) -> Item:
    first_seen = _dt(r[9])
    last_seen = _dt(r[10])
    assert first_seen is not None  # NOT NULL column
    assert last_seen is not None
    return Item(
        id=str(r[0]),
        source=str(r[1]),
        title=_opt(r[2]),
        url=_opt(r[3]),
        summary=_opt(r[4]),
        published=_dt(r[5]),
        author=_opt(r[6]),
        site=_opt(r[7]),
        status=ItemStatus(str(r[8])),
        first_seen=first_seen,
        last_seen=last_seen,
        image=_opt(r[11]),
    )


def _opt(v: object) -> str | None:
    return None if v is None else str(v)


def _iso(dt: datetime | None) -> str | None:
    # Stored as UTC ISO 8601 with a fixed width, so text order is time order.
    return None if dt is None else dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_required(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dt(v: object) -> datetime | None:
    if v is None:
        return None
    return datetime.fromisoformat(str(v))  # 3.11 reads the trailing Z as UTC; fast
