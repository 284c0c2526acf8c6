"""CLI for the course portal: ``dlcourse portal`` serves it, ``dlcourse portal invite`` makes
sign-in links. Thin wrappers over :mod:`dlcourse.portal`; a problem is one line on stderr and
exit code 2."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import typer

from dlcourse.cli.messages import COURSE_OPTION, course_or_exit, echo_issues

portal_app = typer.Typer(
    name="portal",
    help="The course portal: students hand in homework and see their grades; staff grade.",
    invoke_without_command=True,
)

DB_OPTION = typer.Option(
    None,
    "--db",
    help="Gradebook URL (sqlite:///FILE or postgresql+psycopg://…). Default: $DLCOURSE_DB, else "
    "<course>/grades/gradebook.sqlite3.",
)
URL_OPTION = typer.Option(
    None,
    "--url",
    help="The address people open (for invitation links and single sign-on). Default: "
    "$DLCOURSE_PORTAL_URL, else http://HOST:PORT.",
)


def register(app: typer.Typer) -> None:
    app.add_typer(portal_app, name="portal")


def _fail(issues: list[str] | str) -> typer.Exit:
    echo_issues([issues] if isinstance(issues, str) else issues)
    return typer.Exit(2)


def _portal_modules() -> Any:
    try:
        import dlcourse.portal as portal
    except ModuleNotFoundError as error:
        raise _fail(
            f"the portal needs the portal extra ({error.name} is missing): "
            "pip install 'dlcourse[portal]'"
        ) from error
    return portal


def _config(course_dir: Path | None, db: str | None, url: str | None, default_url: str) -> Any:
    portal = _portal_modules()
    course = course_or_exit(course_dir)
    try:
        oidc, smtp, env_url = portal.settings_from_environment()
    except portal.PortalConfigError as error:
        raise _fail(str(error)) from error
    return portal.PortalConfig(
        course=course,
        db_url=db,
        public_url=url or env_url or default_url,
        oidc=oidc,
        smtp=smtp,
    )


@portal_app.callback(invoke_without_command=True)
def serve_cmd(
    context: typer.Context,
    course_dir: Path | None = COURSE_OPTION,
    db: str | None = DB_OPTION,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8001, "--port", "-p", min=1, max=65535, help="Port to listen on."),
    url: str | None = URL_OPTION,
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1",
        "--forwarded-allow-ips",
        help="Reverse proxies whose X-Forwarded-For/-Proto headers are believed (comma-separated).",
    ),
) -> None:
    """Serve the portal (uvicorn). Behind a reverse proxy with HTTPS for a real term: see
    docs/portal.md."""
    if context.invoked_subcommand is not None:
        return
    _portal_modules()
    import uvicorn

    from dlcourse.course import CourseError
    from dlcourse.grades import GradebookError
    from dlcourse.grades.db import redact
    from dlcourse.portal import PortalConfigError, create_app

    config = _config(course_dir, db, url, f"http://{host}:{port}")
    try:
        app = create_app(config)
    except GradebookError as error:
        raise _fail(error.issues) from error
    except CourseError as error:
        raise _fail([str(issue) for issue in error.issues]) from error
    except PortalConfigError as error:
        raise _fail(str(error)) from error
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        app.state.portal.close()
        raise _fail(
            f"cannot listen on {host}:{port}: {error.strerror}; pick another --port"
        ) from error
    portal = app.state.portal
    typer.echo(
        f"portal of {portal.title} on http://{host}:{port} (public address {config.public_url}); "
        f"gradebook {redact(portal.book.url)}; sign-in: local accounts"
        + (f" and {config.oidc.issuer}" if config.oidc else "")
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            proxy_headers=True,
            forwarded_allow_ips=forwarded_allow_ips,
            server_header=False,
            log_level="info",
        )
    )
    server.run(sockets=[listener])


@portal_app.command("invite")
def invite_cmd(
    people: list[str] = typer.Argument(None, help="NetIDs or e-mails of people in the gradebook."),
    all_students: bool = typer.Option(
        False, "--all-students", help="Everyone enrolled without a portal account yet."
    ),
    course_dir: Path | None = COURSE_OPTION,
    db: str | None = DB_OPTION,
    url: str | None = URL_OPTION,
    actor: str | None = typer.Option(
        None, "--as", help="NetID recorded in the audit log. Default: $DLCOURSE_USER."
    ),
) -> None:
    """Print a one-time sign-in link per person (or e-mail it when DLCOURSE_SMTP_HOST is set)."""
    _portal_modules()
    from dlcourse.grades import GradebookError, open_gradebook
    from dlcourse.grades.store import current_actor
    from dlcourse.portal.accounts import AccountError, Accounts
    from dlcourse.portal.mail import MailError, send_invitation

    config = _config(course_dir, db, url, "http://127.0.0.1:8001")
    if not people and not all_students:
        raise _fail("name the people to invite (NetIDs), or pass --all-students")
    try:
        book = open_gradebook(config.course, db, actor=actor)
    except GradebookError as error:
        raise _fail(error.issues) from error
    with book:
        accounts = Accounts(book)
        wanted = list(people or [])
        if all_students:
            wanted += [p.netid for p in book.people("student") if not accounts.has_account(p.netid)]
        unknown = [who for who in wanted if book.find_person(who) is None]
        if unknown:
            raise _fail(
                [f"{who!r} is not in the gradebook; import the roster first" for who in unknown]
            )
        title = config.course.course.short_title or config.course.course.code
        for who in wanted:
            try:
                invitation = accounts.invite(
                    who,
                    config.public_url,
                    actor or current_actor(),
                    config.clock(),
                    config.invitation_days,
                )
                if config.smtp is not None:
                    send_invitation(config.smtp, invitation, title)
                    typer.echo(f"{invitation.netid}: sent to {invitation.email}")
                else:
                    typer.echo(f"{invitation.netid}: {invitation.url}")
            except (AccountError, MailError) as error:
                raise _fail(str(error)) from error
