"""Exports the university's systems take, and the per-student report.

- Canvas gradebook CSV: ``Student, ID, SIS User ID, SIS Login ID, Section``, one column per
  assessment titled ``Title (id)``, then the course total; a ``Points Possible`` row first.
  Students are matched on SIS Login ID (the NetID); ID and SIS User ID stay empty.
- Brightspace (D2L) grade import CSV: ``OrgDefinedId, Username``, one ``<Item> Points Grade
  <Numeric MaxPoints:N>`` column per item (the suffix lets Brightspace create missing items),
  and ``End-of-Line Indicator`` = ``#``. Usernames are written ``#netid``, as Brightspace's own
  exports do.
- ``csv``: everything the gradebook computed, one row per student.
- The report: one HTML page per student with every component, its weight, its points and where
  each number came from — and nothing about anyone else; or the same page as a PDF, drawn by
  WeasyPrint (which needs the Pango library: Debian's ``libpango-1.0-0``).

Values are what the policy computed as of the export: missing work after its deadline is 0,
pending work is empty.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from dlcourse.course import Course
from dlcourse.course.assessments import Assessment
from dlcourse.grades.db import GradebookError
from dlcourse.grades.policy import GradeResult, GradingRules
from dlcourse.grades.store import PersonInfo
from dlcourse.util.csv_files import csv_writer

EXPORT_KINDS = ("canvas", "brightspace", "csv")
TOTAL_ID = "total"


def _points(result: GradeResult, assessment: Assessment) -> float | None:
    """The points the export shows for one assessment (None: pending or not on the track)."""
    component = next((c for c in result.components if c.id == assessment.component), None)
    if component is None:
        return None
    if assessment.source in ("scribe-status", "forum"):
        return None if component.status in ("pending",) else round(component.points, 4)
    item = next((i for i in component.items if i.assessment == assessment.id), None)
    if item is None or item.points is None:
        return None
    return round(item.points, 4)


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _write(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv_writer(buffer).writerows(rows)
    return buffer.getvalue()


def canvas_csv(
    rules: GradingRules, results: Sequence[GradeResult], people: dict[str, PersonInfo]
) -> str:
    items = list(rules.assessments)
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    header += [f"{a.title} ({a.id})" for a in items] + [f"Course total ({TOTAL_ID})"]
    possible = ["    Points Possible", "", "", "", ""]
    possible += [f"{a.max_points:g}" for a in items] + ["100"]
    rows = [header, possible]
    for result in results:
        person = people[result.netid]
        rows.append(
            [person.name, "", "", result.netid, person.section or ""]
            + [_cell(_points(result, a)) for a in items]
            + [f"{result.rounded:g}"]
        )
    return _write(rows)


def brightspace_csv(
    rules: GradingRules, results: Sequence[GradeResult], people: dict[str, PersonInfo]
) -> str:
    items = list(rules.assessments)
    header = ["OrgDefinedId", "Username"]
    header += [f"{a.title} Points Grade <Numeric MaxPoints:{a.max_points:g}>" for a in items]
    header += ["Course total Points Grade <Numeric MaxPoints:100>", "End-of-Line Indicator"]
    rows = [header]
    for result in results:
        rows.append(
            ["", f"#{result.netid}"]
            + [_cell(_points(result, a)) for a in items]
            + [f"{result.rounded:g}", "#"]
        )
    del people  # Brightspace matches on the username alone
    return _write(rows)


def gradebook_csv(
    rules: GradingRules, results: Sequence[GradeResult], people: dict[str, PersonInfo]
) -> str:
    components = []
    for track in rules.policy.tracks:
        components += [c.id for c in track.components if c.id not in components]
    header = ["netid", "name", "email", "section", "track"]
    header += [f"{c}_points" for c in components]
    header += ["core", "adjustment", "bonus", "total", "rounded", "letter", "final", "note"]
    rows = [header]
    for result in results:
        person = people[result.netid]
        by_id = {c.id: c for c in result.components}
        rows.append(
            [result.netid, person.name, person.email or "", person.section or "", result.track]
            + [
                f"{round(by_id[c].points, 4):g}"
                if c in by_id and by_id[c].status != "pending"
                else ""
                for c in components
            ]
            + [
                f"{round(result.core, 4):g}",
                f"{round(result.adjustment, 4):g}",
                f"{round(result.bonus, 4):g}",
                f"{round(result.total, 4):g}",
                f"{result.rounded:g}",
                result.letter,
                "yes" if result.final else "no",
                result.track_note,
            ]
        )
    return _write(rows)


EXPORTERS = {"canvas": canvas_csv, "brightspace": brightspace_csv, "csv": gradebook_csv}

REPORT_TEMPLATE = Path(__file__).resolve().parent / "templates" / "report.html"


def student_report_html(course: Course, result: GradeResult, as_of: dt.datetime) -> str:
    """The report one student may see: their own components, weights, points and sources."""
    environment = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    template = environment.from_string(REPORT_TEMPLATE.read_text(encoding="utf-8"))
    track = course.grading.track(result.track)
    rounding = course.grading.rounding
    return template.render(
        course=course.course.short_title or course.course.code,
        result=result,
        track_name=track.name,
        as_of=as_of.astimezone(course.tz).strftime("%a %d %b %Y %H:%M %Z"),
        rounding=f"{rounding.decimals} decimals, {rounding.mode}",
        pct=lambda value: "" if value is None else f"{value:.1f} %",
        sign=lambda c: "±" if c.kind == "adjustment" else ("+" if c.kind == "bonus" else ""),
        local=lambda moment: moment.astimezone(course.tz).strftime("%d %b %Y %H:%M"),
    )


def student_report_pdf(course: Course, result: GradeResult, as_of: dt.datetime) -> bytes:
    """The report of :func:`student_report_html` as a PDF: the same page, drawn by WeasyPrint.

    Nothing is fetched while drawing (the page has no links to load; any would be refused), so a
    report is made offline and holds nothing but what the HTML holds."""
    weasyprint = _weasyprint()
    nothing_fetched = weasyprint.URLFetcher(allowed_protocols=())
    page = weasyprint.HTML(
        string=student_report_html(course, result, as_of), url_fetcher=nothing_fetched
    )
    return page.write_pdf()


def _weasyprint() -> Any:
    try:
        import weasyprint
    except ModuleNotFoundError as error:
        raise GradebookError(
            f"PDF reports need WeasyPrint ({error.name} is missing): pip install 'dlcourse[grades]'"
        ) from error
    except OSError as error:  # WeasyPrint is there, the Pango library it draws with is not
        raise GradebookError(
            f"PDF reports need the Pango library ({error}): apt-get install libpango-1.0-0 "
            "libpangoft2-1.0-0; or write the HTML report and print it to PDF from a browser"
        ) from error
    return weasyprint
