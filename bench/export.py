"""Export speed: a 200-entry draft in each format, against `python -c "import typer"`.

Target (issue 5): each export, start-up included, takes at most 2x the time of importing
typer, measured side by side: per format, the commands below run in turn, N rounds after
one warm-up round, and the median (and min) of each is printed with its ratio to typer.

  in-process          load_draft + render_draft in this process (the work itself)
  python -c           a fresh interpreter: import drafts/export, load, render, write
  python -c + typer   the same after `import typer`: what the CLI will cost, near enough
  digestctl export    `digestctl -w WS export bench --format F`, once the CLI has it
  digestctl --version the CLI's own floor: interpreter, typer, the app's commands

Subprocesses run without PYTHONDONTWRITEBYTECODE, so that digestctl's modules load from
bytecode as they do once installed (site-packages already holds typer's).

    .venv/bin/python bench/export.py [--runs N] [--entries N] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from digestctl.drafts import Draft, DraftEntry, load_draft, save_draft
from digestctl.export import render_draft

FORMATS = ("md", "html", "text", "json")
BIN = Path(sys.executable).parent


def build_draft(entries: int) -> Draft:
    """A realistic issue: a lead with a long note; two thirds of the rest with a note."""
    items = []
    for i in range(entries):
        lead = i == 0
        note = ""
        if lead:
            note = "\n\n".join(
                f"Paragraph {p} of the lead, with *emphasis* and a [link](https://example.org/"
                f"lead/{p}) in the editor's words, long enough to wrap a few times when it is "
                "exported as plain text for the text/plain part of an email."
                for p in range(6)
            )
        elif i % 3:
            note = (
                f"A report on item {i} by the [Example Institute](https://example.org/inst/{i}) "
                "highlights the benefits of a *holistic*, community-driven approach, and calls "
                "for more robust data collection and greater transparency."
            )
        items.append(
            DraftEntry(
                id=f"item{i:04d}",
                url=f"https://news.example.org/{i}/a-story-about-something-{i}",
                title=f"Story {i}: a headline of ordinary length about “something” & more",
                summary="The first sentence of the story as fetched. A second one, shorter.",
                note=note,
                section="Lead story" if lead else "Round-up",
                source=f"source-{i % 12}",
                published=dt.datetime(2024, 10, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i),
            )
        )
    return Draft(name="bench", title="Weekly round-up", date=dt.date(2024, 10, 28),
                 intro="This week: *many* things.", entries=tuple(items))  # fmt: skip


def make_workspace(entries: int) -> Path:
    root = Path(tempfile.mkdtemp(prefix="digestctl-bench-"))
    (root / "sources.toml").write_text("")
    (root / ".digestctl").mkdir()
    save_draft(root / "drafts" / "bench.toml", build_draft(entries))
    return root


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def command(args: list[str]) -> Callable[[], object]:
    def run() -> None:
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=ENV)

    return run


def python_export(path: Path, fmt: str, *, typer: bool = False) -> list[str]:
    code = (
        ("import typer; " if typer else "") + "import sys; from pathlib import Path; "
        "from digestctl.drafts import load_draft; from digestctl.export import render_draft; "
        f"sys.stdout.write(render_draft(load_draft(Path({str(path)!r})), {fmt!r}))"
    )
    return [sys.executable, "-c", code]


def cli_export(root: Path, fmt: str) -> list[str] | None:
    """`digestctl export` for this format, or None while the CLI lacks the command."""
    exe = BIN / "digestctl"
    args = [str(exe), "-w", str(root), "export", "bench", "--format", fmt]
    if not exe.exists():
        return None
    probe = subprocess.run(args, capture_output=True, env=ENV)
    return args if probe.returncode == 0 and probe.stdout else None


def side_by_side(commands: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Run the commands in turn, run after run (like hyperfine with several commands, but
    interleaved), so that a busy machine slows the baseline and the exports alike."""
    for run in commands.values():
        run()  # warm-up: caches, bytecode
    times: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, run in commands.items():
            start = time.perf_counter()
            run()
            times[label].append(time.perf_counter() - start)
    return times


def row(label: str, times: list[float], baseline: float) -> str:
    median = statistics.median(times)
    ratio = f"{median / baseline:5.2f}x typer"
    return (
        f"  {label:<34} median {median * 1000:7.1f} ms   min {min(times) * 1000:7.1f} ms  {ratio}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    options = parser.parse_args()

    root = make_workspace(options.entries)
    path = root / "drafts" / "bench.toml"
    try:
        print(f"{options.entries}-entry draft ({path.stat().st_size // 1024} KiB), "
              f"{options.runs} interleaved runs each")  # fmt: skip
        cold_start = time.perf_counter()
        render_draft(load_draft(path), "md")
        print(f"first in-process export (imports jinja2, markdown-it): "
              f"{(time.perf_counter() - cold_start) * 1000:.1f} ms")  # fmt: skip
        typer = command([sys.executable, "-c", "import typer"])
        worst = 0.0
        have_cli = cli_export(root, "md") is not None
        for fmt in FORMATS:
            commands = {
                'python -c "import typer"': typer,
                "in-process load + render": lambda fmt=fmt: render_draft(load_draft(path), fmt),
                "python -c (start-up included)": command(python_export(path, fmt)),
                "python -c + import typer": command(python_export(path, fmt, typer=True)),
            }
            cli = cli_export(root, fmt)
            if cli is not None:
                commands["digestctl --version (CLI floor)"] = command([cli[0], "--version"])
                commands["digestctl export"] = command(cli)
            times = side_by_side(commands, options.runs)
            baseline = statistics.median(times['python -c "import typer"'])
            print(f"{fmt}:")
            for label, measured in times.items():
                print(row(label, measured, baseline))
            judged = "digestctl export" if cli is not None else "python -c + import typer"
            worst = max(worst, statistics.median(times[judged]) / baseline)
        if not have_cli:
            print("(`digestctl export` not available yet: judged on python -c + import typer)")
        verdict = "OK" if worst <= 2.0 else "OVER TARGET"
        print(f"worst export / import typer: {worst:.2f}x (target <= 2x): {verdict}")
    finally:
        if options.keep:
            print(f"workspace kept: {root}")
        else:
            shutil.rmtree(root)


if __name__ == "__main__":
    main()
