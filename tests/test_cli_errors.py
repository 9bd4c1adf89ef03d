"""Every command, enumerated from the app itself, meets bad input with one actionable line
and exit 1 or 2 — never a traceback. A new command is covered without editing this file;
one with required arguments must say here what to pass (the test fails until it does)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from digestctl.cli import app

# What to pass for the required arguments of each command, so it gets past parsing.
REQUIRED_ARGS: dict[str, list[str]] = {
    "pick": ["zzzz"],
    "unpick": ["zzzz"],
    "skip": ["zzzz"],
    "note": ["zzzz", "a note"],
    "move": ["zzzz", "--to", "1"],
    "sources import": ["missing.opml"],
    "sources add": ["https://127.0.0.1:9/feed"],
    "sources remove": ["nosuchsource"],
    "draft new": ["2026-11-29"],
    "draft use": ["nosuchdraft"],
    "add": ["https://127.0.0.1:9/story"],
    "stories merge": ["zzzz", "yyyy"],
    "stories split": ["zzzz"],
    "rank explain": ["zzzz"],
    "show": ["zzzz"],
    "prune": ["--texts-older-than", "30"],
}
# Commands that do their job outside a workspace (they create one).
MAKES_A_WORKSPACE = {"init", "demo"}
# Commands that wait for a terminal; without one they must refuse cleanly.
NEEDS_A_TERMINAL = {"review"}


def commands() -> Iterator[tuple[str, Any]]:
    def walk(cmd: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
        subs = getattr(cmd, "commands", None)
        if subs:
            if getattr(cmd, "invoke_without_command", False):
                yield " ".join(path), cmd
            for name, sub in sorted(subs.items()):
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(path), cmd

    yield from walk(typer.main.get_command(app), [])


ALL = sorted(dict(commands()))


def run(
    args: list[str], cwd: Path, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DIGESTCTL_WORKSPACE"}
    env.update({"NO_COLOR": "1", "EDITOR": "false", "VISUAL": "false"}, **(env_extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "digestctl", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def args_for(name: str) -> list[str]:
    return [*name.split(), *REQUIRED_ARGS.get(name, [])]


def assert_one_clean_error(result: subprocess.CompletedProcess[str], codes: set[int]) -> None:
    assert result.returncode in codes, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.strip(), "an error must say something on stderr"
    assert len(result.stderr.strip().splitlines()) <= 12, result.stderr


def test_required_arguments_are_known() -> None:
    missing = []
    for name, cmd in commands():
        required = [p for p in cmd.params if getattr(p, "required", False)]
        if required and name not in REQUIRED_ARGS:
            missing.append(name)
    assert not missing, f"say in REQUIRED_ARGS what to pass to: {missing}"


@pytest.mark.parametrize("name", ALL)
def test_help_works(name: str, tmp_path: Path) -> None:
    result = run([*name.split(), "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    doc = next(cmd for n, cmd in commands() if n == name).help
    assert doc, f"{name} has no help text"
    assert doc.strip()


@pytest.mark.parametrize("name", ALL)
def test_unknown_option_is_a_usage_error(name: str, tmp_path: Path) -> None:
    result = run([*name.split(), "--no-such-option"], tmp_path)
    assert_one_clean_error(result, {2})
    assert "No such option" in result.stderr


@pytest.mark.parametrize("name", [n for n in ALL if n and n not in MAKES_A_WORKSPACE])
def test_outside_a_workspace(name: str, tmp_path: Path) -> None:
    result = run(args_for(name), tmp_path)
    if name in NEEDS_A_TERMINAL and result.returncode == 1 and "terminal" in result.stderr:
        return
    assert_one_clean_error(result, {1, 2})
    assert "workspace" in result.stderr


@pytest.fixture(scope="module")
def broken_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("broken")
    (ws / "drafts").mkdir()
    (ws / "sources.toml").write_text(
        '[[source]]\nname = "x"\nurl = "https://x.org/"\ntimeout = "soon"\n'
    )
    return ws


@pytest.mark.parametrize("name", [n for n in ALL if n and n not in MAKES_A_WORKSPACE])
def test_broken_sources_or_unknown_ids(name: str, broken_ws: Path) -> None:
    result = run(["-w", str(broken_ws), *args_for(name)], broken_ws)
    if result.returncode in (0, 3):
        # Commands that do not read sources.toml may succeed on an empty workspace.
        assert "Traceback" not in result.stderr
        return
    assert_one_clean_error(result, {1, 2})


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text("[[source]]\nurl = 3\n")
    result = run(["--debug", "-w", str(tmp_path), "fetch"], tmp_path)
    assert result.returncode != 0
    assert "Traceback" in result.stderr
