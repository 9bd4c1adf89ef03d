"""Origins: which links share a source's origin, and what a source's login may reach (pure)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from digestctl.fetch import FetchResponse
    from digestctl.models import Source

__all__ = ["same_origin", "vouched_for", "with_login"]


def vouched_for(link: str, source: Source, listing: FetchResponse) -> bool:
    """Whether `link`, found on the source's page, is trusted as the source's own URL is:
    it is on that URL's origin, and that URL was answered from a private address (an
    intranet source the editor chose). A public source's links are checked like any others,
    so a public site whose DNS is later pointed at an internal address gains nothing."""
    return listing.origin_private and _origin(link) == _origin(source.url)


def same_origin(link: str, url: str) -> bool:
    """Whether two URLs share scheme, host and port."""
    return _origin(link) == _origin(url)


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1  # an invalid port matches nothing
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), parts.hostname, port or default


# Headers that carry a login, as on a redirect in fetch.py: they stay on their own origin.
_LOGIN_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def with_login(link: str, source: Source) -> tuple[str, dict[str, str]]:
    """The URL and headers to fetch an article link with: the source's login (user:password@
    in its URL, Authorization or Cookie headers) on the source's own origin only, never on
    the other sites a listing links to."""
    home, there = urlsplit(source.url), urlsplit(link)
    if (home.scheme.lower(), home.hostname, home.port) != (
        there.scheme.lower(),
        there.hostname,
        there.port,
    ):
        return link, {k: v for k, v in source.headers.items() if k.lower() not in _LOGIN_HEADERS}
    # The listing's response URL has no user:password@ (so item links never carry it).
    userinfo, at, _ = home.netloc.rpartition("@")
    if at and "@" not in there.netloc:
        link = urlunsplit(there._replace(netloc=f"{userinfo}@{there.netloc}"))
    return link, dict(source.headers)
