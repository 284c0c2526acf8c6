"""Signing in and out: local accounts (with the rate limit), invitation links, single sign-on.

Every successful sign-in goes through :meth:`SessionState.sign_in`, which issues a new session
id: a session id known before signing in is worth nothing after it.
"""

from __future__ import annotations

import datetime as dt

import httpx2
from authlib.integrations.base_client import OAuthError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dlcourse.portal.access import RouteTable, form, safe_next
from dlcourse.portal.accounts import AccountError
from dlcourse.portal.sessions import session_state

routes = RouteTable()


def _client_address(request: Request) -> str:
    # behind a reverse proxy uvicorn puts the forwarded address here (--forwarded-allow-ips)
    return request.client.host if request.client else "unknown"


@routes.page("/", access="signed-in")
async def home(request: Request) -> Response:
    viewer = request.state.viewer
    return RedirectResponse("/staff" if viewer.is_staff else "/me", status_code=303)


@routes.page("/login", access="public")
async def login_page(request: Request) -> Response:
    portal = request.app.state.portal
    if request.state.viewer is not None:
        return RedirectResponse("/", status_code=303)
    return portal.render(
        request, "login.html", next=safe_next(request.query_params.get("next")), error=None
    )


@routes.page("/login", access="public", methods=("POST",))
async def login(request: Request) -> Response:
    portal = request.app.state.portal
    config = portal.config
    data = await form(request)
    who = str(data.get("netid", "")).strip()[:254]
    password = str(data.get("password", ""))[:1024]
    target = safe_next(str(data.get("next", "")))
    now = portal.now()
    window = dt.timedelta(minutes=config.login_window_minutes)
    # one count per account whether it is named by NetID or by e-mail
    known = await run_in_threadpool(portal.book.find_person, who) if who else None
    account = known.netid if known is not None else who.lower()
    subjects = {
        f"account:{account}": config.login_failures_per_account,
        f"address:{_client_address(request)}": config.login_failures_per_address,
    }
    if await run_in_threadpool(portal.accounts.throttled, subjects, now, window):
        raise HTTPException(
            429,
            f"Too many failed sign-ins for this account or from this address. Wait "
            f"{config.login_window_minutes} minutes, or ask the course staff for a new "
            "invitation link if you forgot your password.",
        )
    person_id = await run_in_threadpool(portal.accounts.verify, who, password) if who else None
    if person_id is None:
        await run_in_threadpool(portal.accounts.record_failure, list(subjects), now)
        return portal.render(
            request,
            "login.html",
            status=400,
            next=target,
            error="That NetID (or e-mail) and password do not match an account here.",
        )
    session_state(request.scope).sign_in(person_id)
    return RedirectResponse(target, status_code=303)


@routes.page("/logout", access="signed-in", methods=("POST",))
async def logout(request: Request) -> Response:
    session_state(request.scope).end()
    return RedirectResponse("/login", status_code=303)


@routes.page("/invite/{token}", access="public")
async def invitation_page(request: Request) -> Response:
    portal = request.app.state.portal
    netid = await run_in_threadpool(
        portal.accounts.invitation_netid, request.path_params["token"], portal.now()
    )
    if netid is None:
        raise HTTPException(
            404, "This invitation link is used up or expired: ask the course staff for a new one."
        )
    return portal.render(request, "invite.html", netid=netid, error=None)


@routes.page("/invite/{token}", access="public", methods=("POST",))
async def accept_invitation(request: Request) -> Response:
    portal = request.app.state.portal
    token = request.path_params["token"]
    data = await form(request)
    password, again = str(data.get("password", "")), str(data.get("again", ""))
    now = portal.now()
    netid = await run_in_threadpool(portal.accounts.invitation_netid, token, now)
    try:
        if password != again:
            raise AccountError("the two passwords differ: type the same one twice")
        person_id = await run_in_threadpool(
            portal.accounts.accept_invitation, token, password[:1024], now
        )
    except AccountError as error:
        if netid is None:
            raise HTTPException(404, str(error)) from error
        return portal.render(request, "invite.html", status=400, netid=netid, error=str(error))
    await run_in_threadpool(portal.sessions.end_all, person_id)
    session_state(request.scope).sign_in(person_id)
    return RedirectResponse("/", status_code=303)


@routes.page("/login/sso", access="public")
async def sso_start(request: Request) -> Response:
    portal = request.app.state.portal
    if portal.oidc_client is None:
        raise HTTPException(404)
    session_state(request.scope).data["next"] = safe_next(request.query_params.get("next"))
    callback = portal.config.public_url.rstrip("/") + "/login/sso/callback"
    try:
        return await portal.oidc_client.authorize_redirect(request, callback)
    except (httpx2.HTTPError, OAuthError, ValueError) as error:
        # the provider is down or its discovery document unusable: say so, plainly
        raise HTTPException(
            400, f"The university sign-in cannot be reached right now ({type(error).__name__})."
        ) from error


@routes.page("/login/sso/callback", access="public")
async def sso_callback(request: Request) -> Response:
    from dlcourse.portal.oidc import identity

    portal = request.app.state.portal
    if portal.oidc_client is None:
        raise HTTPException(404)
    state = session_state(request.scope)
    target = safe_next(state.data.get("next"))
    try:
        token = await portal.oidc_client.authorize_access_token(request)
    except OAuthError as error:
        raise HTTPException(
            400, f"The university sign-in did not complete ({error.error}): start again."
        ) from error
    userinfo = token.get("userinfo") or {}
    for key in identity(userinfo, portal.config.oidc):
        person = await run_in_threadpool(portal.book.find_person, key)
        if person is not None and person.enrolled:
            person_id = await run_in_threadpool(_person_id, portal, person.netid)
            state.sign_in(person_id)
            return RedirectResponse(target, status_code=303)
    raise HTTPException(
        403,
        "Your university account is not on this course's roster or staff list. If you are "
        "enrolled, ask the course staff to import the current roster.",
    )


def _person_id(portal, netid: str) -> int:
    from sqlalchemy import select

    from dlcourse.grades.models import Person

    with portal.book.engine.connect() as connection:
        return connection.execute(select(Person.id).where(Person.netid == netid)).scalar_one()
