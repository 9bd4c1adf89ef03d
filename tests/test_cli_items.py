"""`digestctl items` at scale: a page and a footer on a terminal, every item streamed into a
pipe or a file, filters that combine, --search errors. The store holds 15,000 items, stored
in bulk through the store API."""

from __future__ import annotations

import io
import json
import re
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pexpect
import pytest
from editorial import DIGESTCTL, NOW, cli_env
from typer.testing import CliRunner

from digestctl import output
from digestctl.cli import app
from digestctl.models import ItemStatus
from digestctl.picks import Placement
from digestctl.store import ItemJson, ItemLine, NewItem, Store
from digestctl.workspace import Workspace, init_workspace

COUNT = 15_000
SOURCES = 30  # source-00 … source-29; tags: even ones "uk", odd ones "Research"
runner = CliRunner()
ID_AT_LINE_START = re.compile(r"^([0-9a-z]{10})\s", re.MULTILINE)


def stored(n: int) -> NewItem:
    url = f"https://news.example.org/{n}"
    return NewItem(
        id=f"it{n:08d}",
        key=url,
        source=f"source-{n % SOURCES:02d}",
        title=f"Story {n}: " + ("forced labour on farms" if n % 10 == 0 else "trafficking case"),
        url=url,
        summary="Workers were paid nothing for months." if n % 7 == 0 else "A court ruled.",
        published=NOW - timedelta(minutes=n),
        author=None,
        site="news.example.org",
    )


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws, _ = init_workspace(tmp_path_factory.mktemp("items") / "ws")
    ws.sources_path.write_text(
        "".join(
            f'[[source]]\nname = "source-{s:02d}"\nurl = "https://s{s}.example.org/feed"\n'
            f'tags = ["{"uk" if s % 2 == 0 else "Research"}"]\n\n'
            for s in range(SOURCES)
        ),
        encoding="utf-8",
    )
    with Store(ws.db_path) as store:
        store.upsert_items([stored(n) for n in range(COUNT)], NOW)
        store.set_status([f"it{n:08d}" for n in range(0, COUNT, 3)], ItemStatus.SKIPPED)
    return ws


def run(ws: Workspace, *args: str, terminal: bool = False, mp: pytest.MonkeyPatch | None = None):  # type: ignore[no-untyped-def]
    if mp is not None:
        mp.setattr(output, "stdout_is_terminal", lambda: terminal)
    # Newest first unless a test asks otherwise: these tests are about paging and filters,
    # not ranking (tests/test_ranking_cli.py covers the score order).
    order = [] if "--sort" in args else ["--sort", "newest"]
    return runner.invoke(app, ["-w", str(ws.root), "items", *order, *args])


def listed(text: str) -> list[str]:
    return ID_AT_LINE_START.findall(text)


def ids(*numbers: int) -> list[str]:
    return [f"it{n:08d}" for n in numbers]


def test_a_terminal_gets_a_page_and_how_to_see_more(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(ws, terminal=True, mp=monkeypatch)
    assert result.exit_code == 0, result.output
    assert listed(result.stdout) == ids(*range(50))
    assert result.stderr.strip() == (
        "showing 1–50 of 15,000 items; 14,950 more: --offset 50 for the next 50,"
        " --limit N for N at once, --all for every one"
    )
    nxt = run(ws, "--offset", "50", terminal=True, mp=monkeypatch)
    assert listed(nxt.stdout) == ids(*range(50, 100))
    assert "showing 51–100 of 15,000 items; 14,900 more: --offset 100" in nxt.stderr
    last = run(ws, "--offset", "14998", "--limit", "5", terminal=True, mp=monkeypatch)
    assert listed(last.stdout) == ids(14998, 14999)
    assert last.stderr.strip() == "showing 14,999–15,000 of 15,000 items"
    past = run(ws, "--offset", "20000", terminal=True, mp=monkeypatch)
    assert (past.exit_code, past.stdout) == (0, "")
    assert past.stderr.strip() == "no items past 20,000 (there are 15,000)"


def test_a_filtered_page_counts_what_matches(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(ws, "--search", "farms", "--status", "new", terminal=True, mp=monkeypatch)
    # Every 10th item mentions farms; a third of those (n % 3 == 0) are skipped.
    matching = [n for n in range(0, COUNT, 10) if n % 3]
    assert listed(result.stdout) == ids(*matching[:50])
    assert f"of {len(matching):,} items" in result.stderr
    few = run(ws, "--source", "source-01", "--limit", "500", terminal=True, mp=monkeypatch)
    assert listed(few.stdout) == ids(*range(1, COUNT, SOURCES))  # all 500: no footer
    assert few.stderr == ""


def test_all_on_a_terminal_streams_every_item(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(ws, "--all", terminal=True, mp=monkeypatch)
    assert result.exit_code == 0
    assert listed(result.stdout) == ids(*range(COUNT))
    assert result.stderr == ""
    assert run(ws, "--all", "--limit", "3", mp=monkeypatch).exit_code == 2
    # A page longer than a table is worth: lines, and still the footer.
    long = run(ws, "--limit", "2000", "--offset", "100", terminal=True, mp=monkeypatch)
    assert listed(long.stdout) == ids(*range(100, 2100))
    assert long.stderr.startswith("showing 101–2,100 of 15,000 items; 12,900 more: --offset 2100")


def test_a_pipe_gets_every_item_one_line_each(ws: Workspace) -> None:
    result = run(ws)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == COUNT + 1
    assert lines[0].split() == ["id", "date", "source", "status", "title"]
    assert lines[1].split(maxsplit=4) == [
        "it00000000",
        NOW.strftime("%Y-%m-%d"),
        "source-00",
        "skipped",
        "Story 0: forced labour on farms",
    ]
    assert listed(result.stdout) == ids(*range(COUNT))
    assert "\x1b[" not in result.stdout  # no colour into a pipe
    assert listed(run(ws, "--limit", "3", "--offset", "10").stdout) == ids(10, 11, 12)
    assert listed(run(ws, "--offset", "14990").stdout) == ids(*range(14990, COUNT))


def test_json_and_nl_carry_every_item_in_order(ws: Workspace) -> None:
    as_json = json.loads(run(ws, "--json", "--tag", "uk", "--search", '"forced labour"').stdout)
    expected = ids(*(n for n in range(0, COUNT, 10) if n % SOURCES % 2 == 0))
    assert [r["id"] for r in as_json] == expected
    assert set(as_json[0]) == {
        "id",
        "source",
        "title",
        "url",
        "summary",
        "published",
        "author",
        "site",
        "status",
        "first_seen",
        "story",
        "story_size",
        "draft",
        "featured_in",
        "score",
        "why",
    }
    nl = run(ws, "--nl", "--since", (NOW - timedelta(minutes=99)).isoformat()).stdout
    assert [json.loads(line)["id"] for line in nl.splitlines()] == ids(*range(100))
    assert run(ws, "--json", "--search", "nothing-matches-this").stdout == "[]\n"


def test_tags_come_from_sources_toml(ws: Workspace) -> None:
    research = listed(run(ws, "--tag", "research", "--limit", "4").stdout)  # any case
    assert research == ids(1, 3, 5, 7)
    both = listed(run(ws, "--tag", "uk", "--tag", "Research", "--limit", "3").stdout)
    assert both == ids(0, 1, 2)
    # --source and --tag combine: the source must carry the tag.
    assert listed(run(ws, "--tag", "uk", "-s", "source-02", "-s", "source-03").stdout) == ids(
        *range(2, COUNT, SOURCES)
    )
    assert run(ws, "--tag", "uk", "-s", "source-03").stderr.startswith("no items match")
    unknown = run(ws, "--tag", "nope")
    assert unknown.exit_code == 2
    assert unknown.stderr.splitlines() == [
        "error: --tag 'nope': no source in sources.toml has this tag",
        "  hint: tags in use: Research, uk",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"forced labour', "error: --search '\"forced labour': a quote is not closed"),
        ("OR", "error: --search 'OR': OR needs a word on each side"),
        ("%%", "error: --search '%%': no words to look for"),
    ],
)
def test_a_bad_search_is_one_line_not_a_traceback(ws: Workspace, query: str, message: str) -> None:
    result = run(ws, "--search", query)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == message
    assert "Traceback" not in result.output


def test_fts_operators_typed_by_the_user_are_just_words(ws: Workspace) -> None:
    farms = COUNT // 10
    # Parentheses and carets are not words; NEAR, AND and "title:" are words to look for.
    expected = {"(farms)": farms, "^farms": farms, "NEAR(forced": 0, "farms AND": 0, "title:x": 0}
    for query, count in expected.items():
        result = run(ws, "--nl", "--search", query)
        assert result.exit_code == 0, (query, result.output)
        assert result.stdout.count("\n") == count, query


def test_search_without_fts5_scans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where SQLite lacks FTS5, the same queries work, by scanning titles and summaries."""
    from digestctl import store as store_module

    small, _ = init_workspace(tmp_path / "ws")
    monkeypatch.setattr(store_module, "fts5_available", lambda db: False)
    with Store(small.db_path) as store:
        assert not store.search_index
        store.upsert_items([stored(n) for n in range(100)], NOW)
    found = run(small, "--nl", "--search", '"forced labour" OR months -"story 7"')
    assert found.exit_code == 0, found.output
    # The scan matches within words: -"story 7" also leaves out "Story 70" … "Story 79".
    wanted = [n for n in range(100) if n % 10 == 0 or n % 7 == 0]
    expected = [n for n in wanted if not str(n).startswith("7")]
    assert [json.loads(line)["id"] for line in found.stdout.splitlines()] == ids(*expected)
    assert run(small, "--search", '"open').exit_code == 2


def test_usage_errors(ws: Workspace) -> None:
    assert "--sort 'best': use one of score, newest, source" in run(ws, "--sort", "best").stderr
    assert run(ws, "--offset", "-1").exit_code == 2


def test_piped_into_head_stops_quietly(ws: Workspace) -> None:
    """The reader leaves after one line; the listing stops there, with no error."""
    shell = f"{subprocess.list2cmdline(DIGESTCTL)} -w {ws.root} items | head -n 2"
    done = subprocess.run(shell, shell=True, capture_output=True, text=True, env=cli_env())
    assert done.returncode == 0
    assert done.stderr == ""
    assert done.stdout.splitlines()[1].startswith("it00000000")


def test_a_real_terminal_gets_the_table(ws: Workspace) -> None:
    child = pexpect.spawn(
        DIGESTCTL[0],
        [*DIGESTCTL[1:], "-w", str(ws.root), "items", "--status", "new"],
        env=cli_env(),
        encoding="utf-8",
        dimensions=(40, 120),
        timeout=20,
    )
    child.expect(pexpect.EOF)
    text = child.before
    assert listed(text.replace("\r", ""))[:3] == ids(1, 2, 4)
    assert len(listed(text.replace("\r", ""))) == 50
    assert "showing 1–50 of 10,000 items; 9,950 more: --offset 50" in text


# -- streaming, at the level of the writers ------------------------------------------------


class CountingOut(io.StringIO):
    writes = 0

    def write(self, s: str) -> int:
        self.writes += 1
        return super().write(s)

    def isatty(self) -> bool:
        return False


def _rows(out: CountingOut, count: int) -> Iterator[ItemLine]:
    for n in range(count):
        if n == count - 1 and count > 1000:
            # Output has gone out before the last row is read: nothing waits for the end.
            assert out.writes >= 3
        it = stored(n)
        assert it.published is not None
        yield ItemLine(it.id, it.url, "new", it.source, f"{it.published:%Y-%m-%d}", it.title)


def test_lines_are_written_as_rows_arrive(monkeypatch: pytest.MonkeyPatch) -> None:
    out = CountingOut()
    monkeypatch.setattr("sys.stdout", out)
    shown = output.print_items_lines(((row, None) for row in _rows(out, 2000)), output.LineLayout())
    assert shown == 2000
    assert out.getvalue().count("\n") == 2001


@pytest.mark.parametrize("lines", [True, False])
def test_json_is_written_as_rows_arrive(monkeypatch: pytest.MonkeyPatch, lines: bool) -> None:
    out = CountingOut()
    monkeypatch.setattr("sys.stdout", out)
    rows = (
        (ItemJson(i.id, i.url, i.status, json.dumps({"id": i.id})), {"draft": None})
        for i in _rows(out, 2000)
    )
    output.print_items_json(rows, lines=lines)
    text = out.getvalue()
    parsed = [json.loads(x) for x in text.splitlines()] if lines else json.loads(text)
    assert [p["id"] for p in parsed] == ids(*range(2000))
    assert parsed[0] == {"id": "it00000000", "draft": None}


def test_pretty_json_for_a_person_is_json(monkeypatch: pytest.MonkeyPatch) -> None:
    for count in (0, 3):
        out = CountingOut()
        monkeypatch.setattr("sys.stdout", out)
        rows = (
            (
                ItemJson(i.id, i.url, "new", json.dumps({"id": i.id})),
                {"draft": "d1", "featured_in": ["d0"]},
            )
            for i in _rows(out, count)
        )
        output.print_items_json(rows, lines=False, pretty=True)
        parsed = json.loads(out.getvalue())
        assert parsed == [
            {"id": f"it{n:08d}", "draft": "d1", "featured_in": ["d0"]} for n in range(count)
        ]


def test_an_item_line_shows_its_draft_and_where_it_was_featured() -> None:
    item = next(_rows(CountingOut(), 1))
    layout = output.LineLayout(draft_width=8)
    line = output.format_item_line(item, Placement(None, ("week-47",)), layout)
    assert line.endswith("Story 0: forced labour on farms  ⚠ already featured in week-47")
    assert output.format_items_header(layout).split() == [
        "id",
        "date",
        "source",
        "status",
        "draft",
        "title",
    ]
    narrow = output.LineLayout(width=80, color=True)
    long = item._replace(title="word " * 40)
    shown = output.format_item_line(long, None, narrow)
    assert re.sub(r"\x1b\[[0-9;]*m", "", shown).endswith("word…")
    assert len(re.sub(r"\x1b\[[0-9;]*m", "", shown)) <= 80


@pytest.mark.parametrize("shape", [[], ["--json"], ["--limit", "7", "--offset", "3"]])
def test_score_order_is_the_same_in_memory_and_in_two_passes(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, shape: list[str]
) -> None:
    from digestctl.cli import items_cmd

    args = ["--sort", "score", "--search", "labour", *shape]
    in_memory = run(ws, *args)
    monkeypatch.setattr(items_cmd, "IN_MEMORY", 10)  # every selection takes two passes
    two_passes = run(ws, *args)
    assert in_memory.exit_code == two_passes.exit_code == 0, two_passes.output
    assert in_memory.stdout == two_passes.stdout
    assert in_memory.stdout.count("it0") >= 7  # items were listed
