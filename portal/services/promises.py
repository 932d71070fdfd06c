"""Promises to pay: the debtor names a date, reminders wait, the daily review settles it.

A pending promise holds back the reminders of its invoices until the promised
date plus a short grace (payments take a day or two to be recorded). The
review, run just before each dunning pass, marks a promise kept as soon as the
money is in, or broken once the grace is over: then the debtor is told, the
creditor gets a task, and reminders resume on their own schedule.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from flask_babel import format_date, gettext
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import (
    Customer,
    Invoice,
    InvoiceStatus,
    MessageKind,
    Payment,
    PaymentAllocation,
    Promise,
    PromiseStatus,
)
from portal.services import audit, notifications, organisation
from portal.services.declarations.invoices import declarable_invoices, own_invoice_ids
from portal.services.errors import N_, DomainError, NotFound
from portal.services.payments import standing
from portal.statements import built_once
from portal.values import money
from portal.values.dates import parse_iso_date

#: Days after the promised date before a promise counts as broken.
GRACE_DAYS = 2
DEFAULT_MAX_DAYS = 30
TASK_KIND = "promise_broken"
OBJECT_TYPE = "promise"
ALREADY_PROMISED = N_(
    "You already promised a payment date for one of these invoices: it stands until that date."
)


class InvalidPromise(DomainError):
    """One message per form field ("invoice", "promised_date", "amount")."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def deadline(promise: Promise) -> date:
    """The last day a payment still keeps the promise."""
    return promise.promised_date + timedelta(days=GRACE_DAYS)


def max_days() -> int:
    org = organisation.get()
    return (org.promise_max_days if org and org.promise_max_days else None) or DEFAULT_MAX_DAYS


# ---------------------------------------------------------------- the debtor's side


def parse_amount(text: str) -> int | None:
    """Cents, or None when left blank (the promise covers everything due)."""
    if not (text or "").strip():
        return None
    try:
        return money.parse_amount(text)
    except money.AmountInvalid as exc:
        raise InvalidPromise({"amount": exc.reason}) from exc


def parse_day(text: str) -> date:
    try:
        return parse_iso_date((text or "").strip())
    except ValueError as exc:
        raise InvalidPromise({"promised_date": N_("Enter the date you will pay.")}) from exc


def promisable(customer: Customer, today: date) -> list[standing.Standing]:
    """Invoices a payment date can be promised for: payable now, not waiting for anything.

    What is in a plan, declared paid, being paid online or wholly disputed is left out.
    """
    return [row for row in standing.for_customer(customer, today) if row.selectable]


def pending_invoice_ids(customer_id: int) -> set[int]:
    """Invoices of this customer already under a pending promise."""
    ids: set[int] = set()
    for invoice_ids in db.session.scalars(
        select(Promise.invoice_ids).where(
            Promise.customer_id == customer_id, Promise.status == PromiseStatus.PENDING
        )
    ):
        ids.update(int(i) for i in invoice_ids)
    return ids


def create(
    customer: Customer,
    invoice_ids: Iterable[int | str],
    *,
    promised_date: date,
    amount_cents: int | None,
    today: date,
    now: datetime,
    actor: audit.Actor,
) -> Promise:
    """Record the promise (all checks first, nothing written on refusal)."""
    ids = own_invoice_ids(customer, invoice_ids)  # NotFound for another's
    errors: dict[str, str] = {}
    payable = {row.invoice.id: row.payable_cents for row in promisable(customer, today)}
    invoices = [i for i in declarable_invoices(customer) if i.id in ids and i.id in payable]
    if not ids:
        errors["invoice"] = N_("Choose the invoices you will pay.")
    elif not invoices:
        errors["invoice"] = N_("These invoices have nothing left to pay.")
    elif len({i.currency for i in invoices}) > 1:
        errors["invoice"] = N_("Invoices in different currencies need separate promises.")
    elif pending_invoice_ids(customer.id) & {i.id for i in invoices}:
        errors["invoice"] = ALREADY_PROMISED
    if promised_date < today:
        errors["promised_date"] = N_("The date cannot be in the past.")
    elif promised_date > today + timedelta(days=max_days()):
        errors["promised_date"] = N_("This date is too far ahead: choose an earlier one.")
    due = sum(payable[i.id] for i in invoices)  # what is disputed is not promised
    if amount_cents is not None:
        if amount_cents <= 0:
            errors["amount"] = N_("The amount must be greater than zero.")
        elif invoices and amount_cents > due:
            errors["amount"] = N_("The amount is more than what is due on these invoices.")
    if errors:
        raise InvalidPromise(errors)
    promise = Promise(
        customer_id=customer.id,
        invoice_ids=[i.id for i in invoices],
        invoice_key=Promise.key_for(i.id for i in invoices),
        promised_date=promised_date,
        amount_cents=amount_cents,
        status=PromiseStatus.PENDING,
        created_at=now,
    )
    db.session.add(promise)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the same promise, made by a concurrent request
        db.session.rollback()
        raise InvalidPromise({"invoice": ALREADY_PROMISED}) from exc
    audit.record(
        actor,
        "promise.created",
        OBJECT_TYPE,
        promise.id,
        at=now,
        customer_id=customer.id,
        invoice_id=invoices[0].id if len(invoices) == 1 else None,
        amount_cents=amount_cents if amount_cents is not None else due,
        currency=invoices[0].currency,
        until=promised_date.isoformat(),
        numbers=[i.number for i in invoices],
    )
    return promise


def for_customer(customer_id: int) -> list[Promise]:
    """Newest first, for the customer page and the debtor's account."""
    return list(
        db.session.scalars(
            select(Promise)
            .where(Promise.customer_id == customer_id)
            .order_by(Promise.created_at.desc(), Promise.id.desc())
        )
    )


def invoices_of(promise: Promise) -> list[Invoice]:
    ids = [int(i) for i in promise.invoice_ids]
    return list(
        db.session.scalars(
            select(Invoice)
            .where(Invoice.id.in_(ids), Invoice.customer_id == promise.customer_id)
            .order_by(Invoice.due_date, Invoice.id)
        )
    )


def of_customer(customer: Customer, promise_id: int) -> Promise:
    promise = db.session.scalar(
        select(Promise).where(Promise.id == promise_id, Promise.customer_id == customer.id)
    )
    if promise is None:
        raise NotFound(N_("No such promise."))
    return promise


# ---------------------------------------------------------------- for the dunning engine


def paused_invoice_ids(today: date, customer_ids: list[int] | None = None) -> set[int]:
    """Invoices under a pending promise whose grace runs to today or later.

    Also the day after a broken promise: the "promise not kept" email is that
    day's only message, and the usual reminders resume the day after.
    """
    ids: set[int] = set()
    values = {"customer_ids": customer_ids, **hold_values(today)}
    for invoice_ids in db.session.scalars(paused_invoice_lists(customer_ids is not None), values):
        ids.update(int(i) for i in invoice_ids)
    return ids


@built_once
def paused_invoice_lists(of_some_customers: bool) -> Select:
    """The invoice id lists (JSON) of the promises `paused_invoice_ids` reads, as a query.

    The dunning holds read it together with the other lists of invoice ids in
    one round trip. Bind parameters: `hold_values(today)`, and `customer_ids`
    when `of_some_customers`.
    """
    query = select(Promise.invoice_ids.label("invoice_ids")).where(
        (
            (Promise.status == PromiseStatus.PENDING)
            & (Promise.promised_date >= bindparam("promised_from"))
        )
        | (
            (Promise.status == PromiseStatus.BROKEN)
            & (Promise.promised_date == bindparam("broken_promise_day"))
        )
    )
    if of_some_customers:
        query = query.where(Promise.customer_id.in_(bindparam("customer_ids", expanding=True)))
    return query


def hold_values(today: date) -> dict[str, date]:
    """The days `paused_invoice_lists` compares with: grace after a promise, the day after a broken one."""
    return {
        "promised_from": today - timedelta(days=GRACE_DAYS),
        "broken_promise_day": today - timedelta(days=GRACE_DAYS + 1),
    }


def paid_towards(promise: Promise) -> int:
    """Cents paid on the promised invoices from the promise's day to its deadline."""
    ids = [int(i) for i in promise.invoice_ids]
    total = db.session.scalar(
        select(func.coalesce(func.sum(PaymentAllocation.amount_cents), 0))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(
            PaymentAllocation.invoice_id.in_(ids),
            Payment.date >= promise.created_at.date(),
            Payment.date <= deadline(promise),
        )
    )
    return int(total or 0)


def is_kept(promise: Promise) -> bool:
    """Everything on the invoices is settled, or the promised amount came in time."""
    invoices = invoices_of(promise)
    settled = all(i.status is not InvoiceStatus.OPEN or i.outstanding_cents <= 0 for i in invoices)
    if settled:
        return True
    return promise.amount_cents is not None and paid_towards(promise) >= promise.amount_cents


def review(
    today: date,
    now: datetime,
    *,
    base_url: str = "",
    link_days: int = 90,
) -> dict[str, int]:
    """Settle pending promises: kept once paid, broken once the grace is over."""
    counts = {"kept": 0, "broken": 0}
    pending = db.session.scalars(
        select(Promise).where(Promise.status == PromiseStatus.PENDING).order_by(Promise.id)
    ).all()
    for promise in pending:
        if is_kept(promise):
            _settle(promise, PromiseStatus.KEPT, now)
            counts["kept"] += 1
        elif today > deadline(promise):
            _settle(promise, PromiseStatus.BROKEN, now)
            _after_break(promise, today, now, base_url=base_url, link_days=link_days)
            counts["broken"] += 1
    return counts


def _settle(promise: Promise, status: PromiseStatus, now: datetime) -> None:
    promise.status = status
    promise.settled_at = now
    audit.record(
        audit.Actor.system(),
        f"promise.{status}",
        OBJECT_TYPE,
        promise.id,
        at=now,
        customer_id=promise.customer_id,
        amount_cents=promise.amount_cents,
        until=promise.promised_date.isoformat(),
        paid_cents=paid_towards(promise),
    )


def _after_break(
    promise: Promise, today: date, now: datetime, *, base_url: str, link_days: int
) -> None:
    """The creditor's task and the debtor's "promise not kept" email."""
    customer = promise.customer
    invoices = invoices_of(promise)
    currency = invoices[0].currency if invoices else "EUR"
    amount = (
        promise.amount_cents
        if promise.amount_cents is not None
        else sum(i.outstanding_cents for i in invoices if i.status is InvoiceStatus.OPEN)
    )
    with notifications.creditor_language() as language:
        title = gettext(
            "%(customer)s did not pay %(amount)s by %(day)s as promised",
            customer=customer.name,
            amount=money.format_money(amount, currency, language),
            day=format_date(promise.promised_date, "short"),
        )
    notifications.ask_creditor(
        TASK_KIND,
        title,
        now=now,
        due_date=today,
        about=(OBJECT_TYPE, promise.id),
        customer_id=customer.id,
    )
    if not base_url:
        return
    notifications.tell_debtor(
        customer,
        MessageKind.PROMISE_BROKEN,
        now=now,
        link=notifications.PortalLink(base_url, link_days, purpose="reminder"),
        promise=promise,
        invoices=invoices,
        amount_cents=amount,
        currency=currency,
    )
