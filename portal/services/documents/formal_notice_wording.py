"""What the formal notice says in words: the demand, its legal basis, the way out.

These paragraphs are what a lawyer checks and a court reads. Kept apart from
the drawing, they read as text against the articles they cite (Code de commerce
for a business, Code civil for a consumer); dates and amounts come formatted in
the letter's language, the amounts from the claim (`formal_notice.claim`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.lists import format_list
from flask_babel import gettext as _

from portal.models import Organisation, PenaltyRateBasis
from portal.services.claims.terms import LEGAL_INDEMNITY_CENTS, PenaltyTerms
from portal.services.documents.document_text import Formats
from portal.services.documents.formal_notice import Claim


def long_day(f: Formats, day: date) -> str:
    """A long date; French writes the first of the month as an ordinal (1er décembre 2026)."""
    text = f.day(day, "long")
    if f.language.startswith("fr") and day.day == 1 and text.startswith("1 "):
        return "1er" + text[1:]
    return text


def points(f: Formats, basis_points: int) -> str:
    """Points of interest from basis points: 1000 → 10, 1050 → 10,5."""
    return f.number(Decimal(basis_points).scaleb(-2))


def total_claimed(owed: Claim, f: Formats) -> str:
    """The total claimed; a list of totals when the invoices are in several currencies."""
    amounts = [f.money(t.total_cents, c) for c, t in owed.totals.items()]
    return format_list(amounts, locale=f.language)


def demand(
    organisation: Organisation,
    owed: Claim,
    f: Formats,
    *,
    business: bool,
    today: date,
    deadline: date,
) -> list[str]:
    """The demand with its deadline, the legal basis, the consequences, the way out."""
    return [
        _(
            "We hereby formally demand that you pay us the sum of %(amount)s "
            "by %(deadline)s at the latest.",
            amount=total_claimed(owed, f),
            deadline=long_day(f, deadline),
        ),
        *filter(None, [_legal_basis(organisation, owed, f, business=business, today=today)]),
        _(
            "Failing payment by that date, we will take legal action to recover these sums "
            "without further notice, in particular by applying to the court for an order "
            "to pay (injonction de payer); the costs of the proceedings may be charged to you."
        ),
        _way_out(organisation),
    ]


def _legal_basis(
    organisation: Organisation, owed: Claim, f: Formats, *, business: bool, today: date
) -> str:
    if not business:
        if owed.penalty_cents:
            return _(
                "This letter constitutes a formal notice under article 1344 of the French "
                "Civil Code (Code civil). Under article 1231-6 of the same code, the sums due "
                "have borne interest at the legal rate since our first formal notice; this "
                "interest is included above."
            )
        return _(
            "This letter constitutes a formal notice under article 1344 of the French Civil "
            "Code (Code civil). Under article 1231-6 of the same code, the sums due bear "
            "interest at the legal rate from the date of this formal notice."
        )
    if not owed.penalties_on:
        return ""
    return " ".join(filter(None, [_rate_basis(owed.terms, f), _indemnity_basis(owed, f)]))


def _rate_basis(penalty_terms: PenaltyTerms, f: Formats) -> str:
    """Where the rate comes from: the statutory default, or the contract and its floor."""
    if penalty_terms.basis is PenaltyRateBasis.STATUTORY:
        return _(
            "Under article L441-10 of the French Commercial Code (Code de commerce), "
            "late-payment penalties are due as of right, without any reminder being necessary, "
            "from the day after the due date, at the European Central Bank's refinancing rate "
            "in force on 1 January or 1 July of each half-year plus 10 points."
        )
    if penalty_terms.basis is PenaltyRateBasis.FIXED:
        contract = _(
            "at the rate of %(rate)s a year set in our terms and conditions",
            rate=f.rate(Decimal(penalty_terms.fixed_rate_bp or 0).scaleb(-2)),
        )
    else:
        contract = _(
            "at the rate set in our terms and conditions, the European Central Bank's "
            "refinancing rate in force on 1 January or 1 July of each half-year plus "
            "%(points)s points",
            points=points(f, penalty_terms.margin_bp),
        )
    return _(
        "Under article L441-10 of the French Commercial Code (Code de commerce), late-payment "
        "penalties are due as of right, without any reminder being necessary, from the day "
        "after the due date, %(contract)s, and no less than three times the legal interest "
        "rate of the half-year.",
        contract=contract,
    )


def _indemnity_basis(owed: Claim, f: Formats) -> str:
    if not owed.indemnity_cents:
        return ""
    currency = next(iter(owed.totals))
    legal = f.money(LEGAL_INDEMNITY_CENTS, currency)
    each = max(line.indemnity_cents for line in owed.invoices)
    if each < LEGAL_INDEMNITY_CENTS:
        fixed = _(
            "Under article D441-5 of the same code, each invoice paid late also gives rise "
            "to a fixed indemnity of %(legal)s for recovery costs, of which we claim "
            "%(indemnity)s.",
            legal=legal,
            indemnity=f.money(each, currency),
        )
    else:
        fixed = _(
            "Under article D441-5 of the same code, each invoice paid late also gives rise "
            "to a fixed indemnity of %(indemnity)s for recovery costs.",
            indemnity=legal,
        )
    return " ".join(
        [
            fixed,
            _(
                "Where our recovery costs exceed it, we may claim additional compensation "
                "on justification (article L441-10)."
            ),
        ]
    )


def _way_out(organisation: Organisation) -> str:
    phone = organisation.contact_phone.replace(" ", "\u00a0")
    contact = " · ".join(filter(None, [organisation.contact_email, phone]))
    if contact:
        return _(
            "If you have paid in the meantime, please disregard this letter. If you dispute "
            "all or part of these sums, or wish to agree on a payment schedule, please "
            "contact us without delay: %(contact)s.",
            contact=contact,
        )
    return _(
        "If you have paid in the meantime, please disregard this letter. If you dispute all "
        "or part of these sums, or wish to agree on a payment schedule, please contact us "
        "without delay."
    )
