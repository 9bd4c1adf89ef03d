"""CLI: `digestctl add URL` over the loopback server — output, dedup, refusals, picking."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import pytest
from editorial import make_workspace
from httpserver import TestServer, static, status_code
from pagesite import HTML, RSS, article, rss, serve_articles
from typer.testing import CliRunner, Result

from digestctl import picks
from digestctl.cli import app
from digestctl.cli.add_cmd import print_item
from digestctl.models import Item, ItemStatus
from digestctl.workspace import Workspace

runner = CliRunner()


def run(ws: Workspace, *args: str) -> Result:
    return runner.invoke(app, ["-w", str(ws.root), *args], env={"NO_COLOR": "1"})


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


def entries(ws: Workspace, name: str) -> list[dict[str, str]]:
    data = tomllib.loads(picks.draft_path(ws, name).read_text(encoding="utf-8"))
    return list(data.get("entry", []))


def test_add_prints_the_item_and_stores_it(ws: Workspace, server: TestServer) -> None:
    (url,) = serve_articles(server, "one")
    result = run(ws, "add", url)
    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines["title"] == "Story one makes the news this week"
    assert (lines["site"], lines["author"], lines["date"]) == (
        "Example News",
        "Jane Doe",
        "2026-11-27 08:30 UTC",
    )
    assert lines["summary"] == "The summary of one. It has two sentences."
    assert (lines["url"], lines["status"]) == (url, "new")
    assert f"added {lines['id']} (source manual)" in result.stderr
    assert f"digestctl pick {lines['id']}" in result.stderr


def test_json_has_the_keys_of_items_json(ws: Workspace, server: TestServer) -> None:
    (url,) = serve_articles(server, "one")
    added = json.loads(run(ws, "add", url, "--json").stdout)
    (listed,) = json.loads(run(ws, "items", "--json").stdout)
    assert added == listed
    assert added["source"] == "manual"
    assert added["published"] == "2026-11-27T08:30:00Z"


def test_the_same_story_twice_is_one_item(ws: Workspace, server: TestServer) -> None:
    (url,) = serve_articles(server, "one")
    first = json.loads(run(ws, "add", url, "--json").stdout)
    again = run(ws, "add", f"{url}?utm_source=newsletter&utm_medium=email#comments", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["id"] == first["id"]
    assert f"already stored: {first['id']} (from manual" in again.stderr
    assert len(json.loads(run(ws, "items", "--json").stdout)) == 1
    assert len(server.requests_for("/news/one")) == 1


def test_a_feed_is_sent_to_sources_add(ws: Workspace, server: TestServer) -> None:
    url = server.route("/feed.xml", static(rss(["https://example.org/a"]), content_type=RSS))
    result = run(ws, "add", url)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {url} is a feed, not a story",
        f"  hint: to watch it, add it as a source: `digestctl sources add {url}`",
    ]


def test_a_404_is_one_line(ws: Workspace, server: TestServer) -> None:
    url = server.route("/gone", status_code(404))
    result = run(ws, "add", url)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"error: {url}: HTTP 404 Not Found"
    assert len(result.stderr.splitlines()) == 2  # and a hint
    assert "Traceback" not in result.output


def test_only_web_addresses(ws: Workspace) -> None:
    result = run(ws, "add", "example.org/story")
    assert result.exit_code == 2
    assert "did you mean https://example.org/story" in result.stderr
    assert run(ws, "add", "file:///etc/hostname").exit_code == 2


def test_pick_into_a_new_draft_with_a_note(ws: Workspace, server: TestServer) -> None:
    (url,) = serve_articles(server, "one")
    result = run(ws, "add", url, "--note", "Read the *numbers*.", "--json")
    assert result.exit_code == 0, result.output
    today = picks.today().isoformat()
    added = json.loads(result.stdout)
    assert (added["status"], added["draft"]) == ("picked", today)
    assert f"started draft {today}" in result.stderr
    assert f"picked {added['id']} ({today} · Round-up)" in result.stderr
    (entry,) = entries(ws, today)
    assert (entry["id"], entry["url"], entry["note"]) == (added["id"], url, "Read the *numbers*.")
    assert entry["title"] == "Story one makes the news this week"


def test_pick_into_a_named_draft_as_lead(ws: Workspace, server: TestServer) -> None:
    # Two different stories (serve_articles' titles differ by one word: one story).
    url, other = (
        server.route(f"/news/{slug}", static(article(slug, title=title), content_type=HTML))
        for slug, title in (
            ("one", "Court upholds landmark verdict against fruit company"),
            ("two", "Storm closes harbour as ferries stay in port"),
        )
    )
    assert run(ws, "draft", "new", "issue-7").exit_code == 0
    assert run(ws, "add", url, "--draft", "issue-7", "--lead").exit_code == 0
    assert run(ws, "add", other, "--pick", "--section", "Round-up").exit_code == 0
    assert [(e["url"], e["section"]) for e in entries(ws, "issue-7")] == [
        (url, "Lead story"),
        (other, "Round-up"),
    ]


def test_bad_pick_options_fail_before_any_request(ws: Workspace, server: TestServer) -> None:
    (url,) = serve_articles(server, "one")
    result = run(ws, "add", url, "--lead", "--section", "Reports")
    assert result.exit_code == 2
    result = run(ws, "add", url, "--draft", "no-such-draft")
    assert result.exit_code == 1
    assert "no draft 'no-such-draft'" in result.stderr
    assert not server.requests


def test_a_story_in_an_earlier_draft(ws: Workspace, server: TestServer) -> None:
    (url,) = serve_articles(server, "one")
    run(ws, "draft", "new", "2026-11-22", "--date", "2026-11-22")
    item_id = json.loads(run(ws, "add", url, "--pick", "--json").stdout)["id"]
    run(ws, "draft", "new", "2026-11-29", "--date", "2026-11-29")
    shown = run(ws, "add", url)
    assert shown.exit_code == 0
    assert "already in draft 2026-11-22" in shown.stderr
    refused = run(ws, "add", url, "--pick")
    assert refused.exit_code == 1
    assert "already featured in draft 2026-11-22; it is stored, but not picked" in refused.stderr
    assert entries(ws, "2026-11-29") == []
    again = run(ws, "add", url, "--pick", "--again", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["featured_in"] == ["2026-11-22"]
    assert [e["id"] for e in entries(ws, "2026-11-29")] == [item_id]


def test_a_panel_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime

    item = Item(
        id="abc123",
        source="manual",
        title="A [bold]title[/bold] with markup",
        url="https://example.org/a",
        summary="A summary.",
        published=datetime(2026, 11, 27, 8, 30, tzinfo=UTC),
        author=None,
        site="Example",
        status=ItemStatus.NEW,
        first_seen=datetime(2026, 11, 29, tzinfo=UTC),
        last_seen=datetime(2026, 11, 29, tzinfo=UTC),
    )
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    print_item(item, None)
    out = capsys.readouterr().out
    assert "╭" in out
    assert "A [bold]title[/bold] with markup" in out  # fetched text is not rich markup
    assert "author" not in out  # empty fields are left out
    assert "abc123" in out
