"""Who wrote an article (pure): JSON-LD people, author <meta> tags, bylines marked up on
the page or written as "By …" lines by the headline, in several languages. A site's or
publisher's name, a wire service, a desk, a job title or a social handle is not an author.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from selectolax.lexbor import LexborNode

from digestctl.pages.dates import MONTHS
from digestctl.pages.evidence import ARTICLE_TYPES, PAGE_TYPES, Page
from digestctl.pages.html import clean_value, has_descendants, in_chrome, texts_after, visible_text
from digestctl.pages.sites import SiteMatcher

# "By", "Von", "Par", "Por", "Di", "Door", "Av", "Autor:", "Napsal", "بقلم", "作者：" …
_BY = re.compile(
    r"^(?:(?:written|posted|published|words|text|story|reported|report|photos?|interview)"
    r"(?:\s+and\s+\w+)?\s+by|by|von|par|por|di|door|av|af|autor(?:in|a|e)?|author|auteur|"
    r"napsal[a]?|text|texto|testo|tekst|verfasst\s+von|redakce|bericht|"
    r"بقلم|كتب|كتبت|إعداد)\b\s*:?\s*|^(?:作者|记者|記者|文|筆者|撰文)\s*[:：]\s*",
    re.I,
)
_BYLINE_SEPARATORS = re.compile(r"\s+[-|•·–—/]\s+|\s*[\n|•·]\s*|\s{3,}|\s+/\s*")
_NAME_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bund\b|\bet\b|\by\b|\be\b|&|،|、)\s*", re.I)
# What follows a name in a byline: "on June 26, 2014", "posted Aug 18th 2010", "le 05/04/2013".
_AFTER_NAME = re.compile(
    r"\s+(?:on|posted|published|updated|am|le|el|il|dne|op|в)\s+\D{0,20}\d.*$|\s+\d.*$", re.I
)
_HANDLE = re.compile(r"(?:^|\s)@\w+")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_DOMAIN = re.compile(r"\b[\w-]+\.(?:com|org|net|[a-z]{2})\b", re.I)
_NOT_NAMES = frozenset(
    {
        "admin",
        "administrator",
        "root",
        "user",
        "guest",
        "anonymous",
        "unknown",
        "staff",
        "editor",
        "editors",
        "the editors",
        "author",
        "guest author",
        "webmaster",
        "super user",
        "site admin",
        "submitted",
        "redaktion",
        "rédaction",
        "redacción",
        "redazione",
        "redakce",
        "redactie",
        "press release",
        "pressemitteilung",
        # Wire services and agencies are sources, not authors.
        "ap",
        "afp",
        "ansa",
        "apa",
        "dpa",
        "efe",
        "epa",
        "pa",
        "čtk",
        "ctk",
        "kyodo",
        "reuters",
        "associated press",
        "agence france-presse",
        "press association",
        "agencies",
        "agences",
        "agenturen",
        "wires",
    }
)
# Wire services in a byline's words: "AP Technology Writers".
_WIRES = frozenset({"ap", "afp", "ansa", "apa", "dpa", "efe", "epa", "reuters", "kyodo", "čtk"})
# A byline ending in one of these names a team, not a person: "National Desk", "Verge Staff".
_TEAM_WORDS = frozenset(
    {"desk", "staff", "team", "newsroom", "redaktion", "wire", "wires", "editors", "reporters"}
    | {"writers", "correspondents", "journalists", "contributors", "board"}
)
# Where a job title starts: "Andrea Stone Senior Washington Correspondent",
# "Lilian Alemagna Envoyés spéciaux à Toulouse", "최윤호 기자".
_ROLE = re.compile(
    r"(?:^|\s)(?:senior|chief|executive|managing|deputy|contributing|special|associate|"
    r"assistant|staff|editor|editors|reporter|reporters|correspondent|writer|writers|"
    r"columnist|contributor|analyst|producer|journalist|photographer|host|anchor|"
    r"journaliste|rédacteur|rédactrice|envoyée?s?|correspondante?|redakteur(?:in)?|"
    r"korrespondent(?:in)?|reporterin|autorin|corresponsal|redactora?|periodista|"
    r"giornalista|inviat[oa]|corrispondente|redaktor(?:ka)?|zpravodaj(?:ka)?|reportér(?:ka)?|"
    r"مراسل|محرر|기자|특파원|記者|编辑|編集委員|特派員)(?:$|\s)",
    re.I,
)
# Lower-case words inside names: "Alejandro de la Garza", "Lauren del Valle".
_PARTICLES = frozenset(
    {"de", "del", "della", "der", "den", "di", "da", "das", "do", "dos", "du", "la", "le"}
    | {"van", "von", "ter", "ten", "y", "bin", "ibn", "al", "el", "zu", "af", "st."}
)
_UNCASED_NAME = re.compile(r"^[\u0600-\u06ff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af ]{2,24}$")
_AUTHOR_CHROME = re.compile(
    r"(?:^|[\s_-])(?:comments?|reply|replies|respond|related|recent|widget|sidebar|"
    r"follow|more|popular|trending)(?:$|[\s_-])",
    re.I,
)
_ORGANISATION_TYPES = frozenset(
    {"organization", "newsmediaorganization", "corporation", "website", "brand"}
)


def extract_author(page: Page, is_site: SiteMatcher) -> str | None:
    """The article's author(s), comma-separated, from the strongest evidence that names a
    person: JSON-LD, author <meta> tags, bylines marked up on the page (itemprop, rel,
    byline and author classes), "By …" lines by the headline, a Korean "NAME 기자" line,
    a Twitter creator given as a name."""
    for found in _candidates(page, is_site):
        if found:
            return ", ".join(dict.fromkeys(found))
    return None


def _candidates(page: Page, is_site: SiteMatcher) -> Iterator[list[str]]:
    for obj in page.ld_of_types(ARTICLE_TYPES) + page.ld_of_types(PAGE_TYPES):
        people = _people(page, obj.get("author") or obj.get("creator"))
        yield [name for raw in people for name in _names(raw, is_site, words=1, trusted=True)]
    for key in _author_meta_keys(page.meta):
        values = page.meta[key]
        yield [name for raw in values for name in _names(raw, is_site, words=1, trusted=True)]
    yield _marked_byline(page, is_site)
    yield _byline_lines(page, is_site)
    yield _korean_byline(page)
    creator = page.first_meta("twitter:creator")
    if creator and "@" not in creator:
        yield _names(creator, is_site, words=2)


_AUTHOR_META = (
    "dc.creator",
    "dcterms.creator",
    "author",
    "article:author",
    "og:author",
    "parsely-author",
    "sailthru.author",
    "citation_author",
    "byl",
    "byline",
)
_AUTHOR_KEY = re.compile(r"(?:^|[.:_-])(?:author|byline|creator)(?:_name)?$")


def _author_meta_keys(meta: dict[str, list[str]]) -> Iterator[str]:
    """Author <meta> names, the common ones first, then any other site's own
    ("article_author", "Search.Byline"); not Twitter's, which names handles."""
    yield from (key for key in _AUTHOR_META if key in meta)
    yield from (
        key
        for key in meta
        if key not in _AUTHOR_META and _AUTHOR_KEY.search(key) and not key.startswith("twitter:")
    )


def _people(page: Page, value: object) -> list[str]:
    """Names in a JSON-LD author field, leaving out organisations (a publisher set as
    the author is not one)."""
    if isinstance(value, list):
        return [name for part in value for name in _people(page, part)]
    if isinstance(value, dict):
        target = value
        if "@type" not in value and isinstance(value.get("@id"), str):
            target = page.ld_ids.get(str(value["@id"]), value)
        kinds = target.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if any(isinstance(k, str) and k.lower() in _ORGANISATION_TYPES for k in kinds):
            return []
    return page.ld_names(value)


def _names(
    raw: str, is_site: SiteMatcher, *, words: int, trusted: bool = False, uncased: bool = False
) -> list[str]:
    """The people a byline names, cleaned: "By JORDAN ROBERTSON and RACHEL METZ - AP
    Technology Writers | AP – 1 hr ago" → ["Jordan Robertson", "Rachel Metz"]. A name
    has at least `words` words (one, for what metadata says is a name); a `trusted`
    source (metadata, an element marked as a name) may name someone in lower case
    ("gnaddrig") or in a script without capitals; an `uncased` one (a line that says
    "By" or "بقلم") may do the latter."""
    if "://" in raw or len(raw) > 300:
        return []
    text = _HANDLE.sub(" ", _EMAIL.sub(" ", clean_value(raw.replace("\n", " | "))))
    found: list[str] = []
    for segment in _BYLINE_SEPARATORS.split(text):
        if _is_date(segment.strip()):
            if found:
                break
            continue
        segment = _AFTER_NAME.sub("", _BY.sub("", segment.strip(" ,;:()[]"))).strip(" ,;:")
        names = [
            name
            for part in _NAME_SPLIT.split(segment)
            if (name := _person(part, is_site, words=words, trusted=trusted, uncased=uncased))
        ]
        if not names and found:
            break  # what follows the names: a place, a job title, a date
        found.extend(names)
    return found


def _is_date(segment: str) -> bool:
    """Whether a byline's segment is its date: "Apr 16, 2015 8:02 pm", "12.03.2024"."""
    words = segment.split()
    return bool(words) and (
        words[0][0].isdigit() or (words[0].strip(".,").casefold() in MONTHS and len(words) > 1)
    )


def _person(
    part: str, is_site: SiteMatcher, *, words: int, trusted: bool, uncased: bool = False
) -> str | None:
    """`part` as a person's name, or None if it is not one."""
    part = part.strip(" .,;:-|()[]")
    if part.split() and part.split()[-1].casefold() in _TEAM_WORDS:
        return None  # "Verge Staff", "National Desk"
    if role := _ROLE.search(part):
        part = part[: role.start()]
    part = _BY.sub("", part.strip(" .,;:-|()[]")).strip(" ,;:-|")
    if not part or any(ch.isdigit() for ch in part) or _DOMAIN.search(part):
        return None
    tokens = part.split()
    if part.casefold() in _NOT_NAMES or any(t.casefold() in _WIRES for t in tokens):
        return None
    # The site's own name is no author, unless it is a person's: a personal site ("Haki
    # Benita" on hakibenita.com), a CMS that fills its publisher field with the author.
    if (is_site.is_host(part) or is_site.names_site(part)) and not _person_like(tokens):
        return None
    if _UNCASED_NAME.match(part):  # Arabic, Chinese, Japanese, Korean: no capitals to read
        return part if trusted or uncased else None
    if not 1 <= len(tokens) <= 5 or len(tokens) < words:
        return None
    if part.isupper() and len(part) > 3:
        part = " ".join(_capitalise(token) for token in tokens)
        tokens = part.split()
    # A name's words start with a capital: "More from this author" is not a name.
    if not trusted and not all(_capitalised(t) or t.casefold() in _PARTICLES for t in tokens):
        return None
    return part if sum(ch.isalpha() for ch in part) >= 2 else None


# Words in an organisation's or a site's name, never in a person's: "Betty Crocker
# Kitchens", "Eat What Tonight".
_ORGANISATION_WORDS = frozenset(
    {"news", "media", "press", "times", "post", "journal", "daily", "network", "group", "inc"}
    | {"ltd", "gmbh", "verlag", "ediciones", "editions", "edizioni", "radio", "tv", "magazine"}
    | {"zeitung", "blog", "podcast", "online", "agency", "agentur", "agence", "service"}
    | {"kitchen", "kitchens", "recipes", "studio", "studios", "labs", "company", "club", "shop"}
    | {"foundation", "institute", "university", "team", "official", "world", "today", "weekly"}
    # Function words: a site's name reads as a phrase.
    | {"the", "a", "an", "of", "and", "what", "how", "why", "my", "your", "our", "to", "for"}
    | {"in", "on", "with", "at", "la", "le", "les", "der", "die", "das", "los", "las"}
)


def _person_like(tokens: list[str]) -> bool:
    """Two to four capitalised words, none an organisation's or in capitals ("USA TODAY"):
    "Haki Benita"."""
    return 2 <= len(tokens) <= 4 and all(
        ((_capitalised(t) and not t.isupper()) or t.casefold() in _PARTICLES)
        and t.casefold() not in _ORGANISATION_WORDS
        and all(ch.isalpha() or ch in ".'-" for ch in t)
        for t in tokens
    )


def _capitalised(word: str) -> bool:
    """Whether a word starts with a capital, after any quote: 'Amanda "Tania Mae" Tan'."""
    first = next((ch for ch in word if ch.isalpha()), "")
    return first.isupper()


def _capitalise(word: str) -> str:
    """ "O'DONNELL" → "O'Donnell", "JEAN-MARC" → "Jean-Marc"."""
    return re.sub(r"[^\W\d_]+", lambda m: m[0][:1] + m[0][1:].lower(), word)


# --- bylines on the page ----------------------------------------------------------------


def _byline_rank(node: LexborNode) -> int:
    attrs = node.attributes
    if "author" in (attrs.get("itemprop") or "").lower().split():
        return 0
    if "author" in (attrs.get("rel") or "").lower().split():
        return 1
    classes = (attrs.get("class") or "").lower()
    if "byline" in classes:
        return 2
    return 3 if any(mark in classes for mark in ("author", "auteur", "autor", "firma")) else 4


def _marked_byline(page: Page, is_site: SiteMatcher) -> list[str]:
    """Names in the strongest byline element by the headline, and in its siblings of the
    same kind (two <a rel="author"> in one byline)."""
    ranked = [
        (rank, index, node)
        for index, node in enumerate(page.marked_nodes()[:80])
        if (rank := _byline_rank(node)) < 4
    ]
    for rank, index, node in sorted(ranked, key=lambda entry: entry[:2]):
        if in_chrome(node, _AUTHOR_CHROME):
            continue
        found = _names_in(node, rank, is_site)
        if not found:
            continue
        block = _parent_id(node)
        for other_rank, other_index, other in ranked:
            if other_rank == rank and other_index != index and _parent_id(other) == block:
                found.extend(_names_in(other, rank, is_site))
        return found
    return []


def _parent_id(node: LexborNode) -> int | None:
    parent = node.parent
    return parent.mem_id if parent is not None else None


# Inside a byline, what marks a name (hCard's "fn" too) and what may hold one.
_NAME_MARKS = "[itemprop~=name], .fn, [class*=name i], [rel~=author]"
_NAME_HOLDERS = "a, strong, b, em"


def _names_in(node: LexborNode, rank: int, is_site: SiteMatcher) -> list[str]:
    """The names a byline element holds. A single word ("Daniel") counts when marked as
    a name; a link's or bold text's only with two words ("Archive" is not a name)."""
    content = node.attributes.get("content")
    if content:
        return _names(content, is_site, words=1, trusted=True)
    if has_descendants(node, 25):
        return []  # a block that holds much more than a byline (class="author-page")
    text = node.text(deep=True, separator="\n")
    if len(text) > 300 or not text.strip():
        return []
    # A byline's names are often elements of their own: "By <a>A</a> and <a>B</a>, Place".
    for selector, marked in ((_NAME_MARKS, True), (_NAME_HOLDERS, False)):
        parts = [part for part in node.css(selector) if part.mem_id != node.mem_id]
        words = 1 if marked else 2
        if found := [
            name
            for part in parts
            for name in _names(part.text(deep=True), is_site, words=words, trusted=marked)
        ]:
            return found
    # The element's own text: one word is a name only in an element marked as the
    # author's (itemprop, rel) or holding nothing else.
    alone = len(_BY.sub("", text.strip()).split()) == 1
    return _names(text, is_site, words=1 if rank <= 1 or alone else 2, trusted=rank <= 1)


_BYLINE_LINE = re.compile(
    r"^(?:(?:written|posted|reported|story|words|text)\s+by|by|von|par|por|di|door|av|af|"
    r"autor(?:in|a)?|author|auteur|napsal[a]?|text|texto|testo|بقلم|كتب|كتبت)\b\s*:?|"
    r"^(?:作者|记者|記者|文|筆者)\s*[:：]",
    re.I,
)


def _byline_lines(page: Page, is_site: SiteMatcher) -> list[str]:
    """A "By …" line among the first pieces of text below the headline."""
    heading = page.headline_node()
    if heading is None:
        return []
    lines = [line.strip(" |•·-–—") for line in texts_after(heading)]
    for index, line in enumerate(lines):
        if not _BYLINE_LINE.match(line) or len(line) > 200:
            continue
        # "By" alone: the name is the next piece of text (a link).
        if _BY.sub("", line).strip(" :") == "" and index + 1 < len(lines):
            line = f"{line} {lines[index + 1]}"
        if found := _names(line, is_site, words=2, uncased=True):
            return found
    return []


_HANGUL = re.compile("[\uac00-\ud7af]")
_KOREAN_BYLINE = re.compile(r"([가-힣]{2,4})\s?기자\s+[\w.+-]+@[\w-]+\.")


def _korean_byline(page: Page) -> list[str]:
    """Korean papers sign an article at its end: "최윤호 기자 name@paper.com"."""
    body = page.tree.body
    title = page.tree.css_first("title")
    korean = (page.language() or "").lower().startswith("ko") or (
        title is not None and _HANGUL.search(title.text(deep=True)) is not None
    )
    if body is None or not korean:
        return []
    text = visible_text(body)
    return [found[1]] if "기자" in text and (found := _KOREAN_BYLINE.search(text)) else []
