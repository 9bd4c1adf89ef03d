"""Load and validate sources.toml into typed Source objects. Reads one file; otherwise pure.

Every problem is collected and reported at once as `sources.toml:LINE: message`.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from digestctl.errors import ConfigError, ParseError
from digestctl.models import Source, SourceType


@dataclass(frozen=True)
class Key:
    """One key of sources.toml: its type check, and a line for the docs."""

    check: Callable[[Any], str | None]  # returns a problem, or None when valid
    doc: str


def _str(v: Any) -> str | None:
    return None if isinstance(v, str) else f"must be a string, not {_tname(v)}"


def _nonempty_str(v: Any) -> str | None:
    if not isinstance(v, str):
        return f"must be a string, not {_tname(v)}"
    return None if v.strip() else "must not be empty"


def _str_list(v: Any) -> str | None:
    if isinstance(v, str):
        return f'must be a list of strings, e.g. ["{v}"]'
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        return f"must be a list of strings, not {_tname(v)}"
    return None


def _positive_number(v: Any) -> str | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return f"must be a number of seconds, not {_tname(v)}"
    return None if 0 < v <= 600 else "must be between 0 and 600 seconds"


def _positive_int(v: Any) -> str | None:
    if isinstance(v, bool) or not isinstance(v, int):
        return f"must be a whole number, not {_tname(v)}"
    return None if v > 0 else "must be at least 1"


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else f"must be true or false, not {_tname(v)}"


def _terms(v: Any) -> str | None:
    problem = _str_list(v)
    if problem:
        return problem
    if any(not x.strip() for x in v):
        return "must not hold an empty term"
    return None


def _weight(v: Any) -> str | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return f"must be a number (1 = as learned, 2 = twice as likely, 0 = last), not {_tname(v)}"
    return None if 0 <= v <= 100 else "must be between 0 and 100"


def _headers(v: Any) -> str | None:
    if not isinstance(v, dict) or not all(
        isinstance(k, str) and isinstance(x, str) for k, x in v.items()
    ):
        return 'must be a table of strings, e.g. { "Accept-Language" = "en" }'
    return None


def _selector(v: Any) -> str | None:
    problem = _nonempty_str(v)
    if problem:
        return problem
    from digestctl.pages import check_selector  # selectolax: loaded only for files that use it

    try:
        check_selector(v)
    except ParseError:
        return f'{v!r} is not a CSS selector we can run (e.g. "article h2 a")'
    return None


def _source_type(v: Any) -> str | None:
    if v in {t.value for t in SourceType}:
        return None
    return f"must be one of {', '.join(repr(t.value) for t in SourceType)}, not {v!r}"


def _tname(v: Any) -> str:
    return {
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "a table",
    }.get(type(v), type(v).__name__)


SOURCE_KEYS: Mapping[str, Key] = {
    "name": Key(_nonempty_str, "unique slug, shown everywhere; default derived from the host"),
    "url": Key(_nonempty_str, "http(s) URL, file: URL, or a path relative to the workspace"),
    "type": Key(_source_type, "auto (sniff the response), feed, or page"),
    "tags": Key(_str_list, "labels for your own grouping; shown by `check`"),
    "include": Key(_str_list, "keep only items whose title or summary mention any of these"),
    "exclude": Key(_str_list, "drop items whose title or summary mention any of these"),
    "timeout": Key(_positive_number, "seconds for one request, body included (default 20)"),
    "max_items": Key(_positive_int, "newest items kept per fetch (default 50)"),
    "links": Key(_selector, "page sources: CSS selector for the item links"),
    "user_agent": Key(_nonempty_str, "User-Agent for this source (fixes most 403 'blocked')"),
    "headers": Key(_headers, "extra request headers"),
    "allow_private": Key(
        _bool, "follow links and redirects to private addresses (intranet sources; default false)"
    ),
    "weight": Key(_weight, "ranking: 2 = its items twice as likely picked, 0.5 = half, 0 = last"),
    "fulltext": Key(_bool, "fetch each new item's page for its full text (default false)"),
}
DEFAULT_KEYS = {
    k: SOURCE_KEYS[k]
    for k in (
        "type",
        "tags",
        "include",
        "exclude",
        "timeout",
        "max_items",
        "user_agent",
        "headers",
        "allow_private",
        "fulltext",
    )
}
FETCH_KEYS: Mapping[str, Key] = {
    "concurrency": Key(_positive_int, "requests in flight across all sources (default 32)"),
    "per_host": Key(_positive_int, "requests in flight to one host (default 2)"),
    "max_size_mb": Key(_positive_number, "largest response accepted, in MB (default 10)"),
}
RANK_KEYS: Mapping[str, Key] = {
    "boost": Key(_terms, "words or phrases that move an item up when it mentions them"),
    "bury": Key(_terms, "words or phrases that move an item down when it mentions them"),
}
TOP_KEYS = ("defaults", "fetch", "rank", "source")


@dataclass(frozen=True)
class FetchSettings:
    concurrency: int = 32
    per_host: int = 2
    max_bytes: int = 10 * 1024 * 1024


@dataclass(frozen=True)
class RankSettings:
    """`[rank]`: the editor's explicit preferences, on top of what is learned."""

    boost: tuple[str, ...] = ()
    bury: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    path: Path
    sources: tuple[Source, ...]
    fetch: FetchSettings = field(default_factory=FetchSettings)
    rank: RankSettings = field(default_factory=RankSettings)

    def select(self, names: list[str]) -> tuple[Source, ...]:
        """The sources named (all when none); unknown names are a ConfigError."""
        if not names:
            return self.sources
        known = {s.name: s for s in self.sources}
        problems = [
            f"{self.path.name}: no source named {n!r}{_did_you_mean(n, known)}"
            for n in names
            if n not in known
        ]
        if problems:
            raise ConfigError(problems)
        return tuple(known[n] for n in dict.fromkeys(names))

    def tagged(self, tags: list[str]) -> tuple[str, ...]:
        """Names of the sources carrying any of `tags` (compared ignoring case)."""
        wanted = {t.casefold() for t in tags}
        return tuple(s.name for s in self.sources if wanted & {t.casefold() for t in s.tags})

    def tags(self) -> tuple[str, ...]:
        """Every tag in use, sorted."""
        return tuple(sorted({t for s in self.sources for t in s.tags}, key=str.casefold))


def load_config(path: Path) -> Config:
    """Read and validate sources.toml."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: not found"], hint="run `digestctl init`") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError([f"{path}: cannot read: {e}"]) from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    """Validate the text of sources.toml; `path` names it in messages and anchors relative URLs."""
    label = path.name
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError([_syntax_problem(label, e)]) from None
    lines = _LineIndex(text)
    problems: list[str] = []

    def report(line: int | None, message: str) -> None:
        problems.append(f"{label}:{line}: {message}" if line else f"{label}: {message}")

    for key in data:
        if key not in TOP_KEYS:
            report(
                lines.top(key),
                f"unknown table or key {key!r}{_did_you_mean(key, TOP_KEYS)}"
                " (sources go in [[source]] tables)",
            )

    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        report(lines.top("defaults"), "[defaults] must be a table")
        defaults = {}
    _check_table(
        defaults, DEFAULT_KEYS, "[defaults]", lambda k: lines.key("defaults", 0, k), report
    )

    fetch_table = data.get("fetch", {})
    if not isinstance(fetch_table, dict):
        report(lines.top("fetch"), "[fetch] must be a table")
        fetch_table = {}
    _check_table(fetch_table, FETCH_KEYS, "[fetch]", lambda k: lines.key("fetch", 0, k), report)

    rank_table = data.get("rank", {})
    if not isinstance(rank_table, dict):
        report(lines.top("rank"), "[rank] must be a table")
        rank_table = {}
    _check_table(rank_table, RANK_KEYS, "[rank]", lambda k: lines.key("rank", 0, k), report)

    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list):
        report(lines.top("source"), "sources must be written as [[source]] tables")
        raw_sources = []

    sources: list[Source] = []
    seen_names: dict[str, int | None] = {}
    for index, raw in enumerate(raw_sources):
        table_line = lines.table("source", index)

        def key_line(k: str, i: int = index) -> int | None:
            return lines.key("source", i, k) or lines.table("source", i)

        if not isinstance(raw, dict):
            report(table_line, "each source must be a [[source]] table")
            continue
        before = len(problems)
        _check_table(raw, SOURCE_KEYS, _source_label(raw, index), key_line, report)
        url = raw.get("url")
        if url is None:
            report(table_line, f'{_source_label(raw, index)}: no url (add url = "https://…")')
            continue
        if not isinstance(url, str) or not url.strip():
            continue  # reported by _check_table
        url, url_problem = _normalise_url(url, path.parent)
        if url_problem:
            report(
                key_line("url"), f"{_source_label(raw, index)}: url {raw['url']!r}: {url_problem}"
            )
            continue
        raw_name = raw.get("name")
        if raw_name is not None and not isinstance(raw_name, str):
            continue  # reported by _check_table
        name = raw_name or _name_from_url(url, seen_names)
        if not valid_name(name):
            report(
                key_line("name"),
                f"name {name!r}: use letters, digits, '-', '_' and '.' only"
                " (it is typed in commands)",
            )
            continue
        if name in seen_names:
            first = seen_names[name]
            report(
                key_line("name"),
                f"duplicate source name {name!r}" + (f" (first at line {first})" if first else ""),
            )
            continue
        seen_names[name] = table_line
        if len(problems) > before:
            continue
        merged = {**defaults, **raw}
        sources.append(
            Source(
                name=name,
                url=url,
                type=SourceType(merged.get("type", "auto")),
                tags=tuple(merged.get("tags", ())),
                include=tuple(merged.get("include", ())),
                exclude=tuple(merged.get("exclude", ())),
                timeout=float(merged.get("timeout", 20)),
                max_items=int(merged.get("max_items", 50)),
                links=merged.get("links"),
                user_agent=merged.get("user_agent"),
                headers={**defaults.get("headers", {}), **raw.get("headers", {})},
                allow_private=bool(merged.get("allow_private", False)),
                weight=float(raw.get("weight", 1.0)),
                line=table_line,
                fulltext=bool(merged.get("fulltext", False)),
            )
        )
    if problems:
        raise ConfigError(problems, hint=f"fix {path} and run the command again")
    settings = FetchSettings(
        concurrency=int(fetch_table.get("concurrency", 32)),
        per_host=int(fetch_table.get("per_host", 2)),
        max_bytes=int(float(fetch_table.get("max_size_mb", 10)) * 1024 * 1024),
    )
    rank = RankSettings(
        boost=tuple(t.strip() for t in rank_table.get("boost", ())),
        bury=tuple(t.strip() for t in rank_table.get("bury", ())),
    )
    return Config(path=path, sources=tuple(sources), fetch=settings, rank=rank)


def _source_label(raw: Mapping[str, Any], index: int) -> str:
    name = raw.get("name")
    return f"source {name!r}" if isinstance(name, str) and name else f"source #{index + 1}"


def _check_table(
    table: Mapping[str, Any],
    spec: Mapping[str, Key],
    where: str,
    line_of: Callable[[str], int | None],
    report: Callable[[int | None, str], None],
) -> None:
    for key, value in table.items():
        if key not in spec:
            report(line_of(key), f"{where}: unknown key {key!r}{_did_you_mean(key, spec)}")
            continue
        problem = spec[key].check(value)
        if problem:
            report(line_of(key), f"{where}: {key} {problem}")


def _did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _syntax_problem(label: str, e: tomllib.TOMLDecodeError) -> str:
    # tomllib's message ends with "(at line L, column C)"; put the line up front like the rest.
    msg = str(e)
    m = re.search(r"\(at line (\d+), column (\d+)\)$", msg)
    if m:
        return f"{label}:{m.group(1)}:{m.group(2)}: TOML syntax error: {msg[: m.start()].strip()}"
    return f"{label}: TOML syntax error: {msg}"


def _normalise_url(raw: str, base: Path) -> tuple[str, str | None]:
    """An absolute http(s) or file: URL, or a problem to report."""
    value = raw.strip()
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname:
            return value, "has no host"
        return value, None
    if scheme == "file":
        return value, None
    if scheme and len(scheme) > 1:
        return value, f"unsupported scheme {scheme!r} (use http, https, file: or a path)"
    looks_like_host = re.match(r"^[\w.-]+\.[a-z]{2,}(/|$)", value, re.IGNORECASE)
    local_suffix = value.lower().endswith((".xml", ".rss", ".atom", ".json", ".html", ".htm"))
    if looks_like_host and not local_suffix and not Path(base, value).exists():
        return value, f"has no scheme (did you mean 'https://{value}'?)"
    path = (base / value).resolve()
    if not path.exists():
        return value, f"no such file {path} (a path is read relative to the workspace)"
    return path.as_uri(), None


def valid_name(name: str) -> bool:
    """Whether `name` can name a source: it is typed in commands, so a plain slug."""
    return re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name) is not None


def _name_from_url(url: str, taken: Mapping[str, object]) -> str:
    parts = urlsplit(url)
    if parts.scheme == "file":
        base = Path(parts.path).stem
    else:
        host = (parts.hostname or "source").removeprefix("www.")
        is_ip = host.replace(".", "").isdigit() or ":" in host
        base = host.rsplit(".", 1)[0] if host.count(".") >= 1 and not is_ip else host
    slug = re.sub(r"[^A-Za-z0-9]+", "-", base).strip("-").lower() or "source"
    name, n = slug, 2
    while name in taken:
        name, n = f"{slug}-{n}", n + 1
    return name


class _LineIndex:
    """Where tables and keys stand in the TOML text, for messages (tomllib keeps no positions).

    A line scanner, not a parser: good for files people write, where each key starts a line.
    """

    _TABLE = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\"'-]+)\s*\]\]?")
    _KEY = re.compile(r"^\s*\"?([A-Za-z0-9_-]+)\"?\s*=")

    def __init__(self, text: str) -> None:
        self._tables: dict[tuple[str, int], int] = {}
        self._keys: dict[tuple[str, int, str], int] = {}
        self._top: dict[str, int] = {}
        counts: dict[str, int] = {}
        current: tuple[str, int] | None = None
        in_multiline = False
        for number, line in enumerate(text.splitlines(), start=1):
            if line.count('"""') % 2 or line.count("'''") % 2:
                in_multiline = not in_multiline
                continue
            if in_multiline:
                continue
            t = self._TABLE.match(line)
            if t:
                name = t.group(1).strip("\"'")
                index = counts.get(name, 0)
                counts[name] = index + 1
                current = (name, index)
                self._tables.setdefault(current, number)
                self._top.setdefault(name, number)
                continue
            k = self._KEY.match(line)
            if k:
                if current is None:
                    self._top.setdefault(k.group(1), number)
                else:
                    self._keys.setdefault((*current, k.group(1)), number)

    def table(self, name: str, index: int) -> int | None:
        return self._tables.get((name, index))

    def key(self, table: str, index: int, key: str) -> int | None:
        return self._keys.get((table, index, key))

    def top(self, key: str) -> int | None:
        return self._top.get(key)
