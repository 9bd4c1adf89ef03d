"""Draft files: round-trips, line-numbered errors, hand edits, atomic and concurrent saves,
and the pure edit operations."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digestctl import drafts
from digestctl.drafts import (
    Draft,
    DraftEntry,
    add_entry,
    check_draft_name,
    dumps_draft,
    load_draft,
    loads_draft,
    move_entry,
    remove_entry,
    resolve_id_prefix,
    save_draft,
    save_draft_text,
    set_note,
    set_section,
    update_draft,
)
from digestctl.errors import DraftError, LockedError, UsageError

PATH = "drafts/weekly.toml"
UTC = dt.UTC


def entry(n: int, section: str = "Round-up", **kw: object) -> DraftEntry:
    fields: dict[str, object] = {
        "id": f"id{n:03d}",
        "url": f"https://example.org/story/{n}",
        "title": f"Story {n}",
        "summary": f"What story {n} says.",
        "section": section,
    }
    fields.update(kw)
    return DraftEntry(**fields)  # type: ignore[arg-type]


def sample() -> Draft:
    return Draft(
        name="weekly",
        title="CSOs must have a place at the table",
        date=dt.date(2024, 10, 28),
        intro="Freedom Collaborative and *others* urge…",
        entries=(
            entry(1, "Lead story", note="Para one.\n\nPara two with a [link](https://x.org).",
                  source="gi-toc", published=dt.datetime(2024, 10, 20, 9, 30, tzinfo=UTC)),
            entry(2, note="A note with \"quotes\", a \\ backslash and 'apostrophes'."),
            entry(3),
        ),
    )  # fmt: skip


# --- round-trips -----------------------------------------------------------------------------


def test_dumps_is_readable_and_loads_back() -> None:
    d = sample()
    text = dumps_draft(d)
    assert text.startswith("# A digestctl draft. You may edit it by hand")
    assert loads_draft(text, path=PATH) == d
    assert tomllib.loads(text)["entry"][0]["id"] == "id001"
    # Key order is fixed, entries are [[entry]] tables in order, multi-line notes stay readable.
    assert text.index("title =") < text.index("date =") < text.index("sections =")
    assert text.count("\n[[entry]]\n") == 3
    assert 'note = """\nPara one.\n\nPara two with a [link](https://x.org)."""' in text
    assert "published = 2024-10-20T09:30:00Z\n" in text
    first = text.index("\n[[entry]]\n") + 1
    keys = [line.split(" =")[0] for line in text[first:].splitlines()[1:9]]
    assert keys == ["id", "section", "title", "url", "source", "published", "summary", "note"]


TRICKY = [
    '"""', "'''", '\\"""', 'ends with a quote"', "\\", "a\r\nb", "a\rb\n", "\x00\x1b\x7f",
    "\u2028\u2029\x85", "\ufeffbom", "\n", "\n\n", " ", "", "tab\there", "é 東京 😀",
]  # fmt: skip


@pytest.mark.parametrize("tricky", TRICKY)
def test_round_trip_of_tricky_text(tricky: str) -> None:
    e = entry(9, title=tricky, summary=tricky, note=tricky, source=tricky)
    d = Draft(name="weekly", title=tricky, intro=tricky, entries=(e,))
    assert loads_draft(dumps_draft(d), path=PATH) == d


def test_dumps_is_stable() -> None:
    text = dumps_draft(sample())
    assert dumps_draft(loads_draft(text, path=PATH)) == text


def test_save_and_load_file(tmp_path: Path) -> None:
    path = tmp_path / "drafts" / "weekly.toml"
    save_draft(path, sample())
    assert load_draft(path) == sample()
    assert not [p for p in path.parent.iterdir() if p.suffix == ".tmp"]


_text = st.text()
_name = st.text(min_size=1).filter(str.strip)
_offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)
_published = st.datetimes(
    min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=_offsets
)


@st.composite
def draft_values(draw: st.DrawFn) -> Draft:
    sections = draw(st.lists(_name, min_size=1, max_size=4, unique=True))
    ids = draw(st.lists(_name, max_size=4, unique=True))
    urls = draw(st.lists(_name, min_size=len(ids), max_size=len(ids), unique=True))
    entries = tuple(
        DraftEntry(
            id=i,
            url=u,
            title=draw(_text),
            summary=draw(_text),
            note=draw(_text),
            section=draw(st.sampled_from(sections)),
            source=draw(_text),
            published=draw(st.none() | _published),
        )
        for i, u in zip(ids, urls, strict=True)
    )
    return Draft(
        name="weekly",
        title=draw(_text),
        date=draw(st.none() | st.dates()),
        intro=draw(_text),
        sections=tuple(sections),
        entries=entries,
    )


@given(draft_values())
@settings(max_examples=300, deadline=None)
def test_round_trip_law(d: Draft) -> None:
    text = dumps_draft(d)
    assert loads_draft(text, path=PATH) == d
    # The file is UTF-8 on disk: what tomllib reads back from bytes is the same draft.
    assert loads_draft(text.encode("utf-8").decode("utf-8"), path=PATH) == d


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
@settings(max_examples=200, deadline=None)
def test_arbitrary_notes_survive_edit_and_reload(note: str) -> None:
    d = set_note(sample(), "id002", note)
    assert loads_draft(dumps_draft(d), path=PATH) == d


def test_hand_written_forms_are_accepted() -> None:
    text = textwrap.dedent(
        """\
        title = "By hand"
        sections = ['Top', "Briefly"]   # custom sections

        [[entry]]
        id = 'a1'
        url = 'https://example.org/a'
        published = 2024-10-01        # a bare date is read as midnight UTC
        note = '''
        Literal "quotes" and \\backslashes\\ kept.'''

        [[entry]]
        id = "b2"
        url = "https://example.org/b"
        published = 2024-10-01T08:00:00   # a local date-time is read as UTC
        """
    )
    d = loads_draft(text.replace("\n", "\r\n"), path=PATH)
    assert d.sections == ("Top", "Briefly")
    assert d.intro == ""
    assert d.date is None
    assert [e.section for e in d.entries] == ["Briefly", "Briefly"]  # default: after the lead
    assert d.entries[0].published == dt.datetime(2024, 10, 1, tzinfo=UTC)
    assert d.entries[0].note == 'Literal "quotes" and \\backslashes\\ kept.'
    assert d.entries[1].published == dt.datetime(2024, 10, 1, 8, tzinfo=UTC)


# --- errors name the file and line --------------------------------------------------------------

GOOD = dumps_draft(sample())


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    return text.count("\n", 0, index) + 1


def _error(text: str) -> str:
    with pytest.raises(DraftError) as info:
        loads_draft(text, path=PATH)
    return info.value.message


def test_syntax_error_has_line_and_column() -> None:
    bad = GOOD.replace('title = "Story 3"', 'title = "Story 3')
    message = _error(bad)
    line = _line_of(bad, 'title = "Story 3')
    assert message.startswith(f"{PATH}:{line}: not valid TOML: ")
    assert "column" in message
    assert "'''" in message


def test_syntax_error_at_end_of_file() -> None:
    message = _error(GOOD + "extra = [1,\n")
    assert message.startswith(f"{PATH}:{GOOD.count(chr(10)) + 2}: not valid TOML:")


@pytest.mark.parametrize(
    ("change", "needle", "expected"),
    [
        pytest.param(
            lambda t: t.replace('url = "https://example.org/story/2"\n', ""),
            ('[[entry]]\nid = "id002"', 1),
            "entry 'id002': missing 'url'",
            id="missing-url",
        ),
        pytest.param(
            lambda t: t.replace('section = "Round-up"', 'section = "Roundup"', 1),
            ('section = "Roundup"', 1),
            "entry 'id002': section 'Roundup' is not one of the draft's sections "
            "['Lead story', 'Round-up'] (did you mean 'Round-up'?)",
            id="unknown-section",
        ),
        pytest.param(
            lambda t: t.replace('title = "Story 3"', "title = 3"),
            ("title = 3", 1),
            "entry 'id003': 'title' must be a string, not a number",
            id="wrong-type",
        ),
        pytest.param(
            lambda t: t.replace("published = 2024-10-20T09:30:00Z", 'published = "last week"'),
            ("published =", 1),
            "entry 'id001': 'published' must be a date-time like 2024-10-28T09:30:00Z, "
            "not a string",
            id="published-string",
        ),
        pytest.param(
            lambda t: t.replace('id = "id003"', 'id = "id002"'),
            ('id = "id002"', 2),
            "entry 'id002' appears twice (also at line {first}); delete one",
            id="duplicate-id",
        ),
        pytest.param(
            lambda t: t.replace("story/3", "story/2"),
            ('url = "https://example.org/story/2"', 2),
            "entry 'id003': the same url is already in the entry at line {first}; delete one",
            id="duplicate-url",
        ),
        pytest.param(
            lambda t: t.replace('summary = "What story 3 says."', 'sumary = "x"'),
            ('sumary = "x"', 1),
            "entry 'id003': unknown key 'sumary' (did you mean 'summary'?)",
            id="unknown-entry-key",
        ),
        pytest.param(
            lambda t: t.replace("date = 2024-10-28", "dat = 2024-10-28"),
            ("dat =", 1),
            "unknown key 'dat' (did you mean 'date'?)",
            id="unknown-top-key",
        ),
        pytest.param(
            lambda t: t.replace("date = 2024-10-28", 'date = "Monday"'),
            ("date =", 1),
            "'date' must be a date like 2024-10-28, not a string",
            id="date-string",
        ),
        pytest.param(
            lambda t: t.replace('id = "id002"', 'id = "  "'),
            ('id = "  "', 1),
            "entry 2: 'id' is empty",
            id="blank-id",
        ),
        pytest.param(
            lambda t: t.replace('    "Round-up",\n', '    "Lead story",\n'),
            ("sections =", 1),
            "sections: 'Lead story' is listed twice",
            id="duplicate-section",
        ),
    ],
)
def test_semantic_errors_name_the_line(
    change: object, needle: tuple[str, int], expected: str
) -> None:
    bad = change(GOOD)  # type: ignore[operator]
    line = _line_of(bad, *needle)
    first = _line_of(bad, needle[0]) if needle[1] > 1 else 0
    message = _error(bad)
    assert message == f"{PATH}:{line}: {expected.format(first=first)}"


def test_every_problem_is_reported_in_line_order() -> None:
    bad = GOOD.replace('title = "Story 3"', "title = 3").replace(
        'id = "id001"', 'id = "id001"\nnotes = "x"'
    )
    lines = _error(bad).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{PATH}:{_line_of(bad, 'notes =')}: entry 'id001': unknown key")
    assert lines[1].startswith(f"{PATH}:{_line_of(bad, 'title = 3')}: entry 'id003'")


def test_lines_are_found_past_strings_that_look_like_structure() -> None:
    tricky = 'x\n[[entry]]\nurl = "no"\n\\"""\nsection = "no"'
    d = set_note(sample(), "id001", tricky)
    text = dumps_draft(d).replace('title = "Story 2"', "title = 2")
    assert _error(text).startswith(f"{PATH}:{_line_of(text, 'title = 2')}: entry 'id002'")
    literal = text.replace('title = "CSOs', "# ''' [[entry]]\ntitle = \"CSOs").replace(
        "sections = [", "sections = [ # [[entry]]\n  # x = 1"
    )
    assert _error(literal).startswith(f"{PATH}:{_line_of(literal, 'title = 2')}:")


def test_missing_title_and_single_bracket_entry() -> None:
    message = _error('sections = ["A"]\n\n[entry]\nid = "x"\n')
    assert message.splitlines() == [
        f"{PATH}:1: missing 'title'",
        f"{PATH}:3: entries must be [[entry]] tables (two brackets)",
    ]


def test_inline_entries_fall_back_to_the_key_line() -> None:
    text = 'title = "t"\nentry = [\n  { id = "a", url = "u", section = "Nope" },\n]\n'
    assert _error(text).startswith(f"{PATH}:2: entry 'a': section 'Nope'")


def test_file_errors(tmp_path: Path) -> None:
    folder = tmp_path / "drafts"
    folder.mkdir()
    with pytest.raises(DraftError, match=r"no draft 'gone' \(drafts/gone.toml does not exist\)"):
        load_draft(folder / "gone.toml")
    (folder / "latin.toml").write_bytes(b'title = "ok"\nintro = "caf\xe9"\n')
    with pytest.raises(DraftError, match=r"^drafts/latin.toml:2: not UTF-8 text"):
        load_draft(folder / "latin.toml")
    (folder / "bom.toml").write_bytes(b'\xef\xbb\xbftitle = "ok"\n')
    assert load_draft(folder / "bom.toml").title == "ok"


# --- saving: atomic, locked, respectful of hand edits -------------------------------------------


def test_failed_replace_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "drafts" / "weekly.toml"
    save_draft(path, sample())
    before = path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(DraftError, match=r"drafts/weekly\.toml: cannot save it: No space left"):
        save_draft(path, set_note(sample(), "id003", "new"))
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [".weekly.lock", "weekly.toml"]


def test_killed_writer_leaves_old_or_new_file(tmp_path: Path) -> None:
    path = tmp_path / "drafts" / "weekly.toml"
    save_draft(path, sample())
    writer = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from digestctl.drafts import load_draft, save_draft, set_note
        path = Path({str(path)!r})
        d = load_draft(path)
        n = 0
        print("ready", flush=True)
        while True:
            n += 1
            save_draft(path, set_note(d, "id003", "version %d " % n + "x" * 20000))
        """
    )
    for delay in (0.05, 0.15, 0.3):
        proc = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE)
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"ready\n"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        d = load_draft(path)  # parses: never torn
        assert d.entries[2].note.startswith("version ") or d.entries[2].note == ""
    # The next save sweeps away whatever temp file a killed writer left, and only that.
    other = path.with_name(".weekly.toml.x.toml.abcdefgh.tmp")
    other.write_text("another draft's save in progress")
    save_draft(path, sample())
    assert sorted(p.name for p in path.parent.iterdir()) == [
        ".weekly.lock",
        other.name,
        "weekly.toml",
    ]


def test_file_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "drafts" / "weekly.toml"
    save_draft(path, sample())
    path.chmod(0o640)
    save_draft(path, set_note(sample(), "id003", "n"))
    assert path.stat().st_mode & 0o777 == 0o640


def test_update_rereads_a_hand_edit(tmp_path: Path) -> None:
    path = tmp_path / "drafts" / "weekly.toml"
    save_draft(path, sample())
    # The editor reorders two entries, rewrites a note and deletes the lead, by hand.
    text = path.read_text()
    blocks = text.split("\n[[entry]]\n")
    blocks[3] = blocks[3].replace('note = ""', 'note = "Written by hand."')
    path.write_text(blocks[0] + "".join("\n[[entry]]\n" + b for b in (blocks[3], blocks[2])))
    saved = update_draft(path, lambda d: add_entry(d, entry(4)))
    assert [e.id for e in saved.entries] == ["id003", "id002", "id004"]
    assert saved.entries[0].note == "Written by hand."
    assert load_draft(path) == saved


def test_update_without_change_keeps_the_file(tmp_path: Path) -> None:
    path = tmp_path / "drafts" / "weekly.toml"
    save_draft(path, sample())
    path.write_text(path.read_text() + "# my own comment\n")
    update_draft(path, lambda d: d)
    assert path.read_text().endswith("# my own comment\n")


def test_update_starts_from_default_or_refuses(tmp_path: Path) -> None:
    path = tmp_path / "drafts" / "2024-10-28.toml"
    with pytest.raises(DraftError, match="no draft '2024-10-28'"):
        update_draft(path, lambda d: d)
    new = Draft(name="2024-10-28", title="Round-up")
    saved = update_draft(path, lambda d: add_entry(d, entry(1)), default=new)
    assert load_draft(path) == saved
    assert len(saved.entries) == 1


def test_update_refuses_a_broken_hand_edit_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "drafts" / "weekly.toml"
    save_draft(path, sample())
    broken = path.read_text().replace('title = "Story 2"', 'title = "Story 2')
    path.write_text(broken)
    with pytest.raises(DraftError, match=r"^drafts/weekly.toml:\d+: not valid TOML"):
        update_draft(path, lambda d: add_entry(d, entry(4)))
    assert path.read_text() == broken


def test_save_text_keeps_comments_and_detects_a_concurrent_write(tmp_path: Path) -> None:
    path = tmp_path / "drafts" / "weekly.toml"
    save_draft(path, sample())
    before = path.read_text()
    edited = before.replace("# A digestctl draft.", "# my comment\n# A digestctl draft.")
    assert save_draft_text(path, edited, if_unchanged=before) == sample()
    assert path.read_text() == edited
    update_draft(path, lambda d: set_note(d, "id003", "picked meanwhile"))
    with pytest.raises(DraftError, match="changed while you were editing it"):
        save_draft_text(path, edited, if_unchanged=edited)
    assert load_draft(path).entries[2].note == "picked meanwhile"
    with pytest.raises(DraftError, match="not valid TOML"):
        save_draft_text(path, "title = ")


def test_a_held_lock_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "drafts" / "weekly.toml"
    save_draft(path, sample())
    monkeypatch.setattr(drafts, "LOCK_TIMEOUT", 0.05)
    with (path.parent / ".weekly.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(LockedError, match="locked by another digestctl process"):
            save_draft(path, sample())


_ADDER = """
import sys
from pathlib import Path
from digestctl.drafts import DraftEntry, add_entry, update_draft, set_note
path, tag, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(n):
    e = DraftEntry(id=f"{tag}{i}", url=f"https://example.org/{tag}/{i}", title=tag)
    update_draft(path, lambda d: add_entry(d, e))
    update_draft(path, lambda d: set_note(d, e.id, f"note {tag}{i}"))
"""


def test_concurrent_updates_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "drafts" / "weekly.toml"
    save_draft(path, Draft(name="weekly", title="t"))
    procs = [subprocess.Popen([sys.executable, "-c", _ADDER, str(path), tag, "40"]) for tag in "ab"]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    d = load_draft(path)
    assert sorted(e.id for e in d.entries) == sorted(f"{t}{i}" for t in "ab" for i in range(40))
    assert all(e.note == f"note {e.id}" for e in d.entries)


# --- edit operations --------------------------------------------------------------------------


def ids(d: Draft) -> list[str]:
    return [e.id for e in d.entries]


def test_add_entry_places_and_refuses_duplicates() -> None:
    d = Draft(name="w", title="t")
    d = add_entry(d, entry(1, section=""))
    d = add_entry(d, entry(2, section=""), lead=True)
    d = add_entry(d, entry(3, section=""))
    assert [(e.id, e.section) for e in d.entries] == [
        ("id002", "Lead story"),
        ("id001", "Round-up"),
        ("id003", "Round-up"),
    ]
    with pytest.raises(DraftError, match="'id001' is already in draft 'w'"):
        add_entry(d, entry(1))
    with pytest.raises(DraftError, match="already in draft 'w' as entry 'id001'"):
        add_entry(d, entry(9, url="https://example.org/story/1"))
    with pytest.raises(UsageError, match=r"no section 'Roundup' \(did you mean 'Round-up'\?\)"):
        add_entry(d, entry(9, section="Roundup"))


def test_remove_entry() -> None:
    assert ids(remove_entry(sample(), "id002")) == ["id001", "id003"]
    with pytest.raises(UsageError, match="no entry 'nope' in draft 'weekly'"):
        remove_entry(sample(), "nope")


def test_move_entry() -> None:
    d = add_entry(sample(), entry(4))
    assert ids(move_entry(d, "id004", to=1)) == ["id001", "id004", "id002", "id003"]
    assert ids(move_entry(d, "id002", to=3)) == ["id001", "id003", "id004", "id002"]
    assert ids(move_entry(d, "id004", before="id003")) == ["id001", "id002", "id004", "id003"]
    assert ids(move_entry(d, "id002", after="id004")) == ["id001", "id003", "id004", "id002"]
    lead = move_entry(d, "id003", before="id001")
    assert ids(lead) == ["id003", "id001", "id002", "id004"]
    assert lead.entries[0].section == "Lead story"
    moved = move_entry(d, "id003", section="Lead story")
    assert ids(moved) == ["id001", "id003", "id002", "id004"]
    assert ids(move_entry(d, "id001", section="Round-up", to=2)) == [
        "id002", "id001", "id003", "id004"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "say where to move it"),
        ({"to": 1, "before": "id001"}, "one of --to, --before, --after"),
        ({"section": "Round-up", "after": "id001"}, "one of --to, --before, --after"),
        ({"to": 0}, r"position 0 is out of range: section 'Round-up' has 2 places \(1-2\)"),
        ({"to": 3}, "position 3 is out of range"),
        ({"before": "id002"}, "cannot move 'id002' next to itself"),
        ({"after": "zzz"}, "no entry 'zzz'"),
        ({"section": "Events"}, "has no section 'Events'"),
    ],
)
def test_move_entry_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        move_entry(sample(), "id002", **kwargs)  # type: ignore[arg-type]


def test_set_note_and_section() -> None:
    d = set_note(sample(), "id003", "  Line one\r\nline two\r\n\n")
    assert d.entries[2].note == "Line one\nline two"
    d = set_section(d, "id003", "Lead story")
    assert [(e.id, e.section) for e in d.entries][:2] == [
        ("id001", "Lead story"),
        ("id003", "Lead story"),
    ]
    with pytest.raises(UsageError):
        set_section(d, "id003", "Nope")
    with pytest.raises(UsageError):
        set_note(d, "nope", "x")


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["add", "lead", "remove", "to", "before", "after", "note", "sec"]),
            st.integers(0, 6),
            st.integers(0, 6),
        ),
        max_size=30,
    )
)
@settings(max_examples=150, deadline=None)
def test_random_edits_keep_the_draft_valid(ops: list[tuple[str, int, int]]) -> None:
    d = Draft(name="w", title="t", sections=("Lead story", "Round-up", "Events"))
    for op, a, b in ops:
        present = ids(d)
        target = present[a % len(present)] if present else None
        other = present[b % len(present)] if present else None
        try:
            if op in ("add", "lead"):
                d = add_entry(d, entry(a, section=""), lead=op == "lead")
            elif target is None:
                continue
            elif op == "remove":
                d = remove_entry(d, target)
            elif op == "to":
                d = move_entry(d, target, to=b + 1)
            elif op in ("before", "after"):
                d = move_entry(d, target, **{op: other})  # type: ignore[arg-type]
            elif op == "note":
                d = set_note(d, target, f"note {b}")
            else:
                d = set_section(d, target, d.sections[b % 3])
        except (DraftError, UsageError):
            continue
        assert loads_draft(dumps_draft(d), path="drafts/w.toml") == d
        ranks = [d.sections.index(e.section) for e in d.entries]
        assert ranks == sorted(ranks)


def test_resolve_id_prefix() -> None:
    known = ["abc123", "abd456", "xyz789"]
    assert resolve_id_prefix(known, "abc") == "abc123"
    assert resolve_id_prefix(known, "XY") == "xyz789"
    assert resolve_id_prefix(["ab", "abc"], "ab") == "ab"
    with pytest.raises(UsageError, match="entry id 'ab' is ambiguous: it starts abc123, abd456"):
        resolve_id_prefix(known, "ab")
    with pytest.raises(UsageError, match="no entry with id 'q'"):
        resolve_id_prefix(known, "q")
    with pytest.raises(UsageError):
        resolve_id_prefix(known, "")


@pytest.mark.parametrize("name", ["2024-10-28", "weekly", "issue_12.b"])
def test_good_draft_names(name: str) -> None:
    assert check_draft_name(name) == name


@pytest.mark.parametrize("name", ["", ".hidden", "a/b", "../x", "x.toml", "a b", "-x"])
def test_bad_draft_names(name: str) -> None:
    with pytest.raises(UsageError, match="is not allowed"):
        check_draft_name(name)
