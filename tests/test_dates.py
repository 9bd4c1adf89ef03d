"""digestctl.dates: the formats feedparser's date handlers accept, and no guesses.

Every case here was unread (None) or misread by the parser before digestctl.dates;
tests/test_text.py keeps the older cases.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digestctl.dates import parse_date


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # month names in other languages (feedparser: greek.py, hungarian.py)
        ("Κυρ, 11 Ιούλ 2004 12:00:00 EST", _utc(2004, 7, 11, 17)),
        ("2004-július-13T9:15-05:00", _utc(2004, 7, 13, 14, 15)),
        ("5 janvier 2024", _utc(2024, 1, 5)),
        ("Fr, 5. Dezember 2024 10:00 +0100", _utc(2024, 12, 5, 9)),
        ("5 de enero de 2024", _utc(2024, 1, 5)),
        ("lunedì 5 febbraio 2024 08:00", _utc(2024, 2, 5, 8)),
        ("5 août 2024", _utc(2024, 8, 5)),
        # full English month names, with the zones feedparser reads leniently
        ("Mon, 26 January 2004 16:31:00 ET", _utc(2004, 1, 26, 21, 31)),
        ("Mon, 26 January 2004 16:31:00 AT", _utc(2004, 1, 26, 20, 31)),
        ("Mon, 26 January 2004 16:31:00 PT", _utc(2004, 1, 27, 0, 31)),
        ("Mon, 26 Jan 2004 16:31:00 CT", _utc(2004, 1, 26, 22, 31)),
    ],
)
def test_month_names_in_other_languages_and_in_full(value: str, expected: datetime) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2003-335", _utc(2003, 12, 1)),  # ordinal
        ("2003335", _utc(2003, 12, 1)),
        ("2024-060T10:00:00Z", _utc(2024, 2, 29, 10)),  # ordinal in a leap year
        ("2003-W12-3", _utc(2003, 3, 19)),  # week date
        ("2003W123", _utc(2003, 3, 19)),
        ("2004-W53-7T12:00Z", _utc(2005, 1, 2, 12)),
        ("2003-012-31T10:14:55+00:00", _utc(2003, 12, 31, 10, 14, 55)),  # Google's zero
        ("031231", _utc(2003, 12, 31)),  # two-digit years
        ("03-12-31", _utc(2003, 12, 31)),
        ("-03-12", _utc(2003, 12, 1)),
        ("-0312", _utc(2003, 12, 1)),
    ],
)
def test_iso8601_ordinal_week_and_reduced_forms(value: str, expected: datetime) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wed, 19 Feb 2012 22:40:00 GMT-01:01", _utc(2012, 2, 19, 23, 41)),
        ("Wed, 19 Feb 2012 22:40:00 UTC+02:00", _utc(2012, 2, 19, 20, 40)),
        ("Wed, 19 Aug 2009 18:28:00 Etc/GMT", _utc(2009, 8, 19, 18, 28)),
        # RFC 822 §5.1 military zones
        ("Thu, 01 Jan 2004 19:48:21 A", _utc(2004, 1, 1, 20, 48, 21)),
        ("Thu, 01 Jan 2004 19:48:21 N", _utc(2004, 1, 1, 18, 48, 21)),
        ("Thu, 01 Jan 2004 19:48:21 Y", _utc(2004, 1, 1, 7, 48, 21)),
    ],
)
def test_named_military_and_odd_zones(value: str, expected: datetime) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Fri, 2006/09/15 08:19:53 EDT", _utc(2006, 9, 15, 12, 19, 53)),  # Perforce
        ("2004년 05월 28일  01:31:15", _utc(2004, 5, 27, 16, 31, 15)),  # OnBlog
        ("2004-05-25 오후 11:23:17", _utc(2004, 5, 25, 14, 23, 17)),  # Nate
        ("15.09.2006 08:19", _utc(2006, 9, 15, 8, 19)),  # dotted: day first
        ("09/15/2006", _utc(2006, 9, 15)),  # 15 cannot be a month
    ],
)
def test_other_formats_feedparser_accepts(value: str, expected: datetime) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "Wed, 19 Feb 2012 22:40:00 GMT-01:99",  # minutes out of range
        "2013-01-27-01",  # a fourth number, not a zone
        "2003-12-31T10:14:61Z",  # 61 seconds
        "Wed, 19 Feb 2012 22:40:00 GMT+01:00 +0200",  # two zones, neither after GMT
    ],
)
def test_what_cannot_be_read_is_none_never_a_guess(value: str) -> None:
    assert parse_date(value) is None
