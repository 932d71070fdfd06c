"""Debtor access links.

A link is 256 bits; only its SHA-256 is stored, so a database leak does not
open anyone's account. Links are reusable until they expire: mail scanners
open links before people do, so opening one only records that it was opened.

A link shown once (the dashboard, `portal link`) is random. A link sent by
email must also stay out of the outbox, which keeps every message: the email is
queued with a placeholder (`/p/[personal-link]`) and the link row keeps a
random nonce instead of a hash. When the email is delivered, the token is
computed as HMAC-SHA256(SECRET_KEY, nonce), its hash stored and the placeholder
filled in the copy that goes on the wire; once the email has gone the nonce is
forgotten. The same nonce gives the same token on every retry, so an email sent
twice (a crash right after the server's answer) carries one working link. The
database alone never holds what opens an account; with the secret key as well,
only the links of emails still waiting could be computed, and that key already
signs the debtors' sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from base64 import urlsafe_b64encode
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import AccessLink, Customer, CustomerEmail, MessageKind
from portal.services import audit
from portal.services.errors import DomainError
from portal.statements import built_once

PATH_PREFIX = "/p/"
#: What a queued email holds where its link goes; filled at delivery.
PLACEHOLDER = "[personal-link]"
#: What a sent email keeps of a link written into it before links were filled at delivery.
REDACTED = "[redacted]"
#: Where a debtor without a working link asks for one (printed on letters).
REQUEST_PATH = "/link?reason=missing"
_LIVE_TOKEN = re.compile(re.escape(PATH_PREFIX) + r"[A-Za-z0-9_-]{20,100}")


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


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def for_email(
    customer_id: int, *, nonce: str, now: datetime, days: int, purpose: str
) -> AccessLink:
    """A link whose token is computed when its email is delivered (see the module docstring)."""
    return AccessLink(
        **email_link_row(customer_id, nonce=nonce, now=now, days=days, purpose=purpose)
    )


def email_link_row(customer_id: int, *, nonce: str, now: datetime, days: int, purpose: str) -> dict:
    """The columns of `for_email`'s link, for writing many at once (the dunning pass)."""
    if days < 1:
        raise DomainError("A link must be valid for at least one day.")
    return {
        "customer_id": customer_id,
        "token_hash": None,
        "nonce": nonce,
        "created_at": now,
        "expires_at": now + timedelta(days=days),
        "last_used_at": None,
        "use_count": 0,
        "revoked_at": None,
        "purpose": purpose,
    }


def placeholder_url(base_url: str) -> str:
    """The link as a queued email holds it, until delivery fills it in."""
    return absolute_url(PLACEHOLDER, base_url)


def request_page_url(base_url: str) -> str:
    """The page where a debtor asks for a fresh link by email: for documents kept on disk."""
    return f"{base_url.rstrip('/')}{REQUEST_PATH}"


def email_token(nonce: str, key: str | bytes) -> str:
    key_bytes = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key_bytes, b"access-link:" + nonce.encode(), hashlib.sha256).digest()
    return urlsafe_b64encode(digest).rstrip(b"=").decode()


def activate(link: AccessLink, key: str | bytes) -> str | None:
    """The token of an email's link, its hash now stored; None once the email has gone."""
    if not link.nonce:
        return None
    token = email_token(link.nonce, key)
    link.token_hash = hash_token(token)
    return token


def fill(text: str, token: str | None) -> str:
    """The email's text with its link; without a token, the placeholder stays (a dead link)."""
    if token is None:
        return text
    return text.replace(PATH_PREFIX + PLACEHOLDER, PATH_PREFIX + token)


def redact(text: str) -> str:
    """Any live token written in an email's text, replaced once the email has gone."""
    return _LIVE_TOKEN.sub(PATH_PREFIX + REDACTED, text)


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
    link = db.session.scalar(_session_link(), {"link_id": link_id})
    if link is None or link.customer_id != customer_id:
        raise LinkInvalid("unknown")
    if not link.usable(now):
        raise LinkInvalid("revoked" if link.revoked_at else "expired")
    return link


@built_once
def _session_link() -> Select:
    """The link, and its customer in the same query: every debtor page needs it right after."""
    return (
        select(AccessLink)
        .options(joinedload(AccessLink.customer))
        .where(AccessLink.id == bindparam("link_id"))
    )


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
