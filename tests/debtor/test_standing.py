"""The debtor's requests stay visible and are never paid twice by mistake.

A plan proposed, an invoice declared paid, a date promised and a part
disputed: the account says each, only what may be paid now is ticked and
totalled, and the pay, promise and plan pages leave the rest out.
"""

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import PaidDeclaration, TransferReference
from portal.services.payments import standing

from ..factories import days_ago, make_customer, make_invoice


def _requests_made(debtor_client):
    customer = make_customer(language="en")
    planned, declared, promised, disputed, plain = (
        make_invoice(customer, amount=amount, issue_date=days_ago(40), due_date=days_ago(10))
        for amount in ("100.00", "200.00", "300.00", "400.00", "500.00")
    )
    client = debtor_client(customer)
    first = (clock.today() + timedelta(days=5)).isoformat()
    made = [
        client.post(
            "/account/plans", data={"invoice": [planned.id], "count": "2", "first_date": first}
        ),
        client.post(
            "/account/declarations",
            data={
                "invoice": [declared.id],
                "paid_on": days_ago(2).isoformat(),
                "amount": "240.00",
                "method": "transfer",
            },
        ),
        client.post(
            "/account/promises",
            data={"invoice": [promised.id], "promised_date": days_ago(-7).isoformat()},
        ),
        client.post(
            f"/account/invoices/{disputed.id}/dispute",
            data={
                "line": [str(disputed.lines[0].id)],
                f"amount-{disputed.lines[0].id}": "80.00",
                "reason": "damaged",
            },
        ),
    ]
    assert [r.status_code for r in made] == [303, 303, 303, 303]
    return client, customer, (planned, declared, promised, disputed, plain)


def test_the_service_says_what_each_invoice_waits_for(app, owner, debtor_client):
    _, customer, (planned, declared, promised, disputed, plain) = _requests_made(debtor_client)
    rows = {row.invoice.id: row for row in standing.for_customer(customer, clock.today())}
    assert rows[planned.id].state in (standing.State.PLAN_PROPOSED, standing.State.PLAN_ACTIVE)
    assert rows[declared.id].state is standing.State.DECLARED
    assert rows[declared.id].declaration.amount_cents == 24000
    assert rows[promised.id].state is standing.State.PROMISED
    assert rows[disputed.id].on_hold_cents == 8000
    payable = {i: rows[i].payable_cents for i in rows}
    assert payable == {
        planned.id: 0,
        declared.id: 0,
        promised.id: 36000,
        disputed.id: 40000,
        plain.id: 60000,
    }
    assert {i for i, row in rows.items() if row.preselected} == {disputed.id, plain.id}


def test_the_account_shows_each_request_and_totals_only_what_is_payable(app, owner, debtor_client):
    client, _, (planned, declared, promised, disputed, plain) = _requests_made(debtor_client)
    page = client.get("/account").get_data(as_text=True)
    assert re.search(r'class="due-amount">€1,000.00<', page)  # 400 undisputed + 600
    assert "Declared paid, being checked" in page
    assert "You told us you paid €240.00" in page
    assert "Payment promised by" in page
    assert "€80.00 on hold (disputed)" in page
    assert "Payment plan proposed" in page or "In your payment plan" in page
    for waiting in (planned, declared):
        assert waiting.number in page and f'value="{waiting.id}"' not in page
    assert f'value="{promised.id}" data-cents="36000"' in page  # payable, not ticked
    assert f'value="{disputed.id}" checked data-cents="40000"' in page
    assert f'value="{plain.id}" checked data-cents="60000"' in page
    assert re.search(r'class="pay-button"[^>]*>\s*Pay €1,000.00\s*<', page)


def test_paying_everything_leaves_out_what_waits(app, owner, debtor_client):
    client, _, invoices = _requests_made(debtor_client)
    planned, declared = invoices[:2]
    everything = client.post("/account/pay", data={"invoice": [i.id for i in invoices]})
    assert everything.status_code == 200
    reference = db.session.scalars(select(TransferReference)).one()
    assert reference.amount_cents == 36000 + 40000 + 60000
    only_waiting = client.post("/account/pay", data={"invoice": [planned.id, declared.id]})
    assert only_waiting.status_code == 303 and only_waiting.location.endswith("/account")


def test_promise_and_plan_forms_leave_out_what_is_on_hold(app, owner, debtor_client):
    client, _, (planned, declared, promised, disputed, plain) = _requests_made(debtor_client)
    promise_form = client.get("/account/promises/new").get_data(as_text=True)
    plan_form = client.get("/account/plans/new").get_data(as_text=True)
    for form in (promise_form, plan_form):
        assert f'value="{planned.id}"' not in form and f'value="{declared.id}"' not in form
        assert f"{disputed.number} · €400.00" in form  # not the disputed 80
        assert "€80.00 on hold (disputed) is left out" in form
        assert f"{plain.number} · €600.00" in form
    too_much = client.post(
        "/account/promises",
        data={
            "invoice": [disputed.id],
            "promised_date": days_ago(-7).isoformat(),
            "amount": "450.00",
        },
    )
    assert too_much.status_code == 422
    plan = client.post(
        "/account/plans/preview",
        data={"invoice": [disputed.id], "count": "2", "first_date": days_ago(-5).isoformat()},
    ).get_data(as_text=True)
    assert "€400.00" in plan and "€480.00" not in plan


def test_the_already_paid_form_never_declares_an_invoice_twice(app, owner, debtor_client):
    client, _, (planned, declared, promised, disputed, plain) = _requests_made(debtor_client)
    form = client.get("/account/declarations/new").get_data(as_text=True)
    # what was declared is listed as being checked, not offered again
    assert f'value="{declared.id}"' not in form
    assert f"Invoice {declared.number}: you told us you paid it on" in form
    # a plan's invoice may have had an instalment paid by transfer: offered, never ticked
    assert f'value="{planned.id}" >' in form and "in a payment plan" in form
    # only what is due and waits for nothing is ticked
    ticked = set(re.findall(r'value="(\d+)" checked', form))
    assert ticked == {str(disputed.id), str(plain.id)}  # not the promised one either
    assert "€80.00 disputed" in form

    before = db.session.scalar(select(func.count()).select_from(PaidDeclaration))
    again = client.post(
        "/account/declarations",
        data={
            "invoice": [declared.id, plain.id],
            "paid_on": days_ago(1).isoformat(),
            "amount": "100.00",
            "method": "transfer",
        },
    )
    assert again.status_code == 422
    assert "You already told us these invoices are paid: we are checking." in again.get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count()).select_from(PaidDeclaration)) == before
