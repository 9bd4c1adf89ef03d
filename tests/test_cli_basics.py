"""CLI end-to-end for the workspace commands: init, items, sources, import, OPML, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from digestctl.cli import app

runner = CliRunner()


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    full = [*args]
    if cwd is not None:
        full = ["-w", str(cwd), *full]
    return runner.invoke(app, full, env=env)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    result = run("init", str(tmp_path / "ws"))
    assert result.exit_code == 0, result.output
    return tmp_path / "ws"


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("digestctl ")


def test_every_command_has_help() -> None:
    for args in (
        [],
        ["init"],
        ["fetch"],
        ["items"],
        ["sources"],
        ["sources", "import"],
    ):
        result = run(*args, "--help")
        assert result.exit_code == 0, args
        assert "Usage" in result.stdout


def test_init_makes_workspace_and_is_idempotent(ws: Path) -> None:
    assert (ws / "sources.toml").is_file()
    assert (ws / "drafts").is_dir()
    assert (ws / ".digestctl").is_dir()
    assert ".digestctl/" in (ws / ".gitignore").read_text()
    (ws / "sources.toml").write_text("# mine\n")
    result = run("init", str(ws))
    assert result.exit_code == 0
    assert "nothing changed" in result.stderr
    assert (ws / "sources.toml").read_text() == "# mine\n"


def test_outside_a_workspace_says_how_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DIGESTCTL_WORKSPACE", raising=False)
    result = run("items")
    assert result.exit_code == 1
    assert "not inside a digestctl workspace" in result.stderr
    assert "digestctl init" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_workspace_found_from_a_subfolder_and_env(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (ws / "drafts" / "sub").mkdir()
    monkeypatch.chdir(ws / "drafts" / "sub")
    assert run("items", "--json").stdout.strip() == "[]"
    monkeypatch.chdir(ws.parent)
    assert run("items", "--json", env={"DIGESTCTL_WORKSPACE": str(ws)}).exit_code == 0


def test_broken_sources_toml_names_file_and_line(ws: Path) -> None:
    (ws / "sources.toml").write_text(
        '[[source]]\nname = "x"\nurl = "https://x.org/"\nmax_itmes = 3\n'
    )
    result = run("sources", cwd=ws)
    assert result.exit_code == 1
    assert (
        "sources.toml:4: source 'x': unknown key 'max_itmes' (did you mean 'max_items'?)"
        in result.stderr
    )
    assert "Traceback" not in result.output


def test_items_usage_errors(ws: Path) -> None:
    result = run("items", "--status", "maybe", cwd=ws)
    assert result.exit_code == 2
    assert "use one of new, picked, skipped" in result.stderr
    assert run("items", "--json", "--nl", cwd=ws).exit_code == 2
    assert "not a date" in run("items", "--since", "yesterday-ish", cwd=ws).stderr


OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>feeds</title></head><body>
  <outline text="Crime"><outline text="GI" xmlUrl="https://globalinitiative.net/feed/"/></outline>
  <outline text="Blog" xmlUrl="https://blog.example.org/rss.xml"/>
  <outline text="no url"/>
</body></opml>
"""


def test_import_opml_keeps_comments_and_skips_known(ws: Path, tmp_path: Path) -> None:
    opml = tmp_path / "feeds.opml"
    opml.write_bytes(OPML)
    before = (ws / "sources.toml").read_text()
    result = run("sources", "import", str(opml), cwd=ws)
    assert result.exit_code == 0, result.output
    assert "added 2 sources" in result.stderr
    after = (ws / "sources.toml").read_text()
    assert after.startswith(before)
    listed = json.loads(run("sources", "--json", cwd=ws).stdout)
    assert [(s["name"], s["url"], s["tags"]) for s in listed] == [
        ("globalinitiative", "https://globalinitiative.net/feed/", ["Crime"]),
        ("blog-example", "https://blog.example.org/rss.xml", []),
    ]
    assert set(listed[0]) >= {
        "name",
        "url",
        "type",
        "items",
        "last_attempt",
        "last_success",
        "last_error",
    }
    again = run("sources", "import", str(opml), cwd=ws)
    assert "added 0 sources to sources.toml (2 already there)" in again.stderr
    exported = run("sources", "--opml", cwd=ws).stdout
    assert 'xmlUrl="https://globalinitiative.net/feed/"' in exported


def test_import_rejects_non_opml(ws: Path, tmp_path: Path) -> None:
    bad = tmp_path / "x.opml"
    bad.write_text("<html></html>")
    result = run("sources", "import", str(bad), cwd=ws)
    assert result.exit_code == 1
    assert "not OPML" in result.stderr


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["items", "--json"], "items"),
        (["-w", "ws", "fetch"], "fetch"),
        (["--workspace=ws", "--debug", "sources", "add", "x"], "sources"),
        (["-wws", "export"], "export"),
        (["--version"], None),
        (["--help"], None),
        ([], None),
    ],
)
def test_the_executable_builds_only_the_command_it_runs(
    argv: list[str], command: str | None
) -> None:
    from digestctl.cli import COMMAND_MODULES, command_named

    assert command_named(argv) == command
    full = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert full == sorted(COMMAND_MODULES), "every command must be listed in COMMAND_MODULES"
