"""An article page's metadata: title, summary, date, author, site, canonical URL and
image, each from the best evidence the page offers (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from html import escape as escape_html
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from digestctl.pages.authors import extract_author
from digestctl.pages.dates import extract_published
from digestctl.pages.evidence import (
    ARTICLE_TYPES,
    PAGE_TYPES,
    SITE_TYPES,
    Page,
    in_masthead,
    ld_text,
    ld_url,
)
from digestctl.pages.html import cjk_count, clean_value, in_chrome, node_text, own_text, parse_html
from digestctl.text import clean_summary, truncate_sentences
from digestctl.urls import canonicalize_url

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


def _site_names(page: Page) -> list[str]:
    names: list[str] = list(page.meta.get("og:site_name", ()))
    for obj in page.ld_of_types(ARTICLE_TYPES | PAGE_TYPES):
        names.extend(page.ld_names(obj.get("publisher")))
    for obj in page.ld_of_types(SITE_TYPES):
        names.extend(page.ld_names(obj.get("name")))
    unique: dict[str, str] = {}
    for name in names:
        cleaned = clean_value(name)
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


def _headings(page: Page) -> dict[str, LexborNode]:
    found: dict[str, LexborNode] = {}
    for node in page.h1()[:8]:
        text = node_text(node)
        if text and text not in found:
            found[text] = node
    return found


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


def _extract_title(page: Page, is_site: _SiteMatcher) -> str | None:
    declared: list[str | None] = []
    for obj in page.ld_of_types(ARTICLE_TYPES):
        declared += [ld_text(obj.get("headline")), ld_text(obj.get("name"))]
    meta = page.meta
    declared += [values[0] for key in _TITLE_META if (values := meta.get(key))]
    title_node = page.tree.css_first("title")
    declared.append(title_node.text(deep=True) if title_node is not None else None)
    for obj in page.ld_of_types(PAGE_TYPES):
        declared.append(ld_text(obj.get("name")))
    raws = dict.fromkeys(raw for raw in declared if raw)
    titles = list(dict.fromkeys(t for t in (clean_value(raw) for raw in raws) if t))
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
            if len(key) >= 15 and ends and not is_site(heading) and not in_masthead(node):
                return heading
    for index in range(len(titles)):
        if any(ch.isalnum() for ch in cut(index)):
            return cut(index)
    # Every declared title is the site's name: a home or section page.
    for heading, node in headings.items():
        if not is_site(heading) and not in_masthead(node):
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
_CMS_CUT = 150
_FULL_STOP = re.compile(r"[.!?。！？][\"'”’»)\]]*$")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
_CONTENT_ROOTS = (
    "[itemprop~=articleBody], article, main, [role=main], .entry-content, .post-content, "
    ".article-body, .story-body"
)


def _is_substantial(text: str) -> bool:
    """Prose rather than a label, a date line or a one-line teaser."""
    if len(text) >= 80 or cjk_count(text) >= 30:
        return True
    return len(text) >= 40 and len(text.split()) >= 6 and bool(_SENTENCE_END.search(text))


def _first_paragraph(page: Page) -> str | None:
    """The text of the main content's first substantial paragraph."""
    root = page.tree.css_first(_CONTENT_ROOTS)
    scopes = [root, page.tree.body] if root is not None else [page.tree.body]
    for scope in scopes:
        if scope is None:
            continue
        for node in scope.css("p"):
            text = node_text(node)
            if not _is_substantial(text) or _in_paragraph_chrome(node, scope):
                continue
            linked = sum(len(node_text(a)) for a in node.css("a"))
            if linked <= len(text) / 2:
                return own_text(node)
    # Old and hand-written pages put their prose straight into <div>s and <td>s.
    for scope in scopes:
        if scope is None:
            continue
        for node in scope.css("div, td, section, article"):
            text = own_text(node)
            if _is_substantial(text) and not _in_paragraph_chrome(node, scope):
                return text
    return None


def _in_paragraph_chrome(node: LexborNode, scope: LexborNode) -> bool:
    current = node.parent
    while current is not None and current.mem_id != scope.mem_id:
        if current.tag in _PARAGRAPH_SKIP_TAGS:
            return True
        current = current.parent
    return in_chrome(node, _SUMMARY_CHROME, stop=scope)


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


def _extract_summary(page: Page, title: str | None, is_site: _SiteMatcher) -> str | None:
    raws: list[str | None] = [
        ld_text(obj.get("description")) for obj in page.ld_of_types(ARTICLE_TYPES)
    ]
    meta = page.meta
    raws += [values[0] for key in _DESCRIPTION_META if (values := meta.get(key))]
    raws += [ld_text(obj.get("description")) for obj in page.ld_of_types(PAGE_TYPES)]
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


# --- canonical URL and image ------------------------------------------------------------


def _extract_url(page: Page, url: str) -> str | None:
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


def _extract_image(page: Page) -> str | None:
    for raw in _image_candidates(page):
        resolved = page.resolve(raw)
        if resolved and resolved.startswith(("http://", "https://")):
            return resolved
    return None


def _image_candidates(page: Page) -> Iterator[str | None]:
    yield page.first_meta("og:image", "og:image:url", "og:image:secure_url", "twitter:image")
    yield page.first_meta("twitter:image:src", "thumbnailurl", "image")
    for obj in page.ld_of_types(ARTICLE_TYPES):
        yield ld_url(obj.get("image"))
    link = page.head_link("image_src")
    yield link.attributes.get("href") if link is not None else None


def extract_metadata(html: bytes | str, url: str, *, charset: str | None = None) -> PageMetadata:
    """The title, summary, date, author, site, canonical URL and image a page declares.

    Evidence is weighed best first: JSON-LD, Dublin Core, OpenGraph, Twitter cards,
    other <meta>, then the visible page (<h1>, <title>, <time>, bylines, the first real
    paragraph). `charset` is the HTTP header's, which outranks the page's own <meta>.
    Raises ParseError only for content that is not HTML at all (binary data).
    """
    page = Page(parse_html(html, url, charset), url)
    names = _site_names(page)
    is_site = _SiteMatcher(names, url)
    title = _extract_title(page, is_site)
    return PageMetadata(
        title=title or None,
        summary=_extract_summary(page, title, is_site),
        published=extract_published(page, url),
        author=extract_author(page),
        site=names[0] if names else None,
        url=_extract_url(page, url),
        image=_extract_image(page),
    )
