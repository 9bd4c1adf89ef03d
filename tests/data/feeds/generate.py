"""Write the feed corpus the differential test compares against feedparser.

Every supported format crossed with the quirks real feeds have: encodings, CDATA,
entities, HTML in titles, relative links and xml:base, date spellings, missing fields,
malformed XML, namespaces (and odd prefixes for them), JSON Feed variants.
Run from the repository root: .venv/bin/python tests/data/feeds/generate.py
The files are committed; this script documents how they were made and remakes them.
world/ holds hand-written feeds in the shapes well-known publishers emit (Mastodon,
YouTube, Reddit, GitHub, Blogger, Medium, Substack, Google News, podcasts, Drupal,
FeedBurner, Hugo, Ghost); names and text in them are invented. This script leaves it be.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from html import escape
from pathlib import Path

HERE = Path(__file__).parent
SITE = "https://news.example.org"


@dataclass(frozen=True)
class Story:
    title: str  # may hold HTML (escaped or not, per writer)
    path: str  # relative to SITE
    summary: str  # HTML
    author: str
    when: datetime


STORIES = (
    Story(
        "Trafficking networks adapt to new border rules",
        "/2024/01/networks-adapt/",
        "<p>Investigators say smugglers now move people through informal routes. "
        "The report, published on Friday, maps <a href='/maps'>forty corridors</a>.</p>",
        "Amina Yusuf",
        datetime(2024, 1, 5, 10, 30, tzinfo=UTC),
    ),
    Story(
        "Survivors still lack legal aid, charities warn",
        "/2024/01/legal-aid/",
        "<p>Three charities published <em>joint</em> findings. Most survivors waited "
        "more than a year for advice.</p><p>Ministers promised a review.</p>",
        "Jonas Berg",
        datetime(2024, 1, 4, 16, 5, 9, tzinfo=UTC),
    ),
    Story(
        "Café owners fined after labour inspections",
        "/2024/01/cafe-fines/",
        "Inspectors visited 120 cafés in March. Fines totalled €2.3m, the ministry said.",
        "María López",
        datetime(2023, 12, 31, 23, 59, tzinfo=UTC),
    ),
    Story(
        "New index ranks 193 countries on organised crime",
        "/2023/12/index/",
        "<p>The index measures criminal markets and resilience.</p>"
        "<ul><li>Markets grew in every region.</li><li>Resilience lagged.</li></ul>",
        "Chen Wei",
        datetime(2023, 12, 20, 8, 0, tzinfo=UTC),
    ),
)

EST = timezone(timedelta(hours=-5))
CET = timezone(timedelta(hours=1))

# --- date spellings -----------------------------------------------------------------------

DateFormat = Callable[[datetime], str]


def rfc822(d: datetime) -> str:
    return d.strftime("%a, %d %b %Y %H:%M:%S +0000")


DATE_FORMATS: dict[str, DateFormat] = {
    "rfc822": rfc822,
    "rfc822-gmt": lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT"),
    "rfc822-noweekday": lambda d: d.strftime("%d %b %Y %H:%M:%S +0000"),
    "rfc822-2digit": lambda d: d.strftime("%a, %d %b %y %H:%M:%S GMT"),
    "rfc822-est": lambda d: d.astimezone(EST).strftime("%a, %d %b %Y %H:%M:%S EST"),
    "rfc822-offset": lambda d: d.astimezone(CET).strftime("%a, %d %b %Y %H:%M:%S +0100"),
    "rfc822-noseconds": lambda d: d.strftime("%a, %d %b %Y %H:%M GMT"),
    "rfc822-z": lambda d: d.strftime("%a, %d %b %Y %H:%M:%S Z"),
    "rfc822-ut": lambda d: d.strftime("%a, %d %b %Y %H:%M:%S UT"),
    "rfc822-lowercase": lambda d: d.strftime("%a, %d %b %Y %H:%M:%S gmt").lower(),
    "iso": lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "iso-offset": lambda d: d.astimezone(CET).isoformat(),
    "iso-fraction": lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.123Z"),
    "w3c-date": lambda d: d.strftime("%Y-%m-%d"),
}


def w3c(d: datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- writers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """How a feed spells its entries."""

    cdata: bool = False
    dates: str = "rfc822"
    relative: bool = False  # links relative to the feed's URL / xml:base
    html_titles: bool = False
    entities: bool = False  # HTML named and numeric entities in text
    missing: bool = False  # entries without title / link / description / date
    boilerplate: bool = False  # WordPress-style trailers
    body: bool = False  # content:encoded / atom:content beside the summary
    body_only: bool = False  # the body and no summary
    extensions: bool = False  # dc:creator, media:thumbnail, itunes, dc:date
    odd_prefixes: bool = False  # namespaces under unusual prefixes


def _title(story: Story, opts: Options) -> str:
    title = story.title
    if opts.html_titles:
        title = title.replace("border rules", "<b>border</b> rules").replace(
            "legal aid", "<i>legal aid</i>"
        )
    if opts.entities:
        title = title.replace("Café", "Caf&eacute;").replace("rules", "rules&nbsp;&#8212; now")
    return title


def _summary(story: Story, opts: Options) -> str:
    summary = story.summary
    if opts.entities:
        summary = summary.replace("Most", "&ldquo;Most").replace("advice.", "advice.&rdquo;")
        summary = summary.replace("€", "&euro;").replace("says", "says&#x2009;")
    if opts.boilerplate:
        summary += (
            f" <a class='more-link' href='{SITE}{story.path}'>Continue reading "
            f"<span class='screen-reader-text'>{story.title}</span></a>"
            f"<p>The post <a href='{SITE}{story.path}'>{story.title}</a> appeared first on "
            f"<a href='{SITE}'>News Example</a>.</p>"
        )
    return summary


def _text(value: str, opts: Options, *, markup: bool) -> str:
    """Element content: CDATA, or escaped (markup escaped once, entities kept)."""
    if opts.cdata:
        return f"<![CDATA[{value}]]>"
    if markup or opts.entities:
        # Escape markup but keep the entity references the quirk wants in the XML.
        escaped = escape(value, quote=False)
        return escaped.replace("&amp;", "&") if opts.entities and not markup else escaped
    return escape(value, quote=False)


def _link(story: Story, opts: Options) -> str:
    return story.path.lstrip("/") if opts.relative else SITE + story.path


def _skip(opts: Options, index: int, field: str) -> bool:
    """In a `missing` feed, entry 1 has no title, 2 no link, 3 no summary or date."""
    return opts.missing and {1: "title", 2: "link", 3: "summary"}.get(index) == field


NS_RSS = {
    "dc": 'xmlns:dc="http://purl.org/dc/elements/1.1/"',
    "content": 'xmlns:content="http://purl.org/rss/1.0/modules/content/"',
    "media": 'xmlns:media="http://search.yahoo.com/mrss/"',
    "itunes": 'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"',
    "atom": 'xmlns:atom="http://www.w3.org/2005/Atom"',
}


def _prefixes(opts: Options) -> dict[str, str]:
    if opts.odd_prefixes:
        return {"dc": "dublin", "content": "c", "media": "m", "itunes": "it", "atom": "a"}
    return {name: name for name in NS_RSS}


def _namespaces(opts: Options) -> str:
    prefixes = _prefixes(opts)
    return " ".join(
        decl.replace(f"xmlns:{name}=", f"xmlns:{prefixes[name]}=") for name, decl in NS_RSS.items()
    )


def rss(version: str, stories: tuple[Story, ...], opts: Options, encoding: str = "utf-8") -> str:
    p = _prefixes(opts)
    items = []
    for index, story in enumerate(stories):
        parts = []
        if not _skip(opts, index, "title"):
            parts.append(f"<title>{_text(_title(story, opts), opts, markup=False)}</title>")
        if not _skip(opts, index, "link"):
            parts.append(f"<link>{_link(story, opts)}</link>")
        elif version == "2.0":
            parts.append(f'<guid isPermaLink="true">{SITE}{story.path}</guid>')
        summary = _summary(story, opts)
        if not _skip(opts, index, "summary"):
            if not opts.body_only:
                parts.append(f"<description>{_text(summary, opts, markup=True)}</description>")
            if opts.body or opts.body_only:
                body = summary + "<p>" + "More of the story, paragraph after paragraph. " * 8
                parts.append(
                    f"<{p['content']}:encoded><![CDATA[{body}</p>]]></{p['content']}:encoded>"
                )
            if version in ("0.92", "2.0") or opts.extensions:
                date = DATE_FORMATS[opts.dates](story.when)
                if opts.extensions and version != "2.0":
                    parts.append(f"<{p['dc']}:date>{w3c(story.when)}</{p['dc']}:date>")
                else:
                    parts.append(f"<pubDate>{date}</pubDate>")
        if opts.extensions:
            parts.append(f"<{p['dc']}:creator>{story.author}</{p['dc']}:creator>")
            parts.append(f'<{p["media"]}:thumbnail url="{SITE}{story.path}thumb.jpg"/>')
        elif version == "2.0":
            email = story.path.strip("/").split("/")[-1] + "@news.example.org"
            parts.append(f"<author>{email} ({story.author})</author>")
        if version == "2.0" and not opts.missing:
            parts.append(f'<guid isPermaLink="false">{SITE}/?p={index + 100}</guid>')
        items.append("<item>" + "".join(parts) + "</item>")
    doctype = (
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
        if version == "0.91"
        else ""
    )
    self_link = (
        f'<{p["atom"]}:link href="{SITE}/feed/" rel="self" type="application/rss+xml"/>'
        if version == "2.0"
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{doctype}'
        f'<rss version="{version}" {_namespaces(opts)}>\n<channel>\n'
        f"<title>News Example</title>\n<link>{SITE}/</link>\n{self_link}\n"
        f"<description>Reporting on organised crime</description>\n"
        + "\n".join(items)
        + "\n</channel>\n</rss>\n"
    )


def rdf(version: str, stories: tuple[Story, ...], opts: Options, encoding: str = "utf-8") -> str:
    core = (
        "http://my.netscape.com/rdf/simple/0.9/"
        if version == "0.90"
        else "http://purl.org/rss/1.0/"
    )
    p = _prefixes(opts)
    items = []
    for index, story in enumerate(stories):
        parts = []
        if not _skip(opts, index, "title"):
            parts.append(f"<title>{_text(_title(story, opts), opts, markup=False)}</title>")
        if not _skip(opts, index, "link"):
            parts.append(f"<link>{_link(story, opts)}</link>")
        if version == "1.0" and not _skip(opts, index, "summary"):
            parts.append(
                f"<description>{_text(_summary(story, opts), opts, markup=True)}</description>"
            )
            parts.append(f"<{p['dc']}:date>{w3c(story.when)}</{p['dc']}:date>")
            parts.append(f"<{p['dc']}:creator>{story.author}</{p['dc']}:creator>")
        items.append(f'<item rdf:about="{SITE}{story.path}">' + "".join(parts) + "</item>")
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="{core}" '
        f"{_namespaces(opts)}>\n"
        f'<channel rdf:about="{SITE}/"><title>News Example</title><link>{SITE}/</link>'
        f"<description>Reporting</description></channel>\n" + "\n".join(items) + "\n</rdf:RDF>\n"
    )


def atom(version: str, stories: tuple[Story, ...], opts: Options, encoding: str = "utf-8") -> str:
    ns = "http://purl.org/atom/ns#" if version == "0.3" else "http://www.w3.org/2005/Atom"
    published, updated = ("issued", "modified") if version == "0.3" else ("published", "updated")
    entries = []
    for index, story in enumerate(stories):
        parts = []
        if not _skip(opts, index, "title"):
            kind = "html" if opts.html_titles or opts.entities else "text"
            mode = ' mode="escaped"' if version == "0.3" and kind == "html" else ""
            title = _text(_title(story, opts), opts, markup=kind == "html")
            parts.append(f'<title type="{kind}"{mode}>{title}</title>')
        if not _skip(opts, index, "link"):
            parts.append(f'<link rel="alternate" type="text/html" href="{_link(story, opts)}"/>')
        parts.append(f"<id>tag:news.example.org,2024:{index}</id>")
        summary = _summary(story, opts)
        if not _skip(opts, index, "summary"):
            mode = ' mode="escaped"' if version == "0.3" else ""
            if not opts.body_only:
                parts.append(
                    f'<summary type="html"{mode}>{_text(summary, opts, markup=True)}</summary>'
                )
            if opts.body or opts.body_only:
                parts.append(
                    '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
                    f"{summary}<p>More of the story.</p></div></content>"
                    if version == "1.0"
                    else f'<content type="text/html"{mode}>{escape(summary)}</content>'
                )
            when = (
                DATE_FORMATS.get(opts.dates, w3c)(story.when)
                if opts.dates.startswith("iso")
                else w3c(story.when)
            )
            parts.append(f"<{published}>{when}</{published}>")
            parts.append(f"<{updated}>{w3c(story.when + timedelta(hours=1))}</{updated}>")
        if index != 0 or not opts.missing:
            parts.append(f"<author><name>{story.author}</name></author>")
        if opts.extensions:
            parts.append(
                f'<m:thumbnail xmlns:m="http://search.yahoo.com/mrss/" url="{SITE}/t{index}.jpg"/>'
            )
        base = f' xml:base="{SITE}/2024/"' if opts.relative and index % 2 else ""
        entries.append(f"<entry{base}>" + "".join(parts) + "</entry>")
    feed_base = f' xml:base="{SITE}/"' if opts.relative else ""
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<feed xmlns="{ns}"{feed_base} version="{version}">\n'
        f"<title>News Example</title>\n"
        f'<link rel="alternate" type="text/html" href="{SITE}/"/>\n'
        f'<link rel="self" href="{SITE}/feed/atom/"/>\n'
        f"<id>tag:news.example.org,2024:feed</id>\n"
        f"<{updated}>{w3c(stories[0].when)}</{updated}>\n"
        f"<author><name>News Desk</name></author>\n" + "\n".join(entries) + "\n</feed>\n"
    )


def jsonfeed(version: str, stories: tuple[Story, ...], opts: Options) -> str:
    items = []
    for index, story in enumerate(stories):
        item: dict[str, object] = {"id": f"{SITE}/?p={index}" if index % 2 else index}
        if not _skip(opts, index, "title"):
            item["title"] = _title(story, opts)
        if not _skip(opts, index, "link"):
            item["url"] = _link(story, opts)
        else:
            item["external_url"] = SITE + story.path
        if not _skip(opts, index, "summary"):
            key = "content_text" if index == 2 else "content_html"
            item[key] = _summary(story, opts)
            if opts.body:
                item["summary"] = story.title + "."
            item["date_published"] = story.when.isoformat()
        person = {"name": story.author}
        if version == "1":
            item["author"] = person
        else:
            item["authors"] = [person]
        if opts.extensions:
            item["image"] = f"{SITE}/i{index}.png"
        items.append(item)
    return json.dumps(
        {
            "version": f"https://jsonfeed.org/version/{version}",
            "title": "News Example",
            "home_page_url": SITE + "/",
            "feed_url": SITE + "/feed.json",
            "items": items,
        },
        ensure_ascii=False,
        indent=1,
    )


# --- the corpus ---------------------------------------------------------------------------

Writer = Callable[[str, tuple[Story, ...], Options], str]
FORMATS: dict[str, tuple[Writer, str]] = {
    "rss090": (rdf, "0.90"),
    "rss091": (rss, "0.91"),
    "rss092": (rss, "0.92"),
    "rss20": (rss, "2.0"),
    "rss10": (rdf, "1.0"),
    "atom03": (atom, "0.3"),
    "atom10": (atom, "1.0"),
    "json10": (jsonfeed, "1"),
    "json11": (jsonfeed, "1.1"),
}
VARIANTS = {
    "plain": Options(),
    "cdata": Options(cdata=True),
    "entities": Options(entities=True),
    "html-titles": Options(html_titles=True),
    "relative": Options(relative=True),
    "missing": Options(missing=True),
    "boilerplate": Options(boilerplate=True),
    "extensions": Options(extensions=True, body=True),
    "body-only": Options(body_only=True),
    "odd-prefixes": Options(extensions=True, odd_prefixes=True, body=True),
}


def corpus() -> dict[str, bytes]:
    """Every file of the corpus, by name."""
    files: dict[str, bytes] = {}
    for name, (writer, version) in FORMATS.items():
        for variant, opts in VARIANTS.items():
            if name.startswith("json") and (opts.cdata or opts.odd_prefixes):
                continue
            if name == "rss090" and (opts.extensions or opts.body_only or opts.boilerplate):
                continue
            suffix = "json" if name.startswith("json") else "xml"
            files[f"{name}-{variant}.{suffix}"] = writer(version, STORIES, opts).encode()
    for dates in DATE_FORMATS:
        files[f"rss20-dates-{dates}.xml"] = rss("2.0", STORIES, Options(dates=dates)).encode()
    for dates in ("iso", "iso-offset", "iso-fraction"):
        files[f"atom10-dates-{dates}.xml"] = atom("1.0", STORIES, Options(dates=dates)).encode()
    files.update(_encodings())
    files.update(_malformed())
    return files


def _encodings() -> dict[str, bytes]:
    stories = (
        *STORIES[:2],
        replace(STORIES[2], title="Ceny w kawiarniach — «новости» déjà vu"),
        replace(STORIES[3], summary="Résumé: les réseaux criminels s’adaptent. Ça continue."),
    )
    latin = (*STORIES[:2], replace(STORIES[2], summary="Déjà vu: señor Müller’s café."))
    files = {
        "enc-utf8-bom.xml": b"\xef\xbb\xbf" + rss("2.0", stories, Options()).encode(),
        "enc-utf16le-bom.xml": b"\xff\xfe"
        + rss("2.0", stories, Options(), "utf-16").encode("utf-16-le"),
        "enc-utf16be-bom.xml": b"\xfe\xff"
        + atom("1.0", stories, Options(), "utf-16").encode("utf-16-be"),
        "enc-iso-8859-1.xml": rss("2.0", latin, Options(), "ISO-8859-1")
        .replace("’", "'")
        .encode("iso-8859-1"),
        "enc-windows-1252.xml": rss("2.0", latin, Options(), "windows-1252").encode("cp1252"),
        "enc-koi8-r.xml": rss(
            "2.0", (replace(STORIES[0], title="Новости: сети адаптируются"),), Options(), "koi8-r"
        ).encode("koi8-r"),
        "enc-shift-jis.xml": atom(
            "1.0",
            (replace(STORIES[0], title="人身売買ネットワークの報告"),),
            Options(),
            "Shift_JIS",
        ).encode("shift_jis"),
        "enc-gb2312.xml": rss(
            "2.0", (replace(STORIES[1], title="法律援助仍然不足"),), Options(), "gb2312"
        ).encode("gb2312"),
        "enc-no-declaration.xml": rss("2.0", stories, Options())
        .replace('<?xml version="1.0" encoding="utf-8"?>\n', "")
        .encode(),
        "enc-json-utf8-bom.json": b"\xef\xbb\xbf" + jsonfeed("1.1", stories, Options()).encode(),
    }
    return files


def _malformed() -> dict[str, bytes]:
    plain = rss("2.0", STORIES, Options())
    atom_plain = atom("1.0", STORIES, Options())
    return {
        # A bare ampersand and HTML entities XML does not define.
        "bad-ampersand.xml": plain.replace("Survivors still", "Survivors & families still")
        .replace("Café owners", "Caf&eacute; owners&nbsp;")
        .encode(),
        # The connection dropped mid-document.
        "bad-truncated.xml": plain[
            : plain.index("<item>", plain.index("<item>") + 10) + 200
        ].encode(),
        # Control characters XML forbids, as copied from a word processor.
        "bad-control-chars.xml": plain.replace("Investigators say", "Investigators\x0b say")
        .replace("Three charities", "Three\x01 charities")
        .encode(),
        # Unescaped HTML right inside <description>.
        "bad-raw-html.xml": plain.replace(
            "<description>&lt;p&gt;Investigators",
            "<description><p>Investigators",
        )
        .replace("corridors&lt;/a&gt;.&lt;/p&gt;</description>", "corridors</a>.</p></description>")
        .replace("&lt;a href='/maps'&gt;", "<a href='/maps'>")
        .encode(),
        # Titles double-escaped by a CMS.
        "bad-double-escaped.xml": plain.replace(
            "Trafficking networks adapt", "Trafficking &amp;amp; networks adapt"
        ).encode(),
        # An Atom feed declaring no namespace at all.
        "bad-atom-no-namespace.xml": atom_plain.replace(
            ' xmlns="http://www.w3.org/2005/Atom"', ""
        ).encode(),
        # RSS 2.0 under a default namespace (userland's rss2 schema).
        "bad-rss-default-namespace.xml": plain.replace(
            '<rss version="2.0"', '<rss version="2.0" xmlns="http://backend.userland.com/rss2"'
        ).encode(),
        # Whitespace and a comment before the XML declaration.
        "bad-leading-whitespace.xml": ("\n\n  " + plain).encode(),
        # Mismatched closing tag in one item.
        "bad-mismatched-tag.xml": plain.replace(
            "</title><link>https://news.example.org/2024/01/legal-aid/",
            "</titel><link>https://news.example.org/2024/01/legal-aid/",
        ).encode(),
        # A JSON Feed whose item has fields of the wrong types.
        "bad-json-types.json": json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": "Odd types",
                "items": [
                    {"id": 7, "url": "https://news.example.org/a", "title": "Numbers as ids"},
                    {
                        "id": "b",
                        "url": 42,
                        "title": ["not", "a", "string"],
                        "content_text": "Text.",
                    },
                ],
            }
        ).encode(),
    }


def main() -> None:
    """Write the corpus next to this script (removing files it no longer makes)."""
    files = corpus()
    for old in HERE.glob("*.xml"):
        old.unlink()
    for old in HERE.glob("*.json"):
        old.unlink()
    for name, data in sorted(files.items()):
        (HERE / name).write_bytes(data)
    print(f"{len(files)} feeds written to {HERE}")


if __name__ == "__main__":
    main()
