"""The review app's data layer without a terminal: rows from the store, the list's lines
(filters, stories, marks, the session's tally), the search index and a row's text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from editorial import NOW, link_story, make_workspace, story
from hypothesis import given
from hypothesis import strategies as st

from digestctl.models import ItemStatus
from digestctl.picks import Window
from digestctl.review.app import format_footer, format_line
from digestctl.review.board import Board, Line, Order, Show
from digestctl.review.rows import ReviewRow, SearchIndex, age, load_rows, search_text
from digestctl.store import Store


def row(n: int, **fields: object) -> ReviewRow:
    base = ReviewRow(
        id=f"id{n}",
        status=ItemStatus.NEW,
        source="wire",
        title=f"Title {n}",
        url=f"https://example.org/{n}",
        summary=f"Summary {n}.",
        author=None,
        date=(NOW - timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        story=f"id{n}",
    )
    return replace(base, **fields)  # type: ignore[arg-type]


# -- a line of the list -------------------------------------------------------------------


def test_a_line_at_80_columns_shows_the_cursor_mark_status_and_enough_title() -> None:
    line = Line(
        row(1, source="a-very-long-source-name", title="Abcdefghijklmnop qrstuvwxyz " * 3),
        (row(1),),
    )
    text = format_line(line, width=78, cursor=True, marked=True, now=NOW)
    assert len(text) == 78
    assert text.startswith("▶*new ")
    assert "Abcdefghijklmnop" in text  # well over the first 12 characters of the title
    assert text.rstrip().endswith("1h")
    plain = format_line(line, width=78, cursor=False, marked=False, now=NOW)
    assert plain.startswith("  new ")


def test_a_folded_story_says_how_many_outlets_and_an_outlet_line_is_indented() -> None:
    head, other = row(1, story="s"), row(2, story="s", source="herald")
    folded = format_line(Line(head, (head, other)), width=90, cursor=False, marked=False, now=NOW)
    assert " +1 " in folded
    outlet = format_line(Line(other, ()), width=90, cursor=False, marked=False, now=NOW)
    assert "└ Title 2" in outlet


def test_untrusted_control_characters_never_reach_the_terminal() -> None:
    line = Line(row(1, title="Evil\x1b[2Jtitle\r\n"), ())
    text = format_line(line, width=80, cursor=False, marked=False, now=NOW)
    assert "\x1b" not in text
    assert "\r" not in text
    assert "\n" not in text


def test_wide_characters_keep_the_columns_in_place() -> None:
    from rich.cells import cell_len

    for title in (
        "東京で人身売買の摘発が相次ぐ、警察が発表した報告書によれば",
        "Survivors 🎗️ speak out " * 4,
    ):
        text = format_line(
            Line(row(1, title=title), ()), width=80, cursor=False, marked=False, now=NOW
        )
        assert cell_len(text) == 80
        assert text.rstrip().endswith("1h")


def test_decided_rows_say_so_in_words() -> None:
    for status, word in ((ItemStatus.PICKED, "pick"), (ItemStatus.SKIPPED, "skip")):
        text = format_line(
            Line(row(1, status=status), ()), width=80, cursor=False, marked=False, now=NOW
        )
        assert text[2:6] == word


def test_ages() -> None:
    assert [
        age(NOW - d, NOW)
        for d in (
            timedelta(minutes=5),
            timedelta(hours=3),
            timedelta(days=2),
            timedelta(days=30),
            timedelta(days=800),
            timedelta(hours=-2),
        )
    ] == ["5m", "3h", "2d", "4w", "2y", "0m"]


def test_the_footer_fits_and_keeps_the_keys_most_needed() -> None:
    for width in (60, 80, 120, 200):
        text = format_footer(width)
        assert len(text) <= width
    assert "p pick" in format_footer(80)
    assert "q quit" in format_footer(80)
    assert "S order" in format_footer(200)
    assert "S order" not in format_footer(80)


# -- search ------------------------------------------------------------------------------


def test_search_finds_every_word_in_title_summary_or_source_whatever_the_case() -> None:
    rows = [
        row(1, title="Court ruling on wages"),
        row(2, summary="Wages and DEBT"),
        row(3, source="Wages-Watch"),
    ]
    index = SearchIndex(rows)
    assert index.matching("wages") == {"id1", "id2", "id3"}
    assert index.matching("WAGES debt") == {"id2"}
    assert index.matching("ruling wages court") == {"id1"}
    assert index.matching("nowhere") == set()
    assert index.matching("   ") == {"id1", "id2", "id3"}


@given(
    st.lists(st.text(alphabet="abcAB \n", max_size=12), min_size=1, max_size=12),
    st.text(alphabet="abcAB ", max_size=5),
)
def test_the_search_index_agrees_with_looking_at_each_row(titles: list[str], query: str) -> None:
    rows = [row(n, title=t, summary="", source="s") for n, t in enumerate(titles)]
    words = query.casefold().split()
    expected = {r.id for r in rows if all(w in search_text(r) for w in words)}
    assert SearchIndex(rows).matching(query) == expected


# -- the board ---------------------------------------------------------------------------


def test_stories_fold_into_their_first_row_and_expand() -> None:
    rows = [row(1), row(2, story="s"), row(3, story="s"), row(4)]
    board = Board(rows)
    assert [(line.row.id, len(line.story)) for line in board.lines] == [
        ("id1", 1),
        ("id2", 2),
        ("id4", 1),
    ]
    board.move(1)
    assert board.line is not None
    assert [r.id for r in board.line.rows] == ["id2", "id3"]
    assert board.toggle_story()
    assert [line.row.id for line in board.lines] == ["id1", "id2", "id3", "id4"]
    board.move(1)
    assert board.line is not None
    assert board.line.outlet
    assert board.line.rows == (rows[2],)
    assert board.toggle_story()  # from an outlet line: fold, back on the head
    assert board.current is rows[1]
    board.go(0)
    assert not board.toggle_story()  # a lone item


def test_marks_cover_a_folded_story_and_clear_when_it_leaves_the_view() -> None:
    rows = [row(1), row(2, story="s"), row(3, story="s")]
    board = Board(rows)
    board.go(1)
    board.toggle_mark()
    assert board.marks == {"id2", "id3"}
    assert [r.id for r in board.marked_rows()] == ["id2", "id3"]
    board.search("Title 1")
    assert board.marks == set()


def test_status_order_and_source_filters() -> None:
    rows = [row(1, source="b"), row(2, source="a", status=ItemStatus.PICKED), row(3, source="c")]
    board = Board(rows, tags={"t": frozenset({"a", "c"})})
    assert [line.row.id for line in board.lines] == ["id1", "id3"]
    board.cycle_show()
    assert board.show is Show.ALL
    assert len(board.lines) == 3
    board.cycle_order()
    board.cycle_order()
    assert board.order is Order.SOURCE
    assert [line.row.source for line in board.lines] == ["a", "b", "c"]
    board.filter_source("#t")
    assert [line.row.source for line in board.lines] == ["a", "c"]
    board.filter_source("b")
    assert [line.row.source for line in board.lines] == ["b"]


def test_rows_with_scores_come_best_first() -> None:
    rows = [row(1, score=0.2), row(2), row(3, score=0.9)]
    assert [line.row.id for line in Board(rows).lines] == ["id3", "id1", "id2"]


def test_the_tally_counts_this_sessions_decisions_and_survives_a_reload() -> None:
    rows = [row(1), row(2), row(3), row(4, status=ItemStatus.SKIPPED)]
    board = Board(rows)
    board.set_status([rows[0]], ItemStatus.PICKED)
    board.set_status([rows[1]], ItemStatus.SKIPPED)
    board.set_status([rows[3]], ItemStatus.NEW)  # an undo of an earlier session's skip
    assert board.counts() == (1, 1, 2)
    reloaded = [replace(r) for r in rows] + [row(5)]
    board.replace_rows(reloaded)
    assert board.counts() == (1, 1, 3)


# -- rows from the store -----------------------------------------------------------------


def test_load_rows_reads_the_window_stories_and_outlets(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    old = story(1, published=NOW - timedelta(days=30))
    first = story(2)
    again = story(3, source="herald")  # same story, another URL
    with Store(ws.db_path) as store:
        store.upsert_items([old], NOW - timedelta(days=30))  # old news, seen long ago
        store.upsert_items([first, again], NOW)
        link_story(store, first.id, again.id)
        store.upsert_items([story(2, source="courier")], NOW)  # same URL from another source
        mark = store.item_watermark()
        rows = load_rows(store, Window(NOW - timedelta(days=7), NOW))
        assert store.count_items_after(mark) == 0
        store.upsert_items([story(9)], NOW)
        assert store.count_items_after(mark) == 1
    by_id = {r.id: r for r in rows}
    assert set(by_id) == {first.id, again.id}
    assert by_id[again.id].story == first.id
    assert by_id[first.id].story_size == by_id[again.id].story_size == 2
    assert set(by_id[first.id].outlets) == {"courier", "herald"}
    assert by_id[first.id].when == first.published
    with Store(ws.db_path) as store:
        assert len(load_rows(store, Window(None, NOW))) == 4


def test_first_seen_stands_in_for_a_missing_date(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    seen = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    with Store(ws.db_path) as store:
        store.upsert_items([replace(story(1), published=None)], seen)
        (only,) = load_rows(store, Window(None, NOW))
    assert only.when == seen
    assert not only.dated
