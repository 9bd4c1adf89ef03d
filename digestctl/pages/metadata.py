"""An article page's metadata: title, summary, date, author, site, canonical URL and
image, each from the best evidence the page offers (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape as escape_html
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from digestctl.pages.authors import extract_author
from digestctl.pages.dates import extract_published
from digestctl.pages.evidence import (
    ARTICLE_TYPES,
    PAGE_TYPES,
    Page,
    in_masthead,
    ld_text,
    ld_url,
)
from digestctl.pages.html import cjk_count, clean_value, in_chrome, node_text, own_text, parse_html
from digestctl.pages.sites import SiteMatcher, publisher_names, site_names, text_key
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


# --- title ----------------------------------------------------------------------------

_TITLE_SEPARATORS = re.compile(r"(\s+[|–—·•»:/~>-]\s+|\s*::+\s*|\s+-{2,}\s+|:\s+)")


def _strip_site(title: str, is_site: SiteMatcher) -> str:
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


def _extract_title(page: Page, is_site: SiteMatcher) -> str | None:
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
    keys = [text_key(title) for title in titles]
    cuts: dict[int, str] = {}

    def cut(index: int) -> str:
        if index not in cuts:
            cuts[index] = _strip_site(titles[index], is_site)
        return cuts[index]

    headings = _headings(page)
    # The visible headline is what readers see: prefer it when the metadata agrees.
    for heading, node in headings.items():
        key = text_key(heading)
        for index, title_key in enumerate(keys):
            if key not in title_key:
                continue
            if key in (text_key(cut(index)), title_key):
                page.headline = node
                return heading
            # "Section: Headline" or "Headline | Section": the heading shows where to cut.
            ends = title_key.endswith(key) or title_key.startswith(key)
            if len(key) >= 15 and ends and not is_site(heading) and not in_masthead(node):
                page.headline = node
                return heading
    for index in range(len(titles)):
        if any(ch.isalnum() for ch in cut(index)):
            page.headline = _shown_headline(page, cut(index))
            return cut(index)
    # Every declared title is the site's name: a home or section page.
    for heading, node in headings.items():
        if not is_site(heading) and not in_masthead(node):
            page.headline = node
            return heading
    return titles[0] if titles else None


def _shown_headline(page: Page, title: str) -> LexborNode | None:
    """The heading that shows `title` when no <h1> does: old templates set the headline
    as an <h2>-<h4> under a logo <h1> ("Engadget")."""
    key = text_key(title)
    for tag in ("h2", "h3", "h4"):
        for node in page.tree.tags(tag)[:20]:
            if text_key(node_text(node)) == key:
                return node
    return None


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


def _is_substantial(text: str) -> bool:
    """Prose rather than a label, a date line or a one-line teaser."""
    if len(text) >= 80 or cjk_count(text) >= 30:
        return True
    return len(text) >= 40 and len(text.split()) >= 6 and bool(_SENTENCE_END.search(text))


def _first_paragraph(page: Page) -> str | None:
    """The text of the main content's first substantial paragraph."""
    root = page.content_root()
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


def _extract_summary(page: Page, title: str | None, is_site: SiteMatcher) -> str | None:
    """The page's own description when it reads as a summary, else the lead paragraph of
    the main content. A description the CMS cut short gives way to the paragraph it was
    cut from."""
    raws: list[str | None] = [
        ld_text(obj.get("description")) for obj in page.ld_of_types(ARTICLE_TYPES)
    ]
    meta = page.meta
    raws += [values[0] for key in _DESCRIPTION_META if (values := meta.get(key))]
    raws += [ld_text(obj.get("description")) for obj in page.ld_of_types(PAGE_TYPES)]
    title_key = text_key(title) if title else None
    for raw in dict.fromkeys(r for r in raws if r):
        raw = _without_title_sentence(raw, title_key, is_site)
        summary = clean_summary(raw, SUMMARY_MAX_CHARS)
        if len(summary) < 20 or text_key(summary) == title_key:
            continue
        # "Example.org - news and views": the site's tagline, on every page alike.
        if len(summary) < 80 and not _SENTENCE_END.search(summary) and is_site.named_in(summary):
            continue
        # A description cut short ("…", mid-word, a teaser's first words): the paragraph
        # it was cut from says it whole.
        ellipsis = raw.rstrip().endswith(("…", "..."))
        fragment = len(summary) < 60 or len(summary) >= _CMS_CUT
        if ellipsis or (fragment and not _SENTENCE_END.search(summary)):
            kept = text_key(summary.rstrip(".… "))
            if ellipsis or len(summary) >= _CMS_CUT:  # perhaps cut mid-word
                kept = kept.rsplit(" ", 1)[0]
            paragraph = _paragraph_with(page, kept)
            if paragraph:
                return _paragraph_summary(paragraph)
        # Content systems cut descriptions at a fixed length, mid-word: keep the whole
        # sentences before the cut, if there are any (one long sentence may be complete).
        if len(summary) >= _CMS_CUT and not _SENTENCE_END.search(summary):
            whole = truncate_sentences(summary, len(summary) - 1)
            summary = whole if _FULL_STOP.search(whole) else summary
        return summary
    paragraph = _first_paragraph(page)
    return _paragraph_summary(paragraph) if paragraph else None


def _paragraph_with(page: Page, snippet: str) -> str | None:
    """The main content's first paragraph if it contains `snippet` (a comparison key)."""
    paragraph = _first_paragraph(page) if len(snippet) >= 15 else None
    return paragraph if paragraph and snippet in text_key(paragraph) else None


def _without_title_sentence(raw: str, title_key: str | None, is_site: SiteMatcher) -> str:
    """A description without a first sentence that only names the page: "Read 'Apple says
    Steve Jobs resigning as CEO' on Yahoo! News. Steve Jobs, …"."""
    if not title_key:
        return raw
    end = raw.find(". ")
    first = raw[: end + 1]
    if 0 < end <= len(title_key) + 40 and title_key in text_key(first) and is_site.named_in(first):
        return raw[end + 2 :]
    return raw


def _paragraph_summary(paragraph: str) -> str | None:
    # Escaped, because it is text already: clean_summary must not decode it a second time.
    summary = clean_summary(escape_html(paragraph, quote=False), SUMMARY_MAX_CHARS)
    # Thai writes no sentence marks: "12.00 น." (o'clock) is not a sentence's end.
    if len(summary) < 80 and len(paragraph) > 2 * SUMMARY_MAX_CHARS // 3:
        cut = paragraph[: paragraph.rfind(" ", 0, SUMMARY_MAX_CHARS - 1)].rstrip(" ,;:")
        summary = f"{cut}…" if len(cut) > len(summary) else summary
    return summary or None


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


def extract_metadata(
    html: bytes | str, url: str, *, charset: str | None = None, now: datetime | None = None
) -> PageMetadata:
    """The title, summary, date, author, site, canonical URL and image a page declares.

    Evidence is weighed best first: JSON-LD, Dublin Core, OpenGraph, Twitter cards,
    other <meta>, then the visible page (<h1>, <title>, <time>, bylines, the first real
    paragraph). `charset` is the HTTP header's, which outranks the page's own <meta>.
    Raises ParseError only for content that is not HTML at all (binary data).
    """
    page = Page(parse_html(html, url, charset), url)
    names = site_names(page)
    is_site = SiteMatcher([*names, *publisher_names(page)], url)
    title = _extract_title(page, is_site)
    return PageMetadata(
        title=title or None,
        summary=_extract_summary(page, title, is_site),
        published=extract_published(page, url, (now or datetime.now(UTC)) + timedelta(days=1)),
        author=extract_author(page, is_site),
        site=names[0] if names else None,
        url=_extract_url(page, url),
        image=_extract_image(page),
    )
