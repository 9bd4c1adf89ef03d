"""Edit sources.toml in place: append and remove [[source]] tables, leaving every other
line — the editor's comments, order and spacing — exactly as it was. File I/O.

Line by line rather than through a style-preserving TOML library: tomlkit files the
comments above a table under the table before it, so removing a table took the next one's
comments with it and left its own behind. Every edit is re-validated before an atomic write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from digestctl.config import Config, parse_config
from digestctl.errors import ConfigError
from digestctl.models import Source
from digestctl.workspace import write_atomic


def append_sources(config: Config, tables: Sequence[Mapping[str, Any]]) -> Config:
    """Append [[source]] tables (a blank line before each) to the file `config` was read
    from; returns the new config. Nothing is written if the result does not validate or the
    file changed since it was read."""
    text = config.path.read_text(encoding="utf-8")
    for table in tables:
        text = appended(text, table)
    parsed = parse_config(text, config.path)
    if len(parsed.sources) != len(config.sources) + len(tables):
        raise ConfigError(
            [f"{config.path.name}: changed since it was read; nothing was written"],
            hint="run the command again",
        )
    write_atomic(config.path, text)
    return parsed


def appended(text: str, table: Mapping[str, Any]) -> str:
    """`text` with one more [[source]] table at the end (None and empty values left out)."""
    lines = ["[[source]]"]
    lines += [
        f"{key} = {toml_value(value)}"
        for key, value in table.items()
        if value is not None and value != [] and value != {}
    ]
    body = text.rstrip()
    return (body + "\n\n" if body else "") + "\n".join(lines) + "\n"


def toml_value(value: Any) -> str:
    """A value as TOML, inline (tables as `{ k = v }`), the way a person writes it."""
    import tomli_w

    if isinstance(value, Mapping):
        pairs = ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + pairs + " }" if pairs else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_value(key)


def remove_source(config: Config, name: str) -> Source:
    """Take the source named `name` out of sources.toml with the comment lines right above
    its table; every other line stays as it was. Returns the source removed."""
    (source,) = config.select([name])
    index = config.sources.index(source)
    text = config.path.read_text(encoding="utf-8")
    new_text = _without_table(text, "source", index)
    parsed = parse_config(new_text, config.path)
    # The rest must be unchanged (names aside: a name derived from a URL may shift).
    if [_settings(s) for s in parsed.sources] != [
        _settings(s) for s in config.sources if s is not source
    ]:
        raise ConfigError(
            [f"{config.path.name}: could not take out source {name!r} cleanly; nothing changed"],
            hint=f"delete its [[source]] table (line {source.line}) by hand",
        )
    write_atomic(config.path, new_text)
    return source


def _settings(s: Source) -> Source:
    return replace(s, name="", line=None)


_HEADER = re.compile(r"""^[ \t]*\[\[?[ \t]*([A-Za-z0-9_.\"' -]+?)[ \t]*\]\]?[ \t]*(?:#.*)?$""")


def _without_table(text: str, table: str, index: int) -> str:
    """`text` without the `index`-th [[table]]: its header, keys, sub-tables and the comment
    block directly above it (comments describe what follows them)."""
    lines = text.splitlines(keepends=True)
    headers: list[tuple[int, str, bool]] = []  # line, table name, is [[array]]
    in_string = False
    for number, line in enumerate(lines):
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_string = not in_string
            continue
        m = None if in_string else _HEADER.match(line.rstrip("\r\n"))
        if m:
            name = ".".join(part.strip().strip("\"'") for part in m.group(1).split("."))
            headers.append((number, name, line.lstrip().startswith("[[")))
    start = [n for n, name, array in headers if name == table and array][index]
    after = next(
        (n for n, name, _ in headers if n > start and not name.startswith(f"{table}.")),
        len(lines),
    )
    end = max(_comments_above(lines, after), start + 1)
    start = _comments_above(lines, start)
    del lines[start:end]
    # One blank line between what came before and what follows; none at the end.
    while (
        start < len(lines)
        and not lines[start].strip()
        and (start == 0 or not lines[start - 1].strip())
    ):
        del lines[start]
    while lines and not lines[-1].strip():
        lines.pop()
    return "".join(lines)


def _comments_above(lines: Sequence[str], n: int) -> int:
    while n > 0 and lines[n - 1].lstrip().startswith("#"):
        n -= 1
    return n
