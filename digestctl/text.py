"""Clean text from feeds and pages: HTML to text, boilerplate, truncation (pure).

Every function takes untrusted input and never raises on it.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Sequence

from digestctl.dates import parse_date as parse_date  # dates were born here; callers import them

# --- HTML to text -------------------------------------------------------------------------

# Elements whose content is never prose.
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "embed",
    "svg",
    "select",
    "textarea",
    "button",
    "head",
    "title",
)
# Share/related-post widgets that feed generators append to every entry.
_WIDGET_CLASSES = (
    "sharedaddy",
    "sd-sharing",
    "sd-like",
    "jp-relatedposts",
    "addtoany",
    "a2a_kit",
    "share-buttons",
    "social-share",
    "shareaholic",
    "feedflare",
    "wp-block-social-links",
    "screen-reader-text",
)
_WIDGET_SELECTOR = ", ".join(f'[class*="{name}"]' for name in _WIDGET_CLASSES)
_CLASS_ATTRIBUTE = re.compile(r"""class\s*=\s*["']?([^"'>]*)""")
# A "Continue reading <title>" link: the WordPress more-link and its relatives.
_MORE_LINK_TEXT = re.compile(
    r"\W*(?:(?:continue reading|read more|read the (?:full|rest)|keep reading|full story)\b"
    r"|more\W*$)",
    re.IGNORECASE,
)
# Elements that start a new line: their text must not run into their neighbours'.
_BLOCK_ELEMENTS = frozenset(
    {
        *("p", "div", "br", "hr", "li", "ul", "ol", "dl", "dt", "dd", "pre", "blockquote"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td", "th", "img", "main"),
        *("section", "article", "header", "footer", "figure", "figcaption", "aside", "nav"),
        "address",
    }
)
_MORE_LINK_HINTS = ("more", "continue reading", "keep reading", "read the", "full story")
_TAG_LIKE = re.compile(r"<[A-Za-z/!?]")
_ENTITY_LIKE = re.compile(r"&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);?")
# C0/C1 controls (whitespace ones are handled by str.split), lone surrogates (a broken JSON
# feed), soft hyphens, zero-width spaces and BOMs.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x9f\ud800-\udfff\u00ad\u200b\ufeff]")
# C1 controls in text are Windows-1252's printable characters read as ISO-8859-1
# ("don\x92t"): they are given back their Windows-1252 meaning, as feedparser does.
_C1_AS_WINDOWS_1252 = {
    chr(code): bytes([code]).decode("cp1252")
    for code in range(0x80, 0xA0)
    if code not in {0x81, 0x8D, 0x8F, 0x90, 0x9D}
}


def _visible(text: str) -> str:
    """`text` without invisible characters, C1 controls read as Windows-1252."""
    return _INVISIBLE.sub(_invisible_replacement, text)


def _invisible_replacement(match: re.Match[str]) -> str:
    return _C1_AS_WINDOWS_1252.get(match.group(0), "")


_MAX_PASSES = 3
# Many fragments are cleaned as one HTML document, joined by a control character XML text
# never holds (and clean text never keeps) — unless one of them holds markup whose
# effect could reach into the next: raw text elements, tables, forms, foreign content.
_BATCH_SEPARATOR = "\x01"
_TAG_NAME = re.compile(r"</?([A-Za-z!?][A-Za-z0-9]*)")
_UNBATCHABLE_TAGS = frozenset(
    {
        *_DROP_TAGS,
        *("plaintext", "xmp", "noembed", "noframes", "frameset", "frame", "html", "body"),
        *("table", "caption", "colgroup", "col", "tbody", "thead", "tfoot", "tr", "td", "th"),
        *("form", "option", "optgroup", "datalist", "image", "isindex"),
    }
)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (or of plain text with entities).

    Entities decoded, tags, scripts and share widgets dropped, block elements separated by
    a space, whitespace collapsed, control characters removed. Markup that is all escaped
    (a common feed bug: "&lt;p&gt;Hello&lt;/p&gt;") is decoded again; markup escaped inside
    real markup is the text a reader sees ("<code>&lt;br&gt;</code>" reads "<br>").
    """
    return _to_text(html, drop_more_links=False)


def clean_title(raw: str) -> str:
    """A title as one clean line of text."""
    return _to_text(raw, drop_more_links=False)


def clean_titles(raws: Sequence[str]) -> list[str]:
    """`clean_title` of each of `raws`: the same result, faster for a feed's worth."""
    return _to_texts(raws, drop_more_links=False)


def _to_texts(markups: Sequence[str], *, drop_more_links: bool) -> list[str]:
    """`_to_text` of each markup, parsing them as one document when that is safe; the
    ones that need a second pass get the one-by-one treatment."""
    if len(markups) < 2:
        return [_to_text(markup, drop_more_links=drop_more_links) for markup in markups]
    joined = _BATCH_SEPARATOR.join(markups)
    names = _tag_names(joined)
    if not _batchable(joined, len(markups), names):
        return [_to_text(markup, drop_more_links=drop_more_links) for markup in markups]
    text = joined
    if _TAG_LIKE.search(joined):
        text = _parse_html_text(joined, names, drop_more_links=drop_more_links)
    elif "&" in joined:
        text = html.unescape(joined)  # never yields the separator: &#1; decodes to ""
    parts = text.split(_BATCH_SEPARATOR)
    if len(parts) != len(markups):  # markup swallowed a separator after all
        return [_to_text(markup, drop_more_links=drop_more_links) for markup in markups]
    lines = []
    for markup, part in zip(markups, parts, strict=True):
        line = _one_line(part)
        if _TAG_LIKE.search(line) or _ENTITY_LIKE.search(line):  # escaped twice
            line = _to_text(markup, drop_more_links=drop_more_links)
        lines.append(line)
    return lines


def _tag_names(markup: str) -> set[str]:
    return {name.lower() for name in set(_TAG_NAME.findall(markup))}


def _batchable(joined: str, count: int, names: set[str]) -> bool:
    if joined.count(_BATCH_SEPARATOR) != count - 1:
        return False
    return not any(name[0] in "!?" or name in _UNBATCHABLE_TAGS for name in names)


def _to_text(markup: str, *, drop_more_links: bool) -> str:
    text = _visible(markup)  # first, so that "<\x08p>" cannot become a tag
    for _ in range(_MAX_PASSES):
        if _TAG_LIKE.search(text):
            text = _parse_html_text(text, _tag_names(text), drop_more_links=drop_more_links)
            # Markup escaped inside real markup is text a reader sees ("<code>&lt;br
            # /&gt;</code>" shows "<br />"); only entities escaped twice ("&amp;#8217;", a
            # common feed bug) are decoded again, but for "&lt;" and "&gt;", which say
            # what they mean ("Use &amp;lt;br&amp;gt;" in escaped content).
            if "&" in text:
                text = _ENTITY_LIKE.sub(_unescape_but_brackets, text)
            break
        if "&" not in text:
            break
        text = html.unescape(text)
        if not _TAG_LIKE.search(text) and not _ENTITY_LIKE.search(text):
            break
    else:
        # Deeper escaping than that is hostile: defuse what is left rather than loop on it.
        text = _TAG_LIKE.sub(lambda m: "< " + m.group(0)[1:], text)
    return _one_line(text)


def _unescape_but_brackets(match: re.Match[str]) -> str:
    reference = match.group(0)
    if reference[1:3].lower() in ("lt", "gt"):
        return reference
    return html.unescape(reference)


def text_line(text: str) -> str:
    """Plain text (not markup: "<blink>" is five letters and brackets) as one clean line."""
    return _one_line(_visible(text))


def _one_line(text: str) -> str:
    """`text` without invisible characters, each run of whitespace one space."""
    if text.isprintable():
        # No invisible character and no whitespace but the space (a fast C check): the
        # usual case, where str.replace is several times faster than a regex and a split.
        while "  " in text:
            text = text.replace("  ", " ")
        return text.strip(" ")
    return " ".join(_visible(text).split())


def _has_widget(markup: str) -> bool:
    return any(
        name in value for value in set(_CLASS_ATTRIBUTE.findall(markup)) for name in _WIDGET_CLASSES
    )


def _parse_html_text(markup: str, names: set[str], *, drop_more_links: bool) -> str:
    """The text of `markup`, whose (lower-case) tag names are `names`."""
    from selectolax.lexbor import LexborHTMLParser

    if blocks := names & _BLOCK_ELEMENTS:
        # A space where a block starts or ends, so that "<p>a</p><p>b</p>" reads "a b".
        markup = re.sub(rf"<(?=/?(?i:{'|'.join(sorted(blocks))})\b)", " <", markup)
    tree = LexborHTMLParser(markup)
    if dropped := names.intersection(_DROP_TAGS):
        tree.strip_tags(sorted(dropped))
    if _has_widget(markup):
        for node in tree.css(_WIDGET_SELECTOR):
            node.decompose()
    lower = markup.lower() if drop_more_links and "a" in names else ""
    if any(hint in lower for hint in _MORE_LINK_HINTS):
        for link in tree.css('a[class*="more-link"]'):
            link.decompose()
        for link in tree.css("a"):
            if _MORE_LINK_TEXT.match(link.text()):
                link.decompose()
    root = tree.root
    return root.text(deep=True, separator="", strip=False) if root is not None else ""


# --- Summaries ----------------------------------------------------------------------------

_ELLIPSIS = "…"
_SOURCE_CUTS = ("[…]", "[...]", "…", "...")
# Trailing boilerplate: a lower-case marker, and the pattern that must run from the marker
# to the end of the text. Found with str.find rather than one big regex: a summary is
# checked in microseconds.
_BOILERPLATE = tuple(
    (marker, re.compile(pattern, re.IGNORECASE | re.DOTALL))
    for marker, pattern in (
        ("the post ", r"the post .{1,400}? (?:first )?appeared (?:first )?on .{1,200}?\.?\s*"),
        (
            "this ",
            r"this (?:article|post|story) (?:was )?(?:first|originally) (?:appeared|published)"
            r" (?:on|in|at) .{1,200}?\.?\s*",
        ),
        ("submitted by", r"submitted by /?u/\S+(?: \[link\])?(?: \[comments?\])?\s*"),
        ("continue reading", r"continue reading\b[^.!?]{0,120}?\W*"),
        ("keep reading", r"keep reading\b[^.!?]{0,120}?\W*"),
        ("read more", r"read more\b[^.!?]{0,60}?\W*"),
        ("read the ", r"read the (?:full|rest|whole)\b[^.!?]{0,80}?\W*"),
        ("full story", r"full story\b[^.!?]{0,60}?\W*"),
        ("(more", r"\(more[.…]*\)\s*"),
        ("share this", r"share this\s*:.{0,300}"),
        ("like this", r"like this\s*:.{0,300}"),
        ("related", r"related(?: posts| articles| stories)?\s*:.{0,300}"),
    )
)
_BOILERPLATE_WINDOW = 800
# How much of a long HTML body (times the summary's length) is read for its summary.
_SUMMARY_HEAD = 20
# A sentence ends at . ! ? … (possibly closed by quotes or brackets) before a space and
# something that can start a sentence; CJK full stops need no space.
_SENTENCE_MARKS = ".!?…。！？"
_SENTENCE_END = re.compile(
    r"""[.!?…。！？](?:(?<=[。！？])[。！？]*|[.!?…]*["'”’»)\]]*(?=\s+["'“‘«(\[]?[\w¿¡]))"""
)
# "Dr. Smith", "U.S. officials", "J. Doe", "Jan. 5": a full stop that ends no sentence.
_ABBREVIATIONS = (
    *("Mr", "Mrs", "Ms", "Dr", "Prof", "Sr", "Jr", "St", "Mt", "vs", "etc", "e.g", "i.e"),
    *("cf", "al", "approx", "No", "Nos", "Inc", "Ltd", "Co", "Corp", "Gen", "Sen", "Rep"),
    *("Gov", "Lt", "Col", "Capt", "Sgt", "Rev", "Hon", "Jan", "Feb", "Mar", "Apr", "Jun"),
    *("Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "a.m", "p.m", "U.S", "U.K", "U.N"),
    "E.U",
)
_ABBREVIATION = re.compile(rf"(?:\b(?:{'|'.join(map(re.escape, _ABBREVIATIONS))})|\b[A-Z])\.$")


def clean_summary(raw: str, max_chars: int = 300) -> str:
    """A summary: clean text of `raw` (HTML or text), boilerplate removed, at most three
    sentences and `max_chars` characters, cut at a sentence boundary and never mid-word."""
    # A whole article's HTML may come in; its first sentences are all we need.
    if len(raw) > _SUMMARY_HEAD * max(max_chars, 1):
        text = _to_text(raw[: _SUMMARY_HEAD * max(max_chars, 1)], drop_more_links=True)
        if len(text) > 2 * max_chars:
            # Drop the word or entity the cut may have split.
            return truncate_sentences(text[: text.rfind(" ")], max_chars, max_sentences=3)
    text = _to_text(raw, drop_more_links=True)
    return _summary_of_text(_strip_boilerplate(text, _boilerplate_in(text)), max_chars)


def clean_text_summary(text: str, max_chars: int = 300) -> str:
    """`clean_summary` of plain text (not markup: its "<b>" and "&amp;" are literal)."""
    line = text_line(text)
    return _summary_of_text(_strip_boilerplate(line, _boilerplate_in(line)), max_chars)


def clean_summaries(raws: Sequence[str], max_chars: int = 300) -> list[str]:
    """`clean_summary` of each of `raws`: the same result, faster for a feed's worth."""
    head = _SUMMARY_HEAD * max(max_chars, 1)
    short = [raw for raw in raws if len(raw) <= head]
    texts = iter(_strip_boilerplates(_to_texts(short, drop_more_links=True)))
    return [
        _summary_of_text(next(texts), max_chars)
        if len(raw) <= head
        else clean_summary(raw, max_chars)
        for raw in raws
    ]


def _summary_of_text(text: str, max_chars: int) -> str:
    """The summary of clean text (one line, as `_to_text` makes it), boilerplate gone."""
    # The source cut this text itself ("… […]"): keep whole sentences if there are any.
    if text.endswith(_SOURCE_CUTS):
        for cut in _SOURCE_CUTS:
            text = text.removesuffix(cut)
        text = text.rstrip()
        ends = _sentence_ends(text, len(text))
        if ends:
            # The text up to its last sentence end has the same sentence ends but that one.
            return _truncate(text[: ends[-1]], max_chars, 3, ends[:-1])
        if text:
            text = _cut_words(text + _ELLIPSIS, max_chars)
    return _truncate(text, max_chars, 3)


_Marks = list[tuple[int, re.Pattern[str]]]


def _boilerplate_in(text: str) -> _Marks:
    """Where boilerplate markers occur in `text`, earliest first, with the pattern each
    must match."""
    # The markers are ASCII: lower-casing an ASCII stand-in of the text (every other
    # character a "?", so offsets stay put) is several times faster than str.lower.
    lower = text.encode("ascii", "replace").lower().decode("ascii")
    marks = []
    for marker, pattern in _BOILERPLATE:
        pos = lower.find(marker)
        while pos >= 0:
            marks.append((pos, pattern))
            pos = lower.find(marker, pos + 1)
    marks.sort(key=lambda mark: mark[0])
    return marks


def _strip_boilerplates(texts: list[str]) -> list[str]:
    """`_strip_boilerplate` of each text, markers searched for in all texts at once."""
    marks: list[_Marks] = [[] for _ in texts]
    starts = []
    offset = 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 1
    for pos, pattern in _boilerplate_in(_BATCH_SEPARATOR.join(texts)):
        index = bisect.bisect_right(starts, pos) - 1
        marks[index].append((pos - starts[index], pattern))
    return [
        _strip_boilerplate(text, found) if found else text
        for text, found in zip(texts, marks, strict=True)
    ]


def _strip_boilerplate(text: str, marks: _Marks) -> str:
    """`text` without the boilerplate at its end, given where its markers are (earliest
    first: the earliest boilerplate that runs to the end is the cut to make)."""
    while (cut := _boilerplate_start(text, marks)) is not None:
        text = text[:cut].rstrip()
    return text


def _boilerplate_start(text: str, marks: _Marks) -> int | None:
    window = len(text) - _BOILERPLATE_WINDOW
    for at, pattern in marks:
        if at >= len(text):
            break
        if at >= window and (at == 0 or not text[at - 1].isalnum()) and pattern.fullmatch(text, at):
            return at
    return None


def truncate_sentences(text: str, max_chars: int = 300, *, max_sentences: int | None = None) -> str:
    """The longest run of whole sentences of `text` within `max_chars` (and `max_sentences`).

    When even the first sentence is too long it is cut at a word boundary and ends with
    "…". Only a single word longer than the limit (a URL, unspaced script) is cut inside.
    """
    return _truncate(text.strip(), max_chars, max_sentences)


def _truncate(
    text: str, max_chars: int, max_sentences: int | None, ends: list[int] | None = None
) -> str:
    """`truncate_sentences` of stripped `text`, whose sentence ends may be known already
    (all of them, or at least those within `max_chars`)."""
    if max_chars <= 0:
        return ""
    if ends is None:
        # Short, with too few sentence marks to drop a sentence: no need to find the ends.
        if len(text) <= max_chars and (
            max_sentences is None or sum(map(text.count, _SENTENCE_MARKS)) < max_sentences
        ):
            return text
        ends = _sentence_ends(text, max_chars)
    else:
        ends = ends[: bisect.bisect_right(ends, max_chars)]
    if max_sentences is not None and len(ends) >= max_sentences:
        text = text[: ends[max_sentences - 1]]
        ends = ends[:max_sentences]
    if len(text) <= max_chars:
        return text
    if ends:
        return text[: ends[-1]]
    return _cut_words(text, max_chars)


def _sentence_ends(text: str, limit: int) -> list[int]:
    """Offsets just past each sentence end within text[:limit] (the text's end excluded)."""
    ends = []
    # A little past the limit, for the look-ahead at a sentence's end.
    for match in _SENTENCE_END.finditer(text, 0, limit + 8):
        end = match.end()
        if end >= len(text) or end > limit:
            break
        if match.group(0) == "." and _is_abbreviation(text, end):
            continue
        ends.append(end)
    return ends


def _is_abbreviation(text: str, end: int) -> bool:
    """Whether the full stop just before `end` ends an abbreviation or an initial."""
    stop = end - 1
    # One C call rules out most words before the regex, with its word boundaries, runs.
    if not text.endswith(_ABBREVIATIONS, 0, stop) and not "A" <= text[stop - 1 : stop] <= "Z":
        return False
    return _ABBREVIATION.search(text, max(0, end - 12), end) is not None


def _cut_words(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    limit = max_chars - len(_ELLIPSIS)
    if limit <= 0:
        return _ELLIPSIS[:max_chars]
    space = text.rfind(" ", 0, limit + 1)
    head = text[:space] if space > 0 else text[:limit]
    return head.rstrip(" ,;:-–—([{\"'“‘") + _ELLIPSIS
