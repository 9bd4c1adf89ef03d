"""What the review app knows about each candidate, read from the store in one query.

This is the app's only way to the data: stories (story id, size), ranking (score, why) and
full text plug in here, and nothing in app.py or board.py needs to change when they land.
Store I/O through `Store`; no terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from digestctl.config import Config
from digestctl.models import ItemStatus
from digestctl.picks import Archive, Window
from digestctl.store import Store


@dataclass(slots=True, eq=False)
class ReviewRow:
    """One candidate. `status` is the only field that changes while the app runs (a
    decision sets it); everything else is as loaded."""

    id: str
    status: ItemStatus
    source: str
    title: str
    url: str | None
    summary: str
    author: str | None
    date: str  # stored UTC ISO text: published, else first seen (formatted only when shown)
    dated: bool = True  # `date` is the publication date, not when it was first seen
    story: str = ""  # items with the same story id are one story (one row until expanded)
    story_size: int = 1  # items in the story, this one included
    score: float | None = None  # how likely the editor picks it (None: not ranked)
    why: tuple[str, ...] = ()  # the ranking's reasons, in words
    outlets: tuple[str, ...] = ()  # other sources that carry the same story
    rowid: int = 0

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.date)


def safe(text: str) -> str:
    """Text fit for the terminal: control characters (an escape sequence in a fetched title
    could clear the screen or retitle the window) become spaces; line breaks stay."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == "\n" else " " for c in text)


def age(when: datetime, now: datetime) -> str:
    """A short age: 40m, 5h, 3d, 6w, 2y (future dates read as 0m)."""
    minutes = max(0, int((now - when).total_seconds() // 60))
    for size, unit in ((60 * 24 * 365, "y"), (60 * 24 * 7 * 2, "w"), (60 * 24, "d"), (60, "h")):
        if minutes >= size:
            span = 60 * 24 * 7 if unit == "w" else size
            return f"{minutes // span}{unit}"
    return f"{minutes}m"


def load_rows(store: Store, window: Window, config: Config | None = None) -> list[ReviewRow]:
    """Every item of the window, all statuses, newest first (the app filters by status in
    memory, so `t` costs no query), in one query, each with its story (items of one story
    are one row until expanded) and its score and reasons (ranking, with `config`'s
    preferences)."""
    data = store.list_review_rows(since=window.start)
    status = {s.value: s for s in ItemStatus}
    rows: list[ReviewRow] = []
    stories: dict[str, list[ReviewRow]] = {}
    for rowid, id_, st, source, title, url, summary, author, when, published, sid, more in data:
        dup = sid if sid is not None and sid != id_ else None
        row = ReviewRow(
            id_,
            status[st],
            safe(source),
            safe(title or url or id_).replace("\n", " "),
            url,
            safe(summary or ""),
            safe(author) if author else None,
            when,
            published is not None,
            dup or id_,
            1,
            None,
            (),
            tuple(safe(m) for m in more.split("\t")) if more else (),
            rowid,
        )
        rows.append(row)
        if dup is not None:  # only stories of more than one item need their members
            stories.setdefault(dup, [])
    if stories:
        for row in rows:
            if row.story in stories:
                stories[row.story].append(row)
    for story in stories.values():
        if len(story) > 1:
            for row in story:
                row.story_size = len(story)
                others = [o.source for o in story if o is not row and o.source != row.source]
                row.outlets = tuple(dict.fromkeys([*row.outlets, *others]))
    rank(store, rows, config)
    return rows


class _Candidate:
    """What ranking reads of a row (the Candidate protocol), without loading Items."""

    __slots__ = ("first_seen", "id", "published", "source", "summary", "title")

    def __init__(self, row: ReviewRow) -> None:
        self.id = row.id
        self.source = row.source
        self.title: str | None = row.title
        self.summary: str | None = row.summary or None
        when = datetime.fromisoformat(row.date)
        self.published: datetime | None = when if row.dated else None
        self.first_seen = when


def rank(store: Store, rows: Sequence[ReviewRow], config: Config | None = None) -> None:
    """Give rows their `score` and `why` (the ranking package; a damaged model gives the
    cold-start order, never an error here)."""
    from digestctl.ranking import load_ranker

    ranker = load_ranker(store, config)
    scored = ranker.rank([_Candidate(r) for r in rows], best_first=False)
    for row, s in zip(rows, scored, strict=True):
        row.score = s.score
        row.why = s.why


def featured_in(archive: Archive, row: ReviewRow, *, current: str | None) -> tuple[str, ...]:
    """Drafts other than `current` that hold this story already (its item, or the item it
    duplicates). Asked for the highlighted row only, never for the whole list."""
    found = archive.featured_in(row.id, row.url, current=current)
    if row.story != row.id:
        found += tuple(
            n for n in archive.featured_in(row.story, None, current=current) if n not in found
        )
    return found


# The reading view's text: the article's full text when the store has it. The full-text
# work plugs its store lookup in here; until then there is none and the view shows the
# summary and the link.
FullText = Callable[[Store, str], "str | None"]


def full_text(store: Store, item_id: str, config: Config | None = None) -> str | None:
    """The item's article text: stored, else its page fetched now and stored (the reading
    view is where an editor asks for it), with its source's settings from `config`
    (timeout, user agent, login, allow_private); None when there is none (the view then
    shows the summary and the link)."""
    from digestctl.fulltext import fetch_text

    source = settings = None
    if config is not None:
        name = store.get_item(item_id).source
        source = next((s for s in config.sources if s.name == name), None)
        settings = config.fetch
    result = fetch_text(store, item_id, source=source, settings=settings)
    return result.text.text if result.text is not None else None


def search_text(row: ReviewRow) -> str:
    """What `/` searches: title, summary and source, lower-cased, on one line."""
    return f"{row.title} \x1f {row.summary} \x1f {row.source}".casefold().replace("\n", " ")


class SearchIndex:
    """Every row's search_text() in one string, so a word is found by C code (str.find)
    rather than a Python loop over the rows: the search over 15,000 candidates stays well
    inside a keystroke. (The listing work's FTS5 index can take this class's place.)"""

    def __init__(self, rows: Sequence[ReviewRow]) -> None:
        self.ids = [r.id for r in rows]
        texts = [search_text(r) for r in rows]
        self.text = "\n".join(texts)
        self.starts: list[int] = []
        at = 0
        for t in texts:
            self.starts.append(at)
            at += len(t) + 1

    def _rows_with(self, word: str) -> set[int]:
        from bisect import bisect_right

        found: set[int] = set()
        text, starts = self.text, self.starts
        at = text.find(word)
        while at != -1:
            row = bisect_right(starts, at) - 1
            found.add(row)
            # on to the next row: one hit per row is enough
            nxt = starts[row + 1] if row + 1 < len(starts) else len(text)
            at = text.find(word, nxt)
        return found

    def matching(self, query: str) -> set[str]:
        """Ids of the rows that contain every word of `query` (case-insensitive)."""
        words = sorted(set(query.casefold().split()), key=len, reverse=True)
        if not words:
            return set(self.ids)
        rows = self._rows_with(words[0])
        for word in words[1:]:
            if not rows:
                break
            rows &= self._rows_with(word)
        return {self.ids[i] for i in rows}


def now() -> datetime:
    return datetime.now(UTC)
