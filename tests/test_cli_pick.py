"""CLI: pick, unpick, skip, note, move; items shows drafts; fetch running beside picks."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import tomllib
from datetime import date
from pathlib import Path

import pytest
from editorial import DIGESTCTL, cli_env, make_workspace, seed, statuses
from httpserver import TestServer, static
from typer.testing import CliRunner, Result

from digestctl import drafts, picks
from digestctl.cli import app
from digestctl.models import ItemStatus
from digestctl.store import Store
from digestctl.workspace import Workspace

runner = CliRunner()


def run(ws: Workspace, *args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, ["-w", str(ws.root), *args], env=env)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


def draft_entries(ws: Workspace, name: str) -> list[dict[str, str]]:
    """The draft file as any TOML reader sees it."""
    data = tomllib.loads(picks.draft_path(ws, name).read_text(encoding="utf-8"))
    return list(data.get("entry", []))


def test_every_editorial_command_has_help() -> None:
    for args in (["pick"], ["unpick"], ["skip"], ["note"], ["move"], ["undo"], ["review"]):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, args
        assert "Example" in result.stdout


def test_pick_starts_todays_draft_and_says_so(ws: Workspace) -> None:
    a, b = seed(ws, 2)
    result = run(ws, "pick", a[:5], b, "--note", "Read *this*.")
    assert result.exit_code == 0, result.output
    today = picks.today().isoformat()
    assert f"started draft {today}" in result.stderr
    assert result.stdout == ""  # stdout is for data only
    assert [e["id"] for e in draft_entries(ws, today)] == [a, b]
    assert {e["note"] for e in draft_entries(ws, today)} == {"Read *this*."}
    assert picks.current_draft_name(ws) == today
    again = run(ws, "pick", a, "--lead")
    assert "started draft" not in again.stderr
    assert draft_entries(ws, today)[0]["section"] == "Lead story"


def test_unknown_or_ambiguous_ids_change_nothing(ws: Workspace) -> None:
    ids = seed(ws, 40)  # enough ids that some share a first character
    first = ids[0][0]
    sharing = [i for i in ids if i.startswith(first)]
    assert len(sharing) > 1
    result = run(ws, "pick", ids[1], "zzzzzzzz")
    assert result.exit_code == 2
    assert "no item with id 'zzzzzzzz'" in result.stderr
    result = run(ws, "pick", ids[1], first)
    assert result.exit_code == 2
    assert "ambiguous" in result.stderr
    assert not list(ws.drafts_dir.glob("*.toml"))
    assert set(statuses(ws).values()) == {ItemStatus.NEW}


def test_unpick_skip_note_move_and_items(ws: Workspace) -> None:
    a, b, c, d = seed(ws, 4)
    assert run(ws, "draft", "new", "issue-1").exit_code == 0
    assert run(ws, "pick", a, b, c).exit_code == 0
    result = run(ws, "move", c, "--before", a)
    assert result.exit_code == 0, result.output
    assert f"moved {c} to Round-up #1" in result.stderr
    assert run(ws, "move", a, "--section", "Lead story").exit_code == 0
    assert run(ws, "note", b[:6], "Line one.\n\nLine *two*.").exit_code == 0
    assert run(ws, "unpick", c).exit_code == 0
    assert run(ws, "skip", d).exit_code == 0
    entries = draft_entries(ws, "issue-1")
    assert [(e["id"], e["section"]) for e in entries] == [(a, "Lead story"), (b, "Round-up")]
    assert entries[1]["note"] == "Line one.\n\nLine *two*."
    listed = json.loads(run(ws, "items", "--json").stdout)
    by_id = {row["id"]: row for row in listed}
    assert by_id[a]["draft"] == "issue-1"
    assert by_id[c]["draft"] is None
    assert (by_id[c]["status"], by_id[d]["status"]) == ("new", "skipped")
    assert all(row["featured_in"] == [] for row in listed)


def test_note_needs_a_picked_entry_and_reads_stdin_or_the_editor(
    ws: Workspace, tmp_path: Path
) -> None:
    a, b = seed(ws, 2)
    run(ws, "draft", "new", "issue-1")
    run(ws, "pick", a)
    result = run(ws, "note", b, "text")
    assert result.exit_code == 2
    assert f"digestctl pick {b} --note" in result.stderr
    result = runner.invoke(app, ["-w", str(ws.root), "note", a, "-"], input="From stdin.\n")
    assert result.exit_code == 0, result.output
    assert draft_entries(ws, "issue-1")[0]["note"] == "From stdin."
    editor = tmp_path / "ed.py"
    editor.write_text(
        textwrap.dedent(
            """
            import sys
            p = sys.argv[1]
            old = open(p, encoding="utf-8").read()
            assert old.startswith("From stdin."), old
            open(p, "w", encoding="utf-8").write("Rewritten in the editor.\\n" + old[12:])
            """
        ),
        encoding="utf-8",
    )
    result = run(ws, "note", a, "--edit", env={"VISUAL": f"{sys.executable} {editor}"})
    assert result.exit_code == 0, result.output
    assert draft_entries(ws, "issue-1")[0]["note"] == "Rewritten in the editor."
    assert not list(ws.state_dir.glob("note-*"))
    assert run(ws, "note", a).exit_code == 2  # neither TEXT nor --edit


def test_a_story_in_an_earlier_draft_is_refused_unless_again(ws: Workspace) -> None:
    a, b = seed(ws, 2)
    run(ws, "draft", "new", "2026-11-22", "--date", "2026-11-22")
    run(ws, "pick", a)
    # The store was rebuilt (or the item re-fetched): it is new again.
    with Store(ws.db_path) as store:
        store.set_status([a], ItemStatus.NEW)
    run(ws, "draft", "new", "2026-11-29", "--date", "2026-11-29")
    result = run(ws, "pick", a, b)
    assert result.exit_code == 1
    assert "already featured in draft 2026-11-22" in result.stderr
    assert draft_entries(ws, "2026-11-29") == []
    listed = {r["id"]: r for r in json.loads(run(ws, "items", "--json").stdout)}
    assert listed[a]["featured_in"] == ["2026-11-22"]
    table = run(ws, "items").stdout
    assert "already featured in 2026-11-22" in table
    assert run(ws, "pick", a, "--again").exit_code == 0
    assert [e["id"] for e in draft_entries(ws, "2026-11-29")] == [a]


def test_move_errors_are_clear(ws: Workspace) -> None:
    a, b = seed(ws, 2)
    run(ws, "draft", "new", "issue-1")
    run(ws, "pick", a, b)
    result = run(ws, "move", a, "--to", "9")
    assert result.exit_code == 2
    assert "out of range" in result.stderr
    result = run(ws, "move", a, "--section", "Nowhere")
    assert "has no section 'Nowhere'" in result.stderr
    assert run(ws, "move", a).exit_code == 2


# -- a cron fetch running while the editor picks ------------------------------------------


def _rss(n: int, start: int) -> bytes:
    items = "".join(
        f"<item><title>Fetched story {i} with a long enough title</title>"
        f"<link>https://wire.example.com/fetched/{i}</link>"
        f"<description>Text {i}.</description>"
        f"<pubDate>Sat, 28 Nov 2026 10:{i % 60:02d}:00 GMT</pubDate></item>"
        for i in range(start, start + n)
    )
    channel = f"<channel><title>Wire</title>{items}</channel>"
    return f"<?xml version='1.0'?><rss version='2.0'>{channel}</rss>".encode()


@pytest.mark.slow
def test_fetch_in_another_process_loses_no_pick_or_note(ws: Workspace, server: TestServer) -> None:
    feeds = [server.route(f"/feed-{k}.xml", static(_rss(60, k * 60))) for k in range(6)]
    sources = "".join(
        f'\n[[source]]\nname = "wire-{k}"\nurl = "{url}"\nmax_items = 100\n'
        for k, url in enumerate(feeds)
    )
    with ws.sources_path.open("a", encoding="utf-8") as f:
        f.write(sources)
    ids = seed(ws, 24)
    picks.new_draft(ws, "issue-1", day=date(2026, 11, 29))
    # Fetch again and again, from another process, while this one decides.
    stop = ws.root / "stop"
    loop = textwrap.dedent(
        f"""
        import os, subprocess
        runs = 0
        while not os.path.exists({str(stop)!r}) or runs < 2:
            subprocess.run({DIGESTCTL!r} + ["-w", {str(ws.root)!r}, "fetch", "--force",
                                             "--quiet"], check=True)
            runs += 1
        print(runs)
        """
    )
    fetcher = subprocess.Popen(
        [sys.executable, "-c", loop], env=cli_env(), stdout=subprocess.PIPE, text=True
    )
    try:
        with Store(ws.db_path) as store:
            desk = picks.Desk(ws, store, "issue-1")
            for n, item_id in enumerate(ids):
                if n % 3 == 2:
                    desk.skip([item_id])
                else:
                    desk.pick([item_id], note=f"note {n}" if n % 2 else None)
                time.sleep(0.04)
        stop.touch()
        out, _ = fetcher.communicate(timeout=120)
        assert fetcher.returncode == 0
        assert int(out) >= 2
    finally:
        fetcher.kill()
    picked = [i for n, i in enumerate(ids) if n % 3 != 2]
    entries = {e["id"]: e for e in draft_entries(ws, "issue-1")}
    assert sorted(entries) == sorted(picked)
    for n, item_id in enumerate(ids):
        if n % 3 != 2 and n % 2:
            assert entries[item_id]["note"] == f"note {n}"
    now = statuses(ws)
    assert all(now[i] is ItemStatus.PICKED for i in picked)
    assert all(now[i] is ItemStatus.SKIPPED for n, i in enumerate(ids) if n % 3 == 2)
    assert sum(1 for i in now if i not in ids) == 360  # every fetched story arrived
    with Store(ws.db_path) as store:
        assert store.integrity_ok()
    assert drafts.load_draft(picks.draft_path(ws, "issue-1")).entries


@pytest.mark.slow
def test_picks_from_two_processes_at_once_are_all_kept(ws: Workspace) -> None:
    ids = seed(ws, 16)
    picks.new_draft(ws, "issue-1", day=date(2026, 11, 29))
    halves = [ids[0::2], ids[1::2]]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import subprocess, sys\n"
                f"for i in {half!r}:\n"
                f"    subprocess.run({DIGESTCTL!r} + ['-w', {str(ws.root)!r}, 'pick', i,"
                " '--note', 'n-' + i], check=True)\n",
            ],
            env=cli_env(),
        )
        for half in halves
    ]
    for p in procs:
        assert p.wait(timeout=120) == 0
    entries = {e["id"]: e["note"] for e in draft_entries(ws, "issue-1")}
    assert entries == {i: f"n-{i}" for i in ids}
    assert set(statuses(ws).values()) == {ItemStatus.PICKED}


def test_undo_across_commands_with_list_and_json(ws: Workspace) -> None:
    a, b, c = seed(ws, 3)
    assert run(ws, "undo").stderr.strip() == "nothing to undo"
    assert run(ws, "pick", a, b, "--note", "Both.").exit_code == 0
    assert run(ws, "skip", c).exit_code == 0
    today = picks.today().isoformat()
    listed = run(ws, "undo", "--list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert [line.split()[2:4] for line in lines] == [["skip", c], ["pick", b], ["pick", a]]
    assert f"draft {today}" in lines[0]

    undone = run(ws, "undo")  # the skip, made by another command (another process)
    assert undone.exit_code == 0, undone.output
    assert undone.stdout == ""
    assert "undone: " in undone.stderr
    assert c in undone.stderr
    assert statuses(ws)[c] is ItemStatus.NEW
    assert [e["id"] for e in draft_entries(ws, today)] == [a, b]

    data = json.loads(run(ws, "undo", "--list", "--json").stdout)
    assert [(d["action"], d["item"], d["undone_at"] is not None) for d in data] == [
        ("skip", c, True),
        ("pick", b, False),
        ("pick", a, False),
    ]
    assert set(data[0]) == {
        "seq",
        "batch",
        "made_at",
        "action",
        "item",
        "title",
        "draft",
        "status_before",
        "status_after",
        "undone_at",
    }
    assert run(ws, "undo", "-n", "3").exit_code == 0  # one pick command: one batch
    assert draft_entries(ws, today) == []
    assert set(statuses(ws).values()) == {ItemStatus.NEW}
    refused = run(ws, "undo", "--json")
    assert refused.exit_code == 2
    assert "--json goes with --list" in refused.stderr
