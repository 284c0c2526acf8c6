"""The course model: the example course's facts, and every kind of bad file rejected with
file, line, key and what is expected."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from dlcourse.course import CourseError, example_course_dir, load_course, parse_course

EXAMPLE = example_course_dir() / "course.toml"


def example_source() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def replace_once(source: str, old: str, new: str) -> str:
    assert source.count(old) == 1, f"fixture text {old!r} must occur exactly once"
    return source.replace(old, new)


def line_of(source: str, needle: str) -> int:
    for number, line in enumerate(source.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in source")


def issues_of(source: str) -> list:
    with pytest.raises(CourseError) as caught:
        parse_course(source, Path("course.toml"))
    return caught.value.issues


# -- the embedded example carries the seed's facts ---------------------------------------------


def test_example_course_loads_with_the_seed_facts():
    course = load_course()
    assert course.course.code == "DS-GA 1008"
    assert course.course.title == "Deep Learning (with PyTorch)"
    assert course.schedule.timezone == "America/New_York"
    names = {person.name: person.role for person in course.people}
    assert names["Yann LeCun"] == "instructor"
    assert names["Alfredo Canziani"] == "instructor"
    assert names["Mark Goldstein"] == "ta"
    assert sorted(p.name for p in course.people_with_role("grader")) == [
        "Chiao-Hsun Wang",
        "Priyank Pathak",
        "Raghav Jajodia",
        "Serkan Karakulak",
    ]
    part_a = course.schedule.meeting("lecture-a")
    part_b = course.schedule.meeting("lecture-b")
    assert (str(part_a.start), str(part_a.end)) == ("16:55:00", "17:45:00")
    assert (str(part_b.start), str(part_b.end)) == ("17:45:00", "18:35:00")
    lab = course.schedule.meeting("practicum")
    assert lab.weekday == "tuesday" and lab.start is None and lab.end is None


def test_example_scribe_policy():
    policy = load_course().scribe
    assert (policy.writers_per_group, policy.editors_per_group) == (3, 1)
    assert (policy.groups_per_lecture, policy.groups_per_lab) == (2, 1)
    assert policy.minutes_per_hour == 50 and policy.minutes_per_writer == 15
    assert policy.words_per_subsection == 300 and policy.words_per_summary == 50
    assert policy.due_after_days == 7
    assert policy.group_size == 4


def test_example_grading_tracks():
    grading = load_course().grading
    default = grading.track()
    assert default.id == "undergraduate-masters"
    weights = {c.id: (c.weight, c.kind) for c in default.components}
    assert weights == {
        "homework": (30, "core"),
        "midterm": (30, "core"),
        "project": (30, "core"),
        "write-up": (10, "adjustment"),
        "forum": (5, "bonus"),
    }
    doctoral = grading.track("doctoral")
    assert doctoral.requires_approval
    assert {c.id: c.weight for c in doctoral.components} == {
        "research": 60,
        "midterm": 30,
        "write-up": 10,
    }
    assert doctoral.bonus_weight == 0


def test_example_homework_and_project():
    course = load_course()
    assert [h.id for h in course.homework] == ["hw1", "hw2", "hw3"]
    assert course.homework_policy.late_submissions == "none"
    assert course.project is not None
    assert (course.project.group_min, course.project.group_max) == (2, 3)
    assert course.project.video_max_minutes == 3 and course.project.slides_max == 6


def test_locate_points_at_the_written_line():
    course = load_course()
    source = example_source()
    assert course.locate("schedule", "timezone") == line_of(source, "timezone =")
    line = course.locate("grading", "tracks", 1, "components", 0, "weight")
    assert line == line_of(source, '{ id = "research"')
    assert course.locate("schedule", "meetings", 2, "weekday") == line_of(
        source, 'weekday = "tuesday"'
    )


# -- bad files: each error names file, line, key and the expectation ---------------------------


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            'timezone = "America/New_York"',
            'timezone = "America/Gotham"',
            "schedule.timezone",
            "unknown time zone 'America/Gotham'",
        ),
        (
            'weekday = "tuesday"',
            'weekday = "tuesdy"',
            "schedule.meetings[2].weekday",
            "expected one of",
        ),
        ("start = 17:45:00", "start = 18:45:00", "schedule.meetings[1]", "is not after start"),
        ('email = "canziani@nyu.edu"', 'email = "canziani at nyu.edu"', "people[1].email", "email"),
        ('role = "ta"', 'role = "teaching assistant"', "people[2].role", "expected one of"),
        (
            "writers_per_group = 3",
            "writers_per_group = 0",
            "scribe.writers_per_group",
            "greater than or equal to 1",
        ),
        (
            "due_after_days = 7",
            "due_after_days = -1",
            "scribe.due_after_days",
            "greater than or equal to 0",
        ),
        (
            '{ id = "homework", label = "Homework", weight = 30, source = "homework" }',
            '{ id = "homework", label = "Homework", weight = 35, source = "homework" }',
            "grading.tracks[0]",
            "add up to 105, not 100",
        ),
        (
            '{ id = "forum", label = "Forum answers", weight = 5, kind = "bonus" }',
            '{ id = "forum", label = "Forum answers", weight = 5, kind = "extra" }',
            "grading.tracks[0].components[4].kind",
            "expected one of",
        ),
        (
            'default_track = "undergraduate-masters"',
            'default_track = "masters"',
            "grading",
            "default_track 'masters' is not one of",
        ),
        (
            'late_submissions = "none"',
            'late_submissions = "sometimes"',
            "homework_policy.late_submissions",
            "expected one of",
        ),
        ("group_min = 2", "group_min = 4", "project", "group_max 3 is below group_min 4"),
        (
            "due = 2020-02-17T23:59:00",
            "due = 2020-02-01T23:59:00",
            "homework[0]",
            "is not after release",
        ),
        (
            'videos = { practicum = "OrBEon3VlQg" }',
            'videos = { practicum = "short" }',
            "weeks[3].videos",
            "not an 11-character YouTube id",
        ),
        (
            'videos = { practicum = "OrBEon3VlQg" }',
            'videos = { lab = "OrBEon3VlQg" }',
            "weeks[3].videos.lab",
            "week 4 names meeting 'lab'",
        ),
        ("term_end = 2020-05-05", "term_end = 2019-05-05", "schedule", "is before term_start"),
        (
            '{ code = "ar", name = "العربية", direction = "rtl" }',
            '{ code = "ar", name = "العربية", direction = "right-to-left" }',
            "notes.languages[2].direction",
            "expected one of",
        ),
        (
            'source_language = "en"',
            'source_language = "de"',
            "notes",
            "source_language 'de' is not in languages",
        ),
        ("pd = '\\frac", "p-d = '\\frac", "notes.macros", "must be letters only"),
        ('base_url = "/"', 'base_url = "dlsp20"', "site.base_url", "starts with '/'"),
    ],
)
def test_bad_values_are_reported_with_location(old, new, key, message):
    source = replace_once(example_source(), old, new)
    issues = issues_of(source)
    matching = [issue for issue in issues if message in issue.message]
    assert matching, f"no issue mentions {message!r}: {[str(i) for i in issues]}"
    issue = matching[0]
    assert issue.key.startswith(key)
    assert issue.file == Path("course.toml")
    assert issue.line is not None
    changed_line = line_of(source, new.splitlines()[0])
    # the error points at the changed line or at the table that holds it, never past it
    assert issue.line <= changed_line
    assert changed_line - issue.line < 60
    assert str(issue).startswith(f"course.toml:{issue.line}:")


def test_unknown_key_is_an_error_at_its_line():
    source = replace_once(example_source(), "minutes_per_writer = 15", "minutes_per_writter = 15")
    issues = issues_of(source)
    typo = [i for i in issues if i.key == "scribe.minutes_per_writter"]
    assert typo and typo[0].message == "unknown key"
    assert typo[0].line == line_of(source, "minutes_per_writter")
    assert "spelling" in typo[0].hint


def test_missing_required_key_is_named():
    source = replace_once(example_source(), 'code = "DS-GA 1008"\n', "")
    issues = issues_of(source)
    assert any(i.key == "course.code" and i.message == "required key is missing" for i in issues)


def test_every_problem_is_reported_not_just_the_first():
    source = replace_once(example_source(), 'role = "ta"', 'role = "tutor"')
    source = replace_once(source, "words_per_summary = 50", "words_per_summary = 0")
    keys = {issue.key for issue in issues_of(source)}
    assert {"people[2].role", "scribe.words_per_summary"} <= keys


def test_toml_syntax_error_names_the_line():
    source = replace_once(example_source(), 'term = "Spring 2020"', 'term = "Spring 2020')
    issues = issues_of(source)
    assert len(issues) == 1
    assert issues[0].line == line_of(source, 'term = "Spring 2020')
    assert "TOML syntax error" in issues[0].message


def test_missing_folder_and_missing_home_page(tmp_path: Path):
    with pytest.raises(CourseError, match=r"no course\.toml here"):
        load_course(tmp_path)
    (tmp_path / "course.toml").write_text(example_source(), encoding="utf-8")
    with pytest.raises(CourseError) as caught:
        load_course(tmp_path)
    (issue,) = caught.value.issues
    assert issue.key == "course.home_page" and "home.md" in issue.message
    assert issue.line == line_of(example_source(), "home_page =")


def test_weights_must_reach_100_including_adjustment():
    source = replace_once(
        example_source(),
        '{ id = "write-up", label = "Lecture write-up", weight = 10, kind = "adjustment" },',
        "",
    )
    messages = [issue.message for issue in issues_of(source)]
    assert any("'doctoral'" in m and "add up to 90, not 100" in m for m in messages)


def test_the_example_toml_is_plain_toml():
    data = tomllib.loads(example_source())
    assert data["schema"] == 1
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(data["schedule"]["term_start"]))


# -- every policy field: a bad value is rejected at its key -------------------------------------

SCRIBE_MINIMUMS = {
    "writers_per_group": 1,
    "editors_per_group": 0,
    "groups_per_lecture": 1,
    "groups_per_lab": 1,
    "minutes_per_hour": 1,
    "minutes_per_writer": 1,
    "words_per_subsection": 1,
    "words_per_summary": 1,
    "due_after_days": 0,
}


@pytest.mark.parametrize(("field", "minimum"), sorted(SCRIBE_MINIMUMS.items()))
def test_every_scribe_number_has_a_floor(field: str, minimum: int):
    source = example_source()
    line = next(ln for ln in source.splitlines() if ln.startswith(f"{field} = "))
    bad = replace_once(source, line, f"{field} = {minimum - 1}")
    (issue,) = issues_of(bad)
    assert issue.key == f"scribe.{field}"
    assert f"greater than or equal to {minimum}" in issue.message
    assert issue.line == line_of(bad, f"{field} = {minimum - 1}")
    # the floor itself is accepted
    accepted = parse_course(replace_once(source, line, f"{field} = {minimum}"))
    assert getattr(accepted.scribe, field) == minimum


def test_scribe_due_time_must_be_a_time():
    bad = replace_once(example_source(), "due_time = 23:59:00", 'due_time = "midnight"')
    (issue,) = issues_of(bad)
    assert issue.key == "scribe.due_time" and "time" in issue.message.lower()


@pytest.mark.parametrize(
    ("new_weight", "message"),
    [("0", "greater than 0"), ("150", "less than or equal to 100"), ('"ten"', "number")],
)
def test_component_weight_bounds(new_weight: str, message: str):
    old = '{ id = "midterm", label = "Mid-term knowledge test", weight = 30 },'
    source = example_source()
    assert source.count(old) == 2  # one per track: change the first (default) track's
    bad = source.replace(old, old.replace("weight = 30", f"weight = {new_weight}"), 1)
    issues = issues_of(bad)
    keyed = [i for i in issues if i.key == "grading.tracks[0].components[1].weight"]
    assert keyed and message in keyed[0].message.lower()


def test_duplicate_component_and_track_ids():
    source = example_source()
    bad = replace_once(source, '{ id = "research"', '{ id = "midterm"')
    assert any("component ids repeat in track 'doctoral'" in i.message for i in issues_of(bad))
    bad = replace_once(source, 'id = "doctoral"', 'id = "undergraduate-masters"')
    assert any("track ids must be unique" in i.message for i in issues_of(bad))


def test_duplicate_homework_id_is_placed_at_the_second_one():
    bad = replace_once(example_source(), 'id = "hw2"', 'id = "hw1"')
    (issue,) = issues_of(bad)
    assert issue.key == "homework[1].id" and "used twice" in issue.message
    assert issue.line == line_of(bad, 'title = "Homework Assignment 2"') - 1


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("video_max_minutes = 3", "video_max_minutes = 0", "project.video_max_minutes"),
        ("slides_max = 6", "slides_max = 0", "project.slides_max"),
        ("group_max = 3", "group_max = 0", "project.group_max"),
        ('date = "to be determined"', 'date = "soon"', "midterm.date"),
    ],
)
def test_assessment_fields(old: str, new: str, key: str):
    issues = issues_of(replace_once(example_source(), old, new))
    assert any(i.key.startswith(key) for i in issues), [str(i) for i in issues]


def test_a_bonus_does_not_count_towards_100():
    source = replace_once(
        example_source(),
        '{ id = "forum", label = "Forum answers", weight = 5, kind = "bonus" }',
        '{ id = "forum", label = "Forum answers", weight = 5 }',
    )
    messages = [i.message for i in issues_of(source)]
    assert any("add up to 105, not 100" in m for m in messages)


def test_numbers_written_as_strings_are_rejected():
    # Lax coercion would read "3" as 3; a course file is data, so its types must be right.
    bad = replace_once(example_source(), "writers_per_group = 3", 'writers_per_group = "3"')
    (issue,) = issues_of(bad)
    assert issue.key == "scribe.writers_per_group"
    assert "valid integer" in issue.message and "'3'" in issue.message


def test_example_cluster_is_greene_style() -> None:
    cluster = load_course().cluster
    assert cluster.gpu_flag == "gres" and cluster.gpu_type == "rtx8000"
    assert cluster.partition == "rtx8000" and cluster.mem == "32GB"
    assert cluster.setup[-1].startswith("source ")


def test_cluster_defaults_when_the_table_is_absent() -> None:
    source = example_source()
    source = source[: source.index("\n[cluster]")] + "\n"
    cluster = parse_course(source).cluster
    assert cluster.gpu_flag == "gpus-per-node" and cluster.partition is None
    assert cluster.mem == "32G" and cluster.time == "01:00:00" and cluster.setup == []


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('mem = "32GB"', 'mem = "lots"', "mem is a number"),
        ('time = "01:00:00"', 'time = "an hour"', "[D-]HH:MM:SS"),
        ('gpu_flag = "gres"', 'gpu_flag = "gpus"', "gres"),
        ('partition = "rtx8000"', 'partition = "rtx 8000; rm -rf"', "letters, digits"),
        ("cpus_per_task = 8", "cpus_per_task = 0", "greater than or equal to 1"),
    ],
)
def test_bad_cluster_values_name_their_line(old: str, new: str, message: str) -> None:
    source = replace_once(example_source(), old, new)
    with pytest.raises(CourseError) as caught:
        parse_course(source)
    issue = caught.value.issues[0]
    assert issue.line == line_of(source, new) and message in str(issue)
