"""`digestctl review --plain` (also with TERM=dumb): the one-card triage loop. One
candidate at a time, one key per decision, each decision saved through `picks.Desk` before
the next key is read.
Terminal I/O (rich, termios); the decisions themselves live in picks.py.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import termios
import tty
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digestctl.errors import DigestError
from digestctl.models import ItemStatus
from digestctl.picks import Candidate, Decision, Desk, Window

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from digestctl.drafts import Draft, DraftEntry

KEYS: tuple[tuple[str, str], ...] = (
    ("p", "pick into the round-up"),
    ("l", "pick as the lead story"),
    ("s", "skip: not for this issue"),
    ("n", "pick with a note typed here (Enter ends it)"),
    ("e", "pick with a note written in $VISUAL / $EDITOR"),
    ("o", "open the link in the browser"),
    ("u", "undo the last decision"),
    ("j →", "next, without deciding"),
    ("k ←", "previous"),
    ("?", "this help"),
    ("q", "quit (every decision is already saved)"),
)
_FOOTER = "p pick  l lead  s skip  n note  e editor  o open  u undo  j/k next/prev  ? help  q quit"

_ARROWS = {"\x1b[A": "k", "\x1b[B": "j", "\x1b[C": "j", "\x1b[D": "k"}
_ARROWS |= {k.replace("[", "O"): v for k, v in _ARROWS.items()}  # application cursor mode


class Keyboard:
    """The terminal in no-echo, one-key-at-a-time mode for the whole review. Ctrl-C keeps
    working (it raises KeyboardInterrupt), and typed-ahead keys are never thrown away."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._saved: list[Any] | None = None

    def __enter__(self) -> Keyboard:
        self._saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd, termios.TCSANOW)
        return self

    def __exit__(self, *exc: object) -> None:
        self._restore()

    def _restore(self) -> None:
        if self._saved is not None:
            with contextlib.suppress(termios.error):
                termios.tcsetattr(self.fd, termios.TCSANOW, self._saved)

    @contextlib.contextmanager
    def cooked(self) -> Iterator[None]:
        """The terminal as the shell had it: for a typed line, an editor, a text browser."""
        self._restore()
        try:
            yield
        finally:
            with contextlib.suppress(termios.error):
                tty.setcbreak(self.fd, termios.TCSANOW)

    def read_key(self) -> str:
        """One key: a character, an arrow mapped to j/k, "enter", or "" at end of input."""
        data = os.read(self.fd, 1)
        if not data or data == b"\x04":
            return ""
        if data == b"\x1b":
            # An arrow key arrives as one burst; a lone Esc does not.
            while len(data) < 8 and select.select([self.fd], [], [], 0.05)[0]:
                data += os.read(self.fd, 1)
                if data[-1:].isalpha() or data[-1:] == b"~":
                    break
            return _ARROWS.get(data.decode("ascii", "replace"), "esc")
        if data[0] >= 0xC0:  # the first byte of a UTF-8 sequence: read the rest
            need = 1 if data[0] < 0xE0 else 2 if data[0] < 0xF0 else 3
            while need and select.select([self.fd], [], [], 0.05)[0]:
                data += os.read(self.fd, 1)
                need -= 1
        if data in (b"\r", b"\n"):
            return "enter"
        return data.decode("utf-8", "replace")


@dataclass
class Session:
    """Where the review is: the candidates, their statuses now, the decisions to undo."""

    candidates: list[Candidate]
    index: int = 0
    status: dict[str, ItemStatus] = field(default_factory=dict)
    initial: dict[str, ItemStatus] = field(default_factory=dict)
    history: list[tuple[int, Decision]] = field(default_factory=list)
    message: str = ""
    interrupted: bool = False

    def __post_init__(self) -> None:
        for c in self.candidates:
            self.status.setdefault(c.item.id, c.item.status)
            self.initial.setdefault(c.item.id, c.item.status)

    @property
    def current(self) -> Candidate | None:
        return self.candidates[self.index] if self.index < len(self.candidates) else None

    def record(self, decisions: Sequence[Decision]) -> None:
        for d in decisions:
            if d.status_after is not None:
                self.status[d.item_id] = d.status_after
            self.history.append((self.index, d))

    def counts(self) -> tuple[int, int, int]:
        """(picked, skipped) in this session, and candidates still undecided."""
        picked = skipped = left = 0
        for item_id, now in self.status.items():
            if now is ItemStatus.NEW:
                left += 1
            elif now is not self.initial[item_id]:
                picked += now is ItemStatus.PICKED
                skipped += now is ItemStatus.SKIPPED
        return picked, skipped, left


# -- what the screen shows ---------------------------------------------------------------


def render_screen(
    session: Session,
    *,
    draft: Draft | None,
    window: Window,
    draft_name: str,
) -> RenderableType:
    """One screen of the review for the current candidate (or the end of the list)."""
    from rich.console import Group
    from rich.text import Text

    total = len(session.candidates)
    picked, skipped, left = session.counts()
    count = len(draft.entries) if draft is not None else 0
    head = Text()
    head.append(f" {min(session.index + 1, total)}/{total} ", style="bold reverse")
    head.append(f"  draft {draft_name}: {count} entr{'y' if count == 1 else 'ies'}", style="bold")
    head.append(f"  ·  {window.describe()}", style="dim")
    parts: list[RenderableType] = [head, Text()]
    current = session.current
    if current is None:
        parts.append(
            Text.from_markup(
                f"[bold]End of the list.[/] This session: {picked} picked, {skipped} skipped; "
                f"{left} left undecided.\n\n[dim]u undo · k back · q quit[/]"
            )
        )
    else:
        entry = draft.entry(current.item.id) if draft is not None else None
        parts += _render_candidate(current, session.status[current.item.id], entry, draft)
        parts += [Text(), Text(_FOOTER, style="dim", overflow="ellipsis", no_wrap=True)]
    if session.message:
        parts.append(Text(session.message, style="cyan"))
    return Group(*parts)


def _render_candidate(
    c: Candidate, status: ItemStatus, entry: DraftEntry | None, draft: Draft | None
) -> list[RenderableType]:
    from rich.panel import Panel
    from rich.text import Text

    item = c.item
    when = item.published or item.first_seen
    body = Text()
    body.append(item.title or "(untitled)", style="bold")
    if item.summary:
        body.append("\n\n" + item.summary)
    if item.url:
        body.append("\n\n")
        body.append(item.url, style="underline blue")
    byline = f"{item.source} · {when:%a %d %b %Y}"
    if item.author:
        byline += f" · {item.author}"
    panel = Panel(
        body,
        title=Text(byline, style="magenta"),
        title_align="left",
        subtitle=Text(f"id {item.id}", style="dim"),
        subtitle_align="right",
        padding=(0, 1),
    )
    lines: list[RenderableType] = [panel]
    if c.why:
        lines.append(Text("why here: " + " · ".join(c.why), style="dim"))
    for name in c.featured_in:
        lines.append(Text(f"⚠ already featured in {name}", style="bold yellow"))
    for flag in c.flags:
        lines.append(Text(f"⚠ {flag}", style="yellow"))
    if entry is not None and draft is not None:
        where = "lead story" if entry.section == draft.lead_section else entry.section
        state = Text(f"✓ picked · {where}", style="green")
        if entry.note:
            state.append(f" · note: {entry.note}", style="italic")
        lines.append(state)
    elif status is ItemStatus.SKIPPED:
        lines.append(Text("✗ skipped", style="dim"))
    elif status is ItemStatus.PICKED:
        lines.append(Text("✓ picked in another draft", style="green"))
    return lines


def render_help() -> RenderableType:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(title="review keys", box=None, show_header=False, title_justify="left")
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, what in KEYS:
        table.add_row(key, what)
    note = Text("\nevery decision is saved at once; press a key to go back", style="dim")
    return Group(table, note)


# -- the loop ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    picked: int
    skipped: int
    left: int
    interrupted: bool


class Review:
    """The loop: show, read a key, act, save, show again."""

    def __init__(
        self,
        desk: Desk,
        candidates: list[Candidate],
        window: Window,
        *,
        console: Console,
        keyboard: Keyboard,
        cursor_file: Path,
    ) -> None:
        self.desk = desk
        self.window = window
        self.console = console
        self.keyboard = keyboard
        self.cursor_file = cursor_file
        self.session = Session(candidates)
        self._resume()

    def _resume(self) -> None:
        try:
            saved = self.cursor_file.read_text(encoding="utf-8").strip()
        except OSError:
            return
        ids = [c.item.id for c in self.session.candidates]
        if saved in ids and ids.index(saved) > 0:
            self.session.index = ids.index(saved)
            self.session.message = (
                f"resumed where you stopped; {self.session.index} undecided before this (k)"
            )

    def _save_cursor(self) -> None:
        current = self.session.current
        tmp = self.cursor_file.with_name(self.cursor_file.name + ".tmp")
        with contextlib.suppress(OSError):
            tmp.write_text((current.item.id if current else "") + "\n", encoding="utf-8")
            tmp.replace(self.cursor_file)

    def run(self) -> Outcome:
        s = self.session
        old_tstp = signal.signal(signal.SIGTSTP, self._suspend)
        try:
            while True:
                self._show()
                key = self.keyboard.read_key()
                s.message = ""
                if key in ("q", ""):
                    break
                try:
                    self._act(key)
                except DigestError as e:
                    s.message = "not saved: " + str(e).replace("\n", " ")
                self._save_cursor()
        except KeyboardInterrupt:
            s.interrupted = True
        finally:
            signal.signal(signal.SIGTSTP, old_tstp)
        picked, skipped, left = s.counts()
        return Outcome(picked, skipped, left, s.interrupted)

    def _suspend(self, signum: int, frame: object) -> None:
        """Ctrl-Z: give the shell its screen and terminal modes back; on `fg`, carry on."""
        self.console.set_alt_screen(False)
        with self.keyboard.cooked():
            signal.signal(signal.SIGTSTP, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTSTP)  # stopped here until `fg`
            signal.signal(signal.SIGTSTP, self._suspend)
        self.console.set_alt_screen(True)
        self._show()

    def _show(self) -> None:
        try:
            draft: Draft | None = self.desk.draft()
        except DigestError as e:
            draft = None
            self.session.message = "draft unreadable: " + str(e).splitlines()[0]
        screen = render_screen(
            self.session,
            draft=draft,
            window=self.window,
            draft_name=self.desk.name,
        )
        self.console.clear()
        self.console.print(screen)

    def _act(self, key: str) -> None:
        s = self.session
        current = s.current
        if key in ("j", " "):
            s.index = min(s.index + 1, len(s.candidates))
        elif key == "k":
            s.index = max(s.index - 1, 0)
        elif key == "u":
            self._undo()
        elif key == "?":
            self.console.clear()
            self.console.print(render_help())
            self.keyboard.read_key()
        elif current is None:
            s.message = "end of the list: u undo, k back, q quit"
        elif key in ("p", "l"):
            s.record(self.desk.pick([current.item.id], lead=key == "l"))
            s.message = f"{'lead' if key == 'l' else 'picked'}: {_short(current)}"
            if key == "l":
                draft = self.desk.draft()
                leads = len(draft.entries_in(draft.lead_section))
                if leads > 1:
                    s.message += f" ({leads} lead stories now: `digestctl move` one out later)"
            s.index += 1
        elif key == "s":
            s.record(self.desk.skip([current.item.id]))
            s.message = f"skipped: {_short(current)}"
            s.index += 1
        elif key in ("n", "e"):
            note = self._typed_note() if key == "n" else self._edited_note(current)
            if note is None:
                s.message = "no note: nothing changed"
                return
            s.record(self.desk.pick([current.item.id], note=note))
            s.message = f"picked with a note: {_short(current)}"
            s.index += 1
        elif key == "o":
            self._open(current)
        elif key == "enter":
            s.message = "Enter does nothing here: p picks, j moves on (? for help)"
        else:
            s.message = f"{key!r} is not a key here (? for help)"

    def _undo(self) -> None:
        s = self.session
        if not s.history:
            s.message = "nothing to undo in this session (`digestctl undo` reaches earlier ones)"
            return
        index, decision = s.history.pop()
        self.desk.undo(decision)
        if decision.status_before is not None:
            s.status[decision.item_id] = decision.status_before
        s.index = index
        undone = s.candidates[index] if index < len(s.candidates) else None
        what = _short(undone) if undone else decision.item_id
        s.message = f"undone: {decision.action} of {what}"

    def _typed_note(self) -> str | None:
        with self.keyboard.cooked():
            try:
                text = self.console.input(
                    "[bold]note[/] (Markdown, Enter to save, empty cancels): "
                )
            except (KeyboardInterrupt, EOFError):
                return None
        return text.strip() or None

    def _edited_note(self, current: Candidate) -> str | None:
        from digestctl.editor import edit_note

        draft = self.desk.draft()
        entry = draft.entry(current.item.id)
        with self.keyboard.cooked():
            return edit_note(
                entry.note if entry else "",
                title=current.item.title or "",
                url=current.item.url or "",
                folder=self.desk.ws.state_dir,
            )

    def _open(self, current: Candidate) -> None:
        import webbrowser

        from digestctl.urls import is_safe_link

        url = current.item.url
        if not url or not is_safe_link(url):
            self.session.message = "no web link to open"
            return
        with self.keyboard.cooked():
            opened = webbrowser.open(url)
        self.session.message = "opened in the browser" if opened else f"no browser found: {url}"


def _short(c: Candidate, limit: int = 60) -> str:
    title = c.item.title or c.item.url or c.item.id
    return title if len(title) <= limit else title[: limit - 1] + "…"


def cursor_file(state_dir: Path, draft: str) -> Path:
    return state_dir / f"review-{draft}.cursor"


def require_terminal() -> int:
    """The terminal's file descriptor, or a clear error for scripts and pipes."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise DigestError(
            "review is interactive and needs a terminal (stdin and stdout are not one)",
            hint="in scripts use `digestctl pick ID…` and `digestctl skip ID…` with ids from "
            "`digestctl items --status new --json`",
        )
    return sys.stdin.fileno()


def run_review(
    desk: Desk, candidates: list[Candidate], window: Window, *, state_dir: Path
) -> Outcome:
    """Run the loop on this terminal, in the alternate screen; the shell's screen and
    terminal modes come back however it ends (Ctrl-C included)."""
    from rich.console import Console

    fd = require_terminal()
    console = Console(highlight=False, no_color="NO_COLOR" in os.environ)
    with Keyboard(fd) as keyboard:
        console.set_alt_screen(True)
        try:
            review = Review(
                desk,
                candidates,
                window,
                console=console,
                keyboard=keyboard,
                cursor_file=cursor_file(state_dir, desk.name),
            )
            return review.run()
        finally:
            console.set_alt_screen(False)


def save_screen_svg(
    path: Path, session: Session, *, draft: Draft, window: Window, width: int = 100
) -> None:
    """One screen of the review as an SVG picture (the README's screenshot)."""
    import io

    from rich.console import Console

    console = Console(
        record=True,
        width=width,
        force_terminal=True,
        color_system="truecolor",
        file=io.StringIO(),
    )
    console.print(render_screen(session, draft=draft, window=window, draft_name=draft.name))
    console.save_svg(str(path), title="digestctl review")
