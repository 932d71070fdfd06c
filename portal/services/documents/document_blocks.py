"""The top and the foot an invoice and a statement share: letterhead and payment terms.

Both are commercial documents the customer files, so both open with the same
letterhead (who writes, what this is, to whom) and close with the same block
(how to pay, then the late-payment terms French law requires on every business
document). The formal notice is a letter with its own heading and does not use
them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from reportlab.platypus import Flowable

from portal.models import Customer, CustomerKind, Organisation, PenaltyRateBasis
from portal.services.claims import terms as claim_terms
from portal.services.documents import layout
from portal.services.documents.document_text import Formats, creditor_identity, registration
from portal.values.banking import format_iban


def letterhead(
    organisation: Organisation,
    customer: Customer,
    f: Formats,
    *,
    title: str,
    facts: list[str],
    addressee_label: str,
) -> list[Flowable]:
    """Who writes (left), what this is (right), and to whom (right, as in an envelope window)."""
    creditor = [
        layout.para(organisation.display_name, layout.NAME),
        *layout.lines(creditor_identity(organisation, f), layout.IDENTITY),
    ]
    addressee = [
        layout.para(addressee_label, layout.LABEL),
        layout.para(customer.name, layout.STRONG),
        *layout.lines(
            [
                *customer.address_lines,
                f.country(customer.country)
                if customer.country not in ("", organisation.country)
                else "",
                registration(customer.siren, ""),
                _("Customer reference: %(ref)s", ref=customer.ref),
            ]
        ),
    ]
    about = [
        layout.para(title, layout.TITLE),
        *layout.lines(facts, layout.BODY_RIGHT),
        layout.space(6),
        layout.boxed(addressee, layout.WIDTH * 0.42),
    ]
    return [layout.columns(creditor, about, left_share=0.5), layout.space(8)]


def how_to_pay(
    organisation: Organisation,
    customer: Customer,
    f: Formats,
    *,
    due: date | None,
    reference: str,
    amount_cents: int,
    currency: str,
) -> list[Flowable]:
    """Bank details, then the terms French law requires on business documents.

    `due` is the invoice's due date; a statement has none of its own.
    """
    flow: list[Flowable] = [layout.heading(_("Payment"))]
    if amount_cents > 0:
        flow.append(
            layout.para(
                _(
                    "Please pay %(amount)s by bank transfer, quoting the reference %(reference)s.",
                    amount=f.money(amount_cents, currency),
                    reference=reference,
                )
            )
        )
    if organisation.iban:
        flow += [
            layout.para(_("Account holder: %(name)s", name=organisation.legal_name)),
            layout.para(_("IBAN: %(iban)s", iban=format_iban(organisation.iban)), layout.STRONG),
            *layout.lines([_("BIC: %(bic)s", bic=organisation.bic) if organisation.bic else ""]),
        ]
    terms = [
        _("Payment due by %(day)s. No discount for early payment.", day=f.day(due, "long"))
        if due
        else "",
        late_payment_terms(organisation, customer, f, currency),
        organisation.policy_notes,
    ]
    return [layout.together([*flow, layout.space(3), *layout.lines(terms, layout.SMALL)])]


def late_payment_terms(
    organisation: Organisation, customer: Customer, f: Formats, currency: str
) -> str:
    """The late-payment terms as the customer's contract has them; nothing when none are claimed.

    A consumer reads no business wording (no ECB rate, no indemnity): only that
    the legal rate runs from a formal notice.
    """
    if not organisation.charge_penalties:
        return ""
    if customer.kind is CustomerKind.CONSUMER:
        return _(
            "A sum unpaid after a formal notice bears interest at the legal rate "
            "(Code civil art. 1231-6)."
        )
    penalty_terms = claim_terms.for_customer(organisation, customer)
    indemnity = f.money(claim_terms.indemnity_cents(organisation), currency)
    if penalty_terms.basis is PenaltyRateBasis.STATUTORY:
        return _(
            "Late-payment penalties at the ECB rate + 10 points, and a fixed %(indemnity)s "
            "recovery indemnity (Code de commerce art. L441-10 and D441-5).",
            indemnity=indemnity,
        )
    if penalty_terms.basis is PenaltyRateBasis.FIXED:
        rate = f.rate(Decimal(penalty_terms.fixed_rate_bp or 0).scaleb(-2))
        return _(
            "Late-payment penalties at %(rate)s a year, no less than three times the legal "
            "interest rate, and a fixed %(indemnity)s recovery indemnity (Code de commerce "
            "art. L441-10 and D441-5).",
            rate=rate,
            indemnity=indemnity,
        )
    return _(
        "Late-payment penalties at the ECB rate + %(points)s points, no less than three times "
        "the legal interest rate, and a fixed %(indemnity)s recovery indemnity (Code de "
        "commerce art. L441-10 and D441-5).",
        points=f.number(Decimal(penalty_terms.margin_bp).scaleb(-2)),
        indemnity=indemnity,
    )
