"""What a page declares about itself: <meta> tags, JSON-LD objects, and the parsed tree
they came from, gathered once per page for the metadata extractors (pure)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import cast

from selectolax.lexbor import LexborHTMLParser, LexborNode

from digestctl.pages.html import base_url, in_chrome
from digestctl.urls import resolve_url

# --- evidence: <meta> and JSON-LD ---------------------------------------------------------

ARTICLE_TYPES = frozenset(
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
PAGE_TYPES = frozenset(
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
SITE_TYPES = frozenset({"website"})
# <meta property="dc:title"> and <meta name="DC.title"> are the same thing.
_META_KEY_PREFIXES = (("dcterm:", "dcterms."), ("dcterms:", "dcterms."), ("dc:", "dc."))

JsonObject = dict[str, object]


class Page:
    """One parsed page and the evidence it carries."""

    def __init__(self, tree: LexborHTMLParser, url: str) -> None:
        self.tree = tree
        self.url = url
        self.meta = _read_meta(tree)
        if "parsely-page" in self.meta:
            _read_parsely(self.meta)
        self.ld = [(_ld_types(obj), obj) for obj in _read_json_ld(tree)]
        self.ld_ids = {obj["@id"]: obj for _, obj in self.ld if isinstance(obj.get("@id"), str)}
        self.base = base_url(tree, url)
        self._marked: list[LexborNode] | None = None
        self._h1: list[LexborNode] | None = None
        # The element showing the article's headline, once the title is known.
        self.headline: LexborNode | None = None
        self._content: LexborNode | bool | None = False  # False: not looked for yet

    def marked_nodes(self) -> list[LexborNode]:
        """Elements marked as holding a date or a byline, in page order: one search
        shared by the date and author fallbacks."""
        if self._marked is None:
            # Bylines and dates sit by the headline: search only its article (each selector
            # in a list costs a pass over the tree), or the whole page if there is none.
            region = self.headline_region() or self.tree
            self._marked = region.css(_MARKED_ELEMENTS)
        return self._marked

    def headline_node(self) -> LexborNode | None:
        """The headline's element: the one the title was read from, else the first <h1>
        that is not the site's logo."""
        if self.headline is not None:
            return self.headline
        return next((h for h in self.h1() if not in_masthead(h)), None)

    def headline_region(self) -> LexborNode | None:
        """The <article> or <main> holding the headline, else the blocks around it."""
        heading = self.headline_node()
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

    def content_root(self) -> LexborNode | None:
        """The element holding the article's text (articleBody, <article>, <main>...)."""
        if self._content is False:
            self._content = self.tree.css_first(_CONTENT_ROOTS)
        return self._content if isinstance(self._content, LexborNode) else None

    def language(self) -> str | None:
        """The page's language as it declares it: <html lang>, else its <meta>."""
        root = self.tree.root
        lang = root.attributes.get("lang") or root.attributes.get("xml:lang") if root else None
        return lang or self.first_meta("content-language", "dc.language", "og:locale")

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


def ld_text(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        for part in value:
            if text := ld_text(part):
                return text
    if isinstance(value, dict):
        return ld_text(value.get("@value"))
    return None


def ld_url(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        for part in value:
            if url := ld_url(part):
                return url
    if isinstance(value, dict):
        return ld_url(value.get("url") or value.get("contentUrl") or value.get("@id"))
    return None


_HEADING_CHROME = re.compile(
    r"(?:^|\s)(?:header|site-header|masthead|logo|branding|site-branding|site-title|"
    r"site-name|navbar|top-?bar|sidebar|widget)(?:$|\s)",
    re.I,
)


def in_masthead(heading: LexborNode) -> bool:
    """A site's logo or name set as an <h1>. Pages without <article> put the headline
    in a bare <header> too, so the element alone does not decide."""
    return in_chrome(heading, _HEADING_CHROME, page_regions=False)


_CONTENT_ROOTS = (
    "[itemprop~=articleBody], article, main, [role=main], .entry-content, .post-content, "
    ".article-body, .story-body"
)
_MARKED_ELEMENTS = (
    "[itemprop~=datePublished], [itemprop~=author], [rel~=author], abbr.published, time, "
    "[class*=date i], [class*=byline i], [data-testid*=date i], [class*=publish i], "
    # "aut": author, and French auteur, Spanish/German/Czech autor in one pass; Spanish
    # and Italian bylines are "firma"; Drupal dates "submitted".
    "[class*=aut i], [class*=firma i], [class*=submitted i]"
)
# An <aside> in an article often holds its date, author and reading time.
