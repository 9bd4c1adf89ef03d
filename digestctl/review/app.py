"""The full-screen review app (Textual): a virtual list of candidates beside or above a
preview, single keys to decide, search, marks. Every decision goes through picks.Desk (the
core of `pick`, `skip` and `note`) inside the key's handler, so it is on disk before the
app is idle again. The only module that imports Textual.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region, Size
from textual.message import Message
from textual.screen import ModalScreen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from digestctl.drafts import Draft, DraftEntry
from digestctl.errors import DigestError
from digestctl.models import ItemStatus
from digestctl.picks import Archive, Decision, Desk, Window, learn, load_config_quietly
from digestctl.review.board import Board, Line, Order, Show
from digestctl.review.plain import Outcome
from digestctl.review.rows import ReviewRow, age, featured_in, load_rows, safe
from digestctl.store import Store

WIDE = 120  # from this many columns the preview sits beside the list

STATUS_WORD = {ItemStatus.NEW: "new ", ItemStatus.PICKED: "pick", ItemStatus.SKIPPED: "skip"}

KEYS: tuple[tuple[str, str], ...] = (
    ("j k ↓ ↑", "move down / up"),
    ("g G", "top / bottom"),
    ("PgUp PgDn", "a page up / down"),
    ("p", "pick into the draft and move on (marked rows: pick them all)"),
    ("l", "pick as the lead story"),
    ("s", "skip and move on (marked rows: skip them all; a folded story: all its outlets)"),
    ("n", "pick with a note typed here (Enter saves, Esc cancels)"),
    ("e", "pick with a note written in $VISUAL / $EDITOR"),
    ("o", "open the link in the browser"),
    ("u", "undo the last decision"),
    ("r", "read: the full text when the store has it, else summary and link"),
    ("/", "search title, summary and source (Enter filters, Esc in the list clears)"),
    ("space", "mark or unmark, and move down"),
    ("f", "filter by source or tag"),
    ("t", "show new / all / picked / skipped"),
    ("S", "order by score / newest / source"),
    ("z Enter", "expand a story to its outlets, or fold it"),
    ("d", "the draft in order (J/K reorder, m move to the next section)"),
    ("R", "load items fetched since the review started"),
    ("?", "this help"),
    ("q", "quit (every decision is already saved)"),
)
# The footer's keys, most needed first: as many as the width holds, shown in this order.
FOOTER_KEYS: tuple[tuple[int, str], ...] = (
    (0, "p pick"),
    (1, "l lead"),
    (0, "s skip"),
    (1, "n note"),
    (3, "e editor"),
    (1, "u undo"),
    (3, "o open"),
    (2, "r read"),
    (0, "/ find"),
    (1, "␣ mark"),
    (3, "f source"),
    (3, "t status"),
    (3, "S order"),
    (2, "z story"),
    (1, "d draft"),
    (0, "? keys"),
    (0, "q quit"),
)


def format_footer(width: int) -> str:
    """The keys that fit in `width` cells, dropping the least needed first."""
    for level in (3, 2, 1, 0):
        text = "  ".join(k for need, k in FOOTER_KEYS if need <= level)
        if len(text) <= width:
            return text
    return text[:width]


# -- one line of the list, as text -----------------------------------------------------------


def format_line(
    line: Line, *, width: int, cursor: bool, marked: bool, now: datetime, source_width: int = 12
) -> str:
    """A row of the list, exactly `width` cells: cursor, mark, status, source, title, +N, age.
    Pure, so the columns are tested without a terminal."""
    row = line.row
    head = ("▶" if cursor else " ") + ("*" if marked else " ")
    status = STATUS_WORD[row.status]
    if line.outlet:
        title = "└ " + row.title
    elif line.expanded:
        title = "▾ " + row.title
    else:
        title = row.title
    more = f"+{len(line.story) - 1}" if len(line.story) > 1 else ""
    when = age(row.when, now)
    source = _fit(row.source, source_width)
    fixed = len(head) + len(status) + 1 + source_width + 1 + 1 + 4 + 1 + 4
    title_width = max(width - fixed, 4)
    text = f"{head}{status} {source} {_fit(title, title_width)} {more:>4} {when:>4}"
    return _fit(text, width)


def _fit(text: str, width: int) -> str:
    """Cut to `width` terminal cells with an ellipsis, or pad (a CJK character or an emoji
    takes two cells); control characters become spaces (fetched titles are untrusted)."""
    clean = safe(text).replace("\n", " ")
    if cell_len(clean) > width:
        return set_cell_size(clean, max(width - 1, 0)) + "…"
    return set_cell_size(clean, width)


# -- the virtual list -------------------------------------------------------------------------


class CandidateList(ScrollView, can_focus=True):
    """Only the visible lines are drawn (Textual's line API), so 100,000 candidates cost
    what 30 do."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "candidate-list--cursor",
        "candidate-list--marked",
        "candidate-list--decided",
    }
    DEFAULT_CSS = """
    CandidateList { height: 1fr; scrollbar-size-vertical: 1; }
    CandidateList > .candidate-list--cursor { background: $accent 40%; text-style: bold; }
    CandidateList:focus > .candidate-list--cursor { background: $accent; }
    CandidateList > .candidate-list--marked { text-style: bold; color: $warning; }
    CandidateList > .candidate-list--decided { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "move(1)", "down", show=False),
        Binding("k,up", "move(-1)", "up", show=False),
        Binding("g,home", "top", "top", show=False),
        Binding("G,end", "bottom", "bottom", show=False),
        Binding("pagedown", "page(1)", "page down", show=False),
        Binding("pageup", "page(-1)", "page up", show=False),
        Binding("space", "app.mark", "mark", show=False),
        Binding("z,enter", "app.story", "story", show=False),
        Binding("escape", "app.clear", "clear", show=False),
    ]

    def __init__(
        self,
        board: Board,
        *,
        now: Callable[[], datetime],
        moved: Callable[[], None] = lambda: None,
        id: str,
    ) -> None:
        super().__init__(id=id)
        self.board = board
        self.now = now
        self.moved = moved  # called at once (not via a message, which a next key could pass)
        self._stamp = now()

    def sync(self) -> None:
        """After the board changed: new size, cursor in view, redraw."""
        self._stamp = self.now()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.board.lines))
        self.show_cursor()
        self.refresh()

    def show_cursor(self) -> bool:
        """Scroll so the cursor's line is in view; True if it scrolled."""
        height = self.scrollable_content_region.height
        top = round(self.scroll_offset.y)
        cursor = self.board.cursor
        if cursor < top:
            self.scroll_to(y=cursor, animate=False, immediate=True)
        elif height and cursor >= top + height:
            self.scroll_to(y=cursor - height + 1, animate=False, immediate=True)
        else:
            return False
        return True

    def on_resize(self, event: events.Resize) -> None:
        self.sync()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_offset.y) + y
        lines = self.board.lines
        if index >= len(lines):
            if index == 0:
                return Strip([Segment(_fit("  (nothing here: t shows other statuses)", width))])
            return Strip.blank(width, self.rich_style)
        line = lines[index]
        cursor = index == self.board.cursor
        marked = self.board.marked(line)
        text = format_line(
            line,
            width=width,
            cursor=cursor,
            marked=marked,
            now=self._stamp,
            source_width=16 if width >= 100 else 12,
        )
        style = self.rich_style
        if line.row.status is not ItemStatus.NEW:
            style += self.get_component_rich_style("candidate-list--decided")
        if marked:
            style += self.get_component_rich_style("candidate-list--marked")
        if cursor:
            style += self.get_component_rich_style("candidate-list--cursor")
        return Strip([Segment(text, style)], width)

    def _moved(self, before: int | None = None) -> None:
        if self.show_cursor() or before is None:
            self.refresh()
        else:  # only the two lines that changed are drawn again
            top = round(self.scroll_offset.y)
            width = self.scrollable_content_region.width
            for index in {before, self.board.cursor}:
                self._redraw_line(index - top, width)
        self.moved()

    def _redraw_line(self, y: int, width: int) -> None:
        self.refresh(Region(0, y, width, 1))

    def action_move(self, by: int) -> None:
        before = self.board.cursor
        self.board.move(by)
        self._moved(before)

    def action_top(self) -> None:
        self.board.go(0)
        self._moved()

    def action_bottom(self) -> None:
        self.board.go(len(self.board.lines) - 1)
        self._moved()

    def action_page(self, direction: int) -> None:
        self.board.move(direction * max(self.scrollable_content_region.height - 1, 1))
        self._moved()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = round(self.scroll_offset.y) + offset.y
        if 0 <= index < len(self.board.lines):
            again = index == self.board.cursor and event.chain > 1
            self.board.go(index)
            self._moved()
            if again:  # a double click opens or folds a story, as z does
                self.call_later(self.run_action, "app.story")


class Bar(Widget):
    """A line or two of text (header, status); changing it redraws it without a layout
    pass over the screen, which keeps a keystroke cheap."""

    DEFAULT_CSS = "Bar { height: 1; }"

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.text = Text()

    def set(self, text: Text) -> None:
        if text != self.text:
            self.text = text
            self.refresh()

    def render(self) -> Text:
        return self.text


# -- the screens over the list ----------------------------------------------------------------


class Prompt(Input):
    """The one-line box for a note or a search; Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "cancel", show=False)]

    class Cancelled(Message):
        pass

    purpose: str = ""

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 96; max-width: 100%; height: 90%;
        border: round $accent; background: $surface; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("review keys\n\n", style="bold")
        for key, what in KEYS:
            text.append(f"{key:>10}  ", style="bold")
            text.append(what + "\n")
        text.append("\nEvery decision is saved the moment it is made. Any key closes this.")
        with VerticalScroll():
            yield Static(text)

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.dismiss()


class ReadScreen(ModalScreen[None]):
    """The reading view: full text when the store has it, else summary and link."""

    DEFAULT_CSS = """
    ReadScreen { align: center middle; }
    ReadScreen > VerticalScroll { width: 100%; max-width: 100; height: 100%;
        border: round $accent; background: $surface; padding: 0 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,r", "close", "close"),
        Binding("j,down", "scroll(1)", show=False),
        Binding("k,up", "scroll(-1)", show=False),
        Binding("space,pagedown", "scroll(10)", show=False),
        Binding("pageup", "scroll(-10)", show=False),
    ]

    def __init__(self, row: ReviewRow, body: str | None) -> None:
        super().__init__()
        self.row = row
        self.body = body

    def compose(self) -> ComposeResult:
        row = self.row
        text = Text()
        text.append(row.title + "\n", style="bold")
        byline = f"{row.source} · {row.when:%a %d %b %Y}"
        if row.author:
            byline += f" · {row.author}"
        text.append(byline + "\n\n", style="italic")
        if self.body is not None:
            text.append(safe(self.body.strip()) + "\n")
        else:
            text.append((row.summary or "(no summary)") + "\n\n")
            text.append("The full text is not in the store; read it at:\n")
            if row.url:
                text.append(safe(row.url), style="underline")
        text.append("\n\nEsc, q or r: back to the list", style="dim")
        with VerticalScroll():
            yield Static(text)

    def action_close(self) -> None:
        self.dismiss()

    def action_scroll(self, by: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=by, animate=False)


class PointerList(OptionList):
    """An option list whose highlighted option also carries a "▶", so the highlight does
    not depend on colour (NO_COLOR, monochrome terminals)."""

    def set_labels(self, labels: Sequence[str], highlighted: int | None = 0) -> None:
        self.labels = list(labels)
        self.clear_options()
        self.add_options(Option("  " + label) for label in self.labels)
        self.highlighted = highlighted if self.labels else None
        self._point(None, self.highlighted)

    def _point(self, old: int | None, new: int | None) -> None:
        labels = getattr(self, "labels", [])
        for index, mark in ((old, "  "), (new, "▶ ")):
            if index is not None and index < len(labels):
                self.replace_option_prompt_at_index(index, mark + labels[index])

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._point(getattr(self, "_pointed", None), event.option_index)
        self._pointed = event.option_index


class SourceScreen(ModalScreen[str | None]):
    """`f`: choose a source or a tag; the first option clears the filter."""

    DEFAULT_CSS = """
    SourceScreen { align: center middle; }
    SourceScreen > PointerList { width: 60; max-width: 100%; height: auto; max-height: 80%;
        border: round $accent; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,f", "cancel", "cancel")]

    def __init__(self, sources: Sequence[tuple[str, int]], tags: Mapping[str, frozenset[str]]):
        super().__init__()
        self.choices: list[tuple[str | None, str]] = [(None, "all sources")]
        self.choices += [(f"#{t}", f"#{t}  ({len(n)} sources)") for t, n in sorted(tags.items())]
        self.choices += [(name, f"{name}  ({count})") for name, count in sources]

    def compose(self) -> ComposeResult:
        yield PointerList()

    def on_mount(self) -> None:
        options = self.query_one(PointerList)
        options.set_labels([label for _, label in self.choices])
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index][0] or "")

    def action_cancel(self) -> None:
        self.dismiss(None)


class DraftList(PointerList):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", show=False),
        Binding("k", "cursor_up", show=False),
        Binding("J", "screen.shift(1)", "later"),
        Binding("K", "screen.shift(-1)", "earlier"),
        Binding("m", "screen.section", "next section"),
    ]


class DraftScreen(ModalScreen[None]):
    """`d`: the draft in order; J/K move an entry within its section, m to the next."""

    DEFAULT_CSS = """
    DraftScreen { align: center middle; }
    DraftScreen > Vertical { width: 100%; max-width: 110; height: 100%;
        border: round $accent; background: $surface; }
    DraftScreen Static { height: auto; padding: 0 1; }
    DraftScreen DraftList { height: 1fr; border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,d", "close", "close")]

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.message = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="draft-title")
            yield DraftList()
            yield Static(
                "j/k move · J/K earlier/later · m next section · Esc back", id="draft-keys"
            )

    def on_mount(self) -> None:
        self.fill()

    def fill(self, keep: str | None = None) -> None:
        try:
            draft = self.desk.draft()
        except DigestError as e:
            self.query_one("#draft-title", Static).update(Text(f"draft unreadable: {e}"))
            return
        self.entries = list(draft.entries)
        head = Text(safe(draft.title), style="bold")
        count = len(draft.entries)
        head.append(f"  ·  drafts/{draft.name}.toml  ·  {count} entr{'y' if count == 1 else 'ies'}")
        if self.message:
            head.append(f"\n{safe(self.message)}", style="italic")
        self.query_one("#draft-title", Static).update(head)
        numbers: dict[str, int] = {}
        labels: list[str] = []
        for entry in self.entries:
            numbers[entry.section] = numbers.get(entry.section, 0) + 1
            place = f"{entry.section[:12]:<12} {numbers[entry.section]:>2}."
            label = f"{place} {entry.title or entry.url}"
            labels.append(_fit(label + ("  ✎" if entry.note else ""), 200).rstrip())
        ids = [e.id for e in self.entries]
        options = self.query_one(DraftList)
        options.set_labels(
            labels or ["(nothing picked yet)"], ids.index(keep) if keep in ids else 0
        )
        options.focus()

    def _entry(self) -> str | None:
        index = self.query_one(DraftList).highlighted
        entries = getattr(self, "entries", [])
        return entries[index].id if index is not None and index < len(entries) else None

    def action_shift(self, by: int) -> None:
        """J/K: one place later/earlier within the entry's section."""

        def shift(draft: Draft, entry: DraftEntry) -> str:
            peers = [e.id for e in draft.entries_in(entry.section)]
            place = peers.index(entry.id) + 1 + by
            if not 1 <= place <= len(peers):
                return f"already {'first' if by < 0 else 'last'} in {entry.section}"
            self.desk.move(entry.id, to=place)
            return ""

        self._change(shift)

    def action_section(self) -> None:
        """m: to the end of the next section (after the last comes the lead)."""

        def to_next(draft: Draft, entry: DraftEntry) -> str:
            sections = list(draft.sections)
            target = sections[(sections.index(entry.section) + 1) % len(sections)]
            self.desk.move(entry.id, section=target)
            return f"moved to {target}"

        self._change(to_next)

    def _change(self, change: Callable[[Draft, DraftEntry], str]) -> None:
        """Apply one move to the draft on disk (re-read first: it may have been edited by
        hand meanwhile); a draft that cannot be read or saved is said, not fatal."""
        entry_id = self._entry()
        if entry_id is None:
            return
        try:
            draft = self.desk.draft()
            entry = draft.entry(entry_id)
            if entry is None:
                self.message = "that entry is no longer in the draft"
            else:
                self.message = change(draft, entry)
        except DigestError as e:
            self.message = "not saved: " + str(e).splitlines()[0]
        self.fill(entry_id)

    def action_close(self) -> None:
        self.dismiss()


# -- the app ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Done:
    """One keystroke's decisions, for `u`."""

    cursor: str | None  # the item highlighted before it
    rows: tuple[ReviewRow, ...]
    decisions: tuple[Decision, ...]


class ReviewApp(App[Outcome]):
    TITLE = "digestctl review"
    CSS = """
    Screen { layout: vertical; }
    #header { height: 2; width: 100%; background: $panel; padding: 0 1; }
    #body { height: 1fr; layout: vertical; }
    #body.wide { layout: horizontal; }
    #preview { height: 45%; border-top: solid $accent; padding: 0 1; }
    #body.wide #preview { height: 1fr; width: 2fr; border-top: none;
        border-left: solid $accent; }
    #body.wide CandidateList { width: 3fr; }
    #status { height: 1; padding: 0 1; color: $text-accent; }
    #footer { height: 1; background: $panel; color: $text-muted; }
    Prompt { dock: bottom; display: none; height: 3; }
    Prompt.open { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pick", "pick", show=False),
        Binding("l", "lead", "lead", show=False),
        Binding("s", "skip", "skip", show=False),
        Binding("n", "note", "note", show=False),
        Binding("e", "edit", "editor", show=False),
        Binding("o", "open", "open", show=False),
        Binding("u", "undo", "undo", show=False),
        Binding("r", "read", "read", show=False),
        Binding("slash", "search", "search", show=False),
        Binding("f", "filter", "filter", show=False),
        Binding("t", "show", "status", show=False),
        Binding("S", "order", "order", show=False),
        Binding("d", "draft", "draft", show=False),
        Binding("R", "reload", "reload", show=False),
        Binding("question_mark", "help", "help", show=False),
        Binding("q", "quit_review", "quit", show=False),
        Binding("ctrl+c", "quit_review(True)", "quit", show=False, priority=True),
    ]
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        desk: Desk,
        rows: list[ReviewRow],
        window: Window,
        *,
        archive: Archive,
        tags: Mapping[str, frozenset[str]] | None = None,
        show: Show = Show.NEW,
        source: str | None = None,
        cursor_file: Path | None = None,
        full_text: Callable[[Store, str], str | None] | None = None,
        poll_seconds: float = 3.0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.desk = desk
        self.window = window
        self.archive = archive
        self.board = Board(rows, show=show, source=source, tags=dict(tags or {}))
        self.cursor_file = cursor_file
        self.full_text = full_text
        self.poll_seconds = poll_seconds
        self.now = now or window_now(window)
        self.history: list[Done] = []
        self.draft: Draft | None = None
        self.message = ""
        self.fresh = 0  # items stored since the rows were loaded
        self._preview = Text()
        self.watermark = max((r.rowid for r in rows), default=0)
        self.watermark = max(self.watermark, self._store_watermark())
        self._resume()

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Bar(id="header")
        with Vertical(id="body"):
            yield CandidateList(self.board, now=self.now, moved=self._moved, id="list")
            with VerticalScroll(id="preview"):
                yield Static(id="preview-text")
        yield Bar(id="status")
        yield Prompt(id="prompt")
        yield Bar(id="footer")

    def on_mount(self) -> None:
        self._layout(self.size.width)
        self.candidates.focus()
        self._read_draft()
        self.refresh_all()
        if self.poll_seconds > 0:
            self.set_interval(self.poll_seconds, self.poll)
        # After the first paint, while the editor reads it: the search index.
        self.call_after_refresh(self.set_timer, 0.2, self.board.prepare_search)

    def on_resize(self, event: events.Resize) -> None:
        self._layout(event.size.width)
        self.call_after_refresh(self.refresh_panels)

    def _layout(self, width: int) -> None:
        self.query_one("#body").set_class(width >= WIDE, "wide")
        self.query_one("#footer", Bar).set(Text(format_footer(width), no_wrap=True))

    @property
    def candidates(self) -> CandidateList:
        return self.query_one(CandidateList)

    # -- drawing --------------------------------------------------------------------------

    def refresh_all(self) -> None:
        self.candidates.sync()
        self.refresh_panels()

    def refresh_panels(self) -> None:
        self.query_one("#header", Bar).set(self.format_header())
        preview = self.format_preview()
        if preview != self._preview:
            self._preview = preview
            self.query_one("#preview-text", Static).update(preview)
            self.query_one("#preview", VerticalScroll).scroll_home(animate=False)
        self.query_one("#status", Bar).set(self.format_status())

    def _moved(self) -> None:
        self.message = ""
        self.refresh_panels()

    def format_header(self) -> Text:
        """Two lines: the draft and this session's counts, the view; the draft's balance."""
        b = self.board
        width = max(self.size.width - 2, 20)
        picked, skipped, left = b.counts()
        top = Text(no_wrap=True)
        top.append(f"draft {self.desk.name}", style="bold")
        top.append(f"  {picked} picked · {skipped} skipped · {left} left")
        count = len(b.lines)
        view = [f"{count} row{'' if count == 1 else 's'}", b.show.value, f"by {b.order.value}"]
        if b.source:
            view.insert(0, b.source)
        if b.query:
            view.insert(0, f"/{b.query}")
        if b.marks:
            view.insert(0, f"{len(b.marks)} marked")
        top.append("  │ " + " · ".join(view))
        top.truncate(width, overflow="ellipsis")
        draft = self.draft
        if draft is None:
            return Text("\n").join([top, Text("draft unreadable", style="bold")])
        balance = Text(no_wrap=True)
        sections = [f"{s} {len(draft.entries_in(s))}" for s in draft.sections]
        balance.append(f"{len(draft.entries)} in draft: " + " · ".join(sections))
        by_source: dict[str, int] = {}
        for e in draft.entries:
            by_source[e.source or "?"] = by_source.get(e.source or "?", 0) + 1
        if by_source:
            top_sources = sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))
            shown = " · ".join(f"{s} {n}" for s, n in top_sources)
            balance.append("  │ " + safe(shown), style="italic")
        balance.truncate(width, overflow="ellipsis")
        return Text("\n").join([top, balance])

    def format_preview(self) -> Text:
        row = self.board.current
        text = Text()
        if row is None:
            text.append("Nothing in this view. ", style="bold")
            text.append("t shows other statuses; Esc clears the search; R loads new items.")
            return text
        text.append(row.title + "\n", style="bold")
        byline = f"{row.source} · {row.when:%a %d %b %Y %H:%M}"
        if not row.dated:
            byline += " (first seen)"
        if row.author:
            byline += f" · {row.author}"
        text.append(byline + f" · id {row.id}\n", style="italic")
        state = self._state(row)
        if state:
            text.append(safe(state) + "\n", style="bold")
        for name in featured_in(self.archive, row, current=self.desk.name):
            text.append(f"⚠ already featured in {name}\n", style="bold")
        text.append("\n" + (row.summary or "(no summary)") + "\n")
        if row.url:
            text.append("\n")
            text.append(safe(row.url), style="underline")
            text.append("\n")
        if row.score is not None or row.why:
            score = f"{row.score:.2f}" if row.score is not None else "–"
            text.append(f"\nscore {score}: " + safe("; ".join(row.why)) + "\n")
        line = self.board.line
        others = [r.source for r in line.story[1:]] if line is not None else []
        outlets = list(dict.fromkeys([*row.outlets, *others]))
        if outlets:
            text.append(f"\nalso in ({len(outlets)}): " + ", ".join(outlets) + "\n")
        return text

    def _state(self, row: ReviewRow) -> str:
        entry = self.draft.entry(row.id) if self.draft is not None else None
        if entry is not None and self.draft is not None:
            where = "lead story" if entry.section == self.draft.lead_section else entry.section
            return f"✓ picked · {where}" + (f" · note: {entry.note}" if entry.note else "")
        if row.status is ItemStatus.PICKED:
            return "✓ picked (in another draft)"
        if row.status is ItemStatus.SKIPPED:
            return "✗ skipped"
        return ""

    def format_status(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.fresh:
            text.append(f"{self.fresh} new — R to load  ", style="bold reverse")
        text.append(safe(self.message).replace("\n", " "))
        return text

    def say(self, message: str) -> None:
        self.message = message
        self.refresh_panels()

    # -- decisions ------------------------------------------------------------------------

    def _read_draft(self) -> None:
        try:
            self.draft = self.desk.draft()
        except DigestError as e:
            self.draft = None
            self.message = "draft unreadable: " + str(e).splitlines()[0]

    def _targets(self, *, story: bool) -> tuple[list[ReviewRow], bool]:
        """What `p`/`s` act on: the marked rows, else the highlighted line (a folded story:
        all of it with `story`, else its best item). The flag says whether marks were used."""
        marked = self.board.marked_rows()
        if marked:
            return marked, True
        line = self.board.line
        if line is None:
            return [], False
        if story:
            return list(line.rows), False
        if line.folded:
            ranked = [r for r in line.story if r.score is not None]
            best = max(ranked, key=lambda r: r.score or 0.0) if ranked else line.row
            return [best], False
        return [line.row], False

    def _decide(
        self,
        rows: Sequence[ReviewRow],
        action: Callable[[list[str]], list[Decision]],
        status: ItemStatus,
        said: str,
        *,
        marked: bool,
    ) -> bool:
        if not rows:
            self.say("nothing here to decide on")
            return False
        before = self.board.current.id if self.board.current else None
        try:
            decisions = action([r.id for r in rows])
        except DigestError as e:
            self.say("not saved: " + str(e).replace("\n", " "))
            return False
        self.board.set_status(rows, status)
        self.history.append(Done(before, tuple(rows), tuple(decisions)))
        self._read_draft()
        if marked:
            self.board.marks.clear()
        else:
            self.board.move(1)
        what = rows[0].title if len(rows) == 1 else f"{len(rows)} items"
        self.message = f"{said}: {_fit(what, 60).rstrip()}"
        self.candidates.sync()
        self.refresh_panels()
        return True

    def action_pick(self) -> None:
        rows, marked = self._targets(story=False)
        self._decide(rows, self.desk.pick, ItemStatus.PICKED, "picked", marked=marked)

    def action_lead(self) -> None:
        row = self.board.current
        rows = [row] if row else []
        if (
            self._decide(
                rows,
                lambda ids: self.desk.pick(ids, lead=True),
                ItemStatus.PICKED,
                "lead",
                marked=False,
            )
            and self.draft is not None
        ):
            leads = len(self.draft.entries_in(self.draft.lead_section))
            if leads > 1:
                self.say(self.message + f" ({leads} lead stories now: d, then m, moves one)")

    def action_skip(self) -> None:
        rows, marked = self._targets(story=True)
        self._decide(rows, self.desk.skip, ItemStatus.SKIPPED, "skipped", marked=marked)

    def _pick_with_note(self, row_id: str, note: str) -> None:
        row = self.board.row(row_id)
        if row is None:
            return
        self._decide(
            [row],
            lambda ids: self.desk.pick(ids, note=note),
            ItemStatus.PICKED,
            "picked with a note",
            marked=False,
        )

    def action_note(self) -> None:
        row = self.board.current
        if row is None:
            return
        prompt = self.query_one(Prompt)
        prompt.purpose = "note:" + row.id
        prompt.placeholder = f"note for “{_fit(row.title, 50).rstrip()}” — Enter saves, Esc cancels"
        entry = self.draft.entry(row.id) if self.draft else None
        prompt.value = entry.note if entry else ""
        prompt.add_class("open")
        prompt.focus()

    def action_search(self) -> None:
        prompt = self.query_one(Prompt)
        prompt.purpose = "search"
        prompt.placeholder = "search title, summary, source — Enter filters, Esc cancels"
        prompt.value = self.board.query
        prompt.add_class("open")
        prompt.focus()

    def _close_prompt(self) -> Prompt:
        prompt = self.query_one(Prompt)
        prompt.remove_class("open")
        self.candidates.focus()
        return prompt

    def on_input_submitted(self, event: Input.Submitted) -> None:
        prompt = self._close_prompt()
        value = event.value
        if prompt.purpose == "search":
            self.board.search(value)
            self.message = f"{len(self.board.lines)} match /{value}" if value.strip() else ""
            self.refresh_all()
        elif prompt.purpose.startswith("note:"):
            if not value.strip():
                self.say("no note: nothing changed")
                return
            self._pick_with_note(prompt.purpose.removeprefix("note:"), value)

    def on_prompt_cancelled(self, _: Prompt.Cancelled) -> None:
        prompt = self._close_prompt()
        self.say("no note: nothing changed" if prompt.purpose.startswith("note:") else "")

    @contextlib.contextmanager
    def _outside(self) -> Iterator[None]:
        """The terminal handed to another program (editor, text browser); in a test
        driver that cannot suspend, the program simply runs."""
        from textual.app import SuspendNotSupported

        try:
            suspended = self.suspend()
            suspended.__enter__()
        except SuspendNotSupported:
            yield
            return
        try:
            yield
        finally:
            suspended.__exit__(None, None, None)
            self.refresh(layout=True)

    def action_edit(self) -> None:
        from digestctl.editor import edit_note

        row = self.board.current
        if row is None:
            return
        entry = self.draft.entry(row.id) if self.draft else None
        try:
            with self._outside():
                note = edit_note(
                    entry.note if entry else "",
                    title=row.title,
                    url=row.url or "",
                    folder=self.desk.ws.state_dir,
                )
        except DigestError as e:
            self.say("no note: " + str(e).replace("\n", " "))
            return
        if note is None:
            self.say("no note: nothing changed")
            return
        self._pick_with_note(row.id, note)

    def action_open(self) -> None:
        import webbrowser

        from digestctl.urls import is_safe_link

        row = self.board.current
        if row is None or not row.url or not is_safe_link(row.url):
            self.say("no web link to open")
            return
        with self._outside():
            opened = webbrowser.open(row.url)
        self.say("opened in the browser" if opened else f"no browser found: {row.url}")

    def action_undo(self) -> None:
        if not self.history:
            self.say("nothing to undo in this session")
            return
        done = self.history.pop()
        try:
            for decision in reversed(done.decisions):
                self.desk.undo(decision)
        except DigestError as e:
            self.say("undo not saved: " + str(e).replace("\n", " "))
            return
        for d in done.decisions:
            row = self.board.row(d.item_id)  # by id: the rows may have been loaded again (R)
            if row is not None and d.status_before is not None:
                self.board.set_status([row], d.status_before)
        self._read_draft()
        index = self.board.index_of(done.cursor) if done.cursor else None
        if index is None:
            index = self.board.index_of(done.rows[0].id)
        if index is not None:
            self.board.go(index)
        what = done.rows[0].title if len(done.rows) == 1 else f"{len(done.rows)} items"
        self.message = f"undone: {done.decisions[0].action} of {_fit(what, 60).rstrip()}"
        self.candidates.sync()
        self.refresh_panels()

    def action_read(self) -> None:
        row = self.board.current
        if row is None:
            return
        try:
            body = self.full_text(self.desk.store, row.id) if self.full_text else None
        except DigestError:
            body = None  # the summary and the link, as when there is no full text
        self.push_screen(ReadScreen(row, body))

    def action_mark(self) -> None:
        self.board.toggle_mark()
        self.message = ""
        self.candidates.sync()
        self.refresh_panels()

    def action_clear(self) -> None:
        b = self.board
        if b.query:
            b.search("")
            self.message = "search cleared"
        elif b.source:
            b.filter_source(None)
            self.message = "filter cleared"
        elif b.marks:
            b.marks.clear()
            self.message = "marks cleared"
        self.refresh_all()

    def action_story(self) -> None:
        if not self.board.toggle_story():
            self.say("a single item: no other outlets to show")
            return
        self.message = ""
        self.refresh_all()

    def action_filter(self) -> None:
        def chosen(value: str | None) -> None:
            if value is None:
                return
            self.board.filter_source(value or None)
            self.message = f"only {value}" if value else "all sources"
            self.refresh_all()

        self.push_screen(SourceScreen(self.board.sources(), self.board.tags), chosen)

    def action_show(self) -> None:
        self.board.cycle_show()
        self.message = f"showing {self.board.show.value} items"
        self.refresh_all()

    def action_order(self) -> None:
        self.board.cycle_order()
        self.message = f"ordered by {self.board.order.value}"
        self.refresh_all()

    def action_draft(self) -> None:
        def back(_: None) -> None:
            self._read_draft()
            self.refresh_panels()

        self.push_screen(DraftScreen(self.desk), back)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_reload(self) -> None:
        try:
            rows = load_rows(self.desk.store, self.window, load_config_quietly(self.desk.ws))
        except DigestError as e:
            self.say("could not load: " + str(e).splitlines()[0])
            return
        self.board.replace_rows(rows)
        self.watermark = max(self.watermark, self._store_watermark())
        self.message = f"loaded {self.fresh} new" if self.fresh else "reloaded"
        self.fresh = 0
        self.refresh_all()

    def action_quit_review(self, interrupted: bool = False) -> None:
        """q (or Ctrl-C, which the command reports with exit status 130)."""
        self._save_cursor()
        picked, skipped, left = self.board.counts()
        self.exit(Outcome(picked, skipped, left, interrupted=interrupted))

    # -- the store in the background ------------------------------------------------------

    def _store_watermark(self) -> int:
        try:
            return self.desk.store.item_watermark()
        except DigestError:
            return 0

    def poll(self) -> None:
        """Count items a cron `fetch` stored since the rows were loaded (one cheap query);
        the list is never reshuffled under the editor's cursor."""
        try:
            fresh = self.desk.store.count_items_after(self.watermark)
        except DigestError:
            return
        if fresh != self.fresh:
            self.fresh = fresh
            self.refresh_panels()

    # -- where the editor stopped ---------------------------------------------------------

    def _resume(self) -> None:
        if self.cursor_file is None:
            return
        try:
            saved = self.cursor_file.read_text(encoding="utf-8").strip()
        except OSError:
            return
        index = self.board.index_of(saved) if saved else None
        if index:
            self.board.go(index)
            self.message = f"resumed where you stopped; {index} rows above (g goes to the top)"

    def _save_cursor(self) -> None:
        if self.cursor_file is None:
            return
        current = self.board.current
        tmp = self.cursor_file.with_name(self.cursor_file.name + ".tmp")
        with contextlib.suppress(OSError):
            tmp.write_text((current.id if current else "") + "\n", encoding="utf-8")
            tmp.replace(self.cursor_file)


def window_now(window: Window) -> Callable[[], datetime]:
    return lambda: window.end


def run_app(
    desk: Desk,
    window: Window,
    *,
    archive: Archive,
    tags: Mapping[str, frozenset[str]],
    source: str | None = None,
    include_decided: bool = False,
    state_dir: Path,
    order: str = "score",
) -> Outcome | None:
    """Load the rows and run the app on this terminal; None when there is nothing to show."""
    from digestctl.review.plain import cursor_file
    from digestctl.review.rows import full_text

    config = load_config_quietly(desk.ws)
    rows = load_rows(desk.store, window, config)
    show = Show.ALL if include_decided else Show.NEW
    if not any(
        (include_decided or r.status is ItemStatus.NEW) and source in (None, r.source) for r in rows
    ):
        return None
    app = ReviewApp(
        desk,
        rows,
        window,
        archive=archive,
        tags=tags,
        show=show,
        source=source,
        cursor_file=cursor_file(state_dir, desk.name),
        full_text=partial(full_text, config=config),
    )
    app.board.order = Order(order)
    if os.environ.get("DIGESTCTL_REVIEW_PAINTED"):  # bench/review.py: time to first paint
        app.call_after_refresh(_report_paint, os.environ["DIGESTCTL_REVIEW_PAINTED"])
    desk.learning = False  # a key must not wait for a refit: once, at the end, instead
    try:
        outcome = app.run()
    finally:
        if app.history:
            learn(desk.ws, desk.store)
    if outcome is None:
        picked, skipped, left = app.board.counts()
        outcome = Outcome(picked, skipped, left, interrupted=True)
    return outcome


def _report_paint(path: str) -> None:
    import time

    tmp = Path(path + ".tmp")
    tmp.write_text(f"{time.time():.6f} {time.process_time():.6f}\n", encoding="utf-8")
    tmp.replace(path)
