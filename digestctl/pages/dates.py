"""When an article was published: declared dates, dates marked or printed on the page,
and dates written in prose in several languages (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from digestctl.pages.evidence import ARTICLE_TYPES, PAGE_TYPES, Page, in_masthead, ld_text
from digestctl.pages.html import CHROME_TAGS, in_chrome, node_text, visible_text
from digestctl.text import parse_date

# --- date -------------------------------------------------------------------------------

_DATE_META = (
    "article:published_time",
    "og:published_time",
    "article.published",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "publish-date",
    "publishdate",
    "published-date",
    "pubdate",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "dc.date.created",
    "citation_publication_date",
    "citation_date",
    "datecreated",
    "date",
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|$|\D)")
_DATE_CHROME_TAGS = CHROME_TAGS - {"aside"}
_DATE_CHROME = re.compile(
    r"(?:^|[\s_-])(?:nav|menu|comments?|related|sidebar|widget|footer|teaser|recent)(?:$|[\s_-])",
    re.I,
)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "january jan januar jänner janvier enero gennaio januari janeiro ene gen",
            "february feb februar février fevrier febrero febbraio februari fevereiro fev",
            "march mar märz maerz mrz mars marzo maart março",
            "april apr avril abril aprile abr",
            "may mai mayo maggio mei maio mag",
            "june jun juni juin junio giugno junho",
            "july jul juli juillet julio luglio julho",
            "august aug août aout agosto augustus ago",
            "september sep sept septembre septiembre settembre setembro set",
            "october oct oktober octobre octubre ottobre oktober outubro okt ott out",
            "november nov novembre noviembre novembro",
            "december dec dezember décembre decembre diciembre dicembre dezembro dez dic",
        ),
        start=1,
    )
    for name in names.split()
}
_NUMERIC_DMY = re.compile(r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.\s?((?:19|20)\d{2})(?!\d)")
_ISO_DAY = re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})(?!\d)")
_SLASHED = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})(?!\d)")
_WORD_DMY = re.compile(
    r"(?<!\d)(\d{1,2})\.?\s*(?:de\s+)?([^\W\d_]{3,})\.?,?\s+(?:de\s+)?((?:19|20)\d{2})"
)
_WORD_MDY = re.compile(r"([^\W\d_]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{2})")


def _plausible(value: datetime | None) -> datetime | None:
    return value if value is not None and 1990 <= value.year <= 2100 else None


def _day(year: str, month: str | int | None, day: str) -> datetime | None:
    if month is None:
        return None
    try:
        return _plausible(datetime(int(year), int(month), int(day), tzinfo=UTC))
    except ValueError:
        return None


_YEAR = re.compile(r"(?:19|20)\d\d")
_STATED_OFFSET = re.compile(r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*([+-])(\d{2}):?(\d{2})?$")


def find_date(text: str) -> datetime | None:
    """The first date written in a text: "2019-12-09T20:00:49+01:00", "26.10.2023",
    "23. Juli 2017", "Posted on March 3, 2020 by …"."""
    if len(text) <= 100 and (found := _plausible(parse_date(text))):
        # Keep the publisher's own offset: its calendar date is the one the page shows.
        if offset := _STATED_OFFSET.search(text.strip()):
            sign = -1 if offset[1] == "-" else 1
            delta = sign * timedelta(hours=int(offset[2]), minutes=int(offset[3] or 0))
            if abs(delta) < timedelta(hours=24):
                found = found.astimezone(timezone(delta))
        return found
    # Every written form has a four-digit year: look only around those.
    for year in _YEAR.finditer(text):
        window = text[max(0, year.start() - 30) : year.end() + 6]
        best: tuple[int, datetime] | None = None
        for position, found in _written_dates(window):
            if best is None or position < best[0]:
                best = (position, found)
        if best is not None:
            return best[1]
    return None


def _written_dates(text: str) -> Iterator[tuple[int, datetime]]:
    """The first date of each written form in `text`, with where it starts."""
    if (match := _ISO_DAY.search(text)) and (found := _day(match[1], match[2], match[3])):
        yield match.start(), found
    if (match := _NUMERIC_DMY.search(text)) and (found := _day(match[3], match[2], match[1])):
        yield match.start(), found
    for match in _WORD_DMY.finditer(text):
        if found := _day(match[3], _MONTHS.get(match[2].casefold()), match[1]):
            yield match.start(), found
            break
    for match in _WORD_MDY.finditer(text):
        if found := _day(match[3], _MONTHS.get(match[1].casefold()), match[2]):
            yield match.start(), found
            break
    if match := _SLASHED.search(text):
        first, second = int(match[1]), int(match[2])
        # Only when the order is unambiguous: 13/06/2019 or 06/13/2019.
        day, month = (first, second) if first > 12 else (second, first)
        if max(first, second) > 12 and (found := _day(match[3], month, str(day))):
            yield match.start(), found


def _date_near_headline(page: Page) -> datetime | None:
    """A date printed just below (or else above) the headline, in the blocks around it."""
    heading = next((h for h in page.h1() if not in_masthead(h)), None)
    if heading is None:
        return None
    around: LexborNode | None = None
    node = heading.parent
    for _ in range(3):
        if node is None or node.tag in {"body", "html"} or len(node.text(deep=True)) > 5000:
            break
        around, node = node, node.parent
    if around is None:
        return None
    text = visible_text(around)
    headline = node_text(heading)
    at = text.find(headline) if headline else -1
    if at < 0:
        return find_date(text)
    return find_date(text[at + len(headline) :]) or find_date(text[:at])


def extract_published(page: Page, url: str) -> datetime | None:
    # <meta> first, as htmldate does: publishers keep their OpenGraph tags right.
    meta = page.meta
    raws: list[str | None] = [values[0] for key in _DATE_META if (values := meta.get(key))]
    for obj in page.ld_of_types(ARTICLE_TYPES | PAGE_TYPES):
        raws += [ld_text(obj.get(key)) for key in ("datePublished", "dateCreated", "uploadDate")]
    unique = [raw for raw in dict.fromkeys(raws) if raw]
    if len({raw[:10] for raw in unique}) == 1:
        unique = unique[:1]  # all the same ISO day: no need to read the rest
    declared = [found for raw in unique if (found := find_date(raw))]
    if declared:
        # Metadata that disagrees with itself (not merely written in another time zone):
        # believe the date the reader is shown.
        first = declared[0]
        disagree = any(
            found.date() != first.date() and abs(found - first) > timedelta(hours=1)
            for found in declared
        )
        if disagree and (shown := _shown_date(page)):
            for found in declared:
                if found.date() == shown.date():
                    return found
        return declared[0]
    for node in page.marked_nodes():
        attrs = node.attributes
        marked = "datepublished" in (attrs.get("itemprop") or "").lower().split()
        if not (marked or "pubdate" in attrs or (node.tag == "abbr" and "title" in attrs)):
            continue
        raw = attrs.get("datetime") or attrs.get("content") or attrs.get("title")
        if (raw and (found := find_date(raw))) or (found := find_date(node_text(node)[:120])):
            return found
    if match := _URL_DATE.search(urlsplit(url).path):
        return _day(match[1], match[2], match[3])
    if found := _shown_date(page):
        return found
    for raw in (page.first_meta(key) for key in _MODIFIED_META):
        if raw and (found := find_date(raw)):
            return found
    return None


def _shown_date(page: Page) -> datetime | None:
    """The first date in an element marked as one (class "date", <time>...), or else
    printed near the headline."""
    for node in page.marked_nodes():
        attrs = node.attributes
        raw = attrs.get("datetime") or attrs.get("content")
        text = raw or node.text(deep=True)
        if len(text) > 200 or in_chrome(
            node, _DATE_CHROME, page_regions=False, tags=_DATE_CHROME_TAGS
        ):
            continue
        if found := find_date(" ".join(text.split())):
            return found
    return _date_near_headline(page)
