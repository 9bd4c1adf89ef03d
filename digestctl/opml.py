"""OPML import and export (pure): what feed readers exchange subscriptions in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from digestctl.errors import ConfigError
from digestctl.models import Source


@dataclass(frozen=True)
class Outline:
    title: str | None
    url: str
    tags: tuple[str, ...] = ()


def parse_opml(data: bytes, *, label: str = "OPML file") -> list[Outline]:
    """Every outline with an xmlUrl, with its enclosing folders as tags."""
    from lxml import etree

    # Hardened: an OPML file is someone else's text too.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise ConfigError([f"{label}: not OPML: {e}"]) from None
    if root is None or root.tag != "opml":
        raise ConfigError([f"{label}: not OPML (no <opml> root element)"])
    found: list[Outline] = []

    def walk(node: etree._Element, folders: tuple[str, ...]) -> None:
        for child in node:
            if child.tag != "outline":
                continue
            url = (child.get("xmlUrl") or "").strip()
            title = (child.get("title") or child.get("text") or "").strip() or None
            if url:
                found.append(Outline(title, url, folders))
            else:
                walk(child, (*folders, title) if title else folders)

    body = root.find("body")
    if body is not None:
        walk(body, ())
    return found


def format_opml(sources: Sequence[Source], title: str = "digestctl sources") -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{_text(title)}</title></head>",
        "  <body>",
    ]
    for s in sources:
        if not s.url.startswith(("http://", "https://")):
            continue
        lines.append(
            f'    <outline type="rss" text={quoteattr(s.name)} title={quoteattr(s.name)}'
            f" xmlUrl={quoteattr(s.url)}/>"
        )
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
