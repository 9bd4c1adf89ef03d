"""Who wrote an article: JSON-LD authors, author <meta> tags and bylines on the page (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from selectolax.lexbor import LexborNode

from digestctl.pages.evidence import ARTICLE_TYPES, PAGE_TYPES, Page
from digestctl.pages.html import clean_value, in_chrome

# --- author -----------------------------------------------------------------------------

_BY = re.compile(
    r"^(?:(?:written|posted|published|words|text|story|report(?:ed)?)\s+by|by|von|par|por|di|"
    r"door|av|af|autor(?:in)?|author|auteur)\b\s*:?\s*",
    re.I,
)
_BYLINE_SEPARATORS = re.compile(r"\s+[-|•·–—/]\s+|\s*\n\s*|\s{3,}")
_NAME_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bund\b|\bet\b|\by\b|&)\s*", re.I)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_NOT_NAMES = frozenset(
    {"admin", "administrator", "root", "user", "guest", "anonymous", "staff", "editor", "author"}
)
_AUTHOR_CHROME = re.compile(
    r"(?:^|[\s_-])(?:comments?|reply|replies|respond|related|recent|widget|sidebar|"
    r"follow)(?:$|[\s_-])",
    re.I,
)


def _clean_author(raw: str) -> str | None:
    text = _EMAIL.sub("", clean_value(raw))
    segments = [s.strip(" ,;:|()[]") for s in _BYLINE_SEPARATORS.split(text)]
    # "Dan Goodin - Apr 16, 2015 8:02 pm UTC": the name is the part without digits.
    names = [s for s in (_BY.sub("", s).strip(" ,;:|") for s in segments) if s]
    names = [s for s in names if not any(ch.isdigit() for ch in s)]
    if not names:
        return None
    text = names[0]
    if "://" in text or text.startswith("@") or len(text) > 100:
        return None
    parts = [n for n in _NAME_SPLIT.split(text) if n]
    if not parts or any(len(p.split()) > 5 or sum(c.isalpha() for c in p) < 2 for p in parts):
        return None
    if text.casefold() in _NOT_NAMES:
        return None
    return text


def _join_names(raws: Iterable[str]) -> str | None:
    names = [n for n in (_clean_author(raw) for raw in raws) if n]
    return ", ".join(dict.fromkeys(names)) or None


def extract_author(page: Page) -> str | None:
    for obj in page.ld_of_types(ARTICLE_TYPES) + page.ld_of_types(PAGE_TYPES):
        if found := _join_names(page.ld_names(obj.get("author") or obj.get("creator"))):
            return found
    for key in (
        "dc.creator",
        "dcterms.creator",
        "author",
        "article:author",
        "parsely-author",
        "sailthru.author",
        "citation_author",
        "byl",
    ):
        if (values := page.meta.get(key)) and (found := _join_names(values)):
            return found
    # The strongest kind of byline first.
    nodes = [node for node in page.marked_nodes() if _byline_rank(node) < 4]
    for _, node in sorted(enumerate(nodes[:60]), key=lambda pair: (_byline_rank(pair[1]), pair[0])):
        if in_chrome(node, _AUTHOR_CHROME):
            continue
        name = node.css_first("[itemprop=name], [class*=name i]")
        target = name if name is not None and name.mem_id != node.mem_id else node
        content = target.attributes.get("content")
        raw = content if content else target.text(deep=True, separator="\n")
        if len(raw) < 300 and (found := _clean_author(raw)):
            return found
    return None


def _byline_rank(node: LexborNode) -> int:
    attrs = node.attributes
    if "author" in (attrs.get("itemprop") or "").lower().split():
        return 0
    if "author" in (attrs.get("rel") or "").lower().split():
        return 1
    classes = (attrs.get("class") or "").lower()
    return 2 if "byline" in classes else 3 if "author" in classes else 4
