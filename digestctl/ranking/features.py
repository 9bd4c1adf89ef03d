"""What the ranking model sees of a candidate: word and bigram features of its title and
summary, its source and tags. Pure.

Words are split the Unicode way (`\\w+`), case-folded, so titles in any language that
separates words with spaces or punctuation work; nothing English-only but a short list of
function words that carry no topic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"\w+", re.UNICODE)
_LONGER_WORD = re.compile(r"\w\w+", re.UNICODE)  # two characters or more

# Function words of a few languages our users read: they carry no topic, and leaving them
# out keeps bigrams like "of the" from counting. A word missing here costs little (the model
# learns it has no weight); one wrongly listed would be invisible, so the list is short.
_FUNCTION_WORDS = """
a an and are as at be been but by for from had has have he her his i in is it its of on or
our she that the their them they this to was we were what when which who will with you your
not no after over into about more than new says said up out
de la le les des du et en un une est pour que qui dans sur au aux par
der die das und den dem ein eine ist mit von zu im für auf
el los las y del por con para una al
"""
STOPWORDS = frozenset(_FUNCTION_WORDS.split())

TEXT = "w:"  # a word of the title or the summary (title words weighing more was tried:
# bench/rank.py measured no difference, and it cost a third of the scoring time)
STEM = "p:"  # the first STEM_LENGTH letters of a longer word: "traffickers" ~ "trafficking"
SOURCE = "s:"
TAG = "g:"

# A crude stemmer that knows no language: words longer than this share a feature with the
# other words that start the same way. It lifted average precision by 0.015 on bench/rank.py's
# data (bigrams, tried too, changed nothing and were dropped).
STEM_LENGTH = 5


def words(text: str | None) -> list[str]:
    """Case-folded words of `text`, function words and one-character tokens left out."""
    if not text:
        return []
    return [w for w in _LONGER_WORD.findall(text.casefold()) if w not in STOPWORDS]


def word_set(folded: str) -> set[str]:
    """set(words(folded)) for case-folded text, faster: the split and the filter run in C."""
    found = set(_LONGER_WORD.findall(folded))
    found -= STOPWORDS
    return found


# The stem of every word longer than STEM_LENGTH, found by the regex engine (no function
# word is that long, so none needs leaving out).
_STEM = re.compile(rf"(?<!\w)(\w{{{STEM_LENGTH}}})\w", re.UNICODE)


def stem_set(folded: str) -> set[str]:
    """The stems of the words of `folded` (case-folded text): {w[:STEM_LENGTH] for w in
    words(folded) if len(w) > STEM_LENGTH}, faster."""
    return set(_STEM.findall(folded))


def stems(found: Iterable[str]) -> dict[str, str]:
    """Stem -> the first of `found` that has it (the word a reason names)."""
    out: dict[str, str] = {}
    for w in found:
        if len(w) > STEM_LENGTH:
            out.setdefault(w[:STEM_LENGTH], w)
    return out


def extract_features(
    title: str | None, summary: str | None, source: str, tags: Iterable[str] = ()
) -> list[str]:
    """The feature names of one candidate (a set, as a list: each counts once)."""
    all_words = words(title) + words(summary)
    feats = {TEXT + w for w in all_words}
    feats.update(STEM + s for s in stems(all_words))
    feats.add(SOURCE + source)
    feats.update(TAG + t.casefold() for t in tags)
    return list(feats)


def phrase_text(*texts: str | None) -> str:
    """The words of `texts`, function words kept, space-joined and padded, for matching
    the phrases of `[rank]` boost and bury (see `mentions`)."""
    found = [w for t in texts if t for w in _WORD.findall(t.casefold())]
    return " " + " ".join(found) + " "


def mentions(text: str, phrase: str) -> bool:
    """Whether `text` (from phrase_text) has the words of `phrase` in a row."""
    key = phrase_text(phrase)
    return key.strip() != "" and key in text
