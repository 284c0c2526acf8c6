from __future__ import annotations

import pytest

from dlcourse.scribe import RosterError, parse_signups

HEADER = "Name,Email,Track,Weeks,Meetings,Role,With\n"


def parse(course, calendar, body: str, header: str = HEADER):
    return parse_signups(header + body, course, calendar)


def rows_of(sheet) -> dict[int, str]:
    return {issue.row: issue.message for issue in sheet.errors}


def test_clean_sheet(course, calendar):
    sheet = parse(
        course,
        calendar,
        "Ana Diaz,ad1@nyu.edu,,3; 5-7,,writer,Ben Cruz\n"
        'Ben Cruz,bc2,doctoral,,"01-2, ch.02-3",Editor,ad1@nyu.edu\n'
        ",,,,,,\n",
    )
    assert not sheet.issues
    ana, ben = sheet.signups
    assert ana.weeks == {3, 5, 6, 7} and ana.role == "writer" and ana.id == "ad1@nyu.edu"
    assert ben.netid == "bc2" and ben.email is None  # a NetID in the e-mail column
    assert ben.meetings == {"01-2", "02-3"} and ben.track == "doctoral" and ben.role == "editor"
    graph, warnings = sheet.partner_graph()
    assert graph.has_edge("ad1@nyu.edu", "bc2") and not warnings


def test_unknown_column_is_reported_on_the_header_row(course, calendar):
    sheet = parse(course, calendar, "Ana,a@x.org,\n", header="Name,Email,Shoe size\n")
    assert rows_of(sheet) == {1: "unknown column 'Shoe size'"}
    assert "known columns" in sheet.errors[0].hint


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("Ana,ana@@nyu,,,,,", "malformed e-mail"),
        ("Ana,not-an-email,,,,,", "malformed e-mail 'not-an-email'"),
        ("Ana,,,,,,", "no e-mail or NetID"),
        (",a@nyu.edu,,,,,", "no name"),
        ("Ana,a@nyu.edu,,,99-1,,", "meeting '99-1' does not exist"),
        ("Ana,a@nyu.edu,,,01-4,,", "meeting '01-4' does not exist"),
        ("Ana,a@nyu.edu,,,04-2,,", "meeting '04-2' does not exist"),  # week 4: practicum only
        ("Ana,a@nyu.edu,,20,,,", "have no class meeting"),
        ("Ana,a@nyu.edu,,soon,,,", "cannot read week"),
        ("Ana,a@nyu.edu,,,,boss,", "unknown role"),
        ("Ana,a@nyu.edu,phd,,,,", "unknown track"),
        ("Ana,a@nyu.edu,,,,,,extra", "cells but"),
    ],
)
def test_each_kind_of_bad_row(course, calendar, row, expected):
    sheet = parse(course, calendar, "Bo,bo@nyu.edu,,,,,\n" + row + "\n")
    assert [issue.row for issue in sheet.errors] == [3]
    assert expected in sheet.errors[0].message
    assert sheet.errors[0].hint
    assert [s.name for s in sheet.signups] == ["Bo"] and sheet.skipped_rows == [3]


def test_duplicate_student_names_both_rows(course, calendar):
    sheet = parse(course, calendar, "Ana,a@nyu.edu,,,,,\nBo,b@nyu.edu,,,,,\nAna D,A@NYU.EDU,,,,,\n")
    (issue,) = sheet.errors
    assert issue.row == 4 and "first on row 2" in issue.message


def test_missing_partner_is_a_warning(course, calendar):
    sheet = parse(course, calendar, "Ana,a@nyu.edu,,,,,Zed Zed\n")
    _, warnings = sheet.partner_graph()
    assert not sheet.errors and "did not sign up" in warnings[0].message


def test_sheet_without_identity_columns_cannot_be_read(course, calendar):
    with pytest.raises(RosterError) as error:
        parse(course, calendar, "x\n", header="Name,Weeks\n")
    assert "needs a 'name' column" in str(error.value)


def test_text_in_the_email_column_is_an_email_or_a_netid(course, calendar):
    """Only a NetID's shape (letters then digits) stands in for an e-mail; other text is an error
    with its row, column and a hint — not a NetID nobody can be reached at."""
    sheet = parse(
        course,
        calendar,
        "Bo,bo@nyu.edu,,,,,\nAna,not-an-email,,,,,\nCy,CY123,,,,,\nDi,di.x,,,,,\n",
    )
    assert [(issue.row, issue.column) for issue in sheet.errors] == [(3, "email"), (5, "email")]
    issue = sheet.errors[0]
    assert issue.message == "malformed e-mail 'not-an-email' (an email address must have an @-sign)"
    assert "name@domain" in issue.hint and "ab1234" in issue.hint
    assert "row 3: [email] malformed e-mail 'not-an-email'" in str(issue)
    assert [(s.name, s.email, s.netid) for s in sheet.signups] == [
        ("Bo", "bo@nyu.edu", None),
        ("Cy", None, "CY123"),
    ]


def test_a_netid_column_takes_netids_not_emails(course, calendar):
    sheet = parse(course, calendar, "Ana,ad1234,,\nBo,bo-b,,\n", header="Name,NetID,Weeks,Role\n")
    assert not sheet.errors  # a NetID column is not checked as e-mail addresses
    assert [s.netid for s in sheet.signups] == ["ad1234", "bo-b"]
