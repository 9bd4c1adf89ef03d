"""`digestctl review`: the full-screen triage app (app.py, on Textual) and the one-card loop
(plain.py). This package's top level imports neither Textual nor rich, so a command that
only asks `wants_plain()` stays fast.
"""

from __future__ import annotations

import os

from digestctl.review.plain import (
    Outcome,
    Session,
    cursor_file,
    require_terminal,
    run_review,
    save_screen_svg,
)

__all__ = [
    "Outcome",
    "Session",
    "cursor_file",
    "require_terminal",
    "run_review",
    "save_screen_svg",
    "wants_plain",
]


def wants_plain(plain: bool) -> bool:
    """The one-card loop when asked for, or when the terminal cannot draw a full screen."""
    return plain or os.environ.get("TERM") == "dumb"
