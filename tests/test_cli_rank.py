"""CLI: items and review ordered by score, `items --json` score and why, `rank explain`,
`rank reset`, [rank] preferences, and a damaged model."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from editorial import make_workspace
from typer.testing import CliRunner, Result

from digestctl import picks
from digestctl.models import ItemStatus
from digestctl.store import NewItem, Store
from digestctl.workspace import Workspace

runner = CliRunner()

LABOUR = [
    "Forced labour found in garment factories supplying European brands",
    "Inspectors uncover forced labour on fishing boats",
    "Trafficking victims freed from forced labour on farms",
    "Report maps forced labour risks in palm oil supply chains",
    "Court convicts gang of labour trafficking",
    "Migrant workers trapped in debt bondage, labour inspectors say",
    "New law targets forced labour in public procurement",
    "Labour exploitation cases rise among seasonal workers",
]
SPORT = [
    "Football club wins the cup after extra time",
    "Tennis star retires after a long career",
    "Football transfer window opens with record fees",
    "Marathon runner breaks the course record",
    "Cricket team names its squad for the tour",
    "Football manager sacked after a run of defeats",
    "Rugby side sealed the title with a late try",
    "Golf open ends in a play-off",
]


def run(ws: Workspace, *args: str) -> Result:
    from digestctl.cli import app

    return runner.invoke(app, ["-w", str(ws.root), *args])


def listed(ws: Workspace, *args: str) -> list[dict[str, Any]]:
    result = run(ws, "items", "--json", *args)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """Labour and sport stories interleaved, an hour apart (newest first: labour, sport, ...)."""
    ws = make_workspace(tmp_path / "ws")
    now = datetime.now(UTC)
    titles = [t for pair in zip(LABOUR, SPORT, strict=True) for t in pair]
    items = [
        NewItem(
            id=f"item{n:02d}",
            key=f"https://news.example.org/{n}",
            source="desk" if n % 2 else "wire",
            title=title,
            url=f"https://news.example.org/{n}",
            summary=None,
            published=now - timedelta(hours=n + 1),
            author=None,
            site=None,
        )
        for n, title in enumerate(titles)
    ]
    with Store(ws.db_path) as store:
        store.upsert_items(items, now)
    return ws


def is_labour(row: dict[str, Any]) -> bool:
    return row["title"] in LABOUR


def test_items_json_carries_score_and_why_and_cold_start_is_newest_first(ws: Workspace) -> None:
    rows = listed(ws)
    assert [r["id"] for r in rows] == [f"item{n:02d}" for n in range(16)]  # freshness alone
    assert all(isinstance(r["score"], float) for r in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert rows[0]["why"] == ["new today"]


def test_a_few_decisions_move_picked_like_items_up(ws: Workspace) -> None:
    # Pick three labour stories, skip three sport ones; the rest should sort by topic.
    assert run(ws, "pick", "item00", "item02", "item04").exit_code == 0
    assert run(ws, "skip", "item01", "item03", "item05").exit_code == 0
    rows = listed(ws, "--status", "new")
    assert len(rows) == 10
    assert [is_labour(r) for r in rows] == [True] * 5 + [False] * 5, [r["title"] for r in rows]
    top = rows[0]
    assert any(w.startswith("mentions ") and w.endswith("(+)") for w in top["why"]), top["why"]
    assert any(w.startswith("mentions ") and w.endswith("(−)") for w in rows[-1]["why"])
    # --sort newest is the old order; --sort source groups sources, newest first in each.
    newest = listed(ws, "--status", "new", "--sort", "newest")
    assert [r["id"] for r in newest] == [f"item{n:02d}" for n in range(6, 16)]
    by_source = listed(ws, "--status", "new", "--sort", "source")
    assert [r["source"] for r in by_source] == ["desk"] * 5 + ["wire"] * 5
    # --limit applies after ranking: the best, not the newest.
    assert [r["id"] for r in listed(ws, "--status", "new", "-n", "3")] == [
        r["id"] for r in rows[:3]
    ]


def test_unpick_withdraws_a_decision(ws: Workspace) -> None:
    run(ws, "pick", "item00", "item02")
    run(ws, "skip", "item01")
    assert run(ws, "unpick", "item02").exit_code == 0
    with Store(ws.db_path) as store:
        assert {r.item_id for r in store.list_rank_examples()} == {"item00", "item01"}


def test_rank_explain_names_every_signal(ws: Workspace) -> None:
    run(ws, "pick", "item00", "item02", "item04")
    run(ws, "skip", "item01", "item03", "item05")
    result = run(ws, "rank", "explain", "item06")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("item06  " + LABOUR[3])
    assert "score +" in out
    assert "[words]" in out
    assert "[source]" in out
    assert "[fresh]" in out
    assert "learned from 3 picks and 3 skips" in out
    data = json.loads(run(ws, "rank", "explain", "item06", "--json").stdout)
    assert data["learned_from"] == {"picks": 3, "skips": 3}
    assert sum(p["value"] for p in data["parts"]) == pytest.approx(data["score"], abs=1e-3)
    assert run(ws, "rank", "explain", "nope").exit_code == 2


def test_rank_reset_forgets_and_returns_to_cold_start(ws: Workspace) -> None:
    run(ws, "pick", "item00", "item02", "item04")
    run(ws, "skip", "item01", "item03", "item05")
    result = run(ws, "rank", "reset")
    assert result.exit_code == 0
    assert "forgot 6 decisions" in result.stderr
    rows = listed(ws, "--status", "new")
    assert [r["id"] for r in rows] == [f"item{n:02d}" for n in range(6, 16)]
    assert "no model yet" in run(ws, "rank", "explain", "item06").stdout
    with Store(ws.db_path) as store:  # the decisions themselves stay
        assert store.get_item("item00").status is ItemStatus.PICKED


def test_a_damaged_model_warns_and_falls_back_to_cold_start(ws: Workspace) -> None:
    run(ws, "pick", "item00", "item02", "item04")
    run(ws, "skip", "item01", "item03", "item05")
    db = sqlite3.connect(ws.db_path)
    db.execute("UPDATE rank_weights SET weight = 'garbage'")
    db.commit()
    db.close()
    result = run(ws, "items", "--json", "--status", "new")
    assert result.exit_code == 0
    assert "warning: the ranking model in the store is damaged" in result.stderr
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [f"item{n:02d}" for n in range(6, 16)]  # cold start
    # The next decision rebuilds it from the decisions, which were never damaged.
    assert run(ws, "skip", "item07").exit_code == 0
    result = run(ws, "items", "--json", "--status", "new")
    assert "damaged" not in result.stderr
    assert is_labour(json.loads(result.stdout)[0])


def test_damaged_header_rows_are_survived_too(ws: Workspace) -> None:
    run(ws, "pick", "item00")
    run(ws, "skip", "item01")
    db = sqlite3.connect(ws.db_path)
    db.execute("DELETE FROM rank_model WHERE key = 'bias'")
    db.commit()
    db.close()
    result = run(ws, "rank", "explain", "item02")
    assert result.exit_code == 0
    assert "damaged" in result.stdout


def write_sources(ws: Workspace, text: str) -> None:
    ws.sources_path.write_text(text, encoding="utf-8")


def test_rank_preferences_in_sources_toml(ws: Workspace) -> None:
    write_sources(
        ws,
        '[rank]\nboost = ["golf"]\nbury = ["forced labour"]\n\n'
        '[[source]]\nname = "desk"\nurl = "https://desk.example.org/feed"\nweight = 0.5\n',
    )
    rows = listed(ws)
    assert rows[0]["title"] == SPORT[7]  # the golf story, oldest but boosted
    assert "mentions 'golf' (boost)" in rows[0]["why"]
    buried = [r for r in rows if "forced labour" in r["title"].lower()]
    assert all(r["score"] < 0 for r in buried)
    assert all("mentions 'forced labour' (bury)" in r["why"] for r in buried)
    desk = next(r for r in rows if r["id"] == "item03")
    assert "desk weighted ×0.5" in desk["why"]


def test_a_broken_sources_toml_does_not_stop_a_listing_or_a_decision(ws: Workspace) -> None:
    write_sources(ws, "[rank]\nboots = ['x']\n")
    assert len(listed(ws)) == 16
    assert run(ws, "skip", "item01").exit_code == 0


def test_sort_must_be_known(ws: Workspace) -> None:
    result = run(ws, "items", "--sort", "best")
    assert result.exit_code == 2
    assert "use one of score, newest, source" in result.stderr


def test_review_candidates_come_best_first(ws: Workspace) -> None:
    run(ws, "pick", "item00", "item02", "item04")
    run(ws, "skip", "item01", "item03", "item05")
    with Store(ws.db_path) as store:
        plan = picks.plan_review(ws, store, since=datetime(2000, 1, 1, tzinfo=UTC))
        newest = picks.plan_review(ws, store, since=datetime(2000, 1, 1, tzinfo=UTC), sort="newest")
    titles = [c.item.title for c in plan.candidates]
    assert [t in LABOUR for t in titles] == [True] * 5 + [False] * 5, titles
    assert all(c.why for c in plan.candidates)
    assert [c.item.id for c in newest.candidates] == [f"item{n:02d}" for n in range(6, 16)]


def test_the_review_card_says_why(ws: Workspace) -> None:
    import io

    from rich.console import Console

    from digestctl.review.plain import Session, render_screen

    run(ws, "pick", "item00", "item02", "item04")
    run(ws, "skip", "item01", "item03", "item05")
    with Store(ws.db_path) as store:
        plan = picks.plan_review(ws, store, since=datetime(2000, 1, 1, tzinfo=UTC))
    out = io.StringIO()
    Console(file=out, width=120, color_system=None).print(
        render_screen(Session(plan.candidates), draft=None, window=plan.window, draft_name="d")
    )
    first = plan.candidates[0]
    assert f"why here: {' · '.join(first.why)}" in out.getvalue()
