"""Title and lead text → terms for same-story matching. Pure.

Unicode word splitting (`\\w+` after NFKC), accents folded, case folded. Scripts written
without spaces (Chinese, Japanese, Thai, …) become overlapping character pairs, so a
Chinese headline still has terms to share. A light stop-word list for a few European
languages, a plural `s` dropped and words cut at 7 characters: cheap, and wrong in no
language in a way that joins different news.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")
# Scripts without spaces between words: Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar.
_NO_SPACES = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
_RUNS = re.compile(_NO_SPACES.pattern + "+|(?:(?!" + _NO_SPACES.pattern + r")\w)+")
STEM_LENGTH = 7

# Function words of English, German, French, Spanish, Italian, Portuguese and Dutch, plus
# headline filler ("says", "live", "update"). Short on purpose: IDF does the rest.
_STOP_WORDS_TEXT = """
    a an and are as at be been but by can could did do does for from had has have he her his
    how i if in into is it its just may more most my new no not now of off on or our out over
    says said say she so than that the their them then there these they this those to too up
    us was we were what when where which while who whom why will with would you your after
    before about against amid via vs also all any both each few other some such only own same
    very s t live update updates video watch breaking report reports latest here
    der die das den dem des ein eine einer eines einem einen und oder aber im in ist sind war
    wird werden mit von zu zum zur auf für bei nach aus um an am als auch nicht sich es er sie
    wie noch nur so über vor gegen durch
    le la les un une des du de et ou en au aux dans sur pour par avec sans est sont a ont été
    ce cette ces qui que quoi il elle ils elles se ne pas plus son sa ses leur leurs l d qu
    el los las lo uno una unos unas y o en del al con por para sin es son fue ha han que se su
    sus como más pero
    il lo gli i gli una di da nel nella per con su tra fra che e è sono non più
    o os as um uma dos das no na nos nas em por para com sem é são foi que se mais
    het een en van op te voor met niet zijn is bij aan om als
    """


_COMBINING = re.compile("[\u0300-\u036f]")


def fold(text: str) -> str:
    """NFKC, accents dropped, case folded: "Élysée" and "elysee" are one word."""
    if text.isascii():
        return text.lower()
    stripped = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return unicodedata.normalize("NFKC", stripped).casefold()


STOP_WORDS = frozenset(fold(w) for w in _STOP_WORDS_TEXT.split())


def _pairs(word: str) -> list[str]:
    """A word holding spaceless-script characters: those runs as overlapping pairs, the
    rest as words."""
    out: list[str] = []
    for run in _RUNS.findall(word):
        if _NO_SPACES.match(run):
            out.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            out.extend(_plain([run]))
    return out


_CACHE: dict[str, str] = {}  # word -> term ("" for none); words repeat, news is Zipfian


def _term(w: str) -> str:
    if w in STOP_WORDS or (len(w) < 2 and not w.isdigit()):
        return ""
    if len(w) > 3 and w[-1] == "s" and w[-2] != "s" and w.isalpha():
        w = w[:-1]
    return w[:STEM_LENGTH]


def _plain(words: list[str]) -> list[str]:
    cache = _CACHE
    if len(cache) > 500_000:
        cache.clear()
    out: list[str] = []
    for w in words:
        t = cache.get(w)
        if t is None:
            t = cache[w] = _term(w)
        if t:
            out.append(t)
    return out


def terms(text: str | None, limit: int | None = None) -> list[str]:
    """The terms of a text, in order, repeats kept (at most about `limit` of them)."""
    if not text:
        return []
    if limit is not None:
        text = text[: limit * 12]  # words are short: this keeps well over `limit` terms
    folded = fold(text)
    words = _WORD.findall(folded)
    if not _NO_SPACES.search(folded):
        found = _plain(words)
    else:
        found = []
        for w in words:
            found.extend(_pairs(w) if _NO_SPACES.search(w) else _plain([w]))
    return found if limit is None else found[:limit]
