"""Fetch at scale: 300 feeds on 30 loopback hosts with 100 ms of latency per request.

Serves 10 realistic RSS feeds (20-50 KB, gzip, ETag/Last-Modified) from each of
127.0.0.2-127.0.0.31 in a separate process, so per-host limits act as in the wild, then
times, in one run:
  - the Fetcher alone, cold (all 200) and warm (validators echoed, all 304);
  - `digestctl fetch` on a fresh workspace listing the 300 URLs, cold and warm
    (skipped with a note if the command does not work yet);
  - a naive sequential loop: httpx.get + feedparser.parse per feed.
Run: .venv/bin/python bench/fetch.py [--naive N] [--concurrency C] [--cli-only]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import multiprocessing.process
import multiprocessing.synchronize
import queue
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the test server lives with the tests

HOSTS = [f"127.0.0.{i}" for i in range(2, 32)]
FEEDS_PER_HOST = 10
LATENCY = 0.1
TARGETS = {"cold": 4.0, "warm": 2.0}  # seconds, for `digestctl fetch` (issue 2)

TEXT = (
    "the report said that trafficking networks across the region had adapted quickly to new "
    "border controls moving people and money through informal channels while investigators "
    "struggled to keep pace with encrypted messaging platforms and shell companies registered "
    "abroad campaigners welcomed the findings but warned that survivors still lacked access"
)
WORDS = TEXT.split()


def feed_path(host_index: int, n: int) -> str:
    return f"/h{host_index}/feed{n}.xml"


def build_feed(rng: random.Random, name: str, target: int) -> bytes:
    """An RSS 2.0 feed of about `target` bytes, WordPress-like."""
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    items: list[str] = []
    size = 0
    i = 0
    while size < target:
        words = rng.choices(WORDS, k=rng.randint(80, 160))
        body = escape(" ".join(words).capitalize() + ".")
        title = escape(" ".join(rng.choices(WORDS, k=rng.randint(5, 10))).capitalize())
        link = f"https://{name}.example.org/{2026}/03/story-{i}/"
        date = format_datetime(start - timedelta(hours=7 * i), usegmt=True)
        item = (
            f"<item><title>{title}</title><link>{link}</link>"
            f"<guid isPermaLink='true'>{link}</guid><pubDate>{date}</pubDate>"
            f"<dc:creator>Staff</dc:creator><description>{body[:300]}</description>"
            f"<content:encoded><![CDATA[<p>{body}</p>]]></content:encoded></item>\n"
        )
        items.append(item)
        size += len(item)
        i += 1
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        "<rss version='2.0' xmlns:content='http://purl.org/rss/1.0/modules/content/' "
        "xmlns:dc='http://purl.org/dc/elements/1.1/'><channel>"
        f"<title>{name}</title><link>https://{name}.example.org/</link>"
        f"<description>News from {name}</description>\n{''.join(items)}</channel></rss>\n"
    ).encode()


def serve(
    ports: multiprocessing.Queue[dict[str, int]], stop: multiprocessing.synchronize.Event
) -> None:
    """The child process: 300 feeds on 30 addresses until told to stop."""
    from httpserver import TestServer, static

    rng = random.Random(2026)
    stamp = "Sun, 01 Mar 2026 09:00:00 GMT"
    with TestServer(HOSTS, latency=LATENCY) as server:
        for h in range(len(HOSTS)):
            for n in range(FEEDS_PER_HOST):
                body = build_feed(rng, f"site{h}-{n}", rng.randint(20_000, 50_000))
                etag = f'"{h}-{n}-{len(body):x}"'
                feed = static(body, etag=etag, last_modified=stamp, gzip=True)
                server.route(feed_path(h, n), feed)
        ports.put(server.ports)
        stop.wait()


@dataclass
class Row:
    name: str
    seconds: float | None
    detail: str
    target: float | None = None
    feeds: int | None = None  # for a partial naive run, to extrapolate to all feeds


def loopback_ok() -> str | None:
    for host in (HOSTS[0], HOSTS[-1]):
        with socket.socket() as sock:
            try:
                sock.bind((host, 0))
            except OSError as e:
                return f"cannot bind {host}: {e} (Linux routes 127/8 to lo; macOS needs aliases)"
    return None


async def fetcher_runs(
    urls: Sequence[str], concurrency: int | None, per_host: int | None
) -> list[Row]:
    from digestctl.fetch import Fetcher, FetchRequest, FetchResponse

    fetcher = Fetcher()  # the tool's defaults, unless the command line says otherwise
    if concurrency is not None or per_host is not None:
        fetcher = Fetcher(
            concurrency=concurrency or fetcher.concurrency, per_host=per_host or fetcher.per_host
        )
    concurrency, per_host = fetcher.concurrency, fetcher.per_host
    rows: list[Row] = []
    async with fetcher:
        started = time.perf_counter()
        cold = [r async for _, r in fetcher.fetch_all(FetchRequest(u, trusted=True) for u in urls)]
        took = time.perf_counter() - started
        ok = [r for r in cold if isinstance(r, FetchResponse) and r.status == 200]
        size = sum(len(r.content) for r in ok)
        rows.append(
            Row(
                f"Fetcher, cold (c={concurrency}, h={per_host})",
                took,
                f"{len(ok)}/{len(urls)} × 200, {size / 2**20:.1f} MB unpacked",
            )
        )
        warm_requests = [
            FetchRequest(r.url, etag=r.etag, last_modified=r.last_modified, trusted=True)
            for r in ok
        ]
        started = time.perf_counter()
        warm = [r async for _, r in fetcher.fetch_all(warm_requests)]
        took = time.perf_counter() - started
        unchanged = sum(isinstance(r, FetchResponse) and r.not_modified for r in warm)
        rows.append(
            Row(
                f"Fetcher, warm (c={concurrency}, h={per_host})",
                took,
                f"{unchanged}/{len(urls)} × 304",
            )
        )
    return rows


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("digestctl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "digestctl"]


def cli_runs(urls: Sequence[str], concurrency: int | None, per_host: int | None) -> list[Row]:
    """`digestctl fetch --json` on a fresh workspace, cold then warm; wall time per run."""
    cli = cli_command()
    probe = subprocess.run([*cli, "fetch", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        return [Row("digestctl fetch", None, "skipped: `digestctl fetch --help` failed")]
    workspace = Path(tempfile.mkdtemp(prefix="digestctl-bench-"))
    try:
        init = subprocess.run([*cli, "init", str(workspace)], capture_output=True, text=True)
        if init.returncode != 0:
            return [Row("digestctl fetch", None, f"skipped: init failed: {init.stderr.strip()}")]
        lines = [f'[[source]]\nname = "feed-{i:03d}"\nurl = "{u}"\n' for i, u in enumerate(urls)]
        limits = {"concurrency": concurrency, "per_host": per_host}
        chosen = [f"{k} = {v}" for k, v in limits.items() if v is not None]
        if chosen:
            lines.insert(0, "\n".join(["[fetch]", *chosen, ""]))
        (workspace / "sources.toml").write_text("\n".join(lines), encoding="utf-8")
        rows = []
        for label in ("cold", "warm"):
            started = time.perf_counter()
            run = subprocess.run(
                [*cli, "-w", str(workspace), "fetch", "--json"], capture_output=True, text=True
            )
            took = time.perf_counter() - started
            rows.append(
                Row(f"digestctl fetch, {label}", took, _summary(run), target=TARGETS[label])
            )
        return rows
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def _summary(run: subprocess.CompletedProcess[str]) -> str:
    try:
        report = json.loads(run.stdout)
        outcomes = Counter(s["outcome"] for s in report["sources"])
    except (ValueError, KeyError, TypeError):
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        return f"exit {run.returncode}: {last[:70]}"
    parts = ", ".join(f"{n} {k}" for k, n in outcomes.most_common())
    return f"exit {run.returncode}: {parts}; {report.get('new_items', '?')} new items"


def naive_run(urls: Sequence[str]) -> Row:
    """What a short script would do: one GET at a time, then feedparser."""
    import feedparser
    import httpx

    fetching = parsing = 0.0
    entries = 0
    for url in urls:
        started = time.perf_counter()
        content = httpx.get(url).content
        parsed_at = time.perf_counter()
        entries += len(feedparser.parse(content).entries)
        fetching += parsed_at - started
        parsing += time.perf_counter() - parsed_at
    return Row(
        f"naive httpx.get + feedparser ({len(urls)} feeds)",
        fetching + parsing,
        f"fetch {fetching:.1f} s + parse {parsing:.1f} s, {entries} entries",
        feeds=len(urls),
    )


def format_table(rows: Sequence[Row], naive: Row | None) -> str:
    naive_300 = None
    if naive and naive.seconds and naive.feeds:
        naive_300 = naive.seconds / naive.feeds * len(HOSTS) * FEEDS_PER_HOST
    header = f"{'run':<44} {'wall':>8} {'target':>7} {'vs naive':>9}  detail"
    lines = [header, "-" * len(header)]
    for row in rows:
        wall = f"{row.seconds:.2f} s" if row.seconds is not None else "—"
        target = f"≤ {row.target:g} s" if row.target else ""
        if row.target and row.seconds is not None and row.seconds > row.target:
            target += " ✗"
        ratio = ""
        if naive_300 and row.seconds and row is not naive:
            ratio = f"{naive_300 / row.seconds:.0f}×"
        lines.append(f"{row.name:<44} {wall:>8} {target:>7} {ratio:>9}  {row.detail}")
    if naive and naive_300 and naive_300 != naive.seconds:
        lines.append(f"(naive loop extrapolated to 300 feeds: {naive_300:.1f} s)")
    return "\n".join(lines)


def wait_for_ports(
    ports: multiprocessing.Queue[dict[str, int]], child: multiprocessing.process.BaseProcess
) -> dict[str, int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.is_alive():
        try:
            return ports.get(timeout=0.2)
        except queue.Empty:
            continue
    sys.exit(f"the feed server did not start (exit code {child.exitcode})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive", type=int, default=300, help="feeds for the naive loop")
    parser.add_argument("--concurrency", type=int, help="global limit (default: the tool's)")
    parser.add_argument("--per-host", type=int, help="per-host limit (default: the tool's)")
    parser.add_argument("--cli-only", action="store_true", help="skip the Fetcher-alone runs")
    args = parser.parse_args()

    problem = loopback_ok()
    if problem:
        sys.exit(problem)
    context = multiprocessing.get_context("spawn")
    ports: multiprocessing.Queue[dict[str, int]] = context.Queue()
    stop = context.Event()
    child = context.Process(target=serve, args=(ports, stop), daemon=True)
    child.start()
    try:
        port_of = wait_for_ports(ports, child)
        urls = [
            f"http://{host}:{port_of[host]}{feed_path(h, n)}"
            for n in range(FEEDS_PER_HOST)
            for h, host in enumerate(HOSTS)
        ]
        print(
            f"{len(urls)} feeds on {len(HOSTS)} hosts ({HOSTS[0]}-{HOSTS[-1]}), "
            f"{LATENCY * 1000:.0f} ms added per request, served from a separate process",
            file=sys.stderr,
            flush=True,
        )
        rows: list[Row] = []
        if not args.cli_only:
            rows += asyncio.run(fetcher_runs(urls, args.concurrency, args.per_host))
        rows += cli_runs(urls, args.concurrency, args.per_host)
        naive = naive_run(urls[: args.naive]) if args.naive else None
        if naive:
            rows.append(naive)
        print(format_table(rows, naive))
    finally:
        stop.set()
        child.join(10)


if __name__ == "__main__":
    main()
