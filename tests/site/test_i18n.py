from __future__ import annotations

import pytest

from dlcourse.site.i18n import STRINGS, Translator, fallback_chain

COURSE_LANGUAGES = [
    "en",
    "zh",
    "ar",
    "fa",
    "es",
    "fr",
    "it",
    "ja",
    "ko",
    "ru",
    "tr",
    "pt",
    "vi",
    "bn",
]
CORE = [
    "home",
    "schedule",
    "notes",
    "search",
    "contents",
    "on_this_page",
    "week",
    "previous",
    "next",
    "authors",
    "translators",
    "languages",
    "translation_missing",
    "translation_stale",
    "not_found",
    "search_placeholder",
    "lecture",
    "lab",
    "part",
]


@pytest.mark.parametrize("code", COURSE_LANGUAGES)
def test_core_strings_are_translated(code: str) -> None:
    table = STRINGS[code]
    missing = [key for key in CORE if key not in table]
    assert not missing, f"{code} lacks {missing}"
    if code != "en":
        assert table["search"] != STRINGS["en"]["search"] or code in {"it"}


def test_unknown_keys_of_other_languages_exist_in_english() -> None:
    for code, table in STRINGS.items():
        assert set(table) <= set(STRINGS["en"]), code


def test_fallbacks() -> None:
    assert fallback_chain("pt-BR") == ["pt-BR", "pt", "en"]
    assert Translator("pt-BR")("next") == "Próximo"
    assert Translator("xx")("next") == "Next"
    assert Translator("ar")("week", n=3) == "الأسبوع 3"
