"""Draft files (`drafts/NAME.toml`): parse and validate with line numbers, write readable TOML,
save atomically under a lock, and the pure edit operations the draft commands are made of.
Everything but `load_draft`/`save_draft*`/`update_draft` is pure.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from digestctl.errors import DraftError, LockedError, UsageError

DEFAULT_SECTIONS = ("Lead story", "Round-up")
LOCK_TIMEOUT = 10.0  # seconds; a draft write holds the lock for milliseconds

HEADER = """\
# A digestctl draft. You may edit it by hand: reorder the [[entry]] blocks (that is the
# order of the round-up), rewrite a note (Markdown: [links](https://…) and *emphasis*),
# move an entry to another of the `sections`, delete an entry. digestctl re-reads the file
# before every change it makes; comments other than this header are not kept.
"""


@dataclass(frozen=True)
class DraftEntry:
    """One picked item as it stands in a draft. `section` is "" only until `add_entry`
    places it; `published` is timezone-aware."""

    id: str
    url: str
    title: str = ""
    summary: str = ""  # as fetched: plain text, untrusted
    note: str = ""  # the editor's Markdown
    section: str = ""
    source: str = ""
    published: dt.datetime | None = None


@dataclass(frozen=True)
class Draft:
    """A round-up: its entries in order. The first section is the lead."""

    name: str  # the file's stem: drafts/NAME.toml
    title: str
    date: dt.date | None = None
    intro: str = ""  # Markdown
    sections: tuple[str, ...] = DEFAULT_SECTIONS
    entries: tuple[DraftEntry, ...] = ()

    @property
    def lead_section(self) -> str:
        return self.sections[0]

    @property
    def default_section(self) -> str:
        """Where an entry goes when nobody says: the first section after the lead."""
        return self.sections[1] if len(self.sections) > 1 else self.sections[0]

    def entry(self, entry_id: str) -> DraftEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    def entries_in(self, section: str) -> tuple[DraftEntry, ...]:
        return tuple(e for e in self.entries if e.section == section)


# --- names and ids --------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_draft_name(name: str) -> str:
    """`name` if it can be a file name under drafts/, else a UsageError saying what is allowed."""
    if not _NAME.fullmatch(name) or name.endswith((".toml", ".lock", ".tmp")):
        raise UsageError(
            f"draft name {name!r} is not allowed",
            hint="use letters, digits, '.', '_' and '-', starting with a letter or digit "
            "(e.g. 2024-10-28)",
        )
    return name


def resolve_id_prefix(ids: Iterable[str], prefix: str, *, what: str = "entry") -> str:
    """The one id in `ids` that is `prefix` or starts with it (case-insensitively)."""
    p = prefix.strip().lower()
    candidates = sorted(set(ids))
    exact = [i for i in candidates if i.lower() == p]
    if exact:
        return exact[0]
    matches = [i for i in candidates if p and i.lower().startswith(p)]
    if not matches:
        raise UsageError(f"no {what} with id {prefix!r}")
    if len(matches) > 1:
        shown = ", ".join(matches[:5]) + ("…" if len(matches) > 5 else "")
        raise UsageError(
            f"{what} id {prefix!r} is ambiguous: it starts {shown}",
            hint="type more characters of the id",
        )
    return matches[0]


# --- TOML text -> Draft ------------------------------------------------------------------------

_TOP_KEYS = ("title", "date", "sections", "intro", "entry")
_ENTRY_KEYS = ("id", "section", "title", "url", "source", "published", "summary", "note")
_TOML_ERROR = re.compile(
    r"(?P<msg>.*) \((?:at line (?P<line>\d+), column (?P<col>\d+)|at end of document)\)\Z", re.S
)


def loads_draft(text: str, *, path: str) -> Draft:
    """Parse and validate a draft file's text. `path` (e.g. "drafts/NAME.toml") names the
    draft and prefixes every message: `drafts/NAME.toml:LINE: message`."""
    name = Path(path).stem
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise DraftError(_syntax_message(path, text, e), hint=_fix_hint(path)) from e
    checker = _Checker(text)
    draft = checker.draft(name, data)
    if checker.problems or draft is None:
        lines = [f"{path}:{line}: {message}" for line, message in sorted(checker.problems)]
        raise DraftError("\n".join(lines), hint=_fix_hint(path))
    return draft


def _fix_hint(path: str) -> str:
    return f"fix it by hand (digestctl draft edit {Path(path).stem}); nothing was changed"


def _syntax_message(path: str, text: str, error: tomllib.TOMLDecodeError) -> str:
    match = _TOML_ERROR.match(str(error))
    if not match:
        return f"{path}:1: not valid TOML: {error}"
    message = match["msg"][:1].lower() + match["msg"][1:]
    if match["line"] is None:  # at end of document
        return f"{path}:{text.count(chr(10)) + 1}: not valid TOML: {message} at the end of the file"
    hint = ""
    if any(word in message for word in ("string", "escape", "illegal character")):
        hint = " (text with \" or \\ inside can go between ''' quotes)"
    return f"{path}:{match['line']}: not valid TOML: {message} (column {match['col']}){hint}"


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dt.time):
        return "a time"
    if isinstance(value, list):
        return "an array"
    return "a table"


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Checker:
    """Turns tomllib's data into a Draft, collecting every problem with its line."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.problems: list[tuple[int, str]] = []

    @functools.cached_property
    def layout(self) -> _Layout:
        # Only a draft with problems pays for finding lines: a valid one is read at full speed.
        return _scan_layout(self.text)

    def entry_line(self, index: int, key: str) -> int:
        if index >= len(self.layout.entries):  # entries written as an inline array
            return self.top_line("entry")
        lines = self.layout.entries[index]
        return lines.keys.get(key, lines.header)

    def problem(self, line: int, message: str) -> None:
        self.problems.append((line, message))

    def top_line(self, key: str) -> int:
        return self.layout.top.get(key) or self.layout.tables.get(key) or self.layout.first_key

    def draft(self, name: str, data: dict[str, Any]) -> Draft | None:
        for key in data:
            if key not in _TOP_KEYS:
                self.problem(
                    self.top_line(key), f"unknown key {key!r}{_did_you_mean(key, _TOP_KEYS)}"
                )
        title = self.string(data, "title", self.top_line, required=True, nonempty=False)
        date = data.get("date")
        if date is not None and (not isinstance(date, dt.date) or isinstance(date, dt.datetime)):
            self.problem(
                self.top_line("date"),
                f"'date' must be a date like 2024-10-28, not {_type_name(date)}",
            )
            date = None
        intro = self.string(data, "intro", self.top_line)
        sections = self.sections(data.get("sections", list(DEFAULT_SECTIONS)))
        entries = self.entries(data.get("entry", []), sections)
        if title is None or sections is None or entries is None:
            return None
        return Draft(name, title, date, intro or "", sections, entries)

    def string(
        self,
        table: dict[str, Any],
        key: str,
        line_of: Callable[[str], int],
        *,
        required: bool = False,
        nonempty: bool = True,
        label: str = "",
    ) -> str | None:
        """table[key] if it is a string; a required one must be there (and not blank)."""
        value = table.get(key)
        if value is None:
            if required:
                self.problem(line_of(key), f"{label}missing {key!r}")
            return None
        if not isinstance(value, str):
            self.problem(line_of(key), f"{label}{key!r} must be a string, not {_type_name(value)}")
            return None
        if required and nonempty and not value.strip():
            self.problem(line_of(key), f"{label}{key!r} is empty")
            return None
        return value

    def sections(self, value: object) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not value:
            self.problem(
                self.top_line("sections"),
                'sections must be a list of names, e.g. ["Lead story", "Round-up"]',
            )
            return None
        seen: set[str] = set()
        for item in value:
            if not isinstance(item, str) or not item.strip():
                self.problem(self.top_line("sections"), f"sections: {item!r} is not a section name")
                return None
            if item in seen:
                self.problem(self.top_line("sections"), f"sections: {item!r} is listed twice")
                return None
            seen.add(item)
        return tuple(value)

    def entries(
        self, value: object, sections: tuple[str, ...] | None
    ) -> tuple[DraftEntry, ...] | None:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(self.top_line("entry"), "entries must be [[entry]] tables (two brackets)")
            return None
        entries: list[DraftEntry] = []
        ids: dict[str, int] = {}
        urls: dict[str, int] = {}
        ok = True
        for index, table in enumerate(value):

            def line_of(key: str, index: int = index) -> int:
                return self.entry_line(index, key)

            raw_id = table.get("id")
            named = isinstance(raw_id, str) and raw_id.strip()
            label = f"entry {raw_id!r}: " if named else f"entry {index + 1}: "
            for key in table:
                if key not in _ENTRY_KEYS:
                    hint = _did_you_mean(key, _ENTRY_KEYS)
                    self.problem(line_of(key), f"{label}unknown key {key!r}{hint}")
                    ok = False
            entry_id = self.string(table, "id", line_of, required=True, label=label)
            url = self.string(table, "url", line_of, required=True, label=label)
            texts = {k: self.string(table, k, line_of, label=label) for k in _ENTRY_TEXT}
            section = self.string(table, "section", line_of, label=label)
            if sections is not None:
                if section is None and "section" not in table:
                    section = sections[1] if len(sections) > 1 else sections[0]
                elif section is not None and section not in sections:
                    self.problem(
                        line_of("section"),
                        f"{label}section {section!r} is not one of the draft's sections "
                        f"{list(sections)}{_did_you_mean(section, sections)}",
                    )
                    section = None
            published_ok, published = self.published(table, line_of, label)
            if entry_id is not None:
                if entry_id in ids:
                    self.problem(
                        line_of("id"),
                        f"entry {entry_id!r} appears twice (also at line "
                        f"{self.entry_line(ids[entry_id], 'id')}); "
                        "delete one",
                    )
                    ok = False
                ids.setdefault(entry_id, index)
            if url is not None:
                if url in urls:
                    self.problem(
                        line_of("url"),
                        f"{label}the same url is already in the entry at line "
                        f"{self.entry_line(urls[url], 'url')}; "
                        "delete one",
                    )
                    ok = False
                urls.setdefault(url, index)
            if entry_id is None or url is None or section is None or not published_ok:
                ok = False
                continue
            if ok:
                entries.append(
                    DraftEntry(
                        id=entry_id,
                        url=url,
                        title=texts["title"] or "",
                        summary=texts["summary"] or "",
                        note=texts["note"] or "",
                        section=section,
                        source=texts["source"] or "",
                        published=published,
                    )
                )
        return tuple(entries) if ok else None

    def published(
        self, table: dict[str, Any], line_of: Callable[[str], int], label: str
    ) -> tuple[bool, dt.datetime | None]:
        """(valid, the entry's aware date-time or None when absent)."""
        value = table.get("published")
        if value is None:
            return True, None
        # A hand-typed date or local date-time is read as UTC rather than refused.
        if isinstance(value, dt.datetime):
            return True, value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        if isinstance(value, dt.date):
            return True, dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        self.problem(
            line_of("published"),
            f"{label}'published' must be a date-time like 2024-10-28T09:30:00Z, "
            f"not {_type_name(value)}",
        )
        return False, None


_ENTRY_TEXT = ("title", "summary", "note", "source")


# --- where things are in the text, for messages -------------------------------------------------


@dataclass
class _EntryLines:
    header: int
    keys: dict[str, int] = field(default_factory=dict)


@dataclass
class _Layout:
    top: dict[str, int] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)
    entries: list[_EntryLines] = field(default_factory=list)

    @property
    def first_key(self) -> int:
        return min(self.top.values(), default=1)


_KEY_PART = re.compile(r"""[ \t]*(?:([A-Za-z0-9_-]+)|"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)')[ \t]*""")


def _scan_layout(text: str) -> _Layout:
    """Line numbers of the top-level keys, of each [[entry]] header and of its keys.

    tomllib does not report positions, so this walks the (already valid) TOML text the way a
    lexer would, skipping strings, comments and multi-line arrays so that a note containing
    "[[entry]]" or "url =" is not mistaken for structure.
    """
    layout = _Layout()
    keys: dict[str, int] = layout.top
    n, i, line, depth = len(text), 0, 1, 0
    line_start = True
    while i < n:
        if line_start:
            line_start = False
            while i < n and text[i] in " \t":
                i += 1
            if depth == 0 and i < n and text[i] == "[":
                aot = text.startswith("[[", i)
                close = text.find("]]" if aot else "]", i)
                close = n if close < 0 else close
                name = ".".join(_key_parts(text[i + (2 if aot else 1) : close]))
                layout.tables.setdefault(name, line)
                if aot and name == "entry":
                    layout.entries.append(_EntryLines(line))
                    keys = layout.entries[-1].keys
                else:
                    keys = {}
                i = close + (2 if aot else 1)
                continue
            if depth == 0:
                key, end = _read_key(text, i)
                if key is not None:
                    keys.setdefault(key, line)
                    i = end
                    continue
            continue
        ch = text[i]
        if ch == "\n":
            line += 1
            line_start = True
            i += 1
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith('"""', i) or text.startswith("'''", i):
            i, line = _skip_multiline(text, i, line)
        elif ch in "\"'":
            i = _skip_string(text, i)
        elif ch in "[{":
            depth += 1
            i += 1
        elif ch in "]}":
            depth = max(depth - 1, 0)
            i += 1
        else:
            i += 1
    return layout


def _key_parts(header: str) -> list[str]:
    parts = []
    for piece in _KEY_PART.finditer(header):
        if piece.group(0).strip():
            parts.append(next(g for g in piece.groups() if g is not None))
    return parts


def _read_key(text: str, i: int) -> tuple[str | None, int]:
    """The first part of a (dotted) key starting at i, and where its value starts."""
    first: str | None = None
    pos = i
    while True:
        match = _KEY_PART.match(text, pos)
        if not match or not match.group(0).strip():
            return None, i
        if first is None:
            first = next(g for g in match.groups() if g is not None)
        pos = match.end()
        if text.startswith(".", pos):
            pos += 1
            continue
        if text.startswith("=", pos):
            return first, pos + 1
        return None, i


def _skip_string(text: str, i: int) -> int:
    quote = text[i]
    j = i + 1
    while j < len(text):
        ch = text[j]
        if ch == "\\" and quote == '"':
            j += 2
            continue
        if ch == quote:
            return j + 1
        if ch == "\n":
            return j
        j += 1
    return j


def _skip_multiline(text: str, i: int, line: int) -> tuple[int, int]:
    delim = text[i : i + 3]
    j = i + 3
    n = len(text)
    while j < n:
        if delim == '"""' and text[j] == "\\":
            if text.startswith("\n", j + 1):
                line += 1
            j += 2
            continue
        if text.startswith(delim, j):
            j += 3
            # Up to two more quotes belong to the string: '""""' ends a string with '"'.
            for _ in range(2):
                if j < n and text[j] == delim[0]:
                    j += 1
            return j, line
        if text[j] == "\n":
            line += 1
        j += 1
    return j, line


# --- Draft -> TOML text --------------------------------------------------------------------------


def dumps_draft(draft: Draft) -> str:
    """The draft as TOML for people and `git diff`: a header, fixed key order, one [[entry]]
    table per entry in order, multi-line notes as multi-line strings."""
    import tomli_w

    def pair(key: str, value: str | dt.date | list[str]) -> str:
        # tomli-w turns "\r\n" into "\n" inside multi-line strings; keep such text escaped.
        values = value if isinstance(value, list) else [value]
        multiline = not any(isinstance(v, str) and "\r\n" in v for v in values)
        return tomli_w.dumps({key: value}, multiline_strings=multiline)

    parts = [HEADER, "\n", pair("title", draft.title)]
    if draft.date is not None:
        parts.append(pair("date", draft.date))
    parts.append(pair("sections", list(draft.sections)))
    parts.append(pair("intro", draft.intro))
    for e in draft.entries:
        parts += ["\n[[entry]]\n", pair("id", e.id), pair("section", e.section)]
        parts += [pair("title", e.title), pair("url", e.url)]
        if e.source:
            parts.append(pair("source", e.source))
        if e.published is not None:
            # An offset date-time, written by hand: tomli-w would put a space before the time.
            stamp = e.published.isoformat()
            if stamp.endswith("+00:00"):
                stamp = stamp.removesuffix("+00:00") + "Z"
            parts.append(f"published = {stamp}\n")
        parts += [pair("summary", e.summary), pair("note", e.note)]
    return "".join(parts)


# --- files --------------------------------------------------------------------------------------


def display_path(path: Path) -> str:
    """How messages name a draft file: drafts/NAME.toml inside a workspace."""
    return f"drafts/{path.name}" if path.parent.name == "drafts" else str(path)


def load_draft(path: Path) -> Draft:
    """Read and validate drafts/NAME.toml."""
    text = _read_text(path)
    if text is None:
        raise DraftError(
            f"no draft {path.stem!r} ({display_path(path)} does not exist)",
            hint="`digestctl draft list` shows the drafts",
        )
    return loads_draft(text, path=display_path(path))


def save_draft(path: Path, draft: Draft) -> None:
    """Write the draft atomically under its lock (see `save_draft_text`)."""
    save_draft_text(path, dumps_draft(draft))


def save_draft_text(path: Path, text: str, *, if_unchanged: str | None = None) -> Draft:
    """Validate `text` as a draft and write it atomically, under the draft's lock, keeping
    the file's permissions. With `if_unchanged` (the text as read before a hand edit began),
    refuse when someone else has written the file since, rather than overwrite their change."""
    draft = loads_draft(text, path=display_path(path))
    with _draft_lock(path):
        if if_unchanged is not None and _read_text(path) != if_unchanged:
            raise DraftError(
                f"{display_path(path)} changed while you were editing it; your version was "
                "not saved",
                hint="edit it again to merge your change into the new version",
            )
        _write_atomic(path, text)
    return draft


def update_draft(
    path: Path, change: Callable[[Draft], Draft], *, default: Draft | None = None
) -> Draft:
    """Read-modify-write under the draft's lock: the file is re-read inside the lock, so a
    hand edit saved a moment ago is the base of `change`, never overwritten. A missing file
    starts from `default` (or is an error). Returns the draft as saved."""
    with _draft_lock(path):
        text = _read_text(path)
        if text is not None:
            current = loads_draft(text, path=display_path(path))
        elif default is not None:
            current = default
        else:
            raise DraftError(
                f"no draft {path.stem!r} ({display_path(path)} does not exist)",
                hint="`digestctl draft list` shows the drafts",
            )
        new = change(current)
        if new != current or text is None:
            new_text = dumps_draft(new)
            loads_draft(new_text, path=display_path(path))  # never write what we cannot read
            _write_atomic(path, new_text)
        return new


def _read_text(path: Path) -> str | None:
    """The file's text, or None when it does not exist."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise DraftError(f"{display_path(path)}: cannot read it: {e.strerror}") from e
    try:
        return data.decode("utf-8").removeprefix("\ufeff")  # editors on Windows add a BOM
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise DraftError(
            f"{display_path(path)}:{line}: not UTF-8 text (byte {e.start})",
            hint="save the file as UTF-8 in your editor",
        ) from e


@contextlib.contextmanager
def _draft_lock(path: Path) -> Iterator[None]:
    """Hold drafts/.NAME.lock for one read-modify-write; wait a little for another writer."""
    import fcntl

    timeout = LOCK_TIMEOUT
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.with_name(f".{path.stem}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:  # a read-only or full disk fails here first
        raise _save_error(path, e) from e
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(
                        f"{display_path(path)} has been locked by another digestctl process "
                        f"for {timeout:.0f}s; nothing was changed",
                        hint="try again; if it persists, look for a stuck digestctl process",
                    ) from None
                time.sleep(0.005)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _write_atomic(path: Path, text: str) -> None:
    """Temp file in the same folder, fsync, rename, fsync the folder: a crash at any point
    leaves the old file or the new one, never a torn one. Called under the draft's lock."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    import tempfile

    _remove_stale_temp_files(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise _save_error(path, e) from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise _save_error(path, e) from e
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        # Some file systems refuse fsync on a directory; the rename itself is still atomic.
        with contextlib.suppress(OSError):
            os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _save_error(path: Path, e: OSError) -> DraftError:
    return DraftError(f"{display_path(path)}: cannot save it: {e.strerror or e}")


def _remove_stale_temp_files(path: Path) -> None:
    """Delete what a writer killed mid-save left behind. Every writer of this draft holds its
    lock, which we hold now, so a temp file of this draft is nobody's work in progress."""
    # mkstemp adds 8 characters from [a-z0-9_]; the exact shape spares other drafts' files.
    mine = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")
    with contextlib.suppress(OSError):
        for sibling in path.parent.iterdir():
            if mine.fullmatch(sibling.name):
                sibling.unlink(missing_ok=True)


def _umask() -> int:
    # Python has no read-only getter; the CLI is single-threaded when it saves.
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- pure edit operations -----------------------------------------------------------------------


def add_entry(draft: Draft, entry: DraftEntry, *, lead: bool = False) -> Draft:
    """Append `entry` to its section (the lead section with `lead`, else `entry.section`,
    else the default section). Refuses an id or URL already in the draft."""
    if draft.entry(entry.id) is not None:
        raise DraftError(f"{entry.id!r} is already in draft {draft.name!r}")
    same_url = next((e for e in draft.entries if e.url == entry.url), None)
    if same_url is not None:
        raise DraftError(f"{entry.url} is already in draft {draft.name!r} as entry {same_url.id!r}")
    section = draft.lead_section if lead else entry.section or draft.default_section
    _check_section(draft, section)
    return _grouped(draft, [*draft.entries, replace(entry, section=section)])


def remove_entry(draft: Draft, entry_id: str) -> Draft:
    _require(draft, entry_id)
    return replace(draft, entries=tuple(e for e in draft.entries if e.id != entry_id))


def move_entry(
    draft: Draft,
    entry_id: str,
    *,
    to: int | None = None,
    before: str | None = None,
    after: str | None = None,
    section: str | None = None,
) -> Draft:
    """Move an entry: `to` a 1-based position within its (or `section`'s) entries, `before`
    or `after` another entry (joining that entry's section), or to the end of `section`."""
    if sum(x is not None for x in (to, before, after)) > 1 or (
        section is not None and (before is not None or after is not None)
    ):
        raise UsageError("move takes one of --to, --before, --after (--section goes with --to)")
    if to is None and before is None and after is None and section is None:
        raise UsageError("say where to move it: --to, --before, --after or --section")
    entry = _require(draft, entry_id)
    rest = [e for e in draft.entries if e.id != entry_id]
    anchor_id = before if before is not None else after
    if anchor_id is not None:
        if anchor_id == entry_id:
            raise UsageError(f"cannot move {entry_id!r} next to itself")
        anchor = _require(draft, anchor_id)
        index = rest.index(anchor) + (1 if after is not None else 0)
        rest.insert(index, replace(entry, section=anchor.section))
        return _grouped(draft, rest)
    target = section if section is not None else entry.section
    _check_section(draft, target)
    peers = [i for i, e in enumerate(rest) if e.section == target]
    if to is not None and not 1 <= to <= len(peers) + 1:
        raise UsageError(
            f"position {to} is out of range: section {target!r} has "
            f"{len(peers) + 1} places (1-{len(peers) + 1})"
        )
    if to is not None and to <= len(peers):
        index = peers[to - 1]
    else:
        index = peers[-1] + 1 if peers else len(rest)
    rest.insert(index, replace(entry, section=target))
    return _grouped(draft, rest)


def set_note(draft: Draft, entry_id: str, note: str) -> Draft:
    """Replace an entry's note (line endings normalised, outer blank space trimmed)."""
    clean = note.replace("\r\n", "\n").replace("\r", "\n").strip()
    return _replace_entry(draft, entry_id, lambda e: replace(e, note=clean))


def set_section(draft: Draft, entry_id: str, section: str) -> Draft:
    """Put an entry in another section, keeping its order relative to the others."""
    _check_section(draft, section)
    return _replace_entry(draft, entry_id, lambda e: replace(e, section=section))


def _require(draft: Draft, entry_id: str) -> DraftEntry:
    entry = draft.entry(entry_id)
    if entry is None:
        raise UsageError(f"no entry {entry_id!r} in draft {draft.name!r}")
    return entry


def _check_section(draft: Draft, section: str) -> None:
    if section not in draft.sections:
        raise UsageError(
            f"draft {draft.name!r} has no section {section!r}"
            f"{_did_you_mean(section, draft.sections)}",
            hint=f"its sections are {', '.join(draft.sections)}; add one to `sections` in "
            f"the draft file",
        )


def _replace_entry(
    draft: Draft, entry_id: str, change: Callable[[DraftEntry], DraftEntry]
) -> Draft:
    _require(draft, entry_id)
    return _grouped(draft, [change(e) if e.id == entry_id else e for e in draft.entries])


def _grouped(draft: Draft, entries: Sequence[DraftEntry]) -> Draft:
    """Entries in section order (stable within a section), so the file reads like the
    round-up it becomes."""
    rank = {name: i for i, name in enumerate(draft.sections)}
    ordered = sorted(entries, key=lambda e: rank.get(e.section, len(rank)))
    return replace(draft, entries=tuple(ordered))
