"""The editor's decisions, kept in step in the store and the draft file: pick, unpick, skip,
note, move, undo; which draft is current; the issue's window; stories already featured in
another draft. File and store I/O; no terminal.

Every change writes the draft first (re-read under its lock) and the store second, and
`reconcile` repairs the store from the drafts, so a crash between the two loses nothing:
the draft files are the truth about what is picked.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol

from digestctl import drafts
from digestctl.drafts import Draft, DraftEntry
from digestctl.errors import DraftError, UsageError
from digestctl.models import Item, ItemStatus
from digestctl.store import Store
from digestctl.urls import canonicalize_url
from digestctl.workspace import Workspace, write_atomic

# An item dated this far ahead of now is flagged: a feed's clock or time zone is wrong.
FUTURE_SLACK = timedelta(hours=6)


# -- which draft -------------------------------------------------------------------------


def draft_path(ws: Workspace, name: str) -> Path:
    return ws.drafts_dir / f"{drafts.check_draft_name(name)}.toml"


def current_draft_name(ws: Workspace) -> str | None:
    """The draft named in .digestctl/current-draft, if any."""
    try:
        name = ws.current_draft_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def set_current_draft(ws: Workspace, name: str) -> None:
    ws.ensure_state_dir()
    write_atomic(ws.current_draft_file, name + "\n")


def today() -> date:
    """The editor's calendar day (local time), which names a draft made without a name."""
    return datetime.now().astimezone().date()


def default_title(day: date) -> str:
    return f"Round-up, {day.day} {day:%B %Y}"


def new_draft(
    ws: Workspace, name: str, *, title: str | None = None, day: date | None = None
) -> Draft:
    """Create drafts/NAME.toml (refusing to replace one) and make it the current draft."""
    path = draft_path(ws, name)
    if path.exists():
        raise DraftError(
            f"draft {name!r} exists already ({drafts.display_path(path)})",
            hint=f"`digestctl draft use {name}` makes it current; pick another name for a new one",
        )
    day = day or today()
    blank = Draft(name=name, title=title or default_title(day), date=day)
    ws.ensure_state_dir()
    created = drafts.update_draft(path, lambda d: d, default=blank)
    set_current_draft(ws, name)
    return created


@dataclass(frozen=True)
class DraftChoice:
    name: str
    path: Path
    created: bool = False  # made just now because there was no current draft


def choose_draft(
    ws: Workspace, name: str | None = None, *, create: bool = False, day: date | None = None
) -> DraftChoice:
    """`--draft NAME`, else the current draft; with neither, and `create`, the draft named
    after today (made if missing, and made current)."""
    if name is not None:
        path = draft_path(ws, name)
        if not path.exists():
            raise DraftError(
                f"no draft {name!r} ({drafts.display_path(path)} does not exist)",
                hint=f"`digestctl draft new {name}` makes it; `digestctl draft list` shows drafts",
            )
        return DraftChoice(name, path)
    current = current_draft_name(ws)
    if current is not None:
        path = draft_path(ws, current)
        if not path.exists():
            raise DraftError(
                f"the current draft {current!r} is gone ({drafts.display_path(path)} "
                "does not exist)",
                hint="`digestctl draft use NAME` or `digestctl draft new NAME` to choose another",
            )
        return DraftChoice(current, path)
    if not create:
        raise DraftError(
            "no current draft",
            hint="`digestctl draft new NAME` starts one (or pick something: that starts "
            "one named after today)",
        )
    day = day or today()
    dated = day.isoformat()
    path = draft_path(ws, dated)
    if path.exists():
        set_current_draft(ws, dated)
        return DraftChoice(dated, path)
    new_draft(ws, dated, day=day)
    return DraftChoice(dated, path, created=True)


# -- the archive: every draft, for "already featured" and the issue window --------------


@dataclass(frozen=True)
class DraftInfo:
    name: str
    path: Path
    title: str
    date: date | None
    entries: int
    modified: datetime


@dataclass(frozen=True)
class Archive:
    """What every readable draft holds, indexed by item id and canonical URL."""

    drafts: tuple[DraftInfo, ...]  # oldest first (by date, then name)
    by_key: dict[str, tuple[str, ...]]  # "id:X" / canonical URL -> draft names, oldest first
    problems: tuple[str, ...] = ()  # drafts that could not be read, as one-line messages

    def containing(
        self, item_id: str, url: str | None, *, canonical: bool = False
    ) -> tuple[str, ...]:
        """Names of the drafts that hold this item (same id or same canonical URL).
        `canonical`: the URL is canonical already (as the store keeps them), which saves
        the work for a listing of thousands of items."""
        if not self.by_key:
            return ()
        names: list[str] = list(self.by_key.get(f"id:{item_id}", ()))
        key = url if canonical else _url_key(url)
        if key is not None:
            names += self.by_key.get(key, ())
        order = {d.name: i for i, d in enumerate(self.drafts)}
        return tuple(sorted(set(names), key=lambda n: order.get(n, -1)))

    def featured_in(self, item_id: str, url: str | None, *, current: str | None) -> tuple[str, ...]:
        """Drafts other than `current` that already hold this story."""
        return tuple(n for n in self.containing(item_id, url) if n != current)

    def info(self, name: str) -> DraftInfo | None:
        return next((d for d in self.drafts if d.name == name), None)


def _url_key(url: str | None) -> str | None:
    if not url:
        return None
    return canonicalize_url(url) or url


def load_archive(ws: Workspace) -> Archive:
    """Read every drafts/*.toml. A draft that does not parse is reported, not fatal."""
    infos: list[DraftInfo] = []
    index: dict[str, list[str]] = {}
    problems: list[str] = []
    paths = sorted(ws.drafts_dir.glob("*.toml")) if ws.drafts_dir.is_dir() else []
    for path in paths:
        if path.name.startswith("."):
            continue
        try:
            d = drafts.load_draft(path)
            modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except (DraftError, OSError) as err:
            problems.append(str(err).splitlines()[0])
            continue
        infos.append(DraftInfo(d.name, path, d.title, d.date, len(d.entries), modified))
        for entry in d.entries:
            for key in {f"id:{entry.id}", _url_key(entry.url)}:
                if key is not None:
                    index.setdefault(key, []).append(d.name)
    infos.sort(key=lambda i: (i.date or date.min, i.name))
    order = {d.name: n for n, d in enumerate(infos)}
    by_key = {k: tuple(sorted(set(v), key=order.__getitem__)) for k, v in index.items()}
    return Archive(tuple(infos), by_key, tuple(problems))


# -- the issue window --------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The span an issue covers: from the previous draft's date (or --since) to now."""

    start: datetime | None
    end: datetime
    previous: str | None = None  # the draft that opened the window

    def describe(self) -> str:
        if self.start is None:
            return "all dates"
        since = f"since {self.start:%Y-%m-%d}"
        return f"{since} (after draft {self.previous})" if self.previous else since


def issue_window(
    archive: Archive, draft: Draft, *, since: datetime | None = None, now: datetime
) -> Window:
    """From `since`, else from the date of the latest draft dated before this one."""
    if since is not None:
        return Window(since, now)
    reference = draft.date or now.date()
    earlier = [d for d in archive.drafts if d.name != draft.name and d.date and d.date < reference]
    if not earlier:
        return Window(None, now)
    previous = max(earlier, key=lambda d: (d.date or date.min, d.name))
    assert previous.date is not None
    return Window(datetime.combine(previous.date, time(), UTC), now, previous.name)


@dataclass(frozen=True)
class Candidate:
    """An item as review shows it, with what the editor should be warned about."""

    item: Item
    featured_in: tuple[str, ...] = ()  # other drafts holding the same story
    flags: tuple[str, ...] = ()  # odd dates


def date_flags(item: Item, window: Window) -> tuple[str, ...]:
    """Warnings about an item's date: in the future, or old news first seen in this window."""
    flags: list[str] = []
    published = item.published
    if published is not None and published > window.end + FUTURE_SLACK:
        flags.append(f"dated in the future ({published:%Y-%m-%d %H:%M} UTC)")
    if (
        published is not None
        and window.start is not None
        and published < window.start <= item.first_seen
    ):
        flags.append(
            f"dated {published:%Y-%m-%d} but first seen {item.first_seen:%Y-%m-%d}: "
            "old news found late?"
        )
    return tuple(flags)


def in_window(item: Item, window: Window) -> bool:
    if window.start is None:
        return True
    return (item.published or item.first_seen) >= window.start or item.first_seen >= window.start


def review_candidates(
    store: Store,
    archive: Archive,
    window: Window,
    *,
    current: str | None,
    source: str | None = None,
    include_decided: bool = False,
) -> list[Candidate]:
    """What review shows, newest first: `new` items of the window (every status with
    `include_decided`), each with its warnings."""
    status = None if include_decided else ItemStatus.NEW
    found: list[Candidate] = []
    for item in store.list_items(status=status, source=source):
        if not in_window(item, window):
            continue
        featured = archive.featured_in(item.id, item.url, current=current)
        original = store.duplicate_of(item.id)
        if original is not None:
            featured += tuple(
                n for n in archive.featured_in(original, None, current=current) if n not in featured
            )
        found.append(Candidate(item, featured, date_flags(item, window)))
    return found


# -- decisions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What one pick, skip, note or unpick changed: enough to say it and to undo it."""

    item_id: str
    action: str  # "pick", "lead", "note", "skip", "unpick"
    status_before: ItemStatus | None  # None: the item is not in the store (hand-added)
    status_after: ItemStatus | None
    entry_before: DraftEntry | None
    entry_after: DraftEntry | None
    position_before: int | None = None  # 1-based place within its section


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP while a decision is written, so it is written whole
    (draft and store); a held signal is delivered right after."""
    signals = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    except (AttributeError, ValueError, OSError):  # not the main thread, or no pthreads
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _position(draft: Draft, entry_id: str) -> int | None:
    entry = draft.entry(entry_id)
    if entry is None:
        return None
    return [e.id for e in draft.entries_in(entry.section)].index(entry_id) + 1


def entry_from_item(item: Item) -> DraftEntry:
    if not item.url:
        raise DraftError(
            f"item {item.id} ({item.title or 'untitled'}) has no link, so it cannot go in a draft",
            hint="add the story by its URL instead: `digestctl add URL`",
        )
    return DraftEntry(
        id=item.id,
        url=item.url,
        title=item.title or "",
        summary=item.summary or "",
        source=item.source,
        published=item.published,
    )


class Desk:
    """The editor's desk: one draft and the store, changed together."""

    def __init__(
        self, ws: Workspace, store: Store, draft: str, *, now: datetime | None = None
    ) -> None:
        self.ws = ws
        self.store = store
        self.name = draft
        self.path = draft_path(ws, draft)
        self.now = now or datetime.now(UTC)

    def draft(self) -> Draft:
        return drafts.load_draft(self.path)

    def _statuses(self, ids: Sequence[str]) -> dict[str, ItemStatus]:
        found: dict[str, ItemStatus] = {}
        for item_id in ids:
            with contextlib.suppress(UsageError):
                found[item_id] = self.store.get_item(item_id).status
        return found

    def _apply(
        self,
        ids: Sequence[str],
        action: str,
        change: Callable[[Draft, str], Draft],
        status: ItemStatus | None,
    ) -> list[Decision]:
        """One draft write for all `ids` (re-read under the lock), then one store write."""
        before: dict[str, Draft] = {}

        def apply(d: Draft) -> Draft:
            before["draft"] = d
            for item_id in ids:
                d = change(d, item_id)
            return d

        statuses = self._statuses(ids)
        with _signals_held():
            after = drafts.update_draft(self.path, apply)
            if status is not None:
                known = [i for i in ids if i in statuses]
                if known:
                    self.store.set_status(known, status)
        old = before["draft"]
        return [
            Decision(
                item_id=i,
                action=action,
                status_before=statuses.get(i),
                status_after=status if i in statuses else None,
                entry_before=old.entry(i),
                entry_after=after.entry(i),
                position_before=_position(old, i),
            )
            for i in ids
        ]

    def pick(
        self,
        item_ids: Sequence[str],
        *,
        section: str | None = None,
        note: str | None = None,
        lead: bool = False,
    ) -> list[Decision]:
        """Put items in the draft (or, if there already, into `section`/the lead, with
        `note`) and mark them picked. Ids must be full item ids (see Store.resolve_ids)."""
        items = {i: self.store.get_item(i) for i in item_ids}
        entries = {i: entry_from_item(item) for i, item in items.items()}

        def change(d: Draft, item_id: str) -> Draft:
            if d.entry(item_id) is None:
                entry = entries[item_id]
                if section is not None:
                    entry = replace(entry, section=section)
                d = drafts.add_entry(d, entry, lead=lead)
            elif lead:
                d = drafts.set_section(d, item_id, d.lead_section)
            elif section is not None:
                d = drafts.set_section(d, item_id, section)
            if note is not None:
                d = drafts.set_note(d, item_id, note)
            return d

        return self._apply(list(items), "lead" if lead else "pick", change, ItemStatus.PICKED)

    def unpick(self, entry_ids: Sequence[str]) -> list[Decision]:
        """Take entries out of the draft; their items become `new` again."""
        return self._apply(entry_ids, "unpick", drafts.remove_entry, ItemStatus.NEW)

    def skip(self, item_ids: Sequence[str]) -> list[Decision]:
        """Mark items skipped (taking them out of this draft if they were in it)."""
        for i in item_ids:
            self.store.get_item(i)  # unknown ids fail before any change

        def change(d: Draft, item_id: str) -> Draft:
            return drafts.remove_entry(d, item_id) if d.entry(item_id) else d

        return self._apply(item_ids, "skip", change, ItemStatus.SKIPPED)

    def note(self, entry_id: str, text: str) -> Decision:
        """Replace the note of an entry already in the draft."""
        return self._apply(
            [entry_id], "note", lambda d, i: drafts.set_note(d, i, text), ItemStatus.PICKED
        )[0]

    def move(
        self,
        entry_id: str,
        *,
        to: int | None = None,
        before: str | None = None,
        after: str | None = None,
        section: str | None = None,
    ) -> Draft:
        with _signals_held():
            return drafts.update_draft(
                self.path,
                lambda d: drafts.move_entry(
                    d, entry_id, to=to, before=before, after=after, section=section
                ),
            )

    def undo(self, decision: Decision) -> None:
        """Put the draft entry and the item's status back as they were before `decision`."""
        previous = decision.entry_before

        def change(d: Draft) -> Draft:
            if d.entry(decision.item_id) is not None:
                d = drafts.remove_entry(d, decision.item_id)
            if previous is not None:
                d = drafts.add_entry(d, previous)
                if decision.position_before is not None:
                    places = len(d.entries_in(previous.section))
                    d = drafts.move_entry(d, previous.id, to=min(decision.position_before, places))
            return d

        with _signals_held():
            drafts.update_draft(self.path, change)
            if decision.status_before is not None:
                self.store.set_status([decision.item_id], decision.status_before)

    def resolve_entries(self, prefixes: Sequence[str]) -> list[str]:
        """Full ids of draft entries for unique prefixes (hand-added entries included)."""
        ids = [e.id for e in self.draft().entries]
        return [
            drafts.resolve_id_prefix(ids, p, what=f"entry of draft {self.name!r}") for p in prefixes
        ]


# -- keeping the store in step with the drafts -------------------------------------------


@dataclass(frozen=True)
class Repair:
    picked: tuple[str, ...] = ()  # in a draft, but the store did not say picked
    released: tuple[str, ...] = ()  # picked in the store, but in no draft: new again


def reconcile(ws: Workspace, store: Store) -> Repair:
    """Make item statuses agree with the draft files, which are the truth: an entry added
    or deleted by hand, or a crash between the draft write and the store write, is
    repaired here. Nothing is released while any draft is unreadable."""
    # Store first, drafts second: a pick in flight elsewhere writes its draft before its
    # status, so a status we see as picked has its entry already on disk.
    picked = {i.id for i in store.list_items(status=ItemStatus.PICKED)}
    archive = load_archive(ws)
    in_drafts = {k.removeprefix("id:") for k in archive.by_key if k.startswith("id:")}
    to_pick = sorted(
        i for i, status in _known_statuses(store, in_drafts - picked).items() if status
    )
    to_release = [] if archive.problems else sorted(picked - in_drafts)
    if to_pick:
        store.set_status(to_pick, ItemStatus.PICKED)
    if to_release:
        store.set_status(to_release, ItemStatus.NEW)
    return Repair(tuple(to_pick), tuple(to_release))


def _known_statuses(store: Store, ids: set[str]) -> dict[str, ItemStatus | None]:
    found: dict[str, ItemStatus | None] = {}
    for item_id in ids:
        try:
            found[item_id] = store.get_item(item_id).status
        except UsageError:
            found[item_id] = None  # a hand-added entry with no item behind it
    return found


# -- items: which draft each is in -------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    draft: str | None  # the draft it is picked in (the current one first)
    featured_in: tuple[str, ...]  # other drafts that hold the same story


class _Placeable(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def status(self) -> str: ...


def placements(
    archive: Archive, items: Sequence[_Placeable], current: str | None
) -> dict[str, Placement]:
    found: dict[str, Placement] = {}
    if not archive.by_key:
        return found
    for item in items:
        holding = archive.containing(item.id, item.url, canonical=True)
        if not holding:
            continue
        if current in holding:
            home: str | None = current
        elif item.status == ItemStatus.PICKED:
            home = holding[-1]
        else:
            home = None
        others = tuple(n for n in holding if n not in (home, current))
        found[item.id] = Placement(home, others)
    return found


# -- one call per command ----------------------------------------------------------------


class AlreadyFeatured(DraftError):
    """A story an earlier draft already holds, picked without --again."""

    def __init__(self, item: Item, drafts_holding: Sequence[str]) -> None:
        super().__init__(
            f"{item.id} ({item.title or item.url}) is already featured in draft "
            f"{', '.join(drafts_holding)}; it was not picked",
            hint=f"`digestctl pick {item.id} --again` features it twice",
        )
        self.item = item


@dataclass(frozen=True)
class PickResult:
    choice: DraftChoice
    decisions: list[Decision]


def pick_items(
    ws: Workspace,
    store: Store,
    item_ids: Sequence[str],
    *,
    draft: str | None = None,
    section: str | None = None,
    note: str | None = None,
    lead: bool = False,
    again: bool = False,
) -> PickResult:
    """Pick items into `draft` (else the current one, else today's, made and made current).

    A story that another draft already holds is refused (AlreadyFeatured) before anything
    changes, unless `again`: a round-up should not feature the same story twice by accident.
    """
    target = draft or current_draft_name(ws) or today().isoformat()
    archive = load_archive(ws)
    for item_id in item_ids:
        item = store.get_item(item_id)
        featured = archive.featured_in(item.id, item.url, current=target)
        if featured and not again:
            raise AlreadyFeatured(item, featured)
    choice = choose_draft(ws, draft, create=True)
    desk = Desk(ws, store, choice.name)
    return PickResult(choice, desk.pick(item_ids, section=section, note=note, lead=lead))


def skip_items(ws: Workspace, store: Store, item_ids: Sequence[str], draft: str | None) -> None:
    """Skip items; they leave the draft (`draft`, else the current one) if they were in it.
    With no draft at all only the store changes."""
    name = draft or current_draft_name(ws)
    if name is None or not draft_path(ws, name).exists():
        if draft is not None:
            choose_draft(ws, draft)  # the error for a named draft that does not exist
        for i in item_ids:
            store.get_item(i)
        store.set_status(item_ids, ItemStatus.SKIPPED)
        return
    Desk(ws, store, name).skip(item_ids)


@dataclass(frozen=True)
class ReviewPlan:
    desk: Desk
    candidates: list[Candidate]
    window: Window
    created: bool  # the draft was made for this review
    repair: Repair
    problems: tuple[str, ...]  # drafts that could not be read
    archive: Archive | None = None


def plan_review(
    ws: Workspace,
    store: Store,
    *,
    draft: str | None = None,
    source: str | None = None,
    since: datetime | None = None,
    include_decided: bool = False,
    now: datetime | None = None,
    with_candidates: bool = True,
) -> ReviewPlan:
    """Everything `review` needs before the first key: the draft (made if there is none),
    the store repaired from the drafts, the window and its candidates (not gathered
    without `with_candidates`: the full-screen app loads its own rows in one query)."""
    now = now or datetime.now(UTC)
    choice = choose_draft(ws, draft, create=True)
    repair = reconcile(ws, store)
    archive = load_archive(ws)
    desk = Desk(ws, store, choice.name, now=now)
    window = issue_window(archive, desk.draft(), since=since, now=now)
    candidates = (
        review_candidates(
            store,
            archive,
            window,
            current=choice.name,
            source=source,
            include_decided=include_decided,
        )
        if with_candidates
        else []
    )
    return ReviewPlan(desk, candidates, window, choice.created, repair, archive.problems, archive)
