"""The full-screen review driven key by key through Textual's pilot: after each decision the
store and drafts/NAME.toml are read back from disk, not only the screen."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from editorial import NOW, link_story, make_workspace, seed, statuses, story

from digestctl import drafts, picks
from digestctl.models import ItemStatus
from digestctl.review.app import HelpScreen, ReadScreen, ReviewApp
from digestctl.review.board import Order, Show
from digestctl.review.rows import load_rows
from digestctl.store import NewItem, Store
from digestctl.urls import url_id
from digestctl.workspace import Workspace

Body = Callable[[ReviewApp, Any], Awaitable[None]]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = make_workspace(tmp_path / "ws")
    picks.new_draft(ws, "issue-1", day=date(2026, 11, 29))
    return ws


def drive(ws: Workspace, body: Body, *, size: tuple[int, int] = (80, 24), **options: Any) -> Any:
    """Run the app on the workspace's store, then `body(app, pilot)`; return the app."""

    async def main() -> ReviewApp:
        with Store(ws.db_path) as store:
            plan = picks.plan_review(ws, store, with_candidates=False, now=NOW)
            assert plan.archive is not None
            rows = load_rows(store, plan.window)
            options.setdefault("poll_seconds", 0)
            app = ReviewApp(plan.desk, rows, plan.window, archive=plan.archive, **options)
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                await body(app, pilot)
            return app

    return asyncio.run(main())


def draft_ids(ws: Workspace) -> list[str]:
    return [e.id for e in drafts.load_draft(picks.draft_path(ws, "issue-1")).entries]


def entry(ws: Workspace, item_id: str) -> drafts.DraftEntry:
    found = drafts.load_draft(picks.draft_path(ws, "issue-1")).entry(item_id)
    assert found is not None
    return found


def highlighted(app: ReviewApp) -> str:
    row = app.board.current
    assert row is not None
    return row.id


def screen_text(app: ReviewApp) -> str:
    """What the terminal shows, as plain text (the SVG export without markup)."""
    import re
    from html import unescape

    svg = app.export_screenshot()
    lines = re.findall(r"<text[^>]*>(.*?)</text>", svg)
    return unescape("".join(lines)).replace("\xa0", " ")


# -- moving ------------------------------------------------------------------------------


def test_j_k_arrows_g_G_and_pages_move_the_highlight_and_the_preview_follows(
    ws: Workspace,
) -> None:
    ids = seed(ws, 40)

    async def body(app: ReviewApp, pilot: Any) -> None:
        assert highlighted(app) == ids[0]
        await pilot.press("j", "j", "down")
        assert highlighted(app) == ids[3]
        assert "Story number 4 about" in screen_text(app)
        await pilot.press("k", "up")
        assert highlighted(app) == ids[1]
        await pilot.press("G")
        assert highlighted(app) == ids[-1]
        assert "Summary of story 40." in screen_text(app)
        await pilot.press("g")
        assert highlighted(app) == ids[0]
        await pilot.press("pagedown")
        page = app.board.cursor
        assert page >= 5
        await pilot.press("pageup")
        assert app.board.cursor == 0
        await pilot.click("#list", offset=(10, 2))
        assert highlighted(app) == ids[2]

    drive(ws, body)
    assert draft_ids(ws) == []


# -- decisions ---------------------------------------------------------------------------


def test_p_picks_into_the_draft_and_moves_on(ws: Workspace) -> None:
    ids = seed(ws, 3)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("p")
        assert draft_ids(ws) == [ids[0]]
        assert statuses(ws)[ids[0]] is ItemStatus.PICKED
        assert highlighted(app) == ids[1]
        assert "1 picked" in screen_text(app)

    drive(ws, body)


def test_l_picks_as_the_lead(ws: Workspace) -> None:
    ids = seed(ws, 2)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("j", "l")
        assert entry(ws, ids[1]).section == "Lead story"
        assert statuses(ws)[ids[1]] is ItemStatus.PICKED

    drive(ws, body)


def test_s_skips_and_moves_on(ws: Workspace) -> None:
    ids = seed(ws, 3)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("s")
        assert statuses(ws)[ids[0]] is ItemStatus.SKIPPED
        assert highlighted(app) == ids[1]
        assert "skip" in screen_text(app)  # the status word, not a colour alone

    drive(ws, body)
    assert draft_ids(ws) == []


def test_n_note_enter_saves_and_esc_cancels(ws: Workspace) -> None:
    ids = seed(ws, 3)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("n", *"A *fine* piece.")
        assert "A *fine* piece." in screen_text(app)  # the box echoes what is typed
        await pilot.press("enter")
        assert entry(ws, ids[0]).note == "A *fine* piece."
        assert statuses(ws)[ids[0]] is ItemStatus.PICKED
        await pilot.press("n", *"not this", "escape")
        assert draft_ids(ws) == [ids[0]]
        assert statuses(ws)[ids[1]] is ItemStatus.NEW
        await pilot.press("p")  # keys reach the list again after Esc
        assert draft_ids(ws) == [ids[0], ids[1]]

    drive(ws, body)


def test_e_writes_the_note_in_the_editor(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed(ws, 2)
    editor = tmp_path / "editor.py"
    editor.write_text(
        textwrap.dedent(
            """
            import sys
            path = sys.argv[1]
            text = open(path, encoding="utf-8").read()
            open(path, "w", encoding="utf-8").write("From the *editor*.\\n" + text)
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("VISUAL", f"{sys.executable} {editor}")

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("e")
        assert entry(ws, ids[0]).note == "From the *editor*."
        assert highlighted(app) == ids[1]

    drive(ws, body)


def test_o_opens_the_link(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(ws, 1)
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("o")
        assert "opened in the browser" in screen_text(app)

    drive(ws, body)
    assert opened == ["https://news.example.org/2026/story-1"]
    assert draft_ids(ws) == []


def test_u_undoes_a_pick_then_a_bulk_skip(ws: Workspace) -> None:
    ids = seed(ws, 5)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("p")
        await pilot.press("space", "space", "s")
        assert [statuses(ws)[i] for i in ids[1:3]] == [ItemStatus.SKIPPED] * 2
        await pilot.press("u")
        assert [statuses(ws)[i] for i in ids[1:3]] == [ItemStatus.NEW] * 2
        await pilot.press("u")
        assert draft_ids(ws) == []
        assert statuses(ws)[ids[0]] is ItemStatus.NEW
        assert highlighted(app) == ids[0]
        assert "undone" in screen_text(app)

    drive(ws, body)


def test_marks_make_p_and_s_act_on_exactly_the_marked_rows(ws: Workspace) -> None:
    ids = seed(ws, 6)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("space", "j", "space")  # mark 1 and 3; the highlight is on 4
        assert highlighted(app) == ids[3]
        assert "2 marked" in screen_text(app)
        await pilot.press("p")
        assert draft_ids(ws) == [ids[0], ids[2]]
        assert statuses(ws)[ids[3]] is ItemStatus.NEW  # the highlighted row is untouched
        await pilot.press("space", "space", "s")  # mark 4 and 5, skip them
        assert [statuses(ws)[i] for i in ids] == [
            ItemStatus.PICKED,
            ItemStatus.NEW,
            ItemStatus.PICKED,
            ItemStatus.SKIPPED,
            ItemStatus.SKIPPED,
            ItemStatus.NEW,
        ]
        assert not app.board.marks

    drive(ws, body)
    assert draft_ids(ws) == [ids[0], ids[2]]


def test_space_unmarks_a_marked_row(ws: Workspace) -> None:
    seed(ws, 3)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("space", "k", "space")
        assert not app.board.marks

    drive(ws, body)


# -- views -------------------------------------------------------------------------------


def test_slash_filters_all_candidates_and_escape_clears(ws: Workspace) -> None:
    ids = seed(ws, 30)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("slash", *"story 27.")
        assert "story 27." in screen_text(app)  # echoed in the box
        await pilot.press("enter")
        assert [line.row.id for line in app.board.lines] == [ids[26]]
        assert highlighted(app) == ids[26]
        assert app.focused is app.candidates  # focus back on the list
        await pilot.press("p")
        assert draft_ids(ws) == [ids[26]]
        await pilot.press("escape")
        assert len(app.board.lines) == 29  # all new candidates again; the pick has left
        assert highlighted(app) == ids[0]

    drive(ws, body)


def test_search_matches_the_source_too(ws: Workspace) -> None:
    with Store(ws.db_path) as store:
        store.upsert_items([story(1), story(2, source="coalition")], NOW)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("slash", *"COALITION", "enter")
        assert [line.row.source for line in app.board.lines] == ["coalition"]

    drive(ws, body)


def test_f_filters_by_source_or_tag(ws: Workspace) -> None:
    with Store(ws.db_path) as store:
        store.upsert_items([story(1), story(2, source="coalition"), story(3, source="desk")], NOW)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("f")
        # options: all sources, #rights, then sources by count (one each: by name)
        await pilot.press("down", "enter")
        assert {line.row.source for line in app.board.lines} == {"coalition", "desk"}
        await pilot.press("f", "down", "down", "enter")
        assert [line.row.source for line in app.board.lines] == ["coalition"]
        await pilot.press("escape")
        assert len(app.board.lines) == 3

    drive(ws, body, tags={"rights": frozenset({"coalition", "desk"})})


def test_t_cycles_the_status_shown(ws: Workspace) -> None:
    ids = seed(ws, 3)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("p", "s")
        await pilot.press("t")
        assert app.board.show is Show.ALL
        assert len(app.board.lines) == 3
        await pilot.press("t")
        assert [line.row.id for line in app.board.lines] == [ids[0]]
        await pilot.press("t")
        assert [line.row.id for line in app.board.lines] == [ids[1]]
        await pilot.press("t")
        assert [line.row.id for line in app.board.lines] == [ids[2]]

    drive(ws, body)


def test_S_cycles_the_order(ws: Workspace) -> None:
    with Store(ws.db_path) as store:
        store.upsert_items([story(1, source="zeta"), story(2, source="alpha")], NOW)

    async def body(app: ReviewApp, pilot: Any) -> None:
        assert [line.row.source for line in app.board.lines] == ["zeta", "alpha"]
        await pilot.press("S")
        assert app.board.order is Order.NEWEST
        await pilot.press("S")
        assert app.board.order is Order.SOURCE
        assert [line.row.source for line in app.board.lines] == ["alpha", "zeta"]

    drive(ws, body)


def same_story(n: int, source: str, minutes: int) -> NewItem:
    """Story `n` again, from another outlet under another URL (same title)."""
    url = f"https://{source}.example.net/{n}"
    return NewItem(
        id=url_id(url),
        key=url,
        source=source,
        title=f"Story number {n} about the week's events",
        url=url,
        summary=f"{source} on story {n}.",
        published=NOW - timedelta(hours=n, minutes=minutes),
        author=None,
        site=f"{source}.example.net",
    )


def seed_stories(ws: Workspace) -> tuple[str, list[str], str]:
    """Item 1 alone; story 2 from three outlets; item 3 alone. Returns (1, story 2, 3)."""
    first = story(2)
    outlets = [same_story(2, "herald", 5), same_story(2, "courier", 6)]
    with Store(ws.db_path) as store:
        store.upsert_items([story(1), first, story(3)], NOW)
        store.upsert_items(outlets, NOW)
        link_story(store, first.id, *(o.id for o in outlets))
    return story(1).id, [first.id, *(o.id for o in outlets)], story(3).id


def test_a_story_is_one_row_and_z_or_enter_expands_it(ws: Workspace) -> None:
    one, two, three = seed_stories(ws)

    async def body(app: ReviewApp, pilot: Any) -> None:
        assert len(app.board.lines) == 3
        assert "+2" in screen_text(app)
        # By score the story of three outlets leads; S (newest first) keeps the cursor on it.
        await pilot.press("S", "z")
        assert [line.row.id for line in app.board.lines] == [one, *two, three]
        assert "└ Story number 2" in screen_text(app)
        await pilot.press("z")
        assert len(app.board.lines) == 3
        await pilot.press("enter")
        assert len(app.board.lines) == 5

    drive(ws, body)


def test_on_a_folded_story_s_skips_every_outlet_and_p_picks_one(ws: Workspace) -> None:
    one, two, _three = seed_stories(ws)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("s")  # by score the story of three outlets is the first row
        assert [statuses(ws)[i] for i in two] == [ItemStatus.SKIPPED] * 3
        await pilot.press("u", "p")
        assert draft_ids(ws) == [two[0]]
        assert [statuses(ws)[i] for i in two] == [
            ItemStatus.PICKED,
            ItemStatus.NEW,
            ItemStatus.NEW,
        ]

    drive(ws, body)
    assert statuses(ws)[one] is ItemStatus.NEW


def test_r_reads_the_summary_and_link_or_the_full_text(ws: Workspace) -> None:
    ids = seed(ws, 2)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("r")
        assert isinstance(app.screen, ReadScreen)
        text = screen_text(app)
        assert "Summary of story 1." in text
        assert "https://news.example.org/2026/story-1" in text
        await pilot.press("escape", "j", "r")
        assert "The whole article, paragraph one." in screen_text(app)
        await pilot.press("q")
        assert not isinstance(app.screen, ReadScreen)

    texts = {ids[1]: "The whole article, paragraph one."}
    drive(ws, body, full_text=lambda store, item_id: texts.get(item_id))


def test_d_shows_the_draft_and_J_K_m_reorder_it(ws: Workspace) -> None:
    ids = seed(ws, 3)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("p", "p", "p", "d")
        assert "Round-up" in screen_text(app)
        await pilot.press("J")  # first entry one place later
        assert draft_ids(ws) == [ids[1], ids[0], ids[2]]
        await pilot.press("K")
        assert draft_ids(ws) == [ids[0], ids[1], ids[2]]
        await pilot.press("j", "m")  # the second entry to the next section (the lead)
        assert entry(ws, ids[1]).section == "Lead story"
        await pilot.press("escape")
        assert "Lead story 1" in screen_text(app)

    drive(ws, body, size=(120, 40))


def test_question_mark_shows_every_key_and_any_key_closes(ws: Workspace) -> None:
    seed(ws, 1)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for key in ("space", "PgUp", "undo", "$EDITOR", "folded story"):
            assert key in text
        await pilot.press("x")
        assert not isinstance(app.screen, HelpScreen)

    drive(ws, body, size=(120, 40))


def test_q_quits_with_the_sessions_summary(ws: Workspace) -> None:
    seed(ws, 4)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("p", "s", "q")

    app = drive(ws, body)
    assert app.return_value is not None
    assert (app.return_value.picked, app.return_value.skipped, app.return_value.left) == (1, 1, 2)
    assert not app.return_value.interrupted


def test_ctrl_c_quits_too_and_says_it_was_interrupted(ws: Workspace) -> None:
    ids = seed(ws, 2)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("p", "ctrl+c")

    app = drive(ws, body)
    assert app.return_value is not None
    assert app.return_value.interrupted
    assert draft_ids(ws) == [ids[0]]


def test_items_fetched_during_review_wait_for_R(ws: Workspace) -> None:
    seed(ws, 2)

    async def body(app: ReviewApp, pilot: Any) -> None:
        with Store(ws.db_path) as cron:  # a cron fetch, its own connection
            cron.upsert_items([story(9)], NOW)
        app.poll()
        await pilot.pause()
        assert "1 new — R to load" in screen_text(app)
        assert len(app.board.lines) == 2  # nothing reshuffled under the cursor
        await pilot.press("R")
        assert len(app.board.lines) == 3
        assert "R to load" not in screen_text(app)

    drive(ws, body)


def test_a_pick_that_cannot_be_saved_says_so_and_changes_nothing(ws: Workspace) -> None:
    ids = seed(ws, 1)

    async def body(app: ReviewApp, pilot: Any) -> None:
        path = picks.draft_path(ws, "issue-1")
        path.write_text("this is = not [toml", encoding="utf-8")  # a hand edit gone wrong
        await pilot.press("p")
        assert "not saved" in screen_text(app)

    drive(ws, body)
    assert statuses(ws)[ids[0]] is ItemStatus.NEW


def test_no_color_still_shows_state_by_characters(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(ws, 3)
    monkeypatch.setenv("NO_COLOR", "1")

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("s", "space")
        assert app.no_color
        text = screen_text(app)
        assert "*new" in text  # the mark
        assert "skip" in text  # the status word
        assert "▶" in text  # the highlight

    drive(ws, body)


def test_a_story_in_an_earlier_draft_is_flagged_in_the_preview(ws: Workspace) -> None:
    ids = seed(ws, 2)
    picks.new_draft(ws, "issue-0", day=date(2026, 11, 22))
    with Store(ws.db_path) as store:
        picks.Desk(ws, store, "issue-0").pick([ids[1]])
    picks.set_current_draft(ws, "issue-1")

    async def body(app: ReviewApp, pilot: Any) -> None:
        assert "already featured" not in screen_text(app)
        await pilot.press("j")
        assert "⚠ already featured in issue-0" in screen_text(app)

    drive(ws, body, size=(120, 40), show=Show.ALL)


def test_review_opens_where_the_last_one_stopped(ws: Workspace, tmp_path: Path) -> None:
    ids = seed(ws, 5)
    cursor = tmp_path / "cursor"

    async def first(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("j", "j", "q")

    async def second(app: ReviewApp, pilot: Any) -> None:
        assert highlighted(app) == ids[2]
        assert "resumed" in screen_text(app)

    drive(ws, first, cursor_file=cursor)
    drive(ws, second, cursor_file=cursor)


def test_a_fetch_holding_the_write_lock_never_blocks_reading_or_moving(ws: Workspace) -> None:
    seed(ws, 3)

    async def body(app: ReviewApp, pilot: Any) -> None:
        import time

        with Store(ws.db_path) as cron, cron._write() as db:  # a fetch mid-transaction
            db.execute("UPDATE items SET last_seen = last_seen")
            start = time.monotonic()
            app.poll()
            await pilot.press("j", "j", "k")
            assert time.monotonic() - start < 2  # the busy timeout is 10 s
        assert app.board.cursor == 1

    drive(ws, body)


def test_escape_sequences_in_fetched_text_never_reach_the_terminal(ws: Workspace) -> None:
    hostile = replace(
        story(1),
        title="Title\x1b]0;owned\x07 here",
        summary="Line one.\x1b[2J\nLine two.",
        author="\x1b[31mA. Writer",
    )
    with Store(ws.db_path) as store:
        store.upsert_items([hostile], NOW)

    async def body(app: ReviewApp, pilot: Any) -> None:
        preview = app.format_preview().plain
        assert "\x1b" not in preview
        assert "\x07" not in preview
        assert "Line one." in preview
        await pilot.press("r")
        read = app.screen.query_one("Static").render()
        assert "\x1b" not in str(read)
        assert "Line two." in str(read)

    drive(ws, body, full_text=lambda store, item_id: "Body\x1b[2J text.\nLine two.")


def test_undo_after_loading_new_items_puts_the_row_back_too(ws: Workspace) -> None:
    ids = seed(ws, 2)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("p")
        with Store(ws.db_path) as cron:
            cron.upsert_items([story(9)], NOW)
        app.poll()
        await pilot.press("R", "u")
        assert statuses(ws)[ids[0]] is ItemStatus.NEW
        row = app.board.row(ids[0])
        assert row is not None
        assert row.status is ItemStatus.NEW
        assert app.board.counts() == (0, 0, 3)

    drive(ws, body)


def test_the_draft_view_survives_a_draft_broken_by_hand(ws: Workspace) -> None:
    seed(ws, 2)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("p", "p", "d")
        path = picks.draft_path(ws, "issue-1")
        path.write_text("this is = not [toml", encoding="utf-8")
        await pilot.press("J")
        assert "unreadable" in screen_text(app) or "not saved" in screen_text(app)
        await pilot.press("escape", "q")

    app = drive(ws, body, size=(120, 40))
    assert app.return_value is not None


def test_decision_keys_do_nothing_while_a_view_is_open_over_the_list(ws: Workspace) -> None:
    """The views over the list are modal screens, which do not pass keys to the app's
    bindings: a `p` in the reading view must not pick the row hidden underneath."""
    seed(ws, 2)

    async def body(app: ReviewApp, pilot: Any) -> None:
        await pilot.press("r", "p", "s", "l")
        assert isinstance(app.screen, ReadScreen)
        await pilot.press("escape", "d", "p", "s")
        await pilot.press("escape")
        assert not isinstance(app.screen, ReadScreen)

    drive(ws, body)
    assert draft_ids(ws) == []
    assert set(statuses(ws).values()) == {ItemStatus.NEW}
