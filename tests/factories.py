"""Small callables that add and flush test data."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from portal.extensions import db
from portal.models import Customer, CustomerKind, Invoice, Organisation
from portal.services import accounts, customers
from portal.services.audit import Actor
from portal.services.payments import invoicing

from .conftest import NOW, TODAY

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


def make_organisation(**kw) -> Organisation:
    values = {
        "legal_name": "Atelier Dupont SARL",
        "address": "12 rue des Lilas",
        "postcode": "69003",
        "city": "Lyon",
        "siren": "123456789",
        "iban": "FR7630006000011234567890189",
        "bic": "AGRIFRPP",
        "contact_email": "compta@atelier-dupont.fr",
        "contact_phone": "+33 4 72 00 00 00",
    }
    values.update(kw)
    organisation = Organisation(**values)
    db.session.add(organisation)
    db.session.commit()
    return organisation


def make_user(email: str = "owner@example.com", role: str = "owner", **kw):
    return accounts.create_user(email, PASSWORD, role=role, actor=Actor.system(), now=NOW, **kw)


def make_customer(**kw) -> Customer:
    n = next(_counter)
    values = {
        "ref": f"C{n:04d}",
        "name": f"Client {n}",
        "emails": [f"client{n}@example.com"],
        "kind": CustomerKind.BUSINESS,
        "language": "fr",
    }
    values.update(kw)
    customer = customers.create_customer(actor=Actor.system(), now=NOW, **values)
    db.session.commit()
    return customer


def make_invoice(
    customer: Customer, *, amount: str = "100.00", tax_rate: str = "20", **kw
) -> Invoice:
    """One invoice with one line of `amount` excluding tax."""
    n = next(_counter)
    issue = kw.pop("issue_date", TODAY - timedelta(days=30))
    values = {
        "number": f"F-{n:05d}",
        "issue_date": issue,
        "due_date": issue + timedelta(days=30),
        "lines": [
            invoicing.LineInput("Prestation", Decimal("1"), Decimal(amount), Decimal(tax_rate))
        ],
    }
    values.update(kw)
    invoice = invoicing.create_invoice(customer, actor=Actor.system(), now=NOW, **values)
    db.session.commit()
    return invoice


def days_ago(n: int, today: date = TODAY) -> date:
    return today - timedelta(days=n)


def enter_rates(start: date = date(2026, 7, 1), ecb_bp: int = 215, legal_bp: int = 262):
    """The owner enters a half-year the portal does not ship (2026H2 holds the suite's today)."""
    from portal.models import ReferenceRate

    row = ReferenceRate(semester_start=start, rate_bp=ecb_bp, legal_rate_professional_bp=legal_bp)
    db.session.add(row)
    db.session.commit()
    return row


def formal_notice_emailed(customer, at) -> None:
    """A formal-notice email the mail server accepted at `at` (what starts a consumer's interest)."""
    from portal.models import MessageKind, MessageStatus, OutboxMessage

    db.session.add(
        OutboxMessage(
            kind=MessageKind.FORMAL_NOTICE.value,
            customer_id=customer.id,
            to_addresses=["debtor@example.com"],
            subject="Mise en demeure",
            text_body="(redacted)",
            status=MessageStatus.SENT,
            created_at=at,
            next_attempt_at=at,
            sent_at=at,
        )
    )
    db.session.commit()
