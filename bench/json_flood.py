"""A 10 MB JSON Feed of 3.5 million empty items: json.loads (how digestctl read a JSON Feed
before) against feeds.load_json_capped (reads the items only as far as the entry cap).

Prints the median time of 5 runs and the peak memory traced by tracemalloc for each, and
parse_feed's time for the whole document. Run: .venv/bin/python bench/json_flood.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "hostile"))

from payloads import json_item_flood

from digestctl import feeds


def measure(load: Callable[[str], Any], text: str) -> tuple[float, float]:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        load(text)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    load(text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def main() -> None:
    data = json_item_flood()
    text = data.decode()
    print(f"{len(data) / 2**20:.1f} MB JSON Feed, {text.count('{}'):,} empty items")
    for name, load in (("json.loads", json.loads), ("load_json_capped", feeds.load_json_capped)):
        took, peak = measure(load, text)
        print(f"{name:<18} {took * 1000:8.1f} ms  {peak:8.1f} MB peak (tracemalloc)")
    started = time.perf_counter()
    feed = feeds.parse_feed(data, url="https://flood.example/feed.json")
    took = time.perf_counter() - started
    print(f"parse_feed: {len(feed.entries)} entries in {took * 1000:.1f} ms")


if __name__ == "__main__":
    main()
