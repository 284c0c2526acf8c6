"""Word counts in every script the translations use: marks never split a word, scripts without
spaces count characters per word."""

from __future__ import annotations

import pytest

from dlcourse.notes import count_words, parse_note

# (language, text, words a reader counts)
SPACED = [
    ("bn", "আমি বাংলায় গান গাই", 4),  # vowel signs ি া are combining marks inside the words
    ("bn", "গভীর শিক্ষা মস্তিষ্ক থেকে অনুপ্রাণিত", 5),
    ("hi", "मैं हिंदी में लिखता हूँ", 5),  # matras and the candrabindu are marks
    ("hi", "तंत्रिका नेटवर्क की परतें", 4),  # virama joins conjuncts
    ("ko", "딥러닝은 신경망을 사용합니다", 3),  # Korean separates words with spaces
    ("ar", "التعلُّم العميق مستوحى من الدماغ", 5),  # a damma and a shadda inside a word
    ("fa", "می\u200cخواهم یادگیری عمیق را بفهمم", 5),  # ZWNJ joins the parts of a word
    ("en", "Gradient descent, step by step.", 5),
    ("fr", "re\u0301seau de neurones profond", 4),  # é written as e + combining accent
]


@pytest.mark.parametrize(("language", "text", "expected"), SPACED)
def test_spaced_scripts_count_words_not_marks(language: str, text: str, expected: int):
    assert count_words(text, language) == expected


def test_chinese_and_japanese_count_characters_per_english_word():
    assert round(count_words("梯度下降" * 33, "zh")) == 80  # 132 characters / 1.65
    assert round(count_words("勾配降下法" * 48, "ja")) == 100  # 240 characters / 2.4
    # Latin words inside CJK text still count as words
    assert count_words("使用 PyTorch 训练", "zh") == pytest.approx(1 + 4 / 1.65)


def test_thai_counts_grapheme_clusters_per_word():
    # ฉัน|รัก|ภาษา|ไทย|มาก: five words, written without spaces; vowel and tone marks ride on
    # their consonants, so 14 grapheme clusters (of 16 code points) / 3.2 ≈ 4.4 words
    text = "ฉันรักภาษาไทยมาก"
    assert 3.5 <= count_words(text, "th") <= 6
    # a Thai sentence no longer counts as one "word" per space-separated run
    assert count_words(text * 10, "th") > 35


def test_paragraph_words_in_a_bengali_note():
    note = "---\nlang-ref: ch.01-1\n---\n\n## শিরোনাম\n\n" + "আমি বাংলায় গান গাই। " * 75 + "\n"
    doc = parse_note(note)
    assert doc.words == 300
