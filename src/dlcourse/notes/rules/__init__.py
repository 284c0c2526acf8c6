"""The rule catalogue. Importing this package registers every rule in ``RULES``."""

from dlcourse.notes.rules import (  # noqa: F401  (registration by import)
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
from dlcourse.notes.rules.base import RULES, Param, Rule, rule

__all__ = ["RULES", "Param", "Rule", "rule"]
