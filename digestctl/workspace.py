"""Find and initialise a workspace; its paths; the fetch lock. File I/O only."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from digestctl.errors import LockedError, WorkspaceError

SOURCES_FILE = "sources.toml"
STATE_DIR = ".digestctl"
ENV_VAR = "DIGESTCTL_WORKSPACE"

SOURCES_TEMPLATE = """\
# digestctl sources: what to watch. Edit by hand; `digestctl sources add URL` appends here
# and keeps your comments. Every key of [defaults] can be overridden per source.

[defaults]
# timeout = 20          # seconds for one request, body included
# max_items = 50        # newest items kept per source and fetch
# user_agent = "..."    # if a server answers 403 "blocked", try a browser-like string
# headers = { "Accept-Language" = "en" }
# include = ["trafficking"]   # keep only items mentioning any of these (case-insensitive)
# exclude = ["vacancy"]       # drop items mentioning any of these
# allow_private = false # true: links and redirects may reach private addresses (intranet)
# fulltext = false      # true: read each new item's page for its full text at fetch time

# [fetch]
# concurrency = 32      # requests in flight across all sources
# per_host = 2          # requests in flight to one host
# max_size_mb = 10      # a larger response is cut off and reported

# [rank]                # candidates are ordered by what you pick; these add your own say
# boost = ["forced labour"]     # move up items that mention any of these
# bury = ["vacancy"]            # move down items that mention any of these

# [[source]]
# name = "gi-toc"                               # unique slug; default derived from the host
# url = "https://globalinitiative.net/feed/"    # http(s), file: URL or a path in this folder
# type = "auto"                                 # auto (sniff), feed, page
# tags = ["organized-crime"]
# weight = 2                                    # ranking: its items twice as likely picked

# [[source]]
# name = "kalayaan"
# url = "https://www.kalayaan.org.uk/news/"
# type = "page"
# links = "article h2 a"                        # CSS selector for item links on a listing page
# include = ["trafficking", "modern slavery"]
# exclude = ["vacancy"]
"""

GITIGNORE = """\
# digestctl state: rebuilt by `digestctl fetch`, never hand-edited
.digestctl/
"""


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def sources_path(self) -> Path:
        return self.root / SOURCES_FILE

    @property
    def drafts_dir(self) -> Path:
        return self.root / "drafts"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def db_path(self) -> Path:
        return self.state_dir / "state.sqlite3"

    @property
    def current_draft_file(self) -> Path:
        return self.state_dir / "current-draft"

    def ensure_state_dir(self) -> None:
        self.state_dir.mkdir(exist_ok=True)
        self.drafts_dir.mkdir(exist_ok=True)


def find_workspace(explicit: Path | None = None, cwd: Path | None = None) -> Workspace:
    """The workspace named by -w, else $DIGESTCTL_WORKSPACE, else the nearest parent with
    a sources.toml — as git finds .git."""
    if explicit is None and os.environ.get(ENV_VAR):
        explicit = Path(os.environ[ENV_VAR])
    if explicit is not None:
        root = explicit.expanduser().resolve()
        if not (root / SOURCES_FILE).is_file():
            raise WorkspaceError(
                f"{root}: not a digestctl workspace (no {SOURCES_FILE})",
                hint=f"run `digestctl init {explicit}` to create one",
            )
        return Workspace(root)
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / SOURCES_FILE).is_file():
            return Workspace(folder)
    raise WorkspaceError(
        f"not inside a digestctl workspace (no {SOURCES_FILE} in {start} or its parents)",
        hint="run `digestctl init` here, or pass -w DIR / set DIGESTCTL_WORKSPACE",
    )


def init_workspace(root: Path) -> tuple[Workspace, list[str]]:
    """Create what is missing of a workspace in `root`; never overwrite. Returns what was made."""
    root = root.expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    ws = Workspace(root)
    made: list[str] = []
    if not ws.sources_path.exists():
        write_atomic(ws.sources_path, SOURCES_TEMPLATE)
        made.append(SOURCES_FILE)
    for folder in (ws.drafts_dir, ws.state_dir):
        if not folder.exists():
            folder.mkdir()
            made.append(folder.name + "/")
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        write_atomic(gitignore, GITIGNORE)
        made.append(".gitignore")
    elif STATE_DIR not in gitignore.read_text(encoding="utf-8", errors="replace"):
        with gitignore.open("a", encoding="utf-8") as f:
            f.write("\n" + GITIGNORE)
        made.append(".gitignore (state line added)")
    return ws, made


def write_atomic(path: Path, text: str) -> None:
    """Write text so that a crash leaves either the old file or the new one, never a torn one."""
    _sweep_stale_temp_files(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(e, OSError):  # a full or read-only disk: the old file is intact
            raise WorkspaceError(
                f"{path}: cannot save it: {e.strerror or e}",
                hint="check free disk space and that the folder is writable",
            ) from e
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _sweep_stale_temp_files(path: Path) -> None:
    """Remove temp files a killed writer of `path` left behind (their process is gone)."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        pid = stale.name[len(path.name) + 2 : -len(".tmp")]
        if pid.isdigit() and not _process_alive(int(pid)):
            with contextlib.suppress(OSError):
                stale.unlink()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def exclusive_lock(path: Path, what: str) -> Iterator[None]:
    """Hold an flock on `path` or fail at once. The kernel drops it if we die, so a killed
    run never leaves a stale lock behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            raise LockedError(
                f"{what} is already running (pid {holder}); this run stopped without changes",
                hint="wait for it to finish; the lock frees itself when that process ends",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
