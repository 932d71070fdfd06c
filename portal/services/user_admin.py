"""The owner manages who may use the dashboard: invitations, roles, deactivation.

Two guards hold whatever the order of clicks: the portal always keeps one
active owner (else nobody could manage it again but the command line), and
an owner never locks themselves out (deactivating their own account). A role
change or a deactivation ends the user's sessions at once, so a demoted or
departed user cannot carry on with a page left open.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Organisation, Role, TokenPurpose, User
from portal.services import accounts, audit, notifications, user_tokens
from portal.services.errors import N_, DomainError, NotFound


class UserChangeRefused(DomainError):
    pass


def list_users() -> Sequence[User]:
    """Active users first, owners before collectors, then by email."""
    return db.session.scalars(
        select(User).order_by(User.active.desc(), User.role.desc(), User.email)
    ).all()


def get(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(N_("This user does not exist."))
    return user


def invite(
    email: str,
    *,
    role: str | Role,
    name: str = "",
    actor_user: User,
    now: datetime,
    base_url: str,
    valid_for: timedelta,
) -> User:
    """Add a user without a password and email them a one-time link to choose one."""
    email = accounts.check_email(email)
    user = User(email=email, name=name.strip(), password_hash="", role=Role(role), created_at=now)
    db.session.add(user)
    db.session.flush()
    _send_invitation(user, actor_user=actor_user, now=now, base_url=base_url, valid_for=valid_for)
    audit.record(
        audit.Actor.user(actor_user),
        "user.invited",
        "user",
        user.id,
        at=now,
        email=email,
        role=str(user.role),
    )
    return user


def invite_again(
    user: User, *, actor_user: User, now: datetime, base_url: str, valid_for: timedelta
) -> None:
    """A fresh invitation for someone who has not chosen a password yet (the first expired)."""
    if user.has_password or not user.active:
        raise UserChangeRefused(N_("This user has already chosen a password."))
    _send_invitation(user, actor_user=actor_user, now=now, base_url=base_url, valid_for=valid_for)
    audit.record(audit.Actor.user(actor_user), "user.invited", "user", user.id, at=now, again=True)


def _send_invitation(
    user: User, *, actor_user: User, now: datetime, base_url: str, valid_for: timedelta
) -> None:
    token = user_tokens.issue(user, TokenPurpose.INVITATION, now=now, valid_for=valid_for)
    notifications.tell_user(
        user,
        "user_invitation",
        now=now,
        url=user_tokens.absolute_url(token, base_url),
        inviter=actor_user.name or actor_user.email,
        days=max(1, valid_for.days),
    )


def _other_active_owners(user: User) -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.OWNER, User.active.is_(True), User.id != user.id
        )
    )


def change_role(user: User, role: str | Role, *, actor_user: User, now: datetime) -> None:
    role = Role(role)
    if role is user.role:
        return
    if user.role is Role.OWNER and user.active and not _other_active_owners(user):
        raise UserChangeRefused(N_("The portal needs at least one active owner."))
    before, user.role = user.role, role
    actor = audit.Actor.user(actor_user)
    audit.record(
        actor, "user.role_changed", "user", user.id, at=now, before=str(before), after=str(role)
    )
    accounts.end_sessions(user, actor=actor, now=now, why="role")


def deactivate(user: User, *, actor_user: User, now: datetime) -> None:
    if user.id == actor_user.id:
        raise UserChangeRefused(N_("You cannot deactivate your own account."))
    if not user.active:
        return
    if user.role is Role.OWNER and not _other_active_owners(user):
        raise UserChangeRefused(N_("The portal needs at least one active owner."))
    user.active = False
    actor = audit.Actor.user(actor_user)
    audit.record(actor, "user.deactivated", "user", user.id, at=now)
    accounts.end_sessions(user, actor=actor, now=now, why="deactivated")


def reactivate(user: User, *, actor_user: User, now: datetime) -> None:
    if user.active:
        return
    user.active = True
    audit.record(audit.Actor.user(actor_user), "user.reactivated", "user", user.id, at=now)


def end_sessions(user: User, *, actor_user: User, now: datetime) -> None:
    """A lost laptop: the owner logs a user out everywhere."""
    accounts.end_sessions(user, actor=audit.Actor.user(actor_user), now=now, why="owner")


def require_two_factor(org: Organisation, required: bool, *, actor_user: User, now: datetime):
    if org.require_two_factor == required:
        return
    org.require_two_factor = required
    audit.record(
        audit.Actor.user(actor_user),
        "organisation.two_factor_required",
        "organisation",
        org.id,
        at=now,
        required=required,
    )
