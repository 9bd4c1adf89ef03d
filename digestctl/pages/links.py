"""A listing page's article links: by the editor's CSS selector or by a heuristic (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from digestctl.errors import ParseError
from digestctl.pages.html import base_url, class_and_id, in_chrome, node_text, parse_html
from digestctl.urls import canonicalize_url, resolve_url

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
    tree = parse_html(html, url)
    base = base_url(tree, url)
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
        if tag == "article" or "hentry" in class_and_id(current).split():
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
        text = node_text(anchor)
        if _PAGER_TEXT.match(text) or in_chrome(anchor, _LINK_CHROME):
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
