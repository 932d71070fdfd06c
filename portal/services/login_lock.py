"""Slowing down password guessing on one account, whatever address it comes from.

The address limit (flask-limiter, in the login view) stops one machine; this
stops many machines guessing one account. After `threshold` failures in a row
the account refuses every password for a while, and each further failure
doubles the wait up to `longest_lock`. The first lock puts a task on the
owner's list, since it may be someone else trying. State lives on the user
row, so it holds across workers and restarts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext

from portal.extensions import db
from portal.models import User
from portal.services import audit, notifications

TASK_KIND = "account_locked"


@dataclass(frozen=True)
class LockPolicy:
    threshold: int = 5
    first_lock: timedelta = timedelta(minutes=1)
    longest_lock: timedelta = timedelta(hours=1)

    @classmethod
    def from_config(cls, config: Mapping) -> LockPolicy:
        return cls(
            threshold=int(config.get("LOGIN_LOCK_AFTER", cls.threshold)),
            first_lock=timedelta(minutes=float(config.get("LOGIN_LOCK_MINUTES", 1))),
            longest_lock=timedelta(minutes=float(config.get("LOGIN_LOCK_MAX_MINUTES", 60))),
        )

    def lock_for(self, failures: int) -> timedelta:
        """How long the account waits after `failures` failures in a row (none below the threshold)."""
        if failures < self.threshold:
            return timedelta(0)
        doublings = min(failures - self.threshold, 20)
        return min(self.first_lock * (2**doublings), self.longest_lock)


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def record_failure(user: User, *, now: datetime, policy: LockPolicy) -> None:
    """Count a wrong password; committed at once, although the request answers 401 and rolls back."""
    user.failed_logins = (user.failed_logins or 0) + 1
    wait = policy.lock_for(user.failed_logins)
    if wait:
        user.locked_until = now + wait
        if user.failed_logins == policy.threshold:
            _tell_the_owner(user, now=now)
    db.session.commit()


def record_success(user: User) -> None:
    user.failed_logins = 0
    user.locked_until = None


def unlock(user: User) -> None:
    record_success(user)


def _tell_the_owner(user: User, *, now: datetime) -> None:
    audit.record(
        audit.Actor.system(), "user.locked", "user", user.id, at=now, failures=user.failed_logins
    )
    with notifications.creditor_language():
        title = gettext(
            "Login to %(email)s locked after %(count)d wrong passwords",
            email=user.email,
            count=user.failed_logins,
        )
        body = gettext(
            "If it was not them, someone may be guessing the password: ask them to choose a "
            "longer one, or deactivate the account on the Users page."
        )
    notifications.ask_creditor(
        TASK_KIND, title, now=now, due_date=now.date(), about=("user", user.id), body=body
    )
