"""SQLite state: items, per-source fetch state. The only module that imports sqlite3.

WAL mode with a busy timeout and short transactions, so a cron `fetch` and an editor's
`review` share the database without "database is locked". The schema carries a version;
`_MIGRATIONS[n]` upgrades version n to n+1 in place (an editor's picks are never dropped).
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from digestctl.errors import StoreError, UsageError
from digestctl.models import Item, ItemStatus, ItemText, TextSource
from digestctl.search import Search, parse_search

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
    text: ItemText | None = None  # the full text, when it came with the entry
    body: str | None = None  # the feed entry's full body (markup), read into text on demand


class ItemJson(NamedTuple):
    """An item serialised by SQLite, with what is needed to annotate it."""

    id: str
    url: str | None
    status: str  # an ItemStatus value (compares equal to the enum member)
    json: str


class ItemLine(NamedTuple):
    """What one line of a long listing shows, read without building an Item."""

    id: str
    url: str | None
    status: str  # an ItemStatus value (compares equal to the enum member)
    source: str
    date: str  # YYYY-MM-DD (UTC) of the publication date, else of first seen
    title: str | None
    story_size: int = 1  # distinct sources carrying its story


class RankExample(NamedTuple):
    """One decision with what the ranking model reads of its item."""

    item_id: str
    label: object  # 1 picked, 0 skipped (checked by the ranking module: rows can be damaged)
    source: str
    title: str | None
    summary: str | None


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
    story: str | None  # the story id (None: not clustered yet)
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
class LoggedDecision:
    """One row of the decisions log: what one pick, lead, note, skip or unpick changed,
    enough to say it and to undo it. Written by picks.py in the same transaction as the
    item's new status; `seq`, `batch` and `made_at` are set by the store."""

    item_id: str
    action: str  # "pick", "lead", "note", "skip", "unpick"
    draft: str | None  # the draft it changed; None: the store only (a skip with no draft)
    status_before: ItemStatus | None  # None: no item in the store (a hand-added entry)
    status_after: ItemStatus | None
    entry_before: str | None = None  # the draft entry before, as JSON (picks.py's format)
    entry_after: str | None = None
    position_before: int | None = None  # 1-based place within its section
    seq: int = 0  # order of all decisions
    batch: int = 0  # decisions made by one command or key: undone together
    made_at: datetime | None = None
    undone_at: datetime | None = None


@dataclass(frozen=True)
class UpsertResult:
    new: tuple[str, ...]  # ids of items seen for the first time
    seen: int  # entries that matched an item already stored


class StoryRow(NamedTuple):
    """An item as the story clusterer sees it. `date`: seconds since the epoch of the
    earlier of its publication date and first sight (a feed's future date is not news)."""

    seq: int  # arrival order (the row id)
    id: str
    title: str | None
    summary: str | None
    date: float
    story: str | None = None
    story_seq: int = 0
    terms: str | None = None  # the vector as saved: its terms, space-separated,
    weights: bytes | None = None  # and their weights (array('d') bytes), in that order


@dataclass(frozen=True)
class StoryMember:
    id: str
    story: str
    source: str
    title: str | None
    url: str | None
    summary: str | None
    published: datetime | None
    status: ItemStatus
    first_seen: datetime
    sources: tuple[str, ...]


@dataclass(frozen=True)
class StoryChanges:
    """What one clustering run decided, to be saved in one transaction."""

    assigned: Sequence[tuple[str, str, str, bytes]]  # (item, story, terms, weights)
    founded: Sequence[tuple[str, int]]  # (new story, its founder's seq)
    merges: Sequence[tuple[str, str]]  # (absorbed story, surviving story), in order
    reset: bool = False  # a rebuild: every earlier assignment is replaced


@dataclass(frozen=True)
class ItemQuery:
    """Which items a listing wants, in what order and which page. Every filter runs in SQL
    and they combine (AND)."""

    status: ItemStatus | None = None
    # Each group: items seen from any of these sources; every group must hold. (`--source`
    # makes one group, `--tag` another, so `--source a --tag uk` is both.)
    sources: tuple[tuple[str, ...], ...] = ()
    since: datetime | None = None
    search: Search | None = None
    order: str = "newest"  # a key of ITEM_ORDERS
    # `items --stories`: only the item standing for each story (a picked one, else the
    # first in this order) among those the filters select.
    one_per_story: bool = False
    limit: int | None = None
    offset: int = 0


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


def _refresh_sizes(db: sqlite3.Connection, stories: Iterable[str] | None) -> None:
    """Recount the distinct sources of these stories (None: of every story)."""
    count = (
        "UPDATE stories SET size = (SELECT count(DISTINCT s.source) FROM items j"
        " JOIN item_sources s ON s.item_id = j.id WHERE j.story = stories.id)"
    )
    if stories is None:
        db.execute(count)
        return
    wanted = list(stories)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        db.execute(f"{count} WHERE id IN ({','.join('?' * len(chunk))})", chunk)


def _rows_in(db: sqlite3.Connection, sql: str, values: Sequence[str]) -> Iterator[Any]:
    """Rows of `sql`, whose `{marks}` stands for the placeholders of `values`, run a few
    hundred values at a time (SQLite limits the variables of one statement)."""
    for start in range(0, len(values), 500):
        chunk = list(values[start : start + 500])
        yield from db.execute(sql.replace("{marks}", ",".join("?" * len(chunk))), chunk)


def _run_script(db: sqlite3.Connection, script: str) -> None:
    # Not executescript(): it commits first, and a migration must be one transaction.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _add_search_index(db: sqlite3.Connection) -> None:
    """`items --search`: a full-text index over title and summary, where SQLite has FTS5
    (else searches scan; Store._sync_search_index builds it once a build with FTS5 opens
    the store)."""
    if fts5_available(db):
        _create_search_index(db)


def _add_decisions(db: sqlite3.Connection) -> None:
    """The decisions log: every pick, skip, note and unpick, whichever session made it,
    with what it changed, so `digestctl undo` can revert it and rankers can learn from it."""
    _run_script(
        db,
        """
        CREATE TABLE decisions (
            seq             INTEGER PRIMARY KEY AUTOINCREMENT,
            batch           INTEGER NOT NULL,
            made_at         TEXT NOT NULL,
            draft           TEXT,
            item_id         TEXT NOT NULL,
            action          TEXT NOT NULL,
            status_before   TEXT,
            status_after    TEXT,
            entry_before    TEXT,
            entry_after     TEXT,
            position_before INTEGER,
            undone_at       TEXT
        );
        CREATE INDEX decisions_by_batch ON decisions (batch);
        CREATE INDEX decisions_by_item ON decisions (item_id)
        """,
    )


def _add_item_texts(db: sqlite3.Connection) -> None:
    # Full texts live apart from items: `items` stays small and fast to list, and texts
    # can be dropped (prune --texts-older-than) without touching an editor's decisions.
    _run_script(
        db,
        """
        CREATE TABLE item_texts (
            item_id   TEXT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
            source    TEXT NOT NULL,
            fetched   TEXT NOT NULL,
            text      BLOB NOT NULL,
            markdown  BLOB NOT NULL
        );
        CREATE INDEX item_texts_by_date ON item_texts (fetched);
        CREATE TABLE item_bodies (
            item_id   TEXT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
            fetched   TEXT NOT NULL,
            body      BLOB NOT NULL
        );
        CREATE INDEX item_bodies_by_date ON item_bodies (fetched);
        """,
    )


def _add_stories(db: sqlite3.Connection) -> None:
    """Stories: each item's story (named after its founding item), the item's frozen TF-IDF
    vector (so a later fetch rebuilds the window's index exactly), the stories, and the
    editor's corrections. Existing items get their stories on the next fetch."""
    _run_script(
        db,
        """
        ALTER TABLE items ADD COLUMN story TEXT;
        ALTER TABLE items ADD COLUMN story_terms TEXT;
        ALTER TABLE items ADD COLUMN story_weights BLOB;
        CREATE INDEX items_by_story ON items (story);
        CREATE TABLE stories (
            id       TEXT PRIMARY KEY,
            seq      INTEGER NOT NULL,
            created  TEXT NOT NULL,
            size     INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE story_fixes (
            kind  TEXT NOT NULL CHECK (kind IN ('merge', 'split')),
            a     TEXT NOT NULL,
            b     TEXT NOT NULL,
            at    TEXT NOT NULL,
            PRIMARY KEY (kind, a, b)
        ) WITHOUT ROWID;
        """,
    )


def _add_ranking(db: sqlite3.Connection) -> None:
    """The ranking model's state: every pick (1) and skip (0) it learns from, and the
    weights learned from them (a cache: rebuilt from the decisions whenever it is stale)."""
    _run_script(
        db,
        """
        CREATE TABLE rank_decisions (
            item_id     TEXT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
            label       INTEGER NOT NULL,
            decided_at  TEXT NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO rank_decisions (item_id, label, decided_at)
            SELECT id, status = 'picked', last_seen FROM items
            WHERE status IN ('picked', 'skipped');
        CREATE TABLE rank_weights (
            feature     TEXT PRIMARY KEY,
            weight      REAL NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE rank_model (
            key         TEXT PRIMARY KEY,
            value       TEXT NOT NULL
        ) WITHOUT ROWID
        """,
    )


_MIGRATIONS = [
    _v0_to_v1,
    _add_search_index,
    _add_decisions,
    _add_stories,
    _add_ranking,
    _add_item_texts,
]
SCHEMA_VERSION = len(_MIGRATIONS)

# The full-text index is an external-content FTS5 table: it holds only the index, and
# reads title and summary from `items` by rowid. Triggers keep it in step with `items`.
# Caution: VACUUM may renumber the rowids of a table without an INTEGER PRIMARY KEY, as
# `items` is; anything that vacuums must then run _create_search_index again (a rebuild).
_SEARCH_TRIGGERS = {
    "items_search_insert": "AFTER INSERT ON items BEGIN"
    " INSERT INTO items_fts (rowid, title, summary) VALUES (new.rowid, new.title, new.summary);"
    " END",
    "items_search_delete": "AFTER DELETE ON items BEGIN"
    " INSERT INTO items_fts (items_fts, rowid, title, summary)"
    " VALUES ('delete', old.rowid, old.title, old.summary);"
    " END",
    # Only when the text changes: a fetch touches every item it sees again (last_seen).
    "items_search_update": "AFTER UPDATE OF title, summary ON items"
    " WHEN old.title IS NOT new.title OR old.summary IS NOT new.summary BEGIN"
    " INSERT INTO items_fts (items_fts, rowid, title, summary)"
    " VALUES ('delete', old.rowid, old.title, old.summary);"
    " INSERT INTO items_fts (rowid, title, summary) VALUES (new.rowid, new.title, new.summary);"
    " END",
}


def fts5_available(db: sqlite3.Connection) -> bool:
    """Whether this SQLite build has FTS5 (most do; some system builds leave it out)."""
    try:
        return (
            db.execute("SELECT 1 FROM pragma_module_list WHERE name = 'fts5'").fetchone()
            is not None
        )
    except sqlite3.OperationalError:  # built without the introspection pragmas: try it
        try:
            db.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        except sqlite3.OperationalError:
            return False
        db.execute("DROP TABLE temp.fts5_probe")
        return True


def _create_search_index(db: sqlite3.Connection) -> None:
    """Create (or repair) the full-text index and its triggers, and index every item."""
    db.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5(title, summary,"
        " content='items', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"
    )
    for name, body in _SEARCH_TRIGGERS.items():
        db.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
    db.execute("INSERT INTO items_fts (items_fts) VALUES ('rebuild')")


# How listings may be sorted: ItemQuery.order names one. The last keys make the order total,
# so that --offset pages neither repeat nor skip an item.
ITEM_ORDERS = {
    "newest": "coalesce(published, first_seen) DESC, first_seen DESC, id",
    "source": "source, coalesce(published, first_seen) DESC, first_seen DESC, id",
}
_NEWEST_FIRST = f"ORDER BY {ITEM_ORDERS['newest']}"  # for queries outside ItemQuery
# Distinct sources carrying the story of the item in table `t` (kept in stories.size), or
# carrying the item itself before it has a story.
_STORY_SIZE = (
    "coalesce((SELECT size FROM stories WHERE stories.id = {t}.story),"
    " (SELECT count(*) FROM item_sources s WHERE s.item_id = {t}.id))"
)
_STORY_OF = "SELECT story FROM items WHERE id = ?"
# The keys and order of `items --json` (output.format_item is the same shape in Python).
_ITEM_JSON = (
    "json_object('id', id, 'source', source, 'title', title, 'url', url, 'summary', summary,"
    " 'published', published, 'author', author, 'site', site, 'status', status,"
    " 'first_seen', first_seen, 'story', story,"
    " 'story_size', " + _STORY_SIZE.format(t="items") + ")"
)
# An item's date for stories: its publication date, unless later than first seen.
_STORY_DATE = "min(coalesce(published, first_seen), first_seen)"

_ITEM_COLUMNS = (
    "id, source, title, url, summary, published, author, site, status, first_seen, last_seen,"
    " image, story"
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
            self._sync_search_index()
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

    def _sync_search_index(self) -> None:
        """Use the full-text index where this SQLite has FTS5, and keep it true to `items`.

        A workspace can move between machines whose SQLite differ. Without FTS5, the index's
        triggers would make every write fail ("no such module: fts5"): drop them (searches
        scan instead). With FTS5 and no triggers (the store was made, or written, without
        it): build the index again.
        """
        self.search_index = fts5_available(self._db)
        if not self._search_index_out_of_step():
            return
        with self._write() as db:
            if not self._search_index_out_of_step():  # another process did it meanwhile
                return
            if self.search_index:
                _create_search_index(db)
            else:
                for name in _SEARCH_TRIGGERS:
                    db.execute(f"DROP TRIGGER IF EXISTS {name}")

    def _search_index_out_of_step(self) -> bool:
        marks = ",".join("?" * len(_SEARCH_TRIGGERS))
        triggers = self._db.execute(
            f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",
            list(_SEARCH_TRIGGERS),
        ).fetchone()[0]
        return bool(triggers < len(_SEARCH_TRIGGERS) if self.search_index else triggers > 0)

    # -- items ---------------------------------------------------------------------------

    def upsert_items(self, items: Sequence[NewItem], now: datetime) -> UpsertResult:
        """Store a source's entries; one story seen again (same key) is one item."""
        new: list[str] = []
        seen = 0
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
                    db.execute(
                        "INSERT INTO items (id, key, source, title, url, summary, published,"
                        " author, site, image, status, first_seen, last_seen)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
                        ),
                    )
                    new.append(item_id)
                added = db.execute(
                    "INSERT OR IGNORE INTO item_sources VALUES (?, ?, ?)",
                    (item_id, it.source, stamp),
                ).rowcount
                if added and row is not None:
                    # A story already stored, now from one more source: its size may grow.
                    _refresh_sizes(
                        db, [r[0] for r in db.execute(_STORY_OF, (item_id,)) if r[0] is not None]
                    )
                if it.text is not None:
                    # A text stored already stays: the first full text found is kept.
                    _insert_text(db, item_id, it.text, now, replace_old=False)
                if it.body is not None:
                    db.execute(
                        "INSERT OR IGNORE INTO item_bodies (item_id, fetched, body) VALUES (?,?,?)",
                        (item_id, stamp, zlib.compress(it.body.encode("utf-8"), 1)),
                    )
        return UpsertResult(tuple(new), seen)

    @staticmethod
    def _free_id(db: sqlite3.Connection, wanted: str, key: str) -> str:
        # Ids are a short hash of the key; on the rare collision, extend deterministically.
        candidate, n = wanted, 1
        while db.execute("SELECT 1 FROM items WHERE id = ?", (candidate,)).fetchone():
            candidate, n = f"{wanted}{n}", n + 1
        return candidate

    def known_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these keys are stored already (page sources skip fetching those)."""
        sql = "SELECT key FROM items WHERE key IN ({marks})"
        return {r[0] for r in _rows_in(self._db, sql, list(keys))}

    def get_items(self, item_ids: Sequence[str]) -> dict[str, Item]:
        """The given items, by id (unknown ids left out)."""
        sql = f"SELECT {_ITEM_COLUMNS} FROM items WHERE id IN ({{marks}})"
        return {item.id: item for item in map(_item, _rows_in(self._db, sql, item_ids))}

    def iter_items(self, query: ItemQuery) -> Iterator[Item]:
        """The items a query selects, streamed from the cursor (constant memory)."""
        sql, args = self._select(_ITEM_COLUMNS, query)
        for row in self._db.execute(sql, args):
            yield _item(row)

    def iter_items_json(self, query: ItemQuery) -> Iterator[ItemJson]:
        """As iter_items, each item already serialised by SQLite in the `items --json` shape.

        `items --json` over a large store spends most of its time building objects only to
        serialise them again; SQLite writes the same JSON in C, several times faster.
        """
        sql, args = self._select(f"id, url, status, {_ITEM_JSON}", query)
        for row in self._db.execute(sql, args):
            yield ItemJson(*row)

    def items_json(self, item_ids: Sequence[str]) -> dict[str, ItemJson]:
        """The given items serialised by SQLite (see iter_items_json), by id."""
        sql = f"SELECT id, url, status, {_ITEM_JSON} FROM items WHERE id IN ({{marks}})"
        return {r[0]: ItemJson(*r) for r in _rows_in(self._db, sql, item_ids)}

    def iter_item_lines(self, query: ItemQuery) -> Iterator[ItemLine]:
        """As iter_items, only what a listing line shows: several times cheaper per row."""
        columns = (
            "id, url, status, source, substr(coalesce(published, first_seen), 1, 10), title, "
            + _STORY_SIZE.format(t="items")
        )
        sql, args = self._select(columns, query)
        for row in self._db.execute(sql, args):
            yield ItemLine(*row)

    def count_matching(self, query: ItemQuery) -> int:
        """How many items the query's filters select, whatever its limit and offset."""
        where, args = self._where(query)
        counted = "count(DISTINCT coalesce(story, id))" if query.one_per_story else "count(*)"
        return int(
            self._db.execute(f"SELECT {counted} FROM items WHERE {where}", args).fetchone()[0]
        )

    def list_items(
        self,
        *,
        status: ItemStatus | None = None,
        source: str | None = None,
        since: datetime | None = None,
        search: str | None = None,
        limit: int | None = None,
    ) -> list[Item]:
        """Items newest first (by publication date, else first seen)."""
        query = _simple_query(status, source, since, search, limit)
        return list(self.iter_items(query))

    def list_items_json(
        self,
        *,
        status: ItemStatus | None = None,
        source: str | None = None,
        since: datetime | None = None,
        search: str | None = None,
        limit: int | None = None,
    ) -> list[ItemJson]:
        """As list_items, serialised by SQLite (see iter_items_json)."""
        return list(self.iter_items_json(_simple_query(status, source, since, search, limit)))

    def _select(self, columns: str, query: ItemQuery) -> tuple[str, list[str]]:
        try:
            order = ITEM_ORDERS[query.order]
        except KeyError:
            raise ValueError(f"unknown item order {query.order!r}") from None
        where, args = self._where(query)
        if query.one_per_story:
            # The subquery is named `items` so that the columns (and their correlated
            # subqueries, as in story_size) read as they do from the table.
            sql = (
                f"SELECT {columns} FROM (SELECT *, row_number() OVER (PARTITION BY"
                f" coalesce(story, id) ORDER BY status = 'picked' DESC, {order}) AS story_rank"
                f" FROM items WHERE {where}) AS items WHERE story_rank = 1 ORDER BY {order}"
            )
        else:
            sql = f"SELECT {columns} FROM items WHERE {where} ORDER BY {order}"
        if query.limit is not None or query.offset:
            sql += f" LIMIT {-1 if query.limit is None else int(query.limit)}"
            sql += f" OFFSET {int(query.offset)}"
        return sql, args

    def _where(self, query: ItemQuery) -> tuple[str, list[str]]:
        where: list[str] = ["1"]
        args: list[str] = []
        if query.status is not None:
            where.append("status = ?")
            args.append(query.status.value)
        for group in query.sources:
            marks = ",".join("?" * len(group)) or "NULL"
            where.append(f"id IN (SELECT item_id FROM item_sources WHERE source IN ({marks}))")
            args += group
        if query.since is not None:
            where.append("coalesce(published, first_seen) >= ?")
            args.append(_iso_required(query.since))
        if query.search is not None:
            if self.search_index:
                _fts_filter(query.search, where, args)
            else:
                _scan_filter(query.search, where, args)
        return " AND ".join(where), args

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

    def set_status(
        self, ids: Sequence[str], status: ItemStatus, now: datetime | None = None
    ) -> None:
        """Change items' status (see _set_status)."""
        stamp = _iso_required(now or datetime.now(UTC))
        with self._write() as db:
            _set_status(db, ids, status, stamp)

    # -- decisions -----------------------------------------------------------------------

    def record_decision(
        self, decisions: Sequence[LoggedDecision], now: datetime
    ) -> list[LoggedDecision]:
        """Log one batch of decisions and set each item's `status_after`, in one
        transaction: the log and the statuses never disagree. Returns the rows as stored."""
        stored: list[LoggedDecision] = []
        stamp = _iso_required(now)
        with self._write() as db:
            batch = int(
                db.execute("SELECT coalesce(max(batch), 0) + 1 FROM decisions").fetchone()[0]
            )
            for d in decisions:
                if d.status_after is not None:
                    _set_status(db, [d.item_id], d.status_after, stamp)
                cursor = db.execute(
                    "INSERT INTO decisions (batch, made_at, draft, item_id, action,"
                    " status_before, status_after, entry_before, entry_after, position_before)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        batch,
                        stamp,
                        d.draft,
                        d.item_id,
                        d.action,
                        d.status_before.value if d.status_before else None,
                        d.status_after.value if d.status_after else None,
                        d.entry_before,
                        d.entry_after,
                        d.position_before,
                    ),
                )
                assert cursor.lastrowid is not None
                stored.append(replace(d, seq=cursor.lastrowid, batch=batch, made_at=_dt(stamp)))
        return stored

    def last_decisions(
        self, limit: int | None = 20, *, include_undone: bool = False
    ) -> list[LoggedDecision]:
        """The decisions log, newest first (`limit` None: all of it)."""
        sql = f"SELECT {_DECISION_COLUMNS} FROM decisions"
        if not include_undone:
            sql += " WHERE undone_at IS NULL"
        sql += " ORDER BY seq DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_decision(r) for r in self._db.execute(sql)]

    def undo_last(
        self, now: datetime, restore: Callable[[list[LoggedDecision]], None]
    ) -> list[LoggedDecision]:
        """Undo the newest batch still in effect: `restore` puts the draft files back (it
        runs first, because the drafts are the truth and a second undo of the same batch
        changes nothing), then the statuses go back and the batch is marked undone, in one
        transaction. Returns the batch, newest first; empty when there is nothing to undo."""
        row = self._db.execute(
            "SELECT max(batch) FROM decisions WHERE undone_at IS NULL"
        ).fetchone()
        if row is None or row[0] is None:
            return []
        batch = [
            _decision(r)
            for r in self._db.execute(
                f"SELECT {_DECISION_COLUMNS} FROM decisions WHERE batch = ? AND undone_at IS NULL"
                " ORDER BY seq DESC",
                (row[0],),
            )
        ]
        restore(batch)
        self.mark_undone(batch, now)
        return batch

    def mark_undone(self, decisions: Sequence[LoggedDecision], now: datetime) -> None:
        """Put the items' statuses back as they were before `decisions` (newest first) and
        mark them undone, in one transaction."""
        with self._write() as db:
            for d in decisions:
                if d.status_before is not None:
                    _set_status(db, [d.item_id], d.status_before, _iso_required(now))
                db.execute(
                    "UPDATE decisions SET undone_at = ? WHERE seq = ? AND undone_at IS NULL",
                    (_iso_required(now), d.seq),
                )

    def item_sources(self, item_id: str) -> list[str]:
        return [
            r[0]
            for r in self._db.execute(
                "SELECT source FROM item_sources WHERE item_id = ? ORDER BY first_seen", (item_id,)
            )
        ]

    # -- stories -------------------------------------------------------------------------

    def unclustered_items(self) -> list[StoryRow]:
        """Items without a story yet, in arrival order: new ones, or all after an upgrade."""
        return [
            StoryRow(r[0], r[1], r[2], r[3], _epoch(r[4]))
            for r in self._db.execute(
                f"SELECT rowid, id, title, summary, {_STORY_DATE} FROM items"
                " WHERE story IS NULL ORDER BY rowid"
            )
        ]

    def all_story_items(self) -> list[StoryRow]:
        """Every item in arrival order, for `stories rebuild`."""
        return [
            StoryRow(r[0], r[1], r[2], r[3], _epoch(r[4]))
            for r in self._db.execute(
                f"SELECT rowid, id, title, summary, {_STORY_DATE} FROM items ORDER BY rowid"
            )
        ]

    def story_window(self, days: float) -> list[StoryRow]:
        """Clustered items within `days` of the newest clustered one, in arrival order,
        with their saved vectors: the index a fetch resumes from."""
        newest = self._db.execute(
            f"SELECT max({_STORY_DATE}) FROM items WHERE story IS NOT NULL"
        ).fetchone()[0]
        if newest is None:
            return []
        horizon = _epoch(newest) - days * 86400
        start = datetime.fromtimestamp(horizon, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return [
            StoryRow(r[0], r[1], None, None, _epoch(r[2]), r[3], int(r[4] or 0), r[5], r[6])
            for r in self._db.execute(
                f"SELECT i.rowid, i.id, {_STORY_DATE}"
                ", i.story, s.seq, i.story_terms, i.story_weights"
                " FROM items i LEFT JOIN stories s ON s.id = i.story"
                f" WHERE i.story IS NOT NULL AND {_STORY_DATE} >= ? ORDER BY i.rowid",
                (start,),
            )
        ]

    def save_stories(self, changes: StoryChanges, now: datetime) -> None:
        """Write a clustering run's decisions at once (or, for a rebuild, replace all)."""
        stamp = _iso(now)
        with self._write() as db:
            if changes.reset:
                db.execute(
                    "UPDATE items SET story = NULL, story_terms = NULL, story_weights = NULL"
                )
                db.execute("DELETE FROM stories")
            db.executemany(
                "INSERT OR REPLACE INTO stories (id, seq, created) VALUES (?, ?, ?)",
                [(story, seq, stamp) for story, seq in changes.founded],
            )
            # `AND story IS NULL`: an item another process clustered meanwhile keeps its story.
            db.executemany(
                "UPDATE items SET story = ?, story_terms = ?, story_weights = ?"
                " WHERE id = ? AND story IS NULL",
                [(story, t, w, item) for item, story, t, w in changes.assigned],
            )
            for gone, into in changes.merges:
                db.execute("UPDATE items SET story = ? WHERE story = ?", (into, gone))
                db.execute("DELETE FROM stories WHERE id = ?", (gone,))
            if changes.reset:
                _refresh_sizes(db, None)
            else:
                touched = {story for _, story, _, _ in changes.assigned}
                touched.update(into for _, into in changes.merges)
                _refresh_sizes(db, touched)

    def story_fixes(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The editor's corrections: (must-link pairs, cannot-link pairs) of item ids."""
        must: list[tuple[str, str]] = []
        cannot: list[tuple[str, str]] = []
        for kind, a, b in self._db.execute("SELECT kind, a, b FROM story_fixes ORDER BY at, a, b"):
            (must if kind == "merge" else cannot).append((a, b))
        return must, cannot

    def story_of(self, item_id: str) -> str | None:
        row = self._db.execute("SELECT story FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise UsageError(f"no item with id {item_id!r}", hint="`digestctl items` lists them")
        return None if row[0] is None else str(row[0])

    def resolve_story(self, prefix: str) -> str:
        """A story id from a unique prefix of it, or of any of its items' ids."""
        (item_id,) = self.resolve_ids([prefix])
        story = self.story_of(item_id)
        if story is None:
            raise UsageError(
                f"item {item_id} has no story yet", hint="`digestctl fetch` or `stories rebuild`"
            )
        return story

    def merge_stories(self, a: str, b: str, now: datetime) -> str:
        """Make two stories one (the older id survives); recorded so it survives re-clustering."""
        stamp = _iso(now)
        with self._write() as db:
            seqs = dict(db.execute("SELECT id, seq FROM stories WHERE id IN (?, ?)", (a, b)))
            keep, gone = sorted((a, b), key=lambda s: (seqs.get(s, 0), s))
            members = {
                s: [r[0] for r in db.execute("SELECT id FROM items WHERE story = ?", (s,))]
                for s in (keep, gone)
            }
            for x in members[keep]:
                for y in members[gone]:
                    db.execute(
                        "DELETE FROM story_fixes WHERE kind = 'split' AND"
                        " ((a = ? AND b = ?) OR (a = ? AND b = ?))",
                        (x, y, y, x),
                    )
            db.execute(
                "INSERT OR IGNORE INTO story_fixes VALUES ('merge', ?, ?, ?)", (keep, gone, stamp)
            )
            db.execute("UPDATE items SET story = ? WHERE story = ?", (keep, gone))
            db.execute("DELETE FROM stories WHERE id = ?", (gone,))
            _refresh_sizes(db, [keep])
        return keep

    def split_item(self, item_id: str, now: datetime) -> tuple[str, str | None]:
        """Take an item out of its story into one of its own; recorded so it survives
        re-clustering. Returns (the item's story, the rest's story or None)."""
        stamp = _iso(now)
        with self._write() as db:
            row = db.execute("SELECT rowid, story FROM items WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise UsageError(
                    f"no item with id {item_id!r}", hint="`digestctl items` lists them"
                )
            seq, story = row
            others = [
                (r[0], r[1])
                for r in db.execute(
                    "SELECT id, rowid FROM items WHERE story = ? AND id != ? ORDER BY rowid",
                    (story, item_id),
                )
            ]
            db.execute(
                "DELETE FROM story_fixes WHERE kind = 'merge' AND (a = ? OR b = ?)",
                (item_id, item_id),
            )
            db.executemany(
                "INSERT OR IGNORE INTO story_fixes VALUES ('split', ?, ?, ?)",
                [(item_id, other, stamp) for other, _ in others],
            )
            rest: str | None = story
            if others and story == item_id:
                # The founder leaves: the rest is named after its oldest remaining item.
                rest, rest_seq = others[0]
                db.execute("UPDATE items SET story = ? WHERE story = ?", (rest, story))
                db.execute(
                    "INSERT OR REPLACE INTO stories (id, seq, created) VALUES (?, ?, ?)",
                    (rest, rest_seq, stamp),
                )
            db.execute(
                "INSERT OR REPLACE INTO stories (id, seq, created) VALUES (?, ?, ?)",
                (item_id, seq, stamp),
            )
            db.execute("UPDATE items SET story = ? WHERE id = ?", (item_id, item_id))
            _refresh_sizes(db, [item_id, *([rest] if rest else [])])
        return item_id, (rest if others else None)

    def story_info(self, item_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """Each known item's (story, source); an item not clustered yet is its own story."""
        sql = "SELECT id, story, source FROM items WHERE id IN ({marks})"
        rows = _rows_in(self._db, sql, list(dict.fromkeys(item_ids)))
        return {r[0]: (r[1] or r[0], r[2]) for r in rows}

    def story_sizes(self, item_ids: Iterable[str]) -> dict[str, int]:
        """How many distinct sources carry each item's story (1 for an item with none)."""
        sql = f"SELECT i.id, {_STORY_SIZE.format(t='i')} FROM items i WHERE i.id IN ({{marks}})"
        rows = _rows_in(self._db, sql, list(dict.fromkeys(item_ids)))
        return {r[0]: int(r[1]) for r in rows}

    def story_members(self, stories: Iterable[str]) -> dict[str, list[StoryMember]]:
        """The items of each story, oldest first, with every source carrying them."""
        wanted = list(dict.fromkeys(stories))
        found: dict[str, list[StoryMember]] = {s: [] for s in wanted}
        sql = (
            "SELECT i.id, i.story, i.source, i.title, i.url, i.summary, i.published,"
            " i.status, i.first_seen, (SELECT group_concat(source, ' ') FROM"
            " (SELECT source FROM item_sources WHERE item_id = i.id ORDER BY first_seen))"
            " FROM items i WHERE i.story IN ({marks}) ORDER BY i.rowid"
        )
        for r in _rows_in(self._db, sql, wanted):
            first_seen = _dt(r[8])
            assert first_seen is not None
            found[str(r[1])].append(
                StoryMember(
                    id=str(r[0]),
                    story=str(r[1]),
                    source=str(r[2]),
                    title=_opt(r[3]),
                    url=_opt(r[4]),
                    summary=_opt(r[5]),
                    published=_dt(r[6]),
                    status=ItemStatus(str(r[7])),
                    first_seen=first_seen,
                    sources=tuple(str(r[9] or r[2]).split()),
                )
            )
        return found

    def count_items(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM items").fetchone()[0])

    def outlet_counts(self) -> dict[str, int]:
        """Item id -> how many distinct sources carry its story, for the items whose story
        more than one source carries (ranking's story-size signal)."""
        return {
            str(r[0]): int(r[1])
            for r in self._db.execute(
                "SELECT i.id, s.size FROM items i JOIN stories s ON s.id = i.story WHERE s.size > 1"
            )
        }

    # -- ranking ---------------------------------------------------------------------------

    def list_rank_examples(self, limit: int | None = None) -> list[RankExample]:
        """The decisions the ranking model learns from, newest first, with their items' text."""
        sql = (
            "SELECT d.item_id, d.label, i.source, i.title, i.summary FROM rank_decisions d"
            " JOIN items i ON i.id = d.item_id ORDER BY d.decided_at DESC, d.item_id"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [RankExample(*r) for r in self._db.execute(sql)]

    def count_rank_decisions(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM rank_decisions").fetchone()[0])

    def rank_source_counts(self) -> dict[str, tuple[int, int]]:
        """Per source: (picked, decided) among the decisions the model learns from."""
        return {
            str(r[0]): (int(r[1]), int(r[2]))
            for r in self._db.execute(
                "SELECT i.source, sum(d.label = 1), count(*) FROM rank_decisions d"
                " JOIN items i ON i.id = d.item_id GROUP BY i.source"
            )
        }

    def save_rank_model(self, meta: Mapping[str, str], weights: Mapping[str, float]) -> None:
        """Replace the stored model, whole, in one transaction."""
        with self._write() as db:
            db.execute("DELETE FROM rank_weights")
            db.execute("DELETE FROM rank_model")
            db.executemany("INSERT INTO rank_weights VALUES (?, ?)", weights.items())
            db.executemany("INSERT INTO rank_model VALUES (?, ?)", meta.items())

    def load_rank_model(self) -> tuple[dict[str, object], list[tuple[object, object]]]:
        """The stored model as it is on disk (checked by the ranking module, not here)."""
        meta = {str(k): v for k, v in self._db.execute("SELECT key, value FROM rank_model")}
        weights = self._db.execute("SELECT feature, weight FROM rank_weights").fetchall()
        return meta, weights

    def reset_rank_model(self) -> int:
        """Forget every decision the model learned from, and the model; returns how many."""
        with self._write() as db:
            count = int(db.execute("SELECT count(*) FROM rank_decisions").fetchone()[0])
            for table in ("rank_decisions", "rank_weights", "rank_model"):
                db.execute(f"DELETE FROM {table}")
        return count

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
            " coalesce(published, first_seen), published, story,"
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

    # -- full texts ----------------------------------------------------------------------

    def save_text(self, item_id: str, text: ItemText, now: datetime) -> None:
        """Store (or replace) an item's full text, compressed."""
        with self._write() as db:
            _insert_text(db, item_id, text, now, replace_old=True)

    def get_text(self, item_id: str) -> ItemText | None:
        row = self._db.execute(
            "SELECT source, fetched, text, markdown FROM item_texts WHERE item_id = ?",
            (item_id,),
        ).fetchone()
        return _item_text(row) if row else None

    def keys_with_text(self, keys: Iterable[str]) -> set[str]:
        """Which of these keys name an item that has a full text or a feed body stored."""
        sql = (
            "SELECT key FROM items WHERE key IN ({marks}) AND (id IN"
            " (SELECT item_id FROM item_texts) OR id IN (SELECT item_id FROM item_bodies))"
        )
        return {r[0] for r in _rows_in(self._db, sql, list(keys))}

    def get_body(self, item_id: str) -> str | None:
        """The feed entry's body stored for the item (markup), if any."""
        row = self._db.execute(
            "SELECT body FROM item_bodies WHERE item_id = ?", (item_id,)
        ).fetchone()
        return zlib.decompress(row[0]).decode("utf-8") if row else None

    def get_texts(self, ids: Sequence[str]) -> dict[str, ItemText]:
        sql = (
            "SELECT item_id, source, fetched, text, markdown FROM item_texts"
            " WHERE item_id IN ({marks})"
        )
        return {row[0]: _item_text(row[1:]) for row in _rows_in(self._db, sql, ids)}

    def has_texts(self, ids: Sequence[str]) -> set[str]:
        """Which of these items have a full text stored."""
        sql = "SELECT item_id FROM item_texts WHERE item_id IN ({marks})"
        return {r[0] for r in _rows_in(self._db, sql, ids)}

    def prune_texts(self, older_than: datetime) -> int:
        """Drop full texts stored before `older_than`; returns how many. Items stay."""
        with self._write() as db:
            cursor = db.execute("DELETE FROM item_texts WHERE fetched <= ?", (_iso(older_than),))
            db.execute("DELETE FROM item_bodies WHERE fetched <= ?", (_iso(older_than),))
            return cursor.rowcount

    def integrity_ok(self) -> bool:
        return bool(self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


_DECISION_COLUMNS = (
    "seq, batch, made_at, draft, item_id, action, status_before, status_after, entry_before,"
    " entry_after, position_before, undone_at"
)


def _decision(r: Sequence[object]) -> LoggedDecision:
    return LoggedDecision(
        seq=int(str(r[0])),
        batch=int(str(r[1])),
        made_at=_dt(r[2]),
        draft=_opt(r[3]),
        item_id=str(r[4]),
        action=str(r[5]),
        status_before=ItemStatus(str(r[6])) if r[6] is not None else None,
        status_after=ItemStatus(str(r[7])) if r[7] is not None else None,
        entry_before=_opt(r[8]),
        entry_after=_opt(r[9]),
        position_before=int(str(r[10])) if r[10] is not None else None,
        undone_at=_dt(r[11]),
    )


_SOURCE_COLUMNS = (
    "name, url, etag, last_modified, last_attempt, last_success, last_error, error_kind,"
    " consecutive_failures, failing_since, retry_not_before, moved_to"
)


def _insert_text(
    db: sqlite3.Connection, item_id: str, text: ItemText, now: datetime, *, replace_old: bool
) -> None:
    verb = "INSERT OR REPLACE" if replace_old else "INSERT OR IGNORE"
    db.execute(
        f"{verb} INTO item_texts (item_id, source, fetched, text, markdown) VALUES (?,?,?,?,?)",
        (
            item_id,
            text.source.value,
            _iso(text.fetched or now),
            zlib.compress(text.text.encode("utf-8"), 6),
            zlib.compress(text.markdown.encode("utf-8"), 6),
        ),
    )


def _item_text(row: Sequence[object]) -> ItemText:
    source, fetched, text, markdown = row
    assert isinstance(text, bytes)
    assert isinstance(markdown, bytes)
    return ItemText(
        text=zlib.decompress(text).decode("utf-8"),
        markdown=zlib.decompress(markdown).decode("utf-8"),
        source=TextSource(str(source)),
        fetched=_dt(fetched),
    )


def _simple_query(
    status: ItemStatus | None,
    source: str | None,
    since: datetime | None,
    search: str | None,
    limit: int | None,
) -> ItemQuery:
    return ItemQuery(
        status=status,
        sources=((source,),) if source is not None else (),
        since=since,
        search=parse_search(search) if search and search.strip() else None,
        limit=limit,
    )


def _fts_filter(search: Search, where: list[str], args: list[str]) -> None:
    wanted, unwanted = search.fts5_all(), search.fts5_none()
    if wanted is not None:
        where.append("rowid IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
        args.append(wanted)
    if unwanted is not None:
        where.append("rowid NOT IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
        args.append(unwanted)


def _scan_filter(search: Search, where: list[str], args: list[str]) -> None:
    """The search without FTS5: a term's words in order within title or summary, as
    substrings, case-insensitive for ASCII (so `labour` also finds `labourers`)."""

    def contains(words: list[str]) -> str:
        escaped = (w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in words)
        pattern = "%" + "%".join(escaped) + "%"
        args.extend((pattern, pattern))
        return (
            "(coalesce(title, '') LIKE ? ESCAPE '\\' OR coalesce(summary, '') LIKE ? ESCAPE '\\')"
        )

    for group in search.all_of:
        where.append("(" + " OR ".join(contains(t.words()) for t in group) + ")")
    for term in search.none_of:
        where.append("NOT " + contains(term.words()))


def _set_status(db: sqlite3.Connection, ids: Sequence[str], status: ItemStatus, stamp: str) -> None:
    """Change items' status. A pick or a skip is also kept as a decision for the ranking
    model to learn from (in the caller's transaction); back to `new` withdraws it."""
    db.executemany("UPDATE items SET status = ? WHERE id = ?", [(status.value, i) for i in ids])
    if status is ItemStatus.NEW:
        db.executemany("DELETE FROM rank_decisions WHERE item_id = ?", [(i,) for i in ids])
    else:
        db.executemany(
            "INSERT INTO rank_decisions (item_id, label, decided_at)"
            " SELECT id, ?, ? FROM items WHERE id = ?"
            " ON CONFLICT(item_id) DO UPDATE SET label = excluded.label,"
            " decided_at = excluded.decided_at",
            [(int(status is ItemStatus.PICKED), stamp, i) for i in ids],
        )


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
        story=_opt(r[12]),
    )


def _opt(v: object) -> str | None:
    return None if v is None else str(v)


def _iso(dt: datetime | None) -> str | None:
    # Stored as UTC ISO 8601 with a fixed width, so text order is time order.
    return None if dt is None else dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_required(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(v: object) -> float:
    return datetime.fromisoformat(str(v)).timestamp()


def _dt(v: object) -> datetime | None:
    if v is None:
        return None
    return datetime.fromisoformat(str(v))  # 3.11 reads the trailing Z as UTC; fast
