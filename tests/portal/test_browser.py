"""The portal in real headless Chromium (Debian's, driven by Playwright) against the portal
served by uvicorn: sign in (a local account, and single sign-on against a real OpenID Connect
provider the test starts), hand in, read the receipt, be refused one second after the deadline,
see feedback once the grader has run the autograder, and see a TA's score change the total.

Every page must load without a script error or a CSP violation (the countdown is the only
script), and nothing a person typed may run as script.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Iterator

import pytest

from dlcourse.homework.sandbox import sandbox_problem
from dlcourse.portal import PortalConfig, create_app
from dlcourse.portal.config import OidcSettings
from tests.portal.conftest import ANSWER, HW1_DUE, PASSWORD, Clock, fill_gradebook
from tests.portal.live import free_port, serving
from tests.site.chromium import CHROMIUM, FLAGS

pytestmark = pytest.mark.browser
SECOND = dt.timedelta(seconds=1)


@pytest.fixture(scope="module")
def browser(playwright_driver) -> Iterator[object]:
    launched = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, args=FLAGS, headless=True
    )
    yield launched
    launched.close()


class Person:
    """One person's browser: their own cookies, and every script error or CSP complaint."""

    def __init__(self, browser, base: str):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.base = base
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def sign_in(self, netid: str) -> None:
        self.go("/")
        self.page.fill("input[name=netid]", netid)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("form[action='/login'] button")
        self.page.wait_for_load_state()

    def text(self, selector: str = "main") -> str:
        return self.page.inner_text(selector)

    def close(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        self.context.close()


def _app(course, url: str, clock: Clock, **config):
    return create_app(
        PortalConfig(
            course=course,
            db_url=url,
            clock=clock,
            session_hours=24 * 400.0,
            **config,
        )
    )


@pytest.mark.slow
def test_a_student_hands_in_is_refused_late_and_sees_feedback_and_a_tas_score(
    browser, course, sqlite_url: str
) -> None:
    problem = sandbox_problem()
    if problem:
        pytest.skip(problem)
    clock = Clock(HW1_DUE - dt.timedelta(hours=1))
    fill_gradebook(course, sqlite_url, clock)
    port = free_port()
    app = _app(course, sqlite_url, clock, public_url=f"http://127.0.0.1:{port}")
    with serving(app, port) as base:
        student = Person(browser, base)
        student.sign_in("ab1001")
        assert student.page.url.endswith("/me")
        total_before = float(re.search(r"([\d.]+) / 100", student.text("#total")).group(1))
        # the countdown runs (a script from this site, allowed by the CSP)
        student.page.wait_for_function(
            "document.querySelector('time.countdown').textContent.includes('left')"
        )
        assert re.search(r"(1 h 0 min 0 s|59 min \d+ s) left", student.text("#assignments"))

        student.go("/assignments/hw1")
        student.page.set_input_files(
            "input[type=file]",
            {"name": "answer.py", "mimeType": "text/x-python", "buffer": ANSWER.encode()},
        )
        student.page.click("#upload button")
        student.page.wait_for_selector("#verdict")
        assert "Accepted" in student.text("#verdict")
        assert student.text("#sha256") == hashlib.sha256(ANSWER.encode()).hexdigest()
        assert "Mon 17 Feb 2020, 22:59:00 EST" in student.text("#received")

        clock.now = HW1_DUE - SECOND  # the page with the form is open before the deadline...
        student.go("/assignments/hw1")
        student.page.set_input_files(
            "input[type=file]",
            {"name": "answer.py", "mimeType": "text/x-python", "buffer": b"def add(a, b): 0\n"},
        )
        clock.now = HW1_DUE + SECOND  # ...and the file arrives one second after it
        student.page.click("#upload button")
        student.page.wait_for_selector("#verdict")
        verdict = student.text("#verdict")
        assert verdict.startswith("Not accepted: received Mon 17 Feb 2020 23:59:01 EST")
        assert "late submissions are not accepted" in verdict

        grader = Person(browser, base)
        grader.sign_in("gr01")
        grader.go("/staff/assignments/hw1")
        grader.page.click("text=Grade every counting submission")
        deadline = time.monotonic() + 120
        while "[OK]" not in grader.text("#submissions"):
            assert time.monotonic() < deadline, grader.text("#submissions")
            time.sleep(1)
            grader.page.reload()
        assert "100 / 100 [OK]" in grader.text("tr[data-netid=ab1001]")

        student.go("/assignments/hw1")
        feedback = student.text("#feedback")
        assert "✓ public/test_public.py::test_small_numbers — 25 / 25" in feedback
        assert "✓ hidden/test_hidden.py::test_negative_numbers — 25 / 25" in feedback  # due
        assert "test_large_numbers" not in feedback  # shown once the staff publish

        ta = Person(browser, base)
        ta.sign_in("ta01")
        ta.go("/staff/students/ab1001")
        ta.page.select_option("#score-form select[name=assessment]", "midterm")
        ta.page.fill("#score-form input[name=points]", "85")
        ta.page.fill("#score-form textarea[name=comment]", "Good work on question 2.")
        ta.page.fill("#score-form input[name=reason]", "midterm marked")
        ta.page.click("#score-form button")
        ta.page.wait_for_selector(".flash")
        assert "midterm: 85 points saved" in ta.text(".flash")

        student.go("/me")
        total_after = float(re.search(r"([\d.]+) / 100", student.text("#total")).group(1))
        assert total_after != total_before
        student.go("/grades")
        assert "85 / 100" in student.text("#current")
        for person in (student, grader, ta):
            person.close()


@pytest.mark.slow  # starts headless Chromium (and an OIDC provider)
def test_single_sign_on_through_a_real_openid_connect_provider(
    browser, course, sqlite_url: str
) -> None:
    pytest.importorskip("flask")
    from tests.portal.oidc_provider import running_provider

    clock = Clock()
    fill_gradebook(course, sqlite_url, clock)
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    with running_provider(f"{public}/login/sso/callback") as provider:
        settings = OidcSettings(
            issuer=provider.issuer,
            client_id=provider.client.client_id,
            client_secret=provider.client.client_secret,
            label="Test University",
        )
        app = _app(course, sqlite_url, clock, public_url=public, oidc=settings)
        with serving(app, port) as base:
            student = Person(browser, base)
            student.go("/grades")
            student.page.click("#sso")
            student.page.wait_for_selector("#netid")
            assert student.page.url.startswith(provider.issuer + "/authorize")
            student.page.fill("#netid", "ab1002")
            student.page.click("#sign-in")
            student.page.wait_for_url(base + "/grades")
            assert "Student ab1002 (ab1002, student)" in student.text("header")

            stranger = Person(browser, base)
            stranger.go("/login")
            stranger.page.click("#sso")
            stranger.page.fill("#netid", "zz9999")
            stranger.page.click("#sign-in")
            stranger.page.wait_for_load_state()
            assert "not on this course's roster" in stranger.text()
            assert provider.signed_in == ["ab1002", "zz9999"]
            stranger.errors = [e for e in stranger.errors if "403" not in e]  # the refusal page
            for person in (student, stranger):
                person.close()


@pytest.mark.slow  # starts headless Chromium
def test_markup_typed_by_people_never_runs(browser, course, sqlite_url: str) -> None:
    from dlcourse.grades import open_gradebook

    clock = Clock()
    fill_gradebook(course, sqlite_url, clock)
    with open_gradebook(course, sqlite_url, actor="prof") as book:
        book.add_person("xs0001", '<img src=x onerror="alert(1)">', email="x@example.edu")
        book.set_score("ab1001", "midterm", 50, source="test", comment="<script>alert(2)</script>")
    port = free_port()
    app = _app(course, sqlite_url, clock, public_url=f"http://127.0.0.1:{port}")
    with serving(app, port) as base:
        ta = Person(browser, base)
        ta.sign_in("ta01")
        ta.go("/staff/roster")
        assert '<img src=x onerror="alert(1)">' in ta.text("#students")  # shown as text
        ta.go("/staff/students/ab1001")
        assert "<script>alert(2)</script>" in ta.text("#scores")
        ta.close()  # no dialog opened, no script error
