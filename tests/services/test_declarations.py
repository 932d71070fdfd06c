""" "I have already paid": declaring, pausing reminders, confirming and rejecting."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AccessLink,
    AuditEvent,
    DeclarationStatus,
    InvoiceStatus,
    OutboxMessage,
    PaidDeclaration,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    Task,
    TaskStatus,
)
from portal.services import tasks
from portal.services.audit import Actor
from portal.services.declarations import declaring, holds, reviews
from portal.services.declarations.invoices import own_invoice_ids
from portal.services.errors import NotFound
from portal.services.payments import ledger

from ..conftest import NOW, TODAY
from ..factories import days_ago, make_customer, make_invoice, make_organisation
from .test_uploads import TINY_PDF

MAX = 10 * 1024 * 1024
REVIEW_URL = "https://portal.example.test/tasks"


def declare(
    customer,
    invoices,
    tmp_path,
    *,
    amount=15000,
    paid_on=None,
    method="transfer",
    proof=None,
    today=TODAY,
):
    declared = declaring.Declared(paid_on or days_ago(2, today), amount, method, "VIR du 21/11")
    return declaring.declare(
        customer,
        [i.id for i in invoices],
        declared,
        proof,
        uploads_folder=tmp_path / "uploads",
        max_proof_bytes=MAX,
        pause_days=7,
        review_url=REVIEW_URL,
        today=today,
        now=NOW,
        actor=Actor.debtor(customer),
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def org(app):
    return make_organisation(contact_email="compta@atelier-dupont.fr", language="fr")


@pytest.fixture
def two_invoices(org):
    """A customer with an older 120 € invoice and a newer 60 € one (both overdue)."""
    customer = make_customer(name="Garage Durand", emails=["garage@example.com"], language="en")
    older = make_invoice(customer, amount="100.00", issue_date=days_ago(60), due_date=days_ago(30))
    newer = make_invoice(customer, amount="50.00", issue_date=days_ago(40), due_date=days_ago(10))
    return customer, older, newer


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("150", 15000),
        ("150,5", 15050),
        ("1 234,56", 123456),
        ("1234.56", 123456),
        ("0,01", 1),
        ("12.50 €", 1250),
    ],
)
def test_amount_accepts_a_decimal_comma_or_point(text, cents):
    assert declaring.parse_amount(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "0", "0,00", "-12", "1,234", "12,345", "1.2.3"])
def test_amount_refuses_nonsense(text):
    with pytest.raises(declaring.InvalidDeclaration) as info:
        declaring.parse_amount(text)
    assert set(info.value.errors) == {"amount"}


def test_parse_reports_every_field_at_once():
    with pytest.raises(declaring.InvalidDeclaration) as info:
        declaring.parse(paid_on="", amount="x", method="bitcoin", comment="", today=TODAY)
    assert set(info.value.errors) == {"paid_on", "amount", "method"}


def test_date_not_in_the_future_nor_absurdly_old():
    ok = dict(amount="10", method="cheque", comment="", today=TODAY)
    assert declaring.parse(paid_on=TODAY.isoformat(), **ok).paid_on == TODAY
    assert declaring.parse(paid_on="21/11/2026", **ok).paid_on == days_ago(2)
    oldest = TODAY - timedelta(days=declaring.MAX_AGE_DAYS)
    assert declaring.parse(paid_on=oldest.isoformat(), **ok).paid_on == oldest
    for bad in (TODAY + timedelta(days=1), oldest - timedelta(days=1)):
        with pytest.raises(declaring.InvalidDeclaration) as info:
            declaring.parse(paid_on=bad.isoformat(), **ok)
        assert set(info.value.errors) == {"paid_on"}


# ---------------------------------------------------------------- declaring


def test_declaration_creates_row_task_audit_and_email(two_invoices, tmp_path):
    customer, older, newer = two_invoices
    declaration = declare(customer, [newer, older], tmp_path, amount=15000)
    db.session.expire_all()

    row = db.session.get(PaidDeclaration, declaration.id)
    assert row.status is DeclarationStatus.PENDING
    assert sorted(row.invoice_ids) == sorted([older.id, newer.id])
    assert (row.amount_cents, row.currency, row.method) == (15000, "EUR", "transfer")
    assert row.pause_until == TODAY + timedelta(days=7)
    assert row.proof_filename == ""

    task = db.session.scalars(select(Task)).one()
    assert (task.kind, task.object_type, task.object_id) == (
        "paid_declaration",
        "paid_declaration",
        row.id,
    )
    assert task.due_date == TODAY and task.status is TaskStatus.OPEN
    assert task.customer_id == customer.id
    assert "Garage Durand" in task.title and "150,00" in task.title and "21/11/2026" in task.title

    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "paid_declaration.created")
    ).one()
    assert event.customer_id == customer.id and event.object_id == row.id
    assert event.actor.startswith(f"debtor:{customer.id}")
    assert event.details["amount_cents"] == 15000

    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.kind == "paid_declaration"
    assert message.to_addresses == ["compta@atelier-dupont.fr"]
    assert message.reply_to == "garage@example.com"
    assert REVIEW_URL in message.text_body
    assert older.number in message.text_body and newer.number in message.text_body
    assert "Garage Durand" in message.subject


def test_no_creditor_address_means_no_email_but_still_a_task(app, tmp_path):
    make_organisation(contact_email="")
    customer = make_customer()
    invoice = make_invoice(customer)
    declare(customer, [invoice], tmp_path, amount=12000)
    assert count(OutboxMessage) == 0
    assert count(Task) == 1


def test_proof_is_stored_with_the_checked_content_type(two_invoices, tmp_path):
    customer, older, _ = two_invoices
    row = declare(customer, [older], tmp_path, proof=io.BytesIO(TINY_PDF))
    assert row.proof_content_type == "application/pdf"
    assert (tmp_path / "uploads" / row.proof_filename).read_bytes() == TINY_PDF
    path, content_type, name = reviews.proof_file(row.id, tmp_path / "uploads")
    assert (
        path.read_bytes() == TINY_PDF
        and content_type == "application/pdf"
        and name == f"proof-{row.id}.pdf"
    )


def test_disguised_proof_writes_nothing(two_invoices, tmp_path):
    customer, older, _ = two_invoices
    with pytest.raises(declaring.InvalidDeclaration) as info:
        declare(customer, [older], tmp_path, proof=io.BytesIO(b"MZ\x90\x00 an exe renamed .pdf"))
    assert set(info.value.errors) == {"proof"}
    assert count(PaidDeclaration) == count(Task) == count(OutboxMessage) == 0
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_a_failure_after_storing_the_proof_removes_the_file(two_invoices, tmp_path, monkeypatch):
    customer, older, _ = two_invoices

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(tasks, "create", broken)
    with pytest.raises(RuntimeError):
        declare(customer, [older], tmp_path, proof=io.BytesIO(TINY_PDF))
    db.session.rollback()  # as the failed request's unit of work does
    assert count(PaidDeclaration) == 0
    assert not any((tmp_path / "uploads").iterdir())


def test_another_customers_invoice_is_not_found(two_invoices, tmp_path):
    customer, older, _ = two_invoices
    stranger = make_invoice(make_customer())
    with pytest.raises(NotFound):
        declare(customer, [older, stranger], tmp_path)
    with pytest.raises(NotFound):
        own_invoice_ids(customer, ["not-a-number"])
    assert count(PaidDeclaration) == count(Task) == 0


def test_paid_invoices_and_empty_choices_are_refused(two_invoices, tmp_path):
    customer, older, _ = two_invoices
    ledger.record_payment(
        older,
        amount_cents=older.outstanding_cents,
        paid_on=TODAY,
        method=PaymentMethod.CASH,
        reference="",
        actor=Actor.system(),
        now=NOW,
    )
    db.session.commit()
    for chosen in ([older], []):
        with pytest.raises(declaring.InvalidDeclaration) as info:
            declare(customer, chosen, tmp_path)
        assert set(info.value.errors) == {"invoice"}
    assert count(PaidDeclaration) == 0


# ---------------------------------------------------------------- the pause


def test_paused_invoice_ids_honours_pause_until(two_invoices, tmp_path):
    customer, older, newer = two_invoices
    declare(customer, [older], tmp_path)
    assert holds.paused_invoice_ids(TODAY) == {older.id}
    assert holds.paused_invoice_ids(TODAY + timedelta(days=7)) == {older.id}
    assert holds.paused_invoice_ids(TODAY + timedelta(days=8)) == set()
    assert newer.id not in holds.paused_invoice_ids(TODAY)


# ---------------------------------------------------------------- confirming


def test_confirm_allocates_oldest_first_and_closes_the_task(two_invoices, tmp_path):
    customer, older, newer = two_invoices
    row = declare(customer, [newer, older], tmp_path, amount=15000, method="cheque")
    result = reviews.confirm(row.id, actor=Actor.system(), now=NOW)

    payment = db.session.scalars(select(Payment)).one()
    assert (payment.amount_cents, payment.method, payment.source) == (
        15000,
        PaymentMethod.CHEQUE,
        "declaration",
    )
    assert payment.date == days_ago(2) and payment.customer_id == customer.id
    shares = {a.invoice_id: a.amount_cents for a in db.session.scalars(select(PaymentAllocation))}
    assert shares == {older.id: 12000, newer.id: 3000}
    assert older.status is InvoiceStatus.PAID and older.outstanding_cents == 0
    assert newer.status is InvoiceStatus.OPEN and newer.outstanding_cents == 3000
    assert (result.allocated_cents, result.excess_cents, result.decided_now) == (15000, 0, True)

    db.session.expire_all()
    row = db.session.get(PaidDeclaration, row.id)
    assert (
        row.status is DeclarationStatus.CONFIRMED
        and row.payment_id == payment.id
        and row.decided_at
    )
    assert db.session.scalars(select(Task)).one().status is TaskStatus.DONE
    assert holds.paused_invoice_ids(TODAY) == set()
    actions = set(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.customer_id == customer.id))
    )
    assert {"paid_declaration.confirmed", "payment.recorded"} <= actions

    again = reviews.confirm(row.id, actor=Actor.system(), now=NOW)
    assert again.decided_now is False and again.payment.id == payment.id
    assert count(Payment) == 1 and count(PaymentAllocation) == 2


def test_confirm_never_allocates_more_than_is_due(two_invoices, tmp_path):
    customer, older, newer = two_invoices
    row = declare(customer, [older, newer], tmp_path, amount=20000)  # 180 € due
    result = reviews.confirm(row.id, actor=Actor.system(), now=NOW)
    assert (result.allocated_cents, result.excess_cents) == (18000, 2000)
    assert result.payment.amount_cents == 18000
    assert older.outstanding_cents == newer.outstanding_cents == 0


def test_confirm_when_nothing_is_due_any_more_records_no_payment(two_invoices, tmp_path):
    customer, older, _ = two_invoices
    row = declare(customer, [older], tmp_path, amount=12000)
    ledger.record_payment(
        older,
        amount_cents=12000,
        paid_on=TODAY,
        method=PaymentMethod.TRANSFER,
        reference="bank import",
        actor=Actor.system(),
        now=NOW,
    )
    db.session.commit()
    result = reviews.confirm(row.id, actor=Actor.system(), now=NOW)
    assert result.payment is None and result.allocated_cents == 0 and result.excess_cents == 12000
    assert count(Payment) == 1
    assert db.session.get(PaidDeclaration, row.id).status is DeclarationStatus.CONFIRMED


# ---------------------------------------------------------------- rejecting


def test_reject_ends_the_pause_and_tells_the_debtor_in_their_language(two_invoices, tmp_path):
    customer, older, _ = two_invoices
    row = declare(customer, [older], tmp_path)
    links_before = count(AccessLink)
    reviews.reject(
        row.id,
        message="Nothing on our account on that day.",
        actor=Actor.system(),
        now=NOW,
        base_url="https://portal.example.test",
        link_days=30,
    )
    db.session.expire_all()
    row = db.session.get(PaidDeclaration, row.id)
    assert row.status is DeclarationStatus.REJECTED and row.decided_at
    assert holds.paused_invoice_ids(TODAY) == set()
    assert db.session.scalars(select(Task)).one().status is TaskStatus.DONE
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "paid_declaration_rejected")
    ).one()
    assert message.to_addresses == ["garage@example.com"]
    assert (
        message.subject == "About the payment you told us about"
    )  # the customer writes in English
    assert "Nothing on our account on that day." in message.text_body
    assert "https://portal.example.test/p/" in message.text_body
    assert count(AccessLink) == links_before + 1
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "paid_declaration.rejected")
    ).one()
    assert (
        event.customer_id == customer.id
        and event.details["message"] == "Nothing on our account on that day."
    )

    # a late confirmation changes nothing
    assert reviews.confirm(row.id, actor=Actor.system(), now=NOW).decided_now is False
    assert count(Payment) == 0
