"""FM: front matter — required keys, lang-ref, authors."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterator

from dlcourse.course.layout import LANGUAGE_FOLDER
from dlcourse.notes.findings import Hit
from dlcourse.notes.rules.base import Param, is_translation, rule

KNOWN_KEYS = (
    "layout",
    "lang-ref",
    "title",
    "lecturer",
    "authors",
    "date",
    "lang",
    "translator",
    "translation-date",
    "permalink",
)


def authors_of(value: str) -> list[str]:
    parts = re.split(r",|;|\band\b|&|、|，|،", value)
    return [part.strip() for part in parts if part.strip()]


@rule(
    "FM001",
    "front-matter-required",
    "error",
    ("front-matter",),
    params={
        "note_keys": Param(
            ["lang-ref", "title", "lecturer", "authors", "date"],
            "keys of a lecture or practicum note",
        ),
        "summary_keys": Param(["lang-ref", "title"], "keys of a week summary NN.md"),
        "translation_keys": Param(["lang", "translator"], "extra keys of a translation"),
    },
)
def front_matter_required(doc, ctx, params) -> Iterator[Hit]:
    """The front matter exists, is valid YAML, and has the keys its kind of page needs.
    The block is read with PyYAML (libyaml when installed: the parser Jekyll uses), so a value
    that YAML rejects, such as an unquoted ': ' in a title, is reported at its line.
    Lecture and practicum notes need lang-ref, title, lecturer, authors and date; week
    summaries lang-ref and title; translations also lang and translator."""
    if doc.kind == "other":
        return
    if doc.front_matter_end == 0:
        head = doc.lines[:12]
        if any(line.startswith("lang-ref:") for line in head):
            yield Hit(1, "front matter has no opening '---'", 1, "start the file with a line '---'")
        else:
            yield Hit(1, "no front matter", 1, "start the file with '---', the keys, and '---'")
        return
    if doc.front_matter_problem:
        yield Hit(
            doc.front_matter_problem_line or 1,
            f"front matter {doc.front_matter_problem}",
            1,
            "Jekyll drops front matter it cannot read; quote a value that holds ': ' or "
            "starts with '@', '`', '%', '*', '&', '!', '|', '>'",
        )
        return
    copied = list(params["summary_keys"] if doc.kind == "summary" else params["note_keys"])
    own = list(params["translation_keys"]) if is_translation(doc, ctx) else []
    keys = copied + own
    # the keys a translation copies from its source (title aside, translated) and its own
    # (lang, translator) are reported apart, so that an empty 'authors' copied from the
    # English note is reported there only (see dlcourse.notes.inherit)
    for group, key in ((copied, "missing:"), (own, "")):
        missing = [name for name in group if not doc.front_matter.get(name)]
        if not missing:
            continue
        empty = [name for name in missing if name in doc.front_matter]
        others = [name for name in doc.front_matter if name not in keys]
        near = {name: difflib.get_close_matches(name, others, 1, 0.7) for name in missing}
        hints = [f"'{found[0]}' → '{name}'" for name, found in near.items() if found]
        what = f"front matter lacks {', '.join(missing)}"
        if empty:
            what += f" ({', '.join(empty)} empty)"
        hint = ("rename " + ", ".join(hints)) if hints else "add the missing keys"
        yield Hit(1, what, 1, hint, key=key + ",".join(missing) if key else "")


@rule(
    "FM002",
    "front-matter-unknown-key",
    "warning",
    ("front-matter",),
    params={
        "known_keys": Param(list(KNOWN_KEYS), "keys a note may use"),
    },
)
def front_matter_unknown_key(doc, ctx, params) -> Iterator[Hit]:
    """Front-matter keys are known ones (catches 'tranlation-date', 'Translator').
    Also checks that 'lang' names the language folder the note is in. Notes only: other pages
    (the home page, the style guide) are the site's, with whatever keys its theme reads."""
    if doc.kind == "other":
        return
    known = params["known_keys"]
    for key, line in doc.front_matter_lines.items():
        if key not in known:
            guess = difflib.get_close_matches(key.lower().replace(" ", "-"), known, 1, 0.7)
            yield Hit(
                line,
                f"unknown front-matter key {key!r}",
                1,
                f"did you mean '{guess[0]}'?" if guess else "remove it or check the spelling",
                key=f"unknown:{key}",
            )
    lang = doc.front_matter.get("lang")
    if lang and doc.language and lang != doc.language:
        yield Hit(
            doc.front_matter_lines["lang"],
            f"lang {lang!r} but the note is in the {doc.language!r} folder",
            1,
            f"set 'lang: {doc.language}'",
        )


@rule("FM003", "lang-ref-path", "error", ("front-matter", "translation"))
def lang_ref_path(doc, ctx, params) -> Iterator[Hit]:
    """lang-ref matches the file's place: 'ch.NN-K' for weekNN/NN-K.md, 'ch.NN' for NN.md.
    The site pairs a page with its translations through lang-ref."""
    if doc.slot is None or doc.front_matter_end == 0:
        return
    expected = f"ch.{doc.slot}"
    value = doc.lang_ref
    line = doc.front_matter_lines.get("lang-ref", 1)
    if value and value != expected:
        yield Hit(
            line,
            f"lang-ref {value!r} does not match the file name (expected {expected!r})",
            1,
            f"set 'lang-ref: {expected}'",
        )


def page_language(doc, ctx) -> str:
    """The language a page belongs to: its language folder (``ar/week01/…``, ``ar/index.md``),
    else its ``lang`` key, else — a page at the top of the docs folder, such as the home page —
    the source language."""
    if doc.language:
        return doc.language
    folder = doc.rel_path.split("/", 1)[0] if doc.rel_path and "/" in doc.rel_path else None
    codes = {language.code for language in ctx.course.notes.languages}
    if folder and (folder in codes or LANGUAGE_FOLDER.match(folder)):
        return folder
    return doc.front_matter.get("lang") or ctx.source_language


@rule("FM004", "lang-ref-unique", "error", ("front-matter", "translation"), scope="course")
def lang_ref_unique(docs, ctx, params) -> Iterator[Hit]:
    """No two pages of one language share a lang-ref.
    A lang-ref pairs a page with its translations, so it is shared across languages by design
    (every language's home page is 'home'); within one language it must be unique."""
    seen: dict[tuple[str, str], list] = defaultdict(list)
    for doc in docs:
        if doc.lang_ref:
            seen[(page_language(doc, ctx), doc.lang_ref)].append(doc)
    for (_, ref), group in seen.items():
        for doc in group[1:]:
            yield Hit(
                doc.front_matter_lines.get("lang-ref", 1),
                f"lang-ref {ref!r} is also used by {group[0].rel_path}",
                1,
                "each page of a language needs its own lang-ref",
                path=doc.rel_path,
            )


@rule(
    "FM005",
    "authors-count",
    "warning",
    ("front-matter", "scribe"),
    params={
        "min_authors": Param(1, "fewest authors of a note"),
        "max_authors": Param(
            None,
            "most authors of a note (default: the scribe group size, "
            "writers_per_group + editors_per_group)",
        ),
        "extra_writers": Param(
            0,
            "extra writers a slot may take beyond the group (what 'dlcourse scribe assign "
            "--max-extra-writers N' placed); added to max_authors",
        ),
    },
)
def authors_count(doc, ctx, params) -> Iterator[Hit]:
    """The number of authors fits the scribe policy (one group: writers and an editor).
    A large class that puts extra writers on a slot ('dlcourse scribe assign
    --max-extra-writers 1') raises the limit in course.toml: [notes.rules.FM005]
    extra_writers = 1 (or sets max_authors outright)."""
    if doc.kind not in ("lecture", "practicum") or not doc.front_matter.get("authors"):
        return  # no authors at all: FM001 reports the missing key
    names = authors_of(doc.front_matter["authors"])
    group = params["max_authors"] or ctx.course.scribe.group_size
    most = group + params["extra_writers"]
    line = doc.front_matter_lines["authors"]
    if len(names) > most:
        extra = f" + {params['extra_writers']} extra writer(s)" if params["extra_writers"] else ""
        yield Hit(
            line,
            f"{len(names)} authors, more than the {group}{extra} of one scribe group",
            1,
            "list only this part's writers and editor; a course with extra writers sets "
            "[notes.rules.FM005] extra_writers",
            key=f"authors:{len(names)}",
        )
    elif len(names) < params["min_authors"]:
        yield Hit(
            line,
            "no authors listed",
            1,
            "list the writers and the editor, comma-separated",
            key="authors:0",
        )
