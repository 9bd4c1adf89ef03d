"""`digestctl demo`: the real command, end to end and offline, over the bundled samples."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from digestctl.cli import app
from digestctl.demo import DRAFT_NAME, PICKS, TITLE
from digestctl.export import ROUNDUP_LINE
from digestctl.workspace import init_workspace

runner = CliRunner()


def demo(*args: str) -> Result:
    return runner.invoke(app, ["demo", *args])


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    root = tmp_path_factory.mktemp("demo") / "ws"
    result = demo(str(root))
    assert result.exit_code == 0, result.output
    return root, result


def test_prints_a_roundup_like_the_reference(made: tuple[Path, Result]) -> None:
    _, result = made
    out = result.stdout
    assert out.startswith(f"# {TITLE}\n\n")
    lead, _, roundup = out.partition(f"\n\n{ROUNDUP_LINE}\n\n")
    assert roundup, "the round-up line introduces the round-up"
    lead_heading = "## [Civil society must have a seat at the table on forced criminality]"
    assert f"{lead_heading}(https://coalition.example.org/news/seat-at-the-table)" in lead
    assert len(lead.split("\n\n")) >= 5  # title, intro, heading, a lead of paragraphs
    paragraphs = roundup.strip().split("\n\n")
    assert len(paragraphs) == len(PICKS) - 1
    for paragraph in paragraphs:  # the editor's words, each linking to its source
        assert re.search(r"\[[^\]]+\]\(https://[^)]+\)", paragraph)
        assert "\n" not in paragraph
    assert "demo:" not in out  # progress went to stderr
    assert "file:" not in out


def test_progress_goes_to_stderr(made: tuple[Path, Result]) -> None:
    root, result = made
    err = result.stderr
    assert f"made the demo workspace {root.resolve()}" in err
    assert "fetched 9 new items from 4/4 sources (1 filtered out" in err
    assert "picked a lead story and 4 round-up entries" in err
    assert f"cd {root.resolve()}" in err


def test_the_workspace_is_real_and_self_contained(made: tuple[Path, Result]) -> None:
    root, _ = made
    assert (root / "samples" / "coalition-news.rss").is_file()
    assert (root / "samples" / "pages" / "news.html").is_file()
    assert 'url = "samples/coalition-news.rss"' in (root / "sources.toml").read_text()
    items = runner.invoke(app, ["-w", str(root), "items", "--json"])
    assert items.exit_code == 0, items.output
    rows = json.loads(items.stdout)
    assert len(rows) == 9
    assert sum(r["status"] == "picked" for r in rows) == len(PICKS)
    assert {r["source"] for r in rows} == {
        "coalition",
        "rights-monitor",
        "community-desk",
        "shelter-network",
    }
    shown = runner.invoke(app, ["-w", str(root), "draft", "list", "--json"])
    assert [(d["name"], d["current"]) for d in json.loads(shown.stdout)] == [(DRAFT_NAME, True)]
    # The demo's issue passes the editorial checks: every entry noted, nothing featured twice.
    check = runner.invoke(app, ["-w", str(root), "check", "--offline", "--json"])
    assert check.exit_code == 0, check.output
    report = json.loads(check.stdout)
    assert report["balance"]["sections"] == {"Lead story": 1, "Round-up": 4}
    html = runner.invoke(app, ["-w", str(root), "export", "-o", str(root / "issue.html")])
    assert html.exit_code == 0
    assert (root / "issue.html").read_text().startswith("<!DOCTYPE html>")


def test_again_in_the_same_folder_gives_the_same_roundup(made: tuple[Path, Result]) -> None:
    root, first = made
    again = demo(str(root))
    assert again.exit_code == 0, again.output
    assert again.stdout == first.stdout
    assert "refreshing the demo workspace" in again.stderr
    assert "fetched 0 new items" in again.stderr


def test_html(tmp_path: Path) -> None:
    result = demo(str(tmp_path / "ws"), "--format", "html")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert "<script" not in result.stdout


def test_default_folder_is_new_and_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = demo()
    assert result.exit_code == 0, result.output
    [made] = list(tmp_path.iterdir())
    assert made.name.startswith("digestctl-demo-")
    assert str(made) in result.stderr
    assert (made / "drafts" / f"{DRAFT_NAME}.toml").is_file()


def test_refuses_a_folder_that_is_not_its_own(tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "thesis.tex").write_text("precious")
    result = demo(str(busy))
    assert result.exit_code == 1
    assert "is not empty and not a workspace" in result.stderr
    assert sorted(p.name for p in busy.iterdir()) == ["thesis.tex"]

    mine = init_workspace(tmp_path / "mine")[0]
    before = mine.sources_path.read_text()
    result = demo(str(mine.root))
    assert result.exit_code == 1
    assert "is a workspace of your own" in result.stderr
    assert mine.sources_path.read_text() == before
    assert not (mine.root / "samples").exists()

    afile = tmp_path / "file"
    afile.write_text("x")
    assert demo(str(afile)).exit_code == 1


@pytest.mark.slow
def test_works_from_a_built_wheel(tmp_path: Path) -> None:
    """Package data: the wheel carries the samples and templates the demo needs, and the
    demo runs from it (not from this source tree), offline."""
    import shutil
    import subprocess
    import sys
    import zipfile

    repo = Path(__file__).resolve().parents[1]
    source = tmp_path / "src"  # a copy: an in-tree build would leave build/ and egg-info
    source.mkdir()
    shutil.copy(repo / "pyproject.toml", source)
    if (repo / "README.md").exists():
        shutil.copy(repo / "README.md", source)
    shutil.copytree(repo / "digestctl", source / "digestctl",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist")]
    # The venv's own setuptools first (no network); else pip's isolated build environment.
    for isolation in (["--no-build-isolation"], []):
        built = subprocess.run(
            [*pip, *isolation, str(source)],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if built.returncode == 0:
            break
    if built.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {built.stderr.strip()[-300:]}")
    [wheel] = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("samples/coalition-news.rss", "samples/pages/news.html",
                   "templates/roundup.html.j2", "py.typed"):  # fmt: skip
        assert f"digestctl/{needed}" in names
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(unpacked), "NO_COLOR": "1"}
    code = "import sys, digestctl.cli; print(digestctl.__file__, file=sys.stderr); " \
           "sys.argv[0] = 'digestctl'; digestctl.cli.main()"  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-c", code, "demo", str(tmp_path / "ws")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stderr.startswith(str(unpacked / "digestctl" / "__init__.py"))
    assert run.stdout.startswith(f"# {TITLE}\n")
    assert ROUNDUP_LINE in run.stdout
