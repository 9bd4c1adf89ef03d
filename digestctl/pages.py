"""Web pages: article metadata, a listing page's article links, a home page's feeds (pure).

Everything here takes a page's bytes (or text) and its URL and returns values; no I/O.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from html import escape as escape_html
from typing import cast
from urllib.parse import parse_qsl, urlsplit

from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser, LexborNode, SelectolaxError

from digestctl.errors import ParseError
from digestctl.text import clean_summary, clean_title, parse_date, truncate_sentences
from digestctl.urls import canonicalize_url, resolve_url

SUMMARY_MAX_CHARS = 300


@dataclass(frozen=True)
class PageMetadata:
    """What an article page says about itself. Text is clean. `published` is aware, in
    the UTC offset the page gave (so its date is the one the page shows); store it as
    `published.astimezone(UTC)`."""

    title: str | None = None
    summary: str | None = None
    published: datetime | None = None
    author: str | None = None
    site: str | None = None  # the publication's name, when the page states it
    url: str | None = None  # canonical: <link rel=canonical>, og:url, else the page's URL
    image: str | None = None


@dataclass(frozen=True)
class DiscoveredFeed:
    """A feed a page advertises with <link rel="alternate">."""

    url: str
    title: str | None
    type: str  # "rss", "atom" or "json"


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
    return codec or ("utf-8" if _starts_as_utf8(data) else "cp1252")


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


def _parse(html: bytes | str, url: str, charset: str | None = None) -> LexborHTMLParser:
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


def _base_url(tree: LexborHTMLParser, url: str) -> str:
    head = tree.head  # <base> belongs in <head>; searching only there is much cheaper
    base = head.css_first("base[href]") if head is not None else None
    href = base.attributes.get("href") if base is not None else None
    return (resolve_url(url, href) if href else None) or url


# Soft hyphens, zero-width spaces, BOMs and control characters: invisible, yet they break
# comparisons and end up in terminals.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b\ufeff]")


def _node_text(node: LexborNode) -> str:
    """An element's text on one line. The parser has decoded it already; text that still
    looks like a tag ("&lt;b&gt;" on the page) goes through clean_title, so that no
    extracted text ever does."""
    text = node.text(deep=True)
    return clean_title(text) if "<" in text else _one_line(text)


def _one_line(text: str) -> str:
    return " ".join(_INVISIBLE.sub("", text).split())


def _clean_value(raw: str) -> str:
    """A title-like attribute or JSON-LD value as one clean line. The parser decoded the
    attribute already; only publishers' double escaping ("&amp;amp;", "&lt;b&gt;") needs
    clean_title's second reading."""
    return clean_title(raw) if "&" in raw or "<" in raw else _one_line(raw)


# --- evidence: <meta> and JSON-LD ---------------------------------------------------------

_ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "blogposting",
        "report",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "asknewsarticle",
        "satiricalarticle",
        "techarticle",
        "scholarlyarticle",
        "medicalscholarlyarticle",
        "socialmediaposting",
        "liveblogposting",
        "discussionforumposting",
        "advertisercontentarticle",
        "review",
        "recipe",
        "howto",
        "videoobject",
        "podcastepisode",
        "event",
        "pressrelease",
    }
)
_PAGE_TYPES = frozenset(
    {
        "webpage",
        "itempage",
        "aboutpage",
        "collectionpage",
        "profilepage",
        "qapage",
        "faqpage",
        "medicalwebpage",
        "contactpage",
    }
)
_SITE_TYPES = frozenset({"website"})
# <meta property="dc:title"> and <meta name="DC.title"> are the same thing.
_META_KEY_PREFIXES = (("dcterm:", "dcterms."), ("dcterms:", "dcterms."), ("dc:", "dc."))

JsonObject = dict[str, object]


class _Page:
    """One parsed page and the evidence it carries."""

    def __init__(self, tree: LexborHTMLParser, url: str) -> None:
        self.tree = tree
        self.url = url
        self.meta = _read_meta(tree)
        if "parsely-page" in self.meta:
            _read_parsely(self.meta)
        self.ld = [(_ld_types(obj), obj) for obj in _read_json_ld(tree)]
        self.ld_ids = {obj["@id"]: obj for _, obj in self.ld if isinstance(obj.get("@id"), str)}
        self.base = _base_url(tree, url)
        self._marked: list[LexborNode] | None = None
        self._h1: list[LexborNode] | None = None

    def marked_nodes(self) -> list[LexborNode]:
        """Elements marked as holding a date or a byline, in page order: one search
        shared by the date and author fallbacks."""
        if self._marked is None:
            # Bylines and dates sit by the headline: search only its article (each selector
            # in a list costs a pass over the tree), or the whole page if there is none.
            region = self.headline_region() or self.tree
            self._marked = region.css(_MARKED_ELEMENTS)
        return self._marked

    def headline_region(self) -> LexborNode | None:
        """The <article> or <main> holding the headline, else the blocks around it."""
        heading = next((h for h in self.h1() if not _in_masthead(h)), None)
        node = heading.parent if heading is not None else None
        fallback = None
        for depth in range(8):
            if node is None or node.tag in {"body", "html"}:
                break
            if node.tag in {"article", "main"} or node.attributes.get("role") == "main":
                return node
            if depth == 2:
                fallback = node
            node = node.parent
        return fallback

    def head_link(self, rel: str) -> LexborNode | None:
        # <link> belongs in <head>, and scripting-on parsing keeps <head> whole.
        scope = self.tree.head or self.tree.root
        return scope.css_first(f"link[rel~={rel}][href]") if scope is not None else None

    def h1(self) -> list[LexborNode]:
        if self._h1 is None:
            self._h1 = self.tree.tags("h1")
        return self._h1

    def first_meta(self, *keys: str) -> str | None:
        for key in keys:
            values = self.meta.get(key)
            if values:
                return values[0]
        return None

    def resolve(self, href: str | None) -> str | None:
        if not href or not href.strip():
            return None
        return resolve_url(self.base, href.strip())

    def ld_of_types(self, types: frozenset[str]) -> list[JsonObject]:
        return [obj for obj_types, obj in self.ld if obj_types & types]

    def ld_names(self, value: object) -> list[str]:
        """Names in a person/organisation field: text, objects, @id references, lists."""
        if isinstance(value, str):
            return [value.strip()] if value.strip() else []
        if isinstance(value, list):
            return [name for part in value for name in self.ld_names(part)]
        if isinstance(value, dict):
            name = value.get("name")
            if name is None and isinstance(value.get("@id"), str):
                target = self.ld_ids.get(str(value["@id"]))
                name = target.get("name") if target is not None else None
            if isinstance(name, str | list | dict):
                return self.ld_names(name)
            given, family = value.get("givenName"), value.get("familyName")
            if isinstance(given, str) and isinstance(family, str):
                return [f"{given} {family}".strip()]
        return []


def _read_meta(tree: LexborHTMLParser) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for node in tree.tags("meta"):
        attrs = node.attributes
        content = attrs.get("content")
        if not content:
            continue
        names = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
        if "name" in attrs and "property" in attrs:  # both, rarely: keep both
            names = f"{attrs['property']} {attrs['name']}"
        if not names or not (content := content.strip()):
            continue
        # One tag may carry several names ("og:title twitter:title").
        for key in names.lower().split():
            if key.startswith("dc"):
                for prefix, canonical in _META_KEY_PREFIXES:
                    if key.startswith(prefix):
                        key = canonical + key[len(prefix) :]
                        break
            if key in found:
                found[key].append(content)
            else:
                found[key] = [content]
    return found


def _read_parsely(meta: dict[str, list[str]]) -> None:
    """Parse.ly's JSON <meta name="parsely-page"> as the parsely-* tags it stands for."""
    data = _load_json(meta["parsely-page"][0])
    if not isinstance(data, dict):
        return
    for field, key in (("title", "parsely-title"), ("pub_date", "parsely-pub-date")):
        if isinstance(value := data.get(field), str) and value.strip():
            meta.setdefault(key, [value])
    authors = data.get("authors") or data.get("author")
    names = authors if isinstance(authors, list) else [authors]
    if found := [name for name in names if isinstance(name, str) and name.strip()]:
        meta.setdefault("parsely-author", found)


def _read_json_ld(tree: LexborHTMLParser) -> Iterator[JsonObject]:
    for node in tree.css('script[type="application/ld+json"]'):
        yield from _ld_flatten(_load_json(node.text(deep=True)), depth=0)


def _load_json(raw: str) -> object:
    text = raw.strip()
    # Pages wrap JSON-LD in CDATA or HTML comments for old XHTML parsers.
    for opener, closer in (("//<![CDATA[", "//]]>"), ("<![CDATA[", "]]>"), ("<!--", "-->")):
        if text.startswith(opener) and text.endswith(closer):
            text = text[len(opener) : -len(closer)].strip()
    if not text:
        return None
    decoder = json.JSONDecoder(strict=False)
    try:
        # raw_decode tolerates junk after the value (a stray semicolon, a second object).
        return decoder.raw_decode(text)[0]
    except (ValueError, RecursionError):
        return None


def _ld_flatten(data: object, *, depth: int) -> Iterator[JsonObject]:
    if depth > 4:
        return
    if isinstance(data, list):
        for part in data:
            yield from _ld_flatten(part, depth=depth + 1)
    elif isinstance(data, dict):
        obj = cast(JsonObject, data)  # JSON object keys are always strings
        if "@type" in obj:
            yield obj
        for key in ("@graph", "mainEntity"):
            if isinstance(obj.get(key), dict | list):
                yield from _ld_flatten(obj[key], depth=depth + 1)


def _ld_types(obj: JsonObject) -> set[str]:
    raw = obj.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    return {n.rsplit("/", 1)[-1].lower() for n in names if isinstance(n, str)}


def _ld_text(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        for part in value:
            if text := _ld_text(part):
                return text
    if isinstance(value, dict):
        return _ld_text(value.get("@value"))
    return None


def _ld_url(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        for part in value:
            if url := _ld_url(part):
                return url
    if isinstance(value, dict):
        return _ld_url(value.get("url") or value.get("contentUrl") or value.get("@id"))
    return None


# --- boilerplate regions ----------------------------------------------------------------

_CHROME_TAGS = frozenset({"nav", "aside", "form", "menu", "dialog", "noscript", "template"})
_CHROME_ROLES = frozenset({"navigation", "complementary", "search", "menu", "menubar"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _marks(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}"


def _in_chrome(
    node: LexborNode,
    marks: re.Pattern[str],
    *,
    stop: LexborNode | None = None,
    page_regions: bool = True,
    tags: frozenset[str] = _CHROME_TAGS,
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


# --- site name and title ----------------------------------------------------------------

_TITLE_SEPARATORS = re.compile(r"(\s+[|–—·•»:/~>-]\s+|\s*::+\s*|\s+-{2,}\s+|:\s+)")
_COMPACT = re.compile(r"[\W_]+")
_QUOTES = re.compile("[’‘“”„«»]")
_PLAIN_QUOTE = {"’": "'", "‘": "'"}


def _key(text: str) -> str:
    """A comparison key: case, spacing and typographic quotes folded."""
    # A regex, not str.translate: translating with a table is slow on non-ASCII text.
    if _QUOTES.search(text):
        text = _QUOTES.sub(lambda m: _PLAIN_QUOTE.get(m[0], '"'), text)
    return " ".join(text.casefold().split())


def _compact(text: str) -> str:
    return _COMPACT.sub("", text.casefold())


def _site_names(page: _Page) -> list[str]:
    names: list[str] = list(page.meta.get("og:site_name", ()))
    for obj in page.ld_of_types(_ARTICLE_TYPES | _PAGE_TYPES):
        names.extend(page.ld_names(obj.get("publisher")))
    for obj in page.ld_of_types(_SITE_TYPES):
        names.extend(page.ld_names(obj.get("name")))
    unique: dict[str, str] = {}
    for name in names:
        cleaned = _clean_value(name)
        if cleaned:
            unique.setdefault(_key(cleaned), cleaned)
    return list(unique.values())


def _host_words(url: str) -> list[str]:
    host = urlsplit(url).hostname or ""
    labels = [label for label in host.split(".") if label not in {"www", "m", "amp"}]
    if len(labels) >= 2:
        labels = labels[:-1]  # a top-level domain names no site
    return [_compact(label) for label in labels if len(label) >= 3]


class _SiteMatcher:
    """Tells whether a piece of a <title> is the site's name rather than the article's."""

    def __init__(self, names: Iterable[str], url: str) -> None:
        self.names = {c for c in (_compact(name) for name in names) if c}
        self.host_words = _host_words(url)

    def __call__(self, part: str, *, strict: bool = False) -> bool:
        compact = _compact(part)
        if not compact:
            return True  # punctuation between separators
        if strict:
            return compact in self.names or compact in self.host_words
        # "BBC News" for "BBC", "Ars" for "Ars Technica"; not "The Times en Español".
        if any(
            compact == name
            or (len(name) >= 4 and name in compact and len(compact) <= len(name) + 6)
            or (len(compact) >= 4 and compact in name)
            for name in self.names
        ):
            return True
        # "Ars Technica" on arstechnica.com, "BBC News" on bbc.co.uk.
        return len(part) <= 40 and any(
            word in compact or (len(compact) >= 4 and compact in word) for word in self.host_words
        )

    def named_in(self, text: str) -> bool:
        compact = _compact(text)
        return any(name in compact for name in self.names if len(name) >= 4) or any(
            word in compact for word in self.host_words
        )


def _strip_site(title: str, is_site: _SiteMatcher) -> str:
    """Drop a " | Site" tail or a "Site: " head when that part looks like the site's name.

    Returns "" when the whole title is the site's name.
    """
    pieces = _TITLE_SEPARATORS.split(title)
    if len(pieces) < 3:
        return "" if is_site(title) else title
    parts, seps = pieces[::2], pieces[1::2]
    end = len(parts)
    while end > 0 and is_site(parts[end - 1]):
        end -= 1
    start = 0
    # A head is often a kicker ("Analysis: …"): only an exact site name goes.
    while start < end and is_site(parts[start], strict=True):
        start += 1
    if start >= end:
        return ""
    if start == 0 and end == len(parts):
        return title
    kept = parts[start] + "".join(seps[i - 1] + parts[i] for i in range(start + 1, end))
    return kept.strip()


_HEADING_CHROME = re.compile(
    r"(?:^|\s)(?:header|site-header|masthead|logo|branding|site-branding|site-title|"
    r"site-name|navbar|top-?bar|sidebar|widget)(?:$|\s)",
    re.I,
)


def _headings(page: _Page) -> dict[str, LexborNode]:
    found: dict[str, LexborNode] = {}
    for node in page.h1()[:8]:
        text = _node_text(node)
        if text and text not in found:
            found[text] = node
    return found


def _in_masthead(heading: LexborNode) -> bool:
    """A site's logo or name set as an <h1>. Pages without <article> put the headline
    in a bare <header> too, so the element alone does not decide."""
    return _in_chrome(heading, _HEADING_CHROME, page_regions=False)


_TITLE_META = (
    "dc.title",
    "dcterms.title",
    "og:title",
    "twitter:title",
    "parsely-title",
    "sailthru.title",
    "citation_title",
    "headline",
)


def _extract_title(page: _Page, is_site: _SiteMatcher) -> str | None:
    declared: list[str | None] = []
    for obj in page.ld_of_types(_ARTICLE_TYPES):
        declared += [_ld_text(obj.get("headline")), _ld_text(obj.get("name"))]
    meta = page.meta
    declared += [values[0] for key in _TITLE_META if (values := meta.get(key))]
    title_node = page.tree.css_first("title")
    declared.append(title_node.text(deep=True) if title_node is not None else None)
    for obj in page.ld_of_types(_PAGE_TYPES):
        declared.append(_ld_text(obj.get("name")))
    raws = dict.fromkeys(raw for raw in declared if raw)
    titles = list(dict.fromkeys(t for t in (_clean_value(raw) for raw in raws) if t))
    keys = [_key(title) for title in titles]
    cuts: dict[int, str] = {}

    def cut(index: int) -> str:
        if index not in cuts:
            cuts[index] = _strip_site(titles[index], is_site)
        return cuts[index]

    headings = _headings(page)
    # The visible headline is what readers see: prefer it when the metadata agrees.
    for heading, node in headings.items():
        key = _key(heading)
        for index, title_key in enumerate(keys):
            if key not in title_key:
                continue
            if key == _key(cut(index)):
                return cut(index)
            if key == title_key:
                return heading
            # "Section: Headline" or "Headline | Section": the heading shows where to cut.
            ends = title_key.endswith(key) or title_key.startswith(key)
            if len(key) >= 15 and ends and not is_site(heading) and not _in_masthead(node):
                return heading
    for index in range(len(titles)):
        if any(ch.isalnum() for ch in cut(index)):
            return cut(index)
    # Every declared title is the site's name: a home or section page.
    for heading, node in headings.items():
        if not is_site(heading) and not _in_masthead(node):
            return heading
    return titles[0] if titles else None


# --- summary ----------------------------------------------------------------------------

_SUMMARY_CHROME = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|breadcrumbs?|share|sharing|social|"
    r"cookies?|consent|gdpr|banner|newsletter|subscribe|signup|promo|advert|ads?|sponsor|"
    r"caption|credits?|byline|meta|related|comments?|sidebar|footer|masthead|"
    r"disclaimer|notice|alert|modal|popup|toolbar|tags|author|bio)(?:$|[\s_-])",
    re.I,
)
_PARAGRAPH_SKIP_TAGS = frozenset({"figure", "figcaption", "blockquote", "pre", "code"})
_BLOCK_TAGS = frozenset(
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
_INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "button"})
_CMS_CUT = 150
_FULL_STOP = re.compile(r"[.!?。！？][\"'”’»)\]]*$")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
_CONTENT_ROOTS = (
    "[itemprop~=articleBody], article, main, [role=main], .entry-content, .post-content, "
    ".article-body, .story-body"
)


def _is_substantial(text: str) -> bool:
    """Prose rather than a label, a date line or a one-line teaser."""
    if len(text) >= 80 or _cjk_count(text) >= 30:
        return True
    return len(text) >= 40 and len(text.split()) >= 6 and bool(_SENTENCE_END.search(text))


def _cjk_count(text: str) -> int:
    return sum(1 for ch in text if "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")


def _first_paragraph(page: _Page) -> str | None:
    """The text of the main content's first substantial paragraph."""
    root = page.tree.css_first(_CONTENT_ROOTS)
    scopes = [root, page.tree.body] if root is not None else [page.tree.body]
    for scope in scopes:
        if scope is None:
            continue
        for node in scope.css("p"):
            text = _node_text(node)
            if not _is_substantial(text) or _in_paragraph_chrome(node, scope):
                continue
            linked = sum(len(_node_text(a)) for a in node.css("a"))
            if linked <= len(text) / 2:
                return _own_text(node)
    # Old and hand-written pages put their prose straight into <div>s and <td>s.
    for scope in scopes:
        if scope is None:
            continue
        for node in scope.css("div, td, section, article"):
            text = _own_text(node)
            if _is_substantial(text) and not _in_paragraph_chrome(node, scope):
                return text
    return None


def _in_paragraph_chrome(node: LexborNode, scope: LexborNode) -> bool:
    current = node.parent
    while current is not None and current.mem_id != scope.mem_id:
        if current.tag in _PARAGRAPH_SKIP_TAGS:
            return True
        current = current.parent
    return _in_chrome(node, _SUMMARY_CHROME, stop=scope)


def _own_text(node: LexborNode) -> str:
    """The text of `node` outside its block-level children."""
    parts: list[str] = []
    for child in node.iter(include_text=True):
        tag = child.tag or ""
        if child.is_text_node:
            parts.append(child.text(deep=False))
        elif tag in _BLOCK_TAGS or tag == "br":
            parts.append(" ")
        elif tag not in _INVISIBLE_TAGS and not tag.startswith("-"):
            parts.append(child.text(deep=True))
    return " ".join("".join(parts).split())


_DESCRIPTION_META = (
    "dc.description",
    "dcterms.description",
    "dcterms.abstract",
    "og:description",
    "description",
    "twitter:description",
    "sailthru.description",
    "citation_abstract",
)


def _extract_summary(page: _Page, title: str | None, is_site: _SiteMatcher) -> str | None:
    raws: list[str | None] = [
        _ld_text(obj.get("description")) for obj in page.ld_of_types(_ARTICLE_TYPES)
    ]
    meta = page.meta
    raws += [values[0] for key in _DESCRIPTION_META if (values := meta.get(key))]
    raws += [_ld_text(obj.get("description")) for obj in page.ld_of_types(_PAGE_TYPES)]
    title_key = _key(title) if title else None
    for raw in dict.fromkeys(r for r in raws if r):
        summary = clean_summary(raw, SUMMARY_MAX_CHARS)
        if len(summary) < 20 or _key(summary) == title_key:
            continue
        # "Example.org - news and views": the site's tagline, on every page alike.
        if len(summary) < 80 and not _SENTENCE_END.search(summary) and is_site.named_in(summary):
            continue
        # Content systems cut descriptions at a fixed length, mid-word: keep the whole
        # sentences before the cut, if there are any (one long sentence may be complete).
        if len(summary) >= _CMS_CUT and not _SENTENCE_END.search(summary):
            whole = truncate_sentences(summary, len(summary) - 1)
            summary = whole if _FULL_STOP.search(whole) else summary
        return summary
    paragraph = _first_paragraph(page)
    if not paragraph:
        return None
    # Escaped, because it is text already: clean_summary must not decode it a second time.
    return clean_summary(escape_html(paragraph, quote=False), SUMMARY_MAX_CHARS) or None


# --- date -------------------------------------------------------------------------------

_DATE_META = (
    "article:published_time",
    "og:published_time",
    "article.published",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "publish-date",
    "publishdate",
    "published-date",
    "pubdate",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "dc.date.created",
    "citation_publication_date",
    "citation_date",
    "datecreated",
    "date",
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|$|\D)")
_MARKED_ELEMENTS = (
    "[itemprop~=datePublished], [itemprop~=author], [rel~=author], abbr.published, time, "
    "[class*=date i], [class*=byline i], [class*=author i], [data-testid*=date i]"
)
# An <aside> in an article often holds its date, author and reading time.
_DATE_CHROME_TAGS = _CHROME_TAGS - {"aside"}
_DATE_CHROME = re.compile(
    r"(?:^|[\s_-])(?:nav|menu|comments?|related|sidebar|widget|footer|teaser|recent)(?:$|[\s_-])",
    re.I,
)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "january jan januar jänner janvier enero gennaio januari janeiro ene gen",
            "february feb februar février fevrier febrero febbraio februari fevereiro fev",
            "march mar märz maerz mrz mars marzo maart março",
            "april apr avril abril aprile abr",
            "may mai mayo maggio mei maio mag",
            "june jun juni juin junio giugno junho",
            "july jul juli juillet julio luglio julho",
            "august aug août aout agosto augustus ago",
            "september sep sept septembre septiembre settembre setembro set",
            "october oct oktober octobre octubre ottobre oktober outubro okt ott out",
            "november nov novembre noviembre novembro",
            "december dec dezember décembre decembre diciembre dicembre dezembro dez dic",
        ),
        start=1,
    )
    for name in names.split()
}
_NUMERIC_DMY = re.compile(r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.\s?((?:19|20)\d{2})(?!\d)")
_ISO_DAY = re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})(?!\d)")
_SLASHED = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})(?!\d)")
_WORD_DMY = re.compile(
    r"(?<!\d)(\d{1,2})\.?\s*(?:de\s+)?([^\W\d_]{3,})\.?,?\s+(?:de\s+)?((?:19|20)\d{2})"
)
_WORD_MDY = re.compile(r"([^\W\d_]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{2})")


def _plausible(value: datetime | None) -> datetime | None:
    return value if value is not None and 1990 <= value.year <= 2100 else None


def _day(year: str, month: str | int | None, day: str) -> datetime | None:
    if month is None:
        return None
    try:
        return _plausible(datetime(int(year), int(month), int(day), tzinfo=UTC))
    except ValueError:
        return None


_YEAR = re.compile(r"(?:19|20)\d\d")
_STATED_OFFSET = re.compile(r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*([+-])(\d{2}):?(\d{2})?$")


def _find_date(text: str) -> datetime | None:
    """The first date written in a text: "2019-12-09T20:00:49+01:00", "26.10.2023",
    "23. Juli 2017", "Posted on March 3, 2020 by …"."""
    if len(text) <= 100 and (found := _plausible(parse_date(text))):
        # Keep the publisher's own offset: its calendar date is the one the page shows.
        if offset := _STATED_OFFSET.search(text.strip()):
            sign = -1 if offset[1] == "-" else 1
            delta = sign * timedelta(hours=int(offset[2]), minutes=int(offset[3] or 0))
            if abs(delta) < timedelta(hours=24):
                found = found.astimezone(timezone(delta))
        return found
    # Every written form has a four-digit year: look only around those.
    for year in _YEAR.finditer(text):
        window = text[max(0, year.start() - 30) : year.end() + 6]
        best: tuple[int, datetime] | None = None
        for position, found in _written_dates(window):
            if best is None or position < best[0]:
                best = (position, found)
        if best is not None:
            return best[1]
    return None


def _written_dates(text: str) -> Iterator[tuple[int, datetime]]:
    """The first date of each written form in `text`, with where it starts."""
    if (match := _ISO_DAY.search(text)) and (found := _day(match[1], match[2], match[3])):
        yield match.start(), found
    if (match := _NUMERIC_DMY.search(text)) and (found := _day(match[3], match[2], match[1])):
        yield match.start(), found
    for match in _WORD_DMY.finditer(text):
        if found := _day(match[3], _MONTHS.get(match[2].casefold()), match[1]):
            yield match.start(), found
            break
    for match in _WORD_MDY.finditer(text):
        if found := _day(match[3], _MONTHS.get(match[1].casefold()), match[2]):
            yield match.start(), found
            break
    if match := _SLASHED.search(text):
        first, second = int(match[1]), int(match[2])
        # Only when the order is unambiguous: 13/06/2019 or 06/13/2019.
        day, month = (first, second) if first > 12 else (second, first)
        if max(first, second) > 12 and (found := _day(match[3], month, str(day))):
            yield match.start(), found


def _visible_text(node: LexborNode) -> str:
    text = node.text(deep=True)
    for hidden in node.css("script, style, noscript, template"):
        if inner := hidden.text(deep=True):
            text = text.replace(inner, " ")
    return " ".join(text.split())


def _date_near_headline(page: _Page) -> datetime | None:
    """A date printed just below (or else above) the headline, in the blocks around it."""
    heading = next((h for h in page.h1() if not _in_masthead(h)), None)
    if heading is None:
        return None
    around: LexborNode | None = None
    node = heading.parent
    for _ in range(3):
        if node is None or node.tag in {"body", "html"} or len(node.text(deep=True)) > 5000:
            break
        around, node = node, node.parent
    if around is None:
        return None
    text = _visible_text(around)
    headline = _node_text(heading)
    at = text.find(headline) if headline else -1
    if at < 0:
        return _find_date(text)
    return _find_date(text[at + len(headline) :]) or _find_date(text[:at])


def _extract_published(page: _Page, url: str) -> datetime | None:
    # <meta> first, as htmldate does: publishers keep their OpenGraph tags right.
    meta = page.meta
    raws: list[str | None] = [values[0] for key in _DATE_META if (values := meta.get(key))]
    for obj in page.ld_of_types(_ARTICLE_TYPES | _PAGE_TYPES):
        raws += [_ld_text(obj.get(key)) for key in ("datePublished", "dateCreated", "uploadDate")]
    unique = [raw for raw in dict.fromkeys(raws) if raw]
    if len({raw[:10] for raw in unique}) == 1:
        unique = unique[:1]  # all the same ISO day: no need to read the rest
    declared = [found for raw in unique if (found := _find_date(raw))]
    if declared:
        # Metadata that disagrees with itself (not merely written in another time zone):
        # believe the date the reader is shown.
        first = declared[0]
        disagree = any(
            found.date() != first.date() and abs(found - first) > timedelta(hours=1)
            for found in declared
        )
        if disagree and (shown := _shown_date(page)):
            for found in declared:
                if found.date() == shown.date():
                    return found
        return declared[0]
    for node in page.marked_nodes():
        attrs = node.attributes
        marked = "datepublished" in (attrs.get("itemprop") or "").lower().split()
        if not (marked or "pubdate" in attrs or (node.tag == "abbr" and "title" in attrs)):
            continue
        raw = attrs.get("datetime") or attrs.get("content") or attrs.get("title")
        if (raw and (found := _find_date(raw))) or (found := _find_date(_node_text(node)[:120])):
            return found
    if match := _URL_DATE.search(urlsplit(url).path):
        return _day(match[1], match[2], match[3])
    if found := _shown_date(page):
        return found
    for raw in (page.first_meta(key) for key in _MODIFIED_META):
        if raw and (found := _find_date(raw)):
            return found
    return None


def _shown_date(page: _Page) -> datetime | None:
    """The first date in an element marked as one (class "date", <time>...), or else
    printed near the headline."""
    for node in page.marked_nodes():
        attrs = node.attributes
        raw = attrs.get("datetime") or attrs.get("content")
        text = raw or node.text(deep=True)
        if len(text) > 200 or _in_chrome(
            node, _DATE_CHROME, page_regions=False, tags=_DATE_CHROME_TAGS
        ):
            continue
        if found := _find_date(" ".join(text.split())):
            return found
    return _date_near_headline(page)


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
    text = _EMAIL.sub("", _clean_value(raw))
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


def _extract_author(page: _Page) -> str | None:
    for obj in page.ld_of_types(_ARTICLE_TYPES) + page.ld_of_types(_PAGE_TYPES):
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
        if _in_chrome(node, _AUTHOR_CHROME):
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


# --- canonical URL and image ------------------------------------------------------------


def _extract_url(page: _Page, url: str) -> str | None:
    link = page.head_link("canonical")
    for href in (link.attributes.get("href") if link else None, page.first_meta("og:url")):
        candidate = canonicalize_url(href.strip(), page.base) if href else None
        if not candidate:
            continue
        # A canonical pointing at the home page from a deeper page is a template bug.
        if urlsplit(candidate).path in {"", "/"} and urlsplit(url).path not in {"", "/"}:
            continue
        return candidate
    return canonicalize_url(url)


def _extract_image(page: _Page) -> str | None:
    for raw in _image_candidates(page):
        resolved = page.resolve(raw)
        if resolved and resolved.startswith(("http://", "https://")):
            return resolved
    return None


def _image_candidates(page: _Page) -> Iterator[str | None]:
    yield page.first_meta("og:image", "og:image:url", "og:image:secure_url", "twitter:image")
    yield page.first_meta("twitter:image:src", "thumbnailurl", "image")
    for obj in page.ld_of_types(_ARTICLE_TYPES):
        yield _ld_url(obj.get("image"))
    link = page.head_link("image_src")
    yield link.attributes.get("href") if link is not None else None


def extract_metadata(html: bytes | str, url: str, *, charset: str | None = None) -> PageMetadata:
    """The title, summary, date, author, site, canonical URL and image a page declares.

    Evidence is weighed best first: JSON-LD, Dublin Core, OpenGraph, Twitter cards,
    other <meta>, then the visible page (<h1>, <title>, <time>, bylines, the first real
    paragraph). `charset` is the HTTP header's, which outranks the page's own <meta>.
    Raises ParseError only for content that is not HTML at all (binary data).
    """
    page = _Page(_parse(html, url, charset), url)
    names = _site_names(page)
    is_site = _SiteMatcher(names, url)
    title = _extract_title(page, is_site)
    return PageMetadata(
        title=title or None,
        summary=_extract_summary(page, title, is_site),
        published=_extract_published(page, url),
        author=_extract_author(page),
        site=names[0] if names else None,
        url=_extract_url(page, url),
        image=_extract_image(page),
    )


# --- listing pages ----------------------------------------------------------------------


def check_selector(selector: str) -> None:
    """Raise ParseError if `selector` is not a CSS selector we can run."""
    try:
        LexborHTMLParser("<p></p>").css(selector)
    except SelectolaxError as e:
        raise ParseError(
            f"links selector {selector!r} is not valid CSS",
            hint="use a CSS selector such as 'article h2 a'",
        ) from e


_NON_ARTICLE_PATH = re.compile(
    r"/(?:tags?|topics?|category|categories|authors?|users?|profile|page|search|login|log-in|"
    r"signin|sign-in|signup|sign-up|register|account|my-account|cart|checkout|subscribe|"
    r"newsletter|feed|rss|atom|wp-login\.php|wp-admin|wp-json|xmlrpc\.php|share|print|"
    r"privacy(?:-policy)?|terms|cookies?(?:-policy)?|contact(?:-us)?|about(?:-us)?|"
    r"impressum|imprint|datenschutz)(?:/|$|\.)",
    re.I,
)
_NON_ARTICLE_QUERY = frozenset(
    {"page", "paged", "p", "share", "replytocom", "action", "redirect_to", "s", "q", "tag", "cat"}
)
_NON_HTML_EXT = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|pdf|zip|gz|tgz|mp3|mp4|m4a|mov|avi|docx?|xlsx?|pptx?|"
    r"css|js|xml|json|rss|atom|txt|csv|epub)$",
    re.I,
)
_LINK_CHROME = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|breadcrumbs?|pagination|pager|paging|share|"
    r"sharing|social|sidebar|site-header|site-footer|footer|masthead|cookies?|consent|"
    r"skip-link|tag-?cloud|tags|newsletter|subscribe|related|popular|trending|comments?|"
    r"widget-area)(?:$|[\s_-])",
    re.I,
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_PAGER_TEXT = re.compile(
    r"^(?:\d+|next|prev(?:ious)?|older|newer|first|last|more|load more|[«»‹›<>…]+)"
    r"(?:\s+(?:posts|entries|page|articles|news|stories))?\s*[»›>→]*$",
    re.I,
)


def find_listing_links(html: bytes | str, url: str, selector: str | None = None) -> list[str]:
    """Article links on a listing page, absolute, deduplicated, in page order.

    With `selector`, the matching <a href> elements (or the links inside matching
    elements). Without one, a heuristic: same-site links in the main content or in
    repeated headline blocks, leaving out navigation, headers, footers, sidebars and
    tag, category, author, pagination, login and share links.
    """
    if selector is not None:
        check_selector(selector)
    tree = _parse(html, url)
    base = _base_url(tree, url)
    if selector is not None:
        return _selected_links(tree, base, url, selector)
    return _heuristic_links(tree, base, url)


def _link_target(base: str, page_key: str | None, href: str | None) -> str | None:
    """The absolute http(s)/file URL a link leads to, without its fragment; None for
    links within the page itself (`page_key`: the page's canonical URL)."""
    if not href or href.lstrip().startswith("#"):
        return None
    resolved = resolve_url(base, href.strip())
    if not resolved:
        return None
    resolved = resolved.split("#", 1)[0]
    return None if canonicalize_url(resolved) == page_key else resolved


def _selected_links(tree: LexborHTMLParser, base: str, page_url: str, selector: str) -> list[str]:
    # The selector is the editor's word: links to other sites count too (an aggregator).
    page_key = canonicalize_url(page_url)
    found: dict[str, None] = {}
    for node in tree.css(selector):
        anchors = [node] if node.tag == "a" else node.css("a[href]")
        for anchor in anchors:
            if target := _link_target(base, page_key, anchor.attributes.get("href")):
                found.setdefault(target)
    return list(found)


def _site_key(host: str) -> str:
    labels = host.lower().removeprefix("www.").split(".")
    # "example.co.uk": a two-letter country code under a short second level.
    if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _is_article_url(target: str, listing: str) -> bool:
    parts, listing_parts = urlsplit(target), urlsplit(listing)
    if parts.scheme != "file" and _site_key(parts.hostname or "") != _site_key(
        listing_parts.hostname or ""
    ):
        return False
    path = parts.path or "/"
    if path == "/" and not parts.query:
        return False
    # A link up to the listing's own section ("All news" from /news/?page=2).
    if not parts.query and listing_parts.path.rstrip("/").startswith(path.rstrip("/")):
        return False
    if _NON_ARTICLE_PATH.search(path) or _NON_HTML_EXT.search(path):
        return False
    return not any(key.lower() in _NON_ARTICLE_QUERY for key, _ in parse_qsl(parts.query))


@dataclass
class _Link:
    url: str
    score: int
    signature: str


def _link_position(anchor: LexborNode) -> tuple[int, str]:
    """How headline-like a link's position is, and a signature of its enclosing block."""
    in_heading = in_article = False
    signature: list[str] = []
    current = anchor.parent
    while current is not None and current.tag not in {"body", "html"}:
        tag = current.tag or ""
        if tag in _HEADINGS:
            in_heading = True
        if tag == "article" or "hentry" in _marks(current).split():
            in_article = True
        if len(signature) < 4:
            classes = (current.attributes.get("class") or "").split()
            stable = sorted(c for c in classes if not any(ch.isdigit() for ch in c))[:3]
            signature.append(tag + "".join(f".{c}" for c in stable))
        current = current.parent
    return 2 * in_heading + in_article, ">".join(reversed(signature))


def _heuristic_links(tree: LexborHTMLParser, base: str, page_url: str) -> list[str]:
    page_key = canonicalize_url(page_url)
    links: dict[str, _Link] = {}
    groups: dict[str, set[str]] = {}
    for anchor in tree.css("a[href]"):
        target = _link_target(base, page_key, anchor.attributes.get("href"))
        if target is None or not _is_article_url(target, page_url):
            continue
        text = _node_text(anchor)
        if _PAGER_TEXT.match(text) or _in_chrome(anchor, _LINK_CHROME):
            continue
        score, signature = _link_position(anchor)
        if anchor.css_first("h1, h2, h3, h4, h5, h6") is not None:
            score += 2
        if len(text) >= 20 and len(text.split()) >= 3:
            score += 1
        known = links.get(target)
        if known is None:
            links[target] = _Link(target, score, signature)
        elif score > known.score:
            known.score, known.signature = score, signature
        groups.setdefault(signature, set()).add(target)
    # Headline links stand alone; other links count when their block repeats (a list).
    return [
        link.url
        for link in links.values()
        if link.score >= 2 or (link.score >= 1 and len(groups[link.signature]) >= 2)
    ]


# --- feed discovery -----------------------------------------------------------------------

_FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/rdf+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
}
# Types that are feeds only when the link says so (WordPress labels its REST API
# application/json too).
_MAYBE_FEED_TYPES = {
    "application/json": "json",
    "application/xml": "rss",
    "text/xml": "rss",
    "application/x.atom+xml": "atom",
    "application/x-atom+xml": "atom",
}
_SECONDARY_FEED = re.compile(
    r"comment|/category/|/tag/|/author/|/topics?/|[?&](?:cat|tag)=|/wp-json/", re.I
)
GUESS_PATHS = ("feed", "rss.xml", "atom.xml", "index.xml", "feed.xml", "rss")


def discover_feeds(html: bytes | str, url: str) -> list[DiscoveredFeed]:
    """Feeds a page advertises with <link rel="alternate">, best first.

    The site's main feed comes before comments, category, tag and author feeds;
    otherwise the page's own order is kept.
    """
    tree = _parse(html, url)
    base = _base_url(tree, url)
    found: list[tuple[int, int, DiscoveredFeed]] = []
    seen: set[str] = set()
    for index, node in enumerate(tree.css("link[href]")):
        attrs = node.attributes
        rels = (attrs.get("rel") or "").lower().split()
        if "alternate" not in rels and "feed" not in rels:
            continue
        mime = (attrs.get("type") or "").split(";")[0].strip().lower()
        href = (attrs.get("href") or "").strip()
        title = clean_title(attrs.get("title") or "") or None
        kind = _FEED_TYPES.get(mime)
        if kind is None and mime in _MAYBE_FEED_TYPES:
            hint = f"{href} {title or ''}".lower()
            if any(word in hint for word in ("feed", "rss", "atom")) and "oembed" not in hint:
                kind = _MAYBE_FEED_TYPES[mime]
        resolved = resolve_url(base, href) if href else None
        if kind is None or not resolved or resolved in seen:
            continue
        seen.add(resolved)
        rank = 1 if _SECONDARY_FEED.search(f"{resolved} {title or ''}") else 0
        found.append((rank, index, DiscoveredFeed(resolved, title, kind)))
    found.sort(key=lambda entry: (entry[0], entry[1]))
    return [feed for _, _, feed in found]


def guess_feed_urls(url: str) -> list[str]:
    """Common feed addresses to try for a site without <link rel="alternate">.

    Paths under the page's own directory: `/feed` (WordPress), `/rss.xml` (Drupal),
    `/atom.xml`, `/index.xml` (Hugo), `/feed.xml` (Jekyll), `/rss`. The site root is tried
    only for a home page: for a listing deeper in the site (/news/, /reports/) the root's
    feed is often another selection, and must not silently replace the page the editor chose.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return []
    root = f"{parts.scheme}://{parts.netloc}/"
    directory = parts.path.rsplit("/", 1)[0].strip("/")
    bases = [f"{root}{directory}/"] if directory else [root]
    return [base + path for base in bases for path in GUESS_PATHS]
