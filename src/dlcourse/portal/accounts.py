"""Local accounts: passwords hashed with Argon2id, invitation links, the sign-in rate limit.

For small courses and development; a real term signs in through the university's single
sign-on (:mod:`dlcourse.portal.oidc`). Nobody signs up: staff invite people who are in the
gradebook (the roster), each invitation a one-time link whose token is stored only as its
SHA-256. Failed sign-ins are counted per account and per client address over a window; past
the limit the portal refuses to check passwords until the window moves on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, delete, func, insert, select, update

from dlcourse.grades import Gradebook, GradebookError
from dlcourse.grades.audit import audit_row
from dlcourse.grades.models import (
    AuditEntry,
    LoginAttempt,
    Person,
    PortalAccount,
    PortalInvitation,
)

MIN_PASSWORD = 10
_HASHER = PasswordHasher()  # Argon2id, RFC 9106's low-memory profile (64 MiB, 3 passes)
# Checked against when the account does not exist, so a wrong NetID costs as long as a wrong
# password and the timing does not tell which NetIDs have accounts.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """Something a person typed cannot be used; the message says what to do."""


@dataclass(frozen=True)
class Invitation:
    netid: str
    email: str | None
    name: str
    url: str
    expires_at: dt.datetime


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(self, gradebook: Gradebook, hasher: PasswordHasher | None = None):
        self.book = gradebook
        # tests pass a cheap hasher to make many accounts fast; verifying reads the cost from
        # each stored hash, so the portal checks those with their own (cheap) parameters
        self.hasher = hasher or _HASHER
        self.engine: Engine = gradebook.engine
        self._writer = self.engine.execution_options(dlcourse_write=True)

    # -- invitations -------------------------------------------------------------------
    def invite(
        self, who: str, base_url: str, actor: str, now: dt.datetime, days: int = 14
    ) -> Invitation:
        """A one-time link for ``who`` (NetID or e-mail of someone in the gradebook) to set a
        password; earlier unused links of theirs stop working."""
        person = self.book.find_person(who)
        if person is None or not person.enrolled:
            raise AccountError(
                f"{who!r} is not in the gradebook (or no longer enrolled): import the roster "
                "or the staff list first"
            )
        token = secrets.token_urlsafe(32)
        expires = now + dt.timedelta(days=days)
        with self._writer.begin() as connection:
            person_id = _person_id(connection, person.netid)
            connection.execute(
                delete(PortalInvitation.__table__).where(
                    PortalInvitation.person_id == person_id, PortalInvitation.used_at.is_(None)
                )
            )
            connection.execute(
                insert(PortalInvitation.__table__).values(
                    token_sha256=token_digest(token),
                    person_id=person_id,
                    created_by=actor,
                    created_at=now,
                    expires_at=expires,
                )
            )
            _audit(connection, actor, "invite", person.netid, "portal invitation", now)
        url = f"{base_url.rstrip('/')}/invite/{token}"
        return Invitation(person.netid, person.email, person.name, url, expires)

    def invitation_netid(self, token: str, now: dt.datetime) -> str | None:
        """The NetID an unused, unexpired invitation is for (None: no such link)."""
        with self.engine.connect() as connection:
            return connection.execute(
                select(Person.netid)
                .join(PortalInvitation, PortalInvitation.person_id == Person.id)
                .where(
                    PortalInvitation.token_sha256 == token_digest(token),
                    PortalInvitation.used_at.is_(None),
                    PortalInvitation.expires_at > now,
                    Person.enrolled.is_(True),
                )
            ).scalar_one_or_none()

    def accept_invitation(self, token: str, password: str, now: dt.datetime) -> int:
        """Set the password of the invited person and use the link up; their person id."""
        netid = self.invitation_netid(token, now)
        if netid is None:
            raise AccountError(
                "this invitation link is used up or expired: ask the course staff for a new one"
            )
        check_password(password, netid)
        hashed = self.hasher.hash(password)
        with self._writer.begin() as connection:
            used = connection.execute(
                update(PortalInvitation.__table__)
                .where(
                    PortalInvitation.token_sha256 == token_digest(token),
                    PortalInvitation.used_at.is_(None),
                )
                .values(used_at=now)
            ).rowcount
            if used != 1:  # a second tab raced this one
                raise AccountError("this invitation link was used already")
            person_id = _person_id(connection, netid)
            exists = connection.execute(
                select(PortalAccount.person_id).where(PortalAccount.person_id == person_id)
            ).first()
            values = {"password_hash": hashed, "password_set_at": now}
            if exists:
                connection.execute(
                    update(PortalAccount.__table__)
                    .where(PortalAccount.person_id == person_id)
                    .values(**values)
                )
            else:
                connection.execute(
                    insert(PortalAccount.__table__).values(person_id=person_id, **values)
                )
            _audit(connection, netid, "password", netid, "password set from an invitation", now)
        return person_id

    def has_account(self, netid: str) -> bool:
        with self.engine.connect() as connection:
            return (
                connection.execute(
                    select(PortalAccount.person_id)
                    .join(Person, Person.id == PortalAccount.person_id)
                    .where(Person.netid == netid)
                ).first()
                is not None
            )

    # -- signing in ----------------------------------------------------------------------
    def throttled(self, subjects: dict[str, int], now: dt.datetime, window: dt.timedelta) -> bool:
        """Whether any subject ('account:…', 'address:…') reached its limit of failures."""
        with self.engine.connect() as connection:
            for subject, limit in subjects.items():
                count = connection.execute(
                    select(func.count())
                    .select_from(LoginAttempt)
                    .where(LoginAttempt.subject == subject, LoginAttempt.at > now - window)
                ).scalar_one()
                if count >= limit:
                    return True
        return False

    def record_failure(self, subjects: list[str], now: dt.datetime) -> None:
        with self._writer.begin() as connection:
            connection.execute(
                insert(LoginAttempt.__table__), [{"subject": s, "at": now} for s in subjects]
            )

    def purge_attempts(self, before: dt.datetime) -> None:
        with self._writer.begin() as connection:
            connection.execute(delete(LoginAttempt.__table__).where(LoginAttempt.at <= before))

    def verify(self, who: str, password: str) -> int | None:
        """The person id when ``password`` is right for ``who`` (NetID or e-mail)."""
        wanted = who.strip().lower()
        with self.engine.connect() as connection:
            row = connection.execute(
                select(Person.id, PortalAccount.password_hash)
                .join(PortalAccount, PortalAccount.person_id == Person.id)
                .where((Person.netid == wanted) | (Person.email == wanted))
                .where(Person.enrolled.is_(True))
            ).first()
        try:
            self.hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return row.id if row else None


def check_password(password: str, netid: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"choose a password of at least {MIN_PASSWORD} characters")
    if netid.lower() in password.lower():
        raise AccountError("choose a password that does not contain your NetID")


def _person_id(connection, netid: str) -> int:
    person_id = connection.execute(select(Person.id).where(Person.netid == netid)).scalar()
    if person_id is None:
        raise GradebookError(f"no {netid} in the gradebook")
    return person_id


def _audit(connection, actor: str, action: str, netid: str, reason: str, now) -> None:
    # an account is not a grade, but who could sign in as whom, since when, is worth the trail;
    # no hash or token ever goes into it
    connection.execute(
        insert(AuditEntry.__table__).values(
            **audit_row(
                actor=actor,
                reason=reason,
                action=action,
                table=PortalAccount.__tablename__,
                key=netid,
                student=netid,
                old=None,
                new={"netid": netid},
                at=now,
            )
        )
    )
