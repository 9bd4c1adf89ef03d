"""Run the editor's own text editor ($VISUAL, else $EDITOR) on a file and wait for it.
Starts a program; reads and writes only the file it is given."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from digestctl.errors import DigestError, UsageError

_NOTE_HELP = re.compile(r"<!-- digestctl:.*?-->", re.S)


def editor_command() -> list[str]:
    """$VISUAL or $EDITOR split like a shell would ("code --wait" works), else vi or nano."""
    raw = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if raw and raw.strip():
        return shlex.split(raw)
    for fallback in ("vi", "nano"):
        if shutil.which(fallback):
            return [fallback]
    raise UsageError(
        "no text editor: $VISUAL and $EDITOR are not set and neither vi nor nano is installed",
        hint="set EDITOR, e.g. `export EDITOR=nano`",
    )


def run_editor(path: Path) -> None:
    """Open `path` in the editor and wait; an editor that fails is an error."""
    command = [*editor_command(), str(path)]
    try:
        result = subprocess.run(command, check=False)
    except OSError as e:
        raise UsageError(
            f"cannot start the editor {command[0]!r}: {e.strerror or e}",
            hint="set $VISUAL or $EDITOR to an editor that is installed",
        ) from None
    if result.returncode != 0:
        raise DigestError(
            f"the editor ({command[0]}) exited with status {result.returncode}",
            hint=f"your text is still in {path}",
        )


def edit_note(note: str, *, title: str, url: str, folder: Path) -> str | None:
    """Let the editor write a note in a temporary Markdown file; None when left empty."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix="note-", suffix=".md")
    path = Path(name)
    help_text = (
        f"<!-- digestctl: the note for “{title}”\n     {url}\n"
        "     Markdown: [links](https://…) and *emphasis*. This comment is dropped;\n"
        "     an empty note changes nothing. -->\n"
    )
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"{note}\n\n{help_text}" if note else f"\n\n{help_text}")
    run_editor(path)
    text = _NOTE_HELP.sub("", path.read_text(encoding="utf-8")).strip()
    path.unlink()
    return text or None
