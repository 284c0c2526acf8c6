"""The portal's static files (style, countdown, icon) and its health check. Names are looked
up in a fixed table, never joined to a path."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from dlcourse.portal.access import RouteTable

routes = RouteTable()
STATIC = Path(__file__).resolve().parent / "static"
FILES = {
    "portal.css": "text/css; charset=utf-8",
    "countdown.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


@routes.page("/static/{name}", access="public")
async def static_file(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in FILES:
        raise HTTPException(404)
    return Response((STATIC / name).read_bytes(), media_type=FILES[name])


@routes.page("/healthz", access="public")
async def health(request: Request) -> Response:
    """For the reverse proxy and for watching the portal at a deadline: the database answers."""

    def ping() -> None:
        with request.app.state.portal.book.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    await run_in_threadpool(ping)
    return PlainTextResponse("ok")
