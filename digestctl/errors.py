"""The exception tree. Each class carries the exit code the CLI turns it into.

DigestError                 exit 1
├── WorkspaceError          no workspace, or a broken one
├── ConfigError             sources.toml problems (carries every problem found)
├── SourceError             one source failed; data in a multi-source run
│   ├── FetchError          network, HTTP status, size, timeout
│   └── ParseError          not a feed/page we can read, malformed
├── StoreError              the SQLite state
├── DraftError              draft files and edit operations
├── ExportError             templates and rendering
├── LockedError             another process holds a lock we may not wait for
└── UsageError              a user's words are off after parsing (exit 2)
"""

from __future__ import annotations

from collections.abc import Sequence


class DigestError(Exception):
    """Base of every error digestctl reports to a person as one line."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class WorkspaceError(DigestError):
    pass


class ConfigError(DigestError):
    """sources.toml is invalid. `problems` holds every `file:line: message` found."""

    def __init__(self, problems: Sequence[str], *, hint: str | None = None) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems), hint=hint)


class SourceError(DigestError):
    pass


class FetchError(SourceError):
    pass


class ParseError(SourceError):
    pass


class StoreError(DigestError):
    pass


class DraftError(DigestError):
    pass


class ExportError(DigestError):
    pass


class LockedError(DigestError):
    pass


class UsageError(DigestError):
    exit_code = 2
