"""Disputes, with explicit dates: what is held, what the pass sends, and the creditor's decisions."""

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AuditEvent,
    CreditNote,
    Dispute,
    DisputeStatus,
    OutboxMessage,
    PaymentMethod,
    Task,
    TaskStatus,
)
from portal.services.audit import Actor
from portal.services.disputes import figures, raising, resolution
from portal.services.dunning import dunning_pass, holds, scenarios
from portal.services.dunning.dunning_settings import DunningSettings
from portal.services.errors import NotFound
from portal.services.payments import ledger, selection
from portal.services.payments.invoicing import LineInput

from ..factories import make_customer, make_invoice, make_organisation
from .test_dunning import MONDAY, PARIS, at
from .test_uploads import TINY_PDF

USER = Actor("user:1 owner@example.com")
BASE = "https://portal.example.test"


@pytest.fixture
def settings(app, tmp_path) -> DunningSettings:
    """The dunning pass's settings, with the organisation and default scenarios installed."""
    make_organisation()
    scenarios.install_defaults(now=at(MONDAY), actor=Actor.system())
    return DunningSettings(
        timezone=PARIS, base_url=BASE, link_days=90, instance_path=Path(tmp_path)
    )


def two_line_invoice(customer, **kw):
    """Line A: 100 + 20 % = 120,00; line B: 50 + 20 % = 60,00; total 180,00."""
    return make_invoice(
        customer,
        issue_date=MONDAY - timedelta(days=70),
        due_date=MONDAY - timedelta(days=40),
        lines=[
            LineInput("Chaises", Decimal("1"), Decimal("100"), Decimal("20")),
            LineInput("Livraison", Decimal("1"), Decimal("50"), Decimal("20")),
        ],
        **kw,
    )


def open_on(customer, invoice, chosen, tmp_path, day=MONDAY, files=(), reason="damaged"):
    return raising.open_dispute(
        customer,
        invoice.id,
        chosen,
        reason=reason,
        comment="Arrivé cassé",
        files=list(files),
        uploads_folder=Path(tmp_path) / "uploads",
        max_file_bytes=1024 * 1024,
        review_url=f"{BASE}/disputes",
        today=day,
        now=at(day),
        actor=Actor.debtor(customer),
    )


def decision(day=MONDAY, hour=10) -> dict:
    """Who decides and when, and what the debtor's email links to."""
    return {"actor": USER, "today": day, "now": at(day, hour), "base_url": BASE, "link_days": 30}


def reminders(customer) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.customer_id == customer.id, OutboxMessage.kind == "reminder")
            .order_by(OutboxMessage.id)
        )
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_one_line_of_two_holds_only_that_line_and_the_pass_reminds_the_rest(settings, tmp_path):
    customer = make_customer(name="Café du Port")
    invoice = two_line_invoice(customer)
    line_b = invoice.lines[1]
    dispute = open_on(customer, invoice, {line_b.id: line_b.total_cents}, tmp_path)
    assert dispute.amount_cents == 6000 and dispute.status is DisputeStatus.OPEN

    today_holds = holds.for_today(MONDAY)
    assert today_holds.amounts_on_hold == {invoice.id: 6000}
    assert invoice.id not in today_holds.invoice_ids

    dunning_pass.run_pass(at(MONDAY), settings)
    [message] = reminders(customer)
    assert "Total dû : 120,00\xa0€" in message.text_body.replace("\u202f", "\xa0")
    assert (
        "hors 60,00\xa0€ en attente de notre réponse à votre contestation"
        in message.text_body.replace("\u202f", "\xa0")
    )
    assert "180,00" not in message.text_body  # the disputed 60,00 is left out

    task = db.session.scalar(select(Task).where(Task.object_type == "dispute"))
    assert task.kind == "dispute" and task.object_id == dispute.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "dispute.opened"))
    assert event.customer_id == customer.id and event.invoice_id == invoice.id


def test_a_lowered_amount_is_what_is_held(settings, tmp_path):
    customer = make_customer()
    invoice = two_line_invoice(customer)
    open_on(customer, invoice, {invoice.lines[0].id: 2500}, tmp_path)
    assert holds.for_today(MONDAY).amounts_on_hold == {invoice.id: 2500}
    chosen = selection.select_invoices(customer, [invoice.id])
    assert chosen.allocations == {invoice.id: 18000 - 2500}


def test_whole_invoice_holds_it_entirely(settings, tmp_path):
    customer = make_customer()
    invoice = two_line_invoice(customer)
    chosen = raising.parse_lines(invoice, [], {}, whole=True)
    open_on(customer, invoice, chosen, tmp_path)
    assert invoice.id in holds.for_today(MONDAY).invoice_ids
    dunning_pass.run_pass(at(MONDAY), settings)
    assert reminders(customer) == []
    with pytest.raises(selection.NothingToPay):
        selection.select_invoices(customer, [invoice.id])


def test_accept_in_part_writes_a_credit_note_and_lowers_the_amount_due(settings, tmp_path):
    customer = make_customer(language="en")
    invoice = two_line_invoice(customer)
    line_b = invoice.lines[1]
    dispute = open_on(customer, invoice, {line_b.id: 6000}, tmp_path)
    answer = "Frais de port offerts en partie"
    resolution.accept(dispute.id, accepted_cents=4000, answer=answer, **decision(hour=11))
    note = db.session.scalar(select(CreditNote))
    assert note.number == f"AV-{invoice.number}-1"
    assert note.amount_cents == 4000 and note.invoice_id == invoice.id
    assert invoice.credited_cents == 4000 and invoice.outstanding_cents == 14000
    assert dispute.status is DisputeStatus.ACCEPTED and dispute.credit_note_id == note.id
    assert dispute.resume_on == MONDAY + timedelta(days=7)  # the 20,00 not accepted
    assert holds.for_today(MONDAY).amounts_on_hold == {invoice.id: 2000}
    assert holds.for_today(MONDAY + timedelta(days=7)).amounts_on_hold == {}
    task = db.session.scalar(select(Task).where(Task.object_type == "dispute"))
    assert task.status is TaskStatus.DONE
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "dispute_accepted"))
    assert mail.to_addresses == customer.email_addresses
    assert note.number in mail.text_body and "40.00" in mail.text_body
    actions = set(
        db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.invoice_id == invoice.id, AuditEvent.customer_id == customer.id
            )
        )
    )
    assert {"dispute.opened", "dispute.accepted", "credit_note.created"} <= actions
    # a second decision is refused, nothing more written
    with pytest.raises(raising.DisputeRefused):
        resolution.reject(dispute.id, answer="non", **decision(hour=12))
    assert count(CreditNote) == 1 and dispute.status is DisputeStatus.ACCEPTED


def test_accept_refuses_more_than_disputed(settings, tmp_path):
    customer = make_customer()
    invoice = two_line_invoice(customer)
    dispute = open_on(customer, invoice, {invoice.lines[1].id: 6000}, tmp_path)
    with pytest.raises(raising.DisputeRefused) as refused:
        resolution.accept(dispute.id, accepted_cents=6001, answer="", **decision())
    assert "more than the disputed amount" in str(refused.value)
    assert count(CreditNote) == 0
    assert db.session.get(Dispute, dispute.id).status is DisputeStatus.OPEN


def test_reject_resumes_reminders_for_the_whole_amount_after_7_days(settings, tmp_path):
    customer = make_customer()
    invoice = two_line_invoice(customer)
    dispute = open_on(customer, invoice, raising.parse_lines(invoice, [], {}, True), tmp_path)
    dunning_pass.run_pass(at(MONDAY), settings)
    assert reminders(customer) == []
    with pytest.raises(raising.DisputeRefused):  # an answer is required
        resolution.reject(dispute.id, answer="  ", **decision(hour=11))
    answer = "Livraison signée sans réserve"
    resolution.reject(dispute.id, answer=answer, **decision(hour=11))
    assert dispute.resume_on == MONDAY + timedelta(days=7)
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "dispute_rejected"))
    assert "Livraison signée sans réserve" in mail.text_body
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "dispute.rejected", AuditEvent.invoice_id == invoice.id
        )
    )
    for offset in range(1, 7):
        dunning_pass.run_pass(at(MONDAY + timedelta(days=offset)), settings)
    assert reminders(customer) == []
    dunning_pass.run_pass(at(MONDAY + timedelta(days=7)), settings)
    [message] = reminders(customer)
    assert "180,00" in message.text_body


def test_refusals_write_nothing(settings, tmp_path):
    customer = make_customer()
    invoice = two_line_invoice(customer)
    line_a, line_b = invoice.lines
    with pytest.raises(raising.DisputeRefused) as refused:
        open_on(customer, invoice, {line_a.id: line_a.total_cents + 1}, tmp_path)
    assert "line's total" in str(refused.value)
    with pytest.raises(raising.DisputeRefused):
        open_on(customer, invoice, {line_a.id: 1000}, tmp_path, reason="bored")
    disguised = io.BytesIO(b"MZ\x90\x00 this is a program")
    with pytest.raises(raising.DisputeRefused) as refused:
        open_on(customer, invoice, {line_a.id: 1000}, tmp_path, files=[disguised])
    assert refused.value.errors.keys() == {"attachment"}
    assert count(Dispute) == 0 and count(Task) == 0
    folder = Path(tmp_path) / "uploads"
    assert not folder.exists() or list(folder.iterdir()) == []

    open_on(customer, invoice, {line_b.id: 1000}, tmp_path, files=[io.BytesIO(TINY_PDF)])
    assert len(list(folder.iterdir())) == 1
    with pytest.raises(raising.DisputeRefused) as refused:  # second open dispute, same line
        open_on(customer, invoice, {line_b.id: 500}, tmp_path)
    assert "already disputed" in str(refused.value)
    assert count(Dispute) == 1


def test_paid_invoice_is_refused(settings, tmp_path):
    customer = make_customer()
    invoice = two_line_invoice(customer)
    ledger.record_payment(
        invoice,
        amount_cents=18000,
        paid_on=MONDAY,
        method=PaymentMethod.TRANSFER,
        reference="VIR",
        actor=USER,
        now=at(MONDAY),
    )
    db.session.commit()
    with pytest.raises(raising.DisputeRefused) as refused:
        open_on(customer, invoice, {invoice.lines[0].id: 1000}, tmp_path)
    assert "already paid" in str(refused.value)
    assert count(Dispute) == 0


def test_credited_line_is_refused(settings, tmp_path):
    customer = make_customer()
    invoice = two_line_invoice(customer)
    line_b = invoice.lines[1]
    dispute = open_on(customer, invoice, {line_b.id: 6000}, tmp_path)
    resolution.accept(dispute.id, accepted_cents=6000, answer="", **decision())
    assert dispute.resume_on is None
    with pytest.raises(raising.DisputeRefused) as refused:
        open_on(customer, invoice, {line_b.id: 1000}, tmp_path)
    assert "credited" in str(refused.value)
    assert count(Dispute) == 1


def test_figures(settings, tmp_path):
    assert figures.figures() == figures.Figures(0, 0, None)
    customer = make_customer()
    first, second, third = (two_line_invoice(customer) for _ in range(3))
    d1 = open_on(customer, first, {first.lines[0].id: 12000}, tmp_path)
    d2 = open_on(customer, second, {second.lines[0].id: 12000}, tmp_path)
    open_on(customer, third, {third.lines[1].id: 3000}, tmp_path)
    resolution.reject(d1.id, answer="non", **decision(MONDAY + timedelta(days=2)))
    resolution.accept(d2.id, accepted_cents=100, answer="", **decision(MONDAY + timedelta(days=6)))
    assert figures.figures() == figures.Figures(1, 3000, 4.0)
    assert [d.status for d in resolution.inbox()][0] is DisputeStatus.OPEN
    assert figures.open_count() == 1


def test_a_line_of_another_invoice_is_not_found(settings, tmp_path):
    customer = make_customer()
    mine, other = two_line_invoice(customer), two_line_invoice(make_customer())
    with pytest.raises(NotFound):
        open_on(customer, mine, {other.lines[0].id: 1000}, tmp_path)
    with pytest.raises(NotFound):
        open_on(customer, other, {other.lines[0].id: 1000}, tmp_path)
    assert count(Dispute) == 0
