"""`digestctl rank explain|reset`: look inside the ranking model, or start it afresh."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from digestctl.cli._common import handle_errors, state

if TYPE_CHECKING:
    from digestctl.ranking import Explanation

rank_app = typer.Typer(
    help="How candidates are ordered: explain an item's score, or reset what was learned.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(rank_app, name="rank", rich_help_panel="Edit")


@rank_app.command("explain")
@handle_errors
def explain(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(help="Item id (or a unique prefix).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show every signal in an item's score, and how much each weighs.

    The score is a sum of log-odds: what the model learned from your picks and skips
    (words, source, tags), your [rank] boost/bury terms and source weights in
    sources.toml, the story's size and its freshness.

    Example: digestctl rank explain 3fk2
    """
    from digestctl import picks, ranking
    from digestctl.output import print_json
    from digestctl.store import Store

    ws = state(ctx).workspace()
    with Store(ws.db_path) as store:
        (full_id,) = store.resolve_ids([item_id])
        item = store.get_item(full_id)
        ranker = ranking.load_ranker(store, picks.load_config_quietly(ws))
        found = ranker.explain(item)
    if json_out:
        print_json(format_explanation(found))
        return
    typer.echo("\n".join(format_explanation_text(found, item.title or item.url or "", item.source)))


def format_explanation(e: Explanation) -> dict[str, Any]:
    return {
        "id": e.item_id,
        "score": round(e.score, 4),
        "learned_from": {"picks": e.picks, "skips": e.skips},
        "cold_start": e.cold,
        "parts": [{"value": round(p.value, 4), "kind": p.kind, "label": p.label} for p in e.parts],
        "warnings": list(e.warnings),
    }


def format_explanation_text(e: Explanation, title: str, source: str) -> list[str]:
    lines = [f"{e.item_id}  {title}  ({source})", f"score {e.score:+.2f}, the sum of:"]
    for p in e.parts:
        lines.append(f"  {p.value:+6.2f}  {p.label}  [{p.kind}]")
    if e.cold:
        lines.append(
            "no model yet: it learns from your first picks and skips; until then story size "
            "and freshness order the list"
        )
    else:
        lines.append(
            f"learned from {_count(e.picks, 'pick')} and {_count(e.skips, 'skip')} "
            "in this workspace"
        )
    lines += [f"warning: {w}" for w in e.warnings]
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


@rank_app.command("reset")
@handle_errors
def reset(ctx: typer.Context) -> None:
    """Forget what ranking learned from your picks and skips (they stay picked and
    skipped); the order is story size and freshness until your next decisions.

    Example: digestctl rank reset
    """
    from digestctl import ranking
    from digestctl.output import print_note
    from digestctl.store import Store

    ws = state(ctx).workspace()
    with Store(ws.db_path) as store:
        count = ranking.reset(store)
    print_note(
        f"ranking reset: forgot {count} decision{'s' * (count != 1)}; candidates are ordered "
        "by story size and freshness until you pick and skip again"
    )
