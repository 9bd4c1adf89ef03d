"""CLI: `digestctl show` (the reading view), `prune --texts-older-than`, `export
--with-text`, on the bundled samples (offline) and over the loopback server."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from editorial import make_workspace, story
from httpserver import TestServer, static, status_code
from typer.testing import CliRunner, Result

from digestctl.cli import app
from digestctl.models import MANUAL_SOURCE
from digestctl.store import Store
from digestctl.workspace import Workspace

runner = CliRunner()
HTML = "text/html; charset=utf-8"
SEAT = "Civil society must have a seat at the table on forced criminality"
BODY = "".join(
    f"<p>Paragraph {i}: the inspectors found passports kept by the recruiting agencies, "
    "wages withheld for months, and workers housed in containers on the farms.</p>"
    for i in range(8)
)
PAGE = f"""<html><head><title>Farms | Valley News</title>
<meta name="description" content="Inspectors visited forty farms."></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<main><article><h1>Farms</h1>{BODY}</article></main>
<footer>© Valley News</footer></body></html>""".encode()


def run(root: Path, *args: str) -> Result:
    return runner.invoke(app, ["-w", str(root), *args], env={"NO_COLOR": "1"})


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("show") / "demo"
    result = runner.invoke(app, ["demo", str(root)])
    assert result.exit_code == 0, result.output
    return root


def item_id(root: Path, title: str) -> str:
    items = json.loads(run(root, "items", "--json").stdout)
    return next(i["id"] for i in items if i["title"] == title)


def test_show_prints_a_full_article_from_the_samples_offline(demo_ws: Path) -> None:
    result = run(demo_ws, "show", item_id(demo_ws, SEAT))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(SEAT + "\n")
    assert "https://coalition.example.org/news/seat-at-the-table" in out
    assert "Speakers from shelters, legal clinics and survivor networks" in out
    assert "in English, Thai and Khmer." in out
    assert "appeared first on" not in out
    assert "\n\n" in out.partition("Speakers")[2]  # paragraphs, blank lines between


def test_show_json_has_the_item_keys_and_the_text(demo_ws: Path) -> None:
    result = run(demo_ws, "show", item_id(demo_ws, SEAT), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    items_keys = set(json.loads(run(demo_ws, "items", "--json").stdout)[0]) - {
        "draft",
        "featured_in",
    }
    assert items_keys <= set(data)
    assert {"text", "text_source", "markdown", "text_error"} <= set(data)
    assert data["text_source"] == "feed"
    assert data["text_error"] is None
    paragraphs = data["text"].split("\n\n")
    assert len(paragraphs) >= 6
    assert all(p.strip() for p in paragraphs)


def test_show_md_keeps_headings_and_lists(demo_ws: Path) -> None:
    helpline = item_id(demo_ws, "Helpline calls rose by a third this year")
    result = run(demo_ws, "show", helpline, "--format", "md")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Helpline calls rose by a third this year\n")
    assert "## Where the calls came from" in result.stdout
    assert "- Agriculture: 31% of cases\n- Construction: 19%" in result.stdout
    assert "> Every call is someone deciding to trust us." in result.stdout
    assert "Share this article" not in result.stdout
    data = json.loads(run(demo_ws, "show", helpline, "--json").stdout)
    assert data["text_source"] == "page"  # the listing's article page, kept at fetch time


def test_export_includes_text_only_when_asked(demo_ws: Path) -> None:
    plain = json.loads(run(demo_ws, "export", "--format", "json").stdout)
    entries = [e for s in plain["sections"] for e in s["entries"]]
    assert all("text" not in e for e in entries)
    full = json.loads(run(demo_ws, "export", "--format", "json", "--with-text").stdout)
    entries = {e["title"]: e for s in full["sections"] for e in s["entries"]}
    assert "Speakers from shelters" in entries[SEAT]["text"]
    assert any(e["text"] is None for e in entries.values())  # not every text is stored
    wrong = run(demo_ws, "export", "--format", "md", "--with-text")
    assert wrong.exit_code == 2
    assert "--with-text applies to JSON only" in wrong.stderr


def test_add_then_show_reads_the_page_once(tmp_path: Path, server: TestServer) -> None:
    ws = make_workspace(tmp_path / "ws")
    url = server.route("/news/farms", static(PAGE, content_type=HTML))
    added = run(ws.root, "add", url, "--json")
    assert added.exit_code == 0, added.output
    shown = run(ws.root, "show", json.loads(added.stdout)["id"], "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["text_source"] == "page"
    assert data["text"].startswith("Paragraph 0: the inspectors")
    assert "Home" not in data["text"]
    assert "Valley News" not in data["text"]
    assert len(server.requests_for("/news/farms")) == 1  # add kept it: no second request


def _stored(ws: Workspace, url: str, source: str = MANUAL_SOURCE) -> str:
    # Added by hand (trusted, as a typed URL is): loopback stands in for the web here.
    item = replace(story(7), url=url, source=source)
    with Store(ws.db_path) as store:
        store.upsert_items([item], datetime.now(UTC))
    return item.id


def test_show_fetches_a_missing_text_on_demand(tmp_path: Path, server: TestServer) -> None:
    ws = make_workspace(tmp_path / "ws")
    url = server.route("/news/on-demand", static(PAGE, content_type=HTML))
    item = _stored(ws, url)
    offline = json.loads(run(ws.root, "show", item, "--json", "--offline").stdout)
    assert offline["text"] is None
    assert server.requests_for("/news/on-demand") == []
    first = run(ws.root, "show", item)
    assert first.exit_code == 0, first.output
    assert "Paragraph 7: the inspectors" in first.stdout
    run(ws.root, "show", item)
    assert len(server.requests_for("/news/on-demand")) == 1
    run(ws.root, "show", item, "--refresh")
    assert len(server.requests_for("/news/on-demand")) == 2


def test_show_says_why_there_is_no_text_and_shows_the_summary(
    tmp_path: Path, server: TestServer
) -> None:
    ws = make_workspace(tmp_path / "ws")
    url = server.route("/news/gone", status_code(404))
    item = _stored(ws, url)
    result = run(ws.root, "show", item)
    assert result.exit_code == 0, result.output
    assert "no full text" in result.stderr
    assert "404" in result.stderr
    assert "Summary of story 7. It has two sentences." in result.stdout
    data = json.loads(run(ws.root, "show", item, "--json").stdout)
    assert data["text"] is None
    assert data["text_source"] is None
    assert "could not be fetched" in data["text_error"]


def test_a_feed_items_page_on_a_private_address_is_not_fetched(
    tmp_path: Path, server: TestServer
) -> None:
    ws = make_workspace(tmp_path / "ws")
    url = server.route("/news/internal", static(PAGE, content_type=HTML))
    item = _stored(ws, url, source="some-feed")
    result = run(ws.root, "show", item)
    assert result.exit_code == 0, result.output
    assert "blocked: private address 127.0.0.1" in result.stderr
    assert server.requests_for("/news/internal") == []


def test_prune_drops_old_texts_and_keeps_items(tmp_path: Path, server: TestServer) -> None:
    ws = make_workspace(tmp_path / "ws")
    url = server.route("/news/prune", static(PAGE, content_type=HTML))
    item = _stored(ws, url)
    assert run(ws.root, "show", item).exit_code == 0
    kept = run(ws.root, "prune", "--texts-older-than", "30")
    assert kept.exit_code == 0, kept.output
    assert "dropped 0 full texts" in kept.stderr
    dropped = run(ws.root, "prune", "--texts-older-than", "0")
    assert "dropped 1 full text " in dropped.stderr
    data = json.loads(run(ws.root, "show", item, "--json", "--offline").stdout)
    assert data["id"] == item
    assert data["text"] is None


def test_show_unknown_id_is_one_clean_error(demo_ws: Path) -> None:
    result = run(demo_ws, "show", "zzzz")
    assert result.exit_code != 0
    assert "no item with id 'zzzz'" in result.stderr
    assert "Traceback" not in result.output


def test_on_a_terminal_the_text_opens_in_the_pager(demo_ws: Path, tmp_path: Path) -> None:
    import pexpect
    from editorial import DIGESTCTL, cli_env

    # A pager that records what it is given proves the text went through $PAGER.
    paged = tmp_path / "paged.txt"
    pager = tmp_path / "pager.sh"
    pager.write_text(f"#!/bin/sh\ncat > {paged}\necho PAGER-DONE\n")
    pager.chmod(0o755)
    child = pexpect.spawn(
        DIGESTCTL[0],
        [*DIGESTCTL[1:], "-w", str(demo_ws), "show", item_id(demo_ws, SEAT), "-f", "md"],
        env=cli_env(PAGER=str(pager)),
        encoding="utf-8",
        dimensions=(40, 100),
        timeout=30,
    )
    child.expect("PAGER-DONE")
    child.expect(pexpect.EOF)
    text = paged.read_text(encoding="utf-8")
    assert "Speakers from shelters, legal clinics" in text
    assert "What the organisations asked for" in text  # rendered by rich: no "##" left
    assert "## What" not in text
