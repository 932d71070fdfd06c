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

from portal.models import Organisation
from portal.services.claims import penalties
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
        _legal_basis(organisation, owed, f, business=business, today=today),
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
        if owed.interest_cents:
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
    if not organisation.charge_penalties:
        return _(
            "We have not claimed the late-payment penalties and the fixed recovery indemnity "
            "provided for by articles L441-10 and D441-5 of the French Commercial Code "
            "(Code de commerce); we reserve the right to claim them if this notice is not "
            "acted upon."
        )
    rates = penalties.load_rates()
    rate_bp = rates.penalty_rate_bp(penalties.semester_start(today), organisation.penalty_margin_bp)
    currency = next(iter(owed.totals))
    return _(
        "Under article L441-10 of the French Commercial Code (Code de commerce), late-payment "
        "penalties are due as of right, without any reminder being necessary, from the day "
        "after the due date, at the European Central Bank's refinancing rate plus "
        "%(points)s points and no less than three times the legal interest rate "
        "(%(rate)s for the current half-year). Under article D441-5 of the same code, each "
        "invoice paid late also gives rise to a fixed indemnity of %(indemnity)s for "
        "recovery costs.",
        points=points(f, organisation.penalty_margin_bp),
        rate=f.rate(Decimal(rate_bp).scaleb(-2)),
        indemnity=f.money(organisation.recovery_indemnity_cents, currency),
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
