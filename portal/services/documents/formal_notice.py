"""What a formal notice (mise en demeure) claims: the invoices, the penalties, the totals.

The letter is the first document a judge reads if the claim goes to court, so
its figures are computed here, once, exactly as the penalties service computes
them, and the drawing (`formal_notice_letter`) only prints them: the totals printed
always equal principal + interest + indemnities, to the cent. The reference to
quote on a transfer and the EPC QR payload come from the same claim, so what the
debtor pays matches what the letter asks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    ActionStatus,
    Customer,
    CustomerKind,
    DunningAction,
    Invoice,
    InvoiceStatus,
    Organisation,
    ScenarioStep,
    StepKind,
)
from portal.services.claims import penalties
from portal.services.errors import DomainError
from portal.services.payments import transfers

#: Remittance text of a SEPA transfer (EPC069-12, unstructured): at most 140 characters.
REMITTANCE_MAX = 140
#: The EPC QR code cannot carry more than this.
EPC_MAX_CENTS = 999_999_999_99


class LetterUnavailable(DomainError):
    """Nothing can be claimed, or the creditor's identity is missing."""


@dataclass(frozen=True)
class ClaimLine:
    """One invoice as the letter claims it."""

    invoice: Invoice
    claimed_cents: int
    """What is still due on it, less any amount set aside (under dispute)."""
    excluded_cents: int
    days_late: int
    interest_cents: int
    indemnity_cents: int


@dataclass
class Totals:
    principal_cents: int = 0
    interest_cents: int = 0
    indemnity_cents: int = 0
    excluded_cents: int = 0
    indemnities: int = 0
    """How many invoices carry the fixed indemnity."""

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.interest_cents + self.indemnity_cents


@dataclass(frozen=True)
class Claim:
    """What the letter claims, invoice by invoice and in total per currency."""

    lines: list[ClaimLine]
    totals: dict[str, Totals] = field(default_factory=dict)

    @property
    def interest_cents(self) -> int:
        return sum(t.interest_cents for t in self.totals.values())


def claim(
    organisation: Organisation,
    customer: Customer,
    invoices: list[Invoice],
    *,
    today: date,
    excluded_cents_by_invoice: dict[int, int] | None = None,
) -> Claim:
    """The overdue, still-open invoices with the penalties the penalties service gives today.

    An amount set aside on an invoice (under dispute) is neither claimed nor
    used as a base for interest; an invoice with nothing left to claim is left out.
    A consumer owes interest only from an earlier formal notice (Code civil 1231-6).
    """
    excluded = excluded_cents_by_invoice or {}
    overdue = sorted(
        (
            i
            for i in invoices
            if i.status is InvoiceStatus.OPEN and i.outstanding_cents > 0 and i.due_date < today
        ),
        key=lambda i: (i.due_date, i.number),
    )
    rates = penalties.load_rates()
    notices = (
        _earlier_notices(organisation, [i.id for i in overdue], today)
        if customer.kind is CustomerKind.CONSUMER
        else {}
    )
    lines, totals = [], defaultdict(Totals)
    for invoice in overdue:
        set_aside = min(max(0, excluded.get(invoice.id, 0)), invoice.outstanding_cents)
        claimed = invoice.outstanding_cents - set_aside
        if claimed <= 0:
            continue
        owed = penalties.for_invoice(
            invoice,
            organisation,
            customer.kind,
            today,
            rates,
            formal_notice_date=notices.get(invoice.id),
            excluded_cents=set_aside,
        )
        lines.append(
            ClaimLine(
                invoice,
                claimed,
                set_aside,
                owed.days_late,
                owed.interest_cents,
                owed.indemnity_cents,
            )
        )
        total = totals[invoice.currency]
        total.principal_cents += claimed
        total.interest_cents += owed.interest_cents
        total.indemnity_cents += owed.indemnity_cents
        total.excluded_cents += set_aside
        total.indemnities += 1 if owed.indemnity_cents else 0
    return Claim(lines, dict(totals))


def _earlier_notices(
    organisation: Organisation, invoice_ids: list[int], today: date
) -> dict[int, date]:
    """The day of the first formal notice already sent for each invoice, before today."""
    if not invoice_ids:
        return {}
    rows = db.session.execute(
        select(DunningAction.invoice_id, func.min(DunningAction.done_at))
        .join(ScenarioStep, ScenarioStep.id == DunningAction.step_id)
        .where(
            DunningAction.invoice_id.in_(invoice_ids),
            DunningAction.status == ActionStatus.SENT,
            ScenarioStep.kind == StepKind.FORMAL_NOTICE,
        )
        .group_by(DunningAction.invoice_id)
    )
    zone = ZoneInfo(organisation.timezone or "Europe/Paris")
    notices = {}
    for invoice_id, done_at in rows:
        if done_at is not None and (day := done_at.astimezone(zone).date()) < today:
            notices[invoice_id] = day
    return notices


def transfer_reference(customer: Customer, owed: Claim) -> str:
    """What the debtor quotes on a transfer: the customer reference and the invoice numbers."""
    text = " ".join([customer.ref, *(line.invoice.number for line in owed.lines)])
    return text if len(text) <= REMITTANCE_MAX else customer.ref[:REMITTANCE_MAX]


def epc_payload(organisation: Organisation, customer: Customer, owed: Claim) -> str | None:
    """The EPC QR payload for the whole claim, or None when a QR code cannot carry it."""
    if not organisation.iban or list(owed.totals) != ["EUR"]:
        return None
    amount = owed.totals["EUR"].total_cents
    if not 1 <= amount <= EPC_MAX_CENTS:
        return None
    return transfers.epc_payload(
        organisation, amount, "EUR", "", text=transfer_reference(customer, owed)
    )
