"""Listing speed: the real `digestctl items` process over 15,000 and 100,000 stored items.

For each size it builds a workspace (300 sources with tags, synthetic but realistic titles
and summaries, a spread of dates and statuses, a draft holding a few picks), then times
whole processes, wall clock, median of N runs after one warm-up run:

  table, terminal   `items` with stdout and stderr on a pseudo-terminal (120x40), read to EOF
  table, file       `items > file` (every item)
  --all, terminal   `items --all` on the pseudo-terminal (every item)
  --json, --nl      into a file
  --search          `items --search "forced labour"`, on the terminal and to a file, and
                    `--search '"forced labour" traffick*'` (a phrase and a prefix) to a file

with the CPU time (user + system) each process used, which a busy machine sways less, and
the peak memory (max RSS) of each run, to show that output to a file streams: the same
memory at 100,000 items as at 15,000.

    .venv/bin/python bench/listing.py [--sizes 15000 100000] [--runs 5] [--code DIR]
                                      [--only json nl search]

`--code DIR` runs the digestctl package found in DIR instead (e.g. an older checkout made
with `git archive OLDSHA digestctl | tar -x -C DIR`), seeding its workspace with its own
store code, to compare against what came before.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import random
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

SEARCH = "forced labour"
SEARCH_FTS = '"forced labour" traffick*'  # a phrase and a prefix (before FTS5: substrings)

TOPICS = [
    "forced labour",
    "human trafficking",
    "modern slavery",
    "migrant workers",
    "supply chains",
    "child labour",
    "debt bondage",
    "labour exploitation",
    "asylum seekers",
    "domestic workers",
    "organised crime",
    "wage theft",
]
ACTORS = [
    "Home Office",
    "the ILO",
    "a parliamentary committee",
    "police in Manchester",
    "the European Commission",
    "a coalition of NGOs",
    "researchers at Leeds",
    "the labour inspectorate",
    "garment brands",
    "the Supreme Court",
    "fishing companies",
    "a Thai recruitment agency",
]
VERBS = [
    "warns of",
    "publishes a report on",
    "launches an inquiry into",
    "cracks down on",
    "faces questions over",
    "calls for action on",
    "funds new research into",
    "is accused of ignoring",
]
PLACES = [
    "in Qatar",
    "across Europe",
    "in UK care homes",
    "in Malaysian factories",
    "on Italian farms",
    "in the Gulf",
    "in cocoa supply chains",
    "at sea",
    "in Brazil",
    "online",
]
SENTENCES = [
    "The report, based on {n} interviews, finds that {topic} remains widespread {place}.",
    "{actor} said the findings showed the need for stronger protection of victims.",
    "Campaigners welcomed the move but said enforcement was still too weak.",
    "Workers described passports being confiscated and wages withheld for months.",
    "The inquiry will hear evidence from survivors, employers and recruiters.",
    "It is the first time {actor} has acknowledged the scale of {topic} {place}.",
    "Figures published on Tuesday show {n} referrals in the last year alone.",
    "Trafficking cases referred to prosecutors rose for the third year running.",
]


def synthetic_items(n: int, now: datetime) -> list[object]:
    from digestctl.store import NewItem
    from digestctl.urls import url_id

    rng = random.Random(n)
    items: list[object] = []
    for i in range(n):
        topic, actor = rng.choice(TOPICS), rng.choice(ACTORS)
        place, verb = rng.choice(PLACES), rng.choice(VERBS)
        title = f"{actor[0].upper()}{actor[1:]} {verb} {topic} {place}"
        if rng.random() < 0.3:
            title += f": {rng.randint(2, 900)} cases in {rng.randint(2019, 2026)}"
        summary = " ".join(
            s.format(n=rng.randint(12, 4000), topic=topic, actor=actor, place=place)
            for s in rng.sample(SENTENCES, rng.randint(1, 3))
        )
        source = f"source-{i % 300:03d}"
        url = f"https://{source}.example.org/news/{2026 - i % 3}/{i}-{topic.replace(' ', '-')}"
        items.append(
            NewItem(
                id=url_id(url),
                key=url,
                source=source,
                title=title,
                url=url,
                summary=summary,
                published=None if i % 17 == 0 else now - timedelta(minutes=7 * i),
                author=rng.choice([None, "Staff reporter", "A. Writer", "Ana Costa"]),
                site=f"{source}.example.org",
            )
        )
    return items


def seed(root: Path, n: int, exe: list[str], env: dict[str, str]) -> None:
    from digestctl.models import ItemStatus
    from digestctl.store import Store
    from digestctl.workspace import init_workspace

    ws, _ = init_workspace(root)
    tags = ["uk", "research", "policy", "asia", "europe"]
    ws.sources_path.write_text(
        "".join(
            f'[[source]]\nname = "source-{s:03d}"\nurl = "https://source-{s:03d}.example.org/feed"'
            f'\ntags = ["{tags[s % 5]}"]\n\n'
            for s in range(300)
        ),
        encoding="utf-8",
    )
    now = datetime.now(UTC)
    items = synthetic_items(n, now)
    with Store(ws.db_path) as store:
        for start in range(0, n, 5000):
            store.upsert_items(items[start : start + 5000], now)  # type: ignore[arg-type]
        ids = [it.id for it in items]  # type: ignore[attr-defined]
        store.set_status(ids[3::20], ItemStatus.SKIPPED)
    # A draft holding a few picks, so that the draft column and its look-ups are exercised.
    picks = [ids[i] for i in range(5, 200, 20)]
    cmd = [*exe, "-w", str(root), "pick", *picks]
    subprocess.run(cmd, check=True, env=env, capture_output=True)


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system time of the process: less swayed by a busy machine
    max_rss_mb: float
    out_bytes: int


def run_pty(cmd: list[str], env: dict[str, str]) -> Run:
    """Run `cmd` with stdout and stderr on a pseudo-terminal; read everything to EOF."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    total = 0
    while True:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        total += len(chunk)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    os.close(master)
    if proc.returncode:
        raise SystemExit(f"{cmd} failed ({proc.returncode})")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, total)


def run_file(cmd: list[str], env: dict[str, str], out: Path) -> Run:
    with out.open("wb") as f:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.DEVNULL, env=env
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{cmd} failed ({proc.returncode})")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.stat().st_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[15_000, 100_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--code", type=Path, help="run the digestctl package in this folder")
    parser.add_argument(
        "--only", nargs="+", default=[], help="run only the cases whose name has one of these"
    )
    parser.add_argument("--seed", type=Path, help=argparse.SUPPRESS)  # internal: build, exit
    args = parser.parse_args()

    # Without PYTHONDONTWRITEBYTECODE, so modules load from bytecode as once installed.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("NO_COLOR", None)
    env["TERM"] = "xterm-256color"
    code_args = ["--code", str(args.code)] if args.code else []
    if args.code:
        code = str(args.code.resolve())
        sys.path.insert(0, code)
        env["PYTHONPATH"] = code
        # -P: not the current folder first on sys.path (it may hold another digestctl).
        exe = [sys.executable, "-P", "-m", "digestctl"]
    else:
        exe = [str(Path(sys.executable).with_name("digestctl"))]
    if args.seed:
        seed(args.seed, args.sizes[0], exe, env)
        return
    where = subprocess.run(
        [sys.executable, "-P", "-c", "import digestctl; print(digestctl.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"digestctl from {Path(where.stdout.strip()).parent}")
    print(f"median of {args.runs} runs (after one warm-up); wall clock of the whole process")
    print(f"load average at the start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            ws = Path(tmp) / f"ws{n}"
            t0 = time.perf_counter()
            # In a child process: this one stays small, so that the peak memory measured
            # for each run is the run's own (a forked child starts with its parent's pages).
            subprocess.run(
                [sys.executable, __file__, "--seed", str(ws), "--sizes", str(n), *code_args],
                env=env,
                check=True,
            )
            print(f"\n{n:,} items (workspace built in {time.perf_counter() - t0:.1f} s)")
            items = [*exe, "-w", str(ws), "items"]
            out = Path(tmp) / "out"
            cases = [  # name, extra arguments, on a terminal (else into a file)
                ("table, terminal", [], True),
                ("table, to a file", [], False),
                ("--all, terminal", ["--all"], True),
                ("--json, to a file", ["--json"], False),
                ("--nl, to a file", ["--nl"], False),
                ("--search, terminal", ["--search", SEARCH], True),
                ("--search, to a file", ["--search", SEARCH], False),
                ("--search phrase+prefix, file", ["--search", SEARCH_FTS], False),
            ]
            for name, extra, on_pty in cases:
                if args.only and not any(word in name for word in args.only):
                    continue
                cmd = [*items, *extra]
                try:
                    run_pty(cmd, env) if on_pty else run_file(cmd, env, out)  # warm-up
                except SystemExit:  # an older digestctl without this option
                    print(f"  {name:<29} failed: not in this version?")
                    continue
                runs = [
                    run_pty(cmd, env) if on_pty else run_file(cmd, env, out)
                    for _ in range(args.runs)
                ]
                secs = statistics.median(r.seconds for r in runs)
                cpu = statistics.median(r.cpu for r in runs)
                rss = max(r.max_rss_mb for r in runs)
                size = runs[-1].out_bytes
                print(
                    f"  {name:<29} {secs:6.3f} s (min {min(r.seconds for r in runs):.3f})"
                    f"   cpu {cpu:6.3f} s   max RSS {rss:6.1f} MB   output {size / 1e6:6.2f} MB",
                    flush=True,
                )
        print(f"\nload average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
