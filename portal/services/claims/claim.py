"""What a creditor may claim from one customer on a given day, invoice by invoice.

The one computation behind the formal notice letter and email, the reminders,
the debtor's and the creditor's pages and `portal claim`, so that they cannot
disagree by a cent. Per invoice: the principal still due, the penalty accrued
(segment by segment), the recovery indemnity, and, for an invoice already paid
late, what accrued until it was paid: late-payment penalties are due on every
late payment (L441-10), not only on what is still open, within the limitation
period.

The balance is rebuilt from dated payments and credit notes, so a claim can be
asked as of any day. A credit note that settles an accepted dispute takes
effect at the invoice's issue date: that amount was never owed, so it never
bore interest (the books keep the credit note's own date). An amount under an
open dispute is set aside: neither claimed nor a base for interest.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Select, bindparam, select

from portal.extensions import db
from portal.models import (
    CreditNote,
    Customer,
    CustomerKind,
    Dispute,
    DisputeStatus,
    Invoice,
    Organisation,
    Payment,
    PaymentAllocation,
)
from portal.services.claims import interest, notices, rate_table, terms
from portal.services.claims.interest import Segment
from portal.services.claims.limitation import limitation_date
from portal.services.disputes import holds
from portal.statements import built_once


@dataclass(frozen=True)
class InvoiceClaim:
    invoice: Invoice
    principal_cents: int
    """Still due as of the day, less what is set aside."""
    set_aside_cents: int
    paid_late: bool
    days_late: int
    segments: list[Segment]
    indemnity_cents: int
    missing_half_years: list[date] = field(default_factory=list)

    @property
    def penalty_exact(self) -> Decimal:
        return sum((s.amount for s in self.segments), Decimal(0))

    @property
    def penalty_cents(self) -> int:
        """Rounded half up once for the invoice; 0 while a half-year's rate is missing."""
        return 0 if self.missing_half_years else interest.round_half_up(self.penalty_exact)

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.penalty_cents + self.indemnity_cents


@dataclass
class Totals:
    principal_cents: int = 0
    penalty_cents: int = 0
    indemnity_cents: int = 0
    set_aside_cents: int = 0
    indemnities: int = 0

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.penalty_cents + self.indemnity_cents


@dataclass(frozen=True)
class Claim:
    customer: Customer
    as_of: date
    invoices: list[InvoiceClaim]
    penalties_on: bool
    """False when the creditor turned penalties off: nothing but the principal is claimed."""
    terms: terms.PenaltyTerms
    notice_date: date | None
    """A consumer's formal notice, from which legal interest runs."""

    @property
    def business(self) -> bool:
        return not self.terms.consumer

    @property
    def unpaid(self) -> list[InvoiceClaim]:
        return [line for line in self.invoices if not line.paid_late]

    @property
    def paid_late(self) -> list[InvoiceClaim]:
        return [line for line in self.invoices if line.paid_late]

    @property
    def missing_half_years(self) -> list[date]:
        return sorted({d for line in self.invoices for d in line.missing_half_years})

    @property
    def totals(self) -> dict[str, Totals]:
        found: dict[str, Totals] = defaultdict(Totals)
        for line in self.invoices:
            total = found[line.invoice.currency]
            total.principal_cents += line.principal_cents
            total.penalty_cents += line.penalty_cents
            total.indemnity_cents += line.indemnity_cents
            total.set_aside_cents += line.set_aside_cents
            total.indemnities += 1 if line.indemnity_cents else 0
        return dict(found)

    @property
    def penalty_cents(self) -> int:
        return sum(line.penalty_cents for line in self.invoices)

    @property
    def indemnity_cents(self) -> int:
        return sum(line.indemnity_cents for line in self.invoices)

    def for_invoice(self, invoice_id: int) -> InvoiceClaim | None:
        return next((line for line in self.invoices if line.invoice.id == invoice_id), None)


def for_customer(
    organisation: Organisation,
    customer: Customer,
    as_of: date,
    *,
    invoices: list[Invoice] | None = None,
    set_aside: dict[int, int] | None = None,
    rates: rate_table.Rates | None = None,
) -> Claim:
    """The claim on `customer` at the end of `as_of`.

    `invoices` narrows it (a letter about some invoices only); `set_aside` is
    what is held back per invoice, by default what open disputes hold.
    """
    rates = rates or rate_table.load()
    penalty_terms = terms.for_customer(organisation, customer)
    penalties_on = organisation.charge_penalties
    notice = notices.formal_notice_sent_on(customer) if penalty_terms.consumer else None
    if invoices is None:
        values = {"customer_id": customer.id, "as_of": as_of}
        invoices = list(db.session.scalars(_issued_invoices(), values))
    else:
        invoices = sorted(invoices, key=lambda i: (i.due_date, i.number))
    set_aside = holds.open_cents_for_customer(customer.id) if set_aside is None else set_aside
    history = _history([i.id for i in invoices], as_of)
    lines = []
    for invoice in invoices:
        line = _invoice_claim(
            invoice,
            history.get(invoice.id, ([], 0)),
            as_of,
            set_aside=max(0, set_aside.get(invoice.id, 0)),
            customer=customer,
            organisation=organisation,
            penalty_terms=penalty_terms,
            penalties_on=penalties_on,
            notice=notice,
            rates=rates,
        )
        if line is not None:
            lines.append(line)
    return Claim(customer, as_of, lines, penalties_on, penalty_terms, notice)


def on_page(
    customer: Customer, as_of: date, organisation: Organisation | None = None
) -> Claim | None:
    """The claim a page shows beside the principal; None when there is nothing to show.

    Nothing when the creditor claims no penalties, or nothing beyond the principal is due.
    `organisation`: when the caller has read it already (the page's layout does).
    """
    if organisation is None:
        organisation = db.session.scalar(select(Organisation).limit(1))
    if organisation is None or not organisation.charge_penalties:
        return None
    owed = for_customer(organisation, customer, as_of)
    if not (owed.penalty_cents or owed.indemnity_cents or owed.missing_half_years):
        return None
    return owed


def _invoice_claim(
    invoice: Invoice,
    history: tuple[list[tuple[date, int]], int],
    as_of: date,
    *,
    set_aside: int,
    customer: Customer,
    organisation: Organisation,
    penalty_terms: terms.PenaltyTerms,
    penalties_on: bool,
    notice: date | None,
    rates: rate_table.Rates,
) -> InvoiceClaim | None:
    reductions, never_owed = history
    if invoice.due_date >= as_of:
        return None
    opening = invoice.total_cents - never_owed
    balance = opening - sum(cents for _, cents in reductions)
    set_aside = min(set_aside, max(0, balance))
    principal = balance - set_aside
    paid_on = _paid_on(opening, reductions) if balance <= 0 else None
    paid_late = paid_on is not None and paid_on > invoice.due_date
    if principal <= 0 and not paid_late:
        return None
    if paid_late and (not penalties_on or limitation_date(invoice.due_date, customer.kind) < as_of):
        return None
    first_day = invoice.due_date + timedelta(days=1)
    if penalty_terms.consumer:
        first_day = max(first_day, notice + timedelta(days=1)) if notice else None
    segments = []
    if penalties_on and first_day is not None:
        segments = interest.balance_segments(opening - set_aside, reductions, first_day, as_of)
    missing: set[date] = set()
    rated = []
    for segment in segments:
        try:
            rate = penalty_terms.annual_rate_bp(segment.half_year, rates)
        except rate_table.MissingRate as exc:
            missing.add(exc.start)
            rate = None
        rated.append(Segment(segment.start, segment.end, segment.balance_cents, rate))
    business = customer.kind is CustomerKind.BUSINESS
    indemnity = terms.indemnity_cents(organisation) if business and penalties_on else 0
    line = InvoiceClaim(
        invoice,
        max(0, principal),
        set_aside,
        paid_late,
        ((paid_on if paid_late else as_of) - invoice.due_date).days,
        rated,
        indemnity,
        sorted(missing),
    )
    if paid_late and not line.indemnity_cents and not line.penalty_cents and not missing:
        return None
    return line


def _paid_on(opening: int, reductions: list[tuple[date, int]]) -> date | None:
    """The day the balance last reached zero."""
    balance, paid_on = opening, None
    for day, cents in sorted(reductions):
        balance -= cents
        paid_on = day if balance <= 0 and paid_on is None else paid_on
        if balance > 0:
            paid_on = None
    return paid_on


def _history(invoice_ids: list[int], as_of: date) -> dict[int, tuple[list[tuple[date, int]], int]]:
    """Invoice id → (dated reductions up to `as_of`, cents credited for accepted disputes)."""
    if not invoice_ids:
        return {}
    found: dict[int, tuple[list[tuple[date, int]], int]] = {}

    def entry(invoice_id: int) -> tuple[list[tuple[date, int]], int]:
        return found.setdefault(invoice_id, ([], 0))

    values = {"ids": invoice_ids, "as_of": as_of}
    for invoice_id, day, cents in db.session.execute(_payments_until(), values):
        entry(invoice_id)[0].append((day, int(cents)))
    settled = set(db.session.scalars(_settled_credit_notes(), values))
    notes = db.session.execute(_credit_notes_until(), values)
    for note_id, invoice_id, day, cents in notes:
        reductions, never_owed = entry(invoice_id)
        if note_id in settled:
            found[invoice_id] = (reductions, never_owed + int(cents))
        else:
            reductions.append((day, int(cents)))
    return found


@built_once
def _issued_invoices() -> Select:
    """Every invoice of a customer issued by `as_of`, paid or not (paid late owes penalties)."""
    return (
        select(Invoice)
        .where(
            Invoice.customer_id == bindparam("customer_id"),
            Invoice.issue_date <= bindparam("as_of"),
        )
        .order_by(Invoice.due_date, Invoice.number)
    )


@built_once
def _payments_until() -> Select:
    return (
        select(PaymentAllocation.invoice_id, Payment.date, PaymentAllocation.amount_cents)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(
            PaymentAllocation.invoice_id.in_(bindparam("ids", expanding=True)),
            Payment.date <= bindparam("as_of"),
        )
    )


@built_once
def _settled_credit_notes() -> Select:
    """Credit notes that accepted a dispute: the amount was never owed."""
    return select(Dispute.credit_note_id).where(
        Dispute.status == DisputeStatus.ACCEPTED,
        Dispute.credit_note_id.is_not(None),
        Dispute.invoice_id.in_(bindparam("ids", expanding=True)),
    )


@built_once
def _credit_notes_until() -> Select:
    return select(
        CreditNote.id, CreditNote.invoice_id, CreditNote.date, CreditNote.amount_cents
    ).where(
        CreditNote.invoice_id.in_(bindparam("ids", expanding=True)),
        CreditNote.date <= bindparam("as_of"),
    )
