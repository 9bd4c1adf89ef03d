"""The full-screen review at 1k, 15k and 100k candidates: time to first paint, key latency
(move, pick, mark), search, and resident memory.

Headless (Textual's pilot, in this process): the app is built from the store and run at
120x40; "first paint" is from loading the rows to the first screen drawn, "key" from a key
pressed to the screen redrawn. Then the real `digestctl review` in a pseudo-terminal:
from the command starting to the app's first paint, and its peak resident memory.

Run: .venv/bin/python bench/review.py [--sizes 1000,15000,100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from digestctl import picks
from digestctl.store import NewItem, Store
from digestctl.workspace import Workspace, init_workspace

WORDS = [
    "trafficking",
    "labour",
    "migrants",
    "court",
    "ruling",
    "police",
    "report",
    "survivors",
    "shelter",
    "funding",
    "ministry",
    "border",
    "smuggling",
    "investigation",
    "network",
    "charity",
    "campaign",
    "law",
    "reform",
    "week",
    "supply",
    "chain",
    "audit",
    "factory",
    "workers",
    "wages",
    "debt",
    "bondage",
    "rescue",
    "raid",
    "arrests",
]


def seed(root: Path, count: int, *, now: datetime | None = None) -> Workspace:
    """A workspace with `count` new candidates from 300 sources over the last week; one in
    ten repeats an earlier story's title from another source (a story with outlets)."""
    from digestctl.stories.sync import assign_stories

    ws, _ = init_workspace(root)
    now = now or datetime.now(UTC)
    items = []
    for n in range(count):
        words = [WORDS[(n * 7 + k * 13) % len(WORDS)] for k in range(7)]
        story = n - 3 if n % 10 == 9 else n
        title = f"Story {story}: " + " ".join(words).capitalize()
        url = f"https://news{n % 300}.example.org/2026/{n}"
        items.append(
            NewItem(
                id=f"i{n:07d}",
                key=url,
                source=f"source-{n % 300:03d}",
                title=title,
                url=url,
                summary=f"What happened in story {story}, in two sentences. "
                + " ".join(reversed(words))
                + ".",
                published=now - timedelta(seconds=40 * n),
                author="A. Writer" if n % 3 else None,
                site=f"news{n % 300}.example.org",
            )
        )
    with Store(ws.db_path) as store:
        for start in range(0, count, 5000):
            store.upsert_items(items[start : start + 5000], now)
        assign_stories(store, now)  # as `fetch` does: the repeats join their stories
    picks.new_draft(ws, "issue-1", day=date.today())
    return ws


async def pilot_run(ws: Workspace, *, size: tuple[int, int]) -> dict[str, float]:
    from textual import events
    from textual.strip import Strip

    from digestctl.review.app import CandidateList, ReviewApp
    from digestctl.review.rows import load_rows

    figures: dict[str, float] = {}
    with Store(ws.db_path) as store:
        start, cpu = time.perf_counter(), time.process_time()
        plan = picks.plan_review(ws, store, with_candidates=False)
        rows = load_rows(store, plan.window)
        figures["load"] = time.perf_counter() - start
        figures["load CPU"] = time.process_time() - cpu
        assert plan.archive is not None
        plan.desk.learning = False  # as run_app has it: the model is refit once, at the end
        app = ReviewApp(plan.desk, rows, plan.window, archive=plan.archive, poll_seconds=0)
        painted: list[tuple[float, float]] = []
        app.call_after_refresh(lambda: painted.append((time.perf_counter(), time.process_time())))
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            figures["first paint"] = painted[0][0] - start
            figures["first paint CPU"] = painted[0][1] - cpu

            waiting: list[asyncio.Event] = []
            draw = CandidateList.render_line

            def counted(widget: CandidateList, y: int) -> Strip:
                for event in waiting:
                    event.set()
                return draw(widget, y)

            CandidateList.render_line = counted  # type: ignore[method-assign]

            async def timed(name: str, *keys: str) -> None:
                """From the key event sent to the list's lines drawn again and the frame
                after them written out: wall time, and the CPU time this process spent
                (the machine is shared; CPU time is what the app itself costs)."""
                walls, cpus = [], []
                for key in keys:
                    await pilot.pause()
                    drawn = asyncio.Event()
                    waiting[:] = [drawn]
                    char = key if len(key) == 1 else " " if key == "space" else None
                    t, c = time.perf_counter(), time.process_time()
                    app.post_message(events.Key(key, char))
                    await drawn.wait()
                    await _redrawn(app)
                    walls.append(time.perf_counter() - t)
                    cpus.append(time.process_time() - c)
                figures[name] = statistics.median(walls)
                figures[name + " CPU"] = statistics.median(cpus)

            await timed("key: move", *"jjjjjjjjkk")
            await timed("key: page", "pagedown", "pagedown", "pageup")
            await timed("key: mark", "space", "space", "space")
            await timed("key: pick", "p", "p", "p")
            t, c = time.perf_counter(), time.process_time()
            app.board.search("labour")
            figures["search (filter only)"] = time.perf_counter() - t
            figures["search (filter only) CPU"] = time.process_time() - c
            figures["matches"] = len(app.board.lines)
            app.board.search("")
            await pilot.press("slash", *"labour")
            await timed("search: Enter to list redrawn", "enter")
            CandidateList.render_line = draw  # type: ignore[method-assign]
    return figures


async def _redrawn(app: object) -> None:
    """Wait until the screen has been painted after the last message."""
    from textual.app import App

    assert isinstance(app, App)
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()


def real_process(ws: Workspace, *, runs: int) -> tuple[float, float, float]:
    """Of `digestctl review`: median seconds from spawn to first paint, median CPU seconds
    the process had used by then, peak RSS in MB."""
    import pexpect

    times: list[float] = []
    cpus: list[float] = []
    peak = 0.0
    for _ in range(runs):
        marker = Path(tempfile.mkdtemp()) / "painted"
        env = dict(os.environ, TERM="xterm-256color", DIGESTCTL_REVIEW_PAINTED=str(marker))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        start = time.time()
        child = pexpect.spawn(
            sys.executable,
            ["-m", "digestctl", "-w", str(ws.root), "review"],
            env=env,
            dimensions=(40, 120),
            timeout=30,
        )
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            with contextlib.suppress(pexpect.TIMEOUT):
                child.read_nonblocking(65536, timeout=0.02)
        painted, cpu = (float(x) for x in marker.read_text().split())
        times.append(painted - start)
        cpus.append(cpu)
        rss = _rss_mb(child.pid)
        peak = max(peak, rss)
        child.send("q")
        child.expect(pexpect.EOF)
        child.close()
    return statistics.median(times), statistics.median(cpus), peak


def plain_process(ws: Workspace, *, runs: int) -> float:
    """Median seconds from spawn to the first card of `digestctl review --plain`."""
    import pexpect

    times = []
    for _ in range(runs):
        env = dict(os.environ, TERM="xterm-256color", NO_COLOR="1")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        start = time.perf_counter()
        child = pexpect.spawn(
            sys.executable,
            ["-m", "digestctl", "-w", str(ws.root), "review", "--plain"],
            env=env,
            dimensions=(40, 120),
            timeout=120,
            encoding="utf-8",
        )
        child.expect(r"id i\d{7}")  # the first card, drawn
        times.append(time.perf_counter() - start)
        child.send("q")
        child.expect(pexpect.EOF)
        child.close()
    return statistics.median(times)


def _rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a live process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,15000,100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-pty", action="store_true", help="skip the real process")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            ws = seed(Path(tmp) / "ws", size)
            runs = [asyncio.run(pilot_run(ws, size=(120, 40))) for _ in range(args.runs)]
            print(f"\n{size:,} candidates (headless, 120x40, median of {args.runs})")
            for key in runs[0]:
                value = statistics.median(r[key] for r in runs)
                unit = "" if key == "matches" else " ms"
                shown = f"{value:.0f}" if key == "matches" else f"{value * 1000:.1f}"
                print(f"  {key:<40} {shown}{unit}")
            own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"  {'peak RSS of this process':<40} {own:.0f} MB")
            if not args.no_pty:
                paint, cpu, rss = real_process(ws, runs=args.runs)
                print(f"  {'real process: start to first paint':<40} {paint * 1000:.0f} ms")
                print(f"  {'real process: CPU to first paint':<40} {cpu * 1000:.0f} ms")
                print(f"  {'real process: peak RSS':<40} {rss:.0f} MB")
                plain = plain_process(ws, runs=args.runs)
                print(f"  {'--plain: start to first card':<40} {plain * 1000:.0f} ms")


if __name__ == "__main__":
    main()
