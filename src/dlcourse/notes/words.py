"""Words in prose, counted by Unicode's idea of a word in every script the notes use.

A word is a run of letters, combining marks and digits (plus apostrophes, dots, hyphens and the
joiners ZWNJ/ZWJ inside it). Combining marks matter: a Bengali or Hindi vowel sign (``া``,
``ि``) or an Arabic haraka is part of the word it sits on, not a break — Python's ``re`` ``\\w``
leaves spacing marks out, which counted Bengali 1.6–2× too high; the ``regex`` module's
``\\p{M}`` keeps them. Persian ZWNJ joins the parts of one word.

Scripts written without spaces cannot be split into words by character classes; they are
counted in characters per English word instead, so that a translation's length stays comparable
with the ~300 words asked of the English writers:

* Chinese and Japanese (Han, kana): characters ÷ :data:`CJK_CHARS_PER_WORD` — measured on the
  2020 corpus (zh ~1.65, ja ~2.4 characters per English word).
* Thai, Lao, Khmer, Myanmar: grapheme clusters ÷ :data:`SOUTHEAST_ASIAN_GRAPHEMES_PER_WORD`
  (3.2: ICU's dictionary word breaker gave 2.9–3.6 clusters per Thai word on sample sentences;
  the 2020 corpus has no such translation to measure).
"""

from __future__ import annotations

import re

import regex

#: Characters of CJK text per English word (NOTES-FACTS: zh ~1.65, ja ~2.4).
CJK_CHARS_PER_WORD = {"zh": 1.65, "ja": 2.4}
SOUTHEAST_ASIAN_GRAPHEMES_PER_WORD = 3.2

# Han, kana and CJK punctuation blocks, as counted since the first release of the checker.
CJK = re.compile("[\u2e80-\u2fff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_SOUTHEAST_ASIAN = regex.compile(r"[\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]+")
_GRAPHEME = regex.compile(r"\X")
# Counted, not extracted: from the first letter the greedy run takes the rest (trimming trailing
# punctuation would cost backtracking and never changes the count).
ASCII_WORD = re.compile(r"[A-Za-z0-9][\w'.\-]*", re.ASCII)
_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{M}\p{N}_\u200c\u200d'’.\-]*")


def count_plain_words(text: str) -> int:
    """Words of text without CJK or South-East Asian script (any other script)."""
    if text.isascii():
        return len(ASCII_WORD.findall(text))
    return len(_WORD.findall(text))


def count_words(text: str, language: str | None = None) -> float:
    """Words in prose: space-separated words (marks inside a word never split it); CJK
    characters and South-East Asian grapheme clusters divided by their characters per word."""
    if not text:
        return 0.0
    if text.isascii():
        return float(len(ASCII_WORD.findall(text)))
    words = 0.0
    if CJK.search(text):
        words += len(CJK.findall(text)) / CJK_CHARS_PER_WORD.get(language or "", 1.65)
        text = CJK.sub(" ", text)
    if _SOUTHEAST_ASIAN.search(text):
        clusters = sum(len(_GRAPHEME.findall(run)) for run in _SOUTHEAST_ASIAN.findall(text))
        words += clusters / SOUTHEAST_ASIAN_GRAPHEMES_PER_WORD
        text = _SOUTHEAST_ASIAN.sub(" ", text)
    return words + len(_WORD.findall(text))


def needs_script_ratio(text: str) -> bool:
    """Whether ``text`` holds a script counted by characters per word (its runs cannot be
    joined with others before counting)."""
    return not text.isascii() and bool(CJK.search(text) or _SOUTHEAST_ASIAN.search(text))
