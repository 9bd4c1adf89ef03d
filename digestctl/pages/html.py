"""HTML shared by the page extractors: decoding bytes as a browser would, parsing, and
the helpers that read text and tell page chrome from content (pure)."""

from __future__ import annotations

import codecs
import re

from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser, LexborNode

from digestctl.errors import ParseError
from digestctl.text import clean_title
from digestctl.urls import resolve_url

# --- decoding and parsing -------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta\s[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]+)""", re.I)
# The HTML Standard stops at 1024 bytes; real pages put long <head> preambles first.
_PRESCAN_BYTES = 4096


def decode_html(data: bytes, charset: str | None = None) -> str:
    """Bytes to text as a browser would: BOM, HTTP charset, <meta> charset, then UTF-8.

    Undeclared bytes that are not UTF-8 are read as windows-1252, the Web's legacy default.
    Unlike a browser, a page whose own <meta> claims a single-byte charset while its text
    is UTF-8 is read as UTF-8: CMSs and saved copies keep stale declarations, and UTF-8
    text is almost never what a legacy page happens to contain.
    """
    return data.decode(_encoding(data, charset), "replace")


def _encoding(data: bytes, charset: str | None) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    codec = _codec(charset, declared_in_page=False)
    if codec is None:
        found = _META_CHARSET.search(data, 0, _PRESCAN_BYTES)
        codec = _codec(found.group(1).decode("ascii") if found else None, declared_in_page=True)
        if codec is not None and codec not in _MULTI_BYTE and _utf8_text(data):
            return "utf-8"
    return codec or ("utf-8" if _starts_as_utf8(data) else "cp1252")


_MULTI_BYTE = frozenset(
    {"utf-8", "utf-16-le", "utf-16-be", "gbk", "gb2312", "gb18030", "big5", "big5hkscs"}
    | {"euc_jp", "iso2022_jp", "shift_jis", "cp932", "euc_kr", "cp949"}
)


def _utf8_text(data: bytes) -> bool:
    """Whether `data` has non-ASCII text and its first stretch of it is UTF-8."""
    return not data.isascii() and _starts_as_utf8(data)


def _starts_as_utf8(data: bytes, chunk: int = 4096) -> bool:
    """Whether the first non-ASCII stretch of `data` is UTF-8: legacy pages fail at once,
    and reading only that far keeps large pages cheap."""
    for start in range(0, len(data), chunk):
        if not data[start : start + chunk].isascii():
            decoder = codecs.getincrementaldecoder("utf-8")()
            try:
                decoder.decode(
                    data[start : start + 2 * chunk], final=start + 2 * chunk >= len(data)
                )
            except UnicodeDecodeError:
                return False
            return True
    return True


# The encodings of the WHATWG Encoding Standard, by Python's names for them. Anything else
# a page declares (Python's "idna", "unicode_escape", "undefined"...) is ignored, as a
# browser would, and can neither crash nor trick the decoder.
_WEB_CODECS = frozenset(
    {
        "utf-8",
        "utf-16-le",
        "utf-16-be",
        "cp866",
        "koi8-r",
        "koi8-u",
        "mac-roman",
        "mac-cyrillic",
        "cp874",
        "tis-620",
        "gbk",
        "gb2312",
        "gb18030",
        "big5",
        "big5hkscs",
        "euc_jp",
        "iso2022_jp",
        "shift_jis",
        "cp932",
        "euc_kr",
        "cp949",
        *(f"iso8859-{n}" for n in range(2, 17)),
        *(f"cp{n}" for n in range(1250, 1259)),
    }
)
# WHATWG labels Python does not know by that name.
_LABEL_ALIASES = {
    "windows-874": "cp874",
    "x-sjis": "shift_jis",
    "iso-8859-8-i": "iso8859-8",
    "x-mac-cyrillic": "mac-cyrillic",
    "x-gbk": "gbk",
}


def _codec(label: str | None, *, declared_in_page: bool) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    try:
        name = codecs.lookup(_LABEL_ALIASES.get(label, label)).name
    except LookupError:
        return None
    # WHATWG Encoding: latin-1 and ascii labels mean windows-1252; a page cannot declare
    # itself UTF-16 from inside (it would not have been readable to find the declaration).
    if name in {"latin-1", "iso8859-1", "ascii"}:
        return "cp1252"
    if declared_in_page and name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return name if name in _WEB_CODECS else None


def parse_html(html: bytes | str, url: str, charset: str | None = None) -> LexborHTMLParser:
    markup: bytes | str = html
    if isinstance(html, bytes):
        utf16 = html.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        if b"\x00" in html[:1024] and not utf16:
            raise ParseError(
                f"{url}: not an HTML page (binary content)",
                hint="give the address of a web page or a feed",
            )
        encoding = _encoding(html, charset)
        # UTF-8 goes to Lexbor as it is, which reads any stray bad byte as U+FFFD: no
        # decoding pass over the whole page.
        markup = html if encoding == "utf-8" else html.decode(encoding, "replace")
    # Mutation events only matter to code that edits the tree; we only read it. Scripting
    # on keeps <noscript> as text, so a tracking pixel in one cannot end <head> early.
    return LexborHTMLParser(markup, options=LexborDocumentOptions.WO_EVENTS, scripting=True)


def base_url(tree: LexborHTMLParser, url: str) -> str:
    head = tree.head  # <base> belongs in <head>; searching only there is much cheaper
    base = head.css_first("base[href]") if head is not None else None
    href = base.attributes.get("href") if base is not None else None
    return (resolve_url(url, href) if href else None) or url


# Soft hyphens, zero-width spaces, BOMs and control characters: invisible, yet they break
# comparisons and end up in terminals.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b\ufeff]")


def node_text(node: LexborNode) -> str:
    """An element's text on one line. The parser has decoded it already; text that still
    looks like a tag ("&lt;b&gt;" on the page) goes through clean_title, so that no
    extracted text ever does."""
    text = node.text(deep=True)
    return clean_title(text) if "<" in text else one_line(text)


def one_line(text: str) -> str:
    """`text` with invisible characters dropped and whitespace collapsed to single spaces."""
    return " ".join(_INVISIBLE.sub("", text).split())


def clean_value(raw: str) -> str:
    """A title-like attribute or JSON-LD value as one clean line. The parser decoded the
    attribute already; only publishers' double escaping ("&amp;amp;", "&lt;b&gt;") needs
    clean_title's second reading."""
    return clean_title(raw) if "&" in raw or "<" in raw else one_line(raw)


# --- boilerplate regions ----------------------------------------------------------------

CHROME_TAGS = frozenset({"nav", "aside", "form", "menu", "dialog", "noscript", "template"})
_CHROME_ROLES = frozenset({"navigation", "complementary", "search", "menu", "menubar"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def class_and_id(node: LexborNode) -> str:
    """An element's class and id, to match chrome marks ("sidebar", "share-bar") against."""
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}"


def in_chrome(
    node: LexborNode,
    marks: re.Pattern[str],
    *,
    stop: LexborNode | None = None,
    page_regions: bool = True,
    tags: frozenset[str] = CHROME_TAGS,
) -> bool:
    """Whether `node` sits in navigation, a sidebar, a hidden block, anything whose class
    or id matches `marks` (a cookie banner, a share bar...) or, with `page_regions`, in
    the page's own <header> or <footer>. What holds an <article> or <main> is not asked:
    themes wrap whole pages in oddly named boxes."""
    page_header_footer = False
    current: LexborNode | None = node
    stop_id = stop.mem_id if stop is not None else None
    while current is not None and current.mem_id != stop_id and current.tag not in {"body", "html"}:
        tag = current.tag or ""
        attrs = current.attributes
        role = (attrs.get("role") or "").lower()
        if tag in tags or role in _CHROME_ROLES:
            return True
        if "hidden" in attrs or attrs.get("aria-hidden") == "true":
            return True
        style = attrs.get("style")
        if style and _HIDDEN_STYLE.search(style):
            return True
        if tag in {"article", "main"} or role == "main":
            return False
        if tag in {"header", "footer"} or role in {"banner", "contentinfo"}:
            page_header_footer = True
        elif tag == "section":
            page_header_footer = False  # a section's own header or footer is part of it
        else:
            found = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
            if len(found) > 1 and marks.search(found):
                return True
        current = current.parent
    return page_regions and page_header_footer


# --- text of elements -------------------------------------------------------------------

BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "aside",
        "nav",
        "ul",
        "ol",
        "li",
        "dl",
        "table",
        "tr",
        "td",
        "th",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "figure",
        "blockquote",
        "pre",
        "form",
        "hr",
    }
)
INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "button"})


def cjk_count(text: str) -> int:
    """How many Chinese, Japanese or Korean characters `text` has (words without spaces)."""
    return sum(1 for ch in text if "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")


def own_text(node: LexborNode) -> str:
    """The text of `node` outside its block-level children."""
    parts: list[str] = []
    for child in node.iter(include_text=True):
        tag = child.tag or ""
        if child.is_text_node:
            parts.append(child.text(deep=False))
        elif tag in BLOCK_TAGS or tag == "br":
            parts.append(" ")
        elif tag not in INVISIBLE_TAGS and not tag.startswith("-"):
            parts.append(child.text(deep=True))
    return " ".join("".join(parts).split())


def visible_text(node: LexborNode) -> str:
    """An element's text on one line, without what scripts, styles and templates hold."""
    text = node.text(deep=True)
    for hidden in node.css("script, style, noscript, template"):
        if inner := hidden.text(deep=True):
            text = text.replace(inner, " ")
    return " ".join(text.split())


def texts_after(node: LexborNode, *, max_chars: int = 1500, max_pieces: int = 30) -> list[str]:
    """The visible text pieces that follow `node` in the document (not its own), one per
    text node, up to `max_chars` or `max_pieces`: what a reader sees below a headline."""
    pieces: list[str] = []
    total = 0
    current: LexborNode | None = node
    while current is not None and total < max_chars and len(pieces) < max_pieces:
        # The next node in document order outside `current`'s subtree...
        while current is not None and current.next is None:
            current = current.parent
        if current is None:
            break
        current = current.next
        # ...then down through it.
        stack = [current] if current is not None else []
        while stack and total < max_chars and len(pieces) < max_pieces:
            item = stack.pop()
            if item.is_text_node:
                text = " ".join(item.text(deep=False).split())
                if text:
                    pieces.append(text)
                    total += len(text)
                continue
            if (item.tag or "") in INVISIBLE_TAGS:
                continue
            children = []
            child = item.child
            while child is not None:
                children.append(child)
                child = child.next
            stack.extend(reversed(children))
    return pieces


def has_descendants(node: LexborNode, count: int) -> bool:
    """Whether `node` holds at least `count` nodes: a bound on its size found without
    reading all of it."""
    seen = 0
    stack = [node.child] if node.child is not None else []
    while stack:
        item = stack.pop()
        seen += 1
        if seen >= count:
            return True
        if item.next is not None:
            stack.append(item.next)
        if item.child is not None:
            stack.append(item.child)
    return False
