"""Feed documents to entries: RSS 0.90-2.0, RSS 1.0 (RDF), Atom 0.3/1.0, JSON Feed 1.x (pure).

XML goes through a hardened lxml parser (no DTD, no entity expansion, no network) in
recover mode; text goes through digestctl.text, links through digestctl.urls.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import html
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from html.entities import html5 as _HTML5_ENTITIES
from typing import Any, cast

from lxml import etree

from digestctl.errors import ParseError
from digestctl.models import FeedEntry, ParsedFeed
from digestctl.text import (
    clean_summaries,
    clean_summary,
    clean_text_summary,
    clean_title,
    clean_titles,
    parse_date,
    text_line,
    truncate_sentences,
)
from digestctl.urls import resolve_url

SUMMARY_CHARS = 300
TITLE_CHARS = 150  # a title made from an entry's text when it has none

# --- namespaces ---------------------------------------------------------------------------

_ATOM10 = "http://www.w3.org/2005/Atom"
_ATOM03 = "http://purl.org/atom/ns#"
_RSS10 = "http://purl.org/rss/1.0/"
_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
# Extension namespaces by their usual prefix. Feeds misspell them (no trailing slash,
# https, upper case), so namespaces are normalised before the look-up.
_EXTENSIONS = {
    "purl.org/dc/elements/1.1": "dc",
    "purl.org/dc/terms": "dcterms",
    "purl.org/rss/1.0/modules/content": "content",
    "search.yahoo.com/mrss": "media",
    "www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "rssnamespace.org/feedburner/ext/1.0": "feedburner",
    "www.w3.org/2005/atom": "atom",
    "purl.org/atom/ns#": "atom",
    "www.w3.org/1999/xhtml": "xhtml",
}
_CORE_RSS = frozenset({"", _RSS10, _RSS090})
_CORE_ATOM = frozenset({"", _ATOM10, _ATOM03})

# --- decoding ------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# XML 1.0 Appendix F: the first bytes of an unmarked document tell its code unit width.
_UNMARKED = (
    (b"\x4c\x6f\xa7\x94", "cp037"),  # "<?xm" in EBCDIC: the declaration names which one
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
_XML_DECL_ENCODING = re.compile(
    rb"""\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})"""
)
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE)
# WHATWG Encoding: documents labelled Latin-1 or ASCII are read as Windows-1252.
_WINDOWS_1252_LABELS = frozenset({"latin-1", "iso8859-1", "ascii"})
# Every entity reference but character references: HTML's &nbsp; &eacute; … that XML does
# not define, a DTD's own, bare ampersands (the commonest reasons real feeds are not
# well-formed), and XML's five, which libxml2 drops once it is recovering from an error.
_REFERENCE = re.compile(
    r"&(?:#([0-9]{1,8});|#[xX]([0-9A-Fa-f]{1,8});|([A-Za-z][A-Za-z0-9]{0,31};))?"
)
_XML_PREDEFINED = {
    "amp;": "&#38;",
    "lt;": "&#60;",
    "gt;": "&#62;",
    "quot;": "&#34;",
    "apos;": "&#39;",
}
# Characters XML 1.0 forbids (§2.2), which word processors leave in feeds.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _decode(data: bytes, content_type: str | None) -> tuple[str, str]:
    """The document as text, and the codec it was read with ("utf-8+cp1252" when no
    declared encoding fitted the bytes).

    BOM first (and XML 1.0 Appendix F's unmarked UTF-16/32 and EBCDIC); then UTF-8 if the
    bytes are valid UTF-8 (text that is valid UTF-8 is UTF-8 whatever a label says); then
    the HTTP charset, then the XML declaration (RFC 7303 §3: the HTTP charset wins). When
    nothing fits, bytes that are not UTF-8 are read as Windows-1252, so none is lost
    (mixed-encoding feeds are common).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace"), encoding
    for prefix, encoding in _UNMARKED:
        if data.startswith(prefix):
            if encoding == "cp037":
                encoding = _ebcdic_codec(data)
            return data.decode(encoding, errors="replace"), encoding
    candidates = ["utf-8"]
    declared = []
    if content_type and (param := _CHARSET_PARAM.search(content_type)):
        declared.append(param.group(1))
    if decl := _XML_DECL_ENCODING.match(data):
        declared.append(decl.group(1).decode("ascii"))
    for name in declared:
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            continue
        # A wide encoding declared by a document written in ASCII-compatible bytes is wrong.
        if not codec.startswith(("utf-16", "utf-32")):
            candidates.append("cp1252" if codec in _WINDOWS_1252_LABELS else codec)
    for codec in candidates:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    text = data.decode("utf-8", errors="surrogateescape")
    return re.sub("[\udc80-\udcff]", _windows_1252, text), "utf-8+cp1252"


def _ebcdic_codec(data: bytes) -> str:
    """The EBCDIC code page an EBCDIC document declares (cp500, cp875, cp1140, …)."""
    decl = _XML_DECL_ENCODING.match(data[:200].decode("cp037").encode("ascii", "replace"))
    if decl is not None:
        try:
            codec = codecs.lookup(decl.group(1).decode("ascii"))
        except LookupError:
            return "cp037"
        if codecs.encode("<?xml", codec.name) == b"\x4c\x6f\xa7\x94\x93":
            return codec.name
    return "cp037"


def _windows_1252(match: re.Match[str]) -> str:
    byte = bytes([ord(match.group(0)) - 0xDC00])
    try:
        return byte.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return byte.decode("latin-1")


def _repair(document: bytes) -> bytes:
    """A malformed document made as well-formed as text substitutions can: forbidden
    characters dropped, every entity reference made a character reference."""

    def reference(match: re.Match[str]) -> str:
        decimal, hexadecimal, name = match.groups()
        if decimal or hexadecimal:
            code = int(decimal, 10) if decimal else int(hexadecimal, 16)
            # A reference to a character XML forbids (&#0;, &#xD800;): libxml2 would keep
            # its bytes as invalid UTF-8.
            valid = code <= 0x10FFFF and not _NOT_XML_CHAR.match(chr(code))
            # "&#X41;": XML wants a lower-case x, HTML takes either.
            return f"&#{code};" if valid else ""
        if name in _XML_PREDEFINED:
            return _XML_PREDEFINED[name]
        if name and name in _HTML5_ENTITIES:
            return "".join(f"&#{ord(char)};" for char in _HTML5_ENTITIES[name])
        return "&#38;" + (name or "")  # an unknown entity, or a bare ampersand, as text

    text = document.decode("utf-8", errors="surrogatepass").lstrip()
    text = _REFERENCE.sub(reference, _NOT_XML_CHAR.sub("", text))
    return text.encode("utf-8")


# --- sniffing -------------------------------------------------------------------------------

_LEADING_JUNK = re.compile(
    rb"(?:\s|<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[[^\]]*\])?\s*>)*", re.S | re.I
)
_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_FEED_ROOTS = frozenset({b"rss", b"feed", b"rdf", b"channel"})
_HTML_ROOTS = frozenset(
    {b"html", b"head", b"body", b"meta", b"link", b"title", b"div", b"script", b"p", b"table"}
)
_HTML_DOCTYPE = re.compile(rb"(?:<\?[^>]*\?>\s*)?<!doctype\s+html", re.I)
_FEED_ROOT_ANYWHERE = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s/>]", re.I)
_JSON_FEED_VERSION = re.compile(rb'"version"\s*:\s*"https?://jsonfeed\.org/')


def _head(data: bytes) -> bytes:
    """The first few kilobytes as UTF-8, without BOM or leading whitespace."""
    head = data[:4096]
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="ignore").encode("utf-8").lstrip()
    for prefix, encoding in _UNMARKED:
        if head.startswith(prefix):
            return head.decode(encoding, errors="ignore").encode("utf-8").lstrip()
    return head.lstrip()


def sniff_format(data: bytes) -> str | None:
    """ "feed" for RSS/RDF/Atom XML or a JSON Feed, "html" for a web page, else None."""
    head = _head(data)
    if head.startswith(b"{"):
        if _JSON_FEED_VERSION.search(head):
            return "feed"
        return "feed" if _is_json_feed(_load_json(data)) else None
    start = _LEADING_JUNK.match(head)
    tag = _FIRST_TAG.match(head, start.end() if start else 0)
    if tag is not None:
        name = tag.group(1).lower().rpartition(b":")[2]
        if name in _FEED_ROOTS:
            return "feed"
        if name in _HTML_ROOTS:
            return "html"
    if _HTML_DOCTYPE.match(head):
        return "html"
    # A long comment or DTD before the root: look further, but not forever.
    if tag is None and _FEED_ROOT_ANYWHERE.search(data, 0, 65536):
        return "feed"
    return None


def _load_json(data: bytes) -> object:
    try:
        return load_json_capped(data.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError):
        return None


_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_VALUE = json.JSONDecoder().raw_decode  # (text, index) -> (value, end)


def load_json_capped(text: str) -> Any:
    """json.loads, except that an object's "items" array is read only as far as its first
    MAX_ENTRIES elements, and nothing after them is read at all (as with XML floods):
    10 MB of `{}` items would otherwise be 1.5 million dicts. ValueError when malformed."""
    at = _JSON_SPACE.match(text).end()  # type: ignore[union-attr]
    if not text.startswith("{", at):
        return json.loads(text)
    document: dict[str, Any] = {}
    at = _json_skip(text, at + 1)
    if text.startswith("}", at):
        return _json_end(text, at + 1, document)
    while True:
        if not text.startswith('"', at):
            raise ValueError(f"Expecting property name enclosed in double quotes: char {at}")
        key, at = _JSON_VALUE(text, at)
        at = _json_skip(text, at)
        if not text.startswith(":", at):
            raise ValueError(f"Expecting ':' delimiter: char {at}")
        at = _json_skip(text, at + 1)
        if key == "items" and text.startswith("[", at):
            items, at, complete = _json_items(text, at)
            document[key] = items
            if not complete:
                return document
        else:
            document[key], at = _JSON_VALUE(text, at)
        at = _json_skip(text, at)
        if text.startswith(",", at):
            at = _json_skip(text, at + 1)
        elif text.startswith("}", at):
            return _json_end(text, at + 1, document)
        else:
            raise ValueError(f"Expecting ',' delimiter: char {at}")


def _json_items(text: str, at: int) -> tuple[list[Any], int, bool]:
    """The array at `at`: (its first MAX_ENTRIES values, where reading stopped, whether
    the array ended there)."""
    items: list[Any] = []
    at = _json_skip(text, at + 1)
    if text.startswith("]", at):
        return items, at + 1, True
    while len(items) < MAX_ENTRIES:
        value, at = _JSON_VALUE(text, at)
        items.append(value)
        at = _json_skip(text, at)
        if text.startswith(",", at):
            at = _json_skip(text, at + 1)
        elif text.startswith("]", at):
            return items, at + 1, True
        else:
            raise ValueError(f"Expecting ',' delimiter: char {at}")
    return items, at, False


def _json_skip(text: str, at: int) -> int:
    return _JSON_SPACE.match(text, at).end()  # type: ignore[union-attr]


def _json_end(text: str, at: int, document: dict[str, Any]) -> dict[str, Any]:
    if _json_skip(text, at) != len(text):
        raise ValueError(f"Extra data: char {at}")
    return document


def _is_json_feed(document: object) -> bool:
    if not isinstance(document, dict):
        return False
    version = document.get("version")
    if isinstance(version, str) and "jsonfeed.org" in version:
        return True
    return isinstance(document.get("items"), list) and "title" in document


# --- entry point ----------------------------------------------------------------------------


def parse_feed(
    data: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    with_content: bool = False,
) -> ParsedFeed:
    """Parse a feed document (format sniffed from the bytes, never trusted from headers).

    `url` is where it was fetched from (the base for relative links); `content_type` is
    the HTTP header, whose charset is one encoding hint among others. `with_content`
    keeps each entry's full body markup (`content:encoded`, Atom content, JSON Feed
    content_html) in `FeedEntry.content`, at the cost of parsing the bodies.
    Raises ParseError ("not a feed: …" or "malformed …").
    """
    head = _head(data)
    if not head:
        raise ParseError("not a feed: the document is empty")
    if head.startswith(b"{"):
        return _parse_json_feed(data, url, content_type, with_content)
    return _parse_xml_feed(data, url, content_type, with_content)


# --- XML --------------------------------------------------------------------------------------


# Hardened: no DTD loading, no entity substitution (billion laughs, external entities),
# no network, libxml2's default size and depth limits (huge_tree=False).
_PARSER_OPTIONS: dict[str, Any] = {
    "encoding": "utf-8",
    "recover": True,
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
    "strip_cdata": True,
}

# More entries than any real feed carries. Past it a document is a flood (10 MB of
# `<item/>` is 1.5 million elements, 1 GB as a tree): only its first entries are read.
MAX_ENTRIES = 1000
_FLOOD_CHECK_BYTES = 256 * 1024  # below this a document cannot hold a costly flood


def _make_parser() -> etree.XMLParser:
    return etree.XMLParser(**_PARSER_OPTIONS)


def _might_flood(document: bytes) -> bool:
    if len(document) < _FLOOD_CHECK_BYTES:
        return False
    return document.count(b"<item") + document.count(b"<entry") > MAX_ENTRIES


def _parse_xml_capped(document: bytes) -> etree._Element | None:
    """The root of a document with too many entries, built only as far as the first
    MAX_ENTRIES of them (libxml2's recover mode closes what is left open)."""
    parser = etree.XMLPullParser(events=("end",), tag=("{*}item", "{*}entry"), **_PARSER_OPTIONS)
    seen = 0
    step = 64 * 1024
    for start in range(0, len(document), step):
        parser.feed(document[start : start + step])
        seen += sum(1 for _ in parser.read_events())
        if seen > MAX_ENTRIES:
            break
    try:
        root = parser.close()
    except etree.XMLSyntaxError:
        return None
    return root if root is not None and isinstance(root.tag, str) else None


_VERSION = re.compile(r"[0-9]{1,2}(?:\.[0-9]{1,2}){0,2}")


class _BodiesNeeded(Exception):
    """An entry has no summary but its body, which a light parse left out."""


# Full-text bodies, which only entries without a summary need: an opening tag (RSS's
# content:encoded, Atom's content), and what ends its body: its closing tag, unless an
# entry starts first.
_BODY_OPENING = re.compile(rb"<(content:encoded|content)(?=[> \t\r\n])[^>]*>")
_BODY_END = {
    name: re.compile(b"</" + name + rb">|<item|<entry") for name in (b"content:encoded", b"content")
}


def _parse_xml_feed(
    data: bytes, url: str | None, content_type: str | None, with_content: bool = False
) -> ParsedFeed:
    document, warning = _utf8_document(data, content_type)
    feed = _parse_xml_document(document, data, url, with_content)
    return replace(feed, warnings=(warning,)) if warning else feed


def _parse_xml_document(
    document: bytes, data: bytes, url: str | None, with_content: bool
) -> ParsedFeed:
    keep = with_content
    if _might_flood(document) and (capped := _parse_xml_capped(document)) is not None:
        context = _Context(url, b"xml:base" in document, bodies=True, keep_content=keep)
        return _feed_from_tree(capped, data, context)
    # Most of a feed's bytes are entry bodies we never read when a summary is there:
    # parse without them first, and fall back to the whole document when that is unsafe.
    light = None if with_content else _without_bodies(document)
    if light is not None and (root := _parse_xml(light)) is not None:
        try:
            context = _Context(url, xml_base=b"xml:base" in light, bodies=False)
            return _feed_from_tree(root, data, context)
        except _BodiesNeeded:
            pass
    root = _parse_xml(document)
    if root is None:
        root = _parse_xml(_repair(document), recovering=True)
    if root is None:
        if sniff_format(data) == "html":
            raise _html_not_feed()
        if sniff_format(data) is None:
            raise ParseError("not a feed: no RSS, Atom or JSON Feed document in the response")
        raise ParseError("malformed XML: no element could be recovered")
    context = _Context(url, b"xml:base" in document, bodies=True, keep_content=keep)
    return _feed_from_tree(root, data, context)


def _utf8_document(data: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """The document in UTF-8 without a BOM (the bytes given, when they already are), and
    a warning when its bytes fitted no encoding it declared."""
    if not data.startswith(tuple(bom for bom, _ in _BOMS + _UNMARKED)):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return data, None
    text, codec = _decode(data, content_type)
    warning = None
    if codec == "utf-8+cp1252":
        declared = _declared_encodings(data, content_type)
        warning = (
            f"the feed's bytes are not {' or '.join(declared)} as it declares"
            if declared
            else "the feed declares no encoding and is not UTF-8"
        ) + "; read as UTF-8 where valid, else Windows-1252"
    return text.encode("utf-8", errors="surrogatepass"), warning


def _declared_encodings(data: bytes, content_type: str | None) -> list[str]:
    declared = []
    if content_type and (param := _CHARSET_PARAM.search(content_type)):
        declared.append(param.group(1))
    if decl := _XML_DECL_ENCODING.match(data):
        declared.append(decl.group(1).decode("ascii"))
    return list(dict.fromkeys(name.lower() for name in declared))


def _without_bodies(document: bytes) -> bytes | None:
    """`document` with every body element emptied, or None if it has none."""
    opening = _BODY_OPENING.search(document)
    if opening is None:
        return None
    parts = []
    pos = 0
    while opening is not None:
        tag_end = opening.end()
        if document[tag_end - 2 : tag_end - 1] != b"/":  # not <content/>
            end = _BODY_END[opening.group(1)].search(document, tag_end)
            # A cut that would take an entry with it (the opening tag was text in a comment
            # or CDATA, say) is not a body: read the whole document instead.
            if end is None or not end.group().startswith(b"</"):
                return None
            parts.append(document[pos:tag_end])
            pos = end.start()
        opening = _BODY_OPENING.search(document, max(pos, tag_end))
    parts.append(document[pos:])
    return b"".join(parts)


def _parse_xml(document: bytes, *, recovering: bool = False) -> etree._Element | None:
    """The root element of a well-formed document, else None; `recovering`, whatever
    element libxml2's recover mode makes of a malformed one."""
    parser = _make_parser()
    try:
        root = etree.fromstring(document, parser)
    except etree.XMLSyntaxError:  # recover mode gave up entirely
        return None
    # The network attempt is a DOCTYPE naming an external DTD, which we never load.
    if not recovering and any(e.type_name != "IO_NETWORK_ATTEMPT" for e in parser.error_log):
        return None
    return root if root is not None and isinstance(root.tag, str) else None


def _feed_from_tree(root: etree._Element, data: bytes, context: _Context) -> ParsedFeed:
    namespace, local = _split(root.tag)
    local = local.lower()
    if local == "rss":
        version = (root.get("version") or "").strip()
        # The version goes into messages and the store: only a version number, never junk.
        return _parse_rss(root, "rss" + version if _VERSION.fullmatch(version) else "rss", context)
    if local == "rdf":
        channel_ns = next((_split(c.tag)[0] for c in root if _local(c) == "channel"), _RSS10)
        return _parse_rss(root, "rss0.90" if channel_ns == _RSS090 else "rss1.0", context)
    if local == "channel":  # an RSS document missing its <rss> wrapper
        return _parse_rss(root, "rss", context)
    if local == "feed":
        return _parse_atom(root, "atom0.3" if namespace == _ATOM03 else "atom1.0", context)
    if local in ("html", "head", "body") or sniff_format(data) == "html":
        raise _html_not_feed()
    raise ParseError(f"not a feed: the XML document's root element is <{local[:40]}>")


def _html_not_feed() -> ParseError:
    return ParseError(
        "not a feed: the document is an HTML page",
        hint='use the site\'s feed URL, or set type = "page" for a listing page',
    )


# --- tree helpers ---------------------------------------------------------------------------


def _split(tag: str) -> tuple[str, str]:
    if tag[:1] == "{":
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _local(el: etree._Element) -> str:
    tag = el.tag
    return _split(tag)[1].lower() if isinstance(tag, str) else ""


def _markup(el: etree._Element) -> str:
    """The element's content as markup: its text, or its children serialised (markup that
    a feed put inside an element unescaped, or Atom's type="xhtml")."""
    if len(el) == 0:
        return el.text or ""
    parts = [el.text or ""]
    for child in el:
        # As HTML: "<object/>" would open an element that swallows the text after it.
        parts.append(etree.tostring(child, encoding="unicode", method="html", with_tail=False))
        parts.append(child.tail or "")
    return "".join(parts)


class _PlainText(str):
    """Text that is not markup (Atom's type="text"): its "<blink>" is part of the text."""

    __slots__ = ()


_PLAIN_TYPES = frozenset({"text", "text/plain", "plain"})
_HTML_KINDS = frozenset({"html", "text/html", "xhtml", "application/xhtml+xml"})
_ESCAPED_HTML = re.compile(
    r"</(?:p|a|b|i|em|strong|div|span|li|ul|ol|h[1-6]|blockquote|code|pre)>|<br\s*/?>|<p>", re.I
)


def _construct(el: etree._Element, *, atom: bool = False) -> str:
    """A text construct's content: markup, or _PlainText for type="text" (Atom's
    default, RFC 4287 §3.1.1); Atom 0.3's mode="base64" (and content of a non-text type)
    decoded first. An RSS element without a type is markup."""
    declared = el.get("type")
    mode = el.get("mode")
    if mode is None and declared in _HTML_KINDS:  # the usual case, first
        return _markup(el)
    kind = (declared or ("text" if atom else "")).strip().lower()
    mode = (mode or "").strip().lower()
    if mode == "base64" or ("/" in kind and not kind.startswith("text/") and "xml" not in kind):
        decoded = _base64_text(el.text or "")
        if decoded is None:
            return ""
        return _PlainText(decoded) if kind in _PLAIN_TYPES else decoded
    if kind in _PLAIN_TYPES:
        text = _plain(el)
        # Generators that leave the type out and escape HTML anyway: an undeclared type
        # holding paragraphs, links or line breaks is read as the HTML it plainly is.
        if not declared and _ESCAPED_HTML.search(text):
            return text
        return _PlainText(text)
    return _markup(el)


def _base64_text(data: str) -> str | None:
    try:
        return base64.b64decode("".join(data.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # not base64, or not text
        return None


def _plain(el: etree._Element) -> str:
    if len(el) == 0:
        return (el.text or "").strip()
    return "".join(cast("Iterator[str]", el.itertext())).strip()  # lxml gives str in py3


class _Children:
    """An element's children by key: "title" for the format's own elements, "dc:creator"
    for extensions (whatever prefix the document chose)."""

    def __init__(self, core: frozenset[str]) -> None:
        self.core = core
        self.keys: dict[object, str] = {}

    def of(self, el: etree._Element) -> dict[str, list[etree._Element]]:
        found: dict[str, list[etree._Element]] = {}
        keys = self.keys
        for child in el:
            tag = child.tag
            key = keys.get(tag)
            if key is None:
                key = keys[tag] = self._key(tag)
            if key:
                found.setdefault(key, []).append(child)
        return found

    def _key(self, tag: object) -> str:
        if not isinstance(tag, str):  # an entity reference left unexpanded: not an element
            return ""
        namespace, local = _split(tag)
        # Element names are case-insensitive in practice (CDF's <ITEM>, <TiTlE>).
        local = local.lower()
        if namespace in self.core:
            return local
        normal = namespace.lower().removeprefix("http://").removeprefix("https://").rstrip("/")
        return f"{_EXTENSIONS.get(normal, normal)}:{local}"


def _first(found: Mapping[str, list[etree._Element]], *keys: str) -> etree._Element | None:
    """The first of the elements named by `keys` that holds anything."""
    for key in keys:
        for el in found.get(key, ()):
            text = el.text
            if (text and not text.isspace()) or len(el) or el.attrib:
                return el
    return None


def _dates(
    published: etree._Element | None, updated: etree._Element | None
) -> tuple[datetime | None, datetime | None]:
    """An entry's publication and update dates (read once when the same, as they often are)."""
    published_text = _plain(published) if published is not None else None
    updated_text = _plain(updated) if updated is not None else None
    published_date = parse_date(published_text) if published_text is not None else None
    if updated_text == published_text:
        return published_date, published_date
    return published_date, parse_date(updated_text) if updated_text is not None else None


_EMAIL_AND_NAME = re.compile(r"\s*\S+@\S+\s*\((?P<name>[^)]+)\)\s*")
_NAME_AND_EMAIL = re.compile(
    r"\s*(?P<name>[^<(]+?)\s*(?:<[^>]*@[^>]*>|\(\s*[^()\s]+@[^()\s]+\s*\))\s*"
)


def _person(raw: str) -> str:
    """The name in "jo@example.com (Jo Doe)", "Jo Doe <jo@…>" or "Jo Doe (jo@…)", else
    `raw` (uncleaned)."""
    if "@" not in raw:  # most feeds give a name alone: no regex needed
        return raw
    match = _EMAIL_AND_NAME.fullmatch(raw) or _NAME_AND_EMAIL.fullmatch(raw)
    return match.group("name") if match else raw


@dataclass(frozen=True)
class _Context:
    """What one document's links are resolved against, and how the document was parsed."""

    url: str | None
    xml_base: bool
    bodies: bool
    feed_link: str | None = None
    keep_content: bool = False  # fill FeedEntry.content with the full body markup

    @functools.cached_property
    def bases(self) -> tuple[str, ...]:
        """What links are resolved against, best first: the response URL if http(s), else
        the feed's link (a saved copy of a feed should point at the web, not the disk)."""
        web = self.url if self.url and self.url.lower().startswith(("http:", "https:")) else None
        return tuple(dict.fromkeys(base for base in (web, self.feed_link, self.url) if base))

    def with_feed_link(self, feed_link: str | None) -> _Context:
        return replace(self, feed_link=feed_link)

    def link(self, el: etree._Element | None, href: str | None) -> str | None:
        """`href` made absolute against xml:base, else against `bases`."""
        if not href:
            return None
        bases: Sequence[str | None] = self.bases
        if self.xml_base and el is not None and (xml_base := el.base):
            # xml:base may itself be relative to the document (XML Base §4.2).
            for base in [*bases, None]:
                if absolute_base := resolve_url(base, xml_base):
                    bases = [absolute_base]
                    break
        for base in bases or [None]:
            absolute = resolve_url(base, href)
            if absolute is not None:
                return absolute if self._allowed(absolute) else None
        return None

    def _allowed(self, url: str) -> bool:
        # file: links only make sense inside a feed that was itself read from disk.
        if url[:5].lower() == "file:":
            return bool(self.url and self.url[:5].lower() == "file:")
        return True


@dataclass
class _Raw:
    """An entry's fields as found, before its text is cleaned (all entries at once)."""

    title: str = ""
    url: str | None = None
    summaries: list[str] = field(default_factory=list)  # markup, best first
    body_left_out: bool = False
    published: datetime | None = None
    updated: datetime | None = None
    authors: list[str] = field(default_factory=list)  # names as found
    guid: str | None = None
    image: str | None = None
    content: str | None = None  # the longest full body, as markup


def _entries(raws: Sequence[_Raw], context: _Context) -> tuple[tuple[FeedEntry, ...], int]:
    """Clean every entry's text in one go and build the entries; also how many entries
    were dropped for holding nothing usable (no title, link or text)."""
    titles = clean_titles([_markup_only(raw.title) for raw in raws])
    summaries = clean_summaries(
        [_markup_only(raw.summaries[0]) if raw.summaries else "" for raw in raws], SUMMARY_CHARS
    )
    names = iter(clean_titles([_person(name) for raw in raws for name in raw.authors]))
    entries = []
    for raw, title, summary in zip(raws, titles, summaries, strict=True):
        if isinstance(raw.title, _PlainText):
            title = text_line(raw.title)
        if raw.summaries and isinstance(raw.summaries[0], _PlainText):
            summary = clean_text_summary(raw.summaries[0], SUMMARY_CHARS)
        for fallback in raw.summaries[1:]:
            if summary:
                break
            if isinstance(fallback, _PlainText):
                summary = clean_text_summary(fallback, SUMMARY_CHARS)
            else:
                summary = clean_summary(fallback, SUMMARY_CHARS)
        if not summary and raw.body_left_out:
            raise _BodiesNeeded
        authors = [name for name in (next(names) for _ in raw.authors) if name]
        if not title and summary:
            # No title, but text (content, xhtml:body, media:description, a CDF abstract):
            # its first sentence stands in, as a reader would name the entry.
            title = truncate_sentences(summary, TITLE_CHARS, max_sentences=1)
        if not (title or raw.url or summary):
            continue
        entries.append(
            FeedEntry(
                title=title or None,
                url=raw.url,
                summary=summary or None,
                published=raw.published or raw.updated,
                updated=raw.updated,
                author=", ".join(dict.fromkeys(authors)) or None,
                guid=raw.guid or None,
                image=raw.image,
                content=raw.content if context.keep_content else None,
            )
        )
    return tuple(entries), len(raws) - len(entries)


def _markup_only(value: str) -> str:
    return "" if isinstance(value, _PlainText) else value


def _image(found: Mapping[str, list[etree._Element]], context: _Context) -> str | None:
    """An entry's picture: Media RSS thumbnail or image, image enclosure, iTunes image."""
    for el, href in _image_candidates(found):
        if link := context.link(el, href):
            return link
    return None


def _image_candidates(
    found: Mapping[str, list[etree._Element]],
) -> Iterator[tuple[etree._Element, str | None]]:
    for group in found.get("media:group", ()):
        for el in group:
            name = _local(el)
            if name == "thumbnail" or (name == "content" and _is_image(el)):
                yield el, el.get("url")
    for el in found.get("media:thumbnail", ()):
        yield el, el.get("url")
    for el in found.get("media:content", ()):
        if _is_image(el):
            yield el, el.get("url")
    for el in found.get("enclosure", ()):
        if _is_image(el):
            yield el, el.get("url")
    for el in found.get("itunes:image", ()):
        yield el, el.get("href")
    for el in found.get("link", ()):
        if el.get("rel") == "enclosure" and _is_image(el):
            yield el, el.get("href")


def _media_descriptions(found: Mapping[str, list[etree._Element]]) -> list[str]:
    """Media RSS descriptions, of the entry or of its media:group (YouTube's only text)."""
    elements = list(found.get("media:description", ()))
    for group in found.get("media:group", ()):
        elements += [el for el in group if _local(el) == "description"]
    return [markup for el in elements if (markup := _markup(el))]


def _is_image(el: etree._Element) -> bool:
    return el.get("medium") == "image" or (el.get("type") or "").startswith("image/")


# --- RSS ------------------------------------------------------------------------------------


def _parse_rss(root: etree._Element, version: str, context: _Context) -> ParsedFeed:
    channel = next((c for c in root if _local(c) == "channel"), root)
    # Some RSS 2.0 feeds declare a default namespace (userland's rss2 one, say).
    children = _Children(_CORE_RSS | {_split(channel.tag)[0]})
    info = children.of(channel)
    context = context.with_feed_link(_rss_link(info, context) or _cdf_link(channel, context))
    items = info.get("item", [])
    if channel is not root:  # RSS 1.0 puts items beside the channel; broken 2.0 feeds too
        items = items + [c for c in root if _local(c) == "item"]
    items = items[:MAX_ENTRIES]
    title = _first(info, "title", "dc:title")
    entries, dropped = _entries(
        [_rss_item(item, children.of(item), context) for item in items], context
    )
    return ParsedFeed(
        format=version,
        title=_feed_title(title),
        link=context.feed_link,
        entries=entries,
        dropped=dropped,
    )


def _feed_title(title: etree._Element | None, *, atom: bool = False) -> str | None:
    if title is None:
        return None
    value = _construct(title, atom=atom)
    return (text_line(value) if isinstance(value, _PlainText) else clean_title(value)) or None


def _rss_link(found: Mapping[str, list[etree._Element]], context: _Context) -> str | None:
    for link in found.get("link", ()):
        if href := context.link(link, _plain(link) or link.get("href")):
            return href
    for link in found.get("atom:link", ()):
        if (link.get("rel") or "alternate") == "alternate" and (
            href := context.link(link, link.get("href"))
        ):
            return href
    return None


# Where an RSS item's text is, best first: xhtml:body, <body> and <fullitem> are full
# content (as content:encoded is); <abstract> is CDF's.
_RSS_TEXTS = (
    *("description", "content:encoded", "xhtml:body", "body", "fullitem"),
    *("dc:description", "itunes:summary", "abstract"),
)


def _cdf_link(el: etree._Element, context: _Context) -> str | None:
    """CDF (Microsoft's Channel Definition Format) puts links in an HREF attribute."""
    return context.link(el, el.get("HREF") or el.get("href"))


def _keep_longest(raw: _Raw, markup: str) -> None:
    # A feed may give the whole article in content:encoded, in description, or in both
    # (one of them a teaser): the longest is the candidate full text.
    if raw.content is None or len(markup) > len(raw.content):
        raw.content = markup


_RSS_FULL_TEXTS = frozenset({"description", "content:encoded", "xhtml:body", "body", "fullitem"})


def _rss_item(
    item: etree._Element, found: Mapping[str, list[etree._Element]], context: _Context
) -> _Raw:
    raw = _Raw()
    if (title := _first(found, "title", "dc:title", "media:title")) is not None:
        raw.title = _construct(title)
    guid = _first(found, "guid")
    raw.guid = _plain(guid) if guid is not None else None
    if (orig := _first(found, "feedburner:origlink")) is not None:
        raw.url = context.link(orig, _plain(orig))  # FeedBurner's <link> is its redirect
    raw.url = raw.url or _rss_link(found, context) or _cdf_link(item, context)
    if raw.url is None and guid is not None and guid.get("isPermaLink") != "false":
        raw.url = context.link(guid, raw.guid)
    for key in _RSS_TEXTS:
        for el in found.get(key, ()):
            if markup := _markup(el):
                raw.summaries.append(markup)
                if key in _RSS_FULL_TEXTS:
                    _keep_longest(raw, markup)
            elif key == "content:encoded" and not context.bodies:
                raw.body_left_out = True
    raw.summaries += _media_descriptions(found)
    raw.published, raw.updated = _dates(
        _first(found, "pubdate", "dc:date", "dcterms:issued", "dcterms:created"),
        _first(found, "dcterms:modified", "atom:updated"),
    )
    if raw.published is None and raw.updated is None and (lastmod := item.get("LASTMOD")):
        raw.updated = parse_date(lastmod)  # CDF
    author = _first(found, "author", "dc:creator", "dc:author", "itunes:author")
    raw.authors = [_markup(author)] if author is not None else []
    raw.image = _image(found, context)
    return raw


# --- Atom -----------------------------------------------------------------------------------


def _parse_atom(root: etree._Element, version: str, context: _Context) -> ParsedFeed:
    children = _Children(_CORE_ATOM | {_split(root.tag)[0]})
    info = children.of(root)
    context = context.with_feed_link(_atom_link(info, context))
    feed_authors = _atom_authors(info, children)
    title = _first(info, "title")
    raws = []
    for entry in info.get("entry", [])[:MAX_ENTRIES]:
        raw = _atom_entry(children.of(entry), children, context)
        # RFC 4287 §4.2.1: an entry without authors has its feed's.
        raw.authors = raw.authors or feed_authors
        raws.append(raw)
    entries, dropped = _entries(raws, context)
    return ParsedFeed(
        format=version,
        title=_feed_title(title, atom=True),
        link=context.feed_link,
        entries=entries,
        dropped=dropped,
    )


_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _atom_link(found: Mapping[str, list[etree._Element]], context: _Context) -> str | None:
    links = [el for el in found.get("link", ()) if (el.get("rel") or "alternate") == "alternate"]
    # Prefer the HTML alternate over, say, a PDF or JSON version of the entry.
    links.sort(key=lambda el: (el.get("type") or "text/html") not in _HTML_TYPES)
    for el in links:
        if href := context.link(el, el.get("href") or _plain(el)):
            return href
    return None


def _atom_authors(found: Mapping[str, list[etree._Element]], children: _Children) -> list[str]:
    names = []
    for person in found.get("author", []) + found.get("dc:creator", []):
        details = children.of(person)
        if not details:  # <author>Jo Doe</author> or dc:creator: a name as text
            names.append(_markup(person))
        elif (name := _first(details, "name", "email")) is not None:
            names.append(_markup(name))
    return names


def _atom_entry(
    found: Mapping[str, list[etree._Element]], children: _Children, context: _Context
) -> _Raw:
    raw = _Raw()
    if (title := _first(found, "title", "media:title")) is not None:
        raw.title = _construct(title, atom=True)
    if (guid := _first(found, "id")) is not None:
        raw.guid = _plain(guid)
    if (orig := _first(found, "feedburner:origlink")) is not None:
        raw.url = context.link(orig, _plain(orig))
    raw.url = raw.url or _atom_link(found, context)
    for key in ("summary", "content"):
        for el in found.get(key, ()):
            if markup := _construct(el, atom=True):
                raw.summaries.append(markup)
                _keep_longest(raw, markup)
            elif key == "content" and not context.bodies and el.get("src") is None:
                raw.body_left_out = True
    raw.summaries += _media_descriptions(found)
    raw.published, raw.updated = _dates(
        _first(found, "published", "issued", "created", "dc:date"),
        _first(found, "updated", "modified"),
    )
    raw.authors = _atom_authors(found, children)
    raw.image = _image(found, context)
    return raw


# --- JSON Feed ------------------------------------------------------------------------------


def _parse_json_feed(
    data: bytes, url: str | None, content_type: str | None, with_content: bool = False
) -> ParsedFeed:
    text, _ = _decode(data, content_type)
    try:
        document = load_json_capped(text)
    except RecursionError as error:
        raise ParseError("malformed JSON: nested too deeply") from error
    except ValueError as error:
        raise ParseError(f"malformed JSON: {error}") from error
    if not _is_json_feed(document):
        raise ParseError("not a feed: JSON without a JSON Feed version or items")
    version = document.get("version")
    format_ = "json"
    if isinstance(version, str) and "jsonfeed.org" in version:
        format_ = "json1.0" if version.rstrip("/").endswith("/1") else "json1.1"
    context = _Context(url=url, xml_base=False, bodies=True, keep_content=with_content)
    context = context.with_feed_link(_json_link(context, document.get("home_page_url")))
    feed_authors = _json_authors(document)
    items = document.get("items")
    raws = [
        _json_item(item, context, feed_authors)
        for item in (items[:MAX_ENTRIES] if isinstance(items, list) else [])
        if isinstance(item, dict)
    ]
    title = document.get("title")
    entries, dropped = _entries(raws, context)
    return ParsedFeed(
        format=format_,
        title=(clean_title(title) or None) if isinstance(title, str) else None,
        link=context.feed_link,
        entries=entries,
        dropped=dropped,
    )


def _json_link(context: _Context, value: object) -> str | None:
    return context.link(None, value) if isinstance(value, str) else None


def _json_authors(holder: Mapping[str, Any]) -> list[str]:
    authors = holder.get("authors")
    people = list(authors) if isinstance(authors, list) else []
    if not people and isinstance(holder.get("author"), dict):  # JSON Feed 1.0
        people = [holder["author"]]
    names = [person.get("name") for person in people if isinstance(person, dict)]
    return [name for name in names if isinstance(name, str)]


def _json_item(item: Mapping[str, Any], context: _Context, feed_authors: list[str]) -> _Raw:
    title = item.get("title")
    guid = item.get("id")
    published = item.get("date_published")
    updated = item.get("date_modified")
    return _Raw(
        title=title if isinstance(title, str) else "",
        url=_json_link(context, item.get("url")) or _json_link(context, item.get("external_url")),
        summaries=[
            value
            for value in (item.get(key) for key in ("summary", "content_html", "content_text"))
            if isinstance(value, str) and value
        ],
        published=parse_date(published) if isinstance(published, str) else None,
        updated=parse_date(updated) if isinstance(updated, str) else None,
        # JSON Feed 1.1: an item without authors has the feed's.
        authors=_json_authors(item) or feed_authors,
        guid=str(guid) if isinstance(guid, str | int) and not isinstance(guid, bool) else None,
        image=_json_link(context, item.get("image"))
        or _json_link(context, item.get("banner_image")),
        content=_json_content(item),
    )


def _json_content(item: Mapping[str, Any]) -> str | None:
    markup = item.get("content_html")
    if isinstance(markup, str) and markup.strip():
        return markup
    plain = item.get("content_text")
    if isinstance(plain, str) and plain.strip():
        paragraphs = (html.escape(p.strip()) for p in plain.split("\n\n") if p.strip())
        return "".join(f"<p>{p}</p>" for p in paragraphs)
    return None
