"""picks.py: decisions kept in step in the store and the draft file, the archive, the window."""

from __future__ import annotations

import tempfile
import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest
from editorial import NOW, make_workspace, seed, statuses, story
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestctl import drafts, picks
from digestctl.errors import DraftError, UsageError
from digestctl.models import ItemStatus
from digestctl.store import Store
from digestctl.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


def desk(ws: Workspace, store: Store, name: str = "issue-1") -> picks.Desk:
    if not picks.draft_path(ws, name).exists():
        picks.new_draft(ws, name, day=date(2026, 11, 29))
    return picks.Desk(ws, store, name, now=NOW)


# -- which draft -------------------------------------------------------------------------


def test_without_a_current_draft_one_named_after_today_is_made_and_becomes_current(
    ws: Workspace,
) -> None:
    with pytest.raises(DraftError, match="no current draft"):
        picks.choose_draft(ws)
    choice = picks.choose_draft(ws, create=True, day=date(2026, 11, 29))
    assert (choice.name, choice.created) == ("2026-11-29", True)
    assert picks.current_draft_name(ws) == "2026-11-29"
    made = drafts.load_draft(choice.path)
    assert made.date == date(2026, 11, 29)
    assert made.title == "Round-up, 29 November 2026"
    again = picks.choose_draft(ws, create=True, day=date(2026, 11, 29))
    assert not again.created


def test_new_draft_refuses_to_replace_one_and_named_drafts_must_exist(ws: Workspace) -> None:
    picks.new_draft(ws, "weekly-1", title="Weekly one")
    with pytest.raises(DraftError, match="exists already"):
        picks.new_draft(ws, "weekly-1")
    with pytest.raises(DraftError, match="no draft 'nope'"):
        picks.choose_draft(ws, "nope")
    with pytest.raises(UsageError, match="not allowed"):
        picks.choose_draft(ws, "../escape")


def test_a_current_draft_deleted_by_hand_is_a_clear_error(ws: Workspace) -> None:
    picks.new_draft(ws, "gone")
    picks.draft_path(ws, "gone").unlink()
    with pytest.raises(DraftError, match="current draft 'gone' is gone"):
        picks.choose_draft(ws, create=True)


# -- decisions ---------------------------------------------------------------------------


def test_pick_note_lead_move_unpick_skip_keep_store_and_draft_in_step(ws: Workspace) -> None:
    a, b, c, d = seed(ws, 4)
    with Store(ws.db_path) as store:
        k = desk(ws, store)
        k.pick([a, b])
        k.pick([c], lead=True)
        k.note(b, "Worth it for the *numbers*.\n")
        k.move(b, to=1)
        k.skip([d])
        draft = k.draft()
        assert [(e.id, e.section) for e in draft.entries] == [
            (c, "Lead story"),
            (b, "Round-up"),
            (a, "Round-up"),
        ]
        assert [e.note for e in draft.entries if e.id == b] == ["Worth it for the *numbers*."]
        k.unpick([a])
    assert statuses(ws) == {
        a: ItemStatus.NEW,
        b: ItemStatus.PICKED,
        c: ItemStatus.PICKED,
        d: ItemStatus.SKIPPED,
    }
    # The file is plain TOML a person can read: the note is in it as written.
    data = tomllib.loads(picks.draft_path(ws, "issue-1").read_text(encoding="utf-8"))
    assert [e["id"] for e in data["entry"]] == [c, b]


def test_picking_again_moves_to_lead_or_section_and_sets_the_note(ws: Workspace) -> None:
    (a,) = seed(ws, 1)
    with Store(ws.db_path) as store:
        k = desk(ws, store)
        k.pick([a])
        k.pick([a], lead=True, note="Lead now.")
        entry = k.draft().entry(a)
    assert entry is not None
    assert (entry.section, entry.note) == ("Lead story", "Lead now.")


def test_skip_takes_an_item_out_of_the_draft(ws: Workspace) -> None:
    (a,) = seed(ws, 1)
    with Store(ws.db_path) as store:
        k = desk(ws, store)
        k.pick([a])
        k.skip([a])
        assert k.draft().entries == ()
    assert statuses(ws)[a] is ItemStatus.SKIPPED


def test_skip_without_any_draft_changes_only_the_store(ws: Workspace) -> None:
    (a,) = seed(ws, 1)
    with Store(ws.db_path) as store:
        picks.skip_items(ws, store, [a], None)
    assert statuses(ws)[a] is ItemStatus.SKIPPED
    assert not list(ws.drafts_dir.glob("*.toml"))


def test_a_failing_change_writes_nothing(ws: Workspace) -> None:
    a, b = seed(ws, 2)
    with Store(ws.db_path) as store:
        k = desk(ws, store)
        k.pick([a])
        before = k.path.read_text(encoding="utf-8")
        with pytest.raises(UsageError, match="no section"):
            k.pick([b], section="Nowhere")
        assert k.path.read_text(encoding="utf-8") == before
    assert statuses(ws)[b] is ItemStatus.NEW


def test_undo_puts_entry_note_place_and_status_back(ws: Workspace) -> None:
    a, b, c = seed(ws, 3)
    with Store(ws.db_path) as store:
        k = desk(ws, store)
        k.pick([a, b, c])
        k.note(b, "first note")
        before = k.draft()
        (decision,) = k.pick([b], lead=True, note="changed")
        k.undo(decision)
        assert k.draft() == before
        (skipped,) = k.skip([a])
        k.undo(skipped)
        assert k.draft() == before
        assert store.get_item(a).status is ItemStatus.PICKED
        (fresh,) = k.unpick([c])
        k.undo(fresh)
        assert k.draft() == before


def test_a_hand_edit_between_two_picks_is_kept(ws: Workspace) -> None:
    a, b = seed(ws, 2)
    with Store(ws.db_path) as store:
        k = desk(ws, store)
        k.pick([a])
        text = k.path.read_text(encoding="utf-8")
        k.path.write_text(text.replace('note = ""', 'note = "typed by hand"'), encoding="utf-8")
        k.pick([b])
        entry = k.draft().entry(a)
    assert entry is not None
    assert entry.note == "typed by hand"


def test_an_item_without_a_link_cannot_be_picked(ws: Workspace) -> None:
    from dataclasses import replace

    linkless = replace(story(1), url=None, key="guid:wire:1", id="nolinkid01")
    with Store(ws.db_path) as store:
        store.upsert_items([linkless], NOW)
        with pytest.raises(DraftError, match="has no link"):
            desk(ws, store).pick(["nolinkid01"])


# -- the store follows the drafts --------------------------------------------------------


def test_reconcile_repairs_a_crash_between_draft_and_store_and_hand_deletions(
    ws: Workspace,
) -> None:
    a, b, c = seed(ws, 3)
    with Store(ws.db_path) as store:
        k = desk(ws, store)
        k.pick([a, b])
        # A crash after the draft write: the entry is there, the status is not.
        store.set_status([a], ItemStatus.NEW)
        # A hand edit deleted b's entry.
        drafts.save_draft(k.path, drafts.remove_entry(k.draft(), b))
        # c was picked once into a draft that no longer holds it... and a broken draft
        # elsewhere means nothing may be released.
        store.set_status([c], ItemStatus.PICKED)
        broken = ws.drafts_dir / "broken.toml"
        broken.write_text("title = \n", encoding="utf-8")
        repair = picks.reconcile(ws, store)
        assert (repair.picked, repair.released) == ((a,), ())
        broken.unlink()
        repair = picks.reconcile(ws, store)
        assert repair.released == tuple(sorted([b, c]))
    assert statuses(ws) == {a: ItemStatus.PICKED, b: ItemStatus.NEW, c: ItemStatus.NEW}


# -- the archive: already featured -------------------------------------------------------


def test_a_story_in_an_earlier_draft_is_found_by_canonical_url(ws: Workspace) -> None:
    a, b = seed(ws, 2)
    with Store(ws.db_path) as store:
        old = desk(ws, store, "2026-11-22")
        old.pick([a])
        # The earlier draft holds the story under another spelling of the same URL.
        text = old.path.read_text(encoding="utf-8").replace(
            "https://news.example.org/2026/story-1",
            "HTTPS://News.Example.org:443/2026/story-1?utm_source=x#top",
        )
        text = text.replace(f'id = "{a}"', 'id = "handmade"')
        old.path.write_text(text, encoding="utf-8")
        current = desk(ws, store, "2026-11-29")
        archive = picks.load_archive(ws)
        item = store.get_item(a)
        assert archive.featured_in(item.id, item.url, current="2026-11-29") == ("2026-11-22",)
        assert archive.featured_in(b, store.get_item(b).url, current="2026-11-29") == ()
        current.pick([a])
        placed = picks.placements(picks.load_archive(ws), store.list_items(), "2026-11-29")
    assert placed[a] == picks.Placement("2026-11-29", ("2026-11-22",))
    assert b not in placed


# -- the issue window --------------------------------------------------------------------


def test_window_starts_at_the_previous_draft_and_flags_odd_dates(ws: Workspace) -> None:
    with Store(ws.db_path) as store:
        store.upsert_items(
            [
                story(1),  # this week
                story(2, published=NOW - timedelta(days=30)),  # old news found this week
                story(3, published=NOW + timedelta(days=3)),  # from the future
            ],
            NOW,
        )
        store.upsert_items([story(4, published=NOW - timedelta(days=20))], NOW - timedelta(days=20))
        picks.new_draft(ws, "2026-11-22", day=date(2026, 11, 22))
        picks.new_draft(ws, "2026-11-15", day=date(2026, 11, 15))
        k = desk(ws, store, "2026-11-29")
        archive = picks.load_archive(ws)
        window = picks.issue_window(archive, k.draft(), now=NOW)
        assert (window.previous, window.start and window.start.date()) == (
            "2026-11-22",
            date(2026, 11, 22),
        )
        found = picks.review_candidates(store, archive, window, current="2026-11-29")
        by_n = {c.item.title.split()[2]: c for c in found if c.item.title}  # type: ignore[union-attr]
        assert sorted(by_n) == ["1", "2", "3"]  # story 4 is from before the window
        assert by_n["1"].flags == ()
        assert "old news found late" in by_n["2"].flags[0]
        assert "in the future" in by_n["3"].flags[0]
        since = picks.issue_window(archive, k.draft(), since=NOW - timedelta(days=60), now=NOW)
        assert len(picks.review_candidates(store, archive, since, current=None)) == 4


# -- property: any sequence of operations leaves a valid draft that agrees with the store --

OPS = st.lists(
    st.tuples(
        st.sampled_from(["pick", "lead", "unpick", "skip", "note", "move", "undo"]),
        st.integers(0, 5),
        st.integers(0, 5),
        st.text(max_size=30),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS)
def test_random_decisions_keep_the_draft_valid_and_in_step_with_the_store(
    ops: list[tuple[str, int, int, str]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = make_workspace(Path(tmp))
        ids = seed(ws, 6)
        history: list[picks.Decision] = []
        with Store(ws.db_path) as store:
            k = desk(ws, store)
            for op, i, j, text in ops:
                item, other = ids[i], ids[j]
                in_draft = [e.id for e in k.draft().entries]
                try:
                    if op in ("pick", "lead"):
                        history += k.pick([item], lead=op == "lead")
                    elif op == "skip":
                        history += k.skip([item])
                    elif op == "unpick" and item in in_draft:
                        history += k.unpick([item])
                    elif op == "note" and item in in_draft:
                        history.append(k.note(item, text))
                    elif op == "move" and item in in_draft and other in in_draft and j % 2:
                        k.move(item, before=other)
                    elif op == "move" and item in in_draft:
                        k.move(item, to=1 + j % len(in_draft))
                    elif op == "undo" and history:
                        k.undo(history.pop())
                except UsageError:
                    pass  # e.g. a position out of range: refused, nothing written
                text_now = k.path.read_text(encoding="utf-8")
                draft = drafts.loads_draft(text_now, path="drafts/issue-1.toml")
                assert tomllib.loads(text_now)["title"] == draft.title
                picked = {i for i, s in statuses(ws).items() if s is ItemStatus.PICKED}
                assert {e.id for e in draft.entries} == picked
                sections = [draft.sections.index(e.section) for e in draft.entries]
                assert sections == sorted(sections)


# -- undo across sessions ----------------------------------------------------------------


def snapshot(ws: Workspace, name: str = "issue-1") -> tuple[object, dict[str, ItemStatus]]:
    return drafts.load_draft(picks.draft_path(ws, name)), statuses(ws)


def test_undo_reverts_the_latest_decisions_whichever_session_made_them(ws: Workspace) -> None:
    a, b, c, _d = seed(ws, 4)
    with Store(ws.db_path) as store:  # a review session
        k = desk(ws, store)
        states = [snapshot(ws)]
        k.pick([a, b])
        states.append(snapshot(ws))
        k.note(b, "A note.")
        states.append(snapshot(ws))
    with Store(ws.db_path) as store:  # later, commands from a script
        picks.set_current_draft(ws, "issue-1")
        picks.pick_items(ws, store, [c], lead=True)
        states.append(snapshot(ws))
        picks.skip_items(ws, store, [a], None)  # out of the draft, and skipped
        states.append(snapshot(ws))
        picks.Desk(ws, store, "issue-1").unpick([b])
        states.append(snapshot(ws))
    for expected in reversed(states[:-1]):
        with Store(ws.db_path) as store:  # each undo its own process, as `digestctl undo`
            (undone,) = picks.undo_last(ws, store)
            assert undone.problems == ()
        assert snapshot(ws) == expected
    with Store(ws.db_path) as store:
        assert picks.undo_last(ws, store) == []  # nothing left
        assert len(store.last_decisions(None, include_undone=True)) == 6  # pick a, b: two
    assert set(statuses(ws).values()) == {ItemStatus.NEW}  # d was never touched


def test_undo_n_and_a_skip_without_a_draft(ws: Workspace) -> None:
    a, b = seed(ws, 2)
    with Store(ws.db_path) as store:
        picks.skip_items(ws, store, [a, b], None)  # no draft at all: the store only
        assert set(statuses(ws).values()) == {ItemStatus.SKIPPED}
        (undone,) = picks.undo_last(ws, store, 5)
        assert {d.item_id for d in undone.decisions} == {a, b}  # one command, one undo
    assert set(statuses(ws).values()) == {ItemStatus.NEW}


def test_an_undo_in_review_is_not_undone_again(ws: Workspace) -> None:
    a, b = seed(ws, 2)
    with Store(ws.db_path) as store:
        k = desk(ws, store)
        k.pick([a])
        before = snapshot(ws)
        (decision,) = k.skip([b])
        k.undo(decision)  # the review loop's own undo, within its session
        assert snapshot(ws) == before
        (undone,) = picks.undo_last(ws, store)  # the pick of a, not the skip again
        assert [d.item_id for d in undone.decisions] == [a]
    assert set(statuses(ws).values()) == {ItemStatus.NEW}


def test_undo_when_the_draft_is_gone_puts_statuses_back_and_says_so(ws: Workspace) -> None:
    (a,) = seed(ws, 1)
    with Store(ws.db_path) as store:
        desk(ws, store).pick([a])
        picks.draft_path(ws, "issue-1").unlink()
        (undone,) = picks.undo_last(ws, store)
    assert undone.problems == ("draft 'issue-1' is gone: only the item statuses went back",)
    assert statuses(ws)[a] is ItemStatus.NEW


def test_the_log_survives_entries_with_every_field(ws: Workspace) -> None:
    entry = drafts.DraftEntry(
        id="x1",
        url="https://example.org/é?q=1",
        title="Tïtle",
        summary="S",
        note="*n*",
        section="Round-up",
        source="wire",
        published=NOW,
    )
    assert picks.entry_from_json(picks.entry_to_json(entry)) == entry
    assert picks.entry_from_json(None) is None
