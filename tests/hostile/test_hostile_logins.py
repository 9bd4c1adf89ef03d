"""A login configured for a source goes to that source's origin only, never to the other
sites its pages link to (page sources follow links wherever a CSS selector finds them)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from httpserver import TestServer, static

ARTICLE = b"""<!doctype html><html><head><title>An article | Site</title>
<meta name="description" content="A summary of the article. Two sentences."></head>
<body><article><h1>An article</h1><p>Body text.</p></article></body></html>"""


def test_logins_never_follow_links_to_other_origins(tmp_path: Path, hosts: TestServer) -> None:
    home, other = hosts.hosts[0], hosts.hosts[1]
    for path in ("/same-1", "/same-2"):
        hosts.route(path, static(ARTICLE, content_type="text/html"))
    hosts.route("/elsewhere", static(ARTICLE, content_type="text/html"))
    listing = (
        f'<html><body><a href="/same-1">One</a><a href="{hosts.url("/elsewhere", other)}">'
        'Elsewhere</a><a href="/same-2">Two</a></body></html>'
    ).encode()
    hosts.route("/listing-token", static(listing, content_type="text/html"))
    hosts.route("/listing-userinfo", static(listing, content_type="text/html"))
    token_url = hosts.url("/listing-token", home)
    userinfo_url = hosts.url("/listing-userinfo", home).replace("http://", "http://ed:pw@")
    ws = tmp_path / "ws"
    (ws / "drafts").mkdir(parents=True)
    # allow_private: the other origin is on loopback too, which a listing's link to another
    # origin may not otherwise reach (tests/test_fetch_ssrf.py); here it stands for the web.
    (ws / "sources.toml").write_text(
        f"""
[defaults]
allow_private = true

[[source]]
name = "token"
url = "{token_url}"
type = "page"
links = "a"
headers = {{ Authorization = "Bearer T0KEN", Cookie = "session=abc" }}

[[source]]
name = "userinfo"
url = "{userinfo_url}"
type = "page"
links = "a"
""",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "digestctl", "-w", str(ws), "fetch", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["new_items"] == 3  # the two sources share the articles
    items = subprocess.run(
        [sys.executable, "-m", "digestctl", "-w", str(ws), "items", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "ed:pw" not in items
    assert "T0KEN" not in done.stderr + items

    for r in hosts.requests:
        if r.host == other:
            assert r.header("authorization") is None, r
            assert r.header("cookie") is None, r
    same = [r for r in hosts.requests if r.host == home and r.path.startswith("/same-")]
    assert same
    for r in same:
        # Each article is fetched once, by whichever source saw it first, with its login.
        assert r.header("authorization") in ("Bearer T0KEN", "Basic ZWQ6cHc="), r
