"""Which annual rate a late payment bears, half-year by half-year.

Between businesses (Code de commerce L441-10) the contract sets the rate, as
ECB + a margin or as a fixed rate, and it may not be lower than 3 × the legal
interest rate "all other cases"; without a contract rate it is the ECB rate +
10 points, and the floor does not apply. The organisation's terms hold for
every customer unless a customer has terms of its own. A consumer owes the
legal rate "all other cases" (the creditor is a business: C. mon. fin. L313-2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.models import Customer, CustomerKind, Organisation, PenaltyRateBasis
from portal.services.claims.rate_table import Rates

STATUTORY_MARGIN_BP = 1000
FLOOR_MULTIPLE = 3
#: D441-5: the fixed indemnity for recovery costs, per invoice paid late.
LEGAL_INDEMNITY_CENTS = 4000


@dataclass(frozen=True)
class PenaltyTerms:
    basis: PenaltyRateBasis
    margin_bp: int = STATUTORY_MARGIN_BP
    fixed_rate_bp: int | None = None
    consumer: bool = False

    @property
    def floored(self) -> bool:
        return not self.consumer and self.basis is not PenaltyRateBasis.STATUTORY

    def annual_rate_bp(self, half_year: date, rates: Rates) -> int:
        """The rate of one half-year; raises MissingRate when a rate it needs is unknown."""
        if self.consumer:
            return rates.legal_other_bp(half_year)
        if self.basis is PenaltyRateBasis.STATUTORY:
            return rates.ecb_bp(half_year) + STATUTORY_MARGIN_BP
        if self.basis is PenaltyRateBasis.FIXED:
            contract = self.fixed_rate_bp or 0
        else:
            contract = rates.ecb_bp(half_year) + self.margin_bp
        return max(contract, FLOOR_MULTIPLE * rates.legal_other_bp(half_year))


def for_customer(organisation: Organisation, customer: Customer) -> PenaltyTerms:
    """The customer's own contract terms when it has some, else the organisation's."""
    if customer.kind is CustomerKind.CONSUMER:
        return PenaltyTerms(PenaltyRateBasis.STATUTORY, consumer=True)
    if customer.penalty_rate_basis is not None:
        return PenaltyTerms(
            customer.penalty_rate_basis,
            _first(customer.penalty_margin_bp, organisation.penalty_margin_bp),
            _first(customer.penalty_fixed_rate_bp, organisation.penalty_fixed_rate_bp),
        )
    return organisation_terms(organisation)


def organisation_terms(organisation: Organisation | None) -> PenaltyTerms:
    if organisation is None:
        return PenaltyTerms(PenaltyRateBasis.STATUTORY)
    return PenaltyTerms(
        organisation.penalty_rate_basis or PenaltyRateBasis.STATUTORY,
        organisation.penalty_margin_bp,
        organisation.penalty_fixed_rate_bp,
    )


def indemnity_cents(organisation: Organisation) -> int:
    """D441-5 sets 40 €; a lower setting is the creditor's waiver, never more."""
    return min(organisation.recovery_indemnity_cents, LEGAL_INDEMNITY_CENTS)


def _first(*values: int | None) -> int | None:
    return next((v for v in values if v is not None), None)
