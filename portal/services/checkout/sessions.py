"""Starting an online payment: a Stripe Checkout Session for what the server selected.

The amount always comes from the server's `Selection` (invoices or a plan's
next instalment); the browser only learns the address of Stripe's hosted page.
A customer has at most one payable session: starting a new one expires the
previous ones at Stripe first, so two open tabs cannot both be paid.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale, gettext
from sqlalchemy import select

from portal.adapters import stripe_gateway
from portal.extensions import db
from portal.models import AttemptStatus as S
from portal.models import CheckoutAttempt, Customer
from portal.services import audit
from portal.services.checkout.attempts import move
from portal.services.checkout.receipts import first_address
from portal.services.errors import N_, DomainError, NotFound
from portal.services.payments.selection import Selection

STRIPE_LOCALES = {"fr", "en"}
METADATA_MAX = 500
UNAVAILABLE = N_(
    "Online payment is not available right now. Please try again later or pay by transfer."
)


class OnlinePaymentUnavailable(DomainError):
    """Stripe could not open a session (or close an earlier one): try again or pay by transfer."""


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
        actor,
        "checkout.started",
        "checkout_attempt",
        attempt.id,
        at=now,
        customer_id=customer.id,
        amount_cents=attempt.amount_cents,
        currency=attempt.currency,
        invoice_ids=chosen.invoice_ids,
        methods=methods,
    )
    db.session.commit()
    params = _session_params(customer, chosen, attempt, methods, return_url)
    try:
        session = gateway.create_session(params, idempotency_key=attempt.idempotency_key)
    except stripe_gateway.StripeUnavailable as exc:
        attempt.status = S.EXPIRED
        attempt.updated_at = now
        audit.record(
            audit.Actor.system(),
            "checkout.start_failed",
            "checkout_attempt",
            attempt.id,
            at=now,
            customer_id=customer.id,
            error=exc.reason,
        )
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
    email = first_address(customer)
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
        move(attempt, S.EXPIRED, now=now, actor=actor, reason="replaced")
    db.session.commit()


def _expired_at_stripe(gateway: stripe_gateway.StripeGateway, session_id: str) -> bool:
    """False only for a session Stripe says is complete: it stays open for its webhook."""
    try:
        if gateway.expire_session(session_id):
            return True
    except stripe_gateway.StripeUnavailable as exc:
        raise OnlinePaymentUnavailable(UNAVAILABLE) from exc
    try:
        return gateway.session_status(session_id) != "complete"
    except stripe_gateway.StripeUnavailable as exc:
        raise OnlinePaymentUnavailable(UNAVAILABLE) from exc


def _clip(text: str) -> str:
    return text if len(text) <= METADATA_MAX else text[: METADATA_MAX - 1] + "…"
