"""A statement read back: every transfer recorded on the right invoices, or waiting for review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    BankEntry,
    DunningAction,
    EntryStatus,
    InvoiceStatus,
    MatchRule,
    PayerAccount,
    Payment,
    Task,
)
from portal.services.audit import Actor
from portal.services.bank.problems import StatementInvalid
from portal.services.payments import selection, transfers
from portal.services.reconciliation import inbox, statement_import

from ...conftest import NOW, TODAY
from ...factories import make_customer, make_invoice, make_organisation
from ..test_money_paths import assert_balances_hold
from .camt_builder import Line, statement

PAYER_IBAN = "FR7610107001011234567890129"


@pytest.fixture
def book(app):
    """An organisation, four customers and their open invoices."""
    make_organisation()
    bakery = make_customer(name="Boulangerie Hélène Lefèvre")
    garage = make_customer(name="Garage Müller")
    durand = make_customer(name="Menuiserie Durand")
    other = make_customer(name="Atelier Martin")
    invoices = {
        "b1": make_invoice(
            bakery, amount="100.00", number="FA-2026-0101", issue_date=TODAY - timedelta(days=60)
        ),
        "b2": make_invoice(
            bakery, amount="50.00", number="FA-2026-0102", issue_date=TODAY - timedelta(days=40)
        ),
        "g1": make_invoice(garage, amount="200.00", number="FA-2026-0201"),
        "d1": make_invoice(durand, amount="80.00", number="FA-2026-0301"),
        "o1": make_invoice(other, amount="300.00", number="FA-2026-0401"),
        "o2": make_invoice(other, amount="10.00", number="FA-2026-0402"),
    }
    chosen = selection.select_invoices(bakery, [invoices["b1"].id, invoices["b2"].id])
    rf = transfers.reference_for(bakery, chosen, now=NOW, actor=Actor.system()).reference
    db.session.add(PayerAccount(iban=PAYER_IBAN, customer_id=other.id, confirmed_at=NOW))
    db.session.commit()
    return {"rf": rf, "customers": (bakery, garage, durand, other), **invoices}


def run(data: bytes, **kw):
    summary = statement_import.import_statement(
        data, filename="releve.xml", actor=Actor.cli(), now=NOW, **kw
    )
    db.session.commit()
    return summary


def entry(ref: str) -> BankEntry:
    return db.session.scalars(select(BankEntry).where(BankEntry.bank_reference == ref)).one()


def the_statement(book) -> bytes:
    rf = book["rf"]
    return statement(
        [
            # 1. the portal's RF reference, split across two lines by the bank: 180,00 pays both
            Line(
                18000,
                "E1",
                ustrd=[f"PAIEMENT {rf[:9]}", f"{rf[9:]} MERCI"],
                name="BOULANGERIE HELENE LEFEVRE",
                end_to_end="E2E-1",
                iban="FR7630004000031234567890143",
            ),
            # 2. an invoice number typed loosely, paying more than due: the excess is credit
            Line(25000, "E2", ustrd=["Reglement fa 2026 0201"], name="GARAGE MULLER"),
            # 3. a known payer IBAN, with the amount of exactly one open invoice
            Line(1200, "E3", ustrd=["VIR DIVERS"], name="ATELIER MARTIN", iban=PAYER_IBAN),
            # 4. a close name and the exact amount, no IBAN known: a suggestion
            Line(9600, "E4", ustrd=["VIREMENT"], name="SARL MENUISERIE DURAND"),
            # 5. nobody we know
            Line(4321, "E5", ustrd=["LOYER"], name="SCI DES TILLEULS"),
            # 6. a card settlement and 7. bank fees are not customers' transfers
            Line(15000, "E6", kind="card", ustrd=["REMISE CB 23/11"]),
            Line(900, "E7", credit=False, kind="fee", ustrd=["FRAIS TENUE DE COMPTE"]),
        ]
    )


def test_every_transfer_is_recorded_or_waits_and_reminders_stop(app, book):
    summary = run(the_statement(book))
    assert summary.line() == (
        "read 7 entries: matched 3, to review 1, unmatched 1, ignored 2, already imported 0"
    )
    for key in ("b1", "b2", "g1", "o2"):
        db.session.refresh(book[key])
        assert book[key].status is InvoiceStatus.PAID, key
    first = entry("E1")
    assert (first.status, first.rule) == (EntryStatus.MATCHED, MatchRule.RF_REFERENCE)
    payment = db.session.get(Payment, first.payment_id)
    assert payment.amount_cents == 18000 and payment.method == "transfer"
    assert payment.reference == "E2E-1" and payment.external_key.startswith("bank:")
    # the excess of the second transfer stays on its payment, and the creditor is asked
    second = db.session.get(Payment, entry("E2").payment_id)
    assert second.amount_cents == 25000
    assert sum(a.amount_cents for a in second.allocations) == 24000
    assert (
        db.session.scalar(
            select(func.count()).select_from(Task).where(Task.kind == "unallocated_credit")
        )
        == 1
    )
    assert entry("E3").rule is MatchRule.PAYER
    suggestion = entry("E4")
    assert suggestion.status is EntryStatus.TO_REVIEW
    assert suggestion.suggestion["invoice_ids"] == [book["d1"].id]
    assert entry("E5").status is EntryStatus.UNMATCHED
    assert {entry("E6").status, entry("E7").status} == {EntryStatus.IGNORED}
    # the payer's IBAN is learned from the certain match
    learned = db.session.scalar(
        select(PayerAccount).where(PayerAccount.iban == "FR7630004000031234567890143")
    )
    assert learned.customer_id == book["customers"][0].id
    assert_balances_hold()


def test_the_same_file_twice_records_nothing_twice(app, book):
    data = the_statement(book)
    run(data)
    payments = db.session.scalar(select(func.count()).select_from(Payment))
    again = run(data)
    assert again.line() == (
        "read 7 entries: matched 0, to review 0, unmatched 0, ignored 0, already imported 7"
    )
    assert db.session.scalar(select(func.count()).select_from(Payment)) == payments
    assert db.session.scalar(select(func.count()).select_from(BankEntry)) == 7


def test_a_dry_run_writes_nothing(app, book):
    summary = run(the_statement(book), dry_run=True)
    assert summary.line().startswith("Dry run: read 7 entries: matched 3, to review 1")
    assert db.session.scalar(select(func.count()).select_from(BankEntry)) == 0
    db.session.refresh(book["b1"])
    assert book["b1"].status is InvoiceStatus.OPEN


def test_a_partial_payment_by_reference_pays_the_oldest_invoice_first(app, book):
    run(statement([Line(12000, "P1", structured=book["rf"], name="BOULANGERIE")]))
    db.session.refresh(book["b1"])
    db.session.refresh(book["b2"])
    assert book["b1"].status is InvoiceStatus.PAID  # 120,00 due, the oldest
    assert book["b2"].outstanding_cents == 6000
    assert_balances_hold()


def test_a_returned_transfer_reverses_its_payment_and_reminders_resume(app, book):
    run(
        statement(
            [Line(18000, "R1", structured=book["rf"], end_to_end="E2E-RET", name="BOULANGERIE")]
        )
    )
    db.session.refresh(book["b1"])
    assert book["b1"].status is InvoiceStatus.PAID
    returned = statement(
        [
            Line(
                18000,
                "R2",
                credit=False,
                kind="return",
                original_end_to_end="E2E-RET",
                name="BOULANGERIE",
            )
        ],
        statement_id="STMT-2",
    )
    assert run(returned).matched == 1
    db.session.refresh(book["b1"])
    db.session.refresh(book["b2"])
    assert book["b1"].status is InvoiceStatus.OPEN and book["b2"].status is InvoiceStatus.OPEN
    assert entry("R2").status is EntryStatus.REVERSAL
    assert (
        db.session.scalar(
            select(func.count()).select_from(Task).where(Task.kind == "payment_returned")
        )
        == 1
    )
    assert_balances_hold()


def test_the_creditor_assigns_undoes_and_dismisses_from_the_inbox(app, book):
    run(the_statement(book))
    waiting = inbox.waiting()
    assert [e.bank_reference for e in waiting] == ["E4", "E5"]  # the suggestion first
    inbox.accept_suggestion(entry("E4").id, actor=Actor.cli(), now=NOW)
    db.session.refresh(book["d1"])
    assert book["d1"].status is InvoiceStatus.PAID
    inbox.undo(entry("E4").id, actor=Actor.cli(), now=NOW)
    db.session.refresh(book["d1"])
    assert book["d1"].status is InvoiceStatus.OPEN and entry("E4").status is EntryStatus.UNMATCHED
    inbox.assign(
        entry("E5").id,
        customer_id=book["customers"][3].id,
        invoice_ids=[book["o1"].id],
        actor=Actor.cli(),
        now=NOW,
    )
    db.session.refresh(book["o1"])
    assert book["o1"].outstanding_cents == 36000 - 4321
    inbox.assign(
        entry("E4").id,
        customer_id=book["customers"][2].id,
        invoice_ids=[book["d1"].id],
        actor=Actor.cli(),
        now=NOW,
    )  # placed again after the undo
    db.session.refresh(book["d1"])
    assert book["d1"].status is InvoiceStatus.PAID
    inbox.undo(entry("E4").id, actor=Actor.cli(), now=NOW)
    inbox.not_a_customer_payment(entry("E4").id, actor=Actor.cli(), now=NOW)
    assert inbox.count_waiting() == 0
    assert_balances_hold()


def test_a_paid_invoice_is_no_longer_reminded(app, book):
    run(the_statement(book))
    reminded = db.session.scalar(
        select(func.count())
        .select_from(DunningAction)
        .where(DunningAction.invoice_id == book["b1"].id)
    )
    assert reminded == 0
    db.session.refresh(book["b1"])
    assert book["b1"].outstanding_cents == 0


def test_another_account_is_refused_by_name_and_nothing_is_written(app, book):
    data = statement([Line(1000, "X1")], account="FR7630004000031234567890143")
    with pytest.raises(statement_import.AccountNotOurs) as refused:
        run(data)
    assert "FR76 3000 4000 0312 3456 7890 143" in refused.value.params()["accounts"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(BankEntry)) == 0


def test_a_malformed_file_imports_nothing_and_says_where(app, book):
    with pytest.raises(StatementInvalid) as refused:
        run(b"<Document><BkToCstmrStmt><Stmt>")
    assert refused.value.problems
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(BankEntry)) == 0


def test_a_transfer_confirms_the_declaration_on_the_same_invoice(app, book, tmp_path):
    from portal.models import DeclarationStatus, PaidDeclaration, TaskStatus

    from ..test_declarations import declare

    garage = book["customers"][1]
    declaration = declare(garage, [book["g1"]], tmp_path, amount=24000)
    db.session.commit()
    task = db.session.scalars(select(Task).where(Task.kind == "paid_declaration")).one()
    run(statement([Line(24000, "D1", ustrd=["FA-2026-0201"], name="GARAGE MULLER")]))
    db.session.expire_all()
    confirmed = db.session.get(PaidDeclaration, declaration.id)
    assert confirmed.status is DeclarationStatus.CONFIRMED
    assert confirmed.payment_id == entry("D1").payment_id
    assert db.session.get(Task, task.id).status is not TaskStatus.OPEN
    assert (
        db.session.scalar(select(func.count()).select_from(Payment).where(Payment.source == "bank"))
        == 1
    )
