"""The course as data: ``course.toml`` validated into typed objects, and the dated calendar.

Every other part reads the course through this package; nothing else hard-codes course facts.
"""

from dlcourse.course.errors import CourseError, CourseIssue
from dlcourse.course.loader import default_course_dir, load_course, parse_course, resolve_course_dir
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
    "default_course_dir",
    "load_course",
    "parse_course",
    "resolve_course_dir",
]
