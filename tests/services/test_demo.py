"""The demo data: the same on every run, believable, and true to the ledger's rules."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    CreditNote,
    Customer,
    CustomerKind,
    Invoice,
    InvoiceStatus,
    Organisation,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    Role,
    User,
)
from portal.services import accounts, links
from portal.services.audit import Actor
from portal.services.demo import catalogue, demo_data
from portal.values.banking import iban_is_valid

from ..conftest import NOW, TODAY

EMAIL_DOMAINS = ("@example.com", "@example.fr", "@example.org")
#: Every way the demo's customers pay (cash and "other" are not among them).
DEMO_PAYMENT_METHODS = {
    PaymentMethod.TRANSFER,
    PaymentMethod.CARD,
    PaymentMethod.CHEQUE,
    PaymentMethod.SEPA_DEBIT,
}


def _load(today: date = TODAY) -> demo_data.DemoSummary:
    now = NOW if today == TODAY else datetime.combine(today, time(9), tzinfo=UTC)
    return demo_data.load(today=today, now=now)


def _luhn_ok(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _bucket(invoice: Invoice, today: date) -> str:
    late = (today - invoice.due_date).days
    if late <= 0:
        return "not_due"
    if late <= 30:
        return "1_30"
    if late <= 60:
        return "31_60"
    return "61_90" if late <= 90 else "over_90"


def _invoice_row(i: Invoice) -> tuple:
    lines = [(li.description, li.quantity, li.unit_price, li.tax_rate) for li in i.lines]
    dates = (i.issue_date, i.due_date, i.paid_date)
    return (i.number, i.customer.ref, *dates, i.total_cents, i.outstanding_cents, i.status, lines)


def _payment_row(p: Payment) -> tuple:
    allocated_to = [a.invoice.number for a in p.allocations]
    return (p.date, p.amount_cents, p.method, p.reference, allocated_to)


def _snapshot() -> dict:
    """Everything a viewer could see, without database ids."""
    invoices = db.session.scalars(select(Invoice).order_by(Invoice.number))
    payments = db.session.scalars(select(Payment).order_by(Payment.id))
    return {
        "customers": [
            (c.ref, c.name, c.kind, c.language, c.phone, c.siren, c.segment, c.email_addresses)
            for c in db.session.scalars(select(Customer).order_by(Customer.ref))
        ],
        "invoices": [_invoice_row(i) for i in invoices],
        "payments": [_payment_row(p) for p in payments],
        "credit_notes": [
            (n.number, n.invoice.number, n.date, n.amount_cents)
            for n in db.session.scalars(select(CreditNote).order_by(CreditNote.number))
        ],
    }


def test_load_is_deterministic(app):
    first_summary = _load()
    first = _snapshot()
    demo_data.wipe()
    assert _load() == first_summary
    assert _snapshot() == first
    assert first_summary.invoices == len(first["invoices"])
    assert first_summary.payments == len(first["payments"])


def test_wipe_empties_every_table(app):
    assert not demo_data.has_data()
    _load()
    assert demo_data.has_data()
    demo_data.wipe()
    for table in db.metadata.sorted_tables:
        assert db.session.scalar(select(func.count()).select_from(table)) == 0, table.name
    assert not demo_data.has_data()


def test_has_data_counts_a_set_up_portal_without_customers(app):
    accounts.create_user(
        "owner@example.com", "a long password", role="owner", actor=Actor.system(), now=NOW
    )
    assert demo_data.has_data()


@pytest.mark.parametrize("today", [TODAY, date(2027, 3, 7)], ids=["monday", "sunday"])
def test_open_invoices_fill_every_ageing_bucket(app, today):
    _load(today)
    open_invoices = db.session.scalars(
        select(Invoice).where(Invoice.status == InvoiceStatus.OPEN)
    ).all()
    buckets = Counter(_bucket(invoice, today) for invoice in open_invoices)
    for key in ("not_due", "1_30", "31_60", "61_90", "over_90"):
        assert buckets[key] >= 3, (key, buckets)


def test_balances_match_allocations_and_credit_notes(app):
    _load()
    allocated = dict(
        db.session.execute(
            select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount_cents)).group_by(
                PaymentAllocation.invoice_id
            )
        ).all()
    )
    credited = dict(
        db.session.execute(
            select(CreditNote.invoice_id, func.sum(CreditNote.amount_cents)).group_by(
                CreditNote.invoice_id
            )
        ).all()
    )
    invoices = db.session.scalars(select(Invoice)).all()
    for invoice in invoices:
        paid, credit = allocated.get(invoice.id, 0), credited.get(invoice.id, 0)
        lines_total = sum(line.total_cents for line in invoice.lines)
        stored = (invoice.total_cents, invoice.paid_cents, invoice.credited_cents)
        assert stored == (lines_total, paid, credit), invoice.number
        assert invoice.outstanding_cents == invoice.total_cents - paid - credit, invoice.number
        assert invoice.outstanding_cents >= 0, invoice.number
        is_paid = invoice.status is InvoiceStatus.PAID
        assert is_paid == (invoice.outstanding_cents == 0) == (invoice.paid_date is not None)
    for payment in db.session.scalars(select(Payment)):
        assert payment.amount_cents == sum(a.amount_cents for a in payment.allocations)
        assert payment.date <= TODAY
    assert credited, "the demo should show at least one credit note"


def test_invoices_look_like_a_real_ledger(app):
    summary = _load()
    invoices = db.session.scalars(select(Invoice)).all()
    assert 170 <= summary.invoices == len(invoices) <= 230
    assert all(re.fullmatch(r"F20\d\d-\d{5}", i.number) for i in invoices)
    assert all(1 <= len(i.lines) <= 4 for i in invoices)
    assert {(i.due_date - i.issue_date).days for i in invoices} == {30, 45, 60}
    assert min(i.issue_date for i in invoices) < date(2025, 10, 15)  # about 14 months back
    assert max(i.issue_date for i in invoices) <= TODAY
    rates = Counter(line.tax_rate for i in invoices for line in i.lines)
    standard, reduced, energy = Decimal("20"), Decimal("10"), Decimal("5.5")
    assert set(rates) == {standard, reduced, energy}
    assert rates[standard] > rates[reduced] + rates[energy]
    assert any(
        line.quantity != line.quantity.to_integral_value() for i in invoices for line in i.lines
    )


def test_paid_part_paid_and_open_invoices_and_late_payers(app):
    summary = _load()
    invoices = db.session.scalars(select(Invoice)).all()
    paid = [i for i in invoices if i.status is InvoiceStatus.PAID]
    open_ = [i for i in invoices if i.status is InvoiceStatus.OPEN]
    part_paid = [i for i in open_ if i.paid_cents > 0]
    assert len(paid) >= 100 and len(open_) >= 25 and len(part_paid) >= 3
    days_late = [(i.paid_date - i.due_date).days for i in paid]
    assert sum(d > 0 for d in days_late) >= 50  # average days late means something
    assert sum(d <= 0 for d in days_late) >= 20  # and some customers pay on time
    assert len({d for d in days_late if d > 0}) >= 30
    payments = db.session.scalars(select(Payment)).all()
    assert summary.payments == len(payments)
    assert {p.method for p in payments} == DEMO_PAYMENT_METHODS
    assert all(p.reference for p in payments)


def test_customers_are_varied_and_reachable(app):
    _load()
    everyone = db.session.scalars(select(Customer)).all()
    assert 28 <= len(everyone) <= 32
    kinds = Counter(c.kind for c in everyone)
    assert 0.6 <= kinds[CustomerKind.BUSINESS] / len(everyone) <= 0.8
    languages = Counter(c.language for c in everyone)
    assert set(languages) == {"fr", "en"} and languages["en"] >= 3
    assert {"PME", "Grands comptes", "Particuliers", "Collectivités"} <= {
        c.segment for c in everyone
    }
    assert any(not c.name.isascii() for c in everyone)
    for customer in everyone:
        assert 1 <= len(customer.emails) <= 2, customer.ref
        assert all(email.endswith(EMAIL_DOMAINS) for email in customer.email_addresses), (
            customer.ref
        )
        assert customer.phone and customer.address and customer.postcode and customer.city
        if customer.kind is CustomerKind.BUSINESS:
            assert len(customer.siren) == 9 and _luhn_ok(customer.siren), customer.ref
        else:
            assert customer.siren == ""
    paused = [c.ref for c in everyone if c.reminders_paused(TODAY)]
    assert paused == [catalogue.PAUSED[0]]


def test_debtor_examples_and_big_debtors(app):
    _load()
    french_ref, english_ref = catalogue.DEMO_DEBTOR_REFS
    french = db.session.scalar(select(Customer).where(Customer.ref == french_ref))
    english = db.session.scalar(select(Customer).where(Customer.ref == english_ref))
    assert (french.kind, french.language) == (CustomerKind.BUSINESS, "fr")
    assert english.language == "en"
    assert sum(i.is_overdue(TODAY) for i in _invoices_of(french)) >= 3
    assert any(i.is_overdue(TODAY) for i in _invoices_of(english))
    overdue = Counter()
    for invoice in db.session.scalars(select(Invoice).where(Invoice.status == InvoiceStatus.OPEN)):
        if invoice.is_overdue(TODAY):
            overdue[invoice.customer.ref] += invoice.outstanding_cents
    big = [ref for ref, cents in overdue.items() if cents >= 1_000_000]
    assert len(big) >= 2, overdue.most_common(5)


def _invoices_of(customer: Customer) -> list[Invoice]:
    return db.session.scalars(select(Invoice).where(Invoice.customer_id == customer.id)).all()


def test_creditor_identity_and_logins(app):
    _load()
    organisation = db.session.scalar(select(Organisation))
    assert organisation.city == "Lyon" and organisation.legal_name == "Atelier Lumière SARL"
    assert iban_is_valid(organisation.iban) and organisation.iban.startswith("FR76")
    assert len(organisation.bic) in (8, 11)
    siren = organisation.siren
    assert _luhn_ok(siren) and organisation.siret.startswith(siren) and _luhn_ok(organisation.siret)
    assert organisation.vat_number == f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
    assert organisation.contact_email.endswith(EMAIL_DOMAINS) and organisation.contact_phone

    owner = accounts.authenticate(catalogue.DEMO_EMAIL, catalogue.DEMO_PASSWORD, now=NOW)
    assert owner is not None and owner.role is Role.OWNER and owner.language == "fr"
    assert accounts.authenticate(catalogue.DEMO_EMAIL, "wrong password", now=NOW) is None
    roles = Counter(u.role for u in db.session.scalars(select(User)))
    assert roles == {Role.OWNER: 1, Role.COLLECTOR: 1}


def test_debtor_link_lines_open_the_example_customers(app):
    assert demo_data.debtor_link_lines(base_url="http://127.0.0.1:5000", now=NOW, today=TODAY) == []
    _load()
    lines = demo_data.debtor_link_lines(base_url="http://127.0.0.1:5000/", now=NOW, today=TODAY)
    assert len(lines) == len(catalogue.DEMO_DEBTOR_REFS)
    opened = []
    for line in lines:
        token = line.rsplit(links.PATH_PREFIX, 1)[1]
        assert line.split(": ", 1)[1] == links.absolute_url(token, "http://127.0.0.1:5000")
        opened.append(db.session.get(Customer, links.resolve(token, now=NOW).customer_id))
    assert {c.ref for c in opened} == set(catalogue.DEMO_DEBTOR_REFS)
    first_due = db.session.scalars(
        select(Invoice.due_date).where(
            Invoice.customer_id == opened[0].id, Invoice.status == InvoiceStatus.OPEN
        )
    ).all()
    assert min(first_due) < TODAY, "the first link opens a customer who is late"
