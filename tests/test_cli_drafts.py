"""CLI: draft new/list/show/edit/use; every command's file reads with tomllib and survives a
hand edit."""

from __future__ import annotations

import json
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from editorial import make_workspace, seed, statuses
from typer.testing import CliRunner, Result

from digestctl import picks
from digestctl.cli import app
from digestctl.models import ItemStatus
from digestctl.workspace import Workspace

runner = CliRunner()


def run(
    ws: Workspace, *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> Result:
    return runner.invoke(app, ["-w", str(ws.root), *args], env=env, input=input)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


def editor(tmp_path: Path, body: str, name: str = "ed.py") -> dict[str, str]:
    """An $EDITOR that runs `body` with `path` and `text` (the file's text) defined."""
    script = tmp_path / name
    script.write_text(
        "import sys\npath = sys.argv[1]\ntext = open(path, encoding='utf-8').read()\n"
        + textwrap.dedent(body),
        encoding="utf-8",
    )
    return {"EDITOR": f"{sys.executable} {script}", "VISUAL": ""}


def test_every_draft_command_has_help() -> None:
    for args in (["draft"], *[["draft", c] for c in ("new", "list", "show", "edit", "use")]):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, args
        assert "Usage" in result.stdout


def test_new_list_use(ws: Workspace) -> None:
    assert run(ws, "draft", "list").stderr.startswith("no drafts yet")
    result = run(ws, "draft", "new", "first", "--title", "The first one", "--date", "2026-11-22")
    assert result.exit_code == 0, result.output
    assert "started draft first" in result.stderr
    run(ws, "draft", "new", "second", "--date", "2026-11-29")
    assert picks.current_draft_name(ws) == "second"
    assert run(ws, "draft", "new", "second").exit_code == 1
    assert run(ws, "draft", "new", "bad/name").exit_code == 2
    assert run(ws, "draft", "new", "x", "--date", "soon").exit_code == 2
    assert run(ws, "draft", "use", "first").exit_code == 0
    assert run(ws, "draft", "use", "nope").exit_code == 1
    rows = json.loads(run(ws, "draft", "list", "--json").stdout)
    assert [(r["name"], r["date"], r["current"], r["entries"]) for r in rows] == [
        ("second", "2026-11-29", False, 0),
        ("first", "2026-11-22", True, 0),
    ]
    assert rows[1]["title"] == "The first one"
    assert set(rows[0]) == {"name", "title", "date", "entries", "current", "path", "modified"}
    table = run(ws, "draft", "list").stdout
    assert "first" in table
    assert "second" in table


def test_show_reads_like_the_export(ws: Workspace) -> None:
    a, b = seed(ws, 2)
    run(ws, "draft", "new", "issue-1", "--title", "Round-up: the week")
    run(ws, "pick", a, "--lead")
    run(ws, "pick", b, "--note", "A [note](https://example.org/n) by the *editor*.")
    result = run(ws, "draft", "show")
    assert result.exit_code == 0, result.output
    text = result.stdout  # not a terminal: the Markdown itself
    assert text.startswith("# Round-up: the week")
    assert "Story number 1 about" in text
    assert "A [note](https://example.org/n) by the *editor*." in text
    assert run(ws, "draft", "show", "nope").exit_code == 1


def test_every_command_leaves_toml_that_survives_a_hand_edit(ws: Workspace) -> None:
    a, b, c = seed(ws, 3)
    path = picks.draft_path(ws, "issue-1")
    steps: list[tuple[str, ...]] = [
        ("draft", "new", "issue-1", "--title", 'Quotes " and \\ backslashes'),
        ("pick", a, b, c),
        ("note", b, "Multi-line\nnote with \"quotes\" and ''' triple quotes.\n"),
        ("move", c, "--to", "1"),
        ("pick", a, "--lead"),
        ("unpick", c),
        ("skip", c),
    ]
    for n, step in enumerate(steps):
        result = run(ws, *step)
        assert result.exit_code == 0, (step, result.output)
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert data["title"] == 'Quotes " and \\ backslashes'
        # A person edits the file between commands: the next command keeps their edit.
        hand = f"hand edit {n}"
        data_text = path.read_text(encoding="utf-8").replace('intro = ""', f'intro = "{hand}"')
        data_text = data_text.replace(f'intro = "hand edit {n - 1}"', f'intro = "{hand}"')
        path.write_text(data_text, encoding="utf-8")
    final = tomllib.loads(path.read_text(encoding="utf-8"))
    assert final["intro"] == f"hand edit {len(steps) - 1}"
    assert [(e["id"], e["section"]) for e in final["entry"]] == [
        (a, "Lead story"),
        (b, "Round-up"),
    ]
    assert final["entry"][1]["note"] == ("Multi-line\nnote with \"quotes\" and ''' triple quotes.")


def test_edit_saves_a_valid_edit_and_unpicks_deleted_entries(ws: Workspace, tmp_path: Path) -> None:
    a, b = seed(ws, 2)
    run(ws, "draft", "new", "issue-1")
    run(ws, "pick", a, b)
    # Delete the first [[entry]] block, retitle the draft.
    env = editor(
        tmp_path,
        r"""
        head, first, rest = text.partition("\n[[entry]]\n")
        second = rest[rest.index("\n[[entry]]\n"):]
        text = head.replace("Round-up,", "Edited,") + second
        open(path, "w", encoding="utf-8").write(text)
        """,
    )
    result = run(ws, "draft", "edit", env=env)
    assert result.exit_code == 0, result.output
    assert "saved drafts/issue-1.toml" in result.stderr
    data = tomllib.loads(picks.draft_path(ws, "issue-1").read_text(encoding="utf-8"))
    assert data["title"].startswith("Edited,")
    assert [e["id"] for e in data["entry"]] == [b]
    assert statuses(ws)[a] is ItemStatus.NEW
    assert not list(ws.state_dir.glob("edit-*"))


def test_edit_with_no_change_says_so(ws: Workspace, tmp_path: Path) -> None:
    run(ws, "draft", "new", "issue-1")
    result = run(ws, "draft", "edit", env=editor(tmp_path, "pass\n"))
    assert result.exit_code == 0
    assert "no changes" in result.stderr


def test_an_invalid_edit_is_never_saved_nor_lost(ws: Workspace, tmp_path: Path) -> None:
    run(ws, "draft", "new", "issue-1")
    path = picks.draft_path(ws, "issue-1")
    before = path.read_text(encoding="utf-8")
    broken = editor(
        tmp_path,
        """
        text = text.replace("intro = ", "intro = = ") + "# mine\\n"
        open(path, "w", encoding="utf-8").write(text)
        """,
    )
    # Declining to reopen: the file is untouched and the edit is kept for next time.
    result = run(ws, "draft", "edit", env=broken, input="n\n")
    assert result.exit_code == 1
    assert "drafts/issue-1.toml:" in result.stderr
    assert "not valid TOML" in result.stderr
    assert "your edit is kept in" in result.stderr
    assert path.read_text(encoding="utf-8") == before
    kept = ws.state_dir / "edit-issue-1.toml"
    assert "# mine" in kept.read_text(encoding="utf-8")
    # Next time: continue from the kept copy, fix it in the editor, and it is saved.
    fixing = editor(
        tmp_path,
        """
        assert "# mine" in text
        open(path, "w", encoding="utf-8").write(text.replace("intro = = ", "intro = "))
        """,
        name="fix.py",
    )
    result = run(ws, "draft", "edit", env=fixing, input="y\n")
    assert result.exit_code == 0, result.output
    assert "# mine" in path.read_text(encoding="utf-8")
    assert not kept.exists()


def test_reopening_after_an_invalid_edit(ws: Workspace, tmp_path: Path) -> None:
    run(ws, "draft", "new", "issue-1")
    counter = tmp_path / "count"
    env = editor(
        tmp_path,
        f"""
        import os
        first = not os.path.exists({str(counter)!r})
        open({str(counter)!r}, "a").write("x")
        new = text.replace('sections = [', 'sectionz = [') if first else (
            text.replace('sectionz = [', 'sections = [').replace('intro = ""', 'intro = "ok"'))
        open(path, "w", encoding="utf-8").write(new)
        """,
    )
    result = run(ws, "draft", "edit", env=env, input="y\n")
    assert result.exit_code == 0, result.output
    assert "unknown key 'sectionz' (did you mean 'sections'?)" in result.stderr
    assert counter.read_text() == "xx"
    data = tomllib.loads(picks.draft_path(ws, "issue-1").read_text(encoding="utf-8"))
    assert data["intro"] == "ok"


def test_an_edit_racing_a_pick_is_refused_and_kept(ws: Workspace, tmp_path: Path) -> None:
    (a,) = seed(ws, 1)
    run(ws, "draft", "new", "issue-1")
    # While the editor is open, a pick lands in the same draft.
    env = editor(
        tmp_path,
        f"""
        import subprocess
        subprocess.run([{sys.executable!r}, "-m", "digestctl", "-w", {str(ws.root)!r},
                        "pick", {a!r}], check=True)
        open(path, "w", encoding="utf-8").write(text.replace('intro = ""', 'intro = "mine"'))
        """,
    )
    result = run(ws, "draft", "edit", env=env)
    assert result.exit_code == 1
    assert "changed while you were editing" in result.stderr
    data = tomllib.loads(picks.draft_path(ws, "issue-1").read_text(encoding="utf-8"))
    assert [e["id"] for e in data["entry"]] == [a]  # the pick is not lost...
    kept = (ws.state_dir / "edit-issue-1.toml").read_text(encoding="utf-8")
    assert 'intro = "mine"' in kept  # ...and neither is the edit
    # Coming back to it warns that saving the old edit would replace the pick.
    result = run(ws, "draft", "edit", env=editor(tmp_path, "pass\n", "noop.py"), input="n\n")
    assert "has changed since that edit began" in result.stderr
    assert not list(ws.state_dir.glob("edit-*"))
