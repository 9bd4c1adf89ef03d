"""The offline demo: a workspace over the sample sources bundled in the package, fetched
through the real pipeline, with a lead story and a round-up picked and annotated the way an
editor would. Workspace files, the store and the fetch pipeline; no terminal.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from digestctl.errors import WorkspaceError

if TYPE_CHECKING:
    from digestctl.core import FetchReport
    from digestctl.drafts import Draft
    from digestctl.workspace import Workspace

SAMPLES = Path(__file__).parent / "samples"
MARK = "# The digestctl demo workspace"
DRAFT_NAME = "demo"
DRAFT_DATE = dt.date(2026, 11, 28)

SOURCES = f"""\
{MARK}, made by `digestctl demo`. Its sources are the samples bundled with
# digestctl (fictional organisations), read from samples/ beside this file: no network.
# Try: digestctl items · digestctl draft show · digestctl check --offline
#      digestctl export --format html -o issue.html

[defaults]
exclude = ["vacancy"]   # job ads are not news

[[source]]
name = "coalition"
url = "samples/coalition-news.rss"
tags = ["forced-labour", "civil-society"]

[[source]]
name = "rights-monitor"
url = "samples/rights-monitor.atom"
tags = ["human-rights", "courts"]

[[source]]
name = "community-desk"
url = "samples/community-desk.json"
tags = ["poverty"]

[[source]]
name = "shelter-network"
url = "samples/pages/news.html"   # a listing page without a feed
type = "page"
links = "article h2 a"
tags = ["helplines"]
"""

TITLE = "Forced criminality: civil society asks for a seat at the table"
INTRO = (
    "The Coalition Against Forced Labour and its partners urge a place for civil society "
    "in the response to forced criminality, a court upholds a landmark verdict against a "
    "fruit multinational, and a new briefing series makes the case for giving survivors "
    "the right to work."
)


@dataclass(frozen=True)
class DemoPick:
    url: str  # as the sample feed gives it; found in the store by its canonical form
    note: str  # the editor's words (Markdown)
    lead: bool = False


PICKS = (
    DemoPick(
        "https://coalition.example.org/news/seat-at-the-table",
        "The [Coalition Against Forced Labour](https://coalition.example.org/) represented its "
        "civil society partners at a side event of the Conference of the Parties to the UN "
        "Convention against Transnational Organized Crime this month. Alongside government "
        "delegations, it argued that frontline organisations must be fully included in the "
        "response to scam compounds and the forced criminality that staffs them.\n\n"
        "Those working on the ground see first-hand how trafficking fuels these operations "
        "and what enables it. Members of the coalition's working group called for sustained "
        "attention and far greater investment in frontline organisations, to close the gap "
        "between the extent of global concern and the funding actually available.\n\n"
        "They also stressed the need for better data and stronger victim identification: "
        "training is essential, but it does not always translate into practice. The "
        "coalition's forthcoming policy report will set out the priorities civil society "
        "has identified.",
        lead=True,
    ),
    DemoPick(
        "https://coalition.example.org/reports/right-to-work",
        "A [new series of briefings](https://coalition.example.org/reports/right-to-work) "
        "highlights what the country and survivors of trafficking would gain if every adult "
        "in the referral system were granted the right to work: public money saved, and a "
        "faster recovery. Published by the Coalition Against Forced Labour, the series was "
        "launched at an event in Parliament last week.",
    ),
    DemoPick(
        "https://community-desk.example.com/stories/poverty-alleviation-report",
        "A report on [community approaches to poverty alleviation]"
        "(https://community-desk.example.com/stories/poverty-alleviation-report), published by "
        "Community Desk, explores the many sides of poverty in the region. It offers insights "
        "into the local efforts that work best, and underscores the importance of a "
        "*holistic*, community-driven approach to reducing poverty.",
    ),
    DemoPick(
        "https://rights-monitor.example.net/reports/rapporteur-monitoring-2026",
        "The national rapporteur on human trafficking has published its [first monitoring "
        "report](https://rights-monitor.example.net/reports/rapporteur-monitoring-2026). While "
        "its analysis finds that efforts to support victims have been strengthened in many "
        "areas, much more must be done to meet European standards.",
    ),
    DemoPick(
        "https://rights-monitor.example.net/cases/verdict-upheld",
        "A federal court has [upheld a landmark jury verdict]"
        "(https://rights-monitor.example.net/cases/verdict-upheld) against a fruit "
        "multinational, rejecting the company’s motion to reduce the damages awarded to "
        "sixteen families whose relatives were killed by a paramilitary group it financed. "
        "The ruling confirms the first jury verdict of its kind.",
    ),
)


@dataclass(frozen=True)
class DemoResult:
    workspace: Workspace
    fetched: FetchReport
    draft: Draft
    created: bool  # a new workspace (not a demo workspace run again)


def run_demo(root: Path, *, progress: Callable[[str], None] = lambda _: None) -> DemoResult:
    """Make (or refresh) the demo workspace in `root`: sources.toml over a copy of the
    samples, a real fetch, and draft `demo` with a lead and a noted round-up. `root` must
    be missing, empty or an earlier demo workspace; anything else is refused untouched."""
    from digestctl import drafts, picks
    from digestctl.config import load_config
    from digestctl.core import run_fetch
    from digestctl.store import Store
    from digestctl.urls import canonicalize_url
    from digestctl.workspace import exclusive_lock, init_workspace, write_atomic

    created = _check_target(root)
    ws, _ = init_workspace(root)
    progress(f"{'made' if created else 'refreshing'} the demo workspace {ws.root}")
    shutil.copytree(
        SAMPLES, ws.root / "samples", dirs_exist_ok=True, ignore=shutil.ignore_patterns("__*")
    )
    write_atomic(ws.sources_path, SOURCES)
    config = load_config(ws.sources_path)
    progress(
        f"sources.toml: {len(config.sources)} sample sources (RSS, Atom, JSON Feed and a "
        "listing page), read from samples/"
    )
    with (
        exclusive_lock(ws.state_dir / "fetch.lock", "another `digestctl fetch`"),
        Store(ws.db_path) as store,
    ):
        report = run_fetch(store, config.sources, config.fetch)
        for failed in report.failed:
            progress(f"warning: {failed.name}: {failed.error}")
        progress(
            f"fetched {report.new_items} new items from "
            f"{len(report.outcomes) - len(report.failed)}/{len(report.outcomes)} sources "
            f"({sum(o.filtered for o in report.outcomes)} filtered out by exclude = "
            '["vacancy"])'
        )
        path = picks.draft_path(ws, DRAFT_NAME)
        if not path.exists():
            picks.new_draft(ws, DRAFT_NAME, title=TITLE, day=DRAFT_DATE)
        picks.set_current_draft(ws, DRAFT_NAME)
        drafts.update_draft(path, lambda d: replace(d, title=TITLE, intro=INTRO))
        desk = picks.Desk(ws, store, DRAFT_NAME)
        for pick in PICKS:
            item = store.get_item_by_key(canonicalize_url(pick.url) or pick.url)
            if item is None:
                raise WorkspaceError(
                    f"the demo could not find the sample story {pick.url} after fetching",
                    hint="the package's samples/ look damaged; reinstall digestctl",
                )
            desk.pick([item.id], note=pick.note, lead=pick.lead)
        draft = desk.draft()
    lead = sum(p.lead for p in PICKS)
    progress(
        f"picked a lead story and {len(PICKS) - lead} round-up entries, each with a note, "
        f"into draft {DRAFT_NAME} ({drafts.display_path(path)})"
    )
    return DemoResult(ws, report, draft, created)


def _check_target(root: Path) -> bool:
    """Whether `root` is new (missing or empty); raise if the demo must not touch it."""
    root = root.expanduser()
    if root.exists() and not root.is_dir():
        raise WorkspaceError(f"{root} is a file, not a folder", hint="give a new folder's name")
    if not root.exists() or not any(root.iterdir()):
        return True
    sources = root / "sources.toml"
    if not sources.is_file():
        raise WorkspaceError(
            f"{root} is not empty and not a workspace; the demo needs a new or empty folder",
            hint="give a new folder's name, e.g. `digestctl demo ~/digestctl-demo`, or none "
            "for a temporary one",
        )
    if not sources.read_text(encoding="utf-8", errors="replace").startswith(MARK):
        raise WorkspaceError(
            f"{root} is a workspace of your own; the demo would replace its sources.toml",
            hint="give a new folder's name, or none for a temporary one",
        )
    return False
