"""The portal as an ASGI application: :func:`create_app` builds it from a :class:`PortalConfig`.

Starlette, server-rendered Jinja2 pages (every value escaped), no front-end build: one small
script (the countdown) and one style sheet, both served from this package. Around the routes:
sessions kept on the server, security headers and a strict Content-Security-Policy on every
response, a cap on request bodies, and error pages that never show a stack trace (the server's
log has it, under the reference the page gives).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dlcourse.course import CourseError
from dlcourse.grades import Gradebook, open_gradebook
from dlcourse.grades.models import Person
from dlcourse.homework.assignment import Assignment, list_assignments, load_assignment
from dlcourse.homework.submissions import ContentStore
from dlcourse.portal.access import Viewer, check_inventory, csrf_token
from dlcourse.portal.accounts import Accounts
from dlcourse.portal.config import PortalConfig, PortalConfigError
from dlcourse.portal.sessions import SessionMiddleware, SessionStore

log = logging.getLogger("dlcourse.portal")
HERE = Path(__file__).resolve().parent
FORM_ALLOWANCE = 64 * 1024  # the multipart envelope and the form's other fields

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class Portal:
    """What every page needs: the course, the gradebook, the file store, the assignments."""

    def __init__(self, config: PortalConfig):
        self.config = config
        self.course = config.course
        self.book: Gradebook = open_gradebook(config.course, config.db_url, actor="portal")
        try:
            self.assignments: dict[str, Assignment] = {
                aid: load_assignment(config.course, aid) for aid in list_assignments(config.course)
            }
        except CourseError:
            self.book.close()
            raise
        self.store = ContentStore.for_course(config.course)
        self.accounts = Accounts(self.book)
        self.sessions = SessionStore(self.book.engine, dt.timedelta(hours=config.session_hours))
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )
        self.templates.filters["local"] = self.local_time
        self.templates.filters["utc"] = lambda moment: moment.astimezone(dt.UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        self.templates.filters["points"] = lambda value: "" if value is None else f"{value:g}"
        self.oidc_client: Any = None
        if config.oidc is not None:
            from dlcourse.portal.oidc import make_client

            self.oidc_client = make_client(config.oidc)

    @property
    def title(self) -> str:
        return self.course.course.short_title or self.course.course.code

    def now(self) -> dt.datetime:
        return self.config.clock()

    def local_time(self, moment: dt.datetime | None) -> str:
        if moment is None:
            return ""
        return moment.astimezone(self.course.tz).strftime("%a %d %b %Y, %H:%M:%S %Z")

    def viewer(self, person_id: int) -> Viewer | None:
        """The person behind a session, if still enrolled (roles are re-read every request, so
        taking someone off the roster or staff list takes effect at once)."""
        with self.book.engine.connect() as connection:
            row = connection.execute(
                select(Person.netid, Person.name, Person.role).where(
                    Person.id == person_id, Person.enrolled.is_(True)
                )
            ).first()
        return None if row is None else Viewer(person_id, row.netid, row.name, row.role)

    def gradebook_for(self, viewer: Viewer) -> Gradebook:
        return self.book.acting_as(viewer.netid)

    def largest_upload(self) -> int:
        sizes = [a.limits.upload_kb * 1024 for a in self.assignments.values()]
        return max(sizes, default=0) + FORM_ALLOWANCE

    def render(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> Response:
        page = self.templates.get_template(template).render(
            request=request,
            viewer=getattr(request.state, "viewer", None),
            csrf=lambda: csrf_token(request),
            title_of_course=self.title,
            now=self.now(),
            oidc=self.config.oidc,
            **context,
        )
        return HTMLResponse(page, status_code=status)

    def close(self) -> None:
        self.book.close()


class SecurityHeaders:
    """Headers on every response: a strict CSP (scripts and styles from this site only, no
    inline code, no framing), no sniffing, no referrer (invitation links stay out of logs
    elsewhere), HSTS, and no caching of anything but the static files."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"server", b"cache-control")
                ]
                headers += [
                    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"strict-transport-security", b"max-age=31536000"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                    (b"cache-control", b"public, max-age=3600" if static else b"no-store"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse a request body larger than the largest upload any assignment takes (plus the
    form around it) before it is read into memory or onto disk."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", []):
            if key == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _plain(send, 413, "This upload is larger than any assignment accepts.")
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413, "This upload is larger than any assignment accepts.")
            return message

        await self.app(scope, counted, send)


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


ERROR_TITLES = {
    400: "The request could not be used",
    401: "Sign in first",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    413: "Too large",
    429: "Too many attempts",
}


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    portal: Portal = request.app.state.portal
    if not hasattr(request.state, "viewer"):
        request.state.viewer = None
    detail = error.detail if error.status_code != 404 else "There is no such page here."
    return portal.render(
        request,
        "error.html",
        status=error.status_code,
        heading=ERROR_TITLES.get(error.status_code, "Something is wrong"),
        message=detail,
    )


async def server_error(request: Request, error: Exception) -> Response:
    reference = secrets.token_hex(4)
    log.exception("portal error %s on %s %s", reference, request.method, request.url.path)
    return PlainTextResponse(
        f"Something went wrong on the portal's side (reference {reference}). Your last action "
        "may not have been saved: check before trying again, and tell the course staff the "
        "reference if it happens again.",
        status_code=500,
    )


def create_app(config: PortalConfig) -> Starlette:
    """The portal for ``config``'s course and gradebook. Raises :class:`GradebookError`,
    :class:`CourseError` or :class:`PortalConfigError` when they cannot be used."""
    from dlcourse.portal import auth_pages, staff_pages, static_pages, student_pages

    if not config.public_url.startswith(("http://", "https://")):
        raise PortalConfigError(f"public URL {config.public_url!r}: write http(s)://host[:port]")
    portal = Portal(config)
    routes = [
        *static_pages.routes.routes,
        *auth_pages.routes.routes,
        *student_pages.routes.routes,
        *staff_pages.routes.routes,
    ]
    check_inventory(routes)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        worker = None
        if config.grading_worker:
            from dlcourse.portal.grading_worker import GradingWorker

            worker = GradingWorker(portal)
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            portal.close()

    app = Starlette(
        debug=False,
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(BodyLimit, limit=portal.largest_upload()),
            Middleware(
                SessionMiddleware,
                store=portal.sessions,
                secure=config.secure_cookies,
                clock=config.clock,
            ),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.state.portal = portal
    return app
