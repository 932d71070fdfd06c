"""An invoice's balance as the ledger computes it, without an ORM object per invoice.

Importing invoices and importing payments both set an invoice's totals,
status and paid date, and must get them exactly as the ledger would. Loading
tens of thousands of Invoice objects for that would cost most of an import's
time, so the importers hand `ledger.apply_totals` this small stand-in and
write the figures back in bulk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.models import InvoiceStatus
from portal.services.payments import ledger


@dataclass
class InvoiceBalance:
    """What `ledger.apply_totals` reads and writes."""

    total_cents: int
    paid_cents: int
    credited_cents: int
    due_date: date
    status: InvoiceStatus = InvoiceStatus.OPEN
    paid_date: date | None = None
    outstanding_cents: int = 0

    def apply(self, paid_on: date | None = None) -> InvoiceBalance:
        ledger.apply_totals(self, paid_on)  # type: ignore[arg-type]
        return self
