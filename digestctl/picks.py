"""The editor's decisions, kept in step in the store and the draft file: pick, unpick, skip,
note, move, undo; which draft is current; the issue's window; stories already featured in
another draft. File and store I/O; no terminal.

Every change writes the draft first (re-read under its lock) and the store second, and
`reconcile` repairs the store from the drafts, so a crash between the two loses nothing:
the draft files are the truth about what is picked. Each decision is logged in the store
(Store.record_decision, in the transaction that sets the status), so `undo_last` can
revert the latest ones whichever session made them.
"""

from __future__ import annotations

import contextlib
import json
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from digestctl import drafts
from digestctl.drafts import Draft, DraftEntry
from digestctl.errors import ConfigError, DraftError, StoreError, UsageError
from digestctl.models import Item, ItemStatus
from digestctl.store import LoggedDecision, Store
from digestctl.urls import canonicalize_url
from digestctl.workspace import Workspace, write_atomic

if TYPE_CHECKING:
    from digestctl.config import Config

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


@dataclass(frozen=True)
class StoryCover:
    """An item of a story that a draft holds: that story is covered there."""

    draft: str
    item_id: str
    source: str

    def describe(self) -> str:
        return f"story already in draft {self.draft} (via {self.source})"


def story_covers(store: Store, archive: Archive) -> dict[str, list[StoryCover]]:
    """Story id -> the draft entries (by item) that cover it, oldest draft first."""
    drafted = {k.removeprefix("id:"): v for k, v in archive.by_key.items() if k.startswith("id:")}
    covers: dict[str, list[StoryCover]] = {}
    for item_id, (story, source) in store.story_info(drafted).items():
        for name in drafted[item_id]:
            covers.setdefault(story, []).append(StoryCover(name, item_id, source))
    return covers


def story_leaders(
    ids: Sequence[str], info: Mapping[str, tuple[str, str]], statuses: Mapping[str, str]
) -> set[str]:
    """The item that stands for each story in a listing (`ids` in listing order): a picked
    one, else the first listed (the newest)."""
    leaders: dict[str, str] = {}
    for item_id in ids:
        story = info.get(item_id, (item_id, ""))[0]
        held = leaders.get(story)
        if held is None or (
            statuses.get(item_id) == ItemStatus.PICKED and statuses.get(held) != ItemStatus.PICKED
        ):
            leaders[story] = item_id
    return set(leaders.values())


def _story_mates_covering(
    covers: dict[str, list[StoryCover]], story: str | None, item_id: str
) -> list[StoryCover]:
    return [c for c in covers.get(story or item_id, ()) if c.item_id != item_id]


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
    score: float | None = None  # ranking: higher is likelier picked
    why: tuple[str, ...] = ()  # ranking: the reasons, in words


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
    covers = story_covers(store, archive)
    found: list[Candidate] = []
    for item in store.list_items(status=status, source=source):
        if not in_window(item, window):
            continue
        featured = archive.featured_in(item.id, item.url, current=current)
        flags = date_flags(item, window)
        for cover in _story_mates_covering(covers, item.story, item.id):
            if cover.draft == current:
                flags += (cover.describe(),)
            elif cover.draft not in featured:
                featured += (cover.draft,)
        found.append(Candidate(item, featured, flags))
    return found


# -- decisions ---------------------------------------------------------------------------


def load_config_quietly(ws: Workspace) -> Config | None:
    """sources.toml for ranking (tags, [rank]); None when it does not load: a broken
    sources.toml must not stop a decision or a listing (fetch reports it)."""
    from digestctl.config import load_config

    try:
        return load_config(ws.sources_path)
    except ConfigError:
        return None


def learn(ws: Workspace, store: Store) -> None:
    """Refit the ranking model to the decisions in the store, after one changed. A failure
    to save it loses nothing: the decisions are saved, and a stale model is refit on use."""
    from digestctl import ranking

    with contextlib.suppress(StoreError):
        ranking.learn(store, load_config_quietly(ws))


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
    logged: LoggedDecision | None = None  # its row in the store's decisions log


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
        # Refit the ranking model after each decision. The review app turns this off (a
        # refit is a tenth of a second or more, too long for a key) and refits once at
        # the end: the decisions are saved either way, and a stale model is refit on use.
        self.learning = True

    def draft(self) -> Draft:
        return drafts.load_draft(self.path)

    def _learn(self) -> None:
        if self.learning:
            learn(self.ws, self.store)

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
            old = before["draft"]
            decisions = [
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
            # The statuses and the log, in one transaction.
            logged = self.store.record_decision(
                [_to_log(d, self.name) for d in decisions], datetime.now(UTC)
            )
        if action != "note" and status is not None and statuses:
            self._learn()
        return [replace(d, logged=row) for d, row in zip(decisions, logged, strict=True)]

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
        """Put the draft entry and the item's status back as they were before `decision`
        (and mark it undone in the log, so `digestctl undo` does not revert it again)."""

        def change(d: Draft) -> Draft:
            return _restore(d, decision.item_id, decision.entry_before, decision.position_before)

        with _signals_held():
            drafts.update_draft(self.path, change)
            if decision.logged is not None:
                self.store.mark_undone([decision.logged], datetime.now(UTC))
            elif decision.status_before is not None:
                self.store.set_status([decision.item_id], decision.status_before)
        if decision.status_before is not None:
            self._learn()

    def resolve_entries(self, prefixes: Sequence[str]) -> list[str]:
        """Full ids of draft entries for unique prefixes (hand-added entries included)."""
        ids = [e.id for e in self.draft().entries]
        return [
            drafts.resolve_id_prefix(ids, p, what=f"entry of draft {self.name!r}") for p in prefixes
        ]


def _restore(d: Draft, item_id: str, previous: DraftEntry | None, position: int | None) -> Draft:
    """The draft with `item_id`'s entry as it was: `previous` at `position` within its
    section, or absent."""
    if d.entry(item_id) is not None:
        d = drafts.remove_entry(d, item_id)
    if previous is not None:
        if previous.section not in d.sections:  # renamed by hand since: the default one
            previous = replace(previous, section="")
        d = drafts.add_entry(d, previous)
        entry = d.entry(previous.id)
        if position is not None and entry is not None:
            places = len(d.entries_in(entry.section))
            d = drafts.move_entry(d, previous.id, to=min(position, places))
    return d


# -- the decisions log: undo across sessions ---------------------------------------------


def entry_to_json(entry: DraftEntry | None) -> str | None:
    """A draft entry as the decisions log keeps it."""
    if entry is None:
        return None
    fields = {
        "id": entry.id,
        "url": entry.url,
        "title": entry.title,
        "summary": entry.summary,
        "note": entry.note,
        "section": entry.section,
        "source": entry.source,
        "published": entry.published.isoformat() if entry.published else None,
    }
    return json.dumps(fields, ensure_ascii=False)


def entry_from_json(text: str | None) -> DraftEntry | None:
    if text is None:
        return None
    fields = json.loads(text)
    published = fields.get("published")
    return DraftEntry(
        id=str(fields["id"]),
        url=str(fields["url"]),
        title=str(fields.get("title") or ""),
        summary=str(fields.get("summary") or ""),
        note=str(fields.get("note") or ""),
        section=str(fields.get("section") or ""),
        source=str(fields.get("source") or ""),
        published=datetime.fromisoformat(published) if published else None,
    )


def _to_log(d: Decision, draft: str | None) -> LoggedDecision:
    return LoggedDecision(
        item_id=d.item_id,
        action=d.action,
        draft=draft,
        status_before=d.status_before,
        status_after=d.status_after,
        entry_before=entry_to_json(d.entry_before),
        entry_after=entry_to_json(d.entry_after),
        position_before=d.position_before,
    )


@dataclass(frozen=True)
class Undone:
    """One batch of decisions reverted by `undo_last` (one command's or one key's)."""

    decisions: tuple[LoggedDecision, ...]  # newest first
    problems: tuple[str, ...] = ()  # drafts that are gone: only the statuses went back


def undo_last(ws: Workspace, store: Store, count: int = 1) -> list[Undone]:
    """Revert the newest `count` batches of decisions still in effect, whichever session
    (review, pick, skip, note, unpick) made them: each draft entry back as it was (in its
    place), each item's status back, the batch marked undone. Newest batch first."""
    done: list[Undone] = []
    for _ in range(count):
        problems: list[str] = []
        with _signals_held():
            batch = store.undo_last(datetime.now(UTC), partial(_restore_drafts, ws, problems))
        if not batch:
            break
        done.append(Undone(tuple(batch), tuple(problems)))
    return done


def _restore_drafts(ws: Workspace, problems: list[str], batch: Sequence[LoggedDecision]) -> None:
    """Each draft the batch changed, back as it was before (one write per draft)."""
    for name in dict.fromkeys(d.draft for d in batch if d.draft is not None):
        path = draft_path(ws, name)
        if not path.exists():
            problems.append(f"draft {name!r} is gone: only the item statuses went back")
            continue
        mine = [d for d in batch if d.draft == name]

        def change(draft: Draft, mine: list[LoggedDecision] = mine) -> Draft:
            for d in mine:  # newest first: each back to what it found
                draft = _restore(
                    draft, d.item_id, entry_from_json(d.entry_before), d.position_before
                )
            return draft

        drafts.update_draft(path, change)


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
    if to_pick or to_release:
        learn(ws, store)
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
    covered: str | None = None  # "story already in draft X (via SOURCE)": the current draft


class Placeable(Protocol):
    """What placements() reads of an item or a listing row."""

    @property
    def id(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def status(self) -> str: ...


def placements(
    archive: Archive,
    items: Sequence[Placeable],
    current: str | None,
    stories: Mapping[str, str] | None = None,
    covers: Mapping[str, Sequence[StoryCover]] | None = None,
) -> dict[str, Placement]:
    """Which draft each item is in, and which drafts hold its story (`stories`: item id
    -> story id; `covers`: story -> the draft entries covering it, see story_covers)."""
    found: dict[str, Placement] = {}
    if not archive.by_key:
        return found
    for item in items:
        holding = archive.containing(item.id, item.url, canonical=True)
        story = (stories or {}).get(item.id)
        mates = [c for c in (covers or {}).get(story or "", ()) if c.item_id != item.id]
        here = next((c for c in mates if c.draft == current), None)
        if mates:
            holding = tuple(
                dict.fromkeys([*holding, *(c.draft for c in mates if c.draft != current)])
            )
        if not holding and here is None:
            continue
        if current in holding:
            home: str | None = current
        elif item.status == ItemStatus.PICKED:
            home = holding[-1]
        else:
            home = None
        others = tuple(n for n in holding if n not in (home, current))
        covered = here.describe() if here is not None and home != current else None
        found[item.id] = Placement(home, others, covered)
    return found


# -- one call per command ----------------------------------------------------------------


class AlreadyFeatured(DraftError):
    """A story an earlier draft already holds, picked without --again."""

    def __init__(
        self, item: Item, drafts_holding: Sequence[str], via: StoryCover | None = None
    ) -> None:
        how = f" (via {via.source}: item {via.item_id})" if via is not None else ""
        super().__init__(
            f"{item.id} ({item.title or item.url}) is already featured in draft "
            f"{', '.join(drafts_holding)}{how}; it was not picked",
            hint=f"`digestctl pick {item.id} --again` features it twice",
        )
        self.item = item


class StoryInDraft(DraftError):
    """Another outlet's item of this story is in the draft already."""

    def __init__(self, item: Item, cover: StoryCover) -> None:
        super().__init__(
            f"{item.id} ({item.title or item.url}): {cover.describe()}: item {cover.item_id}; "
            "it was not picked",
            hint=f"`digestctl pick {item.id} --alt` puts it in place of {cover.item_id}; "
            "--again features both",
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
    covers = story_covers(store, archive)
    picking = set(item_ids)
    for item_id in item_ids:
        item = store.get_item(item_id)
        if again:
            break
        featured = archive.featured_in(item.id, item.url, current=target)
        if featured:
            raise AlreadyFeatured(item, featured)
        mates = [
            c
            for c in _story_mates_covering(covers, item.story, item.id)
            if c.item_id not in picking
        ]
        here = next((c for c in mates if c.draft == target), None)
        if here is not None and target not in archive.by_key.get(f"id:{item.id}", ()):
            raise StoryInDraft(item, here)
        elsewhere = [c for c in mates if c.draft != target]
        if elsewhere:
            names = tuple(dict.fromkeys(c.draft for c in elsewhere))
            raise AlreadyFeatured(item, names, elsewhere[0])
    choice = choose_draft(ws, draft, create=True)
    desk = Desk(ws, store, choice.name)
    return PickResult(choice, desk.pick(item_ids, section=section, note=note, lead=lead))


def pick_alt(ws: Workspace, store: Store, item_id: str, draft: str | None = None) -> PickResult:
    """Make `item_id` represent its story in the draft, in place of the story's item there:
    same section, place and note; the replaced item is `new` again."""
    choice = choose_draft(ws, draft)
    desk = Desk(ws, store, choice.name)
    item = store.get_item(item_id)
    new_entry = entry_from_item(item)
    story = item.story or item.id
    mates = {
        i
        for i, (s, _) in store.story_info(e.id for e in desk.draft().entries).items()
        if s == story and i != item.id
    }
    old_ids: list[str] = []

    def change(d: Draft) -> Draft:
        if d.entry(item.id) is not None:
            raise DraftError(f"{item.id} is in draft {choice.name} already; nothing to swap")
        old = next((e for e in d.entries if e.id in mates), None)
        if old is None:
            raise DraftError(
                f"no other item of {item.id}'s story is in draft {choice.name}",
                hint=f"`digestctl pick {item.id}` puts it in",
            )
        old_ids.append(old.id)
        swapped = replace(new_entry, section=old.section, note=old.note)
        return replace(d, entries=tuple(swapped if e.id == old.id else e for e in d.entries))

    before = desk.draft()
    with _signals_held():
        after = drafts.update_draft(desk.path, change)
        store.set_status(old_ids, ItemStatus.NEW)
        store.set_status([item.id], ItemStatus.PICKED)
    old_entry = before.entry(old_ids[0])
    decisions = [
        Decision(old_ids[0], "unpick", ItemStatus.PICKED, ItemStatus.NEW, old_entry, None),
        Decision(item.id, "pick", item.status, ItemStatus.PICKED, None, after.entry(item.id)),
    ]
    return PickResult(choice, decisions)


def skip_items(ws: Workspace, store: Store, item_ids: Sequence[str], draft: str | None) -> None:
    """Skip items; they leave the draft (`draft`, else the current one) if they were in it.
    With no draft at all only the store changes."""
    name = draft or current_draft_name(ws)
    if name is None or not draft_path(ws, name).exists():
        if draft is not None:
            choose_draft(ws, draft)  # the error for a named draft that does not exist
        statuses = {i: store.get_item(i).status for i in item_ids}
        store.record_decision(
            [LoggedDecision(i, "skip", None, statuses[i], ItemStatus.SKIPPED) for i in item_ids],
            datetime.now(UTC),
        )
        learn(ws, store)
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
    warnings: tuple[str, ...] = ()  # e.g. a damaged ranking model (cold-start order instead)
    archive: Archive | None = None


SORTS = ("score", "newest", "source")


def order_candidates(
    store: Store, config: Config | None, candidates: Sequence[Candidate], sort: str
) -> tuple[list[Candidate], tuple[str, ...]]:
    """Candidates (newest first) scored, and ordered by `sort`: score (best first, ties
    newest first), newest, or source (then newest). Returns them and ranking's warnings."""
    from digestctl import ranking

    ranker = ranking.load_ranker(store, config)
    by_id = {s.item.id: s for s in ranker.rank([c.item for c in candidates])}
    scored = [
        replace(c, score=by_id[c.item.id].score, why=by_id[c.item.id].why) for c in candidates
    ]
    if sort == "score":
        scored.sort(key=lambda c: -(c.score or 0.0))
    elif sort == "source":
        scored.sort(key=lambda c: c.item.source)
    return scored, ranker.warnings


def plan_review(
    ws: Workspace,
    store: Store,
    *,
    draft: str | None = None,
    source: str | None = None,
    since: datetime | None = None,
    include_decided: bool = False,
    now: datetime | None = None,
    sort: str = "score",
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
    candidates, warnings = order_candidates(store, load_config_quietly(ws), candidates, sort)
    return ReviewPlan(
        desk, candidates, window, choice.created, repair, archive.problems, warnings, archive
    )
