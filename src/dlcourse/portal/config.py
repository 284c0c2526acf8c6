"""What the portal is configured with: the course and gradebook from the command line, secrets
from the environment (never from ``course.toml``, which lives in a repository).

- ``DLCOURSE_PORTAL_URL``: the public address (``https://portal.example.edu``), for the
  invitation links and the single sign-on's return address.
- ``DLCOURSE_OIDC_ISSUER``, ``DLCOURSE_OIDC_CLIENT_ID``, ``DLCOURSE_OIDC_CLIENT_SECRET``: the
  university's OpenID Connect issuer (discovery at ``/.well-known/openid-configuration``) and
  this portal's client there. ``DLCOURSE_OIDC_NETID_CLAIM``: the ID-token claim holding the
  NetID (default ``preferred_username``; the ``email`` claim is tried next).
  ``DLCOURSE_OIDC_LABEL``: the sign-in button's words.
- ``DLCOURSE_SMTP_HOST``, ``_PORT``, ``_USER``, ``_PASSWORD``, ``_FROM``, ``_STARTTLS``: send
  invitations by e-mail instead of showing the link.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from dlcourse.course import Course
from dlcourse.grades.models import utc_now

PREFIX = "DLCOURSE_"


class PortalConfigError(ValueError):
    """A setting that cannot be used; the message names the variable and what to write."""


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str
    netid_claim: str = "preferred_username"
    label: str = "university sign-in"

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    sender: str = "dlcourse-portal@localhost"
    starttls: bool = True


@dataclass(frozen=True)
class PortalConfig:
    """Everything :func:`dlcourse.portal.create_app` needs."""

    course: Course
    db_url: str | None = None
    public_url: str = "http://127.0.0.1:8001"
    oidc: OidcSettings | None = None
    smtp: SmtpSettings | None = None
    # Secure cookies need HTTPS; browsers make an exception for 127.0.0.1 and localhost, so
    # only a test client talking plain HTTP to another host name ever turns this off.
    secure_cookies: bool = True
    session_hours: float = 12.0
    invitation_days: int = 14
    login_window_minutes: int = 15
    login_failures_per_account: int = 5
    login_failures_per_address: int = 30
    grading_worker: bool = True
    # The receiving side's clock: the gradebook's UTC time. Tests move it to a deadline.
    clock: Callable[[], dt.datetime] = field(default=utc_now)


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise PortalConfigError(f"${name}={value!r}: write true or false")


def settings_from_environment(
    environ: Mapping[str, str] | None = None,
) -> tuple[OidcSettings | None, SmtpSettings | None, str | None]:
    """OIDC, SMTP and the public URL from the environment; all-or-nothing per group."""
    env = os.environ if environ is None else environ
    oidc = None
    names = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")
    given = [PREFIX + n for n in names if env.get(PREFIX + n)]
    if given and len(given) != len(names):
        missing = [PREFIX + n for n in names if not env.get(PREFIX + n)]
        raise PortalConfigError(
            f"single sign-on needs {', '.join('$' + m for m in missing)} too "
            f"({', '.join('$' + g for g in given)} set)"
        )
    if given:
        issuer = env[PREFIX + "OIDC_ISSUER"]
        if not issuer.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise PortalConfigError(
                f"$DLCOURSE_OIDC_ISSUER={issuer!r}: an issuer is an https:// address"
            )
        oidc = OidcSettings(
            issuer=issuer,
            client_id=env[PREFIX + "OIDC_CLIENT_ID"],
            client_secret=env[PREFIX + "OIDC_CLIENT_SECRET"],
            netid_claim=env.get(PREFIX + "OIDC_NETID_CLAIM") or "preferred_username",
            label=env.get(PREFIX + "OIDC_LABEL") or "university sign-in",
        )
    smtp = None
    if env.get(PREFIX + "SMTP_HOST"):
        port_text = env.get(PREFIX + "SMTP_PORT") or "587"
        if not port_text.isdigit():
            raise PortalConfigError(f"$DLCOURSE_SMTP_PORT={port_text!r}: write a port number")
        smtp = SmtpSettings(
            host=env[PREFIX + "SMTP_HOST"],
            port=int(port_text),
            user=env.get(PREFIX + "SMTP_USER") or None,
            password=env.get(PREFIX + "SMTP_PASSWORD") or None,
            sender=env.get(PREFIX + "SMTP_FROM") or "dlcourse-portal@localhost",
            starttls=_flag(env.get(PREFIX + "SMTP_STARTTLS", "true"), "DLCOURSE_SMTP_STARTTLS"),
        )
    public_url = env.get(PREFIX + "PORTAL_URL") or None
    if public_url is not None and not public_url.startswith(("https://", "http://")):
        raise PortalConfigError(
            f"$DLCOURSE_PORTAL_URL={public_url!r}: write the address students open, "
            "e.g. https://portal.example.edu"
        )
    return oidc, smtp, public_url
