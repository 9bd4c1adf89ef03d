"""One real `digestctl fetch` against a server that misbehaves in every way we know.

A single workspace lists one good source beside a hostile source for each attack (bombs,
external entities, endless and trickling bodies, redirect loops, error statuses, resets,
garbage, markup injection). The CLI runs once as a subprocess; each test below checks one
promise about that run: bounded time and memory, the good source saved, every bad one
reported in one line, nothing from the disk or the probe URLs, and exports with no live
markup or dangerous link.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from httpserver import (
    Handler,
    TestServer,
    endless,
    gzip_bomb,
    hang_up,
    raw,
    redirect,
    reset_mid_body,
    static,
    status_code,
    trickle,
)
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from payloads import (
    PROBE_MARKER,
    SECRET_MARKER,
    bad_encoding,
    billion_laughs,
    deep_json_feed,
    deep_nesting,
    good_feed,
    huge_feed,
    item_flood,
    json_item_flood,
    listing_of,
    listing_with_local_links,
    quadratic_blowup,
    random_binary,
    relative_links_feed,
    xss_article,
    xss_atom,
    xss_rss,
    xxe_local_file,
    xxe_remote,
)

from digestctl.drafts import Draft, DraftEntry
from digestctl.export import render_draft

TIMEOUT = 3.0  # every source's timeout: the slow ones must be cut by it
WALL_LIMIT = 20.0  # the whole fetch: the longest timeout plus retries, with room for CI
MEMORY_LIMIT_MB = 400
PASSWORD = "hunter2-s3cret"  # in one source's URL; must never be printed


@dataclass(frozen=True)
class Hostile:
    """One source: what it serves and what the run must make of it."""

    name: str
    path: str
    handler: Handler
    # "fail": reported as failed (error_kind among `kinds` when given); "defuse": it may
    # be stored or reported, but harmlessly (the content checks below cover it).
    expect: str = "fail"
    kinds: tuple[str, ...] = ()
    extra: str = ""  # more TOML lines for the source
    url: Callable[[str], str] | None = None  # the URL in sources.toml, from the route's URL


@dataclass(frozen=True)
class Run:
    ws: Path
    secret: Path
    server: TestServer
    sources: tuple[Hostile, ...]
    returncode: int
    stdout: str
    stderr: str
    wall: float
    max_rss_mb: float
    report: dict[str, Any]
    states: dict[str, dict[str, Any]]
    items: list[dict[str, Any]]
    exports: dict[str, str]  # `digestctl export` of a draft holding the hostile items

    def outcome(self, name: str) -> dict[str, Any]:
        return next(o for o in self.report["sources"] if o["name"] == name)


def _with_password(url: str) -> str:
    return url.replace("http://", f"http://editor:{PASSWORD}@", 1)


def _hostile_sources(secret: Path, base: str) -> tuple[Hostile, ...]:
    return (
        Hostile("good", "/good.xml", static(good_feed(5)), expect="ok"),
        Hostile("entity-bomb", "/billion-laughs.xml", static(billion_laughs()), "defuse"),
        Hostile("entity-quadratic", "/quadratic.xml", static(quadratic_blowup()), "defuse"),
        Hostile("xxe-file", "/xxe-file.xml", static(xxe_local_file(secret)), "defuse"),
        Hostile("xxe-http", "/xxe-http.xml", static(xxe_remote(base)), "defuse"),
        Hostile("endless", "/endless.xml", endless(), kinds=("size",)),
        Hostile("endless-chunked", "/endless-chunked.xml", endless(chunked=True), kinds=("size",)),
        Hostile("gzip-bomb", "/gzip-bomb.xml", gzip_bomb(1 << 30), kinds=("size",)),
        Hostile("trickle", "/trickle.xml", trickle(good_feed(1), interval=2.0), kinds=("timeout",)),
        Hostile(
            "stall",
            "/stall.xml",
            static(good_feed(1), delay=60.0),
            kinds=("timeout",),
        ),
        Hostile("redirect-loop", "/loop-a", redirect("/loop-b"), kinds=("redirects",)),
        Hostile("redirect-to-file", "/to-file", redirect(secret.as_uri()), kinds=("redirects",)),
        Hostile("http-404", "/gone-404", status_code(404), kinds=("http",)),
        Hostile("http-410", "/gone-410", status_code(410), kinds=("http",)),
        Hostile("http-429", "/busy-429", status_code(429, retry_after=1), kinds=("http",)),
        Hostile("http-500", "/error-500", status_code(500), kinds=("http",)),
        Hostile("http-503", "/error-503", status_code(503, retry_after=1), kinds=("http",)),
        Hostile("reset", "/reset.xml", reset_mid_body(good_feed(20)), kinds=("connect",)),
        Hostile("hang-up", "/hang-up.xml", hang_up(), kinds=("connect",)),
        Hostile(
            "malformed-http", "/malformed", raw(b"NOT HTTP AT ALL\r\n\r\n<rss/>"), kinds=("other",)
        ),
        Hostile(
            "binary",
            "/binary.xml",
            static(random_binary(), content_type="application/rss+xml"),
            kinds=("parse",),
        ),
        Hostile("empty", "/empty.xml", static(b""), kinds=("parse",)),
        Hostile("bad-encoding", "/bad-encoding.xml", static(bad_encoding()), "defuse"),
        Hostile("xss-rss", "/xss.rss", static(xss_rss()), "defuse"),
        Hostile(
            "xss-atom",
            "/xss.atom",
            static(xss_atom(), content_type="application/atom+xml"),
            "defuse",
        ),
        Hostile(
            "listing-local-links",
            "/listing.html",
            static(listing_with_local_links(secret), content_type="text/html"),
            kinds=("parse",),
            extra='type = "page"',
        ),
        Hostile("deep-xml", "/deep.xml", static(deep_nesting()), "defuse"),
        Hostile(
            "deep-json",
            "/deep.json",
            static(deep_json_feed(), content_type="application/feed+json"),
            "defuse",
        ),
        Hostile("flood", "/flood.xml", static(huge_feed()), "defuse"),
        Hostile(
            "lying-length",
            "/lying-length.xml",
            static(good_feed(1), headers={"Content-Length": str(2**40)}),
            kinds=("size",),
        ),
        Hostile(
            "listing-hostile-articles",
            "/listing-2.html",
            # Article pages that are themselves bombs or injections: the endless and gzip
            # bomb ones fail (a warning), the injected one is stored, defused.
            static(
                listing_of(["/articles/endless", "/articles/bomb", "/articles/injected"]),
                content_type="text/html",
            ),
            "defuse",
            extra='type = "page"',
        ),
        Hostile(
            "credentials-feed",
            "/private-redirect",
            redirect("/private/feed.xml"),
            "defuse",
            url=_with_password,
        ),
        Hostile(
            "credentials",
            "/private.xml",
            status_code(401),
            kinds=("http",),
            url=_with_password,
        ),
    )


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def _write_workspace(ws: Path, sources: tuple[Hostile, ...], urls: dict[str, str]) -> None:
    (ws / "drafts").mkdir(parents=True)
    lines = [
        "[defaults]",
        f"timeout = {TIMEOUT}",
        "",
        "[fetch]",
        # Every source is on one loopback host: give each its own slot, so that each
        # timeout runs from the start rather than after the slow sources ahead of it.
        "per_host = 64",
        "concurrency = 64",
        "",
    ]
    for s in sources:
        lines += ["[[source]]", f"name = {_toml_string(s.name)}"]
        lines += [f"url = {_toml_string(urls[s.name])}"]
        if s.extra:
            lines.append(s.extra)
        lines.append("")
    (ws / "sources.toml").write_text("\n".join(lines), encoding="utf-8")


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DIGESTCTL_WORKSPACE"}
    env.update(NO_COLOR="1", TERM="dumb", PYTHONUNBUFFERED="1", COLUMNS="200")
    return env


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str
    wall: float
    max_rss_mb: float
    killed: str | None  # why the watchdog killed it, if it did


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_measured(
    args: list[str], *, cwd: Path, hard_limit: float = 90.0, rss_limit_mb: float = 1024.0
) -> Completed:
    """Run a command, returning its output, wall time and peak resident memory (its own:
    the high-water mark of its address space, read while it runs). A watchdog kills it past
    `hard_limit` seconds or `rss_limit_mb`, so a regression fails the test, not CI.

    Not wait4's ru_maxrss: Popen starts the child with vfork, and the kernel counts the
    address space the child had before exec — the pytest worker's, hundreds of MB late in
    a run — into the child's maximum."""
    out_path, err_path = cwd / ".stdout", cwd / ".stderr"
    killed: list[str] = []
    peak: list[float] = [0.0]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            args, cwd=cwd, env=cli_env(), stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        finished = threading.Event()

        def watch() -> None:
            while not finished.wait(0.02):
                elapsed, rss = time.monotonic() - started, _rss_mb(proc.pid)
                peak[0] = max(peak[0], _rss_mb(proc.pid, "VmHWM"))
                if elapsed > hard_limit or rss > rss_limit_mb:
                    killed.append(f"after {elapsed:.1f} s at {rss:.0f} MB")
                    os.kill(proc.pid, signal.SIGKILL)
                    return

        watchdog = threading.Thread(target=watch, daemon=True)
        watchdog.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            finished.set()
            watchdog.join()
        wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Completed(
        proc.returncode,
        out_path.read_text(encoding="utf-8"),
        err_path.read_text(encoding="utf-8"),
        wall,
        peak[0] or usage.ru_maxrss / 1024,  # KiB on Linux
        killed[0] if killed else None,
    )


def digestctl(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digestctl", "-w", str(ws), *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    root = tmp_path_factory.mktemp("hostile")
    secret = root / "secret.txt"
    secret.write_text(f"{SECRET_MARKER}\nroot:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    ws = root / "ws"
    with TestServer() as server:
        base = server.url("").rstrip("/")
        sources = _hostile_sources(secret, base)
        urls: dict[str, str] = {}
        for s in sources:
            url = server.route(s.path, s.handler)
            urls[s.name] = s.url(url) if s.url else url
        server.route("/loop-b", redirect("/loop-a"))
        server.route("/private/feed.xml", static(relative_links_feed()))
        server.route("/articles/endless", endless(content_type="text/html"))
        server.route("/articles/bomb", gzip_bomb(content_type="text/html"))
        server.route("/articles/injected", static(xss_article(), content_type="text/html"))
        dtd = static(f'<!ENTITY probe "{PROBE_MARKER}">'.encode(), content_type="text/plain")
        for probe in ("/evil.dtd", "/param.dtd", "/xxe-probe"):
            server.route(probe, dtd)
        _write_workspace(ws, sources, urls)

        done = run_measured(
            [sys.executable, "-m", "digestctl", "-w", str(ws), "fetch", "--json"], cwd=root
        )
        sources_out = digestctl(ws, "sources", "--json")
        items_out = digestctl(ws, "items", "--json")
        assert sources_out.returncode == 0, sources_out.stderr
        assert items_out.returncode == 0, items_out.stderr
        exports = _export_through_the_cli(ws, json.loads(items_out.stdout))
        assert done.killed is None, f"fetch killed {done.killed}"
        assert done.stdout.strip(), f"fetch printed no report; stderr:\n{done.stderr}"
        yield Run(
            ws=ws,
            secret=secret,
            server=server,
            sources=sources,
            returncode=done.returncode,
            stdout=done.stdout,
            stderr=done.stderr,
            wall=done.wall,
            max_rss_mb=done.max_rss_mb,
            report=json.loads(done.stdout),
            states={s["name"]: s for s in json.loads(sources_out.stdout)},
            items=json.loads(items_out.stdout),
            exports=exports,
        )
        # Stop the trickle and stall handlers with the server; none may have crashed.
        assert not server.errors, server.errors


def _export_through_the_cli(ws: Path, items: list[dict[str, Any]]) -> dict[str, str]:
    """Pick every item but the flood's into a draft, then export it as the editor would
    (items without a link cannot be picked; the in-process exports below cover them)."""
    ids = [i["id"] for i in items if i["source"] != "flood" and i["url"]]
    for args in (["draft", "new", "hostile"], ["pick", *ids[:1], "--lead"], ["pick", *ids[1:]]):
        done = digestctl(ws, *args)
        assert done.returncode == 0, (args, done.stderr)
    exports = {}
    for name, args in {
        "html": ["--format", "html"],
        "fragment": ["--fragment"],
        "md": ["--format", "md"],
    }.items():
        done = digestctl(ws, "export", *args)
        assert done.returncode == 0, (args, done.stderr)
        exports[name] = done.stdout
    return exports


BAD = [s.name for s in _hostile_sources(Path("/x"), "http://h") if s.expect == "fail"]
DEFUSED = [s.name for s in _hostile_sources(Path("/x"), "http://h") if s.expect == "defuse"]


# -- the run as a whole -------------------------------------------------------------------


def test_partial_success_exit_code_without_traceback(run: Run) -> None:
    assert run.returncode == 3, run.stderr
    for stream in (run.stdout, run.stderr):
        assert "Traceback" not in stream
        assert "internal error" not in stream  # core's label for a bug in one source


def test_wall_time_is_bounded_by_the_timeouts(run: Run) -> None:
    print(f"hostile fetch: {run.wall:.2f} s wall, {run.max_rss_mb:.0f} MB peak RSS")
    assert run.wall < WALL_LIMIT
    for name in ("trickle", "stall"):
        # Cut by its own timeout (plus start-up of the request), not by the run ending.
        assert run.outcome(name)["elapsed"] < TIMEOUT + 1.5


def test_peak_memory_stays_small(run: Run) -> None:
    assert 0 < run.max_rss_mb < MEMORY_LIMIT_MB


def test_the_good_source_is_fetched_and_saved(run: Run) -> None:
    good = run.outcome("good")
    assert good["outcome"] == "ok"
    assert good["new"] == 5
    assert run.states["good"]["last_error"] is None
    assert run.states["good"]["items"] == 5
    titles = {i["title"] for i in run.items if i["source"] == "good"}
    assert titles == {f"Good story number {n} about the week" for n in range(1, 6)}


@pytest.mark.parametrize("name", BAD)
def test_every_bad_source_is_reported_in_one_line(run: Run, name: str) -> None:
    spec = next(s for s in run.sources if s.name == name)
    outcome = run.outcome(name)
    state = run.states[name]
    assert outcome["outcome"] == "failed"
    error = state["last_error"]
    assert error
    assert "\n" not in error
    assert len(error) < 400, error
    assert outcome["error"] == error
    if spec.kinds:
        assert state["error_kind"] in spec.kinds, error
    lines = [line for line in run.stderr.splitlines() if line.startswith(f"failed: {name}: ")]
    assert len(lines) == 1, run.stderr
    assert state["items"] == 0


def test_a_listing_survives_hostile_article_pages(run: Run) -> None:
    outcome = run.outcome("listing-hostile-articles")
    assert outcome["outcome"] == "ok"
    assert outcome["new"] == 1  # the injected article, defused (checked with the others)
    assert len(outcome["warnings"]) == 1
    assert "2 of 3 article pages failed" in outcome["warnings"][0]
    assert "larger than" in outcome["warnings"][0]


def test_reasons_say_what_happened(run: Run) -> None:
    reasons = {o["name"]: o["error"] for o in run.report["sources"] if o["error"]}
    assert "larger than" in reasons["gzip-bomb"]
    assert "larger than" in reasons["endless"]
    assert "redirect loop" in reasons["redirect-loop"]
    assert "non-HTTP" in reasons["redirect-to-file"]
    assert "404" in reasons["http-404"]
    assert "410" in reasons["http-410"]
    assert "429" in reasons["http-429"]
    assert "503" in reasons["http-503"]


@pytest.mark.parametrize("name", DEFUSED)
def test_defused_sources_are_stored_or_reported_harmlessly(run: Run, name: str) -> None:
    outcome = run.outcome(name)
    assert outcome["outcome"] in ("ok", "failed")
    if outcome["outcome"] == "failed":
        assert outcome["error"]
        assert "\n" not in outcome["error"]
    for item in run.items:
        if item["source"] == name:
            # An entity expanded even once would make these long.
            assert len(item["title"] or "") <= 300
            assert len(item["summary"] or "") <= 600
            assert "lollol" not in json.dumps(item)
            assert "AAAAAAAA" not in json.dumps(item)


# -- what may never leak ------------------------------------------------------------------


def test_no_local_file_content_or_probe_body_in_any_item(run: Run) -> None:
    dumped = json.dumps(run.items)
    assert SECRET_MARKER not in dumped
    assert "root:x:0:0" not in dumped
    assert PROBE_MARKER not in dumped
    for item in run.items:
        assert not (item["url"] or "").lower().startswith("file:")


def test_external_entities_and_dtds_are_never_requested(run: Run) -> None:
    for probe in ("/evil.dtd", "/param.dtd", "/xxe-probe"):
        assert run.server.requests_for(probe) == []


def test_page_sources_never_follow_links_to_the_disk(run: Run) -> None:
    # Only the listing itself was requested; its file: links were never read.
    assert len(run.server.requests_for("/listing.html")) == 1
    assert SECRET_MARKER not in run.stdout + run.stderr


def test_credentials_in_a_source_url_are_never_printed(run: Run) -> None:
    assert PASSWORD not in run.stderr
    assert PASSWORD not in (run.states["credentials"]["last_error"] or "")
    assert PASSWORD not in (run.outcome("credentials")["error"] or "")
    # It was sent, though, as HTTP Basic auth: the source's owner put it there for that.
    sent = run.server.requests_for("/private.xml")[0].header("authorization")
    assert sent is not None
    assert sent.startswith("Basic ")


def test_credentials_never_reach_item_links(run: Run) -> None:
    # The feed's links are relative, so they are resolved against the URL it came from:
    # that URL's user:password@ must not be carried into links we store and publish.
    outcome = run.outcome("credentials-feed")
    assert outcome["outcome"] == "ok", outcome["error"]
    assert outcome["new"] == 2
    links = [i["url"] for i in run.items if i["source"] == "credentials-feed"]
    assert sorted(links) == [run.server.url("/members/story-1"), run.server.url("/private/story-2")]
    assert PASSWORD not in json.dumps(run.items)
    # A redirect within the same origin keeps the login; the feed was fetched with it.
    sent = run.server.requests_for("/private/feed.xml")[0].header("authorization")
    assert sent == run.server.requests_for("/private-redirect")[0].header("authorization")


def test_stored_text_has_no_control_characters(run: Run) -> None:
    for item in run.items:
        for key in ("title", "summary", "author", "site"):
            value = item[key] or ""
            bad = [c for c in value if (ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) < 0xA0]
            assert not bad, f"{item['source']} {key}: {value!r}"
            assert not any(0xD800 <= ord(c) <= 0xDFFF for c in value), value


def test_stored_links_are_web_links(run: Run) -> None:
    for item in run.items:
        url = item["url"]
        assert url is None or url.startswith(("http://", "https://")), (item["source"], url)


# -- exports of those items ---------------------------------------------------------------


def _draft_of(items: list[dict[str, Any]]) -> Draft:
    entries = []
    for n, item in enumerate(items):
        entries.append(
            DraftEntry(
                id=item["id"],
                url=item["url"] or "",
                title=item["title"] or "",
                summary=item["summary"] or "",
                section="Lead story" if n == 0 else "Round-up",
                source=item["source"],
            )
        )
    return Draft(name="hostile", title="Hostile round-up", entries=tuple(entries))


# Elements that run code, load other documents or submit data.
_LIVE_ELEMENTS = {
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "form",
    "input",
    "button",
    "base",
    "svg",
    "math",
    "link",
    "meta",
}
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "background", "poster", "data"}


def assert_inert_html(document: str, *, allow_head: bool = False) -> None:
    """No element that runs code, no event handler, only http(s)/mailto URLs."""
    tree = lxml_html.document_fromstring(document)
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        # The page's own <meta charset>/<meta name=viewport> are fine; http-equiv is not.
        if allow_head and tag == "meta" and "http-equiv" not in el.attrib:
            continue
        assert tag not in _LIVE_ELEMENTS, lxml_html.tostring(el)[:200]
        for attr, value in el.attrib.items():
            name = attr.lower()
            assert not name.startswith("on"), f"<{tag} {attr}={value!r}>"
            if name in _URL_ATTRIBUTES:
                cleaned = "".join(c for c in value if c > " ").lower()
                assert cleaned.startswith(("http://", "https://", "mailto:")), (
                    f"<{tag} {attr}={value!r}>"
                )
            if name == "style":
                assert "url(" not in value.lower()
                assert "expression" not in value.lower()


def test_html_export_has_no_live_markup_or_dangerous_link(run: Run) -> None:
    draft = _draft_of(run.items)
    assert len(draft.entries) >= 5
    for fragment in (False, True):
        page = render_draft(draft, "html", fragment=fragment)
        assert_inert_html(page, allow_head=not fragment)
        assert "<script" not in page.lower()


def test_markdown_export_renders_to_inert_html(run: Run) -> None:
    text = render_draft(_draft_of(run.items), "md")
    # The Markdown goes to pandoc, a newsletter service or GitHub: render it as they do,
    # raw HTML passed through, and check what comes out.
    rendered = MarkdownIt("commonmark", {"html": True}).render(text)
    assert_inert_html(f"<html><body>{rendered}</body></html>")
    # The hostile text is still there, as text.
    assert "alert(" in text


def test_the_export_command_writes_inert_html_and_markdown(run: Run) -> None:
    for title in ("Good story number 1", "Quote breakout", "OG title", "HTML title"):
        assert title in run.exports["html"]  # the hostile items are in the draft
    assert_inert_html(run.exports["html"], allow_head=True)
    assert_inert_html(f"<html><body>{run.exports['fragment']}</body></html>")
    rendered = MarkdownIt("commonmark", {"html": True}).render(run.exports["md"])
    assert_inert_html(f"<html><body>{rendered}</body></html>")


def test_exports_are_inert_even_for_text_that_escaped_cleaning() -> None:
    # Defence in depth: export must not rely on the cleaner having stripped markup.
    entry = DraftEntry(
        id="x1",
        url="javascript:alert(1)",
        title='<script>alert(2)</script>"><img src=x onerror=alert(3)>',
        summary="<iframe src=javascript:alert(4)></iframe> [a](javascript:alert(5))",
        note="[b](javascript:alert(6)) <script>alert(7)</script> ![c](data:image/png,AA)",
        section="Lead story",
    )
    other = replace(entry, id="x2", url=" data:text/html,hi", note="", section="Round-up")
    draft = Draft(name="raw", title="<b onmouseover=alert(8)>Raw</b>", entries=(entry, other))
    assert_inert_html(render_draft(draft, "html"), allow_head=True)
    assert_inert_html(f"<html><body>{render_draft(draft, 'html', fragment=True)}</body></html>")
    rendered = MarkdownIt("commonmark", {"html": True}).render(render_draft(draft, "md"))
    assert_inert_html(f"<html><body>{rendered}</body></html>")


@pytest.mark.parametrize("flood", [item_flood, json_item_flood])
def test_a_flood_of_empty_items_is_cheap(tmp_path: Path, flood: Callable[[], bytes]) -> None:
    with TestServer() as server:
        url = server.route("/flood.xml", static(flood()))
        ws = tmp_path / "ws"
        _write_workspace(ws, (Hostile("flood", "/flood.xml", static(b"")),), {"flood": url})
        done = run_measured(
            [sys.executable, "-m", "digestctl", "-w", str(ws), "fetch", "--json"],
            cwd=tmp_path,
            hard_limit=10.0,
            rss_limit_mb=MEMORY_LIMIT_MB,
        )
    print(f"{flood.__name__}: {done.wall:.2f} s wall, {done.max_rss_mb:.0f} MB peak RSS")
    assert done.killed is None, f"killed {done.killed}"
    assert done.returncode in (0, 1), done.stderr  # stored (a capped number) or refused
    assert done.wall < 8.0
    # Read whole, the JSON flood peaked at 318 MB RSS (3.5 million dicts); capped, 69-111 MB.
    assert done.max_rss_mb < 200


def test_the_checker_catches_live_markup() -> None:
    for bad in (
        "<p><script>x</script></p>",
        '<p onclick="x">a</p>',
        '<a href="javascript:x">a</a>',
        '<a href=" JaVa\tScRiPt:x">a</a>',
        '<img src="data:image/png;base64,AA">',
        '<iframe src="https://ok.example/"></iframe>',
    ):
        with pytest.raises(AssertionError):
            assert_inert_html(f"<html><body>{bad}</body></html>")
