"""Sessions kept on the server, in the gradebook's database.

The browser holds only a random id (256 bits) in a cookie that is ``Secure``, ``HttpOnly`` and
``SameSite=Lax`` (named ``__Host-…`` so no other host or path can set it); the table holds its
SHA-256, who is signed in and the session's data (the CSRF token, the OpenID Connect state).
Signing in **rotates** the id — the session a visitor had before (which an attacker may have
planted) is deleted and a new id is issued — so a fixed session id never becomes a signed-in one.

The middleware puts the data at ``scope["session"]`` (where Starlette and Authlib look for it)
and writes it back before the response starts, only when it changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dlcourse.grades.models import PortalSession

SECURE_COOKIE = "__Host-dlcourse"
PLAIN_COOKIE = "dlcourse"
_TABLE = PortalSession.__table__


def _digest(raw_id: str) -> str:
    return hashlib.sha256(raw_id.encode()).hexdigest()


@dataclass
class SessionState:
    """One request's view of its session: change ``data``, call :meth:`sign_in` or
    :meth:`end`; the middleware stores the result."""

    raw_id: str | None = None
    person_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    loaded: str = "{}"
    rotate: bool = False
    destroy: bool = False

    def sign_in(self, person_id: int) -> None:
        """Bind the session to ``person_id`` under a new id; the old id stops working."""
        self.person_id = person_id
        self.data.clear()
        self.rotate = True

    def end(self) -> None:
        self.destroy = True


class SessionStore:
    def __init__(self, engine: Engine, lifetime: dt.timedelta):
        self.engine = engine
        self.lifetime = lifetime
        self._writer = engine.execution_options(dlcourse_write=True)

    def load(self, raw_id: str, now: dt.datetime) -> SessionState | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(_TABLE.c.person_id, _TABLE.c.data).where(
                    _TABLE.c.id_sha256 == _digest(raw_id), _TABLE.c.expires_at > now
                )
            ).first()
        if row is None:
            return None
        return SessionState(raw_id, row.person_id, json.loads(row.data), row.data)

    def save(self, state: SessionState, now: dt.datetime) -> str | None:
        """Store what changed; returns the id to set in the cookie ("" to clear it, None to
        leave the cookie alone)."""
        text = json.dumps(state.data, sort_keys=True)
        with self._writer.begin() as connection:
            if state.destroy or state.rotate:
                if state.raw_id is not None:
                    connection.execute(
                        delete(_TABLE).where(_TABLE.c.id_sha256 == _digest(state.raw_id))
                    )
                if state.destroy:
                    return ""
                state.raw_id = None
            if state.raw_id is None:
                if not state.data and state.person_id is None:
                    return None  # nothing worth a cookie
                raw_id = secrets.token_urlsafe(32)
                connection.execute(
                    insert(_TABLE).values(
                        id_sha256=_digest(raw_id),
                        person_id=state.person_id,
                        data=text,
                        created_at=now,
                        seen_at=now,
                        expires_at=now + self.lifetime,
                    )
                )
                return raw_id
            if text != state.loaded:
                connection.execute(
                    update(_TABLE)
                    .where(_TABLE.c.id_sha256 == _digest(state.raw_id))
                    .values(data=text, seen_at=now)
                )
        return None

    def end_all(self, person_id: int) -> None:
        """Sign a person out everywhere (their password changed)."""
        with self._writer.begin() as connection:
            connection.execute(delete(_TABLE).where(_TABLE.c.person_id == person_id))

    def purge(self, now: dt.datetime) -> int:
        with self._writer.begin() as connection:
            return connection.execute(delete(_TABLE).where(_TABLE.c.expires_at <= now)).rowcount


class SessionMiddleware:
    """Loads the session named by the cookie and stores it back before the response starts."""

    def __init__(self, app: ASGIApp, store: SessionStore, secure: bool, clock: Any):
        self.app = app
        self.store = store
        self.secure = secure
        self.cookie = SECURE_COOKIE if secure else PLAIN_COOKIE
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_id = _cookie(scope, self.cookie)
        state = None
        if raw_id:
            state = await run_in_threadpool(self.store.load, raw_id, self.clock())
        if state is None:
            state = SessionState()
        scope["session"] = state.data
        scope["dlcourse.session"] = state

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                new_id = await run_in_threadpool(self.store.save, state, self.clock())
                if new_id is not None:
                    headers = list(message.get("headers", []))
                    headers.append((b"set-cookie", self._cookie_header(new_id).encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie_header(self, value: str) -> str:
        parts = [f"{self.cookie}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        if not value:
            parts.append("Max-Age=0")
        else:
            parts.append(f"Max-Age={int(self.store.lifetime.total_seconds())}")
        return "; ".join(parts)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:  # a malformed cookie header is no session, not an error page
                continue
            if name in jar:
                return jar[name].value
    return None


def session_state(scope: Scope) -> SessionState:
    return scope["dlcourse.session"]
