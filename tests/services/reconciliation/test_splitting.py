"""One transfer paying for several customers, split into parts placed one by one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, BankEntry, EntryStatus, InvoiceStatus
from portal.services.audit import Actor
from portal.services.reconciliation import inbox, statement_import
from portal.services.reconciliation.inbox import EntryRefused

from ...conftest import NOW
from ...factories import make_customer, make_invoice, make_organisation
from ..test_money_paths import assert_balances_hold
from .camt_builder import Line, statement

ACTOR = Actor.cli()


@pytest.fixture
def book(app):
    """Two subsidiaries with an open invoice each, and one transfer from their group for both."""
    make_organisation()
    north = make_customer(name="Boulangerie Nord")
    south = make_customer(name="Boulangerie Sud")
    invoices = {
        "n1": make_invoice(north, amount="100.00", number="FA-2026-0501"),
        "s1": make_invoice(south, amount="50.00", number="FA-2026-0601"),
    }
    data = statement([Line(18000, "G1", ustrd=["GROUPE PAIN SA"], name="GROUPE PAIN SA")])
    statement_import.import_statement(data, filename="releve.xml", actor=ACTOR, now=NOW)
    db.session.commit()
    return {"north": north, "south": south, **invoices}


def the_credit() -> BankEntry:
    return db.session.scalars(select(BankEntry).where(BankEntry.identity.not_like("%#%"))).one()


def parts_of(credit: BankEntry) -> list[BankEntry]:
    return list(
        db.session.scalars(
            select(BankEntry)
            .where(BankEntry.identity.like(f"{credit.identity}#%"))
            .order_by(BankEntry.identity)
        )
    )


def test_a_credit_splits_into_waiting_parts_that_add_up(book):
    credit = the_credit()
    assert credit.status is EntryStatus.UNMATCHED
    inbox.split(credit.id, [12000, 6000], actor=ACTOR, now=NOW)
    parts = parts_of(credit)
    assert credit.status is EntryStatus.SPLIT
    assert [p.amount_cents for p in parts] == [12000, 6000]
    assert [p.identity for p in parts] == [f"{credit.identity}#1", f"{credit.identity}#2"]
    assert {p.status for p in parts} == {EntryStatus.UNMATCHED}
    assert {(p.import_id, p.counterparty_name, p.booking_date) for p in parts} == {
        (credit.import_id, "GROUPE PAIN SA", credit.booking_date)
    }
    assert all(f"bank entry {credit.id}" in p.note for p in parts)
    assert [e.id for e in inbox.waiting()] == [p.id for p in parts]
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "bank_entry.split")
        )
        == 1
    )


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        ([12000, 5000], "add up exactly"),
        ([18000, 0], "more than zero"),
        ([19000, -1000], "more than zero"),
        ([18000], "at least two parts"),
    ],
)
def test_a_split_that_does_not_add_up_is_refused(book, amounts, message):
    credit = the_credit()
    with pytest.raises(EntryRefused, match=message):
        inbox.split(credit.id, amounts, actor=ACTOR, now=NOW)
    assert credit.status is EntryStatus.UNMATCHED and parts_of(credit) == []


def test_a_placed_credit_cannot_be_split(book):
    credit = the_credit()
    inbox.not_a_customer_payment(credit.id, actor=ACTOR, now=NOW)
    with pytest.raises(EntryRefused, match="already placed"):
        inbox.split(credit.id, [9000, 9000], actor=ACTOR, now=NOW)
    assert parts_of(credit) == []


def test_each_part_pays_another_customers_invoices(book):
    credit = the_credit()
    inbox.split(credit.id, [12000, 6000], actor=ACTOR, now=NOW)
    first, second = parts_of(credit)
    inbox.assign(
        first.id, customer_id=book["north"].id, invoice_ids=[book["n1"].id], actor=ACTOR, now=NOW
    )
    inbox.assign(
        second.id, customer_id=book["south"].id, invoice_ids=[book["s1"].id], actor=ACTOR, now=NOW
    )
    db.session.refresh(book["n1"])
    db.session.refresh(book["s1"])
    assert book["n1"].status is InvoiceStatus.PAID and book["s1"].status is InvoiceStatus.PAID
    assert (first.customer_id, second.customer_id) == (book["north"].id, book["south"].id)
    assert inbox.count_waiting() == 0
    assert_balances_hold()


def test_a_split_is_undone_while_no_part_is_placed(book):
    credit = the_credit()
    inbox.split(credit.id, [12000, 6000], actor=ACTOR, now=NOW)
    inbox.undo(credit.id, actor=ACTOR, now=NOW)
    assert credit.status is EntryStatus.UNMATCHED
    assert parts_of(credit) == []
    assert [e.id for e in inbox.waiting()] == [credit.id]
    inbox.split(credit.id, [6000, 6000, 6000], actor=ACTOR, now=NOW)  # and split again
    assert [p.amount_cents for p in parts_of(credit)] == [6000, 6000, 6000]


def test_a_split_with_a_part_placed_cannot_be_undone(book):
    credit = the_credit()
    inbox.split(credit.id, [12000, 6000], actor=ACTOR, now=NOW)
    first, _ = parts_of(credit)
    inbox.assign(
        first.id, customer_id=book["north"].id, invoice_ids=[book["n1"].id], actor=ACTOR, now=NOW
    )
    with pytest.raises(EntryRefused, match="has been placed"):
        inbox.undo(credit.id, actor=ACTOR, now=NOW)
    inbox.undo(first.id, actor=ACTOR, now=NOW)  # the part is back, but it had a payment
    with pytest.raises(EntryRefused, match="has been placed"):
        inbox.undo(credit.id, actor=ACTOR, now=NOW)
    assert credit.status is EntryStatus.SPLIT and len(parts_of(credit)) == 2
    assert_balances_hold()


def test_a_credit_with_a_long_identity_splits_under_its_id(book):
    credit = the_credit()
    credit.identity = "ref:" + "X" * 124
    inbox.split(credit.id, [12000, 6000], actor=ACTOR, now=NOW)
    identities = db.session.scalars(
        select(BankEntry.identity).where(BankEntry.identity.like("split:%"))
    ).all()
    assert sorted(identities) == [f"split:{credit.id}#1", f"split:{credit.id}#2"]
    inbox.undo(credit.id, actor=ACTOR, now=NOW)
    assert credit.status is EntryStatus.UNMATCHED
    assert inbox.waiting() == [credit]
