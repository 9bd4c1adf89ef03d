"""Draw the full-screen `digestctl review` over the demo workspace (the bundled samples,
fetched offline) to docs/review-app.svg, the README's picture.

    .venv/bin/python docs/review_app_screenshot.py

The picture is the real app, run headless by Textual's pilot at 120x34.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from digestctl import picks
from digestctl.demo import run_demo
from digestctl.review.app import ReviewApp
from digestctl.review.board import Show
from digestctl.review.rows import load_rows
from digestctl.store import Store
from digestctl.workspace import Workspace

NOW = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
SIZE = (120, 34)


async def draw(ws: Workspace, out: Path) -> None:
    with Store(ws.db_path) as store:
        plan = picks.plan_review(ws, store, since=datetime(2000, 1, 1, tzinfo=UTC), now=NOW)
        assert plan.archive is not None
        rows = load_rows(store, plan.window)
        app = ReviewApp(
            plan.desk, rows, plan.window, archive=plan.archive, show=Show.ALL, poll_seconds=0
        )
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(*"jjjjjjj", "space", "k")
            await pilot.pause()
            out.write_text(app.export_screenshot(title="digestctl review"), encoding="utf-8")


def main() -> None:
    out = Path(__file__).with_name("review-app.svg")
    with tempfile.TemporaryDirectory() as tmp:
        ws = run_demo(Path(tmp) / "demo").workspace
        asyncio.run(draw(ws, out))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
