"""Whatever a visitor types or puts in a URL, the answer is a page, never a server error.

Hypothesis feeds the debtor's and the creditor's forms and query strings with
random and extreme values (ids beyond any integer column, 28-digit amounts,
dates in the year 9999, counts of 100 000 instalments, text where numbers go).
Each answer must be below 500, and a refused request (4xx) must leave every
table as it was.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import Dispute, Promise
from portal.services.payments.invoicing import LineInput

from .debtor.conftest import open_link
from .factories import days_ago, make_customer, make_invoice

EXAMPLES = settings(
    max_examples=40,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Numbers and dates at and beyond every edge, and text where they go.
NASTY = st.sampled_from(
    [
        "",
        "0",
        "-1",
        "2147483647",
        "2147483648",
        "9223372036854775808",
        "1" * 28,
        "9" * 5000,
        "100000",
        "1e400",
        "NaN",
        "-0,01",
        "0,001",
        "12 345 678 901 234 567 890,12",
        "9999-12-31",
        "0001-01-01",
        "31/12/9999",
        "2026-02-30",
        "   ",
        "\x00",
        "é" * 300,
        "<script>",
    ]
)
VALUE = st.one_of(
    NASTY,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.text(max_size=40),
)


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": False}


@pytest.fixture
def world(app, owner):
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
    db.session.commit()
    return customer, invoice


def table_counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def answered(response, before: dict[str, int]) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    if response.status_code >= 400:
        assert table_counts() == before


@given(
    form=st.sampled_from(["dispute", "promise", "plan", "preview", "declaration", "pay"]),
    values=st.lists(VALUE, min_size=8, max_size=8),
    use_real_ids=st.booleans(),
)
@EXAMPLES
def test_debtor_forms_never_fail(app, world, form, values, use_real_ids):
    customer, invoice = world
    client = app.test_client()
    open_link(client, customer)
    before = table_counts()
    invoice_id = str(invoice.id) if use_real_ids else values[0]
    line_id = str(invoice.lines[0].id) if use_real_ids else values[1]
    url, data = {
        "dispute": (
            f"/account/invoices/{invoice.id}/dispute",
            {"line": line_id, f"amount-{line_id}": values[2], "reason": "damaged"},
        ),
        "promise": (
            "/account/promises",
            {"invoice": invoice_id, "promised_date": values[3], "amount": values[4]},
        ),
        "plan": (
            "/account/plans",
            {
                "invoice": invoice_id,
                "count": values[5],
                "first_date": values[3],
                "down_payment": values[4],
                "dates": " ".join(values[2:6]),
            },
        ),
        "preview": (
            "/account/plans/preview",
            {"invoice": invoice_id, "count": values[5], "first_date": values[6]},
        ),
        "declaration": (
            "/account/declarations",
            {
                "invoice": invoice_id,
                "paid_on": values[3],
                "amount": values[4],
                "method": values[7],
            },
        ),
        "pay": ("/account/pay", {"invoice": invoice_id}),
    }[form]
    answered(client.post(url, data=data), before)


@given(
    path=st.sampled_from(
        [
            "/account/invoices/{v}",
            "/account/invoices/{v}/dispute",
            "/account/disputes/{v}",
            "/account/plans/{v}",
            "/account/declarations/{v}",
            "/account/transfer/{v}/qr.svg",
            "/account/promises/new?invoice={v}",
            "/account/declarations/new?invoice={v}",
            "/account/plans/new?invoice={v}&count={v}&first_date={v}",
            "/account/plans/preview?invoice={v}&count={v}&first_date={v}",
            "/link?reason={v}",
        ]
    ),
    value=VALUE,
)
@EXAMPLES
def test_debtor_urls_never_fail(app, world, path, value):
    customer, _ = world
    client = app.test_client()
    open_link(client, customer)
    before = table_counts()
    answered(client.get(path.format(v=value)), before)


@given(
    path=st.sampled_from(
        [
            "/customers?page={v}&sort={v}&status={v}&kind={v}&q={v}",
            "/invoices?page={v}&sort={v}&status={v}&bucket={v}&segment={v}",
            "/outbox?page={v}&status={v}",
            "/customers/{v}",
            "/invoices/{v}",
            "/disputes/{v}",
            "/outbox/{v}",
            "/settings/rates?semester={v}",
            "/bank/entries/{v}/assign?customer_id={v}",
        ]
    ),
    value=VALUE,
)
@EXAMPLES
def test_dashboard_urls_never_fail(app, world, logged_in, client, path, value):
    before = table_counts()
    answered(client.get(path.format(v=value)), before)


@given(
    form=st.sampled_from(["payment", "pause", "plan", "allocate", "rates", "step"]),
    values=st.lists(VALUE, min_size=4, max_size=4),
)
@EXAMPLES
def test_dashboard_forms_never_fail(app, world, logged_in, client, form, values):
    customer, invoice = world
    before = table_counts()
    url, data = {
        "payment": (
            f"/invoices/{invoice.id}/payments",
            {"amount": values[0], "paid_on": values[1], "method": "transfer"},
        ),
        "pause": (f"/customers/{customer.id}/pause", {"until": values[1]}),
        "plan": ("/plans/1/modify", {"count": values[0], "first_date": values[1]}),
        "allocate": (
            f"/customers/{customer.id}/credit/1/allocate",
            {"invoice_id": values[2], "amount": values[0]},
        ),
        "rates": (
            "/settings/rates",
            {"semester_start": values[1], "rate": values[0], "legal_professional": values[3]},
        ),
        "step": ("/scenarios/1/steps", {"day_offset": values[0], "kind": values[2]}),
    }[form]
    answered(client.post(url, data=data), before)


def test_ids_beyond_any_integer_column_are_not_found(app, world):
    customer, invoice = world
    client = app.test_client()
    open_link(client, customer)
    assert client.get(f"/account/invoices/{2**31}").status_code == 404
    assert client.get(f"/account/invoices/{2**31 - 1}").status_code == 404
    assert client.get(f"/account/promises/new?invoice={10**27}").status_code == 404
    assert client.post("/account/pay", data={"invoice": "9" * 30}).status_code == 404
    assert client.get(f"/account/invoices/{invoice.id}").status_code == 200


def test_a_nul_character_is_a_bad_request_on_every_engine(app, world, logged_in, client):
    """PostgreSQL cannot hold NUL in text: a search or form with one answers 400, not 500."""
    before = table_counts()
    page = client.get("/customers?q=%00")
    assert page.status_code == 400
    assert client.get("/invoices?q=a%00b").status_code == 400
    assert client.post("/customers/new", data={"name": "A\x00B"}).status_code == 400
    assert table_counts() == before
    assert client.get("/customers?q=ab").status_code == 200


def test_extreme_plan_promise_and_amount_get_a_clear_answer(app, world):
    customer, invoice = world
    client = app.test_client()
    open_link(client, customer)
    with client.session_transaction() as session:
        session["lang"] = "en"
    first = (clock.today() + timedelta(days=5)).isoformat()
    plan = client.post(
        "/account/plans", data={"invoice": str(invoice.id), "count": "100000", "first_date": first}
    )
    refused = plan.get_data(as_text=True)
    # The creditor's own maximum is the answer, not the portal's technical limit of 120.
    assert plan.status_code == 422 and "You can spread the payment over at most" in refused
    assert "120" not in refused
    far = client.post(
        "/account/plans",
        data={"invoice": str(invoice.id), "count": "3", "first_date": "9999-12-01"},
    )
    assert far.status_code == 422
    promise = client.post(
        "/account/promises",
        data={"invoice": str(invoice.id), "promised_date": first, "amount": "1" * 28},
    )
    assert promise.status_code == 422
    assert "This amount is too large" in promise.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Promise)) == 0
    dispute = client.post(
        f"/account/invoices/{invoice.id}/dispute",
        data={"line": str(invoice.lines[0].id), f"amount-{invoice.lines[0].id}": "1" * 28},
    )
    assert dispute.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Dispute)) == 0


def test_a_payment_dated_in_the_year_9999_is_refused(app, world, logged_in, client):
    _, invoice = world
    before = table_counts()
    response = client.post(
        f"/invoices/{invoice.id}/payments",
        data={"amount": "10,00", "paid_on": "9999-12-31", "method": "transfer"},
    )
    assert response.status_code == 422
    assert table_counts() == before
