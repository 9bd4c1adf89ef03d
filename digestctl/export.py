"""Render a draft as the finished round-up: Markdown, email-safe HTML, plain text or JSON.

Pure apart from reading template files. Fetched text is untrusted: it is escaped for the
output format, notes are Markdown rendered without raw HTML, and only http(s)/mailto links
are emitted (any other link is reduced to its text).
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urlsplit

from digestctl.drafts import Draft, DraftEntry
from digestctl.errors import ExportError, UsageError

if TYPE_CHECKING:
    import jinja2
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.tree import SyntaxTreeNode

FORMATS = ("md", "html", "text", "json")
TEMPLATE_NAMES = {"md": "roundup.md.j2", "html": "roundup.html.j2", "text": "roundup.txt.j2"}
DEFAULT_TEMPLATES = Path(__file__).parent / "templates"
ROUNDUP_SECTION = "Round-up"
ROUNDUP_LINE = "Here’s a round-up of other noteworthy news and initiatives:"
TEXT_WIDTH = 72

_SUFFIXES = {
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".json": "json",
}

# Inline styles for what Markdown produces inside the HTML export: email clients ignore
# <style> blocks and external CSS, so every element carries its own.
HTML_STYLES = {
    "p": "margin:0 0 16px 0;",
    "a": "color:#1a5fb4;text-decoration:underline;",
    "h1": "margin:24px 0 12px 0;font-size:24px;line-height:1.3;",
    "h2": "margin:24px 0 12px 0;font-size:21px;line-height:1.3;",
    "h3": "margin:20px 0 10px 0;font-size:18px;line-height:1.3;",
    "h4": "margin:16px 0 8px 0;font-size:17px;",
    "h5": "margin:16px 0 8px 0;font-size:17px;",
    "h6": "margin:16px 0 8px 0;font-size:17px;",
    "ul": "margin:0 0 16px 0;padding:0 0 0 24px;",
    "ol": "margin:0 0 16px 0;padding:0 0 0 24px;",
    "li": "margin:0 0 6px 0;",
    "blockquote": "margin:0 0 16px 0;padding:0 0 0 16px;border-left:3px solid #cccccc;"
    "color:#555555;",
    "code": "font-family:Menlo,Consolas,monospace;font-size:15px;background:#f2f2f2;",
    "pre": "margin:0 0 16px 0;padding:12px;background:#f2f2f2;white-space:pre-wrap;"
    "font-family:Menlo,Consolas,monospace;font-size:14px;line-height:1.4;",
    "img": "max-width:100%;height:auto;border:0;",
    "hr": "border:0;border-top:1px solid #dddddd;margin:24px 0;",
}

Format = Literal["md", "html", "text"]


def format_from_suffix(path: str | Path) -> str | None:
    """The export format a file name implies (issue.html -> "html"), or None."""
    return _SUFFIXES.get(Path(path).suffix.lower())


def render_draft(
    draft: Draft,
    fmt: str,
    *,
    template: str | Path | None = None,
    fragment: bool = False,
    templates_dir: Path | None = None,
    texts: Mapping[str, str | None] | None = None,
) -> str:
    """The round-up as one document. `templates_dir` (a workspace's templates/) overrides the
    packaged templates by name; `template` is one template file used instead; `fragment`
    gives HTML body content only, for pasting into a newsletter service. `texts` (item id
    → full text) adds a `text` key to every JSON entry."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}", hint="choose md, html, text or json")
    if fmt == "json":
        if template is not None:
            raise UsageError("a template does not apply to the json format")
        return _render_json(draft, texts)
    kind: Format = "md" if fmt == "md" else "html" if fmt == "html" else "text"
    context = _Builder(kind).context(draft, fragment=fragment)
    return _render_template(kind, context, template, templates_dir)


# --- what templates see ------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryView:
    """An entry ready for one format: text fields are already escaped for Markdown, rendered
    (note: HTML markup, wrapped text) or left for autoescaping (HTML)."""

    id: str
    title: str
    url: str | None  # a link we may emit, or None
    summary: str
    note: str  # the rendered note, "" when there is none
    link: str  # the title linked to its source
    body: str  # what the default templates print: the note, else linked title and summary
    source: str
    host: str
    published: str | None  # ISO 8601
    lead: bool


@dataclass(frozen=True)
class SectionView:
    name: str
    lead: bool  # the first section: rendered first and fuller
    roundup: bool  # the "Round-up" section: introduced by ROUNDUP_LINE, not a heading
    entries: tuple[EntryView, ...]


class _Builder:
    """Builds the template context for one format; owns the text format's footnotes."""

    def __init__(self, fmt: Format) -> None:
        self.fmt = fmt
        self.footnotes: dict[str, int] = {}

    def context(self, draft: Draft, *, fragment: bool) -> dict[str, Any]:
        title = self.text(draft.title)
        intro = self.markdown(draft.intro, width=TEXT_WIDTH) if draft.intro.strip() else ""
        sections = []
        for name in draft.sections:
            lead = name == draft.lead_section
            entries = tuple(self.entry(e, lead=lead) for e in draft.entries_in(name))
            if entries:
                sections.append(
                    SectionView(self.text(name), lead, name == ROUNDUP_SECTION, entries)
                )
        return {
            "format": self.fmt,
            "fragment": fragment,
            "title": title,
            "date": draft.date.isoformat() if draft.date else "",
            "intro": intro,
            "sections": sections,
            "roundup_line": ROUNDUP_LINE,
            "links": [(n, url) for url, n in self.footnotes.items()],
            "styles": HTML_STYLES,
            "draft": draft,
        }

    def entry(self, e: DraftEntry, *, lead: bool) -> EntryView:
        url = safe_link(e.url)
        host = _host(url or e.url)
        title = self.text(e.title) or self.text(host or e.url)
        summary = self.text(e.summary)
        # Built in reading order, so that the text format numbers its links as they appear.
        link = self.link(title, url) if lead else ""
        note = ""
        if e.note.strip():
            # A round-up note that links nowhere gets a link to its source: every item does.
            source_link = (url, host or url) if url and not lead else None
            note = self.markdown(e.note, width=TEXT_WIDTH, source_link=source_link)
        if not lead:
            # Behind a note the title link is unused by default: no new footnote number for it.
            link = self.link(title, url, number=not note)
        if note:
            body = note
        elif lead:
            body = self.paragraph(summary) if summary else ""
        else:
            body = self.paragraph(link, f": {summary}" if summary else "")
        published = e.published.isoformat() if e.published else None
        return EntryView(
            e.id, title, url, summary, note, link, body, e.source, host, published, lead
        )

    def text(self, raw: str) -> str:
        """One line of untrusted text for this format (HTML is escaped by the template)."""
        line = _one_line(raw)
        return escape_markdown(line) if self.fmt == "md" else line

    def link(self, label: str, url: str | None, *, number: bool = True) -> str:
        """`label` linked to `url`; in text, "label [n]" (`number`: may take a new n)."""
        if url is None:
            return label
        if self.fmt == "md":
            return f"[{label}]({_md_url(url)})"
        if self.fmt == "text":
            n = self.footnote(url) if number else self.footnotes.get(url)
            return f"{label} [{n}]" if n else label
        from markupsafe import Markup

        return Markup('<a href="{}" style="{}">{}</a>').format(url, HTML_STYLES["a"], label)

    def paragraph(self, *parts: str) -> str:
        if self.fmt == "md":
            return _MD_LINE_START.sub(_md_line_start, "".join(parts))
        if self.fmt == "text":
            return _wrap("".join(parts), TEXT_WIDTH)
        from markupsafe import Markup, escape

        return Markup('<p style="{}">{}</p>').format(
            HTML_STYLES["p"], Markup("").join(escape(p) for p in parts)
        )

    def markdown(
        self, source: str, *, width: int, source_link: tuple[str, str] | None = None
    ) -> str:
        tokens = _markdown_tokens(source, source_link)
        if self.fmt == "html":
            from markupsafe import Markup

            return Markup(_render_html(tokens).strip())
        from markdown_it.tree import SyntaxTreeNode

        return _Writer(self).blocks(SyntaxTreeNode(tokens).children, width)

    def footnote(self, url: str) -> int:
        return self.footnotes.setdefault(url, len(self.footnotes) + 1)


# --- untrusted text -----------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_URL_JUNK = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
_MD_SPECIAL = re.compile(
    r"[\\`*\[\]<>#~|{}]"  # emphasis, links, HTML, headings, strike-through, tables, attributes
    r"|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])"  # an intraword _ never starts emphasis
    r"|&(?=#?[A-Za-z0-9]+;)"  # an entity would decode to markup characters
    r"|!\Z"  # "!" then a link would make an image
)
_MD_LINE_START = re.compile(r"^([ \t]*)(?:([-+=])|(\d+)([.)]))", re.M)


def safe_link(url: str | None, *, image: bool = False) -> str | None:
    """`url` if we may emit it as a link (http, https, mailto; http(s) only for images)."""
    # Imported here: urls pulls in hashlib and base64, which exporting never needs.
    from digestctl.urls import is_safe_link

    if not url:
        return None
    url = url.strip()
    if not url or _URL_JUNK.search(url) or not is_safe_link(url):
        return None
    if image and not url.lower().startswith(("http://", "https://")):
        return None
    return url


def escape_markdown(text: str) -> str:
    """Text that Markdown renderers show as itself: no emphasis, links, HTML or headings."""
    return _MD_SPECIAL.sub(r"\\\g<0>", text)


def _md_line_start(match: re.Match[str]) -> str:
    # At the start of a line "- ", "+ ", "=" and "1." would begin a list or a heading.
    if match[2]:
        return f"{match[1]}\\{match[2]}"
    return f"{match[1]}{match[3]}\\{match[4]}"


def _one_line(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())


def _md_url(url: str) -> str:
    # Spaces, parentheses and angle brackets would end or break a Markdown link destination.
    encoded = quote(url, safe="!#$%&'*+,-./:;=?@[]~_")
    return re.sub(r"&(?=#?[A-Za-z0-9]+;)", r"\\&", encoded)


def _host(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() == "mailto":
        return parts.path
    return (parts.hostname or "").removeprefix("www.")


def _wrap(text: str, width: int) -> str:
    return "\n".join(
        textwrap.fill(line, max(width, 20), break_long_words=False, break_on_hyphens=False)
        for line in text.split("\n")
    )


def _display_width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


# --- Markdown (notes and intro) -----------------------------------------------------------------


@cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from markdown_it.common.utils import escapeHtml

    class _Markdown(MarkdownIt):
        def validateLink(self, url: str) -> bool:
            return True  # every link parses; _markdown_tokens turns unsafe ones into text

    def code(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        content = escapeHtml(tokens[idx].content)
        return f'<pre style="{HTML_STYLES["pre"]}"><code>{content}</code></pre>\n'

    md = _Markdown("commonmark", {"html": False})
    md.add_render_rule("fence", code)
    md.add_render_rule("code_block", code)
    return md


def _markdown_tokens(source: str, source_link: tuple[str, str] | None) -> list[Token]:
    """Parse Markdown (raw HTML stays text), reduce unsafe links and images to their text,
    and append `source_link` (url, label) when the text links nowhere."""
    from markdown_it.token import Token

    text = _CONTROL.sub("", source.replace("\r\n", "\n").replace("\r", "\n"))
    tokens = _markdown().parse(text)
    linked = False
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        kept: list[Token] = []
        dropping = False
        for child in token.children:
            if child.type == "link_open":
                href = safe_link(str(child.attrGet("href") or ""))
                dropping = href is None
                if dropping:
                    continue
                linked = True
            elif child.type == "link_close" and dropping:
                dropping = False
                continue
            elif child.type == "image" and not safe_link(
                str(child.attrGet("src") or ""), image=True
            ):
                kept.extend(child.children or [])
                continue
            kept.append(child)
        token.children = kept
    if source_link is not None and not linked:
        url, label = source_link
        link = [
            Token("link_open", "a", 1, attrs={"href": url}),
            Token("text", "", 0, content=label),
            Token("link_close", "a", -1),
        ]
        last = tokens[-2] if len(tokens) >= 2 and tokens[-1].type == "paragraph_close" else None
        if last is not None and last.type == "inline" and tokens[-1].level == 0:
            text_open, text_close = Token("text", "", 0, content=" ("), Token("text", "", 0)
            text_close.content = ")"
            last.children = [*(last.children or []), text_open, *link, text_close]
        else:
            tokens += [
                Token("paragraph_open", "p", 1, block=True),
                Token("inline", "", 0, children=link, content=label, level=1, block=True),
                Token("paragraph_close", "p", -1, block=True),
            ]
    return tokens


def _render_html(tokens: list[Token]) -> str:
    md = _markdown()
    stack = list(tokens)
    while stack:
        token = stack.pop()
        style = HTML_STYLES.get(token.tag)
        if style and token.nesting >= 0:
            token.attrSet("style", style)
        stack.extend(token.children or [])
    html: str = md.renderer.render(tokens, md.options, {})
    return html


class _Writer:
    """Markdown tokens back to Markdown (re-escaped, so a note cannot smuggle in raw HTML or
    unsafe links) or to wrapped plain text with numbered links."""

    def __init__(self, builder: _Builder) -> None:
        self.builder = builder
        self.md = builder.fmt == "md"

    def blocks(self, nodes: Sequence[SyntaxTreeNode], width: int, *, tight: bool = False) -> str:
        rendered = (self.block(node, width) for node in nodes)
        return ("\n" if tight else "\n\n").join(b for b in rendered if b)

    def block(self, node: SyntaxTreeNode, width: int) -> str:
        kind = node.type
        if kind == "paragraph":
            text = self.inline(node.children[0]) if node.children else ""
            if self.md:
                return _MD_LINE_START.sub(_md_line_start, text)
            return _wrap(text, width)
        if kind == "heading":
            text = self.inline(node.children[0]) if node.children else ""
            return f"{'#' * int(node.tag[1:])} {text}" if self.md else _wrap(text, width)
        if kind in ("bullet_list", "ordered_list"):
            return self.list(node, width)
        if kind == "blockquote":
            return _indent(self.blocks(node.children, width - 2), "> ", "> ")
        if kind in ("fence", "code_block"):
            code = node.content.rstrip("\n")
            if not self.md:
                return _indent(code, "    ", "    ")
            runs = re.findall(r"`+", code)
            fence = "`" * max(3, max((len(r) for r in runs), default=0) + 1)
            return f"{fence}\n{code}\n{fence}"
        if kind == "hr":
            return "---" if self.md else "* * *"
        return self.blocks(node.children, width)

    def list(self, node: SyntaxTreeNode, width: int) -> str:
        start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else 0
        tight = False
        items = []
        for number, item in enumerate(node.children, start):
            marker = f"{number}." if start else "-"
            tight = any(child.type == "paragraph" and child.hidden for child in item.children)
            body = self.blocks(item.children, width - len(marker) - 1, tight=tight)
            items.append(_indent(body, marker + " ", " " * (len(marker) + 1)))
        return ("\n" if tight else "\n\n").join(items)

    def inline(self, node: SyntaxTreeNode) -> str:
        return "".join(self.span(child) for child in node.children)

    def span(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind == "text":
            return escape_markdown(node.content) if self.md else node.content
        if kind == "softbreak":
            return " "
        if kind == "hardbreak":
            return "\\\n" if self.md else "\n"
        if kind == "code_inline":
            return _md_code(node.content) if self.md else node.content
        inner = self.inline(node)
        if kind in ("em", "strong"):
            mark = "*" if kind == "em" else "**"
            return f"{mark}{inner}{mark}" if self.md else inner
        if kind in ("link", "image"):
            target = str(node.attrs["href" if kind == "link" else "src"])
            if self.md:
                bang = "!" if kind == "image" else ""
                return f"{bang}[{inner}]({_md_url(target)})"
            if inner.strip() in (target, target.removeprefix("mailto:")):
                return inner
            return f"{inner or 'image'} [{self.builder.footnote(target)}]"
        return inner


def _md_code(content: str) -> str:
    runs = re.findall(r"`+", content)
    fence = "`" * (max((len(r) for r in runs), default=0) + 1)
    pad = " " if content[:1] in ("`", " ") or content[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def _indent(text: str, first: str, rest: str) -> str:
    lines = text.split("\n")
    out = [first + lines[0]]
    out += [(rest + line) if line else rest.rstrip() for line in lines[1:]]
    return "\n".join(out)


# --- templates -----------------------------------------------------------------------------------


def _render_template(
    fmt: Format,
    context: dict[str, Any],
    template: str | Path | None,
    templates_dir: Path | None,
) -> str:
    import jinja2

    folders = []
    if template is not None:
        template = Path(template)
        if not template.is_file():
            raise ExportError(f"template {template} not found", hint="give the path of a file")
        folders.append(template.parent)
    if templates_dir is not None:
        folders.append(templates_dir)
    default = jinja2.FileSystemLoader(DEFAULT_TEMPLATES)
    loader = jinja2.ChoiceLoader(
        [
            *(jinja2.FileSystemLoader(folder) for folder in folders),
            default,
            # {% extends "default/roundup.html.j2" %} reaches the packaged one from an override.
            jinja2.PrefixLoader({"default": default}),
        ]
    )
    env = jinja2.Environment(
        loader=loader,
        autoescape=fmt == "html",  # by format, not file name: a custom .j2 is escaped too
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["underline"] = lambda text, char="=": (
        char * max((_display_width(line) for line in str(text).split("\n")), default=0)
    )
    name = template.name if isinstance(template, Path) else TEMPLATE_NAMES[fmt]
    try:
        output = env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as e:
        where = e.filename or e.name or name
        raise ExportError(f"{where}:{e.lineno}: template error: {e.message}") from e
    except jinja2.TemplateNotFound as e:
        raise ExportError(f"template {e.name!r} not found (looked in {_places(env)})") from e
    except Exception as e:  # raised while the template runs: name the template line
        raise ExportError(f"{_template_line(e, name)}: template error: {e}") from e
    return output.rstrip("\n") + "\n"


def _places(env: jinja2.Environment) -> str:
    loaders = getattr(env.loader, "loaders", [])
    return ", ".join(str(p) for loader in loaders for p in getattr(loader, "searchpath", []))


def _template_line(error: BaseException, name: str) -> str:
    import traceback

    # Jinja rewrites tracebacks so that template code shows as frames of the template file.
    frames = [
        f for f in traceback.extract_tb(error.__traceback__) if not f.filename.endswith(".py")
    ]
    if frames:
        return f"{frames[-1].filename}:{frames[-1].lineno}"
    return name


# --- JSON ----------------------------------------------------------------------------------------


def _render_json(draft: Draft, texts: Mapping[str, str | None] | None = None) -> str:
    """The round-up as data with stable keys: sections in order (empty ones left out), raw
    text as in the draft plus the notes rendered as safe HTML."""
    import json

    builder = _Builder("html")
    sections = []
    for name in draft.sections:
        entries = draft.entries_in(name)
        if not entries:
            continue
        sections.append(
            {
                "name": name,
                "lead": name == draft.lead_section,
                "entries": [
                    {
                        "id": e.id,
                        "title": e.title,
                        "url": e.url,
                        "source": e.source,
                        "published": e.published.isoformat() if e.published else None,
                        "summary": e.summary,
                        "note": e.note,
                        "note_html": builder.markdown(e.note, width=0) if e.note.strip() else "",
                    }
                    | ({} if texts is None else {"text": texts.get(e.id)})
                    for e in entries
                ],
            }
        )
    document = {
        "name": draft.name,
        "title": draft.title,
        "date": draft.date.isoformat() if draft.date else None,
        "intro": draft.intro,
        "intro_html": builder.markdown(draft.intro, width=0) if draft.intro.strip() else "",
        "sections": sections,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
