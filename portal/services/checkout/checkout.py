"""Paying online through Stripe Checkout (card, SEPA Direct Debit) and Stripe's webhooks.

The amount always comes from the server's `Selection`; the browser only learns
the address of Stripe's hosted page. Webhook events move an attempt forward
only (open → processing → paid | failed, open → expired, paid → refunded), and
the payment is keyed on the session id, which the database keeps unique: however
many, late, reordered or concurrent the deliveries, the money is recorded once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_currency
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.adapters import stripe_gateway
from portal.extensions import db
from portal.models import (
    AttemptStatus,
    CheckoutAttempt,
    Customer,
    Invoice,
    InvoiceStatus,
    Organisation,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    StripeEvent,
)
from portal.services import audit, organisation, tasks
from portal.services.errors import N_, DomainError, NotFound
from portal.services.mail import outbox
from portal.services.payments import ledger
from portal.services.payments.selection import Selection

S = AttemptStatus

#: The only moves an attempt may make. EXPIRED → PAID is there because Stripe's word
#: that money was taken beats our own bookkeeping: money is never left unrecorded.
FORWARD: dict[AttemptStatus, set[AttemptStatus]] = {
    S.OPEN: {S.PROCESSING, S.PAID, S.FAILED, S.EXPIRED},
    S.PROCESSING: {S.PAID, S.FAILED},
    S.PAID: {S.REFUNDED},
    S.EXPIRED: {S.PAID},
    S.FAILED: set(),
    S.REFUNDED: set(),
}
STRIPE_LOCALES = {"fr", "en"}
METADATA_MAX = 500
UNAVAILABLE = N_(
    "Online payment is not available right now. Please try again later or pay by transfer."
)


class OnlinePaymentUnavailable(DomainError):
    pass


class InvalidWebhook(DomainError):
    """Bad or stale signature, or not a Stripe event: nothing is written."""


@dataclass(frozen=True)
class StripeSettings:
    """What the Stripe integration needs from the configuration, passed in by the caller."""

    secret_key: str
    webhook_secret: str
    api_base: str | None
    payment_methods: tuple[str, ...]
    base_url: str

    @classmethod
    def from_config(cls, config: Mapping) -> StripeSettings | None:
        """None when online payment is off (no secret key)."""
        if not config.get("STRIPE_SECRET_KEY"):
            return None
        return cls(
            secret_key=config["STRIPE_SECRET_KEY"],
            webhook_secret=config.get("STRIPE_WEBHOOK_SECRET") or "",
            api_base=config.get("STRIPE_API_BASE") or None,
            payment_methods=tuple(config.get("STRIPE_PAYMENT_METHODS") or ("card",)),
            base_url=str(config["BASE_URL"]).rstrip("/"),
        )

    def gateway(self) -> stripe_gateway.StripeGateway:
        return stripe_gateway.StripeGateway(self.secret_key, self.api_base)

    def methods_for(self, currency: str, wanted: str | None = None) -> list[str]:
        """Configured methods usable for `currency` (SEPA debits are in euros only)."""
        usable = [m for m in self.payment_methods if m != "sepa_debit" or currency == "EUR"]
        if wanted is not None:
            if wanted not in usable:
                raise NotFound(N_("This way of paying is not available."))
            return [wanted]
        if not usable:
            raise NotFound(N_("This way of paying is not available."))
        return usable


# --- Starting a payment -------------------------------------------------------------


def start(
    customer: Customer,
    chosen: Selection,
    *,
    settings: StripeSettings,
    return_url: Callable[[int], str],
    now: datetime,
    actor: audit.Actor,
    method: str | None = None,
) -> CheckoutAttempt:
    """Open a Checkout Session for the server-computed selection; the caller redirects to its url.

    The customer's earlier open sessions are expired first, so two tabs cannot
    both be paid. The attempt is committed before Stripe is called: a webhook
    that overtakes our answer still finds it through `client_reference_id`.
    """
    methods = settings.methods_for(chosen.currency, method)
    gateway = settings.gateway()
    _expire_open_attempts(customer, gateway, now=now, actor=actor)
    attempt = CheckoutAttempt(
        customer_id=customer.id,
        idempotency_key=f"checkout-{secrets.token_urlsafe(24)}",
        amount_cents=chosen.total_cents,
        currency=chosen.currency,
        allocations={str(k): v for k, v in chosen.allocations.items()},
        status=S.OPEN,
        checkout_url="",
        created_at=now,
        updated_at=now,
    )
    db.session.add(attempt)
    db.session.flush()
    audit.record(
        actor, "checkout.started", "checkout_attempt", attempt.id, at=now, customer_id=customer.id,
        amount_cents=attempt.amount_cents, currency=attempt.currency,
        invoice_ids=chosen.invoice_ids, methods=methods,
    )  # fmt: skip
    db.session.commit()
    params = _session_params(customer, chosen, attempt, methods, return_url)
    try:
        session = gateway.create_session(params, idempotency_key=attempt.idempotency_key)
    except stripe_gateway.StripeUnavailable as exc:
        attempt.status = S.EXPIRED
        attempt.updated_at = now
        audit.record(
            audit.Actor.system(), "checkout.start_failed", "checkout_attempt", attempt.id, at=now,
            customer_id=customer.id, error=exc.reason,
        )  # fmt: skip
        db.session.commit()
        raise OnlinePaymentUnavailable(UNAVAILABLE) from exc
    attempt.session_id = session.id
    attempt.checkout_url = session.url
    attempt.updated_at = now
    db.session.commit()
    return attempt


def _session_params(
    customer: Customer,
    chosen: Selection,
    attempt: CheckoutAttempt,
    methods: list[str],
    return_url: Callable[[int], str],
) -> dict:
    numbers = " ".join(i.number for i in chosen.invoices)
    metadata = {
        "attempt_id": str(attempt.id),
        "customer_ref": customer.ref[:METADATA_MAX],
        "invoices": _clip(numbers),
        "invoice_ids": _clip(",".join(str(i) for i in chosen.invoice_ids)),
    }
    language = customer.language if customer.language in STRIPE_LOCALES else "auto"
    with force_locale(customer.language or "fr"):
        line_items = [
            {
                "quantity": 1,
                "price_data": {
                    "currency": chosen.currency.lower(),
                    "unit_amount": chosen.allocations[invoice.id],
                    "product_data": {"name": gettext("Invoice %(number)s", number=invoice.number)},
                },
            }
            for invoice in chosen.invoices
        ]
    url = return_url(attempt.id)
    params: dict = {
        "mode": "payment",
        "line_items": line_items,
        "payment_method_types": methods,
        "client_reference_id": str(attempt.id),
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata, "description": _clip(numbers)},
        "success_url": url,
        "cancel_url": f"{url}?cancelled=1",
        "locale": language,
    }
    email = _first_address(customer)
    if email:
        params["customer_email"] = email
    return params


def _expire_open_attempts(
    customer: Customer,
    gateway: stripe_gateway.StripeGateway,
    *,
    now: datetime,
    actor: audit.Actor,
) -> None:
    """Close the customer's open sessions at Stripe before offering a new one.

    A session Stripe says is already expired, complete or unknown is tolerated (a
    complete one keeps its state: its webhook records the payment); a network
    failure stops here rather than leave two payable sessions.
    """
    previous = db.session.scalars(
        select(CheckoutAttempt).where(
            CheckoutAttempt.customer_id == customer.id, CheckoutAttempt.status == S.OPEN
        )
    ).all()
    for attempt in previous:
        if attempt.session_id and not _expired_at_stripe(gateway, attempt.session_id):
            continue
        _move(attempt, S.EXPIRED, now=now, actor=actor, reason="replaced")
    db.session.commit()


def _expired_at_stripe(gateway: stripe_gateway.StripeGateway, session_id: str) -> bool:
    """False only for a session Stripe says is complete: it stays open for its webhook."""
    try:
        if gateway.expire_session(session_id):
            return True
    except stripe_gateway.StripeUnavailable as exc:
        db.session.rollback()
        raise OnlinePaymentUnavailable(UNAVAILABLE) from exc
    try:
        return gateway.session_status(session_id) != "complete"
    except stripe_gateway.StripeUnavailable as exc:
        raise OnlinePaymentUnavailable(UNAVAILABLE) from exc


def attempt_of(customer: Customer, attempt_id: int) -> CheckoutAttempt:
    """One attempt of this customer; someone else's is NotFound, like an unknown one."""
    attempt = db.session.scalar(
        select(CheckoutAttempt).where(
            CheckoutAttempt.id == attempt_id, CheckoutAttempt.customer_id == customer.id
        )
    )
    if attempt is None:
        raise NotFound(N_("No such payment."))
    return attempt


def attempt_invoices(attempt: CheckoutAttempt) -> list[tuple[Invoice, int]]:
    """The invoices an attempt was for, with the amount meant for each."""
    wanted = {int(k): v for k, v in attempt.allocations.items()}
    invoices = db.session.scalars(
        select(Invoice).where(Invoice.id.in_(wanted)).order_by(Invoice.due_date, Invoice.id)
    )
    return [(invoice, wanted[invoice.id]) for invoice in invoices]


# --- Webhooks ------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one webhook delivery did, for the log and the tests."""

    event_id: str
    type: str
    result: str
    """duplicate, ignored, unchanged, or the attempt's new state (paid, processing, …)."""
    attempt_id: int | None = None


def verify(payload: bytes, signature: str | None, secret: str) -> dict:
    """The event, if Stripe signed this exact body less than 5 minutes ago."""
    try:
        event = stripe_gateway.signed_payload(payload, signature, secret)
    except stripe_gateway.WebhookRejected as exc:
        raise InvalidWebhook(N_("Invalid webhook.")) from exc
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or "type" not in event:
        raise InvalidWebhook(N_("Invalid webhook."))
    return event


def handle_event(event: dict, *, now: datetime, today: date) -> Outcome:
    """Apply one verified event once, and commit.

    The event row is written first: on SQLite that takes the write lock for the
    whole transaction, and on PostgreSQL a concurrent copy of the same event
    waits on its unique key. Another event for the same session waits on the
    attempt's row lock; should two transactions still race to the payment, the
    unique `external_key` lets only one commit.
    """
    event_id, kind = event["id"], str(event["type"])
    db.session.add(StripeEvent(event_id=event_id, type=kind[:100], received_at=now))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return Outcome(event_id, kind, "duplicate")
    handler = HANDLERS.get(kind)
    obj = (event.get("data") or {}).get("object") or {}
    try:
        result, attempt_id = handler(kind, obj, now, today) if handler else ("ignored", None)
        db.session.commit()
    except IntegrityError:  # the payment of this session was recorded by a concurrent delivery
        db.session.rollback()
        return Outcome(event_id, kind, "duplicate")
    return Outcome(event_id, kind, result, attempt_id)


def _on_session(kind: str, session: dict, now: datetime, today: date) -> tuple[str, int | None]:
    attempt = _attempt_for_session(session)
    if attempt is None:
        return "ignored", None
    if session.get("payment_intent") and not attempt.payment_intent_id:
        attempt.payment_intent_id = str(session["payment_intent"])
    paid_status = session.get("payment_status")
    if kind == "checkout.session.completed":
        if paid_status in ("paid", "no_payment_required"):
            return _mark_paid(attempt, session, now=now, today=today, delayed=False), attempt.id
        target = S.PROCESSING
    elif kind == "checkout.session.async_payment_succeeded":
        return _mark_paid(attempt, session, now=now, today=today, delayed=True), attempt.id
    elif kind == "checkout.session.async_payment_failed":
        target = S.FAILED
    else:
        target = S.EXPIRED
    moved = _move(
        attempt, target, now=now, actor=audit.Actor.system(), session_id=session.get("id")
    )
    return (str(target) if moved else "unchanged"), attempt.id


def _on_refund(kind: str, charge: dict, now: datetime, today: date) -> tuple[str, int | None]:
    """Money went back to the debtor: the ledger must say so, and a person must look.

    The payment keeps only what was not refunded; what is removed comes first
    off any excess, then off the invoices (latest first), which reopen. The
    creditor gets a task, since a refund usually means a credit note is due or
    reminders must wait.
    """
    attempt = _attempt_for_intent(charge.get("payment_intent"))
    if attempt is None or attempt.payment_id is None:
        return "ignored", None
    payment = db.session.get(Payment, attempt.payment_id)
    kept = max(0, int(charge.get("amount") or 0) - int(charge.get("amount_refunded") or 0))
    refunded = payment.amount_cents - kept
    if refunded <= 0:  # a late event for a smaller, earlier refund
        return "unchanged", attempt.id
    reopened = _reverse(payment, refunded)
    _move(attempt, S.REFUNDED, now=now, actor=audit.Actor.system(), refunded_cents=refunded)
    audit.record(
        audit.Actor.system(), "payment.refunded", "payment", payment.id, at=now,
        customer_id=attempt.customer_id, amount_cents=refunded, currency=payment.currency,
        kept_cents=kept, reopened={str(k): v for k, v in reopened.items()},
    )  # fmt: skip
    for invoice_id, cents in reopened.items():
        audit.record(
            audit.Actor.system(), "invoice.reopened", "invoice", invoice_id, at=now,
            customer_id=attempt.customer_id, invoice_id=invoice_id, amount_cents=cents,
            currency=payment.currency, reason="refund",
        )  # fmt: skip
    _tell_creditor(
        attempt, "refunded", refunded, now=now, today=today,
        title=N_("Refund of %(amount)s on invoices %(numbers)s: check"),
        lines=[(db.session.get(Invoice, k), v) for k, v in reopened.items()],
    )  # fmt: skip
    return str(S.REFUNDED), attempt.id


def _on_dispute(kind: str, dispute: dict, now: datetime, today: date) -> tuple[str, int | None]:
    """A chargeback is flagged, not booked: the creditor may still win it."""
    attempt = _attempt_for_intent(dispute.get("payment_intent"))
    if attempt is None:
        return "ignored", None
    amount = int(dispute.get("amount") or attempt.amount_cents)
    audit.record(
        audit.Actor.system(), "checkout.disputed", "checkout_attempt", attempt.id, at=now,
        customer_id=attempt.customer_id, amount_cents=amount, currency=attempt.currency,
        reason=str(dispute.get("reason") or ""), dispute_id=str(dispute.get("id") or ""),
    )  # fmt: skip
    _tell_creditor(
        attempt, "disputed", amount, now=now, today=today,
        title=N_("Card payment disputed: %(amount)s on invoices %(numbers)s"),
        reason=str(dispute.get("reason") or ""),
    )  # fmt: skip
    return "disputed", attempt.id


HANDLERS: dict[str, Callable[[str, dict, datetime, date], tuple[str, int | None]]] = {
    "checkout.session.completed": _on_session,
    "checkout.session.async_payment_succeeded": _on_session,
    "checkout.session.async_payment_failed": _on_session,
    "checkout.session.expired": _on_session,
    "charge.refunded": _on_refund,
    "charge.dispute.created": _on_dispute,
}


def _attempt_for_session(session: dict) -> CheckoutAttempt | None:
    """The attempt, row-locked; found by the client reference if our answer was overtaken."""
    session_id = str(session.get("id") or "")
    if not session_id:
        return None
    attempt = _locked(CheckoutAttempt.session_id == session_id)
    reference = str(session.get("client_reference_id") or "")
    if attempt is None and reference.isdigit():
        attempt = _locked(
            CheckoutAttempt.id == int(reference), CheckoutAttempt.session_id.is_(None)
        )
        if attempt is not None:
            attempt.session_id = session_id
    return attempt


def _attempt_for_intent(intent: object) -> CheckoutAttempt | None:
    if not intent:
        return None
    return _locked(CheckoutAttempt.payment_intent_id == str(intent))


def _locked(*where) -> CheckoutAttempt | None:
    return db.session.scalar(
        select(CheckoutAttempt)
        .where(*where)
        .with_for_update()
        .execution_options(populate_existing=True)
        .limit(1)
    )


def _move(
    attempt: CheckoutAttempt, target: AttemptStatus, *, now: datetime, actor: audit.Actor, **details
) -> bool:
    """Forward only; anything else changes nothing (late or repeated news)."""
    if target not in FORWARD[attempt.status]:
        return False
    previous = attempt.status
    attempt.status = target
    attempt.updated_at = now
    audit.record(
        actor, f"checkout.{target}", "checkout_attempt", attempt.id, at=now,
        customer_id=attempt.customer_id, previous=str(previous), amount_cents=attempt.amount_cents,
        currency=attempt.currency, **details,
    )  # fmt: skip
    return True


# --- The money ---------------------------------------------------------------------


def _mark_paid(
    attempt: CheckoutAttempt, session: dict, *, now: datetime, today: date, delayed: bool
) -> str:
    if S.PAID not in FORWARD[attempt.status]:
        return "unchanged"
    method = _method(session, delayed or attempt.status is S.PROCESSING)
    amount = int(session.get("amount_total") or attempt.amount_cents)
    payment, excess = _record(attempt, amount, method, now=now, today=today)
    attempt.payment_id = payment.id
    _move(
        attempt, S.PAID, now=now, actor=audit.Actor.system(), payment_id=payment.id,
        session_id=attempt.session_id, excess_cents=excess,
    )  # fmt: skip
    _send_receipts(attempt, payment, excess, now=now, today=today)
    return str(S.PAID)


def _method(session: dict, delayed: bool) -> PaymentMethod:
    """Checkout does not say which method was used: one offered, or delayed means SEPA."""
    offered = session.get("payment_method_types") or []
    if len(offered) == 1 and offered[0] in ("card", "sepa_debit"):
        return PaymentMethod(offered[0])
    return PaymentMethod.SEPA_DEBIT if delayed else PaymentMethod.CARD


def _record(
    attempt: CheckoutAttempt, amount: int, method: PaymentMethod, *, now: datetime, today: date
) -> tuple[Payment, int]:
    """One payment for the session, allocated to what each invoice still owes.

    Never more than is still due: an invoice paid meanwhile by transfer gets
    nothing more, and the excess stays on the payment, unallocated, for the
    creditor to refund (a task says so). Returns the payment and that excess.
    """
    key = f"stripe:{attempt.session_id}"
    existing = db.session.scalar(select(Payment).where(Payment.external_key == key))
    if existing is not None:
        return existing, 0
    wanted = {int(k): v for k, v in attempt.allocations.items()}
    invoices = db.session.scalars(
        select(Invoice)
        .where(Invoice.id.in_(wanted), Invoice.customer_id == attempt.customer_id)
        .order_by(Invoice.due_date, Invoice.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    payment = Payment(
        customer_id=attempt.customer_id, date=today, amount_cents=amount, currency=attempt.currency,
        method=method, reference=(attempt.session_id or "")[:140], source="stripe",
        external_key=key, created_at=now,
    )  # fmt: skip
    left = amount
    for invoice in invoices:
        due = invoice.outstanding_cents if invoice.status is InvoiceStatus.OPEN else 0
        cents = min(wanted[invoice.id], max(due, 0), left)
        if cents > 0:
            payment.allocations.append(PaymentAllocation(invoice_id=invoice.id, amount_cents=cents))
            left -= cents
    db.session.add(payment)
    db.session.flush()  # a concurrent twin fails here, on the unique external_key
    for allocation in payment.allocations:
        invoice = next(i for i in invoices if i.id == allocation.invoice_id)
        ledger.refresh_balance(invoice, today)
        audit.record(
            audit.Actor.system(), "payment.recorded", "payment", payment.id, at=now,
            customer_id=attempt.customer_id, invoice_id=invoice.id, amount_cents=allocation.amount_cents,
            currency=payment.currency, method=str(method), reference=payment.reference, source="stripe",
        )  # fmt: skip
    if left > 0:
        audit.record(
            audit.Actor.system(), "payment.excess", "payment", payment.id, at=now,
            customer_id=attempt.customer_id, amount_cents=left, currency=payment.currency,
        )  # fmt: skip
        _tell_creditor(
            attempt, "excess", left, now=now, today=today, notify=False,
            title=N_("Online payment exceeds what was still due by %(amount)s (invoices %(numbers)s): refund or keep as credit"),
        )  # fmt: skip
    return payment, left


def _reverse(payment: Payment, cents: int) -> dict[int, int]:
    """Take `cents` back off a payment: its excess first, then its latest invoices.

    The ledger-level twin of recording: allocations shrink and each touched
    invoice's balance is recomputed by `ledger.refresh_balance`. Returns
    {invoice id: cents reopened}.
    """
    allocated = sum(a.amount_cents for a in payment.allocations)
    remaining = max(0, cents - max(0, payment.amount_cents - allocated))
    reopened: dict[int, int] = {}
    for allocation in sorted(payment.allocations, key=lambda a: a.id, reverse=True):
        if remaining <= 0:
            break
        take = min(allocation.amount_cents, remaining)
        allocation.amount_cents -= take
        remaining -= take
        reopened[allocation.invoice_id] = take
        if allocation.amount_cents == 0:
            payment.allocations.remove(allocation)
    payment.amount_cents -= cents
    db.session.flush()
    for invoice_id in reopened:
        ledger.refresh_balance(db.session.get(Invoice, invoice_id))
    return reopened


# --- Telling people ---------------------------------------------------------------


def _send_receipts(
    attempt: CheckoutAttempt, payment: Payment, excess: int, *, now: datetime, today: date
) -> None:
    """A receipt to the debtor and a word to the creditor, queued in this same transaction."""
    customer = db.session.get(Customer, attempt.customer_id)
    org = organisation.get()
    lines = _paid_lines(payment)
    addresses = [e.email for e in customer.emails if not e.undeliverable]
    if addresses:
        with force_locale(customer.language or "fr"):
            outbox.queue_template(
                "receipt", kind="receipt", to=addresses, now=now, customer_id=customer.id,
                reply_to=org.contact_email if org else "", customer=customer, organisation=org,
                payment=payment, lines=lines, excess_cents=excess, attempt=attempt,
            )  # fmt: skip
    _notify_creditor(
        org,
        attempt,
        customer,
        "paid",
        payment.amount_cents,
        now=now,
        lines=lines,
        excess_cents=excess,
    )


def _paid_lines(payment: Payment) -> list[tuple[Invoice, int]]:
    return [(db.session.get(Invoice, a.invoice_id), a.amount_cents) for a in payment.allocations]


def _tell_creditor(
    attempt: CheckoutAttempt,
    event: str,
    amount: int,
    *,
    now: datetime,
    today: date,
    title: str,
    notify: bool = True,
    reason: str = "",
    lines: list[tuple[Invoice, int]] | None = None,
) -> None:
    """A task in the creditor's language, and (unless told not to) an email to their contact address."""
    customer = db.session.get(Customer, attempt.customer_id)
    org = organisation.get()
    invoices = attempt_invoices(attempt)
    lines = invoices if lines is None else lines
    language = (org.language if org else "") or "fr"
    numbers = ", ".join(invoice.number for invoice, _ in invoices)
    with force_locale(language):
        text = gettext(title, amount=_money(amount, attempt.currency, language), numbers=numbers)
        body = gettext(
            "Customer: %(name)s (%(ref)s). Stripe session: %(session)s.",
            name=customer.name,
            ref=customer.ref,
            session=attempt.session_id or "",
        )
    if reason:
        body += f" ({reason})"
    single = invoices[0][0].id if len(invoices) == 1 else None
    kinds = {"refunded": "refund", "disputed": "chargeback", "excess": "overpayment"}
    tasks.create(
        kind=kinds.get(event, event), title=text[:300], body=body, due_date=today, now=now,
        actor=audit.Actor.system(), customer_id=customer.id, invoice_id=single,
        object_type="checkout_attempt", object_id=attempt.id,
    )  # fmt: skip
    if notify:
        _notify_creditor(org, attempt, customer, event, amount, now=now, lines=lines, reason=reason)


def _notify_creditor(
    org: Organisation | None,
    attempt: CheckoutAttempt,
    customer: Customer,
    event: str,
    amount: int,
    *,
    now: datetime,
    lines: list[tuple[Invoice, int]],
    excess_cents: int = 0,
    reason: str = "",
) -> None:
    if org is None or not org.contact_email:
        return
    with force_locale(org.language or "fr"):
        outbox.queue_template(
            "payment_notification", kind="payment_notification", to=[org.contact_email], now=now,
            customer_id=customer.id, reply_to=_first_address(customer), customer=customer,
            organisation=org, attempt=attempt, event=event, amount_cents=amount, lines=lines,
            excess_cents=excess_cents, reason=reason,
        )  # fmt: skip


def _first_address(customer: Customer) -> str:
    usable = [e.email for e in customer.emails if not e.undeliverable]
    return (usable or customer.email_addresses or [""])[0]


def _money(cents: int, currency: str, language: str) -> str:
    return format_currency(Decimal(cents).scaleb(-2), currency, locale=language)


def _clip(text: str) -> str:
    return text if len(text) <= METADATA_MAX else text[: METADATA_MAX - 1] + "…"
