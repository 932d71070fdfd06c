"""The ledger for imports: many payments or invoice totals at once, in bulk SQL.

A payment file holds tens of thousands of rows, and an ORM Payment, flush and
balance query per row would cost most of an import. So a payment is first
applied to a running balance (`InvoiceAccount.receive`, checked as
`ledger.record_payment` checks an amount), which later rows of the same file
see; then a chunk of them is written with one executemany per table: the
payments, their allocations, the same `payment.recorded` audit events the
ledger writes one at a time, and the invoices' new balances. The invoice
import changes totals here too (`reprice_invoices`), by the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import update

from portal.extensions import db
from portal.models import (
    AuditAction,
    AuditEvent,
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from portal.services import audit
from portal.services.imports import bulk_sql
from portal.services.payments.balances import InvoiceBalance
from portal.services.payments.ledger import check_payable, recorded_details


@dataclass
class InvoiceAccount(InvoiceBalance):
    """A stored invoice's balance, kept running while a file's payments are applied."""

    id: int = 0
    number: str = ""
    customer_id: int = 0
    currency: str = "EUR"

    def receive(
        self,
        amount_cents: int,
        *,
        paid_on: date,
        method: PaymentMethod,
        reference: str,
        external_key: str,
    ) -> PendingPayment:
        """Apply one payment now, refused as `ledger.record_payment` refuses it.

        `record_imported_payments` writes what this returns.
        """
        check_payable(self, amount_cents)
        self.paid_cents += amount_cents
        self.apply(paid_on)
        return PendingPayment(self, paid_on, amount_cents, method, reference.strip(), external_key)


class PendingPayment(NamedTuple):
    """A payment applied to its invoice's running balance, waiting to be written."""

    account: InvoiceAccount
    paid_on: date
    amount_cents: int
    method: PaymentMethod
    reference: str
    external_key: str


def record_imported_payments(
    payments: Sequence[PendingPayment],
    *,
    actor: audit.Actor,
    now: datetime,
    source: str = "import",
) -> None:
    """Write payments (each allocated in full to its invoice), their audit events and balances.

    Every payment must come from `InvoiceAccount.receive`, so the balances
    written are those the payments made; each needs its own external key.
    """
    if not payments:
        return
    rows = [
        {
            "customer_id": p.account.customer_id,
            "date": p.paid_on,
            "amount_cents": p.amount_cents,
            "currency": p.account.currency,
            "method": p.method,
            "reference": p.reference,
            "source": source,
            "external_key": p.external_key,
            "created_at": now,
        }
        for p in payments
    ]
    ids = bulk_sql.insert_returning_ids(Payment, rows, "external_key")
    allocations = [
        {
            "payment_id": ids[p.external_key],
            "invoice_id": p.account.id,
            "amount_cents": p.amount_cents,
        }
        for p in payments
    ]
    bulk_sql.insert_rows(PaymentAllocation, allocations)
    bulk_sql.insert_rows(
        AuditEvent, [_recorded(p, ids[p.external_key], actor, now, source) for p in payments]
    )
    _write_balances({p.account.id: p.account for p in payments}.values())


def _recorded(
    payment: PendingPayment, payment_id: int, actor: audit.Actor, now: datetime, source: str
) -> dict[str, Any]:
    """The `payment.recorded` event `ledger.record_payment` would write, as a row."""
    account = payment.account
    details = recorded_details(
        customer_id=account.customer_id,
        invoice_id=account.id,
        amount_cents=payment.amount_cents,
        currency=account.currency,
        method=payment.method,
        reference=payment.reference,
        source=source,
        payment_amount_cents=payment.amount_cents,
    )
    return {
        "at": now,
        "actor": actor.label,
        "action": AuditAction.PAYMENT_RECORDED.value,
        "object_type": "payment",
        "object_id": payment_id,
        "customer_id": details.pop("customer_id"),
        "invoice_id": details.pop("invoice_id"),
        "details": details,
    }


def _write_balances(accounts: Iterable[InvoiceAccount]) -> None:
    rows = [
        {
            "id": account.id,
            "paid_cents": account.paid_cents,
            "outstanding_cents": account.outstanding_cents,
            "status": account.status,
            "paid_date": account.paid_date,
        }
        for account in accounts
    ]
    if rows:
        db.session.execute(update(Invoice), rows)


def reprice_invoices(invoices: Sequence[tuple[int, dict[str, Any], InvoiceBalance]]) -> None:
    """Rewrite stored invoices by id: new header `values`, and the balance their new total gives.

    Each balance carries the new total with what is already paid and credited.
    """
    rows = [
        {"id": invoice_id, **values, **balance.apply().columns()}
        for invoice_id, values, balance in invoices
    ]
    if rows:
        db.session.execute(update(Invoice), rows)
