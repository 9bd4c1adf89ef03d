"""Dates as feeds and pages write them, to timezone-aware UTC datetimes (pure).

RFC 822/1123/2822 and the variants real feeds emit (full and non-English month names,
named and military zones, GMT±hh:mm, asctime, Perforce's y/m/d), ISO 8601 and W3C-DTF at
any precision (calendar, ordinal and week dates, basic and extended, two-digit years),
and the Korean forms feedparser collected (OnBlog, Nate). What cannot be read for
certain is None: a date is never guessed.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, timedelta, timezone


def _names(*groups: tuple[str, ...]) -> dict[str, int]:
    return {name: number for number, names in enumerate(groups, start=1) for name in names}


# Lower-case month names and abbreviations: English, French, German, Spanish, Italian,
# Portuguese, Dutch, the Scandinavian languages, Greek (nominative, genitive and the
# three-letter forms Greek feeds use) and Hungarian. No name means two months.
_MONTHS = _names(
    (
        *("jan", "january", "janv", "janvier", "januar", "jänner", "jän", "ene", "enero"),
        *("gen", "gennaio", "janeiro", "januari", "ιαν", "ιανουάριος", "ιανουαρίου"),
        "január",
    ),
    (
        *("feb", "february", "févr", "fevr", "février", "fevrier", "februar", "febrero"),
        *("febbraio", "fev", "fevereiro", "februari", "φεβ", "φεβρουάριος", "φεβρουαρίου"),
        *("febr", "február"),
    ),
    (
        *("mar", "march", "mars", "mär", "märz", "maerz", "mrz", "marzo", "março", "marco"),
        *("maart", "mrt", "marts", "μάώ", "μαώ", "μαρ", "μάρτιος", "μαρτίου", "márc"),
        "március",
    ),
    (
        *("apr", "april", "avr", "avril", "abr", "abril", "aprile", "απρ", "απρίλιος"),
        *("απριλίου", "ápr", "április"),
    ),
    (
        *("may", "mai", "mayo", "maggio", "mag", "maio", "mei", "maj", "μάι", "μαϊ", "μαι"),
        *("μάιος", "μαΐου", "máj", "május", "máujus"),
    ),
    (
        *("jun", "june", "juin", "juni", "junio", "giugno", "giu", "junho", "ιούν", "ιον"),
        *("ιούνιος", "ιουνίου", "jún", "június"),
    ),
    (
        *("jul", "july", "juil", "juillet", "juli", "julio", "luglio", "lug", "julho"),
        *("ιούλ", "ιολ", "ιούλιος", "ιουλίου", "júl", "július"),
    ),
    (
        *("aug", "august", "août", "aout", "ago", "agosto", "augustus", "augusti"),
        *("αύγ", "αυγ", "αύγουστος", "αυγούστου", "augusztus"),
    ),
    (
        *("sep", "sept", "september", "septembre", "septiembre", "setiembre", "settembre"),
        *("set", "setembro", "σεπ", "σεπτέμβριος", "σεπτεμβρίου", "szept", "szeptember"),
    ),
    (
        *("oct", "october", "octobre", "oktober", "okt", "octubre", "ottobre", "ott"),
        *("out", "outubro", "οκτ", "οκτώβριος", "οκτωβρίου", "október"),
    ),
    (
        *("nov", "november", "novembre", "noviembre", "novembro", "νοέ", "νοε"),
        *("νοέμβριος", "νοεμβρίου"),
    ),
    (
        *("dec", "december", "déc", "décembre", "decembre", "dezember", "dez", "dic"),
        *("diciembre", "dicembre", "dezembro", "δεκ", "δεκέμβριος", "δεκεμβρίου"),
    ),
)
# Words a date may hold that say nothing the numbers do not: weekdays in the same
# languages, and the little words around a date ("5 de enero de 2024", "am 5. Mai").
_IGNORED_WORDS = frozenset(
    {
        *("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"),
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        *("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
        *("lun", "mer", "jeu", "ven", "sam", "dim"),
        *("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
        *("sonnabend", "mo", "di", "mi", "do", "fr", "sa", "so"),
        *("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
        *("mié", "jue", "vie", "sáb", "dom"),
        *("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
        *("segunda", "terça", "quarta", "quinta", "sexta", "feira"),
        *("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
        *("κυρ", "δευ", "τρι", "τετ", "πεμ", "παρ", "σαβ", "κυριακή", "δευτέρα", "τρίτη"),
        *("τετάρτη", "πέμπτη", "παρασκευή", "σάββατο"),
        *("hétfő", "kedd", "szerda", "csütörtök", "péntek", "szombat", "vasárnap"),
        *("at", "on", "of", "the", "t", "de", "del", "le", "den", "der", "am", "um", "à", "el"),
    }
)
# Hours east of UTC. RFC 822 §5.1's zones, the ones feeds use, and feedparser's lenient
# readings (AT, ET, CT, MT, PT: the standard time of the named zone). Ambiguous ones
# (IST, BST) take the reading most common in English-language feeds.
ZONE_OFFSETS: dict[str, float] = {
    **dict.fromkeys(("z", "ut", "utc", "gmt", "wet", "uct", "zulu"), 0),
    "est": -5,
    "edt": -4,
    "cst": -6,
    "cdt": -5,
    "mst": -7,
    "mdt": -6,
    "pst": -8,
    "pdt": -7,
    "akst": -9,
    "akdt": -8,
    "hst": -10,
    "ast": -4,
    "adt": -3,
    "nst": -3.5,
    "ndt": -2.5,
    "bst": 1,
    "ist": 5.5,
    "cet": 1,
    "cest": 2,
    "met": 1,
    "mest": 2,
    "eet": 2,
    "eest": 3,
    "west": 1,
    "msk": 3,
    "jst": 9,
    "kst": 9,
    "hkt": 8,
    "sgt": 8,
    "awst": 8,
    "acst": 9.5,
    "aest": 10,
    "aedt": 11,
    "nzst": 12,
    "nzdt": 13,
    "at": -4,
    "et": -5,
    "ct": -6,
    "mt": -7,
    "pt": -8,
}
# RFC 822 §5.1's military zones: A-M (no J) west of UTC, N-Y east, Z UTC.
_MILITARY: dict[str, float] = {
    **{letter: -(i + 1) for i, letter in enumerate("abcdefghiklm")},
    **{letter: i + 1 for i, letter in enumerate("nopqrstuvwxy")},
}
# Korean: year, month and day markers; morning and afternoon. A Korean date without a
# zone is in Korean time, as feedparser reads it.
_KOREAN_MARKERS = frozenset({"년", "월", "일"})
_KOREAN_HALVES = {"오전": "am", "오후": "pm"}
_CJK_MARKERS = frozenset({"年", "月", "日"})

# RFC 3339, the ISO 8601 profile nearly every Atom feed uses: datetime's C parser reads it
# (in ranges where it agrees with the general reader, which clamps a leap second).
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?"
    r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)",
    re.ASCII,  # other scripts' digits are for the general reader
)
# The RFC 822 shape nearly every RSS feed uses; the rest go through the word-by-word reader.
_RFC822 = re.compile(
    r"(?:[A-Za-z]{3},?\s*)?(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]{3})\s+(?P<year>\d{4}|\d{2})"
    r"\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<zone>[+-]\d{4}|GMT|UTC|UT|Z|[ECMP][SD]T)?",
    re.ASCII,
)
# ISO 8601 at any precision: calendar dates (Google's "2003-012-31" extra zero too),
# ordinal dates, week dates, two-digit years ("031231", "-03-12", "03-335"), then a time
# and its zone. (A bare five-digit "03335" is more often junk than a date.)
_ISO = re.compile(
    r"""(?x)
    (?:
        (?P<year>\d{4})(?:-(?:0(?=\d\d-))?(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?|(?P<cmonth>\d{2})(?P<cday>\d{2}))?
      | (?P<oyear>\d{4})-?(?P<ordinal>\d{3})
      | (?P<wyear>\d{4})-?[Ww](?P<week>\d{2})(?:-?(?P<wday>[1-7]))?
      | -?(?P<yy>\d{2})-?(?P<yymonth>\d{2})(?:-?(?P<yyday>\d{2}))?
      | (?P<yyo>\d{2})-(?P<yyordinal>\d{3})
    )
    (?:(?:[Tt]|\s+)
      (?P<hour>\d{1,2}):?(?P<minute>\d{2})
      (?::?(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?
      \s*(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?|UTC|GMT|UT)?
    )?
    """,
    re.ASCII,
)
_TOKEN = re.compile(
    r"""(?x)
      (?P<time>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?P<ampm>[AaPp]\.?[Mm]\b\.?)?
    | (?P<offset>[+-]\d{2}(?::?\d{2})?)(?!\d)
    | (?P<number>\d+)(?:(?:st|nd|rd|th|er)\b)?
    | (?P<word>[^\W\d_]+)\.?
    | (?P<sep>[\s,/().-]+)
    """
)
# The tz database's "Etc/GMT" spelling of UTC (Etc/GMT+5, whose sign is inverted, is left
# unread rather than misread).
_ETC_UTC = re.compile(r"\bEtc/(?=(?:GMT|UTC|UCT|Zulu)(?![+-]))", re.IGNORECASE)


def parse_date(value: str) -> datetime | None:
    """A timezone-aware UTC datetime from a feed's or page's date string, or None.

    A date alone, or a time without a zone, is taken as UTC (a Korean one as Korean
    time). Never raises.
    """
    value = value.strip()
    if not value or len(value) > 100:
        return None
    try:
        if _RFC3339.fullmatch(value):
            return _in_utc(datetime.fromisoformat(value))
        if (rfc822 := _RFC822.fullmatch(value)) and (found := _from_rfc822(rfc822)):
            return found
        if iso := _ISO.fullmatch(value):
            return _from_iso(iso)
        return _from_words(value)
    except (ValueError, OverflowError):
        return None


def _from_rfc822(m: re.Match[str]) -> datetime | None:
    day, month_name, year_digits, hour, minute, second, zone = m.groups()
    month = _MONTHS.get(month_name.lower())
    if month is None:
        return None
    # The hot path (every RSS entry): _full_year and _second inlined.
    year = int(year_digits)
    if len(year_digits) == 2:
        year += 2000 if year < 50 else 1900
    seconds = int(second) if second else 0
    moment = datetime(
        year,
        month,
        int(day),
        int(hour),
        int(minute),
        59 if seconds == 60 else seconds,
        tzinfo=_zone(zone or "Z"),
    )
    return _in_utc(moment)


def _full_year(digits: str) -> int:
    year = int(digits)
    if len(digits) == 2:
        # RFC 2822 §4.3: two-digit years below 50 are in the 2000s.
        year += 2000 if year < 50 else 1900
    return year


def _second(digits: str | None) -> int:
    """Seconds, a leap second (60) read as 59; 61 and more are not a time."""
    second = int(digits or 0)
    return 59 if second == 60 else second


def _from_iso(m: re.Match[str]) -> datetime | None:
    g = m.groupdict()
    if g["oyear"] or g["yyo"]:
        year = int(g["oyear"]) if g["oyear"] else _full_year(g["yyo"])
        ordinal = int(g["ordinal"] or g["yyordinal"])
        day = date(year, 1, 1) + timedelta(days=ordinal - 1)
        if ordinal < 1 or day.year != year:
            return None
    elif g["wyear"]:
        day = date.fromisocalendar(int(g["wyear"]), int(g["week"]), int(g["wday"] or 1))
    elif g["yy"]:
        day = date(_full_year(g["yy"]), int(g["yymonth"]), int(g["yyday"] or 1))
    else:
        day = date(
            int(g["year"]),
            int(g["month"] or g["cmonth"] or 1),
            int(g["day"] or g["cday"] or 1),
        )
    fraction = g["fraction"]
    moment = datetime(
        day.year,
        day.month,
        day.day,
        int(g["hour"] or 0),
        int(g["minute"] or 0),
        _second(g["second"]),
        int(fraction[:6].ljust(6, "0")) if fraction else 0,
        tzinfo=_zone(g["zone"] or "Z"),
    )
    return _in_utc(moment)


def _from_words(value: str) -> datetime | None:
    """Any other arrangement of a day, a month (a name, or numbers in an order that is
    certain), a year, a time and a zone."""
    value = _ETC_UTC.sub("", value)
    month: int | None = None
    clock: tuple[int, int, int] | None = None
    half: str | None = None  # "am"/"pm" said before the time (Korean)
    offset: timedelta | None = None
    offset_replaceable = False  # "GMT" just read: "GMT-01:01" means -01:01
    numbers: list[str] = []
    dotted = korean = cjk = False
    pos = 0
    while pos < len(value):
        m = _TOKEN.match(value, pos)
        if m is None:
            return None
        pos = m.end()
        kind = m.lastgroup
        if kind in ("time", "ampm"):
            if clock is not None:
                return None
            clock = _clock(m.group("time"), m.group("ampm"))
        elif kind == "offset":
            if clock is None:  # "2013-01-27": a hyphen between numbers, not a zone
                if value[m.start()] == "+":
                    return None
                pos = m.start() + 1
                continue
            found = _zone_offset(m.group("offset"))
            if offset is not None and not offset_replaceable and found != offset:
                return None  # two zones that disagree
            offset, offset_replaceable = found, False
        elif kind == "number":
            numbers.append(m.group("number"))
        elif kind == "word":
            word = m.group("word").lower()
            if word in _MONTHS and month is None:
                month = _MONTHS[word]
            elif word in _KOREAN_MARKERS:
                korean = True
            elif word in _CJK_MARKERS:
                cjk = True
            elif word in _KOREAN_HALVES:
                half, korean = _KOREAN_HALVES[word], True
            elif word in ZONE_OFFSETS or (clock is not None and word in _MILITARY):
                # Letters and two-letter zones only after the time: "at" may be English.
                if clock is None and len(word) <= 2:
                    if word in _IGNORED_WORDS:
                        continue
                    return None
                if offset is None:  # else a comment: "+0000 (UTC)"
                    offset = timedelta(hours=ZONE_OFFSETS.get(word, _MILITARY.get(word, 0)))
                    offset_replaceable = word in ("gmt", "utc", "ut")
            elif word not in _IGNORED_WORDS:
                return None
        elif "." in m.group(0):
            dotted = True
    ymd = _day_month_year(numbers, month, ordered=korean or cjk, dotted=dotted)
    if ymd is None:
        return None
    year, month_number, day = ymd
    hour, minute, second = clock or (0, 0, 0)
    if half is not None:
        if clock is None or not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if offset is None:
        offset = timedelta(hours=9) if korean else timedelta(0)
    moment = datetime(year, month_number, day, hour, minute, second, tzinfo=timezone(offset))
    return _in_utc(moment)


def _day_month_year(
    numbers: list[str], month: int | None, *, ordered: bool, dotted: bool
) -> tuple[int, int, int] | None:
    """Year, month and day from the numbers of a date, and its month if named."""
    if month is not None:
        year = day = None
        for number in numbers:
            if len(number) == 4 and year is None:
                year = int(number)
            elif len(number) <= 2 and day is None:
                day = int(number)
            elif len(number) <= 2 and year is None:
                year = _full_year(number)
            else:
                return None
        if year is None or day is None:
            return None
        return year, month, day
    if len(numbers) != 3 or any(len(n) > 4 for n in numbers):
        return None
    first, second, third = numbers
    if len(first) == 4 and len(second) <= 2 and len(third) <= 2:
        return int(first), int(second), int(third)  # 2006/09/15 (Perforce), 2004년 05월 28일
    if ordered or len(third) != 4 or len(first) > 2 or len(second) > 2:
        return None
    a, b = int(first), int(second)
    if dotted or a > 12:  # 15.09.2006, 15/09/2006: day first
        return int(third), b, a
    if b > 12 or a == b:  # 09/15/2006: month first
        return int(third), a, b
    return None  # 05/06/2006: day or month first? no way to know


def _clock(text: str, ampm: str | None) -> tuple[int, int, int]:
    parts = text.replace(",", ".").split(":")
    hour, minute = int(parts[0]), int(parts[1])
    second = _second(parts[2].partition(".")[0]) if len(parts) > 2 else 0
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError("hour out of range for am/pm")
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    return hour, minute, second


def _zone_offset(zone: str) -> timedelta:
    name = zone.lower()
    if name in ZONE_OFFSETS:
        return timedelta(hours=ZONE_OFFSETS[name])
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if minutes > 59:
        raise ValueError("minutes out of range in a zone offset")
    return sign * timedelta(hours=hours, minutes=minutes)


@functools.lru_cache(maxsize=64)
def _zone(zone: str) -> timezone:
    """The fixed-offset zone `zone` names (a feed repeats one zone in every entry)."""
    return timezone(_zone_offset(zone))


def _in_utc(moment: datetime) -> datetime:
    # Most feeds already say UTC, and astimezone is a dear call to make fifty times a feed.
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)
