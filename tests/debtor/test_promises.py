"""The debtor's promise form: defaults, refusals, and the customer scope."""

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Promise, PromiseStatus

from ..conftest import TODAY
from ..factories import days_ago, make_customer, make_invoice


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def setup(debtor_client):
    mine, theirs = make_customer(), make_customer()
    late = make_invoice(mine, issue_date=days_ago(40), due_date=days_ago(10))
    not_due = make_invoice(mine, amount="50.00", issue_date=days_ago(1), due_date=days_ago(-29))
    their_invoice = make_invoice(theirs, issue_date=days_ago(40), due_date=days_ago(10))
    return english(debtor_client(mine)), mine, late, not_due, their_invoice


def test_account_offers_a_promise_and_the_form_ticks_overdue_invoices(app, owner, debtor_client):
    client, _, late, not_due, _ = setup(debtor_client)
    account = client.get("/account").get_data(as_text=True)
    assert 'href="/account/promises/new"' in account and 'href="/account/messages"' in account
    page = client.get("/account/promises/new")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'value="{late.id}" checked' in text and f'value="{not_due.id}" checked' not in text
    assert f'max="{(TODAY + timedelta(days=30)).isoformat()}"' in text
    assert page.headers["Cache-Control"] == "no-store"


def test_promising_a_date(app, owner, debtor_client):
    client, mine, late, _, _ = setup(debtor_client)
    day = TODAY + timedelta(days=10)
    response = client.post(
        "/account/promises",
        data={"invoice": [str(late.id)], "promised_date": day.isoformat(), "amount": "60,50"},
    )
    assert response.status_code == 303 and response.location.endswith("/account")
    row = db.session.scalars(select(Promise)).one()
    expected = (mine.id, [late.id], day, 6050)
    assert (row.customer_id, row.invoice_ids, row.promised_date, row.amount_cents) == expected
    assert row.status is PromiseStatus.PENDING
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "promise.created"))
    assert event.one().customer_id == mine.id
    assert "we have noted" in client.get("/account").get_data(as_text=True)

    again = client.post(
        "/account/promises",
        data={"invoice": [str(late.id)], "promised_date": day.isoformat()},
    )
    assert again.status_code == 422
    assert "You already promised a payment date" in again.get_data(as_text=True)
    assert count(Promise) == 1


def test_bad_input_gets_a_clear_message_and_changes_nothing(app, owner, debtor_client):
    client, _, late, _, _ = setup(debtor_client)
    cases = [
        ({"promised_date": (TODAY - timedelta(days=1)).isoformat()}, "cannot be in the past"),
        ({"promised_date": (TODAY + timedelta(days=31)).isoformat()}, "too far ahead"),
        ({"promised_date": "soon"}, "Enter the date you will pay"),
        ({"amount": "120,01"}, "more than what is due"),
        ({"amount": "douze"}, "Enter the amount"),
        ({"invoice": []}, "Choose the invoices you will pay"),
    ]
    for overrides, message in cases:
        data = {
            "invoice": [str(late.id)],
            "promised_date": (TODAY + timedelta(days=5)).isoformat(),
        }
        data.update(overrides)
        response = client.post("/account/promises", data=data)
        assert response.status_code == 422, overrides
        assert message in response.get_data(as_text=True), overrides
    assert count(Promise) == 0


def test_another_customers_invoice_is_not_found(app, owner, debtor_client):
    client, _, late, _, theirs = setup(debtor_client)
    day = (TODAY + timedelta(days=5)).isoformat()
    assert client.get(f"/account/promises/new?invoice={theirs.id}").status_code == 404
    response = client.post(
        "/account/promises", data={"invoice": [str(late.id), str(theirs.id)], "promised_date": day}
    )
    assert response.status_code == 404
    assert count(Promise) == 0


def test_promises_need_a_debtor_session(app, owner, client):
    assert client.get("/account/promises/new").status_code in (302, 401, 403)
    assert client.post("/account/promises", data={}).status_code in (302, 401, 403)
    assert count(Promise) == 0
