"""A customer's own late-payment terms, when its contract differs from the organisation's.

Between businesses the contract sets the penalty rate (L441-10); a customer
signed on other terms keeps them here, and every claim on it follows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation

from portal.models import Customer, CustomerKind, PenaltyRateBasis
from portal.services import audit
from portal.services.errors import N_, DomainError

MAX_RATE_BP = 5000


class TermsRefused(DomainError):
    """The terms typed on the customer's page cannot be used."""


def save(
    customer: Customer, form: Mapping[str, str], *, actor: audit.Actor, now: datetime
) -> Customer:
    """`basis` empty: the organisation's terms; else the basis with its margin or fixed rate."""
    if customer.kind is not CustomerKind.BUSINESS:
        raise TermsRefused(N_("A consumer owes the legal rate: there are no terms to set."))
    basis_text = (form.get("basis") or "").strip()
    basis = None
    margin = fixed = None
    if basis_text:
        try:
            basis = PenaltyRateBasis(basis_text)
        except ValueError:
            raise TermsRefused(N_("Choose how the rate is set.")) from None
        if basis is PenaltyRateBasis.ECB_MARGIN:
            margin = _points(form.get("margin"))
        elif basis is PenaltyRateBasis.FIXED:
            fixed = _points(form.get("fixed_rate"))
    before = [
        customer.penalty_rate_basis,
        customer.penalty_margin_bp,
        customer.penalty_fixed_rate_bp,
    ]
    customer.penalty_rate_basis, customer.penalty_margin_bp = basis, margin
    customer.penalty_fixed_rate_bp = fixed
    after = [basis, margin, fixed]
    if before != after:
        audit.record(
            actor,
            "customer.updated",
            "customer",
            customer.id,
            at=now,
            customer_id=customer.id,
            changes={"penalty_terms": [[str(v) if v else v for v in before], after]},
        )
    return customer


def _points(text: str | None) -> int:
    """ "12", "12,5" or "3.25" (percent or points) → basis points."""
    cleaned = (text or "").replace("%", "").replace(",", ".").strip()
    try:
        value = int(Decimal(cleaned) * 100)
    except InvalidOperation:
        raise TermsRefused(N_("Enter a rate in percent, such as 12 or 3,5.")) from None
    if not 0 <= value <= MAX_RATE_BP:
        raise TermsRefused(N_("A rate must be between 0 and 50 percent."))
    return value
