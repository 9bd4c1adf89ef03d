"""CLI: `digestctl export` (stdout carries the document only; -o writes atomically; the
format comes from --format, -o's extension or the template) and `digestctl templates`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from editorial import DIGESTCTL, cli_env
from typer.testing import CliRunner, Result

from digestctl import picks
from digestctl.cli import app
from digestctl.drafts import Draft, DraftEntry, load_draft, save_draft
from digestctl.export import DEFAULT_TEMPLATES, ROUNDUP_LINE, render_draft
from digestctl.workspace import Workspace, init_workspace

runner = CliRunner()
GOLDEN_DRAFT = Path(__file__).parent / "data" / "export" / "roundup.toml"


def run(ws: Workspace, *args: str) -> Result:
    return runner.invoke(app, ["-w", str(ws.root), *args])


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A workspace whose current draft is the export golden draft (lead, round-up, notes
    with links, entries without notes, unicode, hostile text)."""
    workspace = init_workspace(tmp_path / "ws")[0]
    shutil.copy(GOLDEN_DRAFT, workspace.drafts_dir / "issue.toml")
    picks.set_current_draft(workspace, "issue")
    return workspace


@pytest.fixture
def draft(ws: Workspace) -> Draft:
    return load_draft(ws.drafts_dir / "issue.toml")


def test_every_command_has_help() -> None:
    for command in ("export", "templates", "check"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, result.output
        assert "Example" in result.stdout


@pytest.mark.parametrize("fmt", ["md", "html", "text", "json"])
def test_stdout_carries_the_document_and_nothing_else(
    ws: Workspace, draft: Draft, fmt: str
) -> None:
    result = run(ws, "export", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.stdout == render_draft(draft, fmt)
    # stderr: only the warnings about the golden draft's two hostile links.
    warnings = result.stderr.splitlines()
    assert len(warnings) == 2
    assert all(w.startswith("warning: entry evil") for w in warnings)


def test_default_is_markdown_of_the_current_draft(ws: Workspace, draft: Draft) -> None:
    result = run(ws, "export")
    assert result.stdout == render_draft(draft, "md")
    assert ROUNDUP_LINE in result.stdout


def test_named_draft_and_missing_ones(ws: Workspace, draft: Draft) -> None:
    save_draft(ws.drafts_dir / "other.toml", Draft("other", "Other", entries=draft.entries[:1]))
    assert run(ws, "export", "other").stdout.startswith("# Other\n")
    missing = run(ws, "export", "nope")
    assert missing.exit_code == 1
    assert "no draft 'nope'" in missing.stderr
    assert missing.stdout == ""
    assert run(ws, "export", "bad/name").exit_code == 2
    ws.current_draft_file.unlink()
    none = run(ws, "export")
    assert none.exit_code == 1
    assert "no current draft" in none.stderr


def test_current_draft_file_gone(ws: Workspace) -> None:
    (ws.drafts_dir / "issue.toml").unlink()
    result = run(ws, "export")
    assert result.exit_code == 1
    assert "the current draft 'issue' is gone" in result.stderr


def test_empty_draft_is_refused(ws: Workspace) -> None:
    save_draft(ws.drafts_dir / "empty.toml", Draft("empty", "Nothing yet"))
    target = ws.root / "issue.html"
    target.write_text("the good export of last week")
    result = run(ws, "export", "empty", "-o", str(target))
    assert result.exit_code == 1
    assert "draft 'empty' has no entries: nothing to export" in result.stderr
    assert "digestctl pick" in result.stderr
    assert target.read_text() == "the good export of last week"


def test_broken_draft_names_file_and_line(ws: Workspace) -> None:
    (ws.drafts_dir / "broken.toml").write_text('title = "x"\n[[entry]]\nid = 3\n')
    result = run(ws, "export", "broken")
    assert result.exit_code == 1
    assert "drafts/broken.toml:3:" in result.stderr


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("issue.html", "html"), ("issue.md", "md"), ("issue.txt", "text"), ("issue.json", "json")],
)
def test_output_file_format_from_its_extension(
    ws: Workspace, draft: Draft, tmp_path: Path, name: str, fmt: str
) -> None:
    target = tmp_path / name
    result = run(ws, "export", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == render_draft(draft, fmt)
    assert f"wrote {target} ({fmt}, {len(draft.entries)} entries from draft issue)" in (
        result.stderr
    )


def test_output_replaces_atomically_and_leaves_no_temp_files(
    ws: Workspace, draft: Draft, tmp_path: Path
) -> None:
    target = tmp_path / "issue.html"
    target.write_text("old")
    assert run(ws, "export", "-o", str(target)).exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["issue.html", "ws"]


def test_output_dash_is_stdout(ws: Workspace, draft: Draft) -> None:
    result = run(ws, "export", "-o", "-", "--format", "text")
    assert result.stdout == render_draft(draft, "text")


def test_unknown_extension_and_format(ws: Workspace, tmp_path: Path) -> None:
    result = run(ws, "export", "-o", str(tmp_path / "issue.docx"))
    assert result.exit_code == 2
    assert "cannot tell the export format from the file name 'issue.docx'" in result.stderr
    assert "pandoc" in result.stderr
    assert not (tmp_path / "issue.docx").exists()
    bad = run(ws, "export", "--format", "pdf")
    assert bad.exit_code == 2
    assert "pdf" in bad.stderr


def test_format_wins_over_extension_with_a_warning(
    ws: Workspace, draft: Draft, tmp_path: Path
) -> None:
    target = tmp_path / "notes.txt"
    result = run(ws, "export", "--format", "MD", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == render_draft(draft, "md")
    assert "warning: writing md although -o" in result.stderr


def test_unwritable_output(ws: Workspace, tmp_path: Path) -> None:
    result = run(ws, "export", "-o", str(tmp_path / "no-such-folder" / "issue.html"))
    assert result.exit_code == 1
    assert "cannot write" in result.stderr
    assert "no-such-folder does not exist" in result.stderr
    assert "Traceback" not in result.output
    (tmp_path / "dir.html").mkdir()
    folder = run(ws, "export", "-o", str(tmp_path / "dir.html"))
    assert folder.exit_code in (1, 2)
    assert "Traceback" not in folder.output


def test_fragment_implies_html(ws: Workspace, draft: Draft) -> None:
    result = run(ws, "export", "--fragment")
    assert result.exit_code == 0, result.output
    assert result.stdout == render_draft(draft, "html", fragment=True)
    assert "<html" not in result.stdout
    wrong = run(ws, "export", "--fragment", "--format", "md")
    assert wrong.exit_code == 2
    assert "--fragment applies to HTML only" in wrong.stderr


def test_workspace_template_overrides_the_default(ws: Workspace, draft: Draft) -> None:
    ws.templates_dir.mkdir()
    (ws.templates_dir / "roundup.md.j2").write_text(
        '{% include "default/roundup.md.j2" %}\n-- \nSent with love\n', encoding="utf-8"
    )
    result = run(ws, "export")
    assert result.stdout.startswith(render_draft(draft, "md").rstrip("\n"))
    assert result.stdout.endswith("\n-- \nSent with love\n")
    assert run(ws, "export", "--format", "text").stdout == render_draft(draft, "text")


def test_template_file_sets_format_and_is_escaped(ws: Workspace, tmp_path: Path) -> None:
    template = tmp_path / "plain.html.j2"
    template.write_text("{% for s in sections %}{{ s.entries[0].title }}|{% endfor %}\n")
    result = run(ws, "export", "--template", str(template))
    assert result.exit_code == 0, result.output
    assert "<" not in result.stdout  # hostile titles stay text: autoescaped as HTML
    json_template = run(ws, "export", "--template", str(template), "--format", "json")
    assert json_template.exit_code == 2
    assert "template does not apply to the json format" in json_template.stderr


def test_template_errors_name_file_and_line(ws: Workspace, tmp_path: Path) -> None:
    template = tmp_path / "broken.md.j2"
    template.write_text("# {{ title }}\n\n{% for x in sections %}\n")
    result = run(ws, "export", "--template", str(template))
    assert result.exit_code == 1
    assert f"{template}:3: template error" in result.stderr
    missing = run(ws, "export", "--template", str(tmp_path / "nope.j2"))
    assert missing.exit_code == 1
    assert "not found" in missing.stderr


def test_unsafe_entry_links_are_warned_about(ws: Workspace) -> None:
    entry = DraftEntry(
        "local1", "file:///home/me/page.html", "A saved page", section="Round-up", note=""
    )
    save_draft(ws.drafts_dir / "local.toml", Draft("local", "Local", entries=(entry,)))
    result = run(ws, "export", "local")
    assert result.exit_code == 0
    assert "file:///home/me/page.html" not in result.stdout
    assert "warning: entry local1 (A saved page): its link" in result.stderr


def test_real_pipe(ws: Workspace, draft: Draft) -> None:
    """Through a real pipe, as `digestctl export | pandoc` runs it: UTF-8 even where the
    locale's encoding is Latin-1 (which cannot even encode the round-up line's ’)."""
    proc = subprocess.run(
        [*DIGESTCTL, "-w", str(ws.root), "export", "--format", "md"],
        capture_output=True,
        env=cli_env(PYTHONIOENCODING="latin-1"),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode("utf-8") == render_draft(draft, "md")
    assert proc.stderr.decode().count("warning: entry evil") == 2


# -- templates ---------------------------------------------------------------------------


def rows(ws: Workspace) -> list[dict[str, object]]:
    result = run(ws, "templates", "--json")
    assert result.exit_code == 0, result.output
    data: list[dict[str, object]] = json.loads(result.stdout)
    return data


def test_templates_lists_the_defaults(ws: Workspace) -> None:
    listed = rows(ws)
    assert [(r["name"], r["format"], r["used"]) for r in listed] == [
        ("roundup.md.j2", "md", "default"),
        ("roundup.html.j2", "html", "default"),
        ("roundup.txt.j2", "text", "default"),
    ]
    assert all(Path(str(r["path"])).is_file() for r in listed)
    table = run(ws, "templates")
    assert "roundup.html.j2" in table.stdout
    assert "templates --copy" in table.stderr


def test_copy_a_template_then_it_overrides(ws: Workspace) -> None:
    result = run(ws, "templates", "--copy", "html")
    assert result.exit_code == 0, result.output
    copy = ws.templates_dir / "roundup.html.j2"
    assert copy.read_text() == (DEFAULT_TEMPLATES / "roundup.html.j2").read_text()
    assert "copied templates/roundup.html.j2" in result.stderr
    listed = rows(ws)
    assert ("roundup.html.j2", "workspace", str(copy)) in [
        (r["name"], r["used"], r["path"]) for r in listed
    ]
    assert ("roundup.html.j2", "unused") in [(r["name"], r["used"]) for r in listed]

    copy.write_text("mine {{ title }}\n")
    again = run(ws, "templates", "--copy", "roundup.html.j2")
    assert again.exit_code == 1
    assert "exists already" in again.stderr
    assert copy.read_text() == "mine {{ title }}\n"
    assert run(ws, "export", "--format", "html").stdout.startswith("mine ")

    forced = run(ws, "templates", "--copy", "html", "--force")
    assert forced.exit_code == 0
    assert "replaced templates/roundup.html.j2" in forced.stderr
    assert copy.read_text() == (DEFAULT_TEMPLATES / "roundup.html.j2").read_text()


def test_copy_all_keeps_customised_ones(ws: Workspace) -> None:
    ws.templates_dir.mkdir()
    (ws.templates_dir / "roundup.md.j2").write_text("mine\n")
    (ws.templates_dir / "letter.txt.j2").write_text("{{ title }}\n")
    result = run(ws, "templates", "--all")
    assert result.exit_code == 0, result.output
    assert "kept templates/roundup.md.j2" in result.stderr
    assert (ws.templates_dir / "roundup.md.j2").read_text() == "mine\n"
    assert (ws.templates_dir / "roundup.txt.j2").is_file()
    assert (ws.templates_dir / "roundup.html.j2").is_file()
    custom = [r for r in rows(ws) if r["name"] == "letter.txt.j2"]
    assert custom == [
        {
            "name": "letter.txt.j2",
            "format": "text",
            "used": "with --template",
            "path": str(ws.templates_dir / "letter.txt.j2"),
            "overrides": False,
        }
    ]


def test_templates_usage_errors(ws: Workspace) -> None:
    assert run(ws, "templates", "--copy", "pdf").exit_code == 2
    assert run(ws, "templates", "--copy", "md", "--all").exit_code == 2
    assert run(ws, "templates", "--force").exit_code == 2
    assert not ws.templates_dir.exists()


def test_no_workspace(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DIGESTCTL_WORKSPACE"}
    result = runner.invoke(app, ["-w", str(tmp_path), "export"], env=env)
    assert result.exit_code == 1
    assert "not a digestctl workspace" in result.stderr
