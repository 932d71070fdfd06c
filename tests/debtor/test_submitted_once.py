"""A debtor's form sent twice (double click, retry, two tabs) is recorded once.

The concurrent tests send ten requests at once from ten threads, each with its
own test client and database session, against the suite's real database (a
SQLite file, or PostgreSQL): what they prove is what the database guarantees.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.extensions import db
from portal.models import (
    DebtorSubmission,
    Dispute,
    DisputeLine,
    DisputeStatus,
    InstalmentPlan,
    Message,
    PaidDeclaration,
    Promise,
)
from portal.services.payments.invoicing import LineInput

from ..factories import days_ago, make_customer, make_invoice

KEY = "k3y-0f-0ne-f0rm-p4ge-only"
TIMES = 10
REFUSALS = {
    "dispute": "A line you ticked is already disputed",
    "promise": "You already promised a payment date",
    "plan": "No invoice can be put in a payment plan at the moment.",
}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def an_invoice():
    customer = make_customer(name="Menuiserie Gauthier")
    invoice = make_invoice(
        customer,
        issue_date=days_ago(40),
        due_date=days_ago(10),
        lines=[
            LineInput("Chaises", Decimal("1"), Decimal("100"), Decimal("20")),
            LineInput("Livraison", Decimal("1"), Decimal("50"), Decimal("20")),
        ],
    )
    return customer, invoice


def dispute_form(invoice):
    return f"/account/invoices/{invoice.id}/dispute", {
        "line": [str(invoice.lines[0].id)],
        "reason": "damaged",
        "comment": "Cassé",
    }


def promise_form(invoice):
    day = clock.today() + timedelta(days=5)
    return "/account/promises", {"invoice": [str(invoice.id)], "promised_date": day.isoformat()}


def plan_form(invoice):
    first = clock.today() + timedelta(days=5)
    return "/account/plans", {
        "invoice": [str(invoice.id)],
        "count": "3",
        "first_date": first.isoformat(),
    }


def declaration_form(invoice):
    return "/account/declarations", {
        "invoice": [str(invoice.id)],
        "paid_on": clock.today().isoformat(),
        "amount": "180,00",
        "method": "transfer",
    }


def message_form(invoice):
    return "/account/messages", {"body": "Je paierai le 15."}


FORMS = {
    "dispute": (dispute_form, Dispute),
    "promise": (promise_form, Promise),
    "plan": (plan_form, InstalmentPlan),
    "declaration": (declaration_form, PaidDeclaration),
    "message": (message_form, Message),
}


def english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def at_once(clients, url: str, data: dict | list[dict]) -> list:
    """POST from every client at the same moment (the same data, or one each); the responses."""
    each = data if isinstance(data, list) else [data] * len(clients)
    start = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)
    failures: list[BaseException] = []

    def send(n: int) -> None:
        try:
            start.wait(30)
            responses[n] = clients[n].post(url, data=each[n])
        except BaseException as exc:  # surfaced by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    db.session.expire_all()
    return responses


def same_browser(app, first, n: int) -> list:
    """`n` clients sharing the first one's session cookie: one browser, several requests."""
    cookie = first.get_cookie("session")
    clients = [first]
    for _ in range(n - 1):
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
        clients.append(client)
    return clients


@pytest.mark.parametrize("kind", sorted(FORMS))
def test_the_form_carries_a_fresh_submission_key(app, owner, debtor_client, kind):
    customer, invoice = an_invoice()
    client = debtor_client(customer)
    pages = {
        "dispute": f"/account/invoices/{invoice.id}/dispute",
        "promise": "/account/promises/new",
        "plan": "/account/plans/new",
        "declaration": "/account/declarations/new",
        "message": "/account/messages",
    }
    first = client.get(pages[kind]).get_data(as_text=True)
    second = client.get(pages[kind]).get_data(as_text=True)
    marker = 'name="submission_key" value="'
    assert marker in first and marker in second
    key_of = lambda page: page.split(marker, 1)[1].split('"', 1)[0]  # noqa: E731
    assert len(key_of(first)) >= 16 and key_of(first) != key_of(second)


@pytest.mark.parametrize("kind", sorted(FORMS))
def test_a_double_click_is_recorded_once_and_answered_alike(app, owner, debtor_client, kind):
    make_form, model = FORMS[kind]
    customer, invoice = an_invoice()
    url, data = make_form(invoice)
    clients = same_browser(app, debtor_client(customer), TIMES)
    responses = at_once(clients, url, {**data, "submission_key": KEY})
    assert [r.status_code for r in responses] == [303] * TIMES
    assert len({r.location for r in responses}) == 1
    assert count(model) == 1
    assert count(DebtorSubmission) == 1


@pytest.mark.parametrize("kind", ["dispute", "promise", "plan"])
def test_two_tabs_at_once_record_one_and_refuse_the_others(app, owner, debtor_client, kind):
    make_form, model = FORMS[kind]
    customer, invoice = an_invoice()
    url, data = make_form(invoice)
    clients = [english(debtor_client(customer)) for _ in range(TIMES)]
    responses = at_once(
        clients, url, [{**data, "submission_key": f"{KEY}-{n}"} for n in range(TIMES)]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [303] + [422] * (TIMES - 1)
    refused = next(r for r in responses if r.status_code == 422).get_data(as_text=True)
    assert REFUSALS[kind] in refused
    assert count(model) == 1
    if kind == "dispute":  # the amount on hold is the line's, once
        assert db.session.scalar(select(func.sum(Dispute.amount_cents))) == 12000


def test_a_retry_after_a_refusal_is_processed_afresh(app, owner, debtor_client):
    customer, invoice = an_invoice()
    client = english(debtor_client(customer))
    url, data = promise_form(invoice)
    refused = client.post(url, data={**data, "promised_date": "", "submission_key": KEY})
    assert refused.status_code == 422 and count(DebtorSubmission) == 0
    accepted = client.post(url, data={**data, "submission_key": KEY})
    assert accepted.status_code == 303 and count(Promise) == 1
    again = client.post(url, data={**data, "submission_key": KEY}, follow_redirects=True)
    assert again.status_code == 200 and count(Promise) == 1
    assert "recorded only once" in again.get_data(as_text=True)


def test_a_key_is_remembered_for_a_day_only(app, owner, debtor_client):
    customer, invoice = an_invoice()
    client = debtor_client(customer)
    url, data = message_form(invoice)
    assert client.post(url, data={**data, "submission_key": KEY}).status_code == 303
    app.config["CLOCK_NOW"] = clock.now() + timedelta(hours=25)
    other = f"{KEY}-later"
    assert client.post(url, data={**data, "submission_key": other}).status_code == 303
    keys = db.session.scalars(select(DebtorSubmission.key)).all()
    assert keys == [other] and count(Message) == 2


def test_the_database_refuses_a_second_open_dispute_on_a_line(app, owner):
    customer, invoice = an_invoice()
    line = invoice.lines[0]

    def dispute(status=DisputeStatus.OPEN):
        return Dispute(
            customer_id=customer.id,
            invoice_id=invoice.id,
            status=status,
            reason="damaged",
            amount_cents=100,
            created_at=clock.now(),
            lines=[DisputeLine(invoice_line_id=line.id, amount_cents=100)],
        )

    first = dispute()
    db.session.add_all([first, dispute(DisputeStatus.REJECTED)])
    db.session.flush()
    db.session.add(dispute())
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    first = dispute()
    db.session.add(first)
    db.session.flush()
    first.status = DisputeStatus.REJECTED  # resolving releases the line
    db.session.add(dispute())
    db.session.flush()
    assert [ln.is_open for ln in first.lines] == [False]
