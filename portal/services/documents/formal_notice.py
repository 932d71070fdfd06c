"""What a formal notice (mise en demeure) claims: the invoices, the penalties, the totals.

The letter is the first document a judge reads if the claim goes to court, so
its figures come from the claim service (`services.claims.claim`), the same as
`portal claim` and the pages, and the drawing (`formal_notice_letter`) only prints them: the totals printed
always equal principal + interest + indemnities, to the cent. The reference to
quote on a transfer and the EPC QR payload come from the same claim, so what the
debtor pays matches what the letter asks.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from portal.models import Customer, Invoice, InvoiceStatus, Organisation
from portal.services.claims import claim as claims
from portal.services.claims.claim import Claim, InvoiceClaim, Totals
from portal.services.errors import DomainError
from portal.services.payments import transfers

__all__ = ["Claim", "InvoiceClaim", "LetterUnavailable", "Totals", "claim"]

#: Remittance text of a SEPA transfer (EPC069-12, unstructured): at most 140 characters.
REMITTANCE_MAX = 140
#: The EPC QR code cannot carry more than this.
EPC_MAX_CENTS = 999_999_999_99


class LetterUnavailable(DomainError):
    """Nothing can be claimed, or the creditor's identity is missing."""


def claim(
    organisation: Organisation,
    customer: Customer,
    invoices: list[Invoice],
    *,
    today: date,
    excluded_cents_by_invoice: dict[int, int] | None = None,
) -> Claim:
    """The claim service's figures for these overdue invoices, and every invoice paid late.

    Penalties and the indemnity stay due on an invoice paid late (L441-10), so
    a notice about some open invoices also claims what the paid ones still owe.
    An amount set aside (under dispute) is neither claimed nor a base for interest.
    """
    chosen = {i.id for i in invoices if i.status is InvoiceStatus.OPEN}
    owed = claims.for_customer(organisation, customer, today, set_aside=excluded_cents_by_invoice)
    lines = [
        line
        for line in owed.invoices
        if line.paid_late or (line.invoice.id in chosen and line.principal_cents > 0)
    ]
    return replace(owed, invoices=lines)


def transfer_reference(customer: Customer, owed: Claim) -> str:
    """What the debtor quotes on a transfer: the customer reference and the invoice numbers."""
    numbers = (line.invoice.number for line in owed.invoices if line.principal_cents)
    text = " ".join([customer.ref, *numbers])
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
