"""Feed parsing speed: digestctl.feeds.parse_feed against feedparser, side by side.

Builds a realistic ~200 KB RSS 2.0 feed (50 WordPress-style entries with content:encoded)
and an Atom feed of the same stories, parses each repeatedly with both, and prints the
median times and the ratio.  Run: .venv/bin/python bench/parse.py [--repeat N] [--cpu]
(--cpu: the least CPU time of the runs, for a machine other work keeps busy)
"""

from __future__ import annotations

import argparse
import html
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import escape

import feedparser

from digestctl.feeds import parse_feed

ENTRIES = 50
TEXT = (
    "the report said that trafficking networks across the region had adapted quickly to new "
    "border controls moving people and money through informal channels while investigators "
    "struggled to keep pace with encrypted messaging platforms and shell companies registered "
    "abroad campaigners welcomed the findings but warned that survivors still lacked access to "
    "legal aid housing and long term support ministers promised a review of funding next year"
)
WORDS = TEXT.split()
NAMES = ["Amina Yusuf", "Jonas Berg", "María López", "Chen Wei", "Olivia O'Brien"]


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high)))


def _sentence(rng: random.Random, *, markup: bool = False) -> str:
    """A sentence; with `markup`, the inline HTML a WordPress editor leaves in one."""
    parts = [_words(rng, 4, 9), _words(rng, 3, 7), _words(rng, 4, 9)]
    if markup:
        kind = rng.random()
        slug = "-".join(rng.choices(WORDS, k=6))
        if kind < 0.5:
            parts[1] = f'<a href="https://example.org/2023/11/{slug}/">{parts[1]}</a>'
        elif kind < 0.7:
            parts[1] = f"<strong>{parts[1]}</strong>"
        elif kind < 0.85:
            parts[1] = f"<em>{parts[1]}</em>"
        if rng.random() < 0.3:
            parts[2] = f"&#8220;{parts[2]}&#8221;"
    text = " ".join(parts).replace("'", "&#8217;")
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random) -> str:
    return "<p>" + " ".join(_sentence(rng, markup=True) for _ in range(rng.randint(2, 3))) + "</p>"


def _image(number: int, width: int) -> str:
    base = f"https://example.org/wp-content/uploads/2024/03/story-{number}"
    sizes = ", ".join(f"{base}-{w}x{w * 9 // 16}.jpg {w}w" for w in (300, 768, 1024, 1536))
    return (
        f'<figure class="wp-block-image size-large"><img loading="lazy" decoding="async" '
        f'width="{width}" height="{width * 9 // 16}" src="{base}-{width}x{width * 9 // 16}.jpg" '
        f'alt="" class="wp-image-{4000 + number}" srcset="{sizes}" '
        f'sizes="(max-width: {width}px) 100vw, {width}px" />'
        f'<figcaption class="wp-element-caption">Photo: Agency &#8211; story {number}'
        f"</figcaption></figure>"
    )


def _content(rng: random.Random, number: int) -> str:
    """A post body as WordPress's block editor renders it into content:encoded."""
    parts = [_paragraph(rng) for _ in range(3)]
    parts.insert(1, _image(number, 1024))
    parts.insert(3, f'<h2 class="wp-block-heading">{_words(rng, 3, 6).capitalize()}</h2>')
    parts.insert(4, f'<blockquote class="wp-block-quote"><p>{_sentence(rng)}</p></blockquote>')
    items = "".join(f"<li>{_sentence(rng, markup=True)}</li>" for _ in range(2))
    parts.append(f'<ul class="wp-block-list">{items}</ul>')
    parts.append(
        '<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3>'
        '<ul><li><a href="https://example.org/?share=twitter">Twitter</a></li>'
        '<li><a href="https://example.org/?share=facebook">Facebook</a></li></ul></div>'
    )
    return "\n\n".join(parts)


def _stories(seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    start = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    stories = []
    for number in range(ENTRIES):
        words = rng.choices(WORDS, k=rng.randint(5, 10))
        title = f"{' '.join(words).capitalize()} &#8216;{rng.choice(WORDS)}&#8217; &amp; more"
        when = start - timedelta(hours=7 * number, minutes=rng.randint(0, 59))
        slug = "-".join(words[:5])
        excerpt = " ".join(_sentence(rng) for _ in range(3))
        stories.append(
            {
                "title": title,
                "link": f"https://example.org/2024/03/{slug}-{number}/",
                "date822": when.strftime("%a, %d %b %Y %H:%M:%S +0000"),
                "date3339": when.isoformat(),
                "author": rng.choice(NAMES),
                "description": (
                    f"<p>{excerpt} [&#8230;]</p><p>The post <a href='https://example.org/{slug}'>"
                    f"{title}</a> appeared first on <a href='https://example.org'>Example</a>.</p>"
                ),
                "content": _content(rng, number),
            }
        )
    return stories


def build_rss(stories: list[dict[str, str]]) -> bytes:
    """A WordPress-like RSS 2.0 feed: escaped descriptions, CDATA content:encoded."""
    items = []
    for story in stories:
        categories = "".join(
            f"<category><![CDATA[{word}]]></category>" for word in story["title"].split()[:4]
        )
        items.append(
            f"""
  <item>
    <title>{escape(story["title"], quote=False)}</title>
    <link>{story["link"]}</link>
    <comments>{story["link"]}#respond</comments>
    <dc:creator><![CDATA[{story["author"]}]]></dc:creator>
    <pubDate>{story["date822"]}</pubDate>
    {categories}
    <guid isPermaLink="false">{story["link"]}?p=1</guid>
    <description>{escape(story["description"], quote=False)}</description>
    <content:encoded><![CDATA[{story["content"]}]]></content:encoded>
    <wfw:commentRss>{story["link"]}feed/</wfw:commentRss>
    <slash:comments>3</slash:comments>
    <media:thumbnail url="{story["link"]}thumb.jpg" />
  </item>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:atom="http://www.w3.org/2005/Atom"
  xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
  xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
  xmlns:media="http://search.yahoo.com/mrss/">
<channel>
  <title>Example &#8211; News on trafficking and organised crime</title>
  <atom:link href="https://example.org/feed/" rel="self" type="application/rss+xml" />
  <link>https://example.org</link>
  <description>Research and analysis</description>
  <lastBuildDate>{stories[0]["date822"]}</lastBuildDate>
  <language>en-GB</language>
  <sy:updatePeriod>hourly</sy:updatePeriod>
  <generator>https://wordpress.org/?v=6.4.3</generator>{"".join(items)}
</channel>
</rss>
""".encode()


def build_atom(stories: list[dict[str, str]]) -> bytes:
    """An Atom 1.0 feed of the same stories: html summaries and content."""
    entries = []
    for story in stories:
        entries.append(
            f"""
  <entry>
    <title type="html">{escape(story["title"], quote=False)}</title>
    <link rel="alternate" type="text/html" href="{story["link"]}" />
    <id>{story["link"]}</id>
    <published>{story["date3339"]}</published>
    <updated>{story["date3339"]}</updated>
    <author><name>{story["author"]}</name></author>
    <summary type="html">{escape(story["description"], quote=False)}</summary>
    <content type="html" xml:base="{story["link"]}">{escape(story["content"])}</content>
  </entry>"""
        )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Example &#8211; News on trafficking and organised crime</title>
  <link rel="alternate" type="text/html" href="https://example.org/" />
  <link rel="self" href="https://example.org/feed/atom/" />
  <id>https://example.org/feed/atom/</id>
  <updated>{stories[0]["date3339"]}</updated>{"".join(entries)}
</feed>
""".encode()


def _median_seconds(func: Callable[[], object], repeat: int, *, cpu: bool = False) -> float:
    """Median wall time of `func`; with `cpu`, its least CPU time, which other processes
    on a busy machine disturb far less."""
    func()  # warm-up: imports, caches
    clock = time.process_time if cpu else time.perf_counter
    times = []
    for _ in range(repeat):
        start = clock()
        func()
        times.append(clock() - start)
    return min(times) if cpu else statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per feed, then the overall ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per parser (median)")
    parser.add_argument(
        "--cpu", action="store_true", help="least CPU time instead of median wall time"
    )
    args = parser.parse_args(argv)
    stories = _stories()
    feeds = {"RSS 2.0": build_rss(stories), "Atom 1.0": build_atom(stories)}
    url = "https://example.org/feed/"
    print(f"python {sys.version.split()[0]}, feedparser {feedparser.__version__}, ")
    measure = "least CPU time" if args.cpu else "median wall time"
    print(f"{measure} of {args.repeat} runs each\n")
    ratios = []
    for name, data in feeds.items():
        # Both must read the same entries, or the timing means nothing.
        ours = parse_feed(data, url=url, content_type="application/xml; charset=utf-8")
        theirs = feedparser.parse(data, response_headers={"content-location": url})
        assert len(ours.entries) == len(theirs.entries) == ENTRIES, name
        for mine, their in zip(ours.entries, theirs.entries, strict=True):
            assert (mine.url, mine.author) == (their.link, their.author), name
            assert mine.title == html.unescape(their.title), name
            assert mine.summary, name
            assert mine.published, name
        ours_s = _median_seconds(
            lambda data=data: parse_feed(data, url=url), args.repeat, cpu=args.cpu
        )
        theirs_s = _median_seconds(
            lambda data=data: feedparser.parse(data, response_headers={"content-location": url}),
            max(3, args.repeat // 3),
            cpu=args.cpu,
        )
        ratios.append(theirs_s / ours_s)
        print(
            f"{name:9} {len(data) / 1024:6.1f} KB, {ENTRIES} entries: "
            f"digestctl {ours_s * 1000:7.2f} ms   feedparser {theirs_s * 1000:8.2f} ms   "
            f"ratio {theirs_s / ours_s:6.1f}x"
        )
    print(f"\nslowest ratio {min(ratios):.1f}x (target >= 50x)")
    return 0 if min(ratios) >= 50 else 1


if __name__ == "__main__":
    raise SystemExit(main())
