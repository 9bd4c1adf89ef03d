"""Export: golden files per format, templates and their errors, and the safety laws (fetched
text is escaped, notes cannot smuggle in markup, only http(s)/mailto links) — checked with
Hypothesis and, when Chromium is installed, in a real headless browser.

Regenerate the golden files with `UPDATE_GOLDEN=1 pytest tests/test_export.py`, then read the
diff: they are the product's output.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from digestctl.drafts import Draft, DraftEntry, load_draft
from digestctl.errors import ExportError, UsageError
from digestctl.export import (
    ROUNDUP_LINE,
    escape_markdown,
    format_from_suffix,
    render_draft,
    safe_link,
)

DATA = Path(__file__).parent / "data" / "export"
GOLDEN = {"md": "roundup.md", "html": "roundup.html", "text": "roundup.txt", "json": "roundup.json"}
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def draft() -> Draft:
    return load_draft(DATA / "roundup.toml")


# --- golden files --------------------------------------------------------------------------------


def _golden(name: str, actual: str) -> None:
    path = DATA / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", list(GOLDEN))
def test_golden(draft: Draft, fmt: str) -> None:
    _golden(GOLDEN[fmt], render_draft(draft, fmt))


def test_golden_html_fragment(draft: Draft) -> None:
    fragment = render_draft(draft, "html", fragment=True)
    _golden("roundup.fragment.html", fragment)
    assert "<html" not in fragment
    assert fragment.startswith('<div style="max-width:600px;')


# --- the shape of the round-up -----------------------------------------------------------------


def test_markdown_reads_like_the_reference(draft: Draft) -> None:
    md = render_draft(draft, "md")
    lines = md.split("\n")
    assert lines[0] == f"# {draft.title}"
    lead = md.index("## [CSOs must have a place")
    roundup = md.index(ROUNDUP_LINE)
    assert md.index("Freedom Collaborative and others") < lead < roundup < md.index("## Events")
    assert "## Opinion" not in md  # an empty section is left out
    assert "\n\nA new set of reports highlights" in md  # the note, as written
    # An entry without a note: its linked title, then its summary.
    assert (
        "[U.S. court upholds $38M verdict against Chiquita — “a landmark”]"
        "(https://earthrights.org/media_release/chiquita-verdict-upheld/): A federal court"
    ) in md
    # A note that links nowhere gets a link to its source.
    assert "much more must be done. ([institut-fuer-menschenrechte.de](https://www." in md


@pytest.mark.parametrize("section", ["Lead story", "Round-up"])
def test_every_item_links_to_its_source(draft: Draft, section: str) -> None:
    for entry in draft.entries:
        alone = Draft(name="x", title="t", entries=(replace(entry, section=section),))
        links = audit(render_draft(alone, "html")).links
        if safe_link(entry.url):
            assert entry.url in links or (section == "Round-up" and entry.note and links)
        else:
            assert entry.url not in links


def test_no_entries_and_no_title_fallbacks() -> None:
    empty = Draft(name="x", title="Nothing yet")
    assert render_draft(empty, "md") == "# Nothing yet\n"
    assert "Links:" not in render_draft(empty, "text")
    untitled = Draft(
        name="x",
        title="t",
        entries=(DraftEntry("a", "https://www.example.org/x", section="Round-up"),),
    )
    assert "[example.org](https://www.example.org/x)\n" in render_draft(untitled, "md")


def test_text_wraps_and_numbers_links(draft: Draft) -> None:
    text = render_draft(draft, "text")
    body, links = text.split("\nLinks:\n")
    assert all(len(line) <= 72 for line in body.split("\n") if " " in line.strip())
    numbers = re.findall(r"\[(\d+)\]", body)
    listed = re.findall(r"^\[(\d+)\] (\S+)$", links, re.M)
    assert sorted(set(map(int, numbers))) == [int(n) for n, _ in listed]
    assert all(url.startswith(("https://", "http://", "mailto:")) for _, url in listed)


def test_json_is_stable_data(draft: Draft) -> None:
    data = json.loads(render_draft(draft, "json"))
    assert list(data) == ["name", "title", "date", "intro", "intro_html", "sections"]
    assert [s["name"] for s in data["sections"]] == ["Lead story", "Round-up", "Events"]
    first = data["sections"][0]["entries"][0]
    assert list(first) == [
        "id", "title", "url", "source", "published", "summary", "note", "note_html"
    ]  # fmt: skip
    assert first["published"] == "2024-10-25T09:00:00+00:00"


@pytest.mark.parametrize(
    ("note", "md", "text"),
    [
        ("*em* **strong** ``co`de``", "*em* **strong** ``co`de``", "em strong co`de"),
        ("`co`de`", "`co`de\\`", "code`"),
        ("- one\n- two\n\n  more", "- one\n\n- two\n\n  more", "- one\n\n- two\n\n  more"),
        ("3. three\n4. four", "3. three\n4. four", "3. three\n4. four"),
        ("> quoted\n>\n> twice", "> quoted\n>\n> twice", "> quoted\n>\n> twice"),
        ("```\n<b>```\n```", "````\n<b>```\n````", "    <b>```"),
        ("# Heading\n\n---", "# Heading\n\n---", "Heading\n\n* * *"),
        ("line one  \nline two", "line one\\\nline two", "line one\nline two"),
        ("1986\\. A year", "1986\\. A year", "1986. A year"),
        ("\\- not a list", "\\- not a list", "- not a list"),
        ("Wow\\![x](https://e.org/)", "Wow\\![x](https://e.org/)", "Wow!x [1]"),
        ("Wow![x](https://e.org/i.png)", "Wow![x](https://e.org/i.png)", "Wowx [2]"),
        ("<https://e.org/a>", "[https://e.org/a](https://e.org/a)", "https://e.org/a"),
        ("[a](<https://e.org/x y>)", "[a](https://e.org/x%20y)", "a [2]"),
        ("&lt;b&gt; &amp;copy;", "\\<b\\> \\&copy;", "<b> &copy;"),
    ],
)
def test_notes_are_rerendered(note: str, md: str, text: str) -> None:
    d = Draft(
        name="x",
        title="t",
        entries=(DraftEntry("a", "https://e.org/", note=note, section="Lead story"),),
    )
    out_md = render_draft(d, "md")
    out_text = render_draft(d, "text")
    assert out_md.split("\n\n", 2)[2] == md + "\n"
    assert out_text.split("\n\n", 2)[2].split("\n\nLinks:")[0].rstrip("\n") == text


def test_format_from_suffix() -> None:
    assert format_from_suffix("issue.HTML") == "html"
    assert format_from_suffix(Path("a/issue.txt")) == "text"
    assert format_from_suffix("issue.markdown") == "md"
    assert format_from_suffix("issue.json") == "json"
    assert format_from_suffix("issue") is None


def test_unknown_format_and_json_template(draft: Draft) -> None:
    with pytest.raises(UsageError, match="unknown export format 'pdf'"):
        render_draft(draft, "pdf")
    with pytest.raises(UsageError, match="does not apply to the json format"):
        render_draft(draft, "json", template="x.j2")


# --- templates -----------------------------------------------------------------------------


def test_workspace_templates_override_by_name(draft: Draft, tmp_path: Path) -> None:
    (tmp_path / "roundup.md.j2").write_text(
        "Issue: {{ title }}\n{% include 'default/roundup.md.j2' %}\n-- \nThe editors\n"
    )
    md = render_draft(draft, "md", templates_dir=tmp_path)
    assert md.startswith(f"Issue: {escape_markdown(draft.title)}\n# ")
    assert md.endswith("\n-- \nThe editors\n")
    # Formats without an override keep the packaged template.
    assert render_draft(draft, "text", templates_dir=tmp_path) == render_draft(draft, "text")


def test_one_template_file_is_autoescaped_by_format(draft: Draft, tmp_path: Path) -> None:
    custom = tmp_path / "mine.j2"
    custom.write_text(
        "{% for s in sections %}{% for e in s.entries %}<li>{{ e.title }}</li>\n"
        "{% endfor %}{% endfor %}"
    )
    html = render_draft(draft, "html", template=custom)
    assert "<li>&lt;script&gt;document.body.append(" in html
    assert "<script>" not in html


def test_template_syntax_error_names_file_and_line(draft: Draft, tmp_path: Path) -> None:
    custom = tmp_path / "broken.md.j2"
    custom.write_text("# {{ title }}\n\n{% for e in sections %}\n{{ e.name }\n")
    with pytest.raises(ExportError, match=rf"^{re.escape(str(custom))}:4: template error: "):
        render_draft(draft, "md", template=str(custom))


def test_template_runtime_error_names_file_and_line(draft: Draft, tmp_path: Path) -> None:
    (tmp_path / "roundup.txt.j2").write_text("{{ title }}\n{{ sections[0].entries[0].titel }}\n")
    with pytest.raises(ExportError) as info:
        render_draft(draft, "text", templates_dir=tmp_path)
    assert info.value.message.startswith(f"{tmp_path / 'roundup.txt.j2'}:2: template error: ")
    assert "titel" in info.value.message


def test_missing_template(draft: Draft, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"template .*nope\.j2 not found"):
        render_draft(draft, "md", template=tmp_path / "nope.j2")
    (tmp_path / "roundup.md.j2").write_text("{% include 'missing.j2' %}")
    with pytest.raises(ExportError, match=r"template 'missing\.j2' not found"):
        render_draft(draft, "md", templates_dir=tmp_path)


# --- safety laws ---------------------------------------------------------------------------------

SAFE_HREF = re.compile(r"(https?://[^\s/?#]|mailto:)", re.I)
# fmt: off
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "body", "table", "tbody", "tr", "td", "div",
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "a", "em", "strong",
    "ul", "ol", "li", "blockquote", "code", "pre", "img", "hr", "br",
}
ALLOWED_ATTRS = {
    "style", "href", "src", "alt", "title", "charset", "name", "content", "role",
    "width", "cellpadding", "cellspacing", "border", "align", "start",
}
# fmt: on


class Audit(HTMLParser):
    """What a browser would build: every element, attribute and link, plus the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"element <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name not in ALLOWED_ATTRS:
                self.problems.append(f"attribute {name}= on <{tag}>")
            if name in ("href", "src"):
                self.links.append(value or "")
                if not SAFE_HREF.match(value or ""):
                    self.problems.append(f"link {name}={value!r}")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def audit(html: str) -> Audit:
    parser = Audit()
    parser.feed(html)
    parser.close()
    return parser


class _PermissiveMarkdown(MarkdownIt):
    """A Markdown renderer that trusts its input (raw HTML on, any link): what our Markdown
    export may be piped into (pandoc, a CMS)."""

    def validateLink(self, url: str) -> bool:
        return True


PERMISSIVE = _PermissiveMarkdown("commonmark", {"html": True})


def test_hostile_golden_draft_is_harmless(draft: Draft) -> None:
    for html in (render_draft(draft, "html"), PERMISSIVE.render(render_draft(draft, "md"))):
        assert audit(html).problems == []


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x]( javascript:alert(1))",
    "![i](data:image/svg+xml;base64,PHN2Zz4=)",
    "[d](data:text/html,<script>alert(1)</script>)",
    "<iframe src=https://e.org/></iframe>",
    "<javascript:alert(1)>",
    "[r]: javascript:alert(1)\n\n[r]",
    '" onmouseover="alert(1)',
    "`<script>`",
    "&lt;script&gt;",
    "&#60;script&#62;",
    "\\<script>",
    "*",
    "_",
    "[",
    "](",
    ")",
    "\n",
    "\n\n",
    "    ",
    "- ",
    "1. ",
    "# ",
    "> ",
    "```",
    "<!--",
    "{onclick=alert(1)}",
]
_pieces = st.lists(st.sampled_from(HOSTILE) | st.text(max_size=8), max_size=6).map("".join)
_urls = st.sampled_from(
    [
        "javascript:alert(1)",
        " JAVASCRIPT:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "/relative",
        'https://ok.example/"><script>alert(1)</script>',
        "https://ok.example/a b(c)<d>",
        "mailto:a@example.org",
        "https://ok.example/",
    ]
) | st.text(max_size=20)


@st.composite
def hostile_drafts(draw: st.DrawFn) -> Draft:
    entries = tuple(
        DraftEntry(
            id=f"e{i}",
            url=draw(_urls),
            title=draw(_pieces),
            summary=draw(_pieces),
            note=draw(st.just("") | _pieces),
            section=draw(st.sampled_from(["Lead story", "Round-up", "Extra"])),
        )
        for i in range(draw(st.integers(1, 4)))
    )
    return Draft(
        name="h",
        title=draw(_pieces),
        intro=draw(_pieces),
        sections=("Lead story", "Round-up", draw(st.sampled_from(["Extra", "<b>Extra</b>"]))),
        entries=tuple(e for e in entries if e.section != "Extra")
        + tuple(e for e in entries if e.section == "Extra"),
    )


def _fix_sections(d: Draft) -> Draft:
    extra = d.sections[2]
    return Draft(
        name=d.name,
        title=d.title,
        intro=d.intro,
        sections=d.sections,
        entries=tuple(
            DraftEntry(
                e.id,
                e.url,
                e.title,
                e.summary,
                e.note,
                extra if e.section == "Extra" else e.section,
            )
            for e in d.entries
        ),
    )


@given(hostile_drafts(), st.booleans())
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_html_never_emits_markup_from_entry_text(d: Draft, fragment: bool) -> None:
    html = render_draft(_fix_sections(d), "html", fragment=fragment)
    assert audit(html).problems == []


@given(hostile_drafts())
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_markdown_never_emits_markup_from_entry_text(d: Draft) -> None:
    md = render_draft(_fix_sections(d), "md")
    assert audit(PERMISSIVE.render(md)).problems == []


@given(hostile_drafts())
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_text_and_json_always_render(d: Draft) -> None:
    d = _fix_sections(d)
    text = render_draft(d, "text")
    assert "\x00" not in text
    assert json.loads(render_draft(d, "json"))["name"] == "h"


_COMMONMARK = MarkdownIt("commonmark")


@given(st.text())
@settings(max_examples=500, deadline=None)
def test_escaped_fetched_text_reads_as_itself(raw: str) -> None:
    """A summary shows as exactly its text in any CommonMark renderer: no markup, no links."""
    d = Draft(
        name="x",
        title="t",
        entries=(DraftEntry("a", "https://e.org/", summary=raw, section="Lead story"),),
    )
    md = render_draft(d, "md")
    line = " ".join(re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", " ", raw).split())
    rendered = _COMMONMARK.render(md)
    if line:
        expected = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        expected = expected.replace('"', "&quot;")
        assert f"<p>{expected}</p>" in rendered


def test_safe_link() -> None:
    assert safe_link("https://example.org/a") == "https://example.org/a"
    assert safe_link(" mailto:a@example.org ") == "mailto:a@example.org"
    for bad in ("javascript:alert(1)", "data:x", "//e.org", "/x", "https://e.org/a b", ""):
        assert safe_link(bad) is None
    assert safe_link("mailto:a@example.org", image=True) is None


# --- a real browser ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)"
)
def test_html_in_headless_chromium(draft: Draft, tmp_path: Path) -> None:
    page = tmp_path / "issue.html"
    page.write_text(render_draft(draft, "html"), encoding="utf-8")
    result = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=2000",  # let any (failed) image load and its handler run
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = result.stdout
    assert "<body" in dom
    found = audit(dom)
    assert found.problems == []
    assert not re.search(r"<(script|iframe|object|embed)\b", dom, re.I)
    text = " ".join("".join(found.text).split())
    # Had any hostile script or handler run, it would have appended "PWNED-…" to the page.
    assert "PWNED" not in re.sub(r"append\('PWNED-\w+'\)", "", text)
    # Everything the reader should see is there, hostile text included, as text.
    for entry in draft.entries:
        if not entry.note or entry.section == draft.lead_section:
            assert " ".join(entry.title.split()) in text
        if not entry.note:
            assert " ".join(entry.summary.split()) in text
    for fragment in (
        "<script>document.body.append('PWNED-note')</script> click and data and pixel",
        '<a href="javascript:alert(4)" onclick=',
        "relative, proto, file and javascript:alert(8) stay text",
        "A new set of reports highlights the benefits",
        "much more must be done. (institut-fuer-menschenrechte.de)",
        ROUNDUP_LINE,
        "Freedom Collaborative and others urge",
    ):
        assert fragment in text
