from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import shutil
import string
from pathlib import Path

import pytest

from dlcourse.course import example_course_dir, load_course
from dlcourse.site.app import options_for
from dlcourse.site.builder import build_site
from dlcourse.site.i18n import KNOWN_LANGUAGES, STRINGS, Translator, date_names, fallback_chain
from dlcourse.site.site_tree import SITE_DIR

DATE_NAMES_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_date_names.py"
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


def test_every_translation_fills_the_same_blanks_as_english() -> None:
    fields = string.Formatter()
    for code, table in STRINGS.items():
        for key, text in table.items():
            ours = {name for _, name, _, _ in fields.parse(text) if name}
            english = {name for _, name, _, _ in fields.parse(STRINGS["en"][key]) if name}
            assert ours == english, f"{code}.{key}: {sorted(ours)} ≠ English {sorted(english)}"


def test_dates_are_written_as_cldr_writes_them_in_each_language() -> None:
    monday = dt.datetime(2020, 2, 3, 19, 0)
    assert Translator("en").date(monday) == "Mon, Feb 3, 2020"
    assert Translator("en").date(monday, with_year=False) == "Mon, Feb 3"
    assert Translator("zh").date(monday) == "2020年2月3日周一"
    assert Translator("hu").date(monday) == "2020. febr. 3., H"  # year first, as Hungarian does
    assert Translator("pt-BR").date(dt.date(2020, 12, 27)) == "dom., 27 de dez. de 2020"  # pt's
    assert Translator("xx").date(monday) == "Mon, Feb 3, 2020"  # falls back to English
    # Arabic and Persian read in their own script; Persian and Bengali in their own digits too
    arabic = Translator("ar").date(monday)
    assert arabic == "الاثنين، 3 فبراير 2020" and not re.search("[A-Za-z]", arabic)
    assert Translator("fa").date(monday) == "دوشنبه ۳ فوریه ۲۰۲۰"
    assert Translator("fa").date(dt.date(2020, 3, 9), with_year=False) == "دوشنبه ۹ مارس"
    assert Translator("bn").date(monday) == "সোম, ৩ ফেব, ২০২০"


def _date_names_script():
    spec = importlib.util.spec_from_file_location("make_date_names", DATE_NAMES_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # Babel reads 22 locales: 0.6 s
def test_date_names_are_cldrs_as_babel_has_them() -> None:
    pytest.importorskip("babel")  # the dev extra installs it; the site never imports it
    generated = _date_names_script().render()
    written = (SITE_DIR / "date_names.json").read_text(encoding="utf-8")
    assert generated == written, "date_names.json is stale: run scripts/make_date_names.py"
    assert sorted(json.loads(written)) == sorted(KNOWN_LANGUAGES)


#: The 16 language folders of the 2020 course site (its _config.yml).
LANGUAGES_2020 = [
    "en",
    "zh",
    "ko",
    "es",
    "it",
    "tr",
    "ja",
    "ar",
    "fr",
    "fa",
    "ru",
    "vi",
    "sr",
    "bn",
    "pt",
    "hu",
]


@pytest.mark.parametrize("course_dir", ["example", "init"])
def test_every_language_a_course_declares_has_every_ui_string(
    course_dir: str, tmp_path: Path
) -> None:
    """No fallback to English on the pages of the example course or of a new course."""
    if course_dir == "init":
        from dlcourse.course.scaffold import init_course

        init_course(tmp_path / "new")
        course = load_course(tmp_path / "new")
    else:
        course = load_course(example_course_dir())
    for language in course.notes.languages:
        missing = sorted(set(STRINGS["en"]) - set(STRINGS.get(language.code, {})))
        assert not missing, f"{language.code} lacks {missing}"
        assert date_names(language.code) is date_names(language.code.split("-")[0])


def test_the_2020_languages_say_no_notes_yet_and_write_dates_in_their_own_words() -> None:
    english = date_names("en")
    for code in LANGUAGES_2020:
        assert code in KNOWN_LANGUAGES, code
        assert STRINGS[code]["no_notes"].strip(), code
        assert code == "en" or STRINGS[code]["no_notes"] != STRINGS["en"]["no_notes"], code
        assert code == "en" or date_names(code)["months"] != english["months"], code
        assert len(date_names(code)["weekdays"]) == 7 and len(date_names(code)["months"]) == 12


#: Jinja's own syntax, then tags, then what may stand between them without being a UI string.
_JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
_CODE = re.compile(r"<code>.*?</code>", re.S)  # a command is typed as written, in any language
_TAG = re.compile(r"<[^>]*>")
_ATTRIBUTE_TEXT = re.compile(r'\b(?:aria-label|title|alt|placeholder)="([^"{]*)"')


def test_templates_hold_no_words_of_their_own() -> None:
    # every word a reader sees comes from t(…) (or from the course): a template with English
    # in it shows English on a Chinese course's pages
    for template in sorted((SITE_DIR / "templates").glob("*.html")):
        source = template.read_text(encoding="utf-8")
        assert not [v for v in _ATTRIBUTE_TEXT.findall(source) if v.strip()], template.name
        text = _TAG.sub(" ", _CODE.sub(" ", _JINJA.sub(" ", source)))
        words = re.findall(r"[^\W\d_]{2,}", text)
        assert not words, f"{template.name}: {words}"


def test_a_course_written_in_chinese_gets_its_home_and_schedule_in_chinese(
    tmp_path: Path,
) -> None:
    course_dir = tmp_path / "course"
    shutil.copytree(example_course_dir(), course_dir)
    config = course_dir / "course.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('source_language = "en"', 'source_language = "zh"'), "utf-8")
    course = load_course(course_dir)
    build_site(course, options_for(course, tmp_path / "site", search=False, jobs=1))
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    schedule = (tmp_path / "site" / "schedule" / "index.html").read_text(encoding="utf-8")
    labs = (tmp_path / "site" / "labs" / "index.html").read_text(encoding="utf-8")
    assert "客座讲者" in home and "教师" in home and "助教" in home and "默认" in home
    assert "停课" in schedule and "发布" in schedule and "2020年" in schedule
    assert "运行" in labs
    for english in ("Guest lecturers", "Teaching assistant", "(default)", "Released", "No class",
                    "Times in", " Feb ", "Mon ", "<th>Run</th>"):  # fmt: skip
        assert english not in home + schedule + labs, english
