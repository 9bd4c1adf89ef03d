"""`--search` queries: parsing the editor's words, and FTS5 expressions that never break."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digestctl.errors import UsageError
from digestctl.search import Search, Term, parse_search


def test_words_phrases_prefixes_or_and_exclusions() -> None:
    assert parse_search("forced labour") == Search(((Term("forced"),), (Term("labour"),)))
    assert parse_search('"forced  labour" traffick*') == Search(
        ((Term("forced  labour"),), (Term("traffick", prefix=True),))
    )
    assert parse_search('qatar OR gulf -vacancy -"job ad" -intern*') == Search(
        ((Term("qatar"), Term("gulf")),),
        (Term("vacancy"), Term("job ad"), Term("intern", prefix=True)),
    )
    # Lower-case "or" is a word; a star inside a word is part of it.
    assert parse_search("or a*b").all_of == ((Term("or"),), (Term("a*b"),))


def test_fts5_expression_quotes_every_term() -> None:
    search = parse_search('qatar OR "gulf states"* NEAR(x) title:y -"a b" -c')
    assert search.fts5_all() == '("qatar" OR "gulf states"*) AND "NEAR(x)" AND "title:y"'
    assert search.fts5_none() == '"a b" OR "c"'
    assert Term('say "hi"').fts5() == '"say ""hi"""'
    assert parse_search("-only").fts5_all() is None
    assert Term("forced \n labour, covid-19").words() == ["forced", "labour", "covid", "19"]


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ('"forced labour', "a quote is not closed"),
        ("OR gulf", "OR needs a word on each side"),
        ("qatar OR", "OR needs a word on each side"),
        ("qatar OR OR gulf", "OR needs a word on each side"),
        ("qatar OR -gulf", "OR cannot join an excluded word"),
        ("% & -", "no words to look for"),
        ("", "no words to look for"),
    ],
)
def test_queries_that_cannot_mean_anything_are_one_line_errors(query: str, problem: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_search(query)
    message = str(err.value)
    assert message.splitlines()[0] == f"--search {query!r}: {problem}"
    assert "hint: for example:" in message


@given(st.text(max_size=40))
def test_any_input_parses_or_is_a_usage_error(text: str) -> None:
    try:
        search = parse_search(text)
    except UsageError:
        return
    assert search.all_of or search.none_of
    for group in search.all_of:
        assert all(t.text and any(c.isalnum() for c in t.text) for t in group)
