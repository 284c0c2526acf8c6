"""Invitations by e-mail, when an SMTP server is configured (``DLCOURSE_SMTP_*``)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from dlcourse.portal.accounts import Invitation
from dlcourse.portal.config import SmtpSettings


class MailError(RuntimeError):
    """The SMTP server refused or could not be reached; the message says which."""


def invitation_message(invitation: Invitation, course_title: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = invitation.email or ""
    message["Subject"] = f"{course_title}: your portal sign-in"
    message.set_content(
        f"Hello {invitation.name},\n\n"
        f"The course portal of {course_title} is where you hand in homework and see your "
        "grades. Choose your password here (the link works once, until "
        f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC):\n\n{invitation.url}\n\n"
        "If you did not expect this message, ignore it.\n"
    )
    return message


def send_invitation(settings: SmtpSettings, invitation: Invitation, course_title: str) -> None:
    if not invitation.email:
        raise MailError(f"{invitation.netid} has no e-mail address in the gradebook")
    message = invitation_message(invitation, course_title, settings.sender)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=30) as server:
            if settings.starttls:
                server.starttls()
            if settings.user:
                server.login(settings.user, settings.password or "")
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(
            f"could not send to {invitation.netid} through {settings.host}:{settings.port}: {error}"
        ) from error
