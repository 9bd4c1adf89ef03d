"""Render one screen of `digestctl review` with sample data to docs/review.svg (for the README).

    .venv/bin/python docs/review_screenshot.py

The screen is drawn by the same function the real review uses (review.render_screen).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digestctl.drafts import Draft, DraftEntry
from digestctl.models import Item, ItemStatus
from digestctl.picks import Candidate, Window
from digestctl.review.plain import Session, save_screen_svg

NOW = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


def sample() -> tuple[Session, Draft, Window]:
    base = Item(
        id="q5reqhgucg",
        source="coalition",
        title="Civil society must have a seat at the table on forced criminality",
        url="https://coalition.example.org/news/seat-at-the-table",
        summary=(
            "At a side event of the Conference of the Parties, frontline organisations set out "
            "why they must be included in the response to scam compounds and the trafficking "
            "that staffs them."
        ),
        published=NOW - timedelta(days=3),
        author="Maya Chen",
        site="Coalition News",
        status=ItemStatus.NEW,
        first_seen=NOW - timedelta(days=2),
        last_seen=NOW,
    )
    others = [
        replace(base, id=f"other{n:05d}", title=f"Other story {n}", url=None) for n in range(47)
    ]
    candidates = [Candidate(o) for o in others[:11]]
    candidates.append(Candidate(base, featured_in=("2026-11-22",)))
    candidates += [Candidate(o) for o in others[11:]]
    session = Session(candidates, index=11)
    for c in candidates[:11]:
        session.status[c.item.id] = (
            ItemStatus.PICKED if c.item.id[-1] in "05" else ItemStatus.SKIPPED
        )
    session.message = "picked: Court upholds landmark verdict against a fruit multinational"
    entries = tuple(
        DraftEntry(id=f"e{n}", url=f"https://example.org/{n}", section="Round-up") for n in range(4)
    )
    draft = Draft(name="2026-11-29", title="Round-up, 29 November 2026", entries=entries)
    window = Window(datetime(2026, 11, 22, tzinfo=UTC), NOW, previous="2026-11-22")
    return session, draft, window


def main() -> None:
    session, draft, window = sample()
    out = Path(__file__).with_name("review.svg")
    save_screen_svg(out, session, draft=draft, window=window)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
