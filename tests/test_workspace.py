"""Workspace discovery, atomic writes and the fetch lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from digestctl.errors import LockedError, WorkspaceError
from digestctl.workspace import exclusive_lock, find_workspace, init_workspace, write_atomic


def test_found_from_a_subfolder(tmp_path: Path) -> None:
    ws, made = init_workspace(tmp_path / "ws")
    assert set(made) == {"sources.toml", "drafts/", ".digestctl/", ".gitignore"}
    (ws.root / "a" / "b").mkdir(parents=True)
    assert find_workspace(cwd=ws.root / "a" / "b").root == ws.root


def test_explicit_folder_without_sources_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="not a digestctl workspace"):
        find_workspace(tmp_path)


def test_gitignore_gains_the_state_line_once(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.pyc\n")
    init_workspace(tmp_path)
    init_workspace(tmp_path)
    assert (tmp_path / ".gitignore").read_text().count(".digestctl/") == 1


def test_write_atomic_replaces_and_sweeps_a_dead_writers_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "sources.toml"
    target.write_text("old")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = tmp_path / f".sources.toml.{dead.stdout.strip()}.tmp"
    stale.write_text("torn")
    live = tmp_path / f".sources.toml.{os.getppid()}.tmp"  # a process that is still running
    live.write_text("in progress")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert not stale.exists()
    assert live.exists()


def test_a_second_holder_of_the_lock_fails_at_once(tmp_path: Path) -> None:
    lock = tmp_path / "fetch.lock"
    with exclusive_lock(lock, "another `digestctl fetch`"):
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path\n"
                "from digestctl.workspace import exclusive_lock\n"
                "from digestctl.errors import LockedError\n"
                "try:\n"
                f"    with exclusive_lock(Path({str(lock)!r}), 'fetch'): pass\n"
                "except LockedError as e:\n"
                "    print(e); sys.exit(7)\n",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert child.returncode == 7
        assert f"pid {os.getpid()}" in child.stdout
    with exclusive_lock(lock, "fetch"):  # free again once released
        pass
    with pytest.raises(LockedError), exclusive_lock(lock, "x"), exclusive_lock(lock, "y"):
        pass
