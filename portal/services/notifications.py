"""One way to tell people things: the debtor by email, the creditor by email or with a task.

Every use case that writes to someone follows the same rules, and they live
here so they cannot drift apart: the debtor is written to at their deliverable
addresses, in their language, with replies going to the creditor's contact
address and, when the email invites them back, a fresh access link; the
creditor is written to at the organisation's contact address, in its
language; a decision only a person can make becomes a task on the creditor's
list. Each email renders `emails/<kind>.txt` and `.html`, one template per
message kind. Everything is added to the caller's transaction, so a message is
committed with the change it is about, or not at all; nothing commits here.

The dunning pass builds its reminders from the creditor's own templates, in
bulk; it creates its tasks here but queues its reminders itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale

from portal.extensions import db
from portal.models import (
    AccessLink,
    Customer,
    MessageKind,
    Organisation,
    OutboxMessage,
    Task,
    User,
)
from portal.services import audit, links, organisation, tasks
from portal.services.mail import outbox

#: The creditor's language when the organisation does not name one.
DEFAULT_LANGUAGE = "fr"
#: What the creditor's task list shows of a title.
MAX_TITLE_LENGTH = 300


@dataclass(frozen=True)
class PortalLink:
    """A fresh access link for the email: where the portal is, how long the link opens it.

    `purpose` is what the link is recorded as (the message kind when left empty).
    """

    base_url: str
    days: int
    purpose: str = ""


def deliverable_addresses(customer: Customer) -> list[str]:
    """The customer's addresses that have not bounced, in their order."""
    return [e.email for e in customer.emails if not e.undeliverable]


def tell_debtor(
    customer: Customer,
    kind: str,
    *,
    now: datetime,
    link: PortalLink | None,
    to: list[str] | None = None,
    attachments: list[dict] | None = None,
    **context: Any,
) -> OutboxMessage | None:
    """Queue the `kind` email to the customer; None when there is no address to write to.

    `attachments` are files already written in the instance folder (a receipt, a letter).

    `to` narrows the recipients (an address the visitor typed); by default every
    deliverable address. With a `link`, a new access link is made and handed to
    the template as `url`; the template also gets `customer` and `organisation`.
    """
    kind = MessageKind(kind).value
    addresses = deliverable_addresses(customer) if to is None else list(to)
    if not addresses:
        return None
    access = None
    if link is not None:
        access = _email_link(customer, now=now, link=link, purpose=link.purpose or kind)
        context["url"] = links.placeholder_url(link.base_url)
    org = organisation.get()
    with force_locale(customer.language or DEFAULT_LANGUAGE):
        return outbox.queue_template(
            kind,
            kind=kind,
            to=addresses,
            now=now,
            customer_id=customer.id,
            reply_to=org.contact_email if org else "",
            attachments=attachments,
            link=access,
            customer=customer,
            organisation=org,
            **context,
        )


def _email_link(customer: Customer, *, now: datetime, link: PortalLink, purpose: str) -> AccessLink:
    """A new link for the email, its token made at delivery (`services.links`); audited."""
    access = links.for_email(
        customer.id, nonce=links.new_nonce(), now=now, days=link.days, purpose=purpose
    )
    db.session.add(access)
    db.session.flush()
    audit.record(
        audit.Actor.system(),
        "link.created",
        "access_link",
        access.id,
        at=now,
        customer_id=customer.id,
        expires_at=access.expires_at.isoformat(),
        purpose=purpose,
    )
    return access


def tell_creditor(
    kind: str,
    *,
    now: datetime,
    customer: Customer,
    reply_to: str = "",
    **context: Any,
) -> OutboxMessage | None:
    """Queue the `kind` email about `customer` to the organisation's contact address.

    None when the creditor has no contact address. `reply_to` is whom an answer
    should reach (often the customer), empty when replies belong elsewhere.
    """
    kind = MessageKind(kind).value
    org = organisation.get()
    if org is None or not org.contact_email:
        return None
    with force_locale(_language_of(org)):
        return outbox.queue_template(
            kind,
            kind=kind,
            to=[org.contact_email],
            now=now,
            customer_id=customer.id,
            reply_to=reply_to,
            customer=customer,
            organisation=org,
            **context,
        )


def tell_user(user: User, kind: str, *, now: datetime, **context: Any) -> OutboxMessage:
    """Queue the `kind` email to a dashboard user, in their language (else the creditor's).

    These emails carry sign-in links: the outbox page does not show their body.
    """
    kind = MessageKind(kind).value
    org = organisation.get()
    with force_locale(user.language or _language_of(org)):
        return outbox.queue_template(
            kind, kind=kind, to=[user.email], now=now, user=user, organisation=org, **context
        )


@contextmanager
def creditor_language() -> Iterator[str]:
    """Write in the creditor's language (a task title, say); yields the language code."""
    language = _language_of(organisation.get())
    with force_locale(language):
        yield language


def ask_creditor(
    kind: str,
    title: str,
    *,
    now: datetime,
    due_date: date,
    about: tuple[str, int] | None = None,
    customer_id: int | None = None,
    invoice_id: int | None = None,
    body: str = "",
    actor: audit.Actor | None = None,
) -> Task:
    """Put a decision on the creditor's task list.

    `about` names the object decided on (type, id), whose service closes the
    task once the decision is made (`tasks.close_for`). Without an actor the
    portal itself asks. Titles longer than the list shows are cut.
    """
    object_type, object_id = about or ("", None)
    return tasks.create(
        kind=kind,
        title=title[:MAX_TITLE_LENGTH],
        body=body,
        due_date=due_date,
        now=now,
        actor=actor or audit.Actor.system(),
        customer_id=customer_id,
        invoice_id=invoice_id,
        object_type=object_type,
        object_id=object_id,
    )


def send_test(
    to: str, subject: str, text_body: str, html_body: str, *, now: datetime, reply_to: str
) -> OutboxMessage:
    """A message the creditor is writing, sent to an address they chose to see it arrive.

    Marked as a test in its subject and kind, and tied to no customer, so it
    never counts as a message sent to one.
    """
    return outbox.queue(
        kind=MessageKind.TEST,
        to=[to],
        subject=f"[TEST] {subject}",
        text_body=text_body,
        html_body=html_body,
        now=now,
        reply_to=reply_to,
    )


def _language_of(org: Organisation | None) -> str:
    return (org.language if org else "") or DEFAULT_LANGUAGE
