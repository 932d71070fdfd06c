"""Importing payments: each row is a payment allocated in full to one invoice.

Bank exports have no payment numbers, so a payment is recognised by its
fingerprint (fingerprints.payment_key) and a second import of the same file
records nothing. Rows are applied in file order to a running balance per
invoice, so two rows that together pay more than is due are caught even when
they fall in different chunks. The ledger's bulk path (`ledger_bulk`) keeps
those balances and writes each chunk's payments, audit events and balances
with a few executemany statements, not through ORM objects, to keep large
files fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import select

from portal.models import Invoice, Payment, PaymentMethod
from portal.services.errors import N_
from portal.services.imports import bulk_sql, cells
from portal.services.imports.cells import MAX_CENTS
from portal.services.imports.fingerprints import payment_key
from portal.services.imports.reading import Columns, CsvFile, data_rows
from portal.services.imports.report import ImportRun
from portal.services.payments.ledger_bulk import (
    InvoiceAccount,
    PendingPayment,
    record_imported_payments,
)
from portal.values.money import from_cents

PAYMENT_COLUMNS = Columns(
    known=("invoice_number", "date", "amount", "method", "reference"),
    required=("invoice_number", "date", "amount"),
)


PAYMENT_METHODS = {
    **{method.value: method for method in PaymentMethod},
    "virement": PaymentMethod.TRANSFER,
    "carte": PaymentMethod.CARD,
    "prélèvement": PaymentMethod.SEPA_DEBIT,
    "prelevement": PaymentMethod.SEPA_DEBIT,
    "chèque": PaymentMethod.CHEQUE,
    "espèces": PaymentMethod.CASH,
    "especes": PaymentMethod.CASH,
    "autre": PaymentMethod.OTHER,
}


class _PaymentRow(NamedTuple):
    """One checked row, with the external key that recognises it in a later import."""

    row: int
    invoice_number: str
    paid_on: date
    amount_cents: int
    method: PaymentMethod
    reference: str
    external_key: str


def import_payments(run: ImportRun, source: CsvFile) -> None:
    """Allocate each payment to its invoice; identical rows are told apart by their rank."""
    occurrences: dict[bytes, int] = {}
    accounts: dict[str, InvoiceAccount | None] = {}
    batch: list[_PaymentRow] = []
    with data_rows(run, source, PAYMENT_COLUMNS) as rows:
        if rows is None:
            return
        for row, values in rows:
            payment = _parse_payment(run, row, values, occurrences)
            if payment is None:
                continue
            batch.append(payment)
            if len(batch) >= bulk_sql.CHUNK_ROWS:
                _save_payments(run, batch, accounts)
                batch = []
        _save_payments(run, batch, accounts)


def _parse_payment(
    run: ImportRun, row: int, values: dict[str, str], occurrences: dict[bytes, int]
) -> _PaymentRow | None:
    errors_before = len(run.result.errors)
    number = cells.required(run, row, "invoice_number", values["invoice_number"])
    paid_on = cells.date(run, row, "date", values["date"])
    amount = cells.decimal(run, row, "amount", values["amount"], positive=True)
    if amount is not None and amount * 100 > MAX_CENTS:
        run.error(row, "amount", N_("amount too large"))
    elif amount is not None and amount != amount.quantize(Decimal("0.01")):
        run.error(row, "amount", N_("more than 2 decimals: %(value)s"), value=values["amount"])
    method = _payment_method(run, row, values.get("method", ""))
    reference = cells.text(run, row, "reference", values.get("reference", ""), 140)
    if len(run.result.errors) > errors_before or paid_on is None or amount is None:
        return None
    cents = int(amount * 100)
    key = payment_key(number, paid_on, cents, method, reference, occurrences)
    return _PaymentRow(row, number, paid_on, cents, method, reference, key)


def _payment_method(run: ImportRun, row: int, value: str) -> PaymentMethod:
    method = PAYMENT_METHODS.get(value.lower()) if value else PaymentMethod.OTHER
    if method is None:
        run.error(row, "method", N_("not a valid payment method: %(value)s"), value=value)
        return PaymentMethod.OTHER
    return method


_ACCOUNTS_BY_NUMBER = select(
    Invoice.id,
    Invoice.number,
    Invoice.customer_id,
    Invoice.currency,
    Invoice.total_cents,
    Invoice.paid_cents,
    Invoice.credited_cents,
    Invoice.outstanding_cents,
    Invoice.status,
    Invoice.paid_date,
    Invoice.due_date,
).where(Invoice.number.in_(bulk_sql.keys()))
_PAYMENT_KEYS = select(Payment.external_key).where(Payment.external_key.in_(bulk_sql.keys()))


def _load_accounts(numbers: Iterable[str], accounts: dict[str, InvoiceAccount | None]) -> None:
    missing = sorted(set(numbers) - accounts.keys())
    accounts.update({number: None for number in missing})
    for row in bulk_sql.matching(_ACCOUNTS_BY_NUMBER, missing):
        accounts[row.number] = InvoiceAccount(
            total_cents=row.total_cents,
            paid_cents=row.paid_cents,
            credited_cents=row.credited_cents,
            due_date=row.due_date,
            status=row.status,
            paid_date=row.paid_date,
            outstanding_cents=row.outstanding_cents,
            id=row.id,
            number=row.number,
            customer_id=row.customer_id,
            currency=row.currency,
        )


def _known_keys(keys: list[str]) -> set[str]:
    return {key for (key,) in bulk_sql.matching(_PAYMENT_KEYS, keys)}


def _format_cents(cents: int, currency: str) -> str:
    """As row errors have always shown amounts ("3.95 EUR"): the same in every language."""
    return f"{from_cents(cents):.2f} {currency}"


def _save_payments(
    run: ImportRun, batch: list[_PaymentRow], accounts: dict[str, InvoiceAccount | None]
) -> None:
    _load_accounts((p.invoice_number for p in batch), accounts)
    known = _known_keys([p.external_key for p in batch])
    new: list[PendingPayment] = []
    for payment in batch:
        account = accounts[payment.invoice_number]
        if account is None:
            run.error(
                payment.row,
                "invoice_number",
                N_("unknown invoice %(number)s"),
                number=payment.invoice_number,
            )
        elif payment.external_key in known:
            run.count("unchanged")
        elif payment.amount_cents > account.outstanding_cents:
            run.error(
                payment.row,
                "amount",
                N_("%(amount)s is more than what is still due on invoice %(number)s (%(due)s)"),
                amount=_format_cents(payment.amount_cents, account.currency),
                number=account.number,
                due=_format_cents(account.outstanding_cents, account.currency),
            )
        else:
            new.append(
                account.receive(
                    payment.amount_cents,
                    paid_on=payment.paid_on,
                    method=payment.method,
                    reference=payment.reference,
                    external_key=payment.external_key,
                )
            )
            run.count(
                "create",
                {
                    "key": account.number,
                    "label": payment.reference or str(payment.method),
                    "amount_cents": payment.amount_cents,
                    "currency": account.currency,
                },
            )
    if run.writing:
        record_imported_payments(new, actor=run.actor, now=run.now)
