"""Debtor access links.

A link is 256 random bits; only its SHA-256 is stored, so a database leak does
not open anyone's account. Links are reusable until they expire: mail scanners
open links before people do, so opening one only records that it was opened.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import AccessLink, Customer, CustomerEmail, MessageKind
from portal.services import audit
from portal.services.errors import DomainError

PATH_PREFIX = "/p/"


class LinkInvalid(DomainError):
    """Unknown, expired or revoked; `reason` says which (never shown to the visitor)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(
    customer: Customer,
    *,
    now: datetime,
    days: int,
    actor: audit.Actor,
    purpose: str = "manual",
    audited: bool = True,
) -> str:
    """Make a new link for the customer and return its token (shown once, never stored).

    A reminder's link is recorded with the reminder's own audit event instead
    (`audited=False`): one event per email, not two.
    """
    if days < 1:
        raise DomainError("A link must be valid for at least one day.")
    token = secrets.token_urlsafe(32)
    link = AccessLink(
        customer_id=customer.id,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + timedelta(days=days),
        use_count=0,
        purpose=purpose,
    )
    db.session.add(link)
    if not audited:
        return token
    db.session.flush()
    audit.record(
        actor,
        "link.created",
        "access_link",
        link.id,
        at=now,
        customer_id=customer.id,
        expires_at=link.expires_at.isoformat(),
        purpose=purpose,
    )
    return token


def absolute_url(token: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}{PATH_PREFIX}{token}"


def resolve(token: str, *, now: datetime) -> AccessLink:
    """The usable link for this token, or LinkInvalid."""
    if not token or len(token) > 100:
        raise LinkInvalid("unknown")
    link = db.session.scalar(select(AccessLink).where(AccessLink.token_hash == hash_token(token)))
    if link is None:
        raise LinkInvalid("unknown")
    if link.revoked_at is not None:
        raise LinkInvalid("revoked")
    if link.expires_at <= now:
        raise LinkInvalid("expired")
    return link


def record_opened(link: AccessLink, *, now: datetime) -> None:
    """The only thing opening a link changes."""
    db.session.execute(
        update(AccessLink)
        .where(AccessLink.id == link.id)
        .values(use_count=AccessLink.use_count + 1, last_used_at=now)
    )


def check_session_link(
    link_id: int | None, customer_id: int | None, *, now: datetime
) -> AccessLink:
    """Re-check, on every debtor request, the link a browser session was opened with."""
    if not link_id or not customer_id:
        raise LinkInvalid("unknown")
    # The customer comes in the same query: every debtor page needs it right after.
    link = db.session.get(AccessLink, link_id, options=[joinedload(AccessLink.customer)])
    if link is None or link.customer_id != customer_id:
        raise LinkInvalid("unknown")
    if not link.usable(now):
        raise LinkInvalid("revoked" if link.revoked_at else "expired")
    return link


def revoke_all(customer: Customer, *, actor: audit.Actor, now: datetime) -> int:
    """Revoke every live link of a customer at once (a link leaked, a contact left)."""
    result = db.session.execute(
        update(AccessLink)
        .where(AccessLink.customer_id == customer.id, AccessLink.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    audit.record(
        actor,
        "link.revoked_all",
        "customer",
        customer.id,
        at=now,
        customer_id=customer.id,
        count=result.rowcount,
    )
    return result.rowcount


def active_count(customer: Customer, *, now: datetime) -> int:
    return len(
        db.session.scalars(
            select(AccessLink.id).where(
                AccessLink.customer_id == customer.id,
                AccessLink.revoked_at.is_(None),
                AccessLink.expires_at > now,
            )
        ).all()
    )


def customers_for_email(email: str) -> list[Customer]:
    """Customers that have this address on file (case-insensitive)."""
    address = email.strip().lower()
    if not address or "@" not in address:
        return []
    return list(
        db.session.scalars(
            select(Customer)
            .join(CustomerEmail, CustomerEmail.customer_id == Customer.id)
            .where(CustomerEmail.email == address, CustomerEmail.undeliverable.is_(False))
        )
    )


FRESH_LINK_PURPOSE = "fresh_link_request"


def send_fresh_link(
    email: str, *, now: datetime, days: int, base_url: str, per_customer_per_day: int = 3
) -> int:
    """Email a new link to `email` for each customer that has it on file.

    Returns how many were queued, which the view never reveals: the visitor gets
    the same answer whether or not the address is known. A customer gets at most
    `per_customer_per_day` such links a day, whoever asks.
    """
    from portal.services import notifications  # here: notifications builds on this module

    address = email.strip().lower()
    sent = 0
    for customer in customers_for_email(address):
        recent = db.session.scalars(
            select(AccessLink.id).where(
                AccessLink.customer_id == customer.id,
                AccessLink.purpose == FRESH_LINK_PURPOSE,
                AccessLink.created_at > now - timedelta(days=1),
            )
        ).all()
        if len(recent) >= per_customer_per_day:
            continue
        notifications.tell_debtor(
            customer,
            MessageKind.FRESH_LINK,
            now=now,
            link=notifications.PortalLink(base_url, days, purpose=FRESH_LINK_PURPOSE),
            to=[address],
            expires_at=now + timedelta(days=days),
        )
        sent += 1
    return sent
