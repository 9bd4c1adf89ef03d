"""The real `digestctl review` (the full-screen app) in a pseudo-terminal: keys in, then the
store and the draft file read from disk; SIGKILL loses no decision already made."""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pexpect
import pytest
from editorial import DIGESTCTL, NOW, cli_env, make_workspace, seed, statuses, story

from digestctl import drafts, picks
from digestctl.models import ItemStatus
from digestctl.store import Store
from digestctl.workspace import Workspace

pytestmark = pytest.mark.slow


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = make_workspace(tmp_path / "ws")
    picks.new_draft(ws, "issue-1", day=date(2026, 11, 29))
    return ws


class Terminal:
    """A review process and everything it has written so far."""

    def __init__(self, ws: Workspace, *args: str) -> None:
        self.child = pexpect.spawn(
            DIGESTCTL[0],
            [*DIGESTCTL[1:], "-w", str(ws.root), "review", *args],
            env=cli_env(TERM="xterm-256color"),
            encoding="utf-8",
            dimensions=(40, 120),
            timeout=20,
        )
        self.seen = ""

    def drain(self) -> None:
        # EOF: the app has ended (a quit key can end it before the pause after it is over).
        with contextlib.suppress(pexpect.TIMEOUT, pexpect.EOF):
            while True:
                self.seen += self.child.read_nonblocking(65536, timeout=0.05)

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
        """Keep reading the screen (or the app blocks writing it) until `condition`."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen: {self.seen[-2000:]!r}")
            self.drain()

    def shows(self, text: str) -> None:
        self.wait(lambda: text in self.seen, repr(text))

    def keys(self, keys: str, pause: float = 0.3) -> None:
        self.child.send(keys)
        time.sleep(pause)  # a lone Esc is told from an escape sequence by a pause
        self.drain()

    def kill(self) -> None:
        self.child.kill(signal.SIGKILL)
        self.child.close(force=True)


def draft_ids(ws: Workspace) -> list[str]:
    return [e.id for e in drafts.load_draft(picks.draft_path(ws, "issue-1")).entries]


def note_of(ws: Workspace, item_id: str) -> str:
    entry = drafts.load_draft(picks.draft_path(ws, "issue-1")).entry(item_id)
    return entry.note if entry is not None else ""


def test_thousands_of_candidates_search_pick_bulk_skip_then_sigkill(ws: Workspace) -> None:
    with Store(ws.db_path) as store:
        store.upsert_items([story(n) for n in range(1, 3001)], NOW)
    ids = [story(n).id for n in range(1, 3001)]
    term = Terminal(ws)
    term.shows("3000 rows")
    term.shows("Story number 1 about")

    term.keys("/")
    term.keys("story 1234.")
    term.shows("story 1234.")  # the box echoes what is typed
    term.keys("\r")
    term.shows(" 1 row · new")
    term.keys("p")
    term.wait(lambda: draft_ids(ws) == [ids[1233]], "the pick in the draft")
    assert statuses(ws)[ids[1233]] is ItemStatus.PICKED

    term.keys("\x1b", pause=0.6)  # Esc in the list clears the search
    term.shows("2999 rows")
    term.keys("jj")
    term.keys("   ")  # mark the 3rd, 4th and 5th rows
    term.shows("3 marked")
    term.keys("s")
    term.wait(lambda: statuses(ws)[ids[4]] is ItemStatus.SKIPPED, "the bulk skip")
    term.kill()

    now = statuses(ws)
    assert [n for n, i in enumerate(ids) if now[i] is ItemStatus.SKIPPED] == [2, 3, 4]
    assert [n for n, i in enumerate(ids) if now[i] is ItemStatus.PICKED] == [1233]
    assert draft_ids(ws) == [ids[1233]]


def test_the_scripted_sequence_survives_quit_and_sigkill(ws: Workspace) -> None:
    ids = seed(ws, 6)
    term = Terminal(ws)
    term.shows("Story number 1 about")
    term.keys("p")
    term.keys("s")
    term.keys("n")
    term.keys("Worth a paragraph.")
    term.keys("\r")
    term.keys("q")
    term.shows("review: 2 picked, 1 skipped, 3 left")
    term.child.expect(pexpect.EOF)
    term.child.close()
    assert term.child.exitstatus == 0

    again = Terminal(ws)
    again.shows("Story number 4 about")
    again.keys("p")
    again.wait(lambda: len(draft_ids(ws)) == 3, "the third pick")
    again.kill()
    assert draft_ids(ws) == [ids[0], ids[2], ids[3]]
    assert note_of(ws, ids[2]) == "Worth a paragraph."
    assert [statuses(ws)[i] for i in ids] == [
        ItemStatus.PICKED,
        ItemStatus.SKIPPED,
        ItemStatus.PICKED,
        ItemStatus.PICKED,
        ItemStatus.NEW,
        ItemStatus.NEW,
    ]


def test_term_dumb_gets_the_one_card_loop(ws: Workspace) -> None:
    seed(ws, 2)
    child = pexpect.spawn(
        DIGESTCTL[0],
        [*DIGESTCTL[1:], "-w", str(ws.root), "review"],
        env=cli_env(TERM="dumb"),
        encoding="utf-8",
        dimensions=(40, 110),
        timeout=20,
    )
    child.expect_exact("1/2")  # the one-card loop's counter
    child.send("q")
    child.expect(pexpect.EOF)
