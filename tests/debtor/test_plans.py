"""The debtor's plan pages: the form and its preview, proposing, paying an instalment, the scope."""

from datetime import timedelta

from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import InstalmentPlan, PlanStatus, TransferReference

from ..factories import days_ago, make_customer, make_invoice


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def form(invoices, **overrides) -> dict:
    data = {
        "invoice": [str(i.id) for i in invoices],
        "count": "3",
        "first_date": (clock.today() + timedelta(days=5)).isoformat(),
    }
    data.update(overrides)
    return data


def setup_two(debtor_client):
    mine = make_customer(name="Menuiserie Gauthier")
    theirs = make_customer(name="Someone Else")
    my_invoice = make_invoice(
        mine, amount="1000.01", tax_rate="0", issue_date=days_ago(40), due_date=days_ago(10)
    )
    their_invoice = make_invoice(
        theirs, amount="500.00", tax_rate="0", issue_date=days_ago(40), due_date=days_ago(10)
    )
    return debtor_client(mine), mine, theirs, my_invoice, their_invoice


def test_account_offers_a_plan_and_the_form_lists_open_invoices(app, owner, debtor_client):
    client, _, _, invoice, their_invoice = setup_two(debtor_client)
    account = client.get("/account").get_data(as_text=True)
    assert "/account/plans/new" in account
    page = client.get("/account/plans/new").get_data(as_text=True)
    assert invoice.number in page and their_invoice.number not in page
    assert 'id="plan-preview"' in page and "333,35" not in page


def test_preview_without_javascript_renders_the_whole_page(app, owner, debtor_client):
    client, _, _, invoice, _ = setup_two(debtor_client)
    response = client.post("/account/plans/preview", data=form([invoice]))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in body and "333,33" in body and "333,35" in body
    assert "HX-Request" in response.headers.get("Vary", "")
    assert count(InstalmentPlan) == 0


def test_htmx_preview_is_the_fragment_and_explains_rules(app, owner, debtor_client):
    client, _, _, invoice, _ = setup_two(debtor_client)
    response = client.post(
        "/account/plans/preview",
        data=form([invoice], count="9", first_date=days_ago(1).isoformat()),
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/account/plans/new"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="plan-preview"')
    assert "<html" not in body
    assert "HX-Request" in response.headers.get("Vary", "")
    assert "at most 6 instalments" in body or "6 échéances" in body
    assert "past" in body or "passé" in body
    get = client.get(
        "/account/plans/preview", query_string=form([invoice]), headers={"HX-Request": "true"}
    )
    assert get.get_data(as_text=True).lstrip().startswith('<section id="plan-preview"')


def test_propose_accepts_at_once_and_shows_the_plan(app, owner, debtor_client):
    client, mine, _, invoice, _ = setup_two(debtor_client)
    response = client.post("/account/plans", data=form([invoice]))
    assert response.status_code == 303
    plan = db.session.scalars(select(InstalmentPlan)).one()
    assert plan.customer_id == mine.id and plan.status is PlanStatus.ACTIVE
    assert response.location.endswith(f"/account/plans/{plan.id}")
    page = client.get(response.location).get_data(as_text=True)
    assert "333,35" in page and f"/account/plans/{plan.id}/pay" in page


def test_refused_proposal_says_why_and_writes_nothing(app, owner, debtor_client):
    client, _, _, invoice, _ = setup_two(debtor_client)
    response = client.post("/account/plans", data=form([invoice], count="20"))
    assert response.status_code == 422
    assert "échéances" in response.get_data(as_text=True)  # the rule broken, in French
    assert count(InstalmentPlan) == 0
    client.post("/account/plans", data=form([invoice]))
    second = client.post("/account/plans", data=form([invoice]))
    assert second.status_code == 422
    assert count(InstalmentPlan) == 1


def test_pay_this_instalment_gives_transfer_details_for_its_amount(app, owner, debtor_client):
    client, _, _, invoice, _ = setup_two(debtor_client)
    client.post("/account/plans", data=form([invoice]))
    plan = db.session.scalars(select(InstalmentPlan)).one()
    response = client.post(f"/account/plans/{plan.id}/pay")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    reference = db.session.scalars(select(TransferReference)).one()
    assert reference.amount_cents == 33333
    assert reference.allocations == {str(invoice.id): 33333}
    assert "333,33" in body and "1 000,01" not in body


def test_other_customers_plans_and_invoices_are_not_found(app, owner, debtor_client):
    client, _, theirs, _, their_invoice = setup_two(debtor_client)
    their_client = debtor_client(theirs)
    their_client.post("/account/plans", data=form([their_invoice]))
    plan = db.session.scalars(select(InstalmentPlan)).one()
    before = count(InstalmentPlan), count(TransferReference)
    assert client.get(f"/account/plans/{plan.id}").status_code == 404
    assert client.post(f"/account/plans/{plan.id}/pay").status_code == 404
    assert client.post("/account/plans", data=form([their_invoice])).status_code == 404
    assert client.post("/account/plans/preview", data=form([their_invoice])).status_code == 404
    assert client.get("/account/plans/new", query_string=form([their_invoice])).status_code == 404
    assert (count(InstalmentPlan), count(TransferReference)) == before


def test_plan_pages_need_a_debtor_session(app, owner, client):
    assert client.get("/account/plans/new").status_code in (302, 401, 403)
    assert client.post("/account/plans/preview").status_code in (302, 401, 403)


def test_pay_an_instalment_online(app, owner, debtor_client, fake_stripe):
    from portal.models import CheckoutAttempt

    client, mine, theirs, invoice, their_invoice = setup_two(debtor_client)
    client.post("/account/plans", data=form([invoice]))
    plan = db.session.scalars(select(InstalmentPlan)).one()
    page = client.post(f"/account/plans/{plan.id}/pay").get_data(as_text=True)
    assert 'name="plan"' in page and "/account/pay/online" in page
    # the amount comes from the plan, whatever invoices the browser sends along
    response = client.post(
        "/account/pay/online",
        data={"plan": str(plan.id), "invoice": [str(invoice.id)], "method": "card"},
    )
    assert response.status_code == 303 and "checkout.stripe.com" in response.location
    attempt = db.session.scalars(select(CheckoutAttempt)).one()
    assert attempt.amount_cents == 33333 and attempt.allocations == {str(invoice.id): 33333}
    # another customer's plan is not reachable
    other = debtor_client(theirs)
    assert (
        other.post("/account/pay/online", data={"plan": str(plan.id), "method": "card"}).status_code
        == 404
    )
    assert count(CheckoutAttempt) == 1


def test_the_form_says_a_disputed_amount_is_left_out(app, owner, debtor_client, tmp_path):
    from pathlib import Path

    from portal.services.audit import Actor
    from portal.services.disputes import raising

    customer = make_customer(name="Menuiserie Gauthier")
    invoice = make_invoice(
        customer, amount="1000.00", tax_rate="0", issue_date=days_ago(40), due_date=days_ago(10)
    )
    raising.open_dispute(
        customer,
        invoice.id,
        {invoice.lines[0].id: 40000},
        reason="wrong_price",
        comment="",
        files=[],
        uploads_folder=Path(tmp_path),
        max_file_bytes=1024,
        review_url="https://portal.example.test/disputes",
        today=clock.today(),
        now=clock.now(),
        actor=Actor.debtor(customer),
    )
    db.session.commit()
    client = debtor_client(customer)

    page = client.get("/account/plans/new").get_data(as_text=True)

    assert 'id="plan-dispute-note"' in page
    assert "600,00" in page and "400,00" in page  # covered, and left out
    preview = client.post("/account/plans/preview", data=form([invoice], count="2")).get_data(
        as_text=True
    )
    assert "300,00" in preview and "400,00" in preview
