"""`digestctl pick`, `unpick`, `skip`, `note`, `move`, `undo` and `review`: the editor's
decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from digestctl.cli._common import SortOption, handle_errors, parse_since, state

if TYPE_CHECKING:
    from pathlib import Path

    from digestctl.picks import Decision, PickResult
    from digestctl.store import LoggedDecision

PANEL = "Edit"

DraftOption = Annotated[
    str | None,
    typer.Option(
        "--draft", "-d", help="The draft to change (default: the current one).", show_default=False
    ),
]


def print_picked(result: PickResult) -> None:
    """Say what a pick did, on stderr: the draft started, if any, then each decision."""
    from digestctl.output import print_note

    name = result.choice.name
    if result.choice.created:
        print_note(f"started draft {name} (drafts/{name}.toml); it is now the current draft")
    for decision in result.decisions:
        print_note(_describe(decision, name))


def _describe(d: Decision, draft: str) -> str:
    entry = d.entry_after or d.entry_before
    title = entry.title if entry and entry.title else d.item_id
    where = f"{draft} · {d.entry_after.section}" if d.entry_after else draft
    verbs = {"pick": "picked", "lead": "lead", "note": "noted", "unpick": "unpicked"}
    return f"{verbs.get(d.action, d.action)} {d.item_id} ({where}): {title}"


def _title(d: LoggedDecision) -> str:
    from digestctl.picks import entry_from_json

    entry = entry_from_json(d.entry_after) or entry_from_json(d.entry_before)
    return entry.title if entry and entry.title else ""


def format_decision(d: LoggedDecision) -> dict[str, object]:
    """The stable JSON shape of `digestctl undo --list --json`."""
    from digestctl.output import iso

    return {
        "seq": d.seq,
        "batch": d.batch,
        "made_at": iso(d.made_at),
        "action": d.action,
        "item": d.item_id,
        "title": _title(d),
        "draft": d.draft,
        "status_before": d.status_before.value if d.status_before else None,
        "status_after": d.status_after.value if d.status_after else None,
        "undone_at": iso(d.undone_at),
    }


def format_decision_line(d: LoggedDecision) -> str:
    where = f"draft {d.draft}" if d.draft else "no draft"
    made = f"{d.made_at:%Y-%m-%d %H:%M}" if d.made_at else "?"
    undone = "  (undone)" if d.undone_at else ""
    title = _title(d)
    return f"{made}  {d.action:<6}  {d.item_id}  {where}{': ' + title if title else ''}{undone}"


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel=PANEL)
    @handle_errors
    def pick(
        ctx: typer.Context,
        ids: Annotated[list[str], typer.Argument(help="Item ids or unique prefixes of them.")],
        draft: DraftOption = None,
        section: Annotated[
            str | None,
            typer.Option("--section", help="Put them in this section of the draft."),
        ] = None,
        note: Annotated[
            str | None,
            typer.Option("--note", help="The note (Markdown) to write about them."),
        ] = None,
        lead: Annotated[
            bool, typer.Option("--lead", help="Make it the lead story (the first section).")
        ] = False,
        again: Annotated[
            bool,
            typer.Option("--again", help="Pick a story even though a draft has it already."),
        ] = False,
        alt: Annotated[
            bool,
            typer.Option(
                "--alt", help="Let this outlet's item stand for its story in the draft instead."
            ),
        ] = False,
    ) -> None:
        """Put items in the draft and mark them picked.

        With no --draft and no current draft, a draft named after today is started (and
        becomes the current one). A story already in a draft (this item, or another
        outlet's item of the same story) is refused unless you pass --again: a round-up
        should not feature the same news twice by accident. --alt swaps which outlet's
        item represents a story already in the draft (keeping its place and note).

        Example: digestctl pick 3fk2 9xq1 --note "Worth reading for the *numbers*."
        """
        from digestctl import picks
        from digestctl.errors import UsageError
        from digestctl.store import Store

        if lead and section is not None:
            raise UsageError("--lead and --section both say where it goes; use one")
        if alt and (len(ids) != 1 or lead or section is not None or note is not None or again):
            raise UsageError("--alt takes one item id and no other option but --draft")
        ws = state(ctx).workspace()
        with Store(ws.db_path) as store:
            item_ids = store.resolve_ids(ids)
            if alt:
                print_picked(picks.pick_alt(ws, store, item_ids[0], draft))
                return
            result = picks.pick_items(
                ws, store, item_ids, draft=draft, section=section, note=note, lead=lead, again=again
            )
            print_picked(result)

    @app.command(rich_help_panel=PANEL)
    @handle_errors
    def unpick(
        ctx: typer.Context,
        ids: Annotated[list[str], typer.Argument(help="Entry ids (or unique prefixes).")],
        draft: DraftOption = None,
    ) -> None:
        """Take entries out of the draft; their items are `new` again.

        Example: digestctl unpick 3fk2
        """
        from digestctl import picks
        from digestctl.output import print_note
        from digestctl.store import Store

        ws = state(ctx).workspace()
        with Store(ws.db_path) as store:
            choice = picks.choose_draft(ws, draft)
            desk = picks.Desk(ws, store, choice.name)
            for decision in desk.unpick(desk.resolve_entries(ids)):
                print_note(_describe(decision, choice.name))

    @app.command(rich_help_panel=PANEL)
    @handle_errors
    def skip(
        ctx: typer.Context,
        ids: Annotated[list[str], typer.Argument(help="Item ids or unique prefixes of them.")],
        draft: DraftOption = None,
    ) -> None:
        """Mark items skipped, so review does not show them again.

        An item in the draft leaves it. Example: digestctl skip 3fk2 9xq1
        """
        from digestctl import picks
        from digestctl.output import print_note
        from digestctl.store import Store

        ws = state(ctx).workspace()
        with Store(ws.db_path) as store:
            item_ids = store.resolve_ids(ids)
            picks.skip_items(ws, store, item_ids, draft)
        print_note(f"skipped {len(item_ids)} item{'s' * (len(item_ids) != 1)}")

    @app.command(rich_help_panel=PANEL)
    @handle_errors
    def note(
        ctx: typer.Context,
        entry_id: Annotated[str, typer.Argument(help="Entry id (or a unique prefix).")],
        text: Annotated[
            str | None,
            typer.Argument(
                help='The note, Markdown ("-" reads it from stdin).', show_default=False
            ),
        ] = None,
        edit: Annotated[
            bool, typer.Option("--edit", "-e", help="Write the note in $VISUAL / $EDITOR.")
        ] = False,
        draft: DraftOption = None,
    ) -> None:
        """Write the note of a picked entry: the editor's blurb that the export prints.

        Markdown: [links](https://…) and *emphasis*. An empty note removes it.

        Example: digestctl note 3fk2 "The report's [summary](https://example.org/s) is short."
        """
        import sys

        from digestctl import picks
        from digestctl.editor import edit_note
        from digestctl.errors import UsageError
        from digestctl.output import print_note
        from digestctl.store import Store

        if (text is None) == (not edit):
            raise UsageError("give the note as TEXT, or --edit to write it in your editor")
        ws = state(ctx).workspace()
        with Store(ws.db_path) as store:
            choice = picks.choose_draft(ws, draft)
            desk = picks.Desk(ws, store, choice.name)
            try:
                (full_id,) = desk.resolve_entries([entry_id])
            except UsageError as e:
                raise UsageError(
                    e.message,
                    hint=f"a note goes on a picked entry: `digestctl pick {entry_id} --note …`",
                ) from None
            if edit:
                entry = desk.draft().entry(full_id)
                assert entry is not None
                written = edit_note(
                    entry.note, title=entry.title, url=entry.url, folder=ws.state_dir
                )
                if written is None:
                    print_note("empty note: nothing changed")
                    return
                text = written
            elif text == "-":
                text = sys.stdin.read()
            assert text is not None
            print_note(_describe(desk.note(full_id, text), choice.name))

    @app.command(rich_help_panel=PANEL)
    @handle_errors
    def move(
        ctx: typer.Context,
        entry_id: Annotated[str, typer.Argument(help="Entry id (or a unique prefix).")],
        to: Annotated[
            int | None,
            typer.Option("--to", min=1, help="Position within its section (1 is first)."),
        ] = None,
        before: Annotated[
            str | None, typer.Option("--before", help="Put it just before this entry.")
        ] = None,
        after: Annotated[
            str | None, typer.Option("--after", help="Put it just after this entry.")
        ] = None,
        section: Annotated[
            str | None,
            typer.Option("--section", help="Move it to this section (at the end, or --to N)."),
        ] = None,
        draft: DraftOption = None,
    ) -> None:
        """Reorder the draft: move an entry to a position, next to another, or to a section.

        Example: digestctl move 3fk2 --before 9xq1
        """
        from digestctl import picks
        from digestctl.output import print_note
        from digestctl.store import Store

        ws = state(ctx).workspace()
        with Store(ws.db_path) as store:
            choice = picks.choose_draft(ws, draft)
            desk = picks.Desk(ws, store, choice.name)
            wanted = [entry_id, *(x for x in (before, after) if x is not None)]
            full = desk.resolve_entries(wanted)
            anchor = full[1] if len(full) > 1 else None
            moved = desk.move(
                full[0],
                to=to,
                before=anchor if before is not None else None,
                after=anchor if after is not None else None,
                section=section,
            )
        entry = moved.entry(full[0])
        assert entry is not None
        place = [e.id for e in moved.entries_in(entry.section)].index(entry.id) + 1
        print_note(f"moved {entry.id} to {entry.section} #{place}: {entry.title or entry.url}")

    @app.command(rich_help_panel=PANEL)
    @handle_errors
    def undo(
        ctx: typer.Context,
        list_only: Annotated[
            bool,
            typer.Option("--list", help="Show the latest decisions, newest first; undo nothing."),
        ] = False,
        count: Annotated[
            int | None,
            typer.Option(
                "-n",
                "--count",
                min=1,
                help="How many to undo (default 1) or list (default 10). A command's "
                "decisions, or one review key's, count as one.",
                show_default=False,
            ),
        ] = None,
        json_out: Annotated[bool, typer.Option("--json", help="With --list: JSON.")] = False,
    ) -> None:
        """Undo the latest decision (pick, lead, skip, note, unpick), whichever session or
        command made it: the draft entry goes back where it was and the item's status back
        to what it was.

        Example: digestctl undo --list; digestctl undo -n 2
        """
        from digestctl import picks
        from digestctl.errors import UsageError
        from digestctl.output import print_json, print_note
        from digestctl.store import Store

        if json_out and not list_only:
            raise UsageError("--json goes with --list")
        ws = state(ctx).workspace()
        with Store(ws.db_path) as store:
            if list_only:
                rows = store.last_decisions(count or 10, include_undone=True)
                if json_out:
                    print_json([format_decision(d) for d in rows])
                elif rows:
                    typer.echo("\n".join(format_decision_line(d) for d in rows))
                else:
                    print_note("no decisions recorded yet")
                return
            done = picks.undo_last(ws, store, count or 1)
        if not done:
            print_note("nothing to undo")
            return
        for batch in done:
            for d in batch.decisions:
                print_note(f"undone: {format_decision_line(d)}")
            for problem in batch.problems:
                print_note(f"warning: {problem}")

    @app.command(rich_help_panel=PANEL)
    @handle_errors
    def review(
        ctx: typer.Context,
        draft: DraftOption = None,
        source: Annotated[
            str | None, typer.Option("--source", "-s", help="Only items from this source.")
        ] = None,
        since: Annotated[
            str | None,
            typer.Option(
                "--since",
                help="Start of the window: 2026-11-01, 7d (default: the previous draft's date).",
            ),
        ] = None,
        all_items: Annotated[
            bool, typer.Option("--all", help="Show picked and skipped items too.")
        ] = False,
        sort: SortOption = "score",
        plain: Annotated[
            bool,
            typer.Option(
                "--plain", help="One candidate at a time instead of the full-screen list."
            ),
        ] = False,
    ) -> None:
        """Triage new candidates at the keyboard: a full-screen list with a preview.

        Keys: j/k move, p pick, l lead, s skip, n note (typed), e note ($EDITOR), o open
        in the browser, u undo, r read, / search, space mark (p and s then act on the
        marked rows), f source or tag, t status, S order, z expand a story, d the draft,
        ? help, q quit. Each decision is saved at once. --plain (or TERM=dumb) shows one
        candidate at a time with the same keys. Needs a terminal: scripts use `pick` and
        `skip`.

        Example: digestctl review --since 7d
        """
        from digestctl import picks
        from digestctl.errors import UsageError
        from digestctl.output import print_note
        from digestctl.review import require_terminal, wants_plain
        from digestctl.store import Store

        if sort not in picks.SORTS:
            raise UsageError(f"--sort {sort!r}: use one of {', '.join(picks.SORTS)}")
        since_at = parse_since(since)
        require_terminal()
        plain = wants_plain(plain)
        ws = state(ctx).workspace()
        with Store(ws.db_path) as store:
            plan = picks.plan_review(
                ws,
                store,
                draft=draft,
                source=source,
                since=since_at,
                include_decided=all_items,
                sort=sort,
                with_candidates=plain,
            )
            for warning in plan.warnings:
                print_note(f"warning: {warning}")
            if plan.created:
                print_note(
                    f"started draft {plan.desk.name} (drafts/{plan.desk.name}.toml); "
                    "it is now the current draft"
                )
            for problem in plan.problems:
                print_note(f"warning: {problem} (skipped when looking for stories featured before)")
            if plan.repair.picked or plan.repair.released:
                print_note(
                    f"brought item statuses in line with the drafts: {len(plan.repair.picked)} "
                    f"picked, {len(plan.repair.released)} back to new"
                )
            nothing = (
                f"nothing to review in {plan.window.describe()}: no new items "
                "(`digestctl fetch` gathers more; --since 30d or --all widen the view)"
            )
            if plain:
                if not plan.candidates:
                    print_note(nothing)
                    return
                from digestctl.review import run_review

                outcome = run_review(
                    plan.desk, plan.candidates, plan.window, state_dir=ws.state_dir
                )
            else:
                from digestctl.review.app import run_app

                assert plan.archive is not None
                found = run_app(
                    plan.desk,
                    plan.window,
                    archive=plan.archive,
                    tags=_source_tags(ws.sources_path),
                    source=source,
                    include_decided=all_items,
                    state_dir=ws.state_dir,
                    order=sort,
                )
                if found is None:
                    print_note(nothing)
                    return
                outcome = found
            count = len(plan.desk.draft().entries)
        print_note(
            f"review: {outcome.picked} picked, {outcome.skipped} skipped, {outcome.left} left "
            f"· draft {plan.desk.name} has {count} entr{'y' if count == 1 else 'ies'}"
        )
        if outcome.left:
            print_note("run `digestctl review` again to carry on where you stopped")
        else:
            print_note("next: `digestctl draft show` to read it through")
        if outcome.interrupted:
            raise typer.Exit(130)


def _source_tags(path: Path) -> dict[str, frozenset[str]]:
    """Tag -> source names from sources.toml, for review's `f`; none when it does not load
    (review works without tags; `digestctl check` reports the problem)."""
    from digestctl.config import load_config
    from digestctl.errors import DigestError

    try:
        config = load_config(path)
    except DigestError:
        return {}
    tags: dict[str, set[str]] = {}
    for src in config.sources:
        for tag in src.tags:
            tags.setdefault(tag, set()).add(src.name)
    return {t: frozenset(names) for t, names in tags.items()}
