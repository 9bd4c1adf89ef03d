"""sources.toml validation: every problem at once, each with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from digestctl.config import SOURCE_KEYS, load_config, parse_config
from digestctl.errors import ConfigError
from digestctl.models import SourceType
from digestctl.workspace import SOURCES_TEMPLATE


def problems(text: str, tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, tmp_path / "sources.toml")
    return info.value.problems


def test_template_is_valid_and_empty(tmp_path: Path) -> None:
    config = parse_config(SOURCES_TEMPLATE, tmp_path / "sources.toml")
    assert config.sources == ()


def test_defaults_apply_and_sources_override(tmp_path: Path) -> None:
    text = """
[defaults]
timeout = 5
max_items = 10
headers = { "Accept-Language" = "en" }
exclude = ["vacancy"]

[[source]]
name = "gi-toc"
url = "https://globalinitiative.net/feed/"
tags = ["crime"]

[[source]]
url = "https://www.kalayaan.org.uk/news/"
type = "page"
links = "article h2 a"
timeout = 30
headers = { "X-Test" = "1" }
"""
    a, b = parse_config(text, tmp_path / "sources.toml").sources
    assert (a.name, a.timeout, a.max_items, a.tags, a.exclude) == (
        "gi-toc",
        5.0,
        10,
        ("crime",),
        ("vacancy",),
    )
    assert a.line == 8
    assert b.name == "kalayaan-org"
    assert (b.type, b.links, b.timeout) == (SourceType.PAGE, "article h2 a", 30.0)
    assert b.headers == {"Accept-Language": "en", "X-Test": "1"}


def test_every_problem_reported_with_its_line(tmp_path: Path) -> None:
    text = """[[source]]
name = "a"
url = "example.com/feed"
tittle = "x"

[[source]]
name = "b"
url = "https://x.org/feed"
timeout = "soon"
tags = "foo"
max_itmes = 3

[[source]]
name = "b"
url = "gopher://x.org/"

[[source]]
name = "c"
"""
    found = problems(text, tmp_path)
    assert found == [
        "sources.toml:4: source 'a': unknown key 'tittle'",
        "sources.toml:3: source 'a': url 'example.com/feed': has no scheme"
        " (did you mean 'https://example.com/feed'?)",
        "sources.toml:9: source 'b': timeout must be a number of seconds, not a string",
        "sources.toml:10: source 'b': tags must be a list of strings, e.g. [\"foo\"]",
        "sources.toml:11: source 'b': unknown key 'max_itmes' (did you mean 'max_items'?)",
        "sources.toml:15: source 'b': url 'gopher://x.org/': unsupported scheme 'gopher'"
        " (use http, https, file: or a path)",
        "sources.toml:17: source 'c': no url (add url = \"https://…\")",
    ]


def test_duplicate_names(tmp_path: Path) -> None:
    text = '[[source]]\nname = "a"\nurl = "https://a.org/"\n\n[[source]]\nname = "a"\nurl = "https://b.org/"\n'
    assert problems(text, tmp_path) == [
        "sources.toml:6: duplicate source name 'a' (first at line 1)"
    ]


def test_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    (found,) = problems('[[source]]\nurl = "https://a.org/\n', tmp_path)
    assert found.startswith("sources.toml:2:")
    assert "TOML syntax error" in found


def test_unknown_top_level_table(tmp_path: Path) -> None:
    (found,) = problems("[sources]\nx = 1\n", tmp_path)
    assert found == (
        "sources.toml:1: unknown table or key 'sources' (did you mean 'source'?)"
        " (sources go in [[source]] tables)"
    )


def test_relative_path_becomes_file_url(tmp_path: Path) -> None:
    (tmp_path / "saved.xml").write_text("<rss/>")
    (source,) = parse_config('[[source]]\nurl = "saved.xml"\n', tmp_path / "sources.toml").sources
    assert source.url == (tmp_path / "saved.xml").as_uri()
    assert source.name == "saved"
    assert problems('[[source]]\nurl = "missing.xml"\n', tmp_path)[0].startswith(
        "sources.toml:2: source #1: url 'missing.xml': no such file"
    )


def test_names_derived_from_hosts_are_unique(tmp_path: Path) -> None:
    text = '[[source]]\nurl = "https://www.a.org/1"\n[[source]]\nurl = "https://a.org/2"\n'
    names = [s.name for s in parse_config(text, tmp_path / "sources.toml").sources]
    assert names == ["a", "a-2"]


def test_fetch_settings(tmp_path: Path) -> None:
    config = parse_config(
        "[fetch]\nconcurrency = 4\nper_host = 1\nmax_size_mb = 1\n", tmp_path / "s.toml"
    )
    assert (config.fetch.concurrency, config.fetch.per_host, config.fetch.max_bytes) == (
        4,
        1,
        1024 * 1024,
    )


def test_select_unknown_name(tmp_path: Path) -> None:
    config = parse_config(
        '[[source]]\nname = "alpha"\nurl = "https://a.org/"\n', tmp_path / "s.toml"
    )
    with pytest.raises(ConfigError, match="no source named 'alpah' \\(did you mean 'alpha'\\?\\)"):
        config.select(["alpah"])
    assert [s.name for s in config.select(["alpha"])] == ["alpha"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "sources.toml")


def test_every_key_is_documented_in_the_template() -> None:
    for key in SOURCE_KEYS:
        assert f"# {key} = " in SOURCES_TEMPLATE or f"{key} =" in SOURCES_TEMPLATE, key


def test_a_name_derived_from_an_ip_address_keeps_all_of_it(tmp_path: Path) -> None:
    (source,) = parse_config(
        '[[source]]\nurl = "http://127.0.0.5:8000/feed"\n', tmp_path / "s"
    ).sources
    assert source.name == "127-0-0-5"


def test_rank_preferences(tmp_path: Path) -> None:
    text = """
[rank]
boost = ["forced labour", " debt bondage "]
bury = ["vacancy"]

[[source]]
name = "a"
url = "https://a.example.org/feed"
weight = 2

[[source]]
name = "b"
url = "https://b.example.org/feed"
"""
    config = parse_config(text, tmp_path / "sources.toml")
    assert config.rank.boost == ("forced labour", "debt bondage")
    assert config.rank.bury == ("vacancy",)
    assert [s.weight for s in config.sources] == [2.0, 1.0]


def test_rank_problems_have_lines_and_suggestions(tmp_path: Path) -> None:
    text = """[rank]
boots = ["x"]
bury = "vacancy"

[[source]]
name = "a"
url = "https://a.example.org/feed"
weight = "high"

[[source]]
name = "b"
url = "https://b.example.org/feed"
weight = -1
wieght = 2
"""
    assert problems(text, tmp_path) == [
        "sources.toml:2: [rank]: unknown key 'boots' (did you mean 'boost'?)",
        'sources.toml:3: [rank]: bury must be a list of strings, e.g. ["vacancy"]',
        "sources.toml:8: source 'a': weight must be a number (1 = as learned, 2 = twice as"
        " likely, 0 = last), not a string",
        "sources.toml:13: source 'b': weight must be between 0 and 100",
        "sources.toml:14: source 'b': unknown key 'wieght' (did you mean 'weight'?)",
    ]
    assert problems('[rank]\nboost = ["ok", " "]\n', tmp_path) == [
        "sources.toml:2: [rank]: boost must not hold an empty term"
    ]
    assert problems("rank = 3\n", tmp_path) == ["sources.toml:1: [rank] must be a table"]
