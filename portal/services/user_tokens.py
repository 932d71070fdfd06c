"""One-time links that let a dashboard user choose a password: invitations and resets.

The email carries a random token; the database keeps only its SHA-256, so a
copy of the database opens nothing. A link works once, until it expires, and
a newer link of the same kind voids the older ones. "Forgot password" answers
the same whether the address is a user's or not, so it reveals no account.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import TokenPurpose, User, UserToken
from portal.services import accounts, audit, notifications
from portal.services.errors import N_, DomainError

#: Where the dashboard serves the "choose a password" page (portal/auth/password_views.py).
PATH_PREFIX = "/password/"


class TokenInvalid(DomainError):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def absolute_url(token: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}{PATH_PREFIX}{token}"


def issue(user: User, purpose: TokenPurpose, *, now: datetime, valid_for: timedelta) -> str:
    """A fresh token (returned once, never stored); earlier unused ones of this kind die."""
    db.session.execute(
        update(UserToken)
        .where(
            UserToken.user_id == user.id,
            UserToken.purpose == purpose,
            UserToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    db.session.flush()
    return token


def find(token: str, *, now: datetime) -> UserToken | None:
    """The live token row for this token: unused, unexpired, its user active."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(UserToken).where(UserToken.token_hash == hash_token(token)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    user = db.session.get(User, row.user_id)
    return row if user is not None and user.active else None


def user_of(row: UserToken) -> User:
    return db.session.get(User, row.user_id)


def choose_password(token: str, password: str, *, now: datetime) -> User:
    """Set the password through a link, which then dies; every session of the user ends."""
    row = find(token, now=now)
    if row is None:
        raise TokenInvalid(N_("This link has expired or was already used. Ask for a new one."))
    accounts.check_new_password(password)
    user = user_of(row)
    row.used_at = now
    accounts.set_password(user, password, actor=audit.Actor.user(user), now=now)
    return user


def send_reset(email: str, *, now: datetime, base_url: str, valid_for: timedelta) -> None:
    """Email a reset link when the address is an active user's; otherwise nothing, silently."""
    user = accounts.get_by_email(email)
    if user is None or not user.active:
        return
    token = issue(user, TokenPurpose.PASSWORD_RESET, now=now, valid_for=valid_for)
    notifications.tell_user(
        user,
        "password_reset",
        now=now,
        url=absolute_url(token, base_url),
        minutes=int(valid_for.total_seconds() // 60),
    )
    audit.record(audit.Actor.system(), "user.password_reset_sent", "user", user.id, at=now)
