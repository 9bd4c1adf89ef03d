"""Start-up time: `digestctl --version` and `digestctl items --json` on a 10,000-item store,
side by side with `python -c "import typer"` (the floor any Typer CLI pays).

Run: .venv/bin/python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digestctl.store import NewItem, Store
from digestctl.workspace import init_workspace

ITEMS = 10_000


def seed(ws_root: Path) -> None:
    ws, _ = init_workspace(ws_root)
    now = datetime.now(UTC)
    items = [
        NewItem(
            id=f"id{n:06d}",
            key=f"https://news.example.org/{n}",
            source=f"source-{n % 40}",
            title=f"Story number {n} about the week's events",
            url=f"https://news.example.org/{n}",
            summary="A two-sentence summary of the story. It says what happened and why." * 2,
            published=now - timedelta(minutes=n),
            author="A. Writer",
            site="news.example.org",
        )
        for n in range(ITEMS)
    ]
    with Store(ws.db_path) as store:
        store.upsert_items(items, now)


# Without PYTHONDONTWRITEBYTECODE, so modules load from bytecode as they do once installed
# (otherwise every run would recompile digestctl's sources and time the compiler).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_time(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("digestctl"))
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        seed(ws)
        cases = {
            'python -c "import typer"': [sys.executable, "-c", "import typer"],
            "digestctl --version": [exe, "--version"],
            f"digestctl items --json ({ITEMS:,} items)": [exe, "-w", str(ws), "items", "--json"],
        }
        for cmd in cases.values():  # warm the page cache and .pyc files
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=ENV)
        results = {name: median_time(cmd, args.runs) for name, cmd in cases.items()}
    floor = results['python -c "import typer"']
    print(f"median of {args.runs} runs")
    for name, t in results.items():
        print(f"  {name:<40} {t * 1000:7.0f} ms   {t / floor:4.2f}× import typer")


if __name__ == "__main__":
    main()
