"""When an article was published (pure): declared dates (<meta>, JSON-LD), dates marked
on the page (microdata, <time>, date and byline elements), dates printed by the headline,
written in several languages, and dates in the URL's path as a last resort.

A date keeps the offset the page states (a named zone like "EDT" too), so that its
calendar day is the one the page shows. A copyright year alone is never a date; a date
after `latest` (the extraction's "now", plus a day of time zones) is not believed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from digestctl.dates import ZONE_OFFSETS
from digestctl.pages.evidence import ARTICLE_TYPES, PAGE_TYPES, Page, ld_text
from digestctl.pages.html import CHROME_TAGS, in_chrome, node_text, visible_text
from digestctl.text import parse_date

_DATE_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "article.published",
    "datepublished",
    "date_published",
    "parsely-pub-date",
    "sailthru.date",
    "publish-date",
    "publish_date",
    "publishdate",
    "published-date",
    "published_time",
    "pub_date",
    "pubdate",
    "publication_date",
    "originalpublicationdate",
    "article_date_original",
    "dcsext.articlefirstpublished",
    "cxenseparse:recs:publishtime",
    "dc.date.issued",
    "dc.date.issue",
    "dcterms.issued",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "dc.date.created",
    "citation_publication_date",
    "citation_online_date",
    "citation_date",
    "datecreated",
    "date",
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified")
# /2024/06/09/ or /2024-06-09: reliable enough to come before dates printed on the page.
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|$|\D)")
# /2010/POLITICS/08/13/, /20131023/: only when nothing else dates the page.
_URL_DATE_LOOSE = re.compile(
    r"/((?:19|20)\d{2})/[a-z_-]{2,30}/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])/"
    r"|/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])/",
    re.I,
)
_DATE_CHROME_TAGS = CHROME_TAGS - {"aside"}
_DATE_CHROME = re.compile(
    r"(?:^|[\s_-])(?:nav|menu|comments?|related|sidebar|widget|footer|teaser|recent)(?:$|[\s_-])",
    re.I,
)
# Classes of elements whose title attribute holds their date: <span class="published"
# title="11/18/2011 8:27:07 AM">, <div class="timestamp" title="2016-06-13T1603Z">.
_DATED_CLASS = re.compile(r"date|time|publish|updated|posted|submitted", re.I)

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "january jan januar jänner janvier enero gennaio januari janeiro ene gen "
            "ledna leden stycznia يناير كانون",
            "february feb februar février fevrier febrero febbraio februari fevereiro fev "
            "února únor lutego فبراير شباط",
            "march mar märz maerz mrz mars marzo maart março března březen marca مارس آذار",
            "april apr avril abril aprile abr dubna duben kwietnia أبريل ابريل نيسان",
            "may mai mayo maggio mei maio mag maj května květen maja مايو أيار",
            "june jun juni juin junio giugno junho června červen czerwca يونيو يونيه حزيران",
            "july jul juli juillet julio luglio julho července červenec lipca يوليو يوليه تموز",
            "august aug août aout agosto augustus ago srpna srpen sierpnia أغسطس اغسطس آب",
            "september sep sept septembre septiembre settembre setembro set září "
            "września سبتمبر أيلول",
            "october oct oktober octobre octubre ottobre outubro okt ott out října říjen "
            "października أكتوبر اكتوبر",
            "november nov novembre noviembre novembro listopadu listopad listopada نوفمبر",
            "december dec dezember décembre decembre diciembre dicembre dezembro dez dic "
            "prosince prosinec grudnia ديسمبر",
        ),
        start=1,
    )
    for name in names.split()
}
_NUMERIC_DMY = re.compile(r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.\s?((?:19|20)\d{2})(?!\d)")
_ISO_DAY = re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})(?!\d)")
# 2018/6/18 (Japan), 2013.10.24 (Korea), 2018年6月19日, 2013년 10월 24일.
_YMD = re.compile(
    r"(?<![\d.])((?:19|20)\d{2})(?:([/.])(\d{1,2})\2(\d{1,2})(?![\d.])"
    r"|\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]?)"
)
_SLASHED = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})(?!\d)")
_SLASHED_SHORT = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{2})(?![\d/])")
_WORD_DMY = re.compile(
    r"(?<!\d)(\d{1,2})(?:er|st|nd|rd|th|º)?\.?\s*(?:de\s+)?([^\W\d_]{3,})\.?,?\s+(?:de\s+)?"
    r"((?:19|20)\d{2})"
)
_WORD_MDY = re.compile(r"([^\W\d_]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{2})")
# "04 آب/اغسطس 2013": Arabic pages may give a month's Levantine and Egyptian names both.
_ARABIC_DMY = re.compile(
    r"(?<!\d)(\d{1,2})\s+(?:[\u0600-\u06ff]+/)?([\u0600-\u06ff]+)\s+((?:19|20)\d{2})"
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_STATED_OFFSET = re.compile(
    r"(?:\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?|T\d{4}(?:\d{2})?(?:[.,]\d+)?)\s*([+-])(\d{2}):?(\d{2})?$"
)
# Zone names publishers print after a time ("8:50 PM EDT"); ambiguous ones (IST, ET) left out.
_NAMED_ZONE = re.compile(r"(?<=[\d\s.])([a-z]{1,4})\)?$", re.I)


_KOREAN_DATE = re.compile(r"\d\s*[년월일]")


class _Dates:
    """Reads dates as one page writes them: `day_first` says how to read 03/04/2014 (None:
    not at all), `latest` is the last plausible moment."""

    def __init__(self, day_first: bool | None, latest: datetime) -> None:
        self.day_first = day_first
        self.latest = latest

    def plausible(self, value: datetime | None) -> datetime | None:
        if value is None or value.year < 1990 or value > self.latest:
            return None
        return value

    def day(self, year: str, month: str | int | None, day: str | int) -> datetime | None:
        if month is None:
            return None
        try:
            return self.plausible(datetime(int(year), int(month), int(day), tzinfo=UTC))
        except ValueError:
            return None

    def find(self, text: str, *, short_years: bool = False) -> datetime | None:
        """The first date written in a text: "2019-12-09T20:00:49+01:00", "26.10.2023",
        "23. Juli 2017", "Posted on March 3, 2020 by …". With `short_years`, "8/17/13" too
        (for an element marked as a date, not for prose)."""
        if len(text) <= 100 and (found := self._whole(text.strip())):
            return found
        # Every written form has a four-digit year: look only around those.
        for stated in _YEAR.finditer(text):
            window = text[max(0, stated.start() - 30) : stated.end() + 14]
            best: tuple[int, datetime] | None = None
            for position, found in self._written(window):
                if best is None or position < best[0]:
                    best = (position, found)
            if best is not None:
                return best[1]
        if short_years and (match := _SLASHED_SHORT.search(text)):
            year = 2000 + int(match[3])
            if year > self.latest.year:
                year -= 100
            return self._slashed(match[1], match[2], str(year))
        return None

    def _whole(self, text: str) -> datetime | None:
        """A text that is one date and time, in the offset it states."""
        found = self.plausible(parse_date(text))
        zone = _NAMED_ZONE.search(text)
        offset_hours = ZONE_OFFSETS.get(zone[1].lower()) if zone else None
        if found is None and zone and offset_hours is not None:
            # "2021-01-03T17:40:00EET": a local time with the zone's name glued on.
            local = parse_date(text[: zone.start(1)].rstrip("T "))
            if local is not None:
                tz = timezone(timedelta(hours=offset_hours))
                found = self.plausible(local.replace(tzinfo=tz))
            return found
        if found is None:
            return None
        # Keep the publisher's own offset: its calendar date is the one the page shows.
        if offset := _STATED_OFFSET.search(text):
            sign = -1 if offset[1] == "-" else 1
            delta = sign * timedelta(hours=int(offset[2]), minutes=int(offset[3] or 0))
            if abs(delta) < timedelta(hours=24):
                found = found.astimezone(timezone(delta))
        elif offset_hours:
            found = found.astimezone(timezone(timedelta(hours=offset_hours)))
        elif _KOREAN_DATE.search(text):
            # parse_date reads a Korean date without a zone as Korean time (as feedparser
            # does): keep that offset, so the day stays the one the page shows.
            found = found.astimezone(timezone(timedelta(hours=9)))
        return found

    def _written(self, text: str) -> Iterator[tuple[int, datetime]]:
        """The first date of each written form in `text`, with where it starts."""
        if (match := _ISO_DAY.search(text)) and (found := self.day(match[1], match[2], match[3])):
            yield match.start(), found
        if match := _YMD.search(text):
            month, day = (match[3], match[4]) if match[2] else (match[5], match[6])
            if found := self.day(match[1], month, day):
                yield match.start(), found
        if (match := _NUMERIC_DMY.search(text)) and (
            found := self.day(match[3], match[2], match[1])
        ):
            yield match.start(), found
        for pattern, day_group, month_group in ((_WORD_DMY, 1, 2), (_WORD_MDY, 2, 1)):
            for match in pattern.finditer(text):
                month = MONTHS.get(match[month_group].casefold())
                if found := self.day(match[3], month, match[day_group]):
                    yield match.start(), found
                    break
        if (match := _ARABIC_DMY.search(text)) and (
            found := self.day(match[3], MONTHS.get(match[2]), match[1])
        ):
            yield match.start(), found
        if (match := _SLASHED.search(text)) and (found := self._slashed(*match.groups())):
            yield match.start(), found

    def _slashed(self, first: str, second: str, year: str) -> datetime | None:
        """03/04/2014 as the page's language reads it; 13/06/2019 or 06/13/2019 in any."""
        a, b = int(first), int(second)
        if a > 12 or (self.day_first and b <= 12):
            return self.day(year, b, a)
        if b > 12 or self.day_first is False:
            return self.day(year, a, b)
        return None


def find_date(text: str, *, latest: datetime | None = None) -> datetime | None:
    """The first date written in `text` (see `_Dates.find`); 03/04/2014 is not read."""
    return _Dates(None, latest or datetime.now(UTC) + timedelta(days=1)).find(text)


def extract_published(page: Page, url: str, latest: datetime) -> datetime | None:
    """The publication date, best evidence first: <meta> and JSON-LD (the date the page
    shows when they disagree), microdata datePublished, a date in the URL's path, a date
    marked or printed by the headline, a loose date in the URL, the modification date."""
    dates = _Dates(_day_first(page.language()), latest)
    # <meta> first, as htmldate does: publishers keep their OpenGraph tags right.
    meta = page.meta
    raws: list[str | None] = [values[0] for key in _DATE_META if (values := meta.get(key))]
    for obj in page.ld_of_types(ARTICLE_TYPES | PAGE_TYPES):
        raws += [ld_text(obj.get(key)) for key in ("datePublished", "dateCreated", "uploadDate")]
    unique = [raw for raw in dict.fromkeys(raws) if raw]
    if len({raw[:10] for raw in unique}) == 1:
        unique = unique[:1]  # all the same ISO day: no need to read the rest
    declared = [found for raw in unique if (found := dates.find(raw))]
    if declared:
        # Metadata that disagrees with itself (not merely written in another time zone):
        # believe the date the reader is shown.
        first = declared[0]
        disagree = any(
            found.date() != first.date() and abs(found - first) > timedelta(hours=1)
            for found in declared
        )
        if disagree and (shown := _shown_date(page, dates)):
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
        if (raw and (found := dates.find(raw))) or (found := dates.find(node_text(node)[:120])):
            return found
    path = urlsplit(url).path
    if match := _URL_DATE.search(path):
        return dates.day(match[1], match[2], match[3])
    if found := _shown_date(page, dates):
        return found
    if match := _URL_DATE_LOOSE.search(path):
        parts = match.groups()
        year, month, day = parts[:3] if parts[0] else parts[3:]
        if found := dates.day(str(year), str(month), str(day)):
            return found
    # Last, when the page was changed: better than nothing for a page that says no more.
    modified = [page.first_meta(key) for key in _MODIFIED_META]
    modified += [ld_text(obj.get("dateModified")) for obj in page.ld_of_types(ARTICLE_TYPES)]
    for raw in modified:
        if raw and (found := dates.find(raw)):
            return found
    return None


def _day_first(language: str | None) -> bool | None:
    """How the page's language writes 03/04/2014: day first everywhere but the US; for
    English of no stated country, not known."""
    if not language:
        return None
    language = language.lower().replace("_", "-")
    if language.startswith("en"):
        return None if language == "en" else language != "en-us"
    return True


def _shown_date(page: Page, dates: _Dates) -> datetime | None:
    """The first date in an element marked as one (class "date", <time>...), or else
    printed near the headline."""
    for node in page.marked_nodes():
        attrs = node.attributes
        raw = attrs.get("datetime") or attrs.get("content")
        if not raw and "title" in attrs and _DATED_CLASS.search(attrs.get("class") or ""):
            raw = attrs.get("title")
        text = raw or node.text(deep=True)
        if len(text) > 200 or in_chrome(
            node, _DATE_CHROME, page_regions=False, tags=_DATE_CHROME_TAGS
        ):
            continue
        if found := dates.find(" ".join(text.split()), short_years=len(text) <= 60):
            return found
    return _date_near_headline(page, dates)


_NEAR = 400  # characters of text around a headline where its date is printed


def _date_near_headline(page: Page, dates: _Dates) -> datetime | None:
    """A date printed just below (or else above) the headline, in the blocks around it."""
    heading = page.headline_node()
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
        return dates.find(text)
    # Just below or above: further on, the dates are related articles' and comments'.
    after = text[at + len(headline) : at + len(headline) + _NEAR]
    return dates.find(after) or dates.find(text[max(0, at - _NEAR) : at])
