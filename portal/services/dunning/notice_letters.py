"""Formal notices by post: the letter the pass makes to be posted, and recording its posting.

A formal notice is, in French practice, a registered letter; many creditors
also email it. The organisation chooses (`formal_notice_channel`): email only,
post only, or both. When the post is part of it, the dunning pass writes the
letter and asks the creditor, with a task, to post it; the creditor then records
the posting date and the tracking number, which are what a court will ask for.
A letter printed from the dashboard and posted can be recorded the same way.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from pathlib import Path

from flask_babel import gettext
from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer, Invoice, InvoiceStatus, NoticeLetter, Organisation, Task
from portal.services import audit, notifications, tasks
from portal.services.errors import N_, DomainError, NotFound

EMAIL, POST, BOTH = "email", "post", "both"
CHANNELS = (EMAIL, POST, BOTH)
TASK_KIND = "formal_notice_post"
#: A posted letter cannot carry a personal link: it prints the page where one is asked for.
LINK_REQUEST_PATH = "/link?reason=missing"
TRACKING_MAX = 40


class PostingRefused(DomainError):
    """A posting date in the future, a letter already posted, a tracking number too long."""


def channel(organisation: Organisation | None) -> str:
    value = organisation.formal_notice_channel if organisation else ""
    return value if value in CHANNELS else EMAIL


def by_email(organisation: Organisation | None) -> bool:
    return channel(organisation) in (EMAIL, BOTH)


def by_post(organisation: Organisation | None) -> bool:
    return channel(organisation) in (POST, BOTH)


def link_request_url(base_url: str) -> str:
    return base_url.rstrip("/") + LINK_REQUEST_PATH


def make_letter_to_post(
    customer: Customer,
    invoices: list[Invoice],
    organisation: Organisation,
    *,
    today: date,
    now: datetime,
    deadline: date,
    instance_path: Path,
    base_url: str,
    excluded_cents_by_invoice: dict[int, int] | None = None,
) -> tuple[NoticeLetter, Task]:
    """Write the letter's PDF and ask the creditor to post it; the task closes once it is recorded."""
    from portal.services.documents import formal_notice_letter

    pdf = formal_notice_letter.formal_notice_pdf(
        organisation,
        customer,
        invoices,
        today=today,
        now=now,
        deadline=deadline,
        portal_link=link_request_url(base_url),
        excluded_cents_by_invoice=excluded_cents_by_invoice or None,
        sent_by=BOTH if channel(organisation) == BOTH else POST,
    )
    folder = instance_path / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(16)}.pdf"
    (folder / name).write_bytes(pdf)
    letter = NoticeLetter(customer_id=customer.id, created_at=now, letter_path=f"letters/{name}")
    db.session.add(letter)
    db.session.flush()
    with notifications.creditor_language():
        title = gettext("Post the formal notice to %(customer)s", customer=customer.name)
    task = notifications.ask_creditor(
        TASK_KIND,
        title,
        now=now,
        due_date=today,
        about=("notice_letter", letter.id),
        customer_id=customer.id,
    )
    return letter, task


def record_posted(
    customer: Customer,
    *,
    posted_on: date,
    registered: bool,
    tracking_number: str,
    actor: audit.Actor,
    now: datetime,
    today: date,
    letter_id: int | None = None,
) -> NoticeLetter:
    """Record that a formal notice left by post on `posted_on`: the pass's letter, or one of theirs."""
    tracking_number = tracking_number.strip().upper()
    if posted_on > today:
        raise PostingRefused(N_("A letter cannot be posted in the future."))
    if len(tracking_number) > TRACKING_MAX:
        raise PostingRefused(N_("The tracking number is too long."))
    if letter_id is None:
        letter = NoticeLetter(customer_id=customer.id, created_at=now)
        db.session.add(letter)
    else:
        letter = get(customer, letter_id)
        if letter.posted_on is not None:
            raise PostingRefused(N_("This letter is already recorded as posted."))
    letter.posted_on = posted_on
    letter.registered = registered
    letter.tracking_number = tracking_number
    letter.posted_recorded_by = actor.label
    db.session.flush()
    audit.record(
        actor,
        "formal_notice.posted",
        "notice_letter",
        letter.id,
        at=now,
        customer_id=customer.id,
        posted_on=posted_on.isoformat(),
        registered=registered,
        tracking_number=tracking_number,
    )
    tasks.close_for("notice_letter", letter.id, actor=actor, now=now)
    return letter


def get(customer: Customer, letter_id: int) -> NoticeLetter:
    letter = db.session.get(NoticeLetter, letter_id)
    if letter is None or letter.customer_id != customer.id:
        raise NotFound(N_("No such letter."))
    return letter


def for_customer(customer: Customer) -> list[NoticeLetter]:
    """The customer's letters, those still to post first, then the latest posted."""
    letters = db.session.scalars(
        select(NoticeLetter)
        .where(NoticeLetter.customer_id == customer.id)
        .order_by(NoticeLetter.id.desc())
    )
    return sorted(letters, key=lambda letter: letter.posted_on is not None)


def letter_for_posting(
    customer: Customer,
    organisation: Organisation | None,
    *,
    today: date,
    now: datetime,
    base_url: str,
) -> bytes:
    """Every overdue invoice of the customer, less what is under dispute, as a letter to post."""
    from portal.services.disputes import holds
    from portal.services.documents import formal_notice_letter
    from portal.services.dunning import reminder_content

    invoices = list(
        db.session.scalars(
            select(Invoice).where(
                Invoice.customer_id == customer.id, Invoice.status == InvoiceStatus.OPEN
            )
        )
    )
    return formal_notice_letter.formal_notice_pdf(
        organisation,
        customer,
        invoices,
        today=today,
        now=now,
        deadline=reminder_content.deadline_for(today),
        portal_link=link_request_url(base_url),
        excluded_cents_by_invoice=holds.open_cents_for_customer(customer.id) or None,
        sent_by=POST,
    )


def stored_letter(customer: Customer, letter_id: int, instance_path: Path) -> Path:
    """The PDF the dunning pass made for this letter; NotFound when there is none."""
    from portal.services.mail.attachments import AttachmentRefused, attachment_path

    letter = get(customer, letter_id)
    if not letter.letter_path:
        raise NotFound(N_("No such letter."))
    try:
        return attachment_path(instance_path, letter.letter_path)
    except AttachmentRefused as exc:
        raise NotFound(N_("No such letter.")) from exc
