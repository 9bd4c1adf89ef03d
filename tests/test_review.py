"""The one-card `digestctl review --plain` driven through a pseudo-terminal: keys in, draft
file and store checked after every decision; a SIGKILL mid-review loses nothing decided."""

from __future__ import annotations

import contextlib
import random
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pexpect
import pytest
from editorial import DIGESTCTL, cli_env, make_workspace, seed, statuses

from digestctl import drafts, picks
from digestctl.models import ItemStatus
from digestctl.store import Store
from digestctl.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = make_workspace(tmp_path / "ws")
    picks.new_draft(ws, "issue-1", day=date(2026, 11, 29))
    return ws


def spawn(ws: Workspace, *args: str, **env: str) -> pexpect.spawn:
    return pexpect.spawn(
        DIGESTCTL[0],
        [*DIGESTCTL[1:], "-w", str(ws.root), "review", "--plain", *args],
        env=cli_env(**env),
        encoding="utf-8",
        dimensions=(40, 110),
        timeout=15,
    )


def draft_ids(ws: Workspace) -> list[str]:
    return [e.id for e in drafts.load_draft(picks.draft_path(ws, "issue-1")).entries]


def entry(ws: Workspace, item_id: str) -> drafts.DraftEntry:
    found = drafts.load_draft(picks.draft_path(ws, "issue-1")).entry(item_id)
    assert found is not None
    return found


def test_keys_pick_lead_skip_note_undo_and_navigate(ws: Workspace) -> None:
    ids = seed(ws, 6)
    child = spawn(ws)
    child.expect_exact("1/6")
    child.expect_exact("Story number 1 about")
    child.send("p")
    child.expect_exact("2/6")
    assert draft_ids(ws) == [ids[0]]
    assert statuses(ws)[ids[0]] is ItemStatus.PICKED

    child.send("l")
    child.expect_exact("3/6")
    assert entry(ws, ids[1]).section == "Lead story"

    child.send("s")
    child.expect_exact("4/6")
    assert statuses(ws)[ids[2]] is ItemStatus.SKIPPED

    child.send("n")
    child.expect_exact("note")
    child.sendline("A *fine* piece.")
    child.expect_exact("5/6")
    assert entry(ws, ids[3]).note == "A *fine* piece."

    child.send("u")  # undo the note: item 4 is new again, the cursor goes back to it
    child.expect_exact("4/6")
    child.expect_exact("undone")
    assert ids[3] not in draft_ids(ws)
    assert statuses(ws)[ids[3]] is ItemStatus.NEW

    child.send("j")
    child.expect_exact("5/6")
    child.send("k")
    child.expect_exact("4/6")
    child.send("?")
    child.expect_exact("review keys")
    child.send("x")  # any key leaves the help
    child.expect_exact("4/6")
    child.send("q")
    child.expect_exact("review: 2 picked, 1 skipped, 3 left")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert sorted(draft_ids(ws)) == sorted([ids[0], ids[1]])


def test_note_in_the_editor_and_open_in_the_browser(ws: Workspace, tmp_path: Path) -> None:
    ids = seed(ws, 2)
    editor = tmp_path / "editor.py"
    editor.write_text(
        textwrap.dedent(
            """
            import sys
            path = sys.argv[1]
            text = open(path, encoding="utf-8").read()
            open(path, "w", encoding="utf-8").write("From the *editor*.\\n" + text)
            """
        ),
        encoding="utf-8",
    )
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(
        f"import sys\nopen({str(opened)!r}, 'a').write(sys.argv[1] + '\\n')\n", encoding="utf-8"
    )
    child = spawn(
        ws,
        EDITOR=f"{sys.executable} {editor}",
        BROWSER=f"{sys.executable} {browser} %s",
    )
    child.expect_exact("1/2")
    child.send("o")
    child.expect_exact("opened in the browser")
    assert opened.read_text().strip() == "https://news.example.org/2026/story-1"
    child.send("e")
    child.expect_exact("2/2")
    assert entry(ws, ids[0]).note == "From the *editor*."
    child.send("q")
    child.expect(pexpect.EOF)


def test_end_of_the_list_then_undo_then_quit(ws: Workspace) -> None:
    ids = seed(ws, 1)
    child = spawn(ws)
    child.expect_exact("1/1")
    child.send("s")
    child.expect_exact("End of the list")
    child.send("u")
    child.expect_exact("undone")
    assert statuses(ws)[ids[0]] is ItemStatus.NEW
    child.send("q")
    child.expect_exact("review: 0 picked, 0 skipped, 1 left")
    child.expect(pexpect.EOF)


def test_ctrl_c_quits_with_a_summary_and_review_resumes(ws: Workspace) -> None:
    ids = seed(ws, 4)
    child = spawn(ws)
    child.expect_exact("1/4")
    child.send("p")
    child.expect_exact("2/4")
    child.send("j")  # look at item 3 without deciding item 2
    child.expect_exact("3/4")
    child.sendintr()
    child.expect_exact("review: 1 picked, 0 skipped, 3 left")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130

    again = spawn(ws)
    # Item 1 is decided and gone; the cursor file brings us back to item 3.
    again.expect_exact("2/3")
    again.expect_exact("Story number 3 about")
    again.expect_exact("resumed where you stopped")
    again.send("q")
    again.expect(pexpect.EOF)
    assert draft_ids(ws) == [ids[0]]


def test_ctrl_z_then_fg_carries_on(ws: Workspace) -> None:
    ids = seed(ws, 2)
    child = spawn(ws)
    child.expect_exact("1/2")
    child.kill(signal.SIGTSTP)  # what Ctrl-Z sends
    child.expect_exact("\x1b[?1049l")  # the shell gets its screen back
    time.sleep(0.2)
    child.kill(signal.SIGCONT)  # what `fg` sends
    child.expect_exact("1/2")  # redrawn
    child.send("p")
    child.expect_exact("2/2")
    assert draft_ids(ws) == [ids[0]]
    child.send("q")
    child.expect(pexpect.EOF)


@pytest.mark.slow
def test_sigkill_mid_review_loses_no_decision(ws: Workspace) -> None:
    ids = seed(ws, 8)
    child = spawn(ws)
    child.expect_exact("1/8")
    for key, screen in (("p", "2/8"), ("s", "3/8"), ("l", "4/8"), ("p", "5/8")):
        child.send(key)
        child.expect_exact(screen)
    child.send("n")
    child.expect_exact("note")
    child.sendline("Kept through a kill.")
    child.expect_exact("6/8")
    child.kill(signal.SIGKILL)
    child.close(force=True)
    assert draft_ids(ws) == [ids[2], ids[0], ids[3], ids[4]]
    assert entry(ws, ids[4]).note == "Kept through a kill."
    assert [statuses(ws)[i] for i in ids] == [
        ItemStatus.PICKED,
        ItemStatus.SKIPPED,
        ItemStatus.PICKED,
        ItemStatus.PICKED,
        ItemStatus.PICKED,
        ItemStatus.NEW,
        ItemStatus.NEW,
        ItemStatus.NEW,
    ]
    again = spawn(ws)
    again.expect_exact("1/3")
    again.expect_exact("Story number 6 about")
    again.send("q")
    again.expect(pexpect.EOF)


@pytest.mark.slow
def test_sigkill_at_a_random_moment_keeps_a_prefix_of_the_decisions(ws: Workspace) -> None:
    """Keys typed ahead, process killed at a random moment: what is saved is exactly the
    first k decisions for some k, and store and draft agree once review starts again."""
    ids = seed(ws, 60)
    keys = "".join(random.Random(7).choice("ps") for _ in ids)
    child = spawn(ws)
    child.expect_exact("1/60")
    child.send(keys)
    deadline = time.monotonic() + random.Random().uniform(0.0, 0.25)
    while time.monotonic() < deadline:  # drain the screen output, or review blocks writing it
        with contextlib.suppress(pexpect.TIMEOUT):
            child.read_nonblocking(65536, timeout=0.01)
    child.kill(signal.SIGKILL)
    child.close(force=True)
    with Store(ws.db_path) as store:
        picks.reconcile(ws, store)
    now = statuses(ws)
    decided = [now[i] is not ItemStatus.NEW for i in ids]
    k = decided.count(True)
    assert decided == [True] * k + [False] * (len(ids) - k)
    expected = [ids[n] for n in range(k) if keys[n] == "p"]
    assert draft_ids(ws) == expected
    assert [now[i] for i in ids[:k]] == [
        ItemStatus.PICKED if key == "p" else ItemStatus.SKIPPED for key in keys[:k]
    ]


def test_without_a_terminal_review_says_so_and_points_to_pick_and_skip(ws: Workspace) -> None:
    seed(ws, 1)
    result = subprocess.run(
        [*DIGESTCTL, "-w", str(ws.root), "review"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=30,
    )
    assert result.returncode == 1
    assert "needs a terminal" in result.stderr
    assert "digestctl pick" in result.stderr
    assert result.stdout == ""


def test_nothing_to_review_is_said_plainly(ws: Workspace) -> None:
    child = spawn(ws)
    child.expect_exact("nothing to review")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_the_readme_screenshot_renders(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "docs"))
    try:
        import review_screenshot
    finally:
        sys.path.pop(0)
    from digestctl.review import save_screen_svg

    session, draft, window = review_screenshot.sample()
    out = tmp_path / "review.svg"
    save_screen_svg(out, session, draft=draft, window=window)
    svg = out.read_text(encoding="utf-8")
    assert svg.startswith("<svg")
    assert "featured" in svg
