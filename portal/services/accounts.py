"""Creditor user accounts: creation, passwords, login checks.

Passwords are hashed with argon2id; a hash made with older parameters is
upgraded on the next successful login.
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
from portal.services import audit
from portal.services.errors import N_, DomainError

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


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidAccount(N_("The password must have at least 10 characters."))


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
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise InvalidAccount(N_("This email address is not valid."))
    check_new_password(password)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise InvalidAccount(N_("A user with this email address already exists."))
    user = User(
        email=email,
        name=name.strip(),
        password_hash=_hasher().hash(password),
        role=Role(role),
        language=language,
        created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", "user", user.id, at=now, email=email, role=str(user.role))
    return user


def authenticate(email: str, password: str, *, now: datetime) -> User | None:
    """The active user with these credentials, or None (same cost either way)."""
    hasher = _hasher()
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active:
        key = (hasher.time_cost, hasher.memory_cost)
        dummy = _DUMMY_HASH.setdefault(key, hasher.hash("not a real password"))
        with contextlib.suppress(VerificationError):
            hasher.verify(dummy, password)
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = now
    return user


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)
