"""Creditor user accounts: creation, passwords, login checks, sessions.

Passwords are hashed with argon2id; a hash made with older parameters is
upgraded on the next successful login. Every refused login costs one hash
verification, whether the email is unknown, the account inactive or locked,
or the password wrong, so the answer's timing tells nothing about the account.

A session names the user and their `session_version`; raising the version
(logout, a new password, a role change, a deactivation, "log out everywhere")
voids every session at once, even a cookie copied before.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Role, User
from portal.services import audit, login_lock
from portal.services.errors import N_, DomainError
from portal.services.login_lock import LockPolicy

MIN_PASSWORD_LENGTH = 10
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: Compared against when the email is unknown, so both cases take the same time.
_DUMMY_HASH: dict[tuple[int, int], str] = {}


class InvalidAccount(DomainError):
    pass


#: argon2id costs, set once by create_app from PASSWORD_HASH_TIME_COST and _MEMORY_COST.
_costs: dict[str, int] = {"time_cost": 3, "memory_cost": 65536}


def configure_hashing(*, time_cost: int, memory_cost: int) -> None:
    """Set the argon2id costs for this process (tests make them cheap)."""
    _costs.update(time_cost=int(time_cost), memory_cost=int(memory_cost))


def _hasher() -> PasswordHasher:
    return PasswordHasher(**_costs)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidAccount(N_("The password must have at least 10 characters."))


def check_email(email: str) -> str:
    """The normalised address, refused when malformed or already a user's."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise InvalidAccount(N_("This email address is not valid."))
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise InvalidAccount(N_("A user with this email address already exists."))
    return email


def has_users() -> bool:
    return db.session.scalar(select(func.count(User.id))) > 0


def create_user(
    email: str,
    password: str,
    *,
    role: str | Role,
    actor: audit.Actor,
    now: datetime,
    name: str = "",
    language: str = "",
) -> User:
    email = check_email(email)
    check_new_password(password)
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        role=Role(role),
        language=language,
        created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", "user", user.id, at=now, email=email, role=str(user.role))
    return user


def _verify_dummy(password: str) -> None:
    hasher = _hasher()
    key = (hasher.time_cost, hasher.memory_cost)
    dummy = _DUMMY_HASH.setdefault(key, hasher.hash("not a real password"))
    with contextlib.suppress(VerificationError):
        hasher.verify(dummy, password)


def verify_password(user: User, password: str) -> bool:
    """Whether `password` is the user's (one hash verification, even without a password set)."""
    if not user.password_hash:
        _verify_dummy(password)
        return False
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(
    email: str, password: str, *, now: datetime, policy: LockPolicy | None = None
) -> User | None:
    """The active user with these credentials, or None (same cost either way).

    A wrong password counts towards the account's lock (login_lock); a locked
    account refuses even the right password until the lock ends.
    """
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active:
        _verify_dummy(password)
        return None
    matches = verify_password(user, password)
    if login_lock.is_locked(user, now):
        return None
    if not matches:
        login_lock.record_failure(user, now=now, policy=policy or LockPolicy())
        return None
    if not user.totp_enabled:  # else the failures count on until the second step succeeds
        login_lock.record_success(user)
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def get_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def load_session_user(session_id: str) -> User | None:
    """The user a session names, if that session still holds (`<id>:<session version>`)."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def end_sessions(user: User, *, actor: audit.Actor, now: datetime, why: str) -> None:
    """Void every session of the user, on every device."""
    user.session_version = (user.session_version or 0) + 1
    audit.record(actor, "user.sessions_ended", "user", user.id, at=now, why=why)


def set_password(user: User, password: str, *, actor: audit.Actor, now: datetime) -> None:
    """A new password ends every session and lifts a lock (the owner or a reset link chose it)."""
    check_new_password(password)
    user.password_hash = hash_password(password)
    login_lock.unlock(user)
    audit.record(actor, "user.password_changed", "user", user.id, at=now)
    end_sessions(user, actor=actor, now=now, why="password")


def change_password(
    user: User, current: str, new: str, *, actor: audit.Actor, now: datetime
) -> None:
    """The user's own change: the current password first, so an open session is not enough."""
    if not verify_password(user, current):
        raise InvalidAccount(N_("The current password is wrong."))
    set_password(user, new, actor=actor, now=now)
