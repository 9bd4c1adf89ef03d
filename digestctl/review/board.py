"""The review app's list as data: which rows are in view and in what order (status, search,
source or tag, sort order, folded or expanded stories), the cursor and the marks, and what
this session decided. Pure: no store, no terminal; app.py draws it and calls picks.Desk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple, TypeVar

from digestctl.models import ItemStatus
from digestctl.review.rows import ReviewRow, SearchIndex


class Show(StrEnum):
    """`t` cycles through these."""

    NEW = "new"
    ALL = "all"
    PICKED = "picked"
    SKIPPED = "skipped"


class Order(StrEnum):
    """`S` cycles through these."""

    SCORE = "score"
    NEWEST = "newest"
    SOURCE = "source"


class Line(NamedTuple):
    """One line of the list: an item, and the story rows it stands for when folded."""

    row: ReviewRow
    story: tuple[ReviewRow, ...]  # the story's rows in view, this one first; () on an outlet line
    expanded: bool = False  # a story head whose outlets follow on their own lines

    @property
    def outlet(self) -> bool:
        """A line under an expanded story."""
        return not self.story

    @property
    def folded(self) -> bool:
        return len(self.story) > 1 and not self.expanded

    @property
    def rows(self) -> tuple[ReviewRow, ...]:
        """What `s` acts on here: the whole story when folded, else this item."""
        return self.story if self.folded else (self.row,)


E = TypeVar("E", bound=StrEnum)


def _cycle(value: E, kind: type[E]) -> E:
    members = list(kind)
    return members[(members.index(value) + 1) % len(members)]


@dataclass
class Board:
    rows: list[ReviewRow]
    show: Show = Show.NEW
    order: Order = Order.SCORE
    query: str = ""
    source: str | None = None  # a source name, or "#tag"
    tags: Mapping[str, frozenset[str]] = field(default_factory=dict)  # tag -> source names
    expanded: set[str] = field(default_factory=set)  # story ids
    marks: set[str] = field(default_factory=set)  # item ids
    cursor: int = 0
    lines: list[Line] = field(default_factory=list)
    initial: dict[str, ItemStatus] = field(default_factory=dict)  # before this session
    _sorted: dict[Order, list[ReviewRow]] = field(default_factory=dict, repr=False)
    _search: SearchIndex | None = field(default=None, repr=False)
    _new_at_start: int = 0
    _index: dict[str, ReviewRow] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = {r.id: r for r in self.rows}
        self._new_at_start = sum(r.status is ItemStatus.NEW for r in self.rows)
        self.rebuild()

    # -- what is in view ------------------------------------------------------------------

    def _in_order(self) -> list[ReviewRow]:
        found = self._sorted.get(self.order)
        if found is None:
            if self.order is Order.NEWEST:
                found = self.rows  # loaded newest first
            elif self.order is Order.SOURCE:
                found = sorted(self.rows, key=lambda r: r.source.casefold())
            else:  # best score first; unranked rows after, newest first
                found = sorted(self.rows, key=lambda r: -r.score if r.score is not None else 1e300)
            self._sorted[self.order] = found
        return found

    def _visible(self, rows: Iterable[ReviewRow]) -> Iterable[ReviewRow]:
        if self.query.strip():  # first: usually the narrowest
            found = self.prepare_search().matching(self.query)
            rows = (r for r in rows if r.id in found)
        if self.show is not Show.ALL:
            status = ItemStatus(self.show.value)
            rows = (r for r in rows if r.status is status)
        if self.source is not None:
            if self.source.startswith("#"):
                names = self.tags.get(self.source[1:], frozenset())
                rows = (r for r in rows if r.source in names)
            else:
                rows = (r for r in rows if r.source == self.source)
        return rows

    def prepare_search(self) -> SearchIndex:
        """What `/` looks through, built once (the app does it while the editor reads the
        first screen, so the first search is as quick as the next)."""
        if self._search is None:
            self._search = SearchIndex(self.rows)
        return self._search

    def rebuild(self, keep: str | None = None) -> None:
        """Recompute the lines; the cursor stays on item `keep` (else the current one) when
        it is still in view, else on the line at the same place."""
        keep = keep if keep is not None else (self.current.id if self.current else None)
        stories: dict[str, list[ReviewRow]] = {}
        heads: list[ReviewRow] = []
        for row in self._visible(self._in_order()):
            members = stories.get(row.story)
            if members is None:
                stories[row.story] = [row]
                heads.append(row)
            else:
                members.append(row)
        lines: list[Line] = []
        make = tuple.__new__  # a NamedTuple without its keyword handling: 100,000 lines
        for head in heads:
            members = stories[head.story]
            if len(members) == 1:
                lines.append(make(Line, (head, (head,), False)))
            elif head.story in self.expanded:
                lines.append(Line(head, tuple(members), expanded=True))
                lines.extend(Line(r, ()) for r in members[1:])
            else:
                lines.append(Line(head, tuple(members)))
        self.lines = lines
        if self.marks:
            self.marks &= {r.id for line in lines for r in line.rows}
        at = None
        if keep is not None:
            at = next((n for n, line in enumerate(lines) if line[0].id == keep), None)
        self.cursor = at if at is not None else min(self.cursor, max(len(lines) - 1, 0))

    def replace_rows(self, rows: list[ReviewRow]) -> None:
        """Rows loaded again (`R`): the view, cursor and this session's tally carry over."""
        keep = self.current.id if self.current else None
        self.rows = rows
        self._index = {r.id: r for r in rows}
        self._sorted.clear()
        self._search = None
        self.initial = {i: s for i, s in self.initial.items() if i in self._index}
        new_now = sum(r.status is ItemStatus.NEW for r in rows)
        self._new_at_start = new_now - sum(
            (self._index[i].status is ItemStatus.NEW) - (before is ItemStatus.NEW)
            for i, before in self.initial.items()
        )
        self.rebuild(keep)

    # -- the cursor -----------------------------------------------------------------------

    @property
    def current(self) -> ReviewRow | None:
        return self.lines[self.cursor].row if 0 <= self.cursor < len(self.lines) else None

    @property
    def line(self) -> Line | None:
        return self.lines[self.cursor] if 0 <= self.cursor < len(self.lines) else None

    def move(self, by: int) -> None:
        self.cursor = max(0, min(self.cursor + by, len(self.lines) - 1))

    def go(self, index: int) -> None:
        self.cursor = max(0, min(index, len(self.lines) - 1))

    # -- marks ----------------------------------------------------------------------------

    def toggle_mark(self) -> None:
        """Mark or unmark the highlighted line (a folded story: all its rows)."""
        line = self.line
        if line is None:
            return
        ids = {r.id for r in line.rows}
        if ids <= self.marks:
            self.marks -= ids
        else:
            self.marks |= ids
        self.move(1)

    def marked(self, line: Line) -> bool:
        return line.row.id in self.marks

    def marked_rows(self) -> list[ReviewRow]:
        """The marked rows in list order."""
        if not self.marks:
            return []
        seen: dict[str, ReviewRow] = {}
        for line in self.lines:
            for r in line.rows:
                if r.id in self.marks:
                    seen.setdefault(r.id, r)
        return list(seen.values())

    # -- filters --------------------------------------------------------------------------

    def cycle_show(self) -> None:
        self.show = _cycle(self.show, Show)
        self.rebuild()

    def cycle_order(self) -> None:
        self.order = _cycle(self.order, Order)
        self.rebuild()

    def search(self, query: str) -> None:
        """Filter to rows matching every word; the cursor goes to the first match."""
        self.query = query.strip()
        self.rebuild()
        self.cursor = 0

    def filter_source(self, source: str | None) -> None:
        self.source = source
        self.rebuild()
        self.cursor = 0

    def toggle_story(self) -> bool:
        """Expand a folded story or fold an expanded one; False on a lone item."""
        line = self.line
        if line is None:
            return False
        story = line.row.story
        if line.outlet or line.expanded:
            self.expanded.discard(story)
            head = next(n for n, x in enumerate(self.lines) if x.row.story == story and x.story)
            self.rebuild(self.lines[head].row.id)
            return True
        if len(line.story) < 2:
            return False
        self.expanded.add(story)
        self.rebuild(line.row.id)
        return True

    # -- the session ----------------------------------------------------------------------

    def set_status(self, rows: Iterable[ReviewRow], status: ItemStatus) -> None:
        for row in rows:
            self.initial.setdefault(row.id, row.status)
            row.status = status

    def counts(self) -> tuple[int, int, int]:
        """(picked, skipped) in this session, and items of the window still new."""
        picked = skipped = 0
        left = self._new_at_start
        for item_id, before in self.initial.items():
            now = self._index[item_id].status
            left += (now is ItemStatus.NEW) - (before is ItemStatus.NEW)
            if now is not before:
                picked += now is ItemStatus.PICKED
                skipped += now is ItemStatus.SKIPPED
        return picked, skipped, left

    def row(self, item_id: str) -> ReviewRow | None:
        return self._index.get(item_id)

    def index_of(self, item_id: str) -> int | None:
        return next((n for n, line in enumerate(self.lines) if line.row.id == item_id), None)

    def sources(self) -> list[tuple[str, int]]:
        """Each source with its rows in view under the current status (for `f`)."""
        counts: dict[str, int] = {}
        for row in self.rows:
            if self.show is Show.ALL or row.status.value == self.show.value:
                counts[row.source] = counts.get(row.source, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
