"""digestctl.pages.authors: who wrote an article, from each kind of evidence, in several
languages, and what is not an author (sites, publishers, wires, desks, job titles)."""

from __future__ import annotations

import json

import pytest

from digestctl.pages import extract_metadata

URL = "https://news.example.org/2024/06/story"


def author_of(head: str = "", body: str = "", url: str = URL) -> str | None:
    html = f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"
    return extract_metadata(html, url).author


def ld(obj: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def article(*blocks: str) -> str:
    return "<article><h1>A headline of some length</h1>" + "".join(blocks) + "</article>"


# --- structured evidence ----------------------------------------------------------------


def test_json_ld_graph_with_nested_people_and_an_organisation_as_author() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "NewsMediaOrganization", "@id": "#org", "name": "Example News"},
            {"@type": "Person", "@id": "#p1", "name": "Ana Souza"},
            {
                "@type": "NewsArticle",
                "headline": "A headline of some length",
                "author": [{"@id": "#org"}, {"@id": "#p1"}, {"@type": "Person", "name": "Bo Li"}],
            },
        ],
    }
    assert author_of(ld(graph)) == "Ana Souza, Bo Li"


def test_json_ld_organisation_as_only_author_is_no_author() -> None:
    obj = {"@type": "NewsArticle", "author": {"@type": "Organization", "name": "BBC News"}}
    assert author_of(ld(obj), article("<p>Text.</p>")) is None


@pytest.mark.parametrize(
    "tag",
    [
        '<meta property="og:author" content="Shahien Nasiripour">',
        '<meta name="article_author" content="Shahien Nasiripour">',
        '<meta name="Search.Byline" content="Shahien Nasiripour">',
        '<meta name="sailthru.author" content="Shahien Nasiripour">',
    ],
)
def test_author_meta_names_of_news_cms(tag: str) -> None:
    assert author_of(tag) == "Shahien Nasiripour"


def test_microdata_authors_in_one_byline_are_joined() -> None:
    body = article(
        '<div class="signature"><span itemprop="author">Bertille Bayart</span> et '
        '<span itemprop="author">Marie Visot</span></div><p>Texte.</p>'
    )
    assert author_of("", body) == "Bertille Bayart, Marie Visot"


def test_two_rel_author_links_in_one_byline() -> None:
    body = article(
        '<span class="autor"><a rel="author" href="/a/1">María R. Sahuquillo</a> / '
        '<a rel="author" href="/a/2">Emilio de Benito</a></span><p>Texto.</p>'
    )
    assert author_of("", body) == "María R. Sahuquillo, Emilio de Benito"


# --- what is not an author --------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "url"),
    [
        ('<meta name="author" content="lefigaro.fr">', "http://www.lefigaro.fr/a/b.php"),
        ('<meta name="author" content="elmundo.es">', "http://www.elmundo.es/x.html"),
        (
            '<meta name="author" content="Ediciones El País">'
            '<meta name="DC.publisher" content="Ediciones El País">',
            "http://elpais.com/x.html",
        ),
        (
            '<meta property="og:site_name" content="LinkNaija">'
            '<meta name="author" content="LinkNaija">',
            "https://www.linknaija.com/2018/10/x.html",
        ),
        ('<meta name="author" content="AP">', URL),
        ('<meta name="author" content="Reuters">', URL),
        ('<meta name="author" content="National Desk">', URL),
        ('<meta name="author" content="Verge Staff">', URL),
        ('<meta name="author" content="By World\'s Editorial Writers">', URL),
        ('<meta name="author" content="admin">', URL),
        ('<meta name="author" content="Super User">', URL),
        ('<meta name="author" content="Eat What Tonight">', "https://eatwhattonight.com/x/"),
        ('<meta name="author" content="Betty Crocker Kitchens">', "https://bettycrocker.com/r/"),
        ('<meta name="author" content="@someone">', URL),
        ('<meta name="author" content="www.facebook.com">', URL),
    ],
)
def test_boilerplate_authors_are_rejected(head: str, url: str) -> None:
    assert author_of(head, article("<p>Text.</p>"), url) is None


def test_a_rejected_meta_author_gives_way_to_the_byline() -> None:
    head = '<meta name="author" content="AP">'
    body = article('<div class="dateline">By PHILLIP RAWLS 10/ 5/11 09:19 PM ET</div><p>Text.</p>')
    assert author_of(head, body) == "Phillip Rawls"


def test_a_personal_site_named_after_its_author_keeps_the_author() -> None:
    head = (
        '<meta property="og:site_name" content="Haki Benita">'
        '<meta name="author" content="Haki Benita">'
    )
    assert author_of(head, url="https://hakibenita.com/sql-anomaly-detection") == "Haki Benita"


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Andrea Stone Senior Washington Correspondent", "Andrea Stone"),
        ("By DAVID LIEBERMAN, Executive Editor", "David Lieberman"),
        ("Doug Stanglin, USA TODAY", "Doug Stanglin"),
        (
            "Par LILIAN ALEMAGNA, LAURE BRETTON Envoyés spéciaux à Toulouse",
            "Lilian Alemagna, Laure Bretton",
        ),
        ("By Griffin McElroy @griffinmcelroy on June 26, 2014 at 9:00a", "Griffin McElroy"),
        ("By Richard Lawler posted Aug 18th 2010 7:30PM", "Richard Lawler"),
        ("Ángeles Escrivá | Madrid", "Ángeles Escrivá"),
        (
            "By JORDAN ROBERTSON and RACHEL METZ - AP Technology Writers | AP – 1 hr ago",
            "Jordan Robertson, Rachel Metz",
        ),
    ],
)
def test_bylines_are_cleaned_of_titles_places_handles_and_dates(byline: str, expected: str) -> None:
    body = article(f'<p class="byline">{byline}</p><p>Text.</p>')
    assert author_of("", body, "https://www.usatoday.com/story/x/") == expected


# --- bylines written in the text --------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("By Jemele Hill", "Jemele Hill"),
        ("Von Anna Müller", "Anna Müller"),
        ("Par Jean-Marc Dupont", "Jean-Marc Dupont"),
        ("Por María López", "María López"),
        ("Di Marco Rossi", "Marco Rossi"),
        ("Autor: Jan Novák", "Jan Novák"),
        ("Napsala Petra Dvořáková", "Petra Dvořáková"),
        ("بقلم محمد علي", "محمد علي"),
        ("作者：王小明", "王小明"),
    ],
)
def test_byline_lines_below_the_headline_in_several_languages(line: str, expected: str) -> None:
    body = (
        "<div class='story'><h1>A headline of some length</h1>"
        f"<div class='meta'><span>{line}</span></div>"
        "<p>The first paragraph of the article, long enough to read as prose.</p></div>"
    )
    assert author_of("", body) == expected


def test_a_by_word_and_a_linked_name_are_one_line() -> None:
    body = article('<cite>By <a href="/hill/">Jemele Hill</a><br>ESPN.com</cite><p>Text.</p>')
    assert author_of("", body) == "Jemele Hill"


def test_prose_starting_with_by_is_not_a_byline() -> None:
    body = article("<p>by the end of the week the river had risen again.</p>")
    assert author_of("", body) is None


def test_korean_signature_at_the_end_of_the_article() -> None:
    body = (
        "<h1>창의적 열정과 소통</h1>"
        "<p>시험인증 분야에서 100년 기업을 일구겠다는 그는 확신에 차 있다.</p>"
        "<p>최윤호 기자 uknow@donga.com</p>"
    )
    assert author_of("<title>창의적 열정과 소통 : 뉴스</title>", body) == "최윤호"


def test_byline_under_a_headline_set_as_h2_below_a_logo_h1() -> None:
    head = '<meta property="og:title" content="Verizon boxes get a new HD guide">'
    body = (
        "<h1>Engadget</h1><div><h4>Verizon boxes get a new HD guide</h4>"
        '<div class="post_byline">By <a href="/editor/rl">Richard Lawler</a> posted '
        "Aug 18th 2010</div><p>Text.</p></div>"
    )
    assert author_of(head, body, "https://www.engadget.com/2010/08/18/x/") == "Richard Lawler"


def test_twitter_creator_counts_only_as_a_name() -> None:
    assert author_of('<meta name="twitter:creator" content="Andrew Tarantola">') == (
        "Andrew Tarantola"
    )
    assert author_of('<meta name="twitter:creator" content="@gizmodo">') is None


def test_a_publisher_meta_naming_the_author_is_neither_site_nor_rejection() -> None:
    # jungle.world's CMS fills dcterms.publisher with the article's author.
    head = (
        '<meta name="author" content="Ernst Lohoff">'
        '<meta name="dcterms.publisher" content="Ernst Lohoff">'
    )
    html = f"<!DOCTYPE html><html><head>{head}</head><body></body></html>"
    got = extract_metadata(html, "https://jungle.world/artikel/2023/43/x")
    assert got.author == "Ernst Lohoff"
    assert got.site is None
