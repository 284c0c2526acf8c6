"""Who may open which page: every route is declared with an access rule, and one wrapper
enforces it before the page's code runs — sign-in, role, and the CSRF token of every form.

Rules, from least to most trusted: ``public`` (sign-in pages, static files), ``signed-in``
(anyone with a role; pages that take an object id check ownership themselves), ``student``,
``grader``, ``ta``, ``instructor`` (each staff rule admits the roles above it). A route without
a rule cannot be declared: :func:`check_inventory` refuses the app, and a test lists every
route with its rule.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from dlcourse.portal.sessions import session_state

ACCESS_RULES = ("public", "signed-in", "student", "grader", "ta", "instructor")
STAFF_RANK = {"grader": 1, "ta": 2, "instructor": 3}
CSRF_FIELD = "csrf_token"
# what one form may hold besides its file: enough for every form here, far below abuse
MAX_FORM_FIELDS = 16
MAX_FORM_FILES = 1

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, as the gradebook knows them now (role re-read every request)."""

    person_id: int
    netid: str
    name: str
    role: str

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_RANK

    def at_least(self, role: str) -> bool:
        return STAFF_RANK.get(self.role, 0) >= STAFF_RANK[role]


class RouteTable:
    """The portal's routes, each with its access rule."""

    def __init__(self) -> None:
        self.routes: list[BaseRoute] = []

    def page(
        self, path: str, access: str, methods: tuple[str, ...] = ("GET",)
    ) -> Callable[[Handler], Handler]:
        if access not in ACCESS_RULES:
            raise ValueError(f"{path}: access rule {access!r} is not one of {ACCESS_RULES}")

        def decorate(handler: Handler) -> Handler:
            async def endpoint(request: Request) -> Response:
                viewer = await current_viewer(request)
                request.state.viewer = viewer
                if access != "public":
                    if viewer is None:
                        if request.method == "GET":
                            target = quote(request.url.path, safe="/")
                            return RedirectResponse(f"/login?next={target}", status_code=303)
                        raise HTTPException(401, "Sign in first.")
                    if access == "student" and viewer.role != "student":
                        raise HTTPException(403, "This page is for students.")
                    if access in STAFF_RANK and not viewer.at_least(access):
                        raise HTTPException(
                            403, f"This page is for course staff ({access} or above)."
                        )
                if request.method not in ("GET", "HEAD"):
                    await check_csrf(request)
                return await handler(request)

            endpoint.access = access  # type: ignore[attr-defined]
            endpoint.__name__ = handler.__name__
            endpoint.__doc__ = handler.__doc__
            self.routes.append(Route(path, endpoint, methods=list(methods)))
            return handler

        return decorate


def check_inventory(routes: list[BaseRoute]) -> None:
    """Refuse to serve a route that has no access rule."""
    for route in routes:
        rule = getattr(getattr(route, "endpoint", None), "access", None)
        if rule not in ACCESS_RULES:
            raise RuntimeError(f"route {getattr(route, 'path', route)!r} has no access rule")


async def current_viewer(request: Request) -> Viewer | None:
    state = session_state(request.scope)
    if state.person_id is None:
        return None
    portal = request.app.state.portal
    return await run_in_threadpool(portal.viewer, state.person_id)


def csrf_token(request: Request) -> str:
    """This session's CSRF token (made on first use); every form carries it."""
    data = session_state(request.scope).data
    if "csrf" not in data:
        data["csrf"] = secrets.token_urlsafe(32)
    return data["csrf"]


async def form(request: Request) -> Any:
    try:
        return await request.form(max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS)
    except MultiPartException as error:
        raise HTTPException(400, f"The form could not be read: {error.message}") from error


async def check_csrf(request: Request) -> None:
    expected = session_state(request.scope).data.get("csrf")
    given = (await form(request)).get(CSRF_FIELD)
    if (
        not expected
        or not isinstance(given, str)
        or not hmac.compare_digest(given.encode(), expected.encode())
    ):
        raise HTTPException(
            403,
            "This form has expired or did not come from this portal: reload the page and "
            "try again.",
        )


def viewer_of(request: Request) -> Viewer:
    viewer = request.state.viewer
    assert viewer is not None  # the route's rule admitted only the signed-in
    return viewer


def safe_next(target: str | None) -> str:
    """A path on this site to go to after signing in; anything else goes home."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
