"""The course as data: ``course.toml`` validated into typed objects, and the dated calendar.

Every other part reads the course through this package; nothing else hard-codes course facts.
"""

from dlcourse.course.errors import CourseError, CourseIssue
from dlcourse.course.layout import example_course_dir, find_course, is_example
from dlcourse.course.loader import load_course, parse_course
from dlcourse.course.model import Course, MeetingPattern, ScribePolicy, Week
from dlcourse.course.notes_settings import Language, NotesSettings
from dlcourse.course.site_settings import SiteSettings

__all__ = [
    "Course",
    "CourseError",
    "CourseIssue",
    "Language",
    "MeetingPattern",
    "NotesSettings",
    "ScribePolicy",
    "SiteSettings",
    "Week",
    "example_course_dir",
    "find_course",
    "is_example",
    "load_course",
    "parse_course",
]
