"""Hostile documents for the hostile-source suite: XML bombs, external entities, markup
injection, broken encodings. Each builder returns the bytes a malicious server would send.
"""

from __future__ import annotations

import random
from pathlib import Path

SECRET_MARKER = "TOP-SECRET-9f3c1e"  # the content of the local file no item may ever show
PROBE_MARKER = "PROBE-BODY-51d7a0"  # served at the external-entity URLs, never requested


def good_feed(count: int = 5) -> bytes:
    """A well-behaved RSS 2.0 feed: the source that must be fetched and saved."""
    items = "".join(
        f"""
    <item>
      <title>Good story number {n} about the week</title>
      <link>https://news.example.org/2026/good-{n}</link>
      <guid>https://news.example.org/2026/good-{n}</guid>
      <pubDate>Sun, 29 Nov 2026 0{n}:00:00 GMT</pubDate>
      <description>A calm summary of good story {n}. It has two sentences.</description>
    </item>"""
        for n in range(1, count + 1)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>Good News Wire</title><link>https://news.example.org/</link>
  <description>Fine</description>{items}
</channel></rss>
""".encode()


def billion_laughs(levels: int = 10) -> bytes:
    """The classic exponential entity expansion: 10 levels of 10 is 10**10 "lol"s."""
    lines = ['  <!ENTITY lol0 "lol">']
    for n in range(1, levels):
        lines.append(f'  <!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">')
    top = f"&lol{levels - 1};"
    return f"""<?xml version="1.0"?>
<!DOCTYPE rss [
{chr(10).join(lines)}
]>
<rss version="2.0"><channel><title>{top}</title>
  <item><title>Laughs {top}</title><link>https://bomb.example.org/1</link>
  <description>{top}</description></item>
</channel></rss>
""".encode()


def quadratic_blowup(entity_kb: int = 16, references: int = 50_000) -> bytes:
    """One large entity referenced many times: no nesting (so depth limits miss it), but
    16 KB x 50,000 is 800 MB if a parser expands it."""
    body = "A" * (entity_kb * 1024)
    refs = "&a;" * references
    return f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "{body}">]>
<rss version="2.0"><channel><title>Quadratic</title>
  <item><title>Blow-up</title><link>https://bomb.example.org/2</link>
  <description>{refs}</description></item>
</channel></rss>
""".encode()


def xxe_local_file(secret: Path) -> bytes:
    """External entities, XInclude and a link all naming a local file."""
    uri = secret.as_uri()
    return f"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY xxe SYSTEM "{uri}">
  <!ENTITY xxe2 SYSTEM "{secret}">
]>
<rss version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude"><channel>
  <title>Leaky &xxe;</title>
  <item>
    <title>Entity: &xxe;</title>
    <link>https://xxe.example.org/1</link>
    <description>Body &xxe; and &xxe2;</description>
  </item>
  <item>
    <title>XInclude</title>
    <link>https://xxe.example.org/2</link>
    <description><xi:include href="{uri}" parse="text"/></description>
  </item>
  <item>
    <title>A link to the disk</title>
    <link>{uri}</link>
    <description>Click to read a local file.</description>
  </item>
</channel></rss>
""".encode()


def xxe_remote(base: str) -> bytes:
    """An external DTD, a parameter entity and a general entity, all on the test server
    (`base` is its URL without a trailing slash): a parser that fetches any is caught."""
    return f"""<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "{base}/evil.dtd" [
  <!ENTITY % remote SYSTEM "{base}/param.dtd">
  %remote;
  <!ENTITY probe SYSTEM "{base}/xxe-probe">
]>
<rss version="2.0"><channel><title>Remote &probe;</title>
  <item><title>Probe &probe;</title><link>https://xxe.example.org/3</link>
  <description>&probe;</description></item>
</channel></rss>
""".encode()


def xss_rss() -> bytes:
    """Titles, summaries, links and images carrying scripts, handlers and bad schemes."""
    return b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
  <title><![CDATA[<script>alert('feed')</script>Injected Wire]]></title>
  <link>https://xss.example.org/</link>
  <item>
    <title><![CDATA[<script>alert('t1')</script>Script in a title]]></title>
    <link>javascript:alert(1)</link>
    <description><![CDATA[<p onclick="alert(2)">Handler</p><img src=x onerror=alert(3)>
      <iframe src="javascript:alert(4)"></iframe><a href="javascript:alert(5)">click</a>]]>
    </description>
  </item>
  <item>
    <title>&lt;script&gt;alert('t2')&lt;/script&gt;Escaped script in a title</title>
    <link>data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==</link>
    <description>&lt;iframe src="https://evil.example/"&gt;&lt;/iframe&gt;Escaped iframe.
    </description>
  </item>
  <item>
    <title>Mixed-case scheme with spaces</title>
    <link>  JaVaScRiPt:alert(6)</link>
    <description><![CDATA[<svg onload=alert(7)><object data="javascript:alert(8)"></object>
      <embed src="data:text/html,<script>alert(9)</script>">Embedded.]]></description>
  </item>
  <item>
    <title>Tab-split scheme</title>
    <link>java&#x09;script:alert(10)</link>
    <description>Obfuscated.</description>
    <media:thumbnail url="javascript:alert(11)"/>
  </item>
  <item>
    <title><![CDATA["><script>alert(12)</script><img src=x onerror="alert(13)">Quote breakout]]>
    </title>
    <link>https://xss.example.org/story?q="&gt;&lt;script&gt;alert(14)&lt;/script&gt;</link>
    <description><![CDATA[<a href="vbscript:msgbox(15)">vb</a> <a href="data:text/html,x">data</a>
      <form action="javascript:alert(16)"><input formaction="javascript:alert(17)"></form>
      <style>body{background:url(javascript:alert(18))}</style>
      <meta http-equiv="refresh" content="0;url=javascript:alert(19)">Meta.]]></description>
  </item>
  <item>
    <title>[Markdown link](javascript:alert(20)) and ![img](javascript:alert(21))</title>
    <link>https://xss.example.org/markdown</link>
    <description>&lt;a href="javascript:alert(22)"&gt;raw&lt;/a&gt; [x](data:text/html,y)
      &lt;script&gt;alert(23)&lt;/script&gt; &lt;img src=x onerror=alert(24)&gt;</description>
  </item>
  <item>
    <title>Terminal escape \x1b[31mred\x1b[0m and bell \x07 in a title</title>
    <link>https://xss.example.org/escapes</link>
    <description>Control \x1b]0;pwned\x07 characters.</description>
  </item>
</channel></rss>
"""


def xss_atom() -> bytes:
    """Atom content of type xhtml and html, where markup is the format's own."""
    return b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">&lt;script&gt;alert('atom')&lt;/script&gt;Atom injected</title>
  <id>urn:uuid:hostile-atom</id><updated>2026-11-29T10:00:00Z</updated>
  <entry>
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><script>alert(30)</script>
      XHTML title</div></title>
    <link rel="alternate" href="javascript:alert(31)"/>
    <id>urn:uuid:hostile-atom-1</id><updated>2026-11-29T10:00:00Z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">
      <script>alert(32)</script><p onclick="alert(33)">XHTML body</p>
      <iframe src="https://evil.example/frame"></iframe></div></content>
  </entry>
  <entry>
    <title type="html">&lt;img src=x onerror=alert(34)&gt;HTML title</title>
    <link rel="alternate" href="https://xss.example.org/atom-2"/>
    <id>urn:uuid:hostile-atom-2</id><updated>2026-11-29T09:00:00Z</updated>
    <summary type="html">&lt;a href="javascript:alert(35)"&gt;x&lt;/a&gt;
      &lt;script&gt;alert(36)&lt;/script&gt;</summary>
  </entry>
</feed>
"""


def bad_encoding() -> bytes:
    """Declared UTF-8 (header and XML declaration), with bytes that are not UTF-8."""
    return (
        b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        b"<title>Broken \xff\xfe encoding</title>"
        b"<item><title>Caf\xe9 cr\xe8me \x80\x81 lone bytes</title>"
        b"<link>https://enc.example.org/1</link>"
        b"<description>Half a sequence \xe2\x82 then \xc3 end. Overlong \xc0\xaf.</description>"
        b"</item></channel></rss>\n"
    )


def random_binary(size: int = 64 * 1024, seed: int = 6) -> bytes:
    return random.Random(seed).randbytes(size)


def listing_with_local_links(secret: Path) -> bytes:
    """A web page whose article links point at the disk and at scripts."""
    uri = secret.as_uri()
    return f"""<!doctype html><html><head><title>Listing</title></head><body>
<article><h2><a href="{uri}">Read the secret</a></h2></article>
<article><h2><a href="file://localhost{secret}">Read it via localhost</a></h2></article>
<article><h2><a href="javascript:alert(40)">Script</a></h2></article>
<article><h2><a href="data:text/html,hi">Data</a></h2></article>
</body></html>
""".encode()


def deep_nesting(depth: int = 100_000) -> bytes:
    """Elements nested far deeper than any feed: a recursion and stack test for parsers."""
    return (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Deep</title><item>'
        b"<title>Deep item</title><link>https://deep.example.org/1</link><description>"
        + b"<div>" * depth
        + b"x"
        + b"</div>" * depth
        + b"</description></item></channel></rss>"
    )


def deep_json_feed(depth: int = 200_000) -> bytes:
    """A JSON Feed whose items hide a nesting deep enough to overflow a recursive decoder."""
    return (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "Deep JSON", "items": '
        + b"[" * depth
        + b"]" * depth
        + b"}"
    )


def huge_feed(count: int = 40_000) -> bytes:
    """A valid feed of many thousand items, just under the size cap: parse time and memory."""
    items = "".join(
        f"<item><title>Item {n} of a flood of entries</title>"
        f"<link>https://flood.example.org/{n}</link>"
        f"<description>Summary {n}. Short.</description></item>"
        for n in range(count)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Flood</title>{items}'.encode()
        + (b"</channel></rss>")
    )


def listing_of(paths: list[str]) -> bytes:
    """A listing page linking to article pages on the same server."""
    links = "".join(f'<article><h2><a href="{p}">Article {p}</a></h2></article>' for p in paths)
    return (
        f"<!doctype html><html><head><title>News</title></head><body>{links}</body></html>".encode()
    )


def xss_article() -> bytes:
    """An article page whose metadata (OpenGraph, JSON-LD, <title>) carries markup and bad URLs."""
    return b"""<!doctype html><html><head>
<title>&lt;script&gt;alert(50)&lt;/script&gt;Article title | Site</title>
<meta property="og:title" content="&lt;img src=x onerror=alert(51)&gt;OG title">
<meta property="og:description"
  content="&lt;script&gt;alert(52)&lt;/script&gt;OG summary. Two sentences.">
<meta property="og:url" content="javascript:alert(53)">
<meta property="og:image" content="javascript:alert(54)">
<meta property="og:site_name" content="&lt;iframe src=x&gt;Site">
<link rel="canonical" href="javascript:alert(55)">
<script type="application/ld+json">
{"@type": "NewsArticle", "headline": "<svg onload=alert(56)>LD headline",
 "url": "javascript:alert(57)", "image": "data:image/png;base64,AAAA",
 "author": {"name": "<script>alert(58)</script>Author"},
 "description": "<a href='javascript:alert(59)'>LD</a> description."}
</script>
</head><body><article><h1 onclick="alert(60)">Headline</h1>
<p>First substantial paragraph <script>alert(61)</script> with enough words to be taken
as the summary of this article by an extractor that looks for one.</p></article></body></html>
"""


def item_flood(size: int = 10 * 1024 * 1024 - 1024, unit: bytes = b"<item/>") -> bytes:
    """A feed that is nothing but empty items, just under the default 10 MB cap: 1.5
    million entries, cheap to send, costly to turn into objects one by one."""
    head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Flood</title>'
    tail = b"</channel></rss>"
    return head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail


def json_item_flood(size: int = 10 * 1024 * 1024 - 1024) -> bytes:
    """The JSON Feed twin of item_flood: 3.5 million `{}` items; json.loads builds them all
    (254 MB at its peak, measured with tracemalloc)."""
    head = b'{"version": "https://jsonfeed.org/version/1.1", "title": "JSON flood", "items": ['
    tail = b"{}]}"
    return head + b"{}," * ((size - len(head) - len(tail)) // 3) + tail


def relative_links_feed() -> bytes:
    """A feed whose item links are relative: resolved against the URL it was fetched from."""
    return b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Members only</title>
  <link>/</link>
  <item><title>Members story one</title><link>/members/story-1</link></item>
  <item><title>Members story two</title><link>story-2</link>
    <description>See <a href="/members/more">more</a>.</description></item>
</channel></rss>
"""
