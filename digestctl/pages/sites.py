"""The site a page belongs to: its declared names and its host, to tell the site's name
from an article's title or author (pure)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

from digestctl.pages.evidence import ARTICLE_TYPES, PAGE_TYPES, SITE_TYPES, Page
from digestctl.pages.html import clean_value

_COMPACT = re.compile(r"[\W_]+")
_QUOTES = re.compile("[’‘“”„«»]")
_PLAIN_QUOTE = {"’": "'", "‘": "'"}


def text_key(text: str) -> str:
    """A comparison key: case, spacing and typographic quotes folded."""
    # A regex, not str.translate: translating with a table is slow on non-ASCII text.
    if _QUOTES.search(text):
        text = _QUOTES.sub(lambda m: _PLAIN_QUOTE.get(m[0], '"'), text)
    return " ".join(text.casefold().split())


def compact(text: str) -> str:
    """Letters and digits only, case and accents folded: "El País" and "elpais" agree."""
    text = text.casefold()
    if not text.isascii():
        text = "".join(
            ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
        )
    return _COMPACT.sub("", text)


# Publisher <meta> that name the company rather than link to it.
_PUBLISHER_META = ("dc.publisher", "dcterms.publisher", "article:publisher", "publisher")


def publisher_names(page: Page) -> list[str]:
    """The publisher <meta> names: a company to tell from an author, not the site's
    name to show (some CMSs put the author there)."""
    return [
        value for key in _PUBLISHER_META for value in page.meta.get(key, ()) if "/" not in value
    ]


def site_names(page: Page) -> list[str]:
    """The names the page gives its site, its own first."""
    names: list[str] = list(page.meta.get("og:site_name", ()))
    for obj in page.ld_of_types(ARTICLE_TYPES | PAGE_TYPES):
        names.extend(page.ld_names(obj.get("publisher")))
    for obj in page.ld_of_types(SITE_TYPES):
        names.extend(page.ld_names(obj.get("name")))
    unique: dict[str, str] = {}
    for name in names:
        cleaned = clean_value(name)
        if cleaned:
            unique.setdefault(text_key(cleaned), cleaned)
    return list(unique.values())


def host_words(url: str) -> list[str]:
    host = urlsplit(url).hostname or ""
    labels = [label for label in host.split(".") if label not in {"www", "m", "amp"}]
    if len(labels) >= 2:
        labels = labels[:-1]  # a top-level domain names no site
    return [compact(label) for label in labels if len(label) >= 3]


class SiteMatcher:
    """Tells whether a piece of a <title> is the site's name rather than the article's."""

    def __init__(self, names: Iterable[str], url: str) -> None:
        self.names = {c for c in (compact(name) for name in names) if c}
        self.host_words = host_words(url)

    def __call__(self, part: str, *, strict: bool = False) -> bool:
        folded = compact(part)
        if not folded:
            return True  # punctuation between separators
        if strict:
            return folded in self.names or folded in self.host_words
        # "BBC News" for "BBC", "Ars" for "Ars Technica"; not "The Times en Español".
        if any(
            folded == name
            or (len(name) >= 4 and name in folded and len(folded) <= len(name) + 6)
            or (len(folded) >= 4 and folded in name)
            for name in self.names
        ):
            return True
        # "Ars Technica" on arstechnica.com, "BBC News" on bbc.co.uk.
        return len(part) <= 40 and any(
            word in folded or (len(folded) >= 4 and folded in word) for word in self.host_words
        )

    def is_host(self, name: str) -> bool:
        """Whether `name` is the site's host name ("CNN", "USA TODAY" on usatoday.com), or
        the host name and a word ("Betty Crocker Kitchens" on bettycrocker.com)."""
        folded = compact(name)
        return any(
            word == folded or (len(word) >= 5 and word in folded and len(folded) <= len(word) + 12)
            for word in self.host_words
        )

    def names_site(self, name: str) -> bool:
        """Whether `name` is the site's or its publisher's, as the page declares them
        ("BBC News", "Ediciones El País"): close enough, not merely mentioning it."""
        folded = compact(name)
        return any(
            site == folded or (len(site) >= 4 and site in folded and len(folded) <= len(site) + 12)
            for site in self.names
        )

    def named_in(self, text: str) -> bool:
        folded = compact(text)
        return any(name in folded for name in self.names if len(name) >= 4) or any(
            word in folded for word in self.host_words
        )
