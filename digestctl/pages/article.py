"""HTML page → the article's main text, as plain text and Markdown (pure).

Readability's idea, rebuilt on lexbor: score paragraph-like blocks by text length and
punctuation, add the scores to their ancestors, discount link-heavy containers, and keep
the best container with the sibling blocks that read like it. The page's own hints
(`<article>`, `<main>`, `itemprop=articleBody`, JSON-LD `articleBody`) are weighed as
evidence, never trusted blindly. Hostile markup costs bounded time: input is capped,
walks are depth-limited and every loop is over a bounded node list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["ArticleText", "extract_article", "extract_fragment", "fragment_ending"]

MAX_HTML_CHARS = 6_000_000  # bigger pages are read only this far
MAX_DEPTH = 160  # deeper nesting than this is read as flat text
MIN_ARTICLE_CHARS = 140  # less than this is "no article"
MAX_BLOCKS = 5000  # paragraphs, headings, items: a book chapter has fewer
MAX_NESTING = 256  # elements nested deeper are unwrapped before parsing
_NESTING_CHECK_TAGS = 4000  # pages with fewer tags cannot nest deep enough to hurt

_JUNK_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "math",
    "iframe",
    "object",
    "embed",
    "canvas",
    "button",
    "input",
    "select",
    "textarea",
    "option",
    "link",
    "meta",
    "dialog",
    "video",
    "audio",
    "map",
    "head",
]
_CHROME_TAGS = ("nav", "aside", "footer", "header", "menu")
_CHROME_ROLES = {
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "menu",
    "menubar",
    "search",
    "dialog",
    "alertdialog",
    "tablist",
}
_HINT_SELECTORS = (
    '[itemprop="articleBody"]',
    "article",
    '[role="main"]',
    "main",
)

_UNLIKELY_WORDS = (
    "-ad-", "advert", "ai2html", "banner", "breadcrumb", "combx", "comment", "community",
    "cookie", "consent", "cover-wrap", "disqus", "extra", "footer", "gdpr", "header",
    "legends", "menu", "related", "remark", "replies", "rss", "shoutbox", "sidebar",
    "skyscraper", "social", "sponsor", "supplemental", "agegate", "pagination", "pager",
    "popup", "modal", "overlay", "newsletter", "subscri", "signup", "sign-up", "share",
    "sharing", "promo", "outbrain", "taboola", "byline", "author-bio", "authorbio",
    "author-box", "authorbox", "about-the-author", "tag-list", "taglist", "recommend",
    "trending", "most-popular", "mostpopular", "read-next", "more-stories", "toolbar",
    "widget", "masthead", "paywall", "login", "print-only", "skip-link", "screen-reader",
    "sr-only", "visually-hidden", "hidden", "submitted", "rating", "copyright", "donate",
    "donation",
)  # fmt: skip
# One alternation of plain literals on lower-cased text: the fastest test re offers.
_UNLIKELY_LITERALS = re.compile(
    "|".join(re.escape(w) for w in sorted(_UNLIKELY_WORDS, key=len, reverse=True))
)
_UNLIKELY_TOKENS = frozenset({"ad", "ads", "tags", "nav"})
_NON_WORD_DASH = re.compile(r"[^\w-]+")
_MAYBE = re.compile(
    r"and|article|body|column|content|main|mathjax|shadow|entry",
    re.IGNORECASE,
)
_POSITIVE = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story|"
    r"prose|rich-?text|markdown",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(
    r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|foot|footer|"
    r"footnote|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|"
    r"sidebar|skyscraper|sponsor|shopping|tags|tool|widget|newsletter|cookie|social|byline|"
    r"author|caption-credit|recirc|teaser|nav",
    re.IGNORECASE,
)
# Short blocks that are page furniture in any of the languages editors read.
_FURNITURE = re.compile(
    r"^(advertisement|anzeige|publicité|publicidad|pubblicità|reklama|إعلان|广告|広告|"
    r"share( this)?( article| story| post)?|teilen|partager|compartir|condividi|sdílet|"
    r"(この(ニュース|記事)を)?シェア(する)?|ツイート|印刷|分享(到)?|打印|شارك|مشاركة|طباعة|"
    r"read more|weiterlesen|lire (la )?suite|leer más|leggi (anche|tutto)|číst dál|"
    r"related( articles| stories| posts)?|recommended|more from|you may also like|"
    r"sign up|subscribe|newsletter|follow us|skip to (main )?content|back to top|"
    r"print|email|comments?|\d+ comments?|tags?:?|topics?:?|loading\W*)\W*$",
    re.IGNORECASE,
)
_FURNITURE_SENTENCE = re.compile(
    r"(sign up (for|to) (our|the)|subscribe to (our|the)|our newsletter|"
    r"we use cookies|this (web)?site uses cookies|accept (all )?cookies|cookie (policy|settings)|"
    r"all rights reserved|©|copyright \d{4}|follow us on|share (this|on) (facebook|twitter|x)|"
    r"click here to|javascript (is )?(required|disabled)|enable javascript|"
    r"melden sie sich|abonnieren sie|inscrivez-vous|suscríbete|iscriviti alla|"
    r"read more:|related:|see also:|more:|also read:|lesen sie auch|à lire aussi|lee también|"
    r"leggi anche|appeared first on|the post .{1,200} appeared|comments (are )?closed|"
    r"trackbacks are|leave a (comment|reply)|kommentare geschlossen|"
    r"^(reading time|lesezeit|temps de lecture|tiempo de lectura|tempo di lettura)\b|"
    r"^\d+\s*(min|minutes?|minuten)( read| reading| lesezeit| de lecture)?\W*$)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?。！？]$")
_COMMAS = re.compile(r"[,،，、;；]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")
_NON_WORD = re.compile(r"[\W_]+")
_SPACE = re.compile(r"[ \t\r\n\f\u00a0\u200b\ufeff]+")
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "caption",
        "picture",
    }
)
_SCORED_TAGS = "p, pre, td, blockquote, li, dd, h2, h3, div, section, span, font, article"


@dataclass(frozen=True)
class ArticleText:
    """An article's main text: `text` plain (paragraphs separated by blank lines),
    `markdown` with headings, lists, links and emphasis."""

    text: str
    markdown: str

    @property
    def words(self) -> int:
        return len(self.text.split()) + len(_CJK.findall(self.text)) // 2


@dataclass
class _Block:
    kind: str  # p, h, li, quote, pre, table, caption, image
    text: str
    md: str
    level: int = 0


def _norm(text: str) -> str:
    if "\u200b" in text or "\ufeff" in text:
        text = text.replace("\u200b", "").replace("\ufeff", "")
    return " ".join(text.split())


def _weighted_len(text: str) -> int:
    # A CJK character carries about as much as a short word.
    return len(text) + 2 * len(_CJK.findall(text))


def _marks(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}".strip()


def _class_weight(node: LexborNode) -> int:
    marks = _marks(node)
    return _marks_weight(marks) if marks else 0


@lru_cache(maxsize=4096)
def _marks_weight(marks: str) -> int:
    weight = 0
    if _NEGATIVE.search(marks):
        weight -= 25
    if _POSITIVE.search(marks):
        weight += 25
    return weight


def _text(node: LexborNode) -> str:
    return _norm(node.text(deep=True, separator=" "))


def _link_density(node: LexborNode, text_len: int) -> float:
    """The share of node's text inside links (text_len: len of its raw text)."""
    if text_len == 0:
        return 0.0
    linked = 0.0
    for link in node.css("a"):
        length = len(link.text(deep=True))
        if length:
            # In-page anchors (footnotes, tables of contents) read as text.
            href = link.attributes.get("href") or ""
            linked += length * 0.3 if href.startswith("#") else length
    return min(1.0, linked / text_len)


# --- cleaning -----------------------------------------------------------------------------


def _is_hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = (attrs.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


_HIDDEN = ", ".join(
    [
        "[hidden]",
        '[aria-hidden="true"]',
        '[style*="display:none" i]',
        '[style*="display: none" i]',
        '[style*="visibility:hidden" i]',
        '[style*="visibility: hidden" i]',
    ]
)


def _remove_hidden(root: LexborNode) -> None:
    # remove() detaches without freeing, so nodes found inside a removed one stay valid.
    for node in root.css(_HIDDEN):
        if node.tag not in {"body", "html"}:
            node.remove()


class _Share:
    """Whether a node holds much of the page's text; the page's length is measured only
    when a node is long enough to ask (most furniture is a line or two)."""

    def __init__(self, root: LexborNode) -> None:
        self.root = root
        self.total = -1

    def over(self, node: LexborNode, share: float) -> bool:
        length = len(node.text(deep=True))
        if length < 300:
            return False
        if self.total < 0:
            self.total = len(self.root.text(deep=True))
        return length > self.total * share


def _remove_chrome(root: LexborNode, share: _Share, *, by_class: bool) -> None:
    for node in root.css(", ".join(_CHROME_TAGS) + ", [role]"):
        role = (node.attributes.get("role") or "").lower()
        if node.tag not in _CHROME_TAGS and role not in _CHROME_ROLES:
            continue
        # A header or footer wrapping most of the page is a layout box, not chrome.
        if node.tag in {"header", "footer"} and share.over(node, 0.4):
            continue
        if node.css_matches("article, main, [itemprop=articleBody]") and node.tag == "header":
            continue
        node.remove()
    if not by_class:
        return
    measured = 0
    for node in root.css("[class], [id]"):
        if node.tag in {"body", "html", "a", "article", "main", "table", "tbody", "tr", "td"}:
            continue
        marks = _marks(node)
        if not marks or not _unlikely(marks):
            continue
        measured += 1
        if measured > 20_000:
            break  # a page made of thousands of "sidebars" is hostile, not a layout
        if node.attributes.get("itemprop") == "articleBody" or _in_code(node):
            continue  # a highlighter's "token comment" is code, not a comment section
        if share.over(node, 0.5):
            continue
        node.remove()


@lru_cache(maxsize=4096)
def _unlikely(marks: str) -> bool:
    # An id made from a heading ("sharing-with-a-single-developer") names a section of
    # the text, whatever words it holds.
    lowered = " ".join(t for t in marks.lower().split() if t.count("-") < 3)
    if not _UNLIKELY_LITERALS.search(lowered):
        tokens = set(_NON_WORD_DASH.split(lowered))
        if tokens.isdisjoint(_UNLIKELY_TOKENS) and not lowered.startswith("ad-"):
            return False
    return not _MAYBE.search(lowered)


# --- scoring ------------------------------------------------------------------------------


_TAG_BONUS = {
    "div": 5,
    "article": 10,
    "section": 3,
    "main": 5,
    "pre": 3,
    "td": 3,
    "blockquote": 3,
    "address": -3,
    "ol": -3,
    "ul": -3,
    "dl": -3,
    "dd": -3,
    "dt": -3,
    "li": -3,
    "form": -3,
    "h1": -5,
    "h2": -5,
    "h3": -5,
    "h4": -5,
    "h5": -5,
    "h6": -5,
    "th": -5,
}


def _own_text(node: LexborNode) -> str:
    """The text of node outside its block-level children."""
    parts: list[str] = []
    for child in node.iter(include_text=True):
        if child.is_text_node:
            parts.append(child.text_content or "")
        elif child.tag not in _BLOCK_TAGS:
            parts.append(child.text(deep=True))
    return _norm(" ".join(parts))


def _has_own_text(node: LexborNode) -> bool:
    total = 0
    for child in node.iter(include_text=True):
        if child.is_text_node:
            total += len((child.text_content or "").strip())
            if total >= 20:
                return True
        elif child.tag in _BLOCK_TAGS:
            continue
        elif child.tag in {"a", "span", "em", "strong", "b", "i", "font"}:
            total += 5  # inline children of a text run; counted lightly
    return total >= 20


def _paragraphs(root: LexborNode) -> Iterator[tuple[LexborNode, str]]:
    for node in root.css(_SCORED_TAGS):
        tag = node.tag
        if tag in {"p", "pre", "blockquote", "dd"}:
            yield node, _text(node)
        elif tag == "td":
            # A cell's own text only: layout tables hold whole pages in one cell.
            yield node, _own_text(node)
        elif tag in {"li", "h2", "h3"}:
            continue
        elif _has_own_text(node):
            # A div or span holding text directly (with <br>s) is a paragraph too.
            text = _own_text(node)
            if len(text) >= 60:
                yield node, text


def _score(root: LexborNode, hints: set[int]) -> tuple[dict[int, float], dict[int, LexborNode]]:
    scores: dict[int, float] = {}
    nodes: dict[int, LexborNode] = {}
    for node, text in _paragraphs(root):
        length = _weighted_len(text)
        if length < 25:
            continue
        score = 1.0 + len(_COMMAS.findall(text)) + min(length / 100, 3.0)
        ancestor = node.parent if node.tag not in {"div", "span", "font", "section"} else node
        level = 0
        while ancestor is not None and level < 5 and ancestor.tag not in {"html", "#document"}:
            key = ancestor.mem_id
            if key not in scores:
                nodes[key] = ancestor
                scores[key] = float(_TAG_BONUS.get(ancestor.tag or "", 0) + _class_weight(ancestor))
            divider = 1 if level == 0 else 2 if level == 1 else level * 3
            scores[key] += score / divider
            ancestor = ancestor.parent
            level += 1
    # Link density costs a walk over the node's links: measure it only for nodes that
    # could matter (a weak node stays weak whatever its links).
    floor = max(scores.values(), default=0.0) * 0.05
    for key, node in nodes.items():
        if scores[key] < floor:
            continue
        text_len = len(node.text(deep=True))
        scores[key] *= 1.0 - _link_density(node, text_len)
        if key in hints:
            scores[key] *= 1.3
    return scores, nodes


def _hint_ids(root: LexborNode) -> set[int]:
    found: set[int] = set()
    for selector in _HINT_SELECTORS:
        nodes = root.css(selector)
        # One article on the page is a hint; twenty are a listing.
        if 0 < len(nodes) <= 2:
            found.update(node.mem_id for node in nodes)
    return found


def _pick_top(
    scores: dict[int, float], nodes: dict[int, LexborNode], body: LexborNode
) -> LexborNode:
    if not scores:
        return body
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)
    top = nodes[ranked[0]]
    top_score = scores[ranked[0]]
    # When several of the best candidates share an ancestor, the article is that
    # ancestor (a text split into several boxes).
    alternatives = [nodes[k] for k in ranked[1:6] if scores[k] >= top_score * 0.75]
    if len(alternatives) >= 2:
        ancestor = top.parent
        while ancestor is not None and ancestor.tag not in {"body", "html"}:
            holds = sum(1 for alt in alternatives if _contains(ancestor, alt))
            if holds >= 2:
                top = ancestor
                break
            ancestor = ancestor.parent
    # Climb while the parent scores about as well (the top is a part of it).
    parent = top.parent
    last = top_score
    while parent is not None and parent.tag not in {"body", "html"}:
        parent_score = scores.get(parent.mem_id)
        if parent_score is None:
            break
        if parent_score > last:
            top = parent
            break
        if parent_score < top_score / 3:
            break
        last = parent_score
        parent = parent.parent
    # A lone child with no siblings says nothing: its parent is the container.
    while (
        top.parent is not None
        and top.parent.tag not in {"body", "html"}
        and _element_children(top.parent) == 1
    ):
        top = top.parent
    return top


def _element_children(node: LexborNode) -> int:
    return sum(1 for child in node.iter() if child.tag not in {"br", "hr"})


def _contains(ancestor: LexborNode, node: LexborNode) -> bool:
    current: LexborNode | None = node
    steps = 0
    while current is not None and steps < MAX_DEPTH:
        if current.mem_id == ancestor.mem_id:
            return True
        current = current.parent
        steps += 1
    return False


def _gather(top: LexborNode, scores: dict[int, float]) -> list[LexborNode]:
    """The top container and the siblings that belong to the same text."""
    parent = top.parent
    if parent is None or top.tag == "body":
        return [top]
    top_score = scores.get(top.mem_id, 0.0)
    threshold = max(10.0, top_score * 0.2)
    top_marks = _marks(top)
    kept: list[LexborNode] = []
    for sibling in parent.iter():
        if sibling.mem_id == top.mem_id:
            kept.append(sibling)
            continue
        bonus = top_score * 0.2 if top_marks and _marks(sibling) == top_marks else 0.0
        if scores.get(sibling.mem_id, 0.0) + bonus >= threshold:
            kept.append(sibling)
        elif sibling.tag in {"p", "blockquote", "pre", "ul", "ol", "h2", "h3", "figure"}:
            text = _text(sibling)
            density = _link_density(sibling, len(sibling.text(deep=True)))
            if sibling.tag in {"h2", "h3"}:
                continue  # kept only between kept text (decided below)
            long_enough = _weighted_len(text) > 80 and density < 0.25
            a_sentence = 0 < len(text) <= 80 and density == 0 and _SENTENCE_END.search(text)
            if long_enough or a_sentence:
                kept.append(sibling)
    return kept


# --- conditional cleaning inside the article ----------------------------------------------


_CLEANED = frozenset({"ul", "ol", "div", "section", "table", "form", "figure", "dl", "p", "span"})


def _descendants(
    root: LexborNode, tags: frozenset[str], *, max_depth: int = 120, limit: int = 10_000
) -> list[LexborNode]:
    """root and its descendant elements with one of `tags`, in document order, at most
    `max_depth` levels down and `limit` of them: each is then measured by its text, which
    on hostile nesting would otherwise cost time quadratic in the depth."""
    found: list[LexborNode] = []
    stack: list[tuple[LexborNode, int]] = [(root, 0)]
    visited = 0
    while stack and visited < limit * 5:
        node, depth = stack.pop()
        visited += 1
        if node.tag in tags:
            found.append(node)
            if len(found) >= limit:
                break
        if depth < max_depth:
            children = [c for c in node.iter() if c.is_element_node]
            stack.extend((c, depth + 1) for c in reversed(children))
    return found


def _clean_inside(container: LexborNode) -> None:
    for node in _descendants(container, _CLEANED):
        if node.tag in {"p", "span"}:
            text = _text(node)
            furniture = text and len(text) < 160 and (_FURNITURE.match(text) or _is_furniture(text))
            if furniture and not _in_code(node):
                node.remove()
            continue
        text = _text(node)
        length = len(text)
        if length == 0:
            if node.tag not in {"figure", "div", "p"} or not node.css_first("img"):
                node.remove()
            continue
        if _FURNITURE.match(text):
            node.remove()
            continue
        if node.tag == "figure":
            continue
        weight = _class_weight(node)
        density = _link_density(node, length)
        commas = len(_COMMAS.findall(text))
        if (
            (weight < 0 and length < 1000)
            or (density > 0.5 and length < 2500)
            or (commas < 10 and weight < 25 and density > 0.3 and length < 1200)
            or (length < 200 and _is_furniture(text))
        ):
            node.remove()


_FURNITURE_HINTS = (
    "sign up", "subscribe", "newsletter", "cookie", "rights reserved", "©", "copyright",
    "follow us", "share ", "click here", "javascript", "melden sie", "abonnieren",
    "inscrivez", "suscríbete", "iscriviti", "read more", "related:", "see also", "more:",
    "also read", "lesen sie", "à lire", "lee también", "leggi anche", "appeared",
    "closed", "trackback", "leave a", "geschlossen", "reading time", "lesezeit", "lecture",
    "lettura", " min",
)  # fmt: skip


def _is_furniture(text: str) -> bool:
    lowered = text.lower()
    # Substring tests first: the regex is slow, and most paragraphs have none of these.
    if not any(hint in lowered for hint in _FURNITURE_HINTS):
        return False
    return bool(_FURNITURE_SENTENCE.search(text))


# --- rendering ----------------------------------------------------------------------------


_MD_SPECIAL = re.compile(r"[\\`*_\[\]]")
_MD_ESCAPE = re.compile(r"([\\`*_\[\]])")


def _md_escape(text: str) -> str:
    if not _MD_SPECIAL.search(text):
        return text
    return _MD_ESCAPE.sub(r"\\\1", text)


class _Renderer:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.blocks: list[_Block] = []
        self._plain: list[str] = []
        self._md: list[str] = []
        self._list_depth = 0

    # inline text accumulates until a block boundary
    def flush(self, kind: str | None = None, level: int = 0) -> None:
        plain = _norm_lines("".join(self._plain))
        md = _norm_lines("".join(self._md))
        self._plain.clear()
        self._md.clear()
        if plain:
            self.blocks.append(_Block(kind or "p", plain, md, level))

    def add_text(self, text: str, *, pre: bool = False) -> None:
        if not pre:
            text = _SPACE.sub(" ", text)
        self._plain.append(text)
        self._md.append(text if pre else _md_escape(text))

    def walk(self, node: LexborNode, depth: int = 0) -> None:
        if len(self.blocks) > MAX_BLOCKS:
            raise _Full
        if depth > MAX_DEPTH:
            self.add_text(" " + node.text(deep=True, separator=" ") + " ")
            return
        for child in node.iter(include_text=True):
            if child.is_text_node:
                self.add_text(child.text_content or "")
                continue
            tag = child.tag or ""
            if tag.startswith("-"):
                continue
            self.element(child, tag, depth + 1)

    def element(self, node: LexborNode, tag: str, depth: int) -> None:
        if tag == "br":
            self._plain.append("\n")
            self._md.append("  \n")
            return
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.flush()
            # Less a permalink anchor at the end ("Usage #", "Usage ¶").
            text = _text(node).rstrip(" #¶§")
            if text:
                self.blocks.append(_Block("h", text, _md_escape(text), int(tag[1])))
            return
        if tag in {"ul", "ol"}:
            self.flush()
            self._list_depth += 1
            number = 0
            for item in node.iter():
                if item.tag != "li":
                    self.walk(item, depth)
                    self.flush()
                    continue
                number += 1
                self.walk(item, depth)
                plain = _norm_lines("".join(self._plain))
                md = _norm_lines("".join(self._md))
                self._plain.clear()
                self._md.clear()
                if plain:
                    marker = f"{number}." if tag == "ol" else "-"
                    self.blocks.append(_Block("li", plain, f"{marker} {md}", self._list_depth - 1))
            self._list_depth -= 1
            return
        if tag == "pre":
            self.flush()
            code = _pre_text(node).strip("\n")
            if code.strip():
                self.blocks.append(_Block("pre", code, f"```\n{code}\n```"))
            return
        if tag == "blockquote":
            self.flush()
            start = len(self.blocks)
            self.walk(node, depth)
            self.flush()
            for block in self.blocks[start:]:
                block.md = "\n".join("> " + line for line in block.md.split("\n"))
            return
        if tag == "table" and self._is_data_table(node):
            self.flush()
            self.table(node)
            return
        if tag == "img":
            alt = _norm(node.attributes.get("alt") or "")
            if len(alt.split()) >= 3 and not self._has_caption(node):
                self.flush()
                src = urljoin(self.base_url, node.attributes.get("src") or "")
                self.blocks.append(
                    _Block("image", f"[Image: {alt}]", f"![{_md_escape(alt)}]({src})")
                )
            return
        if tag == "figcaption" or (tag == "caption" and node.parent is not None):
            self.flush()
            text = _text(node)
            if text:
                self.blocks.append(_Block("caption", text, f"*{_md_escape(text)}*"))
            return
        if tag in _BLOCK_TAGS:
            self.flush()
            self.walk(node, depth)
            self.flush()
            return
        if tag == "a":
            href = node.attributes.get("href") or ""
            start_md = len(self._md)
            self.walk(node, depth)
            inner = "".join(self._md[start_md:]).strip()
            if inner and href and not href.startswith(("#", "javascript:")):
                target = urljoin(self.base_url, href)
                del self._md[start_md:]
                self._md.append(f"[{inner}]({target.replace(')', '%29').replace(' ', '%20')})")
            return
        if tag in {"em", "i", "strong", "b", "code"}:
            start_md = len(self._md)
            self.walk(node, depth)
            inner = "".join(self._md[start_md:])
            stripped = inner.strip()
            if stripped and "\n" not in stripped:
                mark = {"em": "*", "i": "*", "code": "`"}.get(tag, "**")
                if tag == "code":
                    stripped = stripped.replace("\\", "")
                lead = " " if inner[:1].isspace() else ""
                trail = " " if inner[-1:].isspace() else ""
                del self._md[start_md:]
                self._md.append(f"{lead}{mark}{stripped}{mark}{trail}")
            return
        self.walk(node, depth)

    def _has_caption(self, node: LexborNode) -> bool:
        current = node.parent
        for _ in range(3):
            if current is None:
                return False
            if current.tag == "figure":
                return current.css_first("figcaption") is not None
            current = current.parent
        return False

    def _is_data_table(self, node: LexborNode) -> bool:
        # css() matches the table itself too: a nested table makes a second match.
        if len(node.css("table")) > 1 or node.css_first("p, ul, ol, pre") is not None:
            return False
        cells = node.css("td, th")
        if len(cells) < 2:
            return False
        return max(len(_text(cell)) for cell in cells) < 400

    def table(self, node: LexborNode) -> None:
        rows: list[list[str]] = []
        for row in node.css("tr")[:500]:
            cells = [_text(cell) for cell in row.iter() if cell.tag in {"td", "th"}]
            if any(cells):
                rows.append(cells)
        caption = node.css_first("caption")
        if caption is not None and (text := _text(caption)):
            self.blocks.append(_Block("caption", text, f"*{_md_escape(text)}*"))
        if not rows:
            return
        width = max(len(r) for r in rows)
        plain = "\n".join(" | ".join(c for c in r if c) for r in rows)
        padded = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(_md_escape(c).replace("|", "\\|") for c in padded[0]) + " |"]
        lines.append("|" + " --- |" * width)
        lines.extend(
            "| " + " | ".join(_md_escape(c).replace("|", "\\|") for c in r) + " |"
            for r in padded[1:]
        )
        self.blocks.append(_Block("table", plain, "\n".join(lines)))


def _pre_text(node: LexborNode) -> str:
    """Preformatted text as written: highlighters break lines with <br> as often as with
    newlines."""
    parts: list[str] = []
    for part in node.traverse(include_text=True):
        if part.is_text_node:
            parts.append(part.text_content or "")
        elif part.tag == "br":
            parts.append("\n")
    return "".join(parts)


def _in_code(node: LexborNode) -> bool:
    current = node.parent
    for _ in range(8):
        if current is None:
            return False
        if current.tag in {"pre", "code"}:
            return True
        current = current.parent
    return False


def _norm_lines(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


# --- JSON-LD ------------------------------------------------------------------------------


def _ld_article_body(tree: LexborHTMLParser) -> str | None:
    best: str | None = None
    for node in tree.css('script[type="application/ld+json"]')[:20]:
        raw = node.text(deep=True).strip()
        if "articleBody" not in raw or len(raw) > 2_000_000:
            continue
        try:
            data = json.JSONDecoder(strict=False).raw_decode(raw)[0]
        except (ValueError, RecursionError):
            continue
        for body in _find_key(data, "articleBody", depth=0):
            if best is None or len(body) > len(best):
                best = body
    if best is None:
        return None
    if "<" in best and ">" in best:
        best = LexborHTMLParser(best).text(separator="\n") or ""
    return best.strip() or None


def _find_key(data: object, key: str, depth: int) -> Iterator[str]:
    if depth > 6:
        return
    if isinstance(data, dict):
        value = data.get(key)
        if isinstance(value, str):
            yield value
        for inner in data.values():
            if isinstance(inner, dict | list):
                yield from _find_key(inner, key, depth + 1)
    elif isinstance(data, list):
        for inner in data[:50]:
            yield from _find_key(inner, key, depth + 1)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


# --- the whole ----------------------------------------------------------------------------


class _Full(Exception):
    """The article has as many blocks as any article has: the rest is not read."""


def _render(nodes: list[LexborNode], base_url: str) -> list[_Block]:
    renderer = _Renderer(base_url)
    try:
        for node in nodes:
            renderer.element(node, node.tag or "div", 0)
        renderer.flush()
    except _Full:
        pass
    return renderer.blocks


def _tidy(blocks: list[_Block], title: str | None) -> list[_Block]:
    title_key = _key(title) if title else None
    out: list[_Block] = []
    seen: set[str] = set()
    for block in blocks:
        # Long blocks are compared as they are; short ones without punctuation and case.
        key = _key(block.text) if len(block.text) < 300 else block.text
        if not key:
            continue
        headline = block.kind == "h" and title_key and (key == title_key or key in title_key)
        if headline and not any(b.kind != "h" for b in out):
            continue  # the headline itself: shown apart from the text
        if block.kind in {"p", "caption"} and _is_label(block.text):
            continue
        if block.kind in {"p", "caption"} and len(block.text) < 200:
            if _FURNITURE.match(block.text) or (
                len(block.text) < 120 and _is_furniture(block.text)
            ):
                continue
            if key in seen and len(block.text) > 20:
                continue
        seen.add(key)
        out.append(block)
    # Headings left with no text after them are the start of the furniture.
    while out and out[-1].kind == "h":
        out.pop()
    return out


def _is_label(text: str) -> bool:
    """Page furniture that survived cleaning: a bare number ("3" of a gallery), or a short
    label in capitals ("HIDE CAPTION", "STORY HIGHLIGHTS")."""
    if not any(ch.isalpha() for ch in text):
        return len(text) < 12
    words = text.split()
    return len(words) <= 4 and text.isupper() and not _SENTENCE_END.search(text)


def _key(text: str) -> str:
    return _NON_WORD.sub("", text.lower())


def _join(blocks: list[_Block]) -> ArticleText:
    plain: list[str] = []
    md: list[str] = []
    for block in blocks:
        plain.append(block.text)
        if block.kind == "h":
            md.append("#" * max(2, min(block.level, 6)) + " " + block.md)
        elif block.kind == "li":
            indent = "  " * block.level
            md.append(indent + block.md)
        else:
            md.append(block.md)
    # Consecutive list items read as one list in Markdown.
    pieces: list[str] = []
    for index, (chunk, block) in enumerate(zip(md, blocks, strict=True)):
        if index:
            tight = block.kind == "li" and blocks[index - 1].kind == "li"
            pieces.append("\n" if tight else "\n\n")
        pieces.append(chunk)
    return ArticleText(text="\n\n".join(plain), markdown="".join(pieces))


def _title(tree: LexborHTMLParser) -> str | None:
    for selector in ('meta[property="og:title"]', "title"):
        node = tree.css_first(selector)
        if node is None:
            continue
        value = node.attributes.get("content") if node.tag == "meta" else node.text()
        if value and value.strip():
            return value.strip()
    return None


def _extract_once(
    tree: LexborHTMLParser, base_url: str, *, strict: bool
) -> tuple[list[_Block], str | None]:
    title = _title(tree)
    body = tree.body
    if body is None:
        return [], title
    tree.strip_tags(_JUNK_TAGS)
    share = _Share(body)
    _remove_hidden(body)
    _remove_chrome(body, share, by_class=strict)
    hints = _hint_ids(body)
    scores, nodes = _score(body, hints)
    top = _pick_top(scores, nodes, body)
    kept = _gather(top, scores)
    for node in kept:
        _clean_inside(node)
    return _tidy(_render(kept, base_url), title), title


def _chars(blocks: list[_Block]) -> int:
    return sum(_weighted_len(b.text) for b in blocks if b.kind != "h")


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
# Void elements have no content; the others may omit their end tag and are closed by the
# parser, so neither says anything about depth.
_NO_DEPTH = frozenset(
    {
        *("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"),
        *("source", "track", "wbr", "param", "keygen", "p", "li", "dt", "dd", "tr", "td"),
        *("th", "option", "optgroup", "tbody", "thead", "tfoot", "colgroup", "rt", "rp"),
    }
)


def _limit_nesting(html: str) -> str:
    """html with the start and end tags of elements nested deeper than MAX_NESTING taken
    out (their text stays). The HTML tree builder spends time quadratic in nesting depth
    (every start tag looks through the stack of open elements), so a page of 100,000
    nested divs would take minutes; real pages nest a few dozen deep."""
    if html.count("<") < _NESTING_CHECK_TAGS:
        return html
    depth = dropped = 0
    cuts: list[tuple[int, int]] = []
    for match in _TAG.finditer(html):
        if match.group(2).lower() in _NO_DEPTH:
            continue
        closing = bool(match.group(1))
        if closing and dropped:
            dropped -= 1
        elif closing:
            depth = max(0, depth - 1)
            continue
        elif depth < MAX_NESTING:
            depth += 1
            continue
        else:
            dropped += 1
        end = html.find(">", match.end())
        cuts.append((match.start(), len(html) if end < 0 else end + 1))
    if not cuts:
        return html
    parts, position = [], 0
    for start, end in cuts:
        if start >= position:
            parts.append(html[position:start])
            position = end
    parts.append(html[position:])
    return "".join(parts)


def extract_article(html: str, url: str = "") -> ArticleText | None:
    """The main text of the page `html` (served at `url`), or None when it holds no
    article (a listing, a login wall, a page built by scripts)."""
    html = _limit_nesting(html[:MAX_HTML_CHARS])
    tree = LexborHTMLParser(html)
    ld_body = _ld_article_body(tree) if "articleBody" in html else None
    blocks, _ = _extract_once(tree, url, strict=True)
    if _chars(blocks) < 500:
        # Readability's retry: the class-name cleaning may have taken the article with it.
        retry, _ = _extract_once(LexborHTMLParser(html), url, strict=False)
        if _chars(retry) > _chars(blocks) * 1.5:
            blocks = retry
    if ld_body is not None and len(ld_body) >= 200:
        ld_words = _words(ld_body)
        got = _words("\n".join(b.text for b in blocks))
        recall = len(ld_words & got) / len(ld_words) if ld_words else 1.0
        if recall < 0.6:
            paragraphs = [_norm(p) for p in re.split(r"\n\s*\n|\n", ld_body) if _norm(p)]
            blocks = [_Block("p", p, _md_escape(p)) for p in paragraphs]
    if _chars(blocks) < MIN_ARTICLE_CHARS:
        return None
    return _join(blocks)


def extract_fragment(html: str, url: str = "") -> ArticleText | None:
    """A feed entry's body, which is the article already: cleaned of furniture (share
    bars, "The post … appeared first on …") and rendered, without choosing a container."""
    tree = LexborHTMLParser(_limit_nesting(html[:MAX_HTML_CHARS]))
    body = tree.body
    if body is None:
        return None
    tree.strip_tags(_JUNK_TAGS)
    _remove_hidden(body)
    _remove_chrome(body, _Share(body), by_class=True)
    _clean_inside(body)
    blocks = _tidy(_render([body], url), None)
    return _join(blocks) if blocks else None


def fragment_ending(html: str, chars: int = 160) -> str:
    """The last `chars` characters of a feed body's text, before any cleaning: where a
    teaser says "Read more" (which cleaning would take away)."""
    tree = LexborHTMLParser(_limit_nesting(html[:MAX_HTML_CHARS]))
    body = tree.body
    if body is None:
        return ""
    tree.strip_tags(_JUNK_TAGS)
    return _norm(body.text(deep=True, separator=" "))[-chars:]
