"""Crash safety: `digestctl fetch` and draft writers SIGKILLed at random moments, over and
over; a full disk and a read-only workspace. After each, the state opens and passes
SQLite's integrity check, nothing committed is lost, no lock is left held, and the next
run works. Nothing half-written is ever visible.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from editorial import DIGESTCTL, cli_env, make_workspace, seed
from httpserver import Handler, Request, Responder, TestServer
from typer.testing import CliRunner

from digestctl import store as store_module
from digestctl.cli import app
from digestctl.drafts import load_draft
from digestctl.errors import LockedError
from digestctl.store import Store
from digestctl.workspace import Workspace, exclusive_lock

SEED = 20261129
FETCH_ROUNDS = 8
DRAFT_ROUNDS = 30
FEEDS = 30
ITEMS_PER_FEED = 30


# -- fetch, killed --------------------------------------------------------------------------


def _feed(n: int, run: int) -> bytes:
    """Feed `n` as served on its `run`-th request: fresh items every time, so every fetch
    writes to the store."""
    items = "".join(
        f"<item><title>Feed {n} run {run} story {i} about the week's events</title>"
        f"<link>https://crash.example.org/{n}/{run}/{i}</link>"
        f"<description>{'A sentence of summary text. ' * 8}</description></item>"
        for i in range(ITEMS_PER_FEED)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>F{n}</title>{items}'.encode()
        + (b"</channel></rss>")
    )


def _slow_feed(n: int, delay: float) -> Handler:
    runs = itertools.count()

    async def handle(request: Request, responder: Responder) -> None:
        body = _feed(n, next(runs))
        await asyncio.sleep(delay)
        await responder.send(200, body, {"Content-Type": "application/rss+xml"})

    return handle


def _lock_is_free(ws: Workspace) -> bool:
    try:
        with exclusive_lock(ws.state_dir / "fetch.lock", "a test"):
            return True
    except LockedError:
        return False


def _store_report(ws: Workspace) -> tuple[bool, int]:
    with Store(ws.db_path) as store:
        return store.integrity_ok(), store.count_items()


@pytest.mark.slow
def test_fetch_killed_at_random_moments_leaves_a_sound_store(
    tmp_path: Path, server: TestServer
) -> None:
    rng = random.Random(SEED)
    ws = make_workspace(tmp_path / "ws")
    lines = ["[defaults]", "timeout = 10", "[fetch]", "per_host = 64", ""]
    for n in range(FEEDS):
        # Spread over a second, so that sources finish (and write) all through the run.
        url = server.route(f"/feed-{n}.xml", _slow_feed(n, rng.uniform(0.05, 1.0)))
        lines += ["[[source]]", f'name = "feed-{n}"', f'url = "{url}"', ""]
    ws.sources_path.write_text("\n".join(lines), encoding="utf-8")
    fetch = [*DIGESTCTL, "-w", str(ws.root), "fetch", "--force", "--quiet"]

    stored = [0]
    partial_rounds = 0
    for round_no in range(FETCH_ROUNDS):
        requests_before = len(server.requests)
        proc = subprocess.Popen(
            fetch, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        # Anchor the kill to the run itself (start-up time varies a lot on CI): once the
        # first request arrives, wait a random moment within the run, then SIGKILL.
        deadline = time.monotonic() + 30
        while len(server.requests) == requests_before and proc.poll() is None:
            assert time.monotonic() < deadline, "fetch never made a request"
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 1.1))
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, (round_no, err)

        ok, count = _store_report(ws)
        assert ok, f"round {round_no}: integrity check failed"
        assert count >= stored[-1], f"round {round_no}: committed items were lost"
        assert _lock_is_free(ws), f"round {round_no}: the fetch lock outlived its process"
        new = count - stored[-1]
        partial_rounds += 0 < new < FEEDS * ITEMS_PER_FEED
        stored.append(count)
    print(f"fetch SIGKILLed {FETCH_ROUNDS} times; items stored after each: {stored[1:]}")
    # The kills landed inside runs, some sources saved and others not: the case that matters.
    assert partial_rounds >= 1, stored

    done = subprocess.run(
        [*DIGESTCTL, "-w", str(ws.root), "fetch", "--json"],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["failed"] == 0
    assert report["new_items"] == FEEDS * ITEMS_PER_FEED
    ok, count = _store_report(ws)
    assert ok
    assert count == stored[-1] + FEEDS * ITEMS_PER_FEED


# -- draft writers, killed ------------------------------------------------------------------

# Each version N of the draft is self-describing: title "version N", 100 + N % 50 entries,
# every note "vN". A torn or mixed file fails to parse or breaks that pattern.
_WRITER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from digestctl.drafts import Draft, DraftEntry, load_draft, save_draft, update_draft

    path = Path(sys.argv[1])
    if sys.argv[2] == "slow-disk":
        # fsync takes milliseconds on real disks (here it is nearly free): widen the window
        # between the temp file's creation and the rename, where a kill hurts most.
        real_fsync = os.fsync
        def slow_fsync(fd):
            time.sleep(0.02)
            real_fsync(fd)
        os.fsync = slow_fsync

    def version(n):
        entries = tuple(
            DraftEntry(
                id=f"e{i:03d}",
                url=f"https://example.org/{n}/{i}",
                title=f"Entry {i} of version {n}",
                summary="Words of a summary that make the file long enough to take time. " * 4,
                note=f"v{n}",
                section="Round-up",
            )
            for i in range(100 + n % 50)
        )
        return Draft(name=path.stem, title=f"version {n}", entries=entries)

    def number(draft):
        return int(draft.title.split()[1])

    if not path.exists():
        save_draft(path, version(0))
    print("ready", flush=True)
    while True:
        save_draft(path, version(number(load_draft(path)) + 1))
        update_draft(path, lambda d: version(number(d) + 1))
    """
)


def _check_version(path: Path) -> int:
    draft = load_draft(path)  # raises on a torn file
    n = int(draft.title.split()[1])
    assert len(draft.entries) == 100 + n % 50, draft.title
    assert {e.note for e in draft.entries} == {f"v{n}"}, draft.title
    return n


def _temp_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.slow
def test_draft_writer_killed_at_random_moments_never_tears_the_file(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    drafts_dir = tmp_path / "drafts"
    drafts_dir.mkdir()
    path = drafts_dir / "crash.toml"
    versions = [-1]
    left_temp = 0
    for round_no in range(DRAFT_ROUNDS):
        disk = "slow-disk" if round_no % 2 else "fast-disk"
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), disk],
            env=cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n", proc.stderr.read() if proc.stderr else ""
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, err

        n = _check_version(path)
        assert n >= versions[-1], f"round {round_no}: went back from {versions[-1]} to {n}"
        versions.append(n)
        temps = _temp_files(path)
        # A writer killed mid-save leaves its temp file; the next writer sweeps it first,
        # so there is never more than the one from the last kill.
        assert len(temps) <= 1, temps
        left_temp += len(temps)
    print(
        f"draft writer SIGKILLed {DRAFT_ROUNDS} times; versions seen: {versions[1:]}; "
        f"{left_temp} kills landed mid-save (temp file left, swept by the next write)"
    )
    assert versions[-1] > DRAFT_ROUNDS  # the writers did write, many times
    assert left_temp >= 1  # and some kills did land inside a save
    # One more clean write sweeps what the last kill left.
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), "slow-disk"],
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"
    time.sleep(0.1)
    proc.send_signal(signal.SIGSTOP)  # frozen between two writes or inside one
    try:
        frozen = _temp_files(path)
        assert len(frozen) <= 1
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    _check_version(path)


# -- full disk, read-only workspace ---------------------------------------------------------

runner = CliRunner()


def _invoke(ws: Workspace, *args: str) -> Any:
    return runner.invoke(app, ["-w", str(ws.root), *args], env={"NO_COLOR": "1"})


def _assert_one_clear_error(result: Any, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]


def _local_feed(path: Path, name: str, count: int) -> None:
    items = "".join(
        f"<item><title>{name} story {i} with a title long enough to fill a page</title>"
        f"<link>https://disk.example.org/{name}/{i}</link>"
        f"<description>{'Summary text for the disk-full test. ' * 6}</description></item>"
        for i in range(count)
    )
    path.write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>{items}'
        "</channel></rss>",
        encoding="utf-8",
    )


@pytest.fixture
def fetched_ws(tmp_path: Path) -> Workspace:
    """A workspace fetched once from local feed `a`, with feed `b` then added."""
    ws = make_workspace(tmp_path / "ws")
    _local_feed(ws.root / "a.xml", "a", 20)
    _local_feed(ws.root / "b.xml", "b", 50)
    ws.sources_path.write_text(
        '[[source]]\nname = "a"\nurl = "a.xml"\n\n[fetch]\nmax_size_mb = 1\n', encoding="utf-8"
    )
    assert _invoke(ws, "fetch").exit_code == 0
    with ws.sources_path.open("a", encoding="utf-8") as f:
        f.write('\n[[source]]\nname = "b"\nurl = "b.xml"\n')
    return ws


def _patch_connect(monkeypatch: pytest.MonkeyPatch, adjust: Callable[..., Any]) -> None:
    real = sqlite3.connect

    def connect(path: Any, *args: Any, **kwargs: Any) -> Any:
        return adjust(real, path, *args, **kwargs)

    monkeypatch.setattr(store_module.sqlite3, "connect", connect)


def _snapshot(ws: Workspace) -> tuple[bool, list[tuple[Any, ...]]]:
    with Store(ws.db_path) as store:
        items = [(i.id, i.title, i.status.value) for i in store.list_items()]
        return store.integrity_ok(), items


def test_fetch_into_a_read_only_state_folder_fails_in_one_line(
    fetched_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As root (CI), chmod does not stop writes; a read-only connection does, like `ro` mounts.
    before = _snapshot(fetched_ws)
    _patch_connect(
        monkeypatch,
        lambda real, path, *a, **kw: real(f"file:{path}?mode=ro", *a, uri=True, **kw),
    )
    result = _invoke(fetched_ws, "fetch")
    _assert_one_clear_error(result, "state.sqlite3", "readonly")
    assert "writable" in result.stderr  # the hint says what to check
    monkeypatch.undo()
    assert _snapshot(fetched_ws) == before
    again = _invoke(fetched_ws, "fetch")
    assert again.exit_code == 0, again.output
    assert len(_snapshot(fetched_ws)[1]) == len(before[1]) + 50


def test_fetch_onto_a_full_disk_reports_it_and_keeps_what_was_saved(
    fetched_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _snapshot(fetched_ws)

    def full(real: Any, path: Any, *a: Any, **kw: Any) -> Any:
        db = real(path, *a, **kw)
        # SQLITE_FULL as soon as the database would grow: a disk with no space left.
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
        return db

    _patch_connect(monkeypatch, full)
    result = _invoke(fetched_ws, "fetch")
    assert "Traceback" not in result.output
    assert result.exit_code in (1, 3), result.output
    assert "disk is full" in result.stderr, result.stderr
    for line in result.stderr.splitlines():
        if "disk is full" in line:
            assert line.startswith(("error:", "failed: b:")), line
    monkeypatch.undo()
    ok, items = _snapshot(fetched_ws)
    assert ok
    assert items == before[1]  # source b's items were not half-stored
    assert _invoke(fetched_ws, "fetch").exit_code == 0
    assert len(_snapshot(fetched_ws)[1]) == len(before[1]) + 50


@pytest.fixture
def picked_ws(tmp_path: Path) -> Workspace:
    ws = make_workspace(tmp_path / "ws")
    ids = seed(ws, 3)
    assert _invoke(ws, "draft", "new", "issue-1").exit_code == 0
    result = _invoke(ws, "pick", ids[0], "--note", "The first note.")
    assert result.exit_code == 0, result.output
    return ws


def _draft_state(ws: Workspace) -> tuple[str, list[str]]:
    path = ws.drafts_dir / "issue-1.toml"
    leftovers = sorted(p.name for p in ws.drafts_dir.iterdir() if p.name.endswith(".tmp"))
    return path.read_text(encoding="utf-8"), leftovers


@pytest.mark.parametrize(
    ("target", "code", "words"),
    [
        ("open", errno.EROFS, "Read-only file system"),  # the lock file: first on a real ro mount
        ("mkstemp", errno.EROFS, "Read-only file system"),
        ("fsync", errno.ENOSPC, "No space left on device"),
        ("replace", errno.EROFS, "Read-only file system"),
    ],
)
def test_draft_change_on_a_full_or_read_only_disk_keeps_the_draft(
    picked_ws: Workspace, monkeypatch: pytest.MonkeyPatch, target: str, code: int, words: str
) -> None:
    before, leftovers = _draft_state(picked_ws)
    assert leftovers == []
    entry_id = load_draft(picked_ws.drafts_dir / "issue-1.toml").entries[0].id

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError(code, os.strerror(code))

    if target == "mkstemp":
        monkeypatch.setattr(tempfile, "mkstemp", fail)
    else:
        monkeypatch.setattr(os, target, fail)
    result = _invoke(picked_ws, "note", entry_id, "A second note that cannot be saved.")
    monkeypatch.undo()
    _assert_one_clear_error(result, "drafts/issue-1.toml", words)
    assert _draft_state(picked_ws) == (before, [])  # unchanged, and no temp file left
    assert "The first note." in before


def test_sources_file_on_a_read_only_disk_fails_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = make_workspace(tmp_path / "ws")
    before = ws.sources_path.read_text(encoding="utf-8")
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline type="rss" text="A" xmlUrl="https://a.example.org/feed"/></body></opml>',
        encoding="utf-8",
    )

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(os, "replace", fail)
    result = _invoke(ws, "sources", "import", str(opml))
    monkeypatch.undo()
    _assert_one_clear_error(result, "sources.toml", "Read-only file system")
    assert ws.sources_path.read_text(encoding="utf-8") == before
    assert not [p for p in ws.root.iterdir() if re.search(r"\.tmp$", p.name)]
