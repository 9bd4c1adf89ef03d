"""`digestctl check`: links verified against a real loopback server (200, 301 to a new URL,
302, 404, 403, timeout, a large page), stories already featured, entries without a note,
old news, the issue's balance; and the pure parts of digestctl.checks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from httpserver import TestServer, redirect, static, status_code
from typer.testing import CliRunner, Result

from digestctl import picks
from digestctl.checks import (
    INTRO,
    UNTAGGED,
    balance,
    draft_links,
    format_age,
    markdown_links,
)
from digestctl.cli import app
from digestctl.drafts import Draft, DraftEntry, save_draft
from digestctl.workspace import Workspace, init_workspace

runner = CliRunner()
UTC = dt.UTC
NOW = dt.datetime.now(UTC)

# The loopback test server stands in for the web: allow_private lets `check` verify links
# on it (without it they are not fetched: test_private_links_are_not_checked).
SOURCES = """\
[defaults]
allow_private = true

[[source]]
name = "wire"
url = "https://wire.example.org/feed"
tags = ["news", "courts"]

[[source]]
name = "desk"
url = "https://desk.example.org/feed"
tags = ["news"]

[[source]]
name = "quiet"
url = "https://quiet.example.org/feed"
"""


def run(ws: Workspace, *args: str) -> Result:
    return runner.invoke(app, ["-w", str(ws.root), *args])


def check_json(ws: Workspace, *args: str) -> tuple[int, dict[str, Any]]:
    result = run(ws, "check", "--json", *args)
    assert result.exit_code in (0, 3), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, data


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = init_workspace(tmp_path / "ws")[0]
    workspace.sources_path.write_text(SOURCES, encoding="utf-8")
    return workspace


def entry(
    n: int, url: str, *, note: str = "", section: str = "Round-up", source: str = "wire", **kw: Any
) -> DraftEntry:
    return DraftEntry(
        id=f"e{n}",
        url=url,
        title=f"Story {n}",
        summary=f"Summary {n}.",
        note=note,
        section=section,
        source=source,
        published=kw.get("published", NOW - dt.timedelta(days=n)),
    )


def write_draft(ws: Workspace, name: str, *entries: DraftEntry, **kw: Any) -> None:
    draft = Draft(name=name, title=kw.pop("title", f"Issue {name}"), entries=entries, **kw)
    save_draft(ws.drafts_dir / f"{name}.toml", draft)
    picks.set_current_draft(ws, name)


@pytest.fixture
def routes(server: TestServer) -> dict[str, str]:
    html = "text/html; charset=utf-8"
    return {
        "ok": server.route("/ok", static(b"<html><p>fine</p></html>", content_type=html)),
        "new": server.route("/new", static(b"<html>new home</html>", content_type=html)),
        "old": server.route("/old", redirect(server.url("/new"), 301)),
        "temp": server.route("/temp", redirect("/ok", 302)),
        "gone": server.route("/gone", status_code(404)),
        "forbidden": server.route("/forbidden", status_code(403)),
        "slow": server.route("/slow", static(b"late", content_type=html, delay=3.0)),
        "café": server.route("/caf%C3%A9", static(b"<p>ok</p>", content_type=html)),
        "big": server.route("/big", static(b"<p>" + b"x" * 600_000, content_type=html)),
    }


def test_links_are_verified_through_the_fetcher(
    ws: Workspace, server: TestServer, routes: dict[str, str]
) -> None:
    write_draft(
        ws,
        "issue",
        entry(1, routes["ok"], section="Lead story", note=f"See [the update]({routes['temp']})."),
        entry(2, routes["old"], note="Moved."),
        entry(3, routes["gone"], note=f"Gone, with [a big page]({routes['big']})."),
        entry(4, routes["slow"]),
        entry(5, routes["forbidden"], note="Write to [us](mailto:desk@example.org)."),
        entry(6, "file:///home/me/saved.html", note="Saved."),
        intro=f"This week, [one story]({routes['ok']}).",
    )
    code, report = check_json(ws, "--timeout", "0.5")
    assert code == 3
    links = {link["url"]: link for link in report["links"]}
    assert [link["url"] for link in report["links"]] == [
        routes["ok"],  # the intro comes first; the lead's URL is the same link
        routes["temp"],
        routes["old"],
        routes["gone"],
        routes["big"],
        routes["slow"],
        routes["forbidden"],
        "mailto:desk@example.org",
        "file:///home/me/saved.html",
    ]
    assert links[routes["ok"]]["entries"] == [INTRO, "e1"]
    expected = {
        routes["ok"]: ("ok", 200, False),
        routes["temp"]: ("redirected", 200, False),
        routes["old"]: ("moved", 200, True),
        routes["gone"]: ("dead", 404, True),
        routes["big"]: ("ok", None, False),  # too big to read whole, so alive
        routes["slow"]: ("dead", None, True),
        routes["forbidden"]: ("blocked", 403, True),
        "mailto:desk@example.org": ("skipped", None, False),
        "file:///home/me/saved.html": ("unsafe", None, True),
    }
    for url, (status, http_status, attention) in expected.items():
        link = links[url]
        assert (link["status"], link["http_status"], link["needs_attention"]) == (
            status,
            http_status,
            attention,
        ), url
    assert links[routes["old"]]["final_url"] == routes["new"]
    assert (
        f"moved permanently to {routes['new']}: update the link" in (links[routes["old"]]["detail"])
    )
    assert links[routes["temp"]]["final_url"] == routes["ok"]
    assert links[routes["slow"]]["error_kind"] == "timeout"
    assert links[routes["gone"]]["detail"].startswith("HTTP 404")
    assert "check it by hand" in links[routes["forbidden"]]["detail"]
    assert "plain text" in links["file:///home/me/saved.html"]["detail"]
    # Every fetch is a GET (some servers refuse HEAD) and the mailto is never fetched.
    assert {r.method for r in server.requests} == {"GET"}
    # One fetch for the link in two places, one at the end of /temp's redirect.
    assert len(server.requests_for("/ok")) == 2
    # Entries: only the entry without a note has a warning; 5 bad links, 1 entry warning.
    warned = {e["id"]: e["warnings"] for e in report["entries"] if e["warnings"]}
    assert warned == {"e4": ["no note: the round-up shows its title and the fetched summary"]}
    assert report["attention"] == 6
    assert report["needs_attention"] is True


def test_table_on_a_terminal_names_the_new_url(
    ws: Workspace, routes: dict[str, str], server: TestServer
) -> None:
    write_draft(ws, "issue", entry(1, routes["old"], note="x"), entry(2, routes["gone"]))
    result = run(ws, "check")
    assert result.exit_code == 3
    out = " ".join(result.stdout.split())
    assert "moved" in out
    assert routes["new"] in out
    assert "HTTP 404 Not Found" in out
    assert "no note" in out
    assert "3 things need attention" in out


def test_all_clear(ws: Workspace, routes: dict[str, str]) -> None:
    write_draft(
        ws,
        "issue",
        entry(1, routes["ok"], section="Lead story", note="The lead.", source="wire"),
        # A #fragment and percent-encoding are not redirects, though the client rewrites them.
        entry(2, routes["new"] + "#part", note=f"And [more]({routes['ok']}?q=%7e).", source="desk"),
        entry(3, routes["café"].replace("%C3%A9", "é"), note="Unicode.", source="desk"),
    )
    result = run(ws, "check")
    assert result.exit_code == 0, result.output
    assert "all clear" in result.stdout
    code, report = check_json(ws)
    assert code == 0
    assert report["attention"] == 0
    assert report["warnings"] == []
    assert report["balance"] == {
        "sections": {"Lead story": 1, "Round-up": 2},
        "sources": {"desk": 2, "wire": 1},
        "tags": {"news": 3, "courts": 1},
    }
    e1 = report["entries"][0]
    assert e1["tags"] == ["news", "courts"]
    assert e1["has_note"] is True
    assert 0.9 < e1["age_days"] < 1.1


def test_already_featured_and_old_news(ws: Workspace, routes: dict[str, str]) -> None:
    write_draft(
        ws,
        "last-week",
        entry(7, routes["ok"] + "?utm_source=newsletter", note="Told you."),
        date=dt.date(2026, 11, 22),
    )
    write_draft(
        ws,
        "issue",
        entry(1, routes["ok"], note="Again?"),
        entry(2, routes["new"], note="Old.", published=dt.datetime(2026, 11, 1, tzinfo=UTC)),
        date=dt.date(2026, 11, 29),
    )
    code, report = check_json(ws, "issue", "--offline")
    assert code == 3
    warned = {e["id"]: e["warnings"] for e in report["entries"]}
    assert warned["e1"] == ["already featured in draft last-week (2026-11-22)"]
    assert report["entries"][0]["featured_in"] == ["last-week"]
    assert warned["e2"] == [
        "published 2026-11-01, before the previous issue (draft last-week, 2026-11-22): old news?"
    ]


def test_offline_fetches_nothing(ws: Workspace, server: TestServer, routes: dict[str, str]) -> None:
    write_draft(ws, "issue", entry(1, routes["gone"], note="Fine on paper."))
    code, report = check_json(ws, "--offline")
    assert code == 0
    assert server.requests == []
    assert report["links_verified"] is False
    assert report["links"][0]["status"] == "skipped"


def test_broken_sources_toml_costs_only_the_tags(ws: Workspace) -> None:
    ws.sources_path.write_text("[[source]]\nurl = 3\n", encoding="utf-8")
    write_draft(ws, "issue", entry(1, "https://x.example/a", note="n"))
    code, report = check_json(ws, "--offline")
    assert code == 3
    assert report["balance"]["tags"] == {}
    assert report["balance"]["sources"] == {"wire": 1}
    assert len(report["warnings"]) == 1
    assert report["warnings"][0].startswith("cannot read tags from sources.toml (sources.toml:2:")


def test_unreachable_everything_suggests_offline(ws: Workspace) -> None:
    # Port 9 on loopback: nothing listens, every connection is refused at once.
    write_draft(
        ws,
        "issue",
        entry(1, "http://127.0.0.1:9/a", note="n"),
        entry(2, "http://127.0.0.1:9/b", note="n"),
    )
    code, report = check_json(ws)
    assert code == 3
    assert {link["error_kind"] for link in report["links"]} == {"connect"}
    assert any("offline" in w for w in report["warnings"])


def test_empty_and_missing_drafts(ws: Workspace) -> None:
    write_draft(ws, "issue")
    code, report = check_json(ws)
    assert code == 3
    assert report["warnings"] == ["the draft has no entries yet"]
    missing = run(ws, "check", "nope")
    assert missing.exit_code == 1
    assert "no draft 'nope'" in missing.stderr


# -- pure parts --------------------------------------------------------------------------


def test_markdown_links() -> None:
    text = (
        "A [link](https://a.example/1) and <https://b.example/2>, an ![image](https://c.example/i.png)"
        ", a [reference][r], *no* link in `[code](https://x.example)`,"
        " and [unsafe](javascript:alert(1)).\n\n[r]: https://d.example/ref\n"
    )
    assert markdown_links(text) == [
        "https://a.example/1",
        "https://b.example/2",
        "https://c.example/i.png",
        "https://d.example/ref",
        "javascript:alert(1)",
    ]
    assert markdown_links("plain words") == []


def test_draft_links_in_reading_order() -> None:
    draft = Draft(
        name="d",
        title="t",
        intro="[x](https://x.example/)",
        entries=(
            DraftEntry(
                "r1", "https://r.example/1", section="Round-up", note="[x](https://x.example/)"
            ),
            DraftEntry("l1", "https://l.example/", section="Lead story"),
        ),
    )
    assert draft_links(draft) == {
        "https://x.example/": (INTRO, "r1"),
        "https://l.example/": ("l1",),
        "https://r.example/1": ("r1",),
    }


def test_balance_counts_sections_sources_and_tags() -> None:
    draft = Draft(
        name="d",
        title="t",
        sections=("Lead story", "Round-up", "Events"),
        entries=(
            DraftEntry("a", "https://a/", section="Round-up", source="wire"),
            DraftEntry("b", "https://b/", section="Round-up", source="desk"),
            DraftEntry("c", "https://c/", section="Round-up", source="wire"),
            DraftEntry("d", "https://d/", section="Events", source=""),
        ),
    )
    counted = balance(draft, {"wire": ("news", "courts"), "desk": ()})
    assert counted.sections == (("Lead story", 0), ("Round-up", 3), ("Events", 1))
    assert counted.sources == (("wire", 2), ("desk", 1), ("(no source)", 1))
    assert counted.tags == (("courts", 2), ("news", 2), (UNTAGGED, 2))
    assert balance(draft, {}).tags == ()


def test_format_age() -> None:
    assert format_age(None) == "undated"
    assert format_age(dt.timedelta(days=3, hours=5)) == "3d"
    assert format_age(dt.timedelta(hours=5, minutes=3)) == "5h"
    assert format_age(dt.timedelta(minutes=40)) == "40m"
    assert format_age(dt.timedelta(seconds=5)) == "now"
    assert format_age(dt.timedelta(hours=-2)) == "future"
