"""Edit sources.toml in place, keeping the editor's text and comments (tomlkit). File I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from digestctl.config import parse_config
from digestctl.errors import ConfigError
from digestctl.workspace import write_atomic


def append_sources(path: Path, tables: Sequence[Mapping[str, Any]]) -> None:
    """Append [[source]] tables at the end of the file, validated before anything is written."""
    import tomlkit

    text = path.read_text(encoding="utf-8")
    doc = tomlkit.parse(text)
    existing = doc.get("source")
    array = existing if existing is not None else tomlkit.aot()
    for table in tables:
        t = tomlkit.table()
        for key, value in table.items():
            if value is not None and value != [] and value != {}:
                t.add(key, value)
        array.append(t)
    if existing is None:
        doc.append("source", array)
    new_text = tomlkit.dumps(doc)
    parse_config(new_text, path)  # raises ConfigError naming the problem; file untouched
    write_atomic(path, new_text)


def remove_source(path: Path, name: str) -> None:
    """Remove the [[source]] named `name`, leaving every other line as it was."""
    import tomlkit

    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    array = doc.get("source") or []
    names = [t.get("name") for t in array]
    if name not in names:
        raise ConfigError([f"{path.name}: no source named {name!r}"])
    del array[names.index(name)]
    new_text = tomlkit.dumps(doc)
    parse_config(new_text, path)
    write_atomic(path, new_text)
