"""A customer's unallocated credit on their page: allocated to an invoice, or recorded as refunded."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, PaymentMethod, TaskStatus
from portal.services import notifications
from portal.services.audit import Actor
from portal.services.payments import ledger
from portal.services.reconciliation import recording

from ..conftest import NOW, TODAY
from ..factories import make_customer, make_invoice
from ..services.test_money_paths import assert_balances_hold


def overpaid_customer():
    """A customer who paid 150.00 for a 120.00 invoice, with a 60.00 invoice still open."""
    customer = make_customer()
    paid = make_invoice(customer, amount="100.00")
    open_invoice = make_invoice(customer, amount="50.00")
    payment, excess = ledger.record_received_payment(
        [(paid, 15000)],
        customer_id=customer.id,
        currency="EUR",
        amount_cents=15000,
        paid_on=TODAY,
        method=PaymentMethod.TRANSFER,
        reference="VIR TROP PERCU",
        actor=Actor.system(),
        now=NOW,
        source="bank",
    )
    task = notifications.ask_creditor(
        recording.TASK_KIND, "Crédit", now=NOW, due_date=TODAY, customer_id=customer.id
    )
    db.session.commit()
    assert excess == 3000
    return customer, open_invoice, payment, task


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def test_the_customer_page_shows_the_credit_with_its_forms(client, logged_in):
    customer, open_invoice, payment, _ = overpaid_customer()
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert 'id="credit"' in page
    assert "VIR TROP PERCU" in page
    assert f"/customers/{customer.id}/credit/{payment.id}/allocate" in page
    assert f"/customers/{customer.id}/credit/{payment.id}/refund" in page
    assert f'<option value="{open_invoice.id}">' in page
    assert 'value="30,00"' in page  # min(credit 30.00, due 60.00), as a French user types it


def test_amounts_are_prefilled_as_each_language_types_them(app):
    from flask_babel import force_locale

    from portal.i18n import amount_input

    with app.test_request_context():
        with force_locale("fr"):
            assert amount_input(123456) == "1234,56"
        with force_locale("en"):
            assert amount_input(3000) == "30.00"


def test_no_credit_no_card(client, logged_in):
    customer = make_customer()
    make_invoice(customer)
    assert 'id="credit"' not in client.get(f"/customers/{customer.id}").get_data(as_text=True)


def test_allocating_from_the_page(client, logged_in):
    customer, open_invoice, payment, task = overpaid_customer()
    response = client.post(
        f"/customers/{customer.id}/credit/{payment.id}/allocate",
        data={"invoice_id": str(open_invoice.id), "amount": "30,00"},
    )
    assert response.status_code == 303
    assert response.location.endswith(f"/customers/{customer.id}")
    assert flashes(client)[0][0] == "success"
    db.session.expire_all()
    assert (open_invoice.paid_cents, open_invoice.outstanding_cents) == (3000, 3000)
    assert ledger.unallocated_cents(payment) == 0
    assert task.status is TaskStatus.DONE
    assert_balances_hold()
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert 'id="credit"' not in page


def test_bad_input_changes_nothing(client, logged_in):
    customer, open_invoice, payment, task = overpaid_customer()
    other = make_customer()
    theirs = make_invoice(other)
    url = f"/customers/{customer.id}/credit/{payment.id}"
    for path, data in [
        ("allocate", {"invoice_id": str(open_invoice.id), "amount": "30.01"}),  # beyond the credit
        ("allocate", {"invoice_id": str(open_invoice.id), "amount": "abc"}),
        ("allocate", {"invoice_id": str(theirs.id), "amount": "10"}),
        ("allocate", {"invoice_id": "", "amount": "10"}),
        ("refund", {"amount": "30.01", "note": ""}),
        ("refund", {"amount": "-1", "note": ""}),
    ]:
        response = client.post(f"{url}/{path}", data=data)
        assert response.status_code == 303, (path, data)
        assert [category for category, _ in flashes(client)] == ["error"], (path, data)
        client.get(f"/customers/{customer.id}")  # shows, and so clears, the message
    # another customer's payment is refused too
    response = client.post(
        f"/customers/{other.id}/credit/{payment.id}/allocate",
        data={"invoice_id": str(theirs.id), "amount": "10"},
    )
    assert [category for category, _ in flashes(client)] == ["error"]
    db.session.expire_all()
    assert (open_invoice.paid_cents, theirs.paid_cents) == (0, 0)
    assert (payment.amount_cents, ledger.unallocated_cents(payment)) == (15000, 3000)
    assert task.status is TaskStatus.OPEN
    assert_balances_hold()


def test_recording_a_refund_from_the_page(client, logged_in):
    customer, open_invoice, payment, task = overpaid_customer()
    response = client.post(
        f"/customers/{customer.id}/credit/{payment.id}/refund",
        data={"amount": "30.00", "note": "Virement retour du 24/11"},
    )
    assert response.status_code == 303
    assert flashes(client)[0][0] == "success"
    db.session.expire_all()
    assert (payment.amount_cents, ledger.unallocated_cents(payment)) == (12000, 0)
    assert open_invoice.paid_cents == 0
    assert task.status is TaskStatus.DONE
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payment.refunded")
    ).one()
    assert event.details["note"] == "Virement retour du 24/11"
    assert_balances_hold()
