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
from collections.abc import Iterable

_WORD = re.compile(r"\w+")
# Scripts without spaces between words: Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar.
_NO_SPACES = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
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


def fold(text: str) -> str:
    """NFKC, accents dropped, case folded: "Élysée" and "elysee" are one word."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", stripped).casefold()


STOP_WORDS = frozenset(fold(w) for w in _STOP_WORDS_TEXT.split())


def _terms_of_word(word: str) -> Iterable[str]:
    if _NO_SPACES.search(word):
        # Split a run into its spaceless-script stretches (pairs) and the rest (words).
        chars = list(word)
        run: list[str] = []
        other: list[str] = []
        for c in [*chars, " "]:
            if c != " " and _NO_SPACES.match(c):
                if other:
                    yield from _terms_of_word("".join(other))
                    other = []
                run.append(c)
            else:
                if run:
                    if len(run) == 1:
                        yield run[0]
                    else:
                        yield from (run[i] + run[i + 1] for i in range(len(run) - 1))
                    run = []
                if c != " ":
                    other.append(c)
        if other:
            yield from _terms_of_word("".join(other))
        return
    if word in STOP_WORDS or (len(word) < 2 and not word.isdigit()):
        return
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss") and word.isalpha():
        word = word[:-1]
    yield word[:STEM_LENGTH]


def terms(text: str | None) -> list[str]:
    """The terms of a text, in order, repeats kept."""
    if not text:
        return []
    out: list[str] = []
    for word in _WORD.findall(fold(text)):
        out.extend(_terms_of_word(word))
    return out
