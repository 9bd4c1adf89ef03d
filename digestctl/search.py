"""`items --search` queries: the editor's words parsed into terms, and written out as a
SQLite FTS5 expression in which every term is quoted, so no input is an FTS syntax error.
Pure: the store turns a Search into SQL (FTS5 where SQLite has it, a word scan where not).

    forced labour            both words (whole words, any case, accents ignored)
    "forced labour"          the phrase
    traffick*                a word starting so: trafficking, trafficked, traffickers
    qatar OR gulf            either
    -vacancy                 not this word (or "-phrase", or -prefix*)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digestctl.errors import UsageError

EXAMPLES = 'forced labour, "forced labour", traffick*, qatar OR gulf, -vacancy'

# A quoted phrase (closed or not), or a run of non-space characters; either may carry a
# leading "-" and a trailing "*".
_TOKEN = re.compile(r'(-?)(?:"([^"]*)("?)(\*?)|([^\s"]+?)(\*?)(?=[\s"]|$))')
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    """One word or phrase to look for."""

    text: str  # as typed, without quotes, `-` or `*`; a phrase may hold several words
    prefix: bool = False  # the last word may go on: `traffick*`

    def fts5(self) -> str:
        # Quoted, so FTS5 reads it as a phrase of whatever tokens it holds: operators,
        # parentheses, colons and stray quotes in the user's words are just text.
        quoted = '"' + self.text.replace('"', '""') + '"'
        return quoted + "*" if self.prefix else quoted

    def words(self) -> list[str]:
        """The words of the text (runs of letters and digits, as the index reads them)."""
        return _WORD.findall(self.text)


@dataclass(frozen=True)
class Search:
    """Items must match a term of every group in `all_of`, and none of `none_of`."""

    all_of: tuple[tuple[Term, ...], ...]
    none_of: tuple[Term, ...] = ()

    def fts5_all(self) -> str | None:
        """The FTS5 expression items must match; None when there are only exclusions."""
        if not self.all_of:
            return None
        return " AND ".join(_group(group) for group in self.all_of)

    def fts5_none(self) -> str | None:
        """The FTS5 expression items must not match (or None)."""
        return " OR ".join(t.fts5() for t in self.none_of) or None


def _group(terms: tuple[Term, ...]) -> str:
    inner = " OR ".join(t.fts5() for t in terms)
    return f"({inner})" if len(terms) > 1 else inner


def parse_search(query: str) -> Search:
    """Parse `--search` words; a query that cannot mean anything is a UsageError."""
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = False
    for m in _TOKEN.finditer(query):
        minus, phrase, closing, phrase_star, word, word_star = m.groups()
        star = phrase_star or word_star
        if phrase is not None and not closing:
            raise _error(query, "a quote is not closed", 'close it: "forced labour"')
        if word == "OR" and not minus and not star:
            if not groups or pending_or:
                raise _error(query, "OR needs a word on each side", "qatar OR gulf")
            pending_or = True
            continue
        text = phrase if phrase is not None else word
        if not _WORD.search(text):
            if pending_or:
                raise _error(query, "OR needs a word on each side", "qatar OR gulf")
            continue  # punctuation alone ("-", "&", "%"): nothing a word index holds
        term = Term(text, prefix=bool(star))
        if minus:
            if pending_or:
                raise _error(query, "OR cannot join an excluded word", "qatar OR gulf -vacancy")
            excluded.append(term)
        elif pending_or:
            groups[-1].append(term)
            pending_or = False
        else:
            groups.append([term])
    if pending_or:
        raise _error(query, "OR needs a word on each side", "qatar OR gulf")
    if not groups and not excluded:
        raise _error(query, "no words to look for", "search looks for words: " + EXAMPLES)
    return Search(tuple(tuple(g) for g in groups), tuple(excluded))


def _error(query: str, problem: str, example: str) -> UsageError:
    return UsageError(f"--search {query!r}: {problem}", hint=f"for example: {example}")
