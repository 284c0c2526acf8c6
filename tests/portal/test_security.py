"""One test per OWASP class against the portal (a student is untrusted, a grader partly):
the route inventory and its access rules, IDOR across two students, CSRF, XSS, path traversal
in upload names, session fixation, cookie flags, security headers, no stack traces, open
redirects and oversized bodies."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from starlette.routing import Route

from dlcourse.portal.access import ACCESS_RULES, STAFF_RANK, check_inventory
from tests.portal.conftest import (
    ANSWER,
    HW1_DUE,
    PASSWORD,
    PortalSetup,
    csrf_of,
    login,
)
from tests.portal.test_flows import hand_in, post_form

# a sample value for every path parameter, so each route can be called
SAMPLES = {
    "assignment_id": "hw1",
    "submission_id": "1",
    "netid": "ab1001",
    "kind": "canvas",
    "token": "x" * 43,
    "name": "portal.css",
}
PEOPLE = {"student": "ab1001", "grader": "gr01", "ta": "ta01", "instructor": "prof"}


def _routes(portal: PortalSetup) -> list[tuple[str, str, str]]:
    found = []
    for route in portal.app.routes:
        for method in sorted(route.methods - {"HEAD"}):
            found.append((route.path, method, route.endpoint.access))
    return found


def _call(client, path: str, method: str):
    url = re.sub(r"{(\w+)}", lambda m: SAMPLES[m.group(1)], path)
    return client.request(method, url, data={"csrf_token": "not-the-token"})


def test_every_route_has_an_access_rule_and_the_inventory_refuses_one_without() -> None:
    async def bare(request):  # pragma: no cover - never served
        raise AssertionError

    with pytest.raises(RuntimeError, match="has no access rule"):
        check_inventory([Route("/new", bare)])


def test_the_route_inventory(sqlite_portal: PortalSetup) -> None:
    """Every route, with its rule; a route added later fails here until it is listed."""
    table = {(path, method): rule for path, method, rule in _routes(sqlite_portal)}
    assert all(rule in ACCESS_RULES for rule in table.values())
    assert table == {
        ("/static/{name}", "GET"): "public",
        ("/healthz", "GET"): "public",
        ("/", "GET"): "signed-in",
        ("/login", "GET"): "public",
        ("/login", "POST"): "public",
        ("/logout", "POST"): "signed-in",
        ("/invite/{token}", "GET"): "public",
        ("/invite/{token}", "POST"): "public",
        ("/login/sso", "GET"): "public",
        ("/login/sso/callback", "GET"): "public",
        ("/me", "GET"): "student",
        ("/assignments/{assignment_id}", "GET"): "student",
        ("/assignments/{assignment_id}/submit", "POST"): "student",
        ("/submissions/{submission_id}", "GET"): "signed-in",
        ("/submissions/{submission_id}/file", "GET"): "signed-in",
        ("/grades", "GET"): "student",
        ("/staff", "GET"): "grader",
        ("/staff/assignments/{assignment_id}", "GET"): "grader",
        ("/staff/assignments/{assignment_id}/grade", "POST"): "grader",
        ("/staff/assignments/{assignment_id}/publish", "POST"): "ta",
        ("/staff/students/{netid}", "GET"): "grader",
        ("/staff/students/{netid}/score", "POST"): "grader",
        ("/staff/students/{netid}/extension", "POST"): "ta",
        ("/staff/roster", "GET"): "grader",
        ("/staff/roster/invite", "POST"): "ta",
        ("/staff/tracks", "GET"): "instructor",
        ("/staff/tracks/approve", "POST"): "instructor",
        ("/staff/exports/{kind}", "GET"): "ta",
    }


@pytest.mark.slow
def test_each_rule_is_enforced_on_each_route(sqlite_portal: PortalSetup) -> None:
    """Anonymous visitors are sent to sign in (or refused), and each role is refused every
    route whose rule it does not meet — checked on every route, from its declared rule."""
    portal = sqlite_portal
    anonymous = portal.client()
    clients = {role: portal.signed_in(netid) for role, netid in PEOPLE.items()}
    for path, method, rule in _routes(portal):
        if rule == "public":
            if method == "POST":  # the form's token is checked first, signed in or not
                response = _call(anonymous, path, method)
                assert response.status_code == 403 and "form has expired" in response.text, path
            continue
        response = _call(anonymous, path, method)
        if method == "GET":
            assert response.status_code == 303, (path, method)
            assert response.headers["location"].startswith("/login?next=")
        else:
            assert response.status_code == 401, (path, method)
        for role, client in clients.items():
            allowed = (
                rule == "signed-in"
                or (rule == "student" and role == "student")
                or (rule in STAFF_RANK and STAFF_RANK.get(role, 0) >= STAFF_RANK[rule])
            )
            response = _call(client, path, method)
            if not allowed:
                assert response.status_code == 403, (path, method, role)
            elif method == "POST":  # admitted, then stopped by the missing CSRF token
                assert response.status_code == 403 and "form has expired" in response.text


@pytest.mark.slow
def test_no_student_reaches_another_students_work_by_its_id(portal: PortalSetup) -> None:
    """IDOR: every route a student may call with an id in its path, taken from the app's
    routes, called with the other student's ids (a new kind of id fails here until its owner
    check is tested)."""
    portal.clock.now = HW1_DUE - dt.timedelta(hours=1)
    alice, bob = portal.signed_in("ab1001"), portal.signed_in("ab1002")
    mine = hand_in(alice, ANSWER).headers["location"].rsplit("/", 1)[1]
    theirs = hand_in(bob, ANSWER + "# bob\n").headers["location"].rsplit("/", 1)[1]
    with_ids = [
        (path, method)
        for path, method, rule in _routes(portal)
        if rule in ("signed-in", "student") and "{" in path
    ]
    kinds = {kind for path, _ in with_ids for kind in re.findall(r"{(\w+)}", path)}
    assert kinds == {"assignment_id", "submission_id"}, kinds
    alice_token, bob_token = csrf_of(alice, "/me"), csrf_of(bob, "/me")

    def call(client, path: str, method: str, token: str | None = None):
        data = {"csrf_token": token} if token else None
        return client.request(method, path, data=data)

    by_submission = [(p, m) for p, m in with_ids if "{submission_id}" in p]
    assert by_submission  # the receipt and the download
    for path, method in by_submission:
        if method == "GET":
            assert alice.get(path.replace("{submission_id}", mine)).status_code == 200
            assert bob.get(path.replace("{submission_id}", theirs)).status_code == 200
        stolen = call(bob, path.replace("{submission_id}", mine), method, bob_token)
        assert stolen.status_code == 404 and "ab1001" not in stolen.text, path
        for guess in ("999", "0", "-1", "1e3"):
            guessed = call(alice, path.replace("{submission_id}", guess), method, alice_token)
            assert guessed.status_code == 404, (path, guess)
    # assignments are the course's, not a student's: one not released yet is not found
    portal.clock.now = dt.datetime(2020, 2, 1, tzinfo=dt.UTC)  # hw1 is released on 3 Feb
    for path, method in with_ids:
        if "{assignment_id}" in path:
            hidden = call(bob, path.replace("{assignment_id}", "hw1"), method, bob_token)
            assert hidden.status_code == 404, path
    assert len(portal.book.submissions("hw1")) == 2
    # staff may look at both; a student cannot reach a staff page about anyone
    grader = portal.signed_in("gr01")
    assert grader.get(f"/submissions/{mine}").status_code == 200
    assert grader.get(f"/submissions/{theirs}/file").status_code == 200
    assert bob.get("/staff/students/ab1001").status_code == 403


@pytest.mark.slow
def test_every_form_needs_this_sessions_csrf_token(sqlite_portal: PortalSetup) -> None:
    portal = sqlite_portal
    portal.clock.now = HW1_DUE - dt.timedelta(hours=1)
    alice, ta = portal.signed_in("ab1001"), portal.signed_in("ta01")
    foreign = csrf_of(portal.signed_in("ab1002"), "/me")  # valid, but another session's
    for token in (None, "", "forged", foreign):
        data = {} if token is None else {"csrf_token": token}
        upload = alice.post(
            "/assignments/hw1/submit", data=data, files={"file": ("answer.py", ANSWER.encode())}
        )
        assert upload.status_code == 403
        score = ta.post(
            "/staff/students/ab1001/score",
            data={**data, "assessment": "midterm", "points": "1", "reason": "forged"},
        )
        assert score.status_code == 403
        assert alice.post("/logout", data=data).status_code == 403
    assert portal.book.submissions("hw1") == [] and portal.book.scores("ab1001") == []
    assert alice.get("/me").status_code == 200  # still signed in: the forged logout failed


def test_html_in_names_comments_and_file_names_is_shown_as_text(
    sqlite_portal: PortalSetup,
) -> None:
    portal = sqlite_portal
    script = "<script>alert(1)</script>"
    image = '<img src=x onerror="alert(2)">'
    portal.book.add_person("xs0001", f"Eve {image}", email="xs0001@example.edu")  # the roster's
    ta = portal.signed_in("ta01")
    roster = ta.get("/staff/roster").text
    assert image not in roster and "Eve &lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in roster
    page = "/staff/students/ab1001"
    saved = post_form(
        ta, page, page + "/score", assessment="midterm", points="3", comment=script, reason=script
    )
    assert saved.status_code == 303
    student = portal.signed_in("ab1001")
    portal.clock.now = HW1_DUE - dt.timedelta(hours=1)
    for text in (ta.get(page).text, student.get("/grades").text):
        assert script not in text and "&lt;script&gt;" in ta.get(page).text
    refused = hand_in(student, ANSWER, filename=f"{image}.py")
    assert refused.status_code == 400 and image not in refused.text
    assert "&lt;img src=x" in refused.text


@pytest.mark.parametrize(
    "filename",
    [
        "../answer.py",
        "../../../../tmp/answer.py",
        "/etc/answer.py",
        "sub/answer.py",
        "..\\answer.py",
        "answer.py\x00.txt",
        "./answer.py",
        "..",
    ],
)
@pytest.mark.slow
def test_upload_names_are_never_paths(sqlite_portal: PortalSetup, tmp_path, filename: str) -> None:
    portal = sqlite_portal
    portal.clock.now = HW1_DUE - dt.timedelta(hours=1)
    before = set(tmp_path.rglob("*"))
    refused = hand_in(portal.signed_in("ab1001"), ANSWER, filename=filename)
    assert refused.status_code == 400 and "is not a file of hw1" in refused.text
    written = [p for p in set(tmp_path.rglob("*")) - before if p.is_file()]
    # only the gradebook's own files (its write-ahead log) may appear; no stored upload
    assert all(p.parent == tmp_path / "grades" and p.name.startswith("gradebook") for p in written)
    assert portal.book.submissions("hw1") == []


def test_a_planted_session_id_is_worthless_after_sign_in(sqlite_portal: PortalSetup) -> None:
    """Session fixation: the id a visitor had before signing in stops working at sign-in."""
    portal = sqlite_portal
    victim = portal.client()
    csrf_of(victim, "/login")  # the login form gives an anonymous session
    planted = victim.cookies.get("__Host-dlcourse")
    assert planted
    login(victim, "ab1001")
    after = victim.cookies.get("__Host-dlcourse")
    assert after and after != planted
    attacker = portal.client()
    attacker.cookies.set("__Host-dlcourse", planted, domain="testserver.local")
    response = attacker.get("/me", headers={"cookie": f"__Host-dlcourse={planted}"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert victim.get("/me").status_code == 200


def test_session_cookie_flags_and_expiry(course, sqlite_url: str) -> None:
    from tests.portal.conftest import make_setup

    portal = make_setup(course, sqlite_url, session_hours=1.0)
    try:
        client = portal.client()
        token = csrf_of(client, "/login")
        response = client.post(
            "/login",
            data={"csrf_token": token, "netid": "ab1001", "password": PASSWORD, "next": "/me"},
        )
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-dlcourse=")
        for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
            assert flag in cookie
        assert "Domain" not in cookie
        assert client.get("/me").status_code == 200
        portal.clock.now += dt.timedelta(hours=1, seconds=1)
        assert client.get("/me").status_code == 303  # expired on the server, whatever the cookie
        assert client.post("/logout").status_code == 401
    finally:
        portal.app.state.portal.close()


def test_headers_csp_and_downloads(sqlite_portal: PortalSetup) -> None:
    portal = sqlite_portal
    student = portal.signed_in("ab1001")
    for path in ("/login", "/me", "/static/portal.css", "/no/such/page"):
        response = student.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "server" not in response.headers
    assert student.get("/me").headers["cache-control"] == "no-store"
    page = student.get("/me").text
    assert "<script>" not in page  # no inline script: only <script src=…>
    assert not re.search(r"<[^>]+\son\w+=", page)  # no inline event handlers anywhere


def test_errors_show_no_stack_trace(sqlite_portal: PortalSetup, monkeypatch, caplog) -> None:
    portal = sqlite_portal
    student = portal.client(raise_server_exceptions=False)
    login(student, "ab1001")

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals /srv/portal/db.py line 42")

    monkeypatch.setattr(portal.app.state.portal.book, "scribe_duties", broken)
    client_errors = student.get("/me")
    assert client_errors.status_code == 500
    for leak in ("Traceback", "secret internals", "db.py", "RuntimeError"):
        assert leak not in client_errors.text
    reference = re.search(r"reference (\w+)", client_errors.text).group(1)
    assert reference in caplog.text and "secret internals" in caplog.text  # the log has it


def test_no_open_redirect_after_sign_in(sqlite_portal: PortalSetup) -> None:
    portal = sqlite_portal
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"):
        client = portal.client()
        token = csrf_of(client, "/login")
        response = client.post(
            "/login",
            data={"csrf_token": token, "netid": "ab1001", "password": PASSWORD, "next": target},
        )
        assert response.headers["location"] == "/"


def test_bodies_larger_than_any_upload_are_refused_unread(sqlite_portal: PortalSetup) -> None:
    portal = sqlite_portal
    student = portal.signed_in("ab1001")
    huge = student.post(
        "/assignments/hw1/submit",
        content=b"x" * (1024 * 1024),
        headers={"content-type": "multipart/form-data; boundary=zz"},
    )
    assert huge.status_code == 413
    assert portal.book.submissions("hw1") == []
