"""The gradebook: the course's grading policy applied to a real database (SQLite by default,
PostgreSQL by URL), with imports, exports and an append-only audit log. Needs the ``grades``
extra. See ``docs/grades.md``.
"""

from dlcourse.grades.db import GradebookError, database_url, gradebook_dir
from dlcourse.grades.policy import (
    GradeResult,
    GradingRules,
    StudentFacts,
    grade_all,
    grade_student,
    what_if,
)
from dlcourse.grades.store import (
    AuditInfo,
    DutyInfo,
    ExtensionInfo,
    Gradebook,
    GradingInfo,
    PersonInfo,
    ScoreInfo,
    SubmissionInfo,
    open_gradebook,
)

__all__ = [
    "AuditInfo",
    "DutyInfo",
    "ExtensionInfo",
    "GradeResult",
    "Gradebook",
    "GradebookError",
    "GradingInfo",
    "GradingRules",
    "PersonInfo",
    "ScoreInfo",
    "StudentFacts",
    "SubmissionInfo",
    "database_url",
    "grade_all",
    "grade_student",
    "gradebook_dir",
    "open_gradebook",
    "what_if",
]
