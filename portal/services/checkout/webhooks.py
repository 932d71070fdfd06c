"""Stripe's webhook events for Checkout: each applied once, each moving an attempt forward only.

Stripe delivers at least once, in any order, sometimes twice at the same
moment. The event id is stored before anything else (a unique key, so a
repeated event stops there), attempts are read row-locked, and a state
change that is not forward is ignored, so late or repeated news changes
nothing. Refunds reopen invoices and disputes only raise a task: a person
decides what happens next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.adapters import stripe_gateway
from portal.extensions import db
from portal.models import AttemptStatus as S
from portal.models import CheckoutAttempt, Invoice, Payment, StripeEvent
from portal.services import audit
from portal.services.checkout.attempts import move
from portal.services.checkout.bookkeeping import mark_paid
from portal.services.checkout.receipts import tell_creditor
from portal.services.errors import N_, DomainError
from portal.services.payments import ledger

Handler = Callable[[str, dict, datetime, date, Path | None], tuple[str, int | None]]


class InvalidWebhook(DomainError):
    """Bad or stale signature, or not a Stripe event: nothing is written."""


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


def handle_event(
    event: dict, *, now: datetime, today: date, instance_path: Path | None = None
) -> Outcome:
    """Apply one verified event once (the request commits it).

    With `instance_path`, the debtor's receipt email carries the receipt as a PDF.

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
        result, attempt_id = (
            handler(kind, obj, now, today, instance_path) if handler else ("ignored", None)
        )
        db.session.flush()
    except IntegrityError:  # the payment of this session was recorded by a concurrent delivery
        db.session.rollback()
        return Outcome(event_id, kind, "duplicate")
    return Outcome(event_id, kind, result, attempt_id)


def _on_session(
    kind: str, session: dict, now: datetime, today: date, instance_path: Path | None = None
) -> tuple[str, int | None]:
    attempt = _attempt_for_session(session)
    if attempt is None:
        return "ignored", None
    if session.get("payment_intent") and not attempt.payment_intent_id:
        attempt.payment_intent_id = str(session["payment_intent"])
    paid_status = session.get("payment_status")
    if kind == "checkout.session.completed":
        if paid_status in ("paid", "no_payment_required"):
            return mark_paid(
                attempt, session, now=now, today=today, delayed=False, instance_path=instance_path
            ), attempt.id
        target = S.PROCESSING
    elif kind == "checkout.session.async_payment_succeeded":
        return mark_paid(
            attempt, session, now=now, today=today, delayed=True, instance_path=instance_path
        ), attempt.id
    elif kind == "checkout.session.async_payment_failed":
        target = S.FAILED
    else:
        target = S.EXPIRED
    moved = move(attempt, target, now=now, actor=audit.Actor.system(), session_id=session.get("id"))
    return (str(target) if moved else "unchanged"), attempt.id


def _on_refund(
    kind: str, charge: dict, now: datetime, today: date, _instance: Path | None = None
) -> tuple[str, int | None]:
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
    move(attempt, S.REFUNDED, now=now, actor=audit.Actor.system(), refunded_cents=refunded)
    reopened = ledger.reverse_payment(
        payment, refunded, actor=audit.Actor.system(), now=now, reason="refund"
    )
    tell_creditor(
        attempt,
        "refunded",
        refunded,
        now=now,
        today=today,
        title=N_("Refund of %(amount)s on invoices %(numbers)s: check"),
        lines=[(db.session.get(Invoice, k), v) for k, v in reopened.items()],
    )
    return str(S.REFUNDED), attempt.id


def _on_dispute(
    kind: str, dispute: dict, now: datetime, today: date, _instance: Path | None = None
) -> tuple[str, int | None]:
    """A chargeback is flagged, not booked: the creditor may still win it."""
    attempt = _attempt_for_intent(dispute.get("payment_intent"))
    if attempt is None:
        return "ignored", None
    amount = int(dispute.get("amount") or attempt.amount_cents)
    reason = str(dispute.get("reason") or "")
    audit.record(
        audit.Actor.system(),
        "checkout.disputed",
        "checkout_attempt",
        attempt.id,
        at=now,
        customer_id=attempt.customer_id,
        amount_cents=amount,
        currency=attempt.currency,
        reason=reason,
        dispute_id=str(dispute.get("id") or ""),
    )
    tell_creditor(
        attempt,
        "disputed",
        amount,
        now=now,
        today=today,
        title=N_("Card payment disputed: %(amount)s on invoices %(numbers)s"),
        reason=reason,
    )
    return "disputed", attempt.id


HANDLERS: dict[str, Handler] = {
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
