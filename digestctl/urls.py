"""URL canonicalisation, resolution and safety checks (pure).

A canonical URL is what makes "the same story seen twice" one item: see `canonicalize_url`.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_CANONICAL_SCHEMES = frozenset({"http", "https", "file"})
_SAFE_LINK = re.compile(r"(?:https?://[^/?#\s]|mailto:)", re.IGNORECASE)

# Parameters that identify a campaign or a click, never the resource. Matched case-insensitively.
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",
        "yclid",
        "igshid",
        "igsh",
        "ref_src",
        "ref_url",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "vero_conv",
        "wickedid",
        "rb_clickid",
        "s_cid",
        "_ga",
        "_gl",
        "spm",
        "mbid",
        "cmpid",
        "sr_share",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_")

# RFC 3986 §2.3: escapes of unreserved characters are equivalent to the characters.
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters left as they are when percent-encoding a path or a query: reserved ones and '%'.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = "/?%:@!$&'()*+,;=-._~[]|"
# WHATWG URL parsing strips C0 controls and spaces at both ends of a URL.
_BAD_HOST_CHAR = re.compile(r"[\x00-\x20\x7f<>\"`{}|\\^/?#@%\[\]]")
_PLAIN_ABSOLUTE = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][!#-~]*)?")
_EDGE_JUNK = "".join(chr(c) for c in range(0x21))


def canonicalize_url(url: str, base: str | None = None) -> str | None:
    """The canonical form of `url` (resolved against `base`), or None if not http(s)/file.

    Scheme and host lower-cased, default port, fragment and tracking parameters dropped,
    dot segments removed, percent-escapes normalised (RFC 3986 §6.2.2); the other query
    parameters keep their order and spelling. Idempotent.
    """
    absolute = resolve_url(base, url)
    if absolute is None:
        return None
    try:
        parts = urlsplit(absolute)
        port = parts.port
    except ValueError:  # bad IPv6 literal or port
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if (scheme != "file" and not host) or _BAD_HOST_CHAR.search(host):
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    userinfo, at, _ = parts.netloc.rpartition("@")
    if at:
        netloc = f"{_encode(userinfo, _PATH_SAFE)}@{netloc}"
    path = _remove_dot_segments(_encode(parts.path, _PATH_SAFE))
    if not path and scheme != "file":
        path = "/"
    query = _strip_tracking(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def url_id(key: str) -> str:
    """A short stable id for `key` (usually a canonical URL): 10 base32 chars of its SHA-1."""
    import base64
    import hashlib  # here: its OpenSSL set-up costs every command ~2 ms at start-up

    digest = hashlib.sha1(key.encode("utf-8", "surrogatepass")).digest()
    return base64.b32encode(digest).decode("ascii")[:10].lower()


def resolve_url(base: str | None, href: str) -> str | None:
    """`href` made absolute against `base`; None unless the result is http(s) or file.

    The fragment is kept; nothing else is normalised (that is `canonicalize_url`'s job).
    """
    href = _clean_input(href)
    if _PLAIN_ABSOLUTE.fullmatch(href):  # most links in feeds: nothing to resolve
        return href
    try:
        absolute = urljoin(_clean_input(base), href) if base else urlsplit(href).geturl()
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme.lower() not in _CANONICAL_SCHEMES:
        return None
    if parts.scheme.lower() != "file" and not parts.netloc:
        return None
    return absolute


def is_safe_link(url: str) -> bool:
    """True for http(s) URLs with a host and mailto: links: the only links we ever emit."""
    return _SAFE_LINK.match(_clean_input(url)) is not None


def without_login(url: str) -> str:
    """The URL without user:password@, so credentials never reach messages, logs or output."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _clean_input(url: str) -> str:
    # WHATWG URL parsing: C0 controls and spaces at the ends go, and tabs and newlines
    # anywhere ("java\tscript:" is javascript:, "http\n://" is http://).
    return url.strip(_EDGE_JUNK).replace("\t", "").replace("\n", "").replace("\r", "")


def _strip_tracking(query: str) -> str:
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = _PCT.sub(lambda m: chr(int(m.group(1), 16)), pair.partition("=")[0]).lower()
        if name in _TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES):
            continue
        kept.append(_encode(pair, _QUERY_SAFE))
    return "&".join(kept)


def _encode(text: str, safe: str) -> str:
    """Percent-encode what must be, keep existing escapes, normalise them (RFC 3986 §6.2.2)."""
    # surrogatepass: a lone surrogate (from a broken JSON feed) is kept, not a crash.
    return _normalise_escapes(quote(text, safe=safe, errors="surrogatepass"))


def _normalise_escapes(text: str) -> str:
    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _PCT.sub(fix, text)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, for paths that never went through urljoin."""
    if "." not in path:
        return path
    segments = path.split("/")
    if not any(s in (".", "..") for s in segments):
        return path
    output: list[str] = []
    for segment in segments:
        if segment == ".":
            continue
        if segment == "..":
            if len(output) > 1:
                output.pop()
            continue
        output.append(segment)
    if segments[-1] in (".", ".."):
        output.append("")
    result = "/".join(output)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result
