"""Invoice arithmetic and creating invoices one at a time (the import does it in bulk).

line net = round_half_up(quantity × unit price, 2)
line tax = round_half_up(line net × tax rate / 100, 2)
total    = Σ(line net + line tax)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from portal.extensions import db
from portal.models import Customer, Invoice, InvoiceLine
from portal.services import audit
from portal.services.payments import balances

CENT = Decimal("0.01")


def line_amounts(quantity: Decimal, unit_price: Decimal, tax_rate: Decimal) -> tuple[int, int]:
    """(net, tax) of one line, in cents.

    Both are already rounded to the cent, so counting cents is a shift of the
    exponent (`to_cents` would round again: an import does this per line).
    """
    net = (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
    tax = (net * tax_rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return int(net.scaleb(2)), int(tax.scaleb(2))


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal


def build_lines(lines: Iterable[LineInput]) -> list[InvoiceLine]:
    built = []
    for position, line in enumerate(lines):
        net, tax = line_amounts(line.quantity, line.unit_price, line.tax_rate)
        built.append(
            InvoiceLine(
                position=position,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                net_cents=net,
                tax_cents=tax,
            )
        )
    return built


def set_totals(invoice: Invoice) -> None:
    invoice.net_cents = sum(line.net_cents for line in invoice.lines)
    invoice.tax_cents = sum(line.tax_cents for line in invoice.lines)
    invoice.total_cents = invoice.net_cents + invoice.tax_cents
    balances.apply_totals(invoice)


def create_invoice(
    customer: Customer,
    *,
    number: str,
    issue_date: date,
    due_date: date,
    lines: Iterable[LineInput],
    actor: audit.Actor,
    now: datetime,
    currency: str = "EUR",
) -> Invoice:
    invoice = Invoice(
        number=number,
        customer_id=customer.id,
        issue_date=issue_date,
        due_date=due_date,
        currency=currency,
        paid_cents=0,
        credited_cents=0,
        created_at=now,
        updated_at=now,
    )
    invoice.lines = build_lines(lines)
    set_totals(invoice)
    db.session.add(invoice)
    db.session.flush()
    audit.record(
        actor,
        "invoice.created",
        "invoice",
        invoice.id,
        at=now,
        customer_id=customer.id,
        invoice_id=invoice.id,
        number=number,
        total_cents=invoice.total_cents,
    )
    return invoice
