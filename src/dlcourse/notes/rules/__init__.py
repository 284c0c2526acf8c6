"""The rule catalogue: every rule, listed here in the order ``dlcourse notes rules``, the SARIF
catalogue and the docs show them. A rule is a function decorated with ``@rule`` in one of the
modules below; ``tests/notes/test_notes_rules.py`` fails when one is defined but not listed."""

from dlcourse.notes.rules import (
    editor,
    encoding,
    figures,
    frontmatter,
    html,
    length,
    maths,
    timestamps,
    toc,
    translations,
)
from dlcourse.notes.rules.base import Param, Rule, catalogue, rule

RULES: dict[str, Rule] = catalogue(
    [
        editor.heading_title,  # ED001
        editor.heading_duplicate,  # ED002
        editor.figure_duplicate,  # ED003
        editor.cross_reference,  # ED004
        editor.placeholder_text,  # ED005
        editor.heading_syntax,  # ED006
        encoding.encoding_utf8,  # ENC001
        encoding.byte_order_mark,  # ENC002
        encoding.invisible_characters,  # ENC003
        encoding.line_endings,  # ENC004
        encoding.note_size,  # ENC005
        figures.figure_missing,  # FIG001
        figures.figure_alt,  # FIG002
        figures.link_target,  # LINK001
        figures.symlink_outside_course,  # LINK002
        frontmatter.front_matter_required,  # FM001
        frontmatter.front_matter_unknown_key,  # FM002
        frontmatter.lang_ref_path,  # FM003
        frontmatter.lang_ref_unique,  # FM004
        frontmatter.authors_count,  # FM005
        html.html_unsafe,  # HTML001
        html.html_unknown_tag,  # HTML002
        length.subsection_length,  # LEN001
        length.summary_length,  # LEN002
        maths.maths_delimiters,  # MATH001
        maths.maths_blank_lines,  # MATH002
        maths.maths_unknown_command,  # MATH003
        maths.maths_render,  # MATH004
        timestamps.timestamp_missing,  # TS001
        timestamps.timestamp_malformed,  # TS002
        timestamps.timestamp_order,  # TS003
        timestamps.timestamp_video,  # TS004
        timestamps.timestamp_slice,  # TS005
        timestamps.timestamp_continuity,  # TS006
        timestamps.timestamp_in_video,  # TS007
        timestamps.timestamp_opening,  # TS008
        timestamps.timestamp_between,  # TS009
        toc.toc_missing_page,  # TOC001
        toc.toc_bad_entry,  # TOC002
        translations.translation_source,  # TR001
        translations.translation_structure,  # TR002
        translations.translation_timestamps,  # TR003
        translations.translation_figures,  # TR004
        translations.translation_stale,  # TR005
    ]
)

__all__ = ["RULES", "Param", "Rule", "catalogue", "rule"]
